"""Events and institutes as organizers change them, audited, and never deleted out from under
the registrations they carry."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.utils.translation import ngettext

from registrations.models import AuditAction, Delegate, Event, Institute
from registrations.rules.errors import InUse
from registrations.services import public_version
from registrations.services.audit import Actor, commit, record


def _write_changes(model, pk: int, changes: dict):
    """Lock the row, write the values that differ; return the row and what changed ({field: {from, to}})."""
    instance = model.objects.select_for_update().get(pk=pk)
    changed = {
        name: {"from": str(getattr(instance, name)), "to": str(value)}
        for name, value in changes.items()
        if getattr(instance, name) != value
    }
    for name in changed:
        setattr(instance, name, changes[name])
    if changed:
        instance.save(update_fields=list(changed))
    return instance, changed


@transaction.atomic
def save_event(*, event: Event, changes: dict, actor: Actor) -> Event:
    """Create an event (an unsaved instance) or change one; `changes` are a validated form's changed values."""
    if event.pk is None:
        event.save()
        commit([record(actor, AuditAction.EVENT_CREATED, event=event, name=event.name)])
        return event
    event, changed = _write_changes(Event, event.pk, changes)
    if changed:
        commit([record(actor, AuditAction.EVENT_CHANGED, event=event, fields=changed)])
        public_version.bump(event_ids=[event.pk])
    return event


def check_event_deletable(events: Iterable[Event]) -> None:
    """Refuse to delete an event that still has registrations: they are erased through their own path."""
    events = list(events)
    counts = dict(Delegate.objects.filter(event__in=events).order_by().values_list("event").annotate(n=Count("pk")))
    for event in events:
        if counts.get(event.pk):
            raise InUse(
                ngettext(
                    "%(event)s still has %(n)d registration. Delete it from the delegate list first (it is "
                    "then erased, its seats freed and the deletion audited), or wait for the retention purge.",
                    "%(event)s still has %(n)d registrations. Delete them from the delegate list first (they "
                    "are then erased, their seats freed and the deletion audited), or wait for the retention purge.",
                    counts[event.pk],
                )
                % {"event": event.name, "n": counts[event.pk]}
            )


@transaction.atomic
def delete_events(*, event_ids: Iterable[int], actor: Actor) -> int:
    """Delete events without registrations (their sessions go with them); audited."""
    events = list(Event.objects.select_for_update().filter(pk__in=set(event_ids)).order_by("pk"))
    check_event_deletable(events)
    commit(
        [
            record(
                actor,
                AuditAction.EVENT_DELETED,
                name=event.name,
                slug=event.slug,
                sessions=event.sessions.count(),
            )
            for event in events
        ]
    )
    Event.objects.filter(pk__in=[e.pk for e in events]).delete()
    return len(events)


@transaction.atomic
def save_institute(*, institute: Institute, changes: dict, actor: Actor) -> Institute:
    """Create (an unsaved instance) or change a member institute (name, domains, quota); audited.
    Every event's signup form lists the institutes, so every event's public pages change."""
    if institute.pk is None:
        institute.save()
        commit([record(actor, AuditAction.INSTITUTE_CHANGED, institute=institute.iso_code, created=True)])
        public_version.bump()
        return institute
    institute, changed = _write_changes(Institute, institute.pk, changes)
    if changed:
        commit([record(actor, AuditAction.INSTITUTE_CHANGED, institute=institute.iso_code, fields=changed)])
        public_version.bump()
    return institute
