"""What the badge desk reads: a scanned badge or a typed name resolved to delegates, and one delegate
with what the desk shows (photo, both spellings of the name, affiliation, activation)."""

from __future__ import annotations

from dataclasses import dataclass

from registrations.models import Delegate, Event
from registrations.queries.door import find_delegates
from registrations.rules import badges

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Found:
    """A badge scanned (`delegate`, and the version it carries) or the delegates a name matches."""

    delegate: Delegate | None = None
    badge_version: int | None = None
    matches: tuple[Delegate, ...] = ()
    other_event: bool = False


def find(event: Event, text: str) -> Found:
    """A badge code names one delegate of this event; anything else is searched as a name (either
    spelling: 山田 or YAMADA)."""
    try:
        ref = badges.read(text)
    except badges.InvalidBadge:
        return Found(matches=tuple(find_delegates(event, text, limit=SEARCH_LIMIT)))
    if ref.event_id != event.pk:
        return Found(other_event=True)
    delegate = Delegate.objects.filter(event=event, public_id=ref.public_id, anonymized_at__isnull=True).first()
    return Found(delegate=delegate, badge_version=ref.version if delegate else None)


def delegate_at_desk(public_id) -> Delegate | None:
    """The delegate a desk page names (erased ones are nobody's)."""
    return (
        Delegate.objects.select_related("event", "institute")
        .filter(public_id=public_id, anonymized_at__isnull=True)
        .first()
    )
