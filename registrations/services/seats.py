"""Seats: the locks, placing requests on seats or the waitlist, promoting the waitlist, cancelling.

Nobody holds two seats at the same time (`rules.sessions_overlap`): placing requests keeps the
earlier request and cancels a later one that clashes with it, and the waitlist never promotes a
delegate into a session that clashes with a seat they hold; either way the delegate is emailed why.

Locks are always taken in the same order, so two decisions never deadlock: delegates (by id), then
institutes (by id), then sessions (by id). A seat changes only while its session row is locked, and
the confirmed seats are counted after that lock is taken. `lock_sessions` is the one place that
locks sessions: the concurrency tests replace it (a public seam) to show that without the lock the
same storm oversells.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    Institute,
    Invitation,
    SeatStatus,
    Session,
    SessionRegistration,
)
from registrations.queries.seats import held_seats_filter
from registrations.rules.errors import NotEligible
from registrations.services import public_version
from registrations.services.audit import Actor, Outgoing, record

# The audit action of each move, by the status the seat moves to.
SEAT_ACTIONS = {
    SeatStatus.REQUESTED: AuditAction.SEAT_REQUESTED,
    SeatStatus.CONFIRMED: AuditAction.SEAT_CONFIRMED,
    SeatStatus.WAITLISTED: AuditAction.SEAT_WAITLISTED,
    SeatStatus.CANCELLED: AuditAction.SEAT_CANCELLED,
}


def locking_delegates(delegates: QuerySet[Delegate]) -> QuerySet[Delegate]:
    """These delegates' rows, locked as they are read (inside the caller's transaction): the one
    delegate lock, for a caller that reads more with the row (the door's facts)."""
    return delegates.select_for_update(of=("self",), no_key=True)


def lock_delegates(ids: Iterable[int]) -> list[Delegate]:
    return list(
        locking_delegates(Delegate.objects.all())
        .select_related("event", "institute")
        .filter(pk__in=set(ids))
        .order_by("pk")
    )


def lock_delegate(delegate: Delegate) -> Delegate:
    """One delegate's row, locked (and read afresh); NotEligible when it is gone."""
    locked = lock_delegates([delegate.pk])
    if not locked:
        raise NotEligible(_("This delegate no longer exists."))
    return locked[0]


def lock_institutes(ids: Iterable[int]) -> dict[int, Institute]:
    return {i.pk: i for i in Institute.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")}


def lock_sessions(ids: Iterable[int]) -> dict[int, Session]:
    return {s.pk: s for s in Session.objects.filter(pk__in=set(ids)).order_by("pk").select_for_update()}


def confirmed_counts(session_ids: Iterable[int]) -> Counter:
    """Confirmed seats per session id (read after `lock_sessions`)."""
    rows = (
        SessionRegistration.objects.filter(session_id__in=set(session_ids), status=SeatStatus.CONFIRMED)
        .values_list("session_id")
        .annotate(n=Count("pk"))
    )
    return Counter(dict(rows))


def held_counts(session_ids: Iterable[int], *, now=None) -> Counter:
    """Seats held by live invitations per session id: one per unused place of each invitation that
    holds seats and covers the session (read after `lock_sessions`)."""
    Through = Invitation.sessions.through
    rows = (
        Through.objects.filter(session_id__in=set(session_ids))
        .filter(held_seats_filter("invitation__", now=now))
        .values_list("session_id")
        .annotate(n=Sum(F("invitation__max_uses") - F("invitation__uses")))
    )
    return Counter({session_id: n for session_id, n in rows if n})


def taken_counts(session_ids: Iterable[int]) -> Counter:
    """Seats no one else may take per session id: confirmed, and held by invitations (read after
    `lock_sessions`). What `rules.has_seat_left` is asked with, on every path."""
    session_ids = set(session_ids)
    return confirmed_counts(session_ids) + held_counts(session_ids)


@dataclass
class SeatChanges:
    """What one decision did to seats, kept so the caller can write and report it in bulk."""

    moves: dict[tuple[str, str], list[SessionRegistration]] = field(default_factory=lambda: defaultdict(list))
    audit: list[AuditEntry] = field(default_factory=list)
    # Seats cancelled because they clash with a session asked for first: (cancelled seat, that session).
    clashes: list[tuple[SessionRegistration, Session]] = field(default_factory=list)
    # Whether a seat was confirmed or given up (the seats snapshot is then stale).
    seats_left_changed: bool = False

    def move(
        self, registration: SessionRegistration, status: str, actor: Actor, reason: str = "", cancel_reason: str = ""
    ) -> None:
        rules.check_seat_move(registration.status, status)
        if SeatStatus.CONFIRMED in (registration.status, status):
            self.seats_left_changed = True
        self.audit.append(
            record(
                actor,
                SEAT_ACTIONS[status],
                delegate=registration.delegate,
                session=registration.session,
                from_status=registration.status,
                to_status=status,
                reason=reason,
            )
        )
        registration.status = status
        registration.cancel_reason = cancel_reason
        self.moves[(status, cancel_reason)].append(registration)

    def save(self) -> None:
        now = timezone.now()
        for (status, cancel_reason), registrations in self.moves.items():
            SessionRegistration.objects.filter(pk__in=[r.pk for r in registrations]).update(
                status=status, cancel_reason=cancel_reason, updated_at=now
            )
        AuditEntry.objects.bulk_create(self.audit, batch_size=500)
        if self.seats_left_changed:
            public_version.seats_changed()

    def count(self, status: str) -> int:
        return sum(len(regs) for (s, _r), regs in self.moves.items() if s == status)

    def clash_emails(self) -> list[Outgoing]:
        """One email per delegate whose seats were cancelled for a clash, saying which and why."""
        by_delegate: dict[int, tuple[Delegate, list[dict]]] = {}
        for registration, kept in self.clashes:
            by_delegate.setdefault(registration.delegate_id, (registration.delegate, []))[1].append(
                {
                    "title": registration.session.title,
                    "starts_at": registration.session.starts_at.isoformat(),
                    "kept": kept.title,
                }
            )
        return [(EmailKind.SEATS_CLASHED, delegate, {"clashes": items}) for delegate, items in by_delegate.values()]


def cancel_clash(registration: SessionRegistration, kept: Session, changes: SeatChanges, actor: Actor) -> None:
    """The clash rule at seat time: a seat that overlaps one asked for first is cancelled, with notice."""
    changes.move(
        registration,
        SeatStatus.CANCELLED,
        actor,
        reason=_("At the same time as “%(title)s”.") % {"title": kept.title},
        cancel_reason=CancelReason.CLASH,
    )
    changes.clashes.append((registration, kept))


def held_sessions(delegate_ids: Iterable[int], statuses: Iterable[str]) -> dict[int, list[Session]]:
    """The sessions of these delegates' seats in these statuses, per delegate id (one query)."""
    held: dict[int, list[Session]] = defaultdict(list)
    for registration in SessionRegistration.objects.filter(
        delegate_id__in=set(delegate_ids), status__in=list(statuses)
    ).select_related("session"):
        held[registration.delegate_id].append(registration.session)
    return held


def cancel_ineligible(registration: SessionRegistration, changes: SeatChanges, actor: Actor) -> None:
    """The session rule at seat time: a seat is never held by a delegate who may not attend (a
    government-only session, or one their invitation does not cover)."""
    changes.move(
        registration,
        SeatStatus.CANCELLED,
        actor,
        reason=rules.refusal_of_session(registration.delegate.stakeholder_type, registration.session),
        cancel_reason=CancelReason.INELIGIBLE,
    )


def place(
    registrations: Sequence[SessionRegistration],
    sessions: dict[int, Session],
    taken: Counter,
    changes: SeatChanges,
    actor: Actor,
) -> None:
    """Confirm each registration while its session has seats, waitlist the rest (first come, first served).

    A request that clashes with a seat the delegate holds or waits for, or with one of their earlier
    requests placed here, is cancelled (`changes.clashes`; the caller emails `changes.clash_emails()`).
    `taken` counts each session's confirmed and held seats (`taken_counts`).
    """
    held = held_sessions({r.delegate_id for r in registrations}, [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
    for registration in sorted(registrations, key=lambda r: (r.requested_at, r.pk)):
        session = sessions[registration.session_id]
        registration.session = session
        mine = held[registration.delegate_id]
        if not rules.may_attend(registration.delegate, session):
            cancel_ineligible(registration, changes, actor)
        elif (kept := rules.find_clash(session, mine)) is not None:
            cancel_clash(registration, kept, changes, actor)
        elif rules.has_seat_left(session, taken[session.pk]):
            taken[session.pk] += 1
            mine.append(session)
            changes.move(registration, SeatStatus.CONFIRMED, actor)
        else:
            mine.append(session)
            if registration.status != SeatStatus.WAITLISTED:
                changes.move(registration, SeatStatus.WAITLISTED, actor)


def promote_waitlist(session_ids: Iterable[int], outgoing: list[Outgoing]) -> SeatChanges:
    """Give every free seat of these sessions to the first eligible waitlisted delegates, and save.

    Call inside a transaction, after the changes that freed the seats are saved. A waitlisted seat
    that clashes with a seat its delegate holds is cancelled instead, and the next in line promoted.
    The promoted and cancelled delegates' emails are appended to `outgoing`.
    """
    changes = SeatChanges()
    session_ids = set(session_ids)
    if not session_ids:
        return changes
    sessions = lock_sessions(session_ids)
    confirmed = taken_counts(session_ids)  # held seats are not free for the waitlist
    waiting = [s_id for s_id, session in sessions.items() if rules.has_seat_left(session, confirmed[s_id])]
    if waiting:
        waitlisted = list(
            SessionRegistration.objects.filter(
                session_id__in=waiting, status=SeatStatus.WAITLISTED, delegate__status=DelegateStatus.APPROVED
            )
            .select_related("delegate__event", "delegate__invitation")
            .order_by("requested_at", "pk")
        )
        held = held_sessions({r.delegate_id for r in waitlisted}, [SeatStatus.CONFIRMED])
        system = Actor.system()
        for registration in waitlisted:
            session = sessions[registration.session_id]
            registration.session = session
            if not rules.may_attend(registration.delegate, session):
                cancel_ineligible(registration, changes, system)
                continue
            if rules.has_seat_left(session, confirmed[session.pk]):
                mine = held[registration.delegate_id]
                if (kept := rules.find_clash(session, mine)) is not None:
                    cancel_clash(registration, kept, changes, system)
                    continue
                confirmed[session.pk] += 1
                mine.append(session)
                changes.move(registration, SeatStatus.CONFIRMED, system, reason=_("Promoted from the waitlist"))
                outgoing.append((EmailKind.PROMOTED, registration.delegate, {"session": session.pk}))
    changes.save()
    outgoing.extend(changes.clash_emails())
    return changes


def cancel_seats(
    registrations: Iterable[SessionRegistration],
    changes: SeatChanges,
    actor: Actor,
    cancel_reason: str,
    reason: str = "",
) -> set[int]:
    """Cancel these seats; return the sessions where a confirmed seat was freed."""
    freed = set()
    for registration in registrations:
        if registration.status == SeatStatus.CANCELLED:
            continue
        if registration.status == SeatStatus.CONFIRMED:
            freed.add(registration.session_id)
        changes.move(registration, SeatStatus.CANCELLED, actor, reason=reason, cancel_reason=cancel_reason)
    return freed


def release(
    registrations: Sequence[SessionRegistration],
    actor: Actor,
    cancel_reason: str,
    reason: str = "",
) -> tuple[SeatChanges, list[Outgoing]]:
    """Cancel these seats (their sessions locked by the caller), save, and give the freed seats to
    the waitlist. Returns the cancellations and the promoted delegates' emails."""
    changes, outgoing = SeatChanges(), []
    freed = cancel_seats(registrations, changes, actor, cancel_reason, reason)
    changes.save()
    promote_waitlist(freed, outgoing)
    return changes, outgoing
