"""The list of participants: who heads a delegation, when the list is final, who downloaded it.

Each function is one transaction with its audit entry. The list itself is read by
`queries.participants` and written out by `outputs.participants_list`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from registrations.models import AuditAction, Delegate, Event
from registrations.services import seats
from registrations.services.audit import Actor, commit, record


@transaction.atomic
def set_head_of_delegation(*, delegate: Delegate, head: bool, actor: Actor) -> bool:
    """Mark (or unmark) the head of a delegation; returns whether it changed. A delegation has one
    head: marking one unmarks the others of the same institute and event."""
    (locked,) = seats.lock_delegates([delegate.pk])
    if locked.head_of_delegation == head:
        return False
    audit = []
    if head and locked.institute_id:
        previous = Delegate.objects.select_for_update().filter(
            event_id=locked.event_id, institute_id=locked.institute_id, head_of_delegation=True
        )
        for other in previous:
            audit.append(record(actor, AuditAction.HEAD_OF_DELEGATION_SET, delegate=other, head=False))
        previous.update(head_of_delegation=False, updated_at=timezone.now())
    locked.head_of_delegation = head
    locked.save(update_fields=["head_of_delegation", "updated_at"])
    audit.append(record(actor, AuditAction.HEAD_OF_DELEGATION_SET, delegate=locked, head=head))
    commit(audit)
    return True


@transaction.atomic
def mark_participants_list(*, event: Event, final: bool, actor: Actor) -> None:
    """The list says "final" from now on, or "provisional" again."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.participants_list_final_at = timezone.now() if final else None
    event.save(update_fields=["participants_list_final_at"])
    commit([record(actor, AuditAction.PARTICIPANTS_LIST_FINAL, event=event, final=final)])


@transaction.atomic
def record_participants_list_download(
    *,
    event: Event,
    actor: Actor,
    language: str,
    file_format: str,
    institute_id: int | None = None,
    rows: int = 0,
    delegate: Delegate | None = None,
) -> None:
    """Every download of the list is audited: who, which language and format, which section."""
    commit(
        [
            record(
                actor,
                AuditAction.PARTICIPANTS_LIST_DOWNLOADED,
                event=event,
                delegate=delegate,
                language=language,
                format=file_format,
                institute=institute_id,
                rows=rows,
            )
        ]
    )
