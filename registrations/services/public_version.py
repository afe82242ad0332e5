"""The version of what the public pages show, which the page cache keys on (registrations/pagecache.py).

`Event.public_version` is the only thing that tells the cache a page is stale: every write to an
event, its sessions or the institutes calls `bump` in the same transaction, including bulk
`update()`s and deletions. Seats left are not versioned: the pages read them on every request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from registrations.models import Event


def bump(*, event_ids: Iterable[int] | None = None) -> None:
    """Make the cached public pages of these events stale, in one UPDATE.

    `None` means every event: institutes are shared by all events, so a change to one is a change
    to every event's signup form.
    """
    events = Event.objects.all() if event_ids is None else Event.objects.filter(pk__in=list(event_ids))
    events.update(public_version=F("public_version") + 1)
