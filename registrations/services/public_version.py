"""What the public pages show changed: the version the page cache keys on, and the seats snapshot.

`Event.public_version` tells the page cache (registrations/web/pagecache.py) a page is stale: every
write to an event, its sessions or the institutes calls `bump` in the same transaction, including
bulk `update()`s and deletions. Seats left are shown from the seats snapshot
(registrations/queries/current.py): every write that changes a seat count (a seat confirmed or
given up, seats held or released by an invitation) calls `seats_changed`, which makes the
snapshot stale once the transaction commits. A bump does that too (the snapshot holds the event).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from registrations.models import Event
from registrations.queries import current


def bump(*, event_ids: Iterable[int] | None = None) -> None:
    """Make the cached public pages of these events stale, in one UPDATE.

    `None` means every event: institutes are shared by all events, so a change to one is a change
    to every event's signup form.
    """
    events = Event.objects.all() if event_ids is None else Event.objects.filter(pk__in=list(event_ids))
    events.update(public_version=F("public_version") + 1)
    current.invalidate()


def seats_changed() -> None:
    """Seats left changed somewhere: the seats snapshot is stale once this transaction commits."""
    current.invalidate()
