"""The door's writes: checking delegates in, undoing a check-in, reissuing a badge, replaying offline
scans. What the door reads (a badge resolved, the verdict, the admit list, attendance) is
`queries.door`.

Whether someone may go in is `rules.admission`'s answer (the tier comes from `rules.may_attend`, the
same answer the signup form and the admin give); this module writes the check-in. A check-in is
decided while the delegate's row is locked (`seats.locking_delegates`, the one locking seam), so two
doors scanning the same badge at once are served one after the other: the first records the check-
in, the second reads it and says "already checked in". The database's unique constraint backs that
up.

Offline doors decide from an admit list `queries.door` computes with the same rule (badge-code hash
-> verdict and what the door shows), signed and expiring; their queued scans come back through
`record_offline_scans`, which replays them in scan order and reports the badges admitted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    CheckIn,
    Delegate,
    DelegateStatus,
    EmailKind,
    Event,
)
from registrations.queries.door import (
    Door,
    check_admit_list_signature,
    door_facts,
    resolve_badge,
    standing_check_in,
    verdict_at_door,
)
from registrations.rules.errors import InvalidTransition, NotEligible
from registrations.services import seats
from registrations.services.audit import Actor, commit, record

# An offline scan's time is the door's clock: never later than now, never earlier than this.
OFFLINE_SCAN_MAX_AGE = timedelta(days=1)
UNDO_REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class ScanResult:
    verdict: rules.Verdict
    delegate: Delegate | None = None
    check_in: CheckIn | None = None  # the new check-in, or the standing one ("already checked in")
    offline: bool = False


def check_in(
    *,
    door: Door,
    actor: Actor,
    code: str = "",
    delegate: Delegate | None = None,
    scanned_at: datetime | None = None,
    offline: bool = False,
    scan_id: str = "",
) -> ScanResult:
    """Scan a badge code (or check in a delegate found by name: no badge version to compare) and
    record the check-in when the rule admits them. Refusals write nothing.

    The rule is asked first without a lock (`queries.door.door_facts`: the delegate with the seat,
    then the standing check-ins): most refusals (a second scan, a guest at a government-only session, an old badge)
    need no lock, so doors scanning at once do not queue behind each other. An admission is decided
    again with the delegate's row locked, then written.
    """
    badge_version = None
    if delegate is None:
        delegate, badge_version, refusal = resolve_badge(door, code)
        if refusal is not None:
            return ScanResult(refusal, offline=offline)
    elif delegate.event_id != door.event.pk:
        return ScanResult(rules.badge_for_other_event(), offline=offline)
    else:
        delegate = door_facts(Delegate.objects.filter(pk=delegate.pk), door)
    verdict = verdict_at_door(delegate, door.session, badge_version)
    if not verdict.admit:
        return ScanResult(verdict, delegate, standing_check_in(delegate), offline)
    scanned_at = scanned_at or timezone.now()
    try:
        return _admit(door, actor, delegate.pk, badge_version, scanned_at, offline=offline, scan_id=scan_id)
    except IntegrityError:  # another door recorded it first (the constraint, should a lock be missing)
        delegate = door_facts(Delegate.objects.filter(pk=delegate.pk), door)
        verdict = verdict_at_door(delegate, door.session, badge_version)
        return ScanResult(verdict, delegate, standing_check_in(delegate), offline)


def _admit(door, actor, delegate_id, badge_version, scanned_at, *, offline, scan_id) -> ScanResult:
    """Decide again with the delegate's row locked (read afresh as it is locked), and record the
    check-in if still admitted: one transaction, no savepoint (a constraint violation ends it whole)."""
    with transaction.atomic():
        delegate = door_facts(seats.locking_delegates(Delegate.objects.filter(pk=delegate_id)), door)
        if delegate is None:
            return ScanResult(rules.unknown_badge(), offline=offline)
        verdict = verdict_at_door(delegate, door.session, badge_version)
        if not verdict.admit:
            return ScanResult(verdict, delegate, standing_check_in(delegate), offline)
        new = CheckIn.objects.create(
            event=door.event,
            delegate=delegate,
            session=door.session,
            door=door.name,
            by=actor.user,
            by_name=actor.name,
            scanned_at=scanned_at,
            offline=offline,
            scan_id=scan_id,
        )
        commit(
            [
                record(
                    actor,
                    AuditAction.CHECKED_IN,
                    delegate=delegate,
                    session=door.session,
                    door=door.name,
                    offline=offline,
                )
            ]
        )
    return ScanResult(verdict, delegate, new, offline)


def undo_check_in(*, event: Event, check_in_id: int, reason: str, actor: Actor) -> CheckIn:
    """Undo a mistaken check-in (it stays on record, marked undone, with who and why)."""
    reason = " ".join(str(reason).split())[:UNDO_REASON_MAX_LENGTH]
    if not reason:
        raise NotEligible(_("Say why this check-in is undone."))
    with transaction.atomic():
        entry = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("delegate", "session")
            .filter(pk=check_in_id, event=event)
            .first()
        )
        if entry is None:
            raise NotEligible(_("There is no such check-in at this event."))
        if entry.undone_at is not None:
            raise InvalidTransition(_("This check-in was undone already."))
        entry.undone_at = timezone.now()
        entry.undone_by_name = actor.name
        entry.undo_reason = reason
        entry.save(update_fields=["undone_at", "undone_by_name", "undo_reason"])
        commit(
            [
                record(
                    actor,
                    AuditAction.CHECK_IN_UNDONE,
                    delegate=entry.delegate,
                    session=entry.session,
                    reason=reason,
                    door=entry.door,
                )
            ]
        )
    return entry


def reissue_badge(*, delegate: Delegate, actor: Actor) -> Delegate:
    """A new badge for a lost one: the version goes up and every door refuses the older badges. The
    delegate receives the new badge by email (in their language), and learns the old one is void."""
    with transaction.atomic():
        locked = seats.lock_delegates([delegate.pk])
        if not locked:
            raise NotEligible(_("This delegate no longer exists."))
        delegate = locked[0]
        if delegate.status != DelegateStatus.APPROVED:
            raise NotEligible(_("Only approved delegates have a badge to reissue."))
        old = delegate.badge_version
        delegate.badge_version = old + 1
        delegate.save(update_fields=["badge_version", "updated_at"])
        commit(
            [
                record(
                    actor,
                    AuditAction.BADGE_REISSUED,
                    delegate=delegate,
                    from_status=str(old),
                    to_status=str(delegate.badge_version),
                )
            ],
            [(EmailKind.BADGE_REISSUED, delegate, {})],
        )
    return delegate


# --------------------------------------------------------------------------- offline


@dataclass(frozen=True)
class OfflineScan:
    scan_id: str
    code: str
    scanned_at: datetime
    admitted: bool  # what the admit list told the door


@dataclass(frozen=True)
class OfflineOutcome:
    scan: OfflineScan
    result: ScanResult | None  # None: this scan was recorded before (sent twice)
    conflict: bool


def record_offline_scans(
    *, door: Door, actor: Actor, scans: Iterable[OfflineScan], list_signature: str, now: datetime | None = None
) -> list[OfflineOutcome]:
    """Record a door's offline scans in the order they were made. A badge the door admitted offline
    that the server now refuses (most often: admitted at another door first) is a conflict, written
    to the audit trail for the organizers and returned for the door staff."""
    now = now or timezone.now()
    expires = check_admit_list_signature(list_signature, door=door)
    outcomes = []
    # In the order they were scanned (the door's clock), whatever order they arrive in.
    for scan in sorted(scans, key=lambda scan: scan.scanned_at):
        if scan.scan_id and CheckIn.objects.filter(event=door.event, scan_id=scan.scan_id).exists():
            outcomes.append(OfflineOutcome(scan, None, conflict=False))
            continue
        at = min(max(scan.scanned_at, now - OFFLINE_SCAN_MAX_AGE), now, expires)
        result = check_in(door=door, actor=actor, code=scan.code, scanned_at=at, offline=True, scan_id=scan.scan_id)
        conflict = scan.admitted and not result.verdict.admit
        if conflict and result.delegate is not None:
            other = result.check_in
            commit(
                [
                    record(
                        actor,
                        AuditAction.CHECK_IN_CONFLICT,
                        delegate=result.delegate,
                        session=door.session,
                        reason=result.verdict.message,
                        door=door.name,
                        scanned_at=at.isoformat(),
                        other_door=other.door if other else "",
                        other_scanned_at=other.scanned_at.isoformat() if other else "",
                    )
                ]
            )
        outcomes.append(OfflineOutcome(scan, result, conflict))
    return outcomes


# --------------------------------------------------------------------------- attendance
