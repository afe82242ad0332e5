"""Decisions about a registration: approve, reject, return to pending, withdraw.

Each is one transaction. `_move_delegates` is the one place a registration's status changes: it
locks the delegates, checks each move against `rules.DELEGATE_TRANSITIONS`, and writes the audit
entry for it. The seats follow: approval places requests on seats or the waitlist; rejection and
withdrawal cancel seats and promote the waitlist; return to pending asks for every seat again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registrations import rules
from registrations.models import (
    AuditAction,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    SeatStatus,
    SessionRegistration,
)
from registrations.queries.decisions import approved_counts
from registrations.rules.errors import InvalidTransition
from registrations.services import endorsements, seats, visa
from registrations.services.audit import Actor, Outgoing, commit, record

# The audit action and the email of each move, by the status the registration moves to.
DECISION_ACTIONS = {
    DelegateStatus.APPROVED: (AuditAction.APPROVED, EmailKind.APPROVED),
    DelegateStatus.REJECTED: (AuditAction.REJECTED, EmailKind.REJECTED),
    DelegateStatus.WITHDRAWN: (AuditAction.WITHDRAWN, EmailKind.WITHDRAWN),
    DelegateStatus.PENDING: (AuditAction.RETURNED_TO_PENDING, EmailKind.UNDER_REVIEW),
}


@dataclass
class DecisionResult:
    done: list[Delegate] = field(default_factory=list)
    refused: list[tuple[Delegate, str]] = field(default_factory=list)
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    # Confirmed seats given up by a rejection, a withdrawal or a return to pending (they go to the
    # waitlists); requests and waitlist places are not seats.
    freed: int = 0
    # Where each waitlisted delegate stands: (delegate, session title) for the organizer's message.
    waitlisted_in: list[tuple[Delegate, str]] = field(default_factory=list)
    # Requests cancelled for a clash: (delegate, cancelled session title, the session kept instead).
    clashed: list[tuple[Delegate, str, str]] = field(default_factory=list)


def _move_delegates(
    delegates: list[Delegate],
    to_status: str,
    actor: Actor,
    reason: str = "",
    *,
    check: Callable[[Delegate], str | None] | None = None,
) -> tuple[DecisionResult, list[AuditEntry]]:
    """Move each locked delegate that may go to `to_status` (in signup order).

    `check` may refuse a delegate with a message (e.g. the institute's quota). The delegates' rows
    are not written yet: the caller writes them with the seats, in the same transaction.
    """
    result, audit = DecisionResult(), []
    action, _email = DECISION_ACTIONS[to_status]
    for delegate in sorted(delegates, key=lambda d: (d.created_at, d.pk)):
        refusal = None if rules.may_move(delegate.status, to_status) else rules.refusal_for(delegate, to_status)
        if refusal is None and check is not None:
            refusal = check(delegate)
        if refusal is not None:
            result.refused.append((delegate, refusal))
            continue
        audit.append(
            record(actor, action, delegate=delegate, from_status=delegate.status, to_status=to_status, reason=reason)
        )
        delegate.status = to_status
        result.done.append(delegate)
    return result, audit


def _save_statuses(result: DecisionResult, to_status: str, **extra) -> None:
    Delegate.objects.filter(pk__in=[d.pk for d in result.done]).update(
        status=to_status, updated_at=timezone.now(), **extra
    )


def _emails(
    result: DecisionResult, to_status: str, reason: str = "", seats_freed: Counter | None = None
) -> list[Outgoing]:
    """The decision's email to each delegate; `seats_freed`: per delegate id, the confirmed seats
    they gave up (the email says their seats were released only when there were some)."""
    _action, kind = DECISION_ACTIONS[to_status]
    context = {"reason": reason} if reason and to_status != DelegateStatus.PENDING else {}
    if seats_freed is None:
        return [(kind, d, dict(context)) for d in result.done]
    return [(kind, d, {**context, "seats_freed": seats_freed[d.pk]}) for d in result.done]


# --------------------------------------------------------------------------- approve


@transaction.atomic
def approve_delegates(*, delegate_ids: Iterable[int], actor: Actor, override_reason: str = "") -> DecisionResult:
    """Approve pending delegates: confirm their requested sessions while seats remain, waitlist the rest.

    Of two requests at the same time the earlier is placed and the later cancelled, the delegate told
    why. A government delegate beyond their institute's quota for the event, or (where the event
    requires it) not endorsed by their institute, is not approved; the result says why. With an
    `override_reason` the organizer approves without the endorsement: each such approval is audited
    with the reason, which the institute's focal points see. The number of queries does not grow
    with the number of delegates.
    """
    override_reason = override_reason.strip()
    locked = seats.lock_delegates(delegate_ids)  # lock order: delegates, then institutes, then sessions
    institutes = seats.lock_institutes({d.institute_id for d in locked if d.institute_id})
    approved = approved_counts({d.event_id for d in locked}, institutes)
    overridden: list[Delegate] = []

    def within_quota(delegate: Delegate) -> str | None:
        if not delegate.institute_id:
            return None
        institute = institutes[delegate.institute_id]
        refusal = rules.approval_refusal(delegate, institute, approved, override=bool(override_reason))
        if refusal is not None:
            return refusal
        approved[(delegate.event_id, institute.pk)] += 1
        if rules.endorsement_refusal(delegate) is not None:
            overridden.append(delegate)
        return None

    result, audit = _move_delegates(locked, DelegateStatus.APPROVED, actor, check=within_quota)
    if not result.done:
        return result
    if overridden:
        audit += endorsements.override(overridden, actor, override_reason)

    by_id = {d.pk: d for d in result.done}
    requested = list(SessionRegistration.objects.filter(delegate_id__in=by_id, status=SeatStatus.REQUESTED))
    for r in requested:
        r.delegate = by_id[r.delegate_id]
    sessions = seats.lock_sessions({r.session_id for r in requested})
    changes = seats.SeatChanges()
    seats.place(requested, sessions, seats.taken_counts(sessions), changes, actor)

    _save_statuses(result, DelegateStatus.APPROVED, decision_reason="")
    changes.save()
    commit(audit, _emails(result, DelegateStatus.APPROVED) + changes.clash_emails())
    result.clashed = [(r.delegate, r.session.title, kept.title) for r, kept in changes.clashes]
    result.confirmed = changes.count(SeatStatus.CONFIRMED)
    result.waitlisted = changes.count(SeatStatus.WAITLISTED)
    result.waitlisted_in = [
        (r.delegate, r.session.title)
        for (status, _c), regs in changes.moves.items()
        if status == SeatStatus.WAITLISTED
        for r in regs
    ]
    return result


# --------------------------------------------------------------------------- reject, withdraw


@transaction.atomic
def reject_delegates(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> DecisionResult:
    """Reject pending or approved delegates; their seats are freed and the waitlist moves up."""
    return _end_registrations(delegate_ids, actor, DelegateStatus.REJECTED, CancelReason.REJECTED, reason)


@transaction.atomic
def withdraw_delegate(*, delegate: Delegate, actor: Actor, reason: str = "") -> DecisionResult:
    """The delegate withdraws: every seat is freed, the waitlist moves up and the private link stops working."""
    result = _end_registrations([delegate.pk], actor, DelegateStatus.WITHDRAWN, CancelReason.WITHDRAWN, reason)
    if result.refused:
        raise InvalidTransition(result.refused[0][1])
    return result


def _end_registrations(delegate_ids, actor: Actor, to_status: str, cancel_reason: str, reason: str) -> DecisionResult:
    result, audit = _move_delegates(seats.lock_delegates(delegate_ids), to_status, actor, reason)
    if not result.done:
        return result
    by_id = {d.pk: d for d in result.done}
    active = SessionRegistration.objects.filter(delegate_id__in=by_id).exclude(status=SeatStatus.CANCELLED)
    # Lock the sessions before reading the seats, so a promotion committed meanwhile is seen (and freed).
    sessions = seats.lock_sessions(active.values_list("session_id", flat=True))
    active = list(active)
    for r in active:
        r.delegate = by_id[r.delegate_id]
        r.session = sessions[r.session_id]
    # The status page shows a rejection's reason; a withdrawal keeps the reason of the decision before it.
    extra = {"decision_reason": reason} if to_status == DelegateStatus.REJECTED else {}
    if to_status == DelegateStatus.WITHDRAWN:
        for d in result.done:
            d.link_secret = ""
        extra["link_secret"] = ""
    _save_statuses(result, to_status, **extra)
    audit += visa.end_for_delegates(result.done, actor)  # letters revoked, passport details erased
    seats_freed = Counter(r.delegate_id for r in active if r.status == SeatStatus.CONFIRMED)
    changes, promoted = seats.release(active, actor, cancel_reason, reason)
    # The withdrawal's email says whether seats were released (a rejection's gives the reason only).
    withdrawn = seats_freed if to_status == DelegateStatus.WITHDRAWN else None
    commit(audit, _emails(result, to_status, reason, withdrawn) + promoted)
    result.cancelled = changes.count(SeatStatus.CANCELLED)
    result.freed = sum(seats_freed.values())
    return result


# --------------------------------------------------------------------------- return to pending


@transaction.atomic
def return_to_pending(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> DecisionResult:
    """Undo a decision: approved or rejected delegates are pending again with their original requests.

    Seats they held are freed (and go to the waitlist); sessions cancelled by the rejection are
    requested again.
    """
    result, audit = _move_delegates(seats.lock_delegates(delegate_ids), DelegateStatus.PENDING, actor, reason)
    if not result.done:
        return result
    by_id = {d.pk: d for d in result.done}
    registrations = SessionRegistration.objects.filter(delegate_id__in=by_id).filter(
        Q(status__in=[SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
        | Q(status=SeatStatus.CANCELLED, cancel_reason=CancelReason.REJECTED)
    )
    # Lock the sessions before reading the seats, so a promotion committed meanwhile is seen (and freed).
    sessions = seats.lock_sessions(registrations.values_list("session_id", flat=True))
    registrations = list(registrations)
    changes = seats.SeatChanges()
    freed = set()
    for r in registrations:
        r.delegate = by_id[r.delegate_id]
        r.session = sessions[r.session_id]
        if r.status == SeatStatus.CONFIRMED:
            freed.add(r.session_id)
            result.freed += 1
        changes.move(r, SeatStatus.REQUESTED, actor, reason=reason)
    _save_statuses(result, DelegateStatus.PENDING, decision_reason="")
    changes.save()
    outgoing: list[Outgoing] = []
    seats.promote_waitlist(freed, outgoing)
    commit(audit, _emails(result, DelegateStatus.PENDING) + outgoing)
    return result
