"""The door: checking delegates in, undoing a check-in, reissuing a badge, the offline admit list
and the attendance counts.

Whether someone may go in is `rules.admission`'s answer (the tier comes from `rules.may_attend`,
the same answer the signup form and the admin give); this module reads what that rule needs and
writes the check-in. A check-in is decided while the delegate's row is locked (`seats.lock_delegates`,
the one locking seam), so two doors scanning the same badge at once are served one after the
other: the first records the check-in, the second reads it and says "already checked in". The
database's unique constraint backs that up.

Offline doors decide from an admit list this module computes with the same rule (badge-code hash ->
verdict and what the door shows), signed and expiring; their queued scans come back through
`record_offline_scans`, which replays them in scan order and reports the badges admitted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import badges
from ..models import (
    AuditAction,
    AuditEntry,
    CheckIn,
    Delegate,
    DelegateStatus,
    EmailKind,
    Event,
    SeatStatus,
    Session,
    SessionRegistration,
)
from . import rules, seats
from .audit import Actor, commit, record
from .errors import InvalidTransition, NotEligible

# How long an offline admit list may be used (the door page fetches a new one every minute).
ADMIT_LIST_TTL = timedelta(hours=2)
ADMIT_LIST_SALT = "registrations.door.admit-list"
# An offline scan's time is the door's clock: never later than now, never earlier than this.
OFFLINE_SCAN_MAX_AGE = timedelta(days=1)
UNDO_REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class Door:
    """Where a scan happens: an event, one of its sessions (None: the venue entrance), a door name."""

    event: Event
    session: Session | None
    name: str

    @property
    def session_id(self) -> int | None:
        return self.session.pk if self.session is not None else None


@dataclass(frozen=True)
class ScanResult:
    verdict: rules.Verdict
    delegate: Delegate | None = None
    check_in: CheckIn | None = None  # the new check-in, or the standing one ("already checked in")
    offline: bool = False


def with_door_facts(delegates: QuerySet[Delegate], session: Session | None) -> QuerySet[Delegate]:
    """Delegates with what the door rule needs about this session, in the same query: the status of
    their seat (`door_seat`) and their standing check-in (`door_check_in`, `_at`, `_door`)."""
    session_id = session.pk if session is not None else None
    here = CheckIn.objects.filter(delegate=OuterRef("pk"), session_id=session_id, undone_at__isnull=True).order_by()
    seat = (
        Subquery(
            SessionRegistration.objects.filter(delegate=OuterRef("pk"), session_id=session_id)
            .order_by()
            .values("status")[:1]
        )
        if session_id is not None
        else Value(None, output_field=CharField())
    )
    return (
        delegates.select_related("event", "institute", "invitation")
        .prefetch_related("invitation__sessions")
        .annotate(
            door_seat=seat,
            door_check_in=Subquery(here.values("pk")[:1]),
            door_checked_in_at=Subquery(here.values("scanned_at")[:1]),
            door_checked_in_door=Subquery(here.values("door")[:1]),
        )
    )


def _standing(delegate: Delegate) -> CheckIn | None:
    """The standing check-in `with_door_facts` found (enough of it to say when and where)."""
    if delegate.door_check_in is None:
        return None
    return CheckIn(
        pk=delegate.door_check_in, scanned_at=delegate.door_checked_in_at, door=delegate.door_checked_in_door
    )


def _verdict(delegate: Delegate, session: Session | None, badge_version: int | None) -> rules.Verdict:
    return rules.admission(
        delegate=delegate,
        session=session,
        seat_status=delegate.door_seat,
        badge_version=badge_version,
        checked_in_at=delegate.door_checked_in_at,
        checked_in_door=delegate.door_checked_in_door or "",
    )


def resolve_badge(door: Door, code: str) -> tuple[Delegate | None, int | None, rules.Verdict | None]:
    """The delegate a scanned code names (with the door's facts) and the badge's version, or the
    refusal for a code that names no one here."""
    try:
        ref = badges.read(code)
    except badges.InvalidBadge:
        return None, None, rules.unknown_badge()
    if ref.event_id != door.event.pk:
        return None, None, rules.badge_for_other_event()
    found = Delegate.objects.filter(event=door.event, public_id=ref.public_id)
    delegate = with_door_facts(found, door.session).first()
    if delegate is None:
        return None, None, rules.unknown_badge()
    return delegate, ref.version, None


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

    The rule is asked first without a lock (one query reads the delegate, the seat and any standing
    check-in): most refusals (a second scan, a guest at a government-only session, an old badge)
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
        delegate = with_door_facts(Delegate.objects.filter(pk=delegate.pk), door.session).first()
    verdict = _verdict(delegate, door.session, badge_version)
    if not verdict.admit:
        return ScanResult(verdict, delegate, _standing(delegate), offline)
    scanned_at = scanned_at or timezone.now()
    return _admit(door, actor, delegate.pk, badge_version, scanned_at, offline=offline, scan_id=scan_id)


def _admit(door, actor, delegate_id, badge_version, scanned_at, *, offline, scan_id) -> ScanResult:
    """Decide again with the delegate's row locked, and record the check-in if still admitted."""
    with transaction.atomic():
        if not seats.lock_delegates([delegate_id]):
            return ScanResult(rules.unknown_badge(), offline=offline)
        delegate = with_door_facts(Delegate.objects.filter(pk=delegate_id), door.session).get()
        verdict = _verdict(delegate, door.session, badge_version)
        if not verdict.admit:
            return ScanResult(verdict, delegate, _standing(delegate), offline)
        try:
            with transaction.atomic():
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
        except IntegrityError:  # another door recorded it first (the constraint, should a lock be missing)
            delegate = with_door_facts(Delegate.objects.filter(pk=delegate_id), door.session).get()
            verdict = _verdict(delegate, door.session, badge_version)
            return ScanResult(verdict, delegate, _standing(delegate), offline)
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


def admit_list(*, door: Door, now: datetime | None = None) -> dict:
    """What an offline door needs to decide a scan by itself: each code's verdict under the rule,
    keyed by the code's SHA-256, with no more than the door shows (name, affiliation, type).

    Three queries whatever the size: the delegates, their seats in the session, the check-ins.
    Older (reissued) versions of a badge are listed too, so an offline door refuses them by name.
    """
    now = now or timezone.now()
    session = door.session
    seat_of = (
        dict(SessionRegistration.objects.filter(session=session).values_list("delegate_id", "status"))
        if session is not None
        else {}
    )
    standing = {
        c.delegate_id: c
        for c in CheckIn.objects.filter(event=door.event, session=session, undone_at__isnull=True).only(
            "delegate_id", "scanned_at", "door"
        )
    }
    delegates = (
        Delegate.objects.filter(event=door.event, anonymized_at__isnull=True)
        .select_related("institute", "event", "invitation")
        .prefetch_related("invitation__sessions")
        .order_by("pk")
    )
    entries = {}
    for delegate in delegates.iterator(chunk_size=2000):
        here = standing.get(delegate.pk)
        verdict = rules.admission(
            delegate=delegate,
            session=session,
            seat_status=seat_of.get(delegate.pk),
            badge_version=delegate.badge_version,
            checked_in_at=here.scanned_at if here else None,
            checked_in_door=here.door if here else "",
        )
        entries[badges.code_hash(badges.code_for(delegate))] = shown(delegate, verdict)
        if delegate.badge_version > 1:
            older = delegate.badge_version - 1  # any older version gets the same answer
            reissued = rules.admission(delegate=delegate, session=session, seat_status=None, badge_version=older)
            for version in range(1, delegate.badge_version):
                old = badges.make_code(event_id=delegate.event_id, public_id=delegate.public_id, version=version)
                entries[badges.code_hash(old)] = shown(delegate, reissued)
    expires = now + ADMIT_LIST_TTL
    meta = {"event": door.event.pk, "session": door.session_id, "door": door.name, "expires": expires.isoformat()}
    return {
        **meta,
        "issued": now.isoformat(),
        "signature": signing.dumps(meta, salt=ADMIT_LIST_SALT, compress=True),
        "entries": entries,
    }


def shown(delegate: Delegate, verdict: rules.Verdict) -> dict:
    """What the door shows about a scan (online and in the admit list alike)."""
    return {
        "admit": verdict.admit,
        "reason": verdict.reason,
        "message": verdict.message,
        "name": delegate.full_name,
        "affiliation": str(delegate.institute) if delegate.institute_id else delegate.organization,
        "type": delegate.get_stakeholder_type_display(),
        "government": delegate.is_government,
    }


def check_admit_list_signature(token: str, *, door: Door) -> datetime:
    """The expiry of a genuine admit list for this door; NotEligible for anything else."""
    try:
        meta = signing.loads(token, salt=ADMIT_LIST_SALT)
    except signing.BadSignature as error:
        raise NotEligible(_("These offline scans do not come with an admit list from this server.")) from error
    if meta.get("event") != door.event.pk or meta.get("session") != door.session_id:
        raise NotEligible(_("These offline scans were made with another door's admit list."))
    return datetime.fromisoformat(meta["expires"])


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


def recent_conflicts(event: Event, session: Session | None, *, limit: int = 20) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(event=event, session=session, action=AuditAction.CHECK_IN_CONFLICT)
        .select_related("delegate")
        .order_by("-created_at", "-id")[:limit]
    )


# --------------------------------------------------------------------------- attendance


def attendance(door: Door) -> dict:
    """Checked in at this door's session (or entrance) and how many could be: two counts, one query."""
    checked_in = CheckIn.objects.filter(event=door.event, session=door.session, undone_at__isnull=True).count()
    if door.session is not None:
        expected = SessionRegistration.objects.filter(session=door.session, status=SeatStatus.CONFIRMED).aggregate(
            n=Count("pk", filter=Q(delegate__status=DelegateStatus.APPROVED))
        )["n"]
    else:
        expected = Delegate.objects.filter(event=door.event, status=DelegateStatus.APPROVED).count()
    return {"checked_in": checked_in, "expected": expected}
