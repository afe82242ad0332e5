"""Sessions as organizers change them: creating, editing (capacity, tier, times), deleting.

An edit is validated and written in one transaction with its consequences: a capacity is never set
below the confirmed seats and a higher one promotes the waitlist; a session made government-only
cancels the seats of non-government delegates (each is told); new times that make the session
overlap another one a delegate also asked for cancel the later of the two requests (the delegate is
told, the organizer shown who); a deleted session first cancels every seat in it, with an email to
each delegate who held or waited for one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    CancelReason,
    CheckIn,
    Delegate,
    EmailKind,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
    government_only,
)
from registrations.rules.errors import CapacityBelowConfirmed
from registrations.services import public_version, seats
from registrations.services.audit import Actor, Outgoing, commit, record


@dataclass
class SessionUpdate:
    session: Session
    cancelled: int = 0  # non-government seats cancelled by a move to government-only
    promoted: int = 0  # waitlisted delegates promoted by a higher capacity
    # Requests cancelled because new times made them clash: (delegate, cancelled title, title kept).
    clashed: list[tuple[Delegate, str, str]] = field(default_factory=list)


def check_capacity(*, session: Session, capacity: int | None) -> None:
    """Refuse a capacity below one seat or below the seats already confirmed (locks the session)."""
    if capacity is None or capacity < 1:
        raise CapacityBelowConfirmed(_("A session needs at least one seat."))
    if session.pk is None:
        return
    locked = seats.lock_sessions([session.pk])[session.pk]
    confirmed = seats.confirmed_counts([session.pk])[session.pk]
    held = seats.held_counts([session.pk])[session.pk]
    if capacity < confirmed + held:
        if held:
            raise CapacityBelowConfirmed(
                _(
                    "“%(title)s” already has %(confirmed)d confirmed seats and %(held)d held by invitations; "
                    "capacity cannot go below %(total)d."
                )
                % {"title": locked.title, "confirmed": confirmed, "held": held, "total": confirmed + held}
            )
        raise CapacityBelowConfirmed(
            _("“%(title)s” already has %(confirmed)d confirmed seats; capacity cannot go below that.")
            % {"title": locked.title, "confirmed": confirmed}
        )


@transaction.atomic
def create_session(*, session: Session, actor: Actor) -> Session:
    """Add a new session (an unsaved instance, e.g. a validated form's) to its event."""
    if session.pk is not None:
        raise ValueError("create_session takes a new session")
    check_capacity(session=session, capacity=session.capacity)
    session.save()
    commit([record(actor, AuditAction.SESSION_CREATED, session=session, event=session.event, title=session.title)])
    public_version.bump(event_ids=[session.event_id])
    return session


@transaction.atomic
def update_session(*, session: Session, changes: dict, actor: Actor) -> SessionUpdate:
    """Change a session's fields (a validated form's changed values) with their consequences.

    The tier goes first: its cancellations tell every barred delegate (a promotion for a new capacity
    would otherwise skip barred waitlisted delegates silently). The event a session belongs to never
    changes: its seats are that event's.

    New times may make the session overlap another of its event's. A delegate who asked for both
    keeps the one asked for first; the other request is cancelled (its seat goes to the waitlist) and
    the delegate is emailed why, so nobody holds two seats at once or gets a calendar that puts them
    in two rooms; `clashed` names them for the organizer. (Keeping both seats and only warning was
    the alternative; but organizers cannot drop a delegate's seat, and the delegate would be left
    with an impossible schedule.)
    """
    changes = {name: value for name, value in changes.items() if name != "event"}
    overlapping: set[int] = set()
    if {"starts_at", "ends_at"} & set(changes):
        # Lock every session the new times may overlap together with this one (in id order, like every lock).
        current = Session.objects.values("event_id", "starts_at", "ends_at").get(pk=session.pk)
        start, end = changes.get("starts_at", current["starts_at"]), changes.get("ends_at", current["ends_at"])
        overlapping = set(
            Session.objects.filter(event_id=current["event_id"], starts_at__lt=end, ends_at__gt=start)
            .exclude(pk=session.pk)
            .values_list("pk", flat=True)
        )
    locked_sessions = seats.lock_sessions({session.pk} | overlapping)
    locked = locked_sessions[session.pk]
    if "capacity" in changes:
        check_capacity(session=locked, capacity=changes["capacity"])
    before = {name: getattr(locked, name) for name in changes}
    fields = {name: value for name, value in changes.items() if name != "capacity" and before[name] != value}
    for name, value in fields.items():
        setattr(locked, name, value)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    audit = []
    if fields:
        audit.append(
            record(
                actor,
                AuditAction.SESSION_CHANGED,
                session=locked,
                event=locked.event,
                fields={name: {"from": str(before[name]), "to": str(value)} for name, value in fields.items()},
            )
        )
    commit(audit)
    result = SessionUpdate(session=locked)
    if "access_tier" in fields and government_only(fields["access_tier"]):
        result.cancelled = _enforce_tier(locked, actor)
    if {"starts_at", "ends_at"} & set(fields):
        others = [s for pk, s in locked_sessions.items() if pk != locked.pk and rules.sessions_overlap(locked, s)]
        result.clashed = _cancel_clashes(locked, others, actor)
    if "capacity" in changes and changes["capacity"] != locked.capacity:
        result.promoted = _change_capacity(locked, changes["capacity"], actor)
    if fields:
        public_version.bump(event_ids=[locked.event_id])  # last: the event row is locked after the seats
    return result


def _cancel_clashes(locked: Session, others: list[Session], actor: Actor) -> list[tuple[Delegate, str, str]]:
    """Of each delegate's two requests that now overlap (this session and another), cancel the later."""
    if not others:
        return []
    sessions = {s.pk: s for s in [locked, *others]}
    holders = SessionRegistration.objects.filter(session=locked).exclude(status=SeatStatus.CANCELLED)
    registrations = list(
        SessionRegistration.objects.filter(session_id__in=sessions, delegate_id__in=holders.values("delegate_id"))
        .exclude(status=SeatStatus.CANCELLED)
        .select_related("delegate__event")
        .order_by("requested_at", "pk")
    )
    changes, freed = seats.SeatChanges(), set()
    kept: dict[int, list[Session]] = defaultdict(list)
    for registration in registrations:
        registration.session = sessions[registration.session_id]
        mine = kept[registration.delegate_id]
        # Only clashes this move made: this session against the others, not the others among themselves.
        candidates = mine if registration.session_id == locked.pk else [s for s in mine if s.pk == locked.pk]
        other = rules.find_clash(registration.session, candidates)
        if other is None:
            mine.append(registration.session)
            continue
        if registration.status == SeatStatus.CONFIRMED:
            freed.add(registration.session_id)
        seats.cancel_clash(registration, other, changes, actor)
    if not changes.clashes:
        return []
    changes.save()
    outgoing: list[Outgoing] = []
    seats.promote_waitlist(freed, outgoing)
    commit([], changes.clash_emails() + outgoing)
    return [(r.delegate, r.session.title, other.title) for r, other in changes.clashes]


@transaction.atomic
def change_capacity(*, session: Session, capacity: int, actor: Actor) -> int:
    """Set a session's seats. Never below the seats already confirmed; raising it promotes the waitlist.

    Returns how many waitlisted delegates were promoted.
    """
    check_capacity(session=session, capacity=capacity)
    locked = seats.lock_sessions([session.pk])[session.pk]
    promoted = _change_capacity(locked, capacity, actor)
    session.capacity = capacity
    return promoted


def _change_capacity(locked: Session, capacity: int, actor: Actor) -> int:
    previous = locked.capacity
    locked.capacity = capacity
    locked.save(update_fields=["capacity", "updated_at"])
    public_version.seats_changed()
    outgoing: list[Outgoing] = []
    promoted = seats.promote_waitlist([locked.pk], outgoing) if capacity > previous else seats.SeatChanges()
    commit(
        [
            record(
                actor,
                AuditAction.CAPACITY_CHANGED,
                session=locked,
                event=locked.event,
                from_status=str(previous),
                to_status=str(capacity),
            )
        ],
        outgoing,
    )
    return promoted.count(SeatStatus.CONFIRMED)


@transaction.atomic
def enforce_session_tier(*, session: Session, actor: Actor) -> int:
    """After a session became government-only: cancel the seats of non-government delegates (each is
    told) and promote eligible delegates from the waitlist. Returns the number of seats cancelled."""
    if not session.is_government_only:
        return 0
    return _enforce_tier(seats.lock_sessions([session.pk])[session.pk], actor)


def _enforce_tier(locked: Session, actor: Actor) -> int:
    # Only the session is locked: seats change only under their session's lock, and taking delegate
    # locks after it would invert the lock order of the decisions.
    barred = list(
        SessionRegistration.objects.filter(session=locked)
        .exclude(status=SeatStatus.CANCELLED)
        .exclude(delegate__stakeholder_type=StakeholderType.GOVERNMENT)
        .select_related("delegate__event")
    )
    if not barred:
        return 0
    for r in barred:
        r.session = locked
    _changes, outgoing = seats.release(barred, actor, CancelReason.INELIGIBLE, _("The session is now government-only."))
    outgoing += [(EmailKind.SEATS_CANCELLED, r.delegate, {"sessions": [locked.pk]}) for r in barred]
    commit([], outgoing)
    return len(barred)


@transaction.atomic
def delete_sessions(*, session_ids: Iterable[int], actor: Actor) -> int:
    """Delete sessions. Every seat held, asked for or waited for in them is cancelled first, each
    delegate is emailed that the session was cancelled, and each deletion is audited. Returns how
    many seats were cancelled."""
    sessions = seats.lock_sessions(session_ids)
    if not sessions:
        return 0
    active = list(
        SessionRegistration.objects.filter(session_id__in=sessions)
        .exclude(status=SeatStatus.CANCELLED)
        .select_related("delegate__event")
    )
    changes = seats.SeatChanges()
    for r in active:
        r.session = sessions[r.session_id]
    seats.cancel_seats(active, changes, actor, CancelReason.SESSION_DELETED, _("The session was cancelled."))
    changes.save()
    # One email per delegate, rendered after the session rows are gone: it carries what it says.
    cancelled: dict[int, list[dict]] = {}
    for r in sorted(active, key=lambda r: (r.session.starts_at, r.session.title)):
        cancelled.setdefault(r.delegate_id, []).append(
            {"title": r.session.title, "starts_at": r.session.starts_at.isoformat()}
        )
    delegates = {r.delegate_id: r.delegate for r in active}
    # Its check-ins go with a deleted session: the audit entry keeps how many there were.
    checked_in = Counter(
        CheckIn.objects.filter(session_id__in=sessions, undone_at__isnull=True).values_list("session_id", flat=True)
    )
    outgoing: list[Outgoing] = [
        (EmailKind.SESSION_CANCELLED, delegates[pk], {"cancelled_sessions": titles}) for pk, titles in cancelled.items()
    ]
    commit(
        [
            record(
                actor,
                AuditAction.SESSION_DELETED,
                event=session.event,
                title=session.title,
                starts_at=session.starts_at.isoformat(),
                seats_cancelled=sum(r.session_id == session.pk for r in active),
                checked_in=checked_in[session.pk],
            )
            for session in sessions.values()
        ],
        outgoing,
    )
    Session.objects.filter(pk__in=sessions).delete()
    public_version.bump(event_ids={s.event_id for s in sessions.values()})
    return len(active)


def sessions_with_active_seats(session_ids: Iterable[int]) -> dict[int, int]:
    """How many seats are held, asked for or waited for in each of these sessions (for a warning)."""
    counts: dict[int, int] = {}
    for session_id in (
        SessionRegistration.objects.filter(session_id__in=set(session_ids))
        .exclude(status=SeatStatus.CANCELLED)
        .values_list("session_id", flat=True)
    ):
        counts[session_id] = counts.get(session_id, 0) + 1
    return counts
