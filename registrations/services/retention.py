"""Personal data over time: the retention purge and erasure at a delegate's request (GDPR).

What counts as personal data is one list, `models.PERSONAL_DATA_FIELDS`: the purge empties exactly
those fields, and "download my data" returns them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    PERSONAL_DATA_FIELDS,
    AuditAction,
    AuditEntry,
    Delegate,
    EmailStatus,
    Event,
    Invitation,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    new_link_secret,
)
from . import seats
from .audit import Actor, commit, record
from .errors import RetentionNotOver

ERASED_EMAIL_DOMAIN = "erased.invalid"


@dataclass
class PurgeResult:
    erased: int
    already_erased: int
    counts: dict


def erased_value(delegate: Delegate, name: str):
    """What an erased delegate's field holds: empty, false, or for the email a unique placeholder."""
    if name == "email":
        return f"erased-{delegate.public_id.hex}@{ERASED_EMAIL_DOMAIN}"
    field = Delegate._meta.get_field(name)
    return False if isinstance(field, models.BooleanField) else ""


@transaction.atomic
def purge_personal_data(*, event: Event, actor: Actor, now=None) -> PurgeResult:
    """Anonymize every delegate of an event whose retention period is over; keep only counts.

    Delegate rows and their session registrations stay, with status, stakeholder type, institute and
    sessions, so the counts per institute, stakeholder type and session survive. Every personal
    field is emptied, the email becomes a unique placeholder, the private link is revoked, and the
    personal data in the outbox and in the audit trail of these delegates is cleared. The purge
    itself is recorded in the audit trail with the counts it kept.
    """
    now = now or timezone.now()
    if now < event.retention_ends_at:
        raise RetentionNotOver(
            _("The retention period of %(event)s ends on %(date)s; its personal data is kept until then.")
            % {"event": event, "date": event.retention_ends_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M %Z")}
        )
    from ..selectors import registration_counts

    delegates = list(Delegate.objects.select_for_update().filter(event=event).order_by("pk"))
    to_erase = [d for d in delegates if d.anonymized_at is None]
    for delegate in to_erase:
        for name in PERSONAL_DATA_FIELDS:
            setattr(delegate, name, erased_value(delegate, name))
        delegate.link_secret = new_link_secret()
        delegate.anonymized_at = now
        delegate.updated_at = now
    Delegate.objects.bulk_update(
        to_erase, [*PERSONAL_DATA_FIELDS, "link_secret", "anonymized_at", "updated_at"], batch_size=500
    )
    outbox = OutboundEmail.objects.filter(delegate__event=event)
    outbox.filter(status=EmailStatus.PENDING).update(status=EmailStatus.FAILED)
    outbox.update(context={}, last_error="")
    AuditEntry.objects.filter(delegate__event=event).update(reason="", details={})
    _erase_invitees(event)
    counts = registration_counts(event)
    already_erased = len(delegates) - len(to_erase)
    commit(
        [
            record(
                actor,
                AuditAction.PERSONAL_DATA_PURGED,
                event=event,
                erased=len(to_erase),
                already_erased=already_erased,
                counts=counts,
            )
        ]
    )
    return PurgeResult(erased=len(to_erase), already_erased=already_erased, counts=counts)


def _erase_invitees(event: Event) -> None:
    """Invitations keep their counts (kind, type, sessions, status) and lose who they were for."""
    invitations = list(Invitation.objects.select_for_update().filter(event=event).order_by("pk"))
    for invitation in invitations:
        invitation.name = ""
        invitation.email = f"erased-{invitation.public_id.hex}@{ERASED_EMAIL_DOMAIN}" if invitation.is_personal else ""
        invitation.secret = new_link_secret()
    Invitation.objects.bulk_update(invitations, ["name", "email", "secret"], batch_size=500)
    invitee_mail = OutboundEmail.objects.filter(invitation__event=event)
    invitee_mail.filter(status=EmailStatus.PENDING).update(status=EmailStatus.FAILED)
    invitee_mail.update(context={}, last_error="")
    AuditEntry.objects.filter(invitation__event=event).update(reason="")


@transaction.atomic
def erase_delegates(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> int:
    """Delete delegates at an organizer's request (e.g. a GDPR erasure request).

    Their seats are freed and the waitlists move up first; the audit trail keeps who erased how
    many, and no personal data. Returns how many were erased.
    """
    delegates = seats.lock_delegates(delegate_ids)
    if not delegates:
        return 0
    by_id = {d.pk: d for d in delegates}
    active = list(SessionRegistration.objects.filter(delegate_id__in=by_id).exclude(status=SeatStatus.CANCELLED))
    sessions = seats.lock_sessions({r.session_id for r in active})
    freed = {r.session_id for r in active if r.status == SeatStatus.CONFIRMED}
    events = {d.event_id: d.event for d in delegates}
    # Their audit entries stay (who decided what, when) but lose what could name the person.
    AuditEntry.objects.filter(delegate_id__in=by_id).update(reason="", details={})
    Delegate.objects.filter(pk__in=by_id).delete()
    outgoing: list = []
    seats.promote_waitlist(freed, outgoing)
    commit(
        [
            record(
                actor,
                AuditAction.ERASED,
                event=event,
                reason=reason,
                delegates=sum(d.event_id == event.pk for d in delegates),
                sessions_freed=sorted(s for s in freed if sessions[s].event_id == event.pk),
            )
            for event in events.values()
        ],
        outgoing,
    )
    return len(delegates)
