"""The current event, its sessions and their seats: a snapshot kept in the cache between writes.

The agenda, the signup form and the signup POST read the event, its sessions and every session's
seats left on every request. They read this snapshot instead: computed by the ordinary seat queries
(`seats.sessions_with_seats`) when missing, and then served from Django's cache with no database
query at all.

It is valid while the cache's *generation* is the one it was computed under. Every write that
changes what it holds renews the generation after its transaction commits (`invalidate`, called by
`services.public_version`: every `bump` of an event's `public_version`, and every seat write: a
seat confirmed or given up, an invitation's held seats). A reader that computed a snapshot before
such a commit stores it under the old generation, so nobody is served it. A hold that lapses by the
clock changes no row: the snapshot's timeout ends no later than the next hold's expiry, and no later
than the end of the day (the current event is chosen by the date) or `SEATS_SNAPSHOT_TIMEOUT`.

The generation is a random token, not a counter, so a generation lost from the cache (an eviction,
a restart) can never match an old snapshot again. With several servers the cache must be shared
(Redis, `REDIS_URL`), as the rate limits need too: `check --deploy` says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Min, OuterRef, QuerySet, Subquery, When
from django.utils import timezone

from registrations.models import Event, Institute, Invitation, Session
from registrations.queries.seats import held_seats_filter, sessions_with_seats

SNAPSHOT_KEY = "registrations:current-event:snapshot"
GENERATION_KEY = "registrations:current-event:generation"

Seats = dict[int, tuple[int, int]]  # session id: (seats left, capacity)


@dataclass
class Snapshot:
    generation: str
    day: date
    event: Event | None
    sessions: list[Session] = field(default_factory=list)  # in agenda order
    seats: Seats = field(default_factory=dict)
    institutes: list[Institute] = field(default_factory=list)  # by member (the signup form's choices)
    expires_at: datetime | None = None  # when it must be read again at the latest


# This process's copy of the shared snapshot: served while the shared generation (one small cache
# read per request) is still the one it was computed under, so a warm request neither reads the
# database nor fetches and unpickles the snapshot itself.
_local: list[Snapshot] = []


def current_events(today: date) -> QuerySet[Event]:
    """Events with the current one first, in one query: those not ended by the earliest start,
    then those ended by the latest start."""
    upcoming_start = Case(When(ends_on__gte=today, then=F("starts_on")))
    return Event.objects.order_by(upcoming_start.asc(nulls_last=True), "-starts_on", "pk")


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _read(generation: str, today: date, now: datetime) -> tuple[Snapshot, datetime | None]:
    """The snapshot and the next expiry of a hold on its seats: two queries (three for an event
    without sessions), the current event's sessions with their seats and their event, the institutes."""
    institutes = list(Institute.objects.order_by("member"))
    next_hold_expiry = (
        Invitation.objects.filter(event=OuterRef("event"))
        .filter(held_seats_filter())
        .order_by()
        .values("event")
        .annotate(next=Min("expires_at"))
        .values("next")
    )
    sessions = list(
        sessions_with_seats(Session.objects.filter(event=Subquery(current_events(today).values("pk")[:1])))
        .select_related("event")
        .annotate(next_hold_expiry=Subquery(next_hold_expiry))
        .order_by("starts_at", "title")
    )
    if not sessions:
        event = current_events(today).first()
        return Snapshot(generation=generation, day=today, event=event, institutes=institutes), None
    event = sessions[0].event
    for session in sessions:
        session.event = event
    seats = {session.pk: (session.seats_left, session.capacity) for session in sessions}
    snapshot = Snapshot(
        generation=generation, day=today, event=event, sessions=sessions, seats=seats, institutes=institutes
    )
    return snapshot, sessions[0].next_hold_expiry


def _timeout(day: date, next_hold_expiry: datetime | None, now: datetime) -> float:
    """Seconds the snapshot may be kept: until the next hold's expiry, the end of the day, the setting."""
    ends = [
        now + timedelta(seconds=settings.SEATS_SNAPSHOT_TIMEOUT),
        datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo),
    ]
    if next_hold_expiry is not None:
        ends.append(next_hold_expiry)
    return max((min(ends) - now).total_seconds(), 0)


def _current(kept: Snapshot | None, generation: str | None, now: datetime) -> bool:
    return (
        kept is not None
        and generation is not None
        and kept.generation == generation
        and kept.day == now.date()
        and kept.expires_at is not None
        and now < kept.expires_at
    )


def snapshot() -> Snapshot:
    """The current event, its sessions and their seats: this process's copy or the cache's when
    current, else read (and shared). Treat it as read-only: every request of the process sees it."""
    now = timezone.now()
    generation = cache.get(GENERATION_KEY)
    if _local and _current(_local[0], generation, now):
        return _local[0]
    kept = cache.get(SNAPSHOT_KEY) if generation is not None else None
    if not _current(kept, generation, now):
        kept = _fresh(generation or _generation(), now)
    _local[:] = [kept]
    return kept


def _fresh(generation: str, now: datetime) -> Snapshot:
    fresh, next_hold_expiry = _read(generation, now.date(), now)
    timeout = _timeout(now.date(), next_hold_expiry, now)
    fresh.expires_at = now + timedelta(seconds=timeout)
    if timeout > 0:
        cache.set(SNAPSHOT_KEY, fresh, timeout)
    return fresh


def served_generation() -> str:
    """The generation of the snapshot this process served last ("" before any)."""
    return _local[0].generation if _local else ""


def renew_generation() -> None:
    """A new generation: every snapshot kept so far is stale."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def invalidate() -> None:
    """Make every kept snapshot stale: at once, and again once the current transaction commits.

    At once, so that this transaction's own later reads (and a test's, whose transaction never
    commits) see its writes; again after the commit, because a reader in another transaction may have
    stored a snapshot of the data before it under the first new generation meanwhile."""
    renew_generation()
    transaction.on_commit(renew_generation)


def current_event() -> Event | None:
    """The convening the public pages show: the next one that has not ended, else the latest. Its
    `public_version` is the version of the event's cached pages."""
    return snapshot().event


def current_event_with_seats() -> tuple[Event | None, Seats]:
    """The current event and, per session, (seats left, capacity): the seats a copy the caller may fill in."""
    kept = snapshot()
    return kept.event, dict(kept.seats)


def current_institutes() -> list[Institute]:
    """The institutes by member, from the snapshot (the signup POST checks its choice against them)."""
    return list(snapshot().institutes)


def current_event_with_sessions() -> tuple[Event | None, Seats, list[Session]]:
    """The same, and the event's sessions in agenda order (the signup form's choices)."""
    kept = snapshot()
    return kept.event, dict(kept.seats), list(kept.sessions)
