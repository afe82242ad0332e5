"""What the door reads: where a scan happens, a badge resolved to its delegate with the facts the
admission rule needs, the verdict (`rules.admission`), what the door shows of a delegate, the signed
offline admit list, the attendance counts, the conflicts from offline scans, and the name search.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Left, StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    AuditEntry,
    CheckIn,
    Delegate,
    DelegateStatus,
    Event,
    SeatStatus,
    Session,
    SessionRegistration,
)
from registrations.queries.current import snapshot
from registrations.rules import badges
from registrations.rules.errors import NotEligible

# How long an offline admit list may be used (the door page fetches a new one every minute).
ADMIT_LIST_TTL = timedelta(hours=2)


ADMIT_LIST_SALT = "registrations.door.admit-list"


@dataclass(frozen=True)
class Door:
    """Where a scan happens: an event, one of its sessions (None: the venue entrance), a door name."""

    event: Event
    session: Session | None
    name: str

    @property
    def session_id(self) -> int | None:
        return self.session.pk if self.session is not None else None


def door_facts(delegates: QuerySet[Delegate], door: Door) -> Delegate | None:
    """The first of `delegates` (at this door's event) with what the door rule needs about its
    session, in two light queries: the delegate with their institute and the status of their seat
    (`door_seat`), then their standing check-ins, from which come the one here (`door_check_in`,
    `_at`, `_door`) and one in a session at the same time (`door_elsewhere_*`). A locking queryset
    (`services.seats.locking_delegates`) locks the row as it is read.

    The event is the door's own (the same row), not read again; an invitation's sessions are read
    only for a delegate who has one."""
    session_id = door.session_id
    seat = (
        Subquery(
            SessionRegistration.objects.filter(delegate=OuterRef("pk"), session_id=session_id)
            .order_by()
            .values("status")[:1]
        )
        if session_id is not None
        else Value(None, output_field=CharField())
    )
    delegate = delegates.filter(event=door.event).select_related("institute").annotate(door_seat=seat).first()
    if delegate is None:
        return None
    delegate.event = door.event
    if delegate.invitation_id is not None:
        prefetch_related_objects([delegate], "invitation__sessions")
    _attach_check_ins(delegate, door.session)
    return delegate


def _attach_check_ins(delegate: Delegate, session: Session | None) -> None:
    standing = (
        CheckIn.objects.filter(delegate=delegate, undone_at__isnull=True)
        .order_by("scanned_at", "pk")
        .values_list(
            "pk", "session_id", "scanned_at", "door", "session__title", "session__starts_at", "session__ends_at"
        )
    )
    here = elsewhere = None
    for pk, session_id, scanned_at, where, title, starts_at, ends_at in standing:
        if session_id == (session.pk if session is not None else None):
            here = here or (pk, scanned_at, where)
        elif elsewhere is None and session is not None and session_id is not None:
            if rules.sessions_overlap(session, Session(pk=session_id, starts_at=starts_at, ends_at=ends_at)):
                elsewhere = (title, where, scanned_at)
    delegate.door_check_in, delegate.door_checked_in_at, delegate.door_checked_in_door = here or (None, None, "")
    title, where, at = elsewhere or (None, None, None)
    delegate.door_elsewhere_session, delegate.door_elsewhere_door, delegate.door_elsewhere_at = title, where, at


def at_the_same_time(check_ins: QuerySet[CheckIn], session: Session) -> QuerySet[CheckIn]:
    """Standing check-ins into other sessions that overlap `session` in time (`rules.sessions_overlap`
    as a filter): a badge inside one of them and scanned at this one's door may have been passed on."""
    return check_ins.filter(
        undone_at__isnull=True,
        session__isnull=False,
        session__starts_at__lt=session.ends_at,
        session__ends_at__gt=session.starts_at,
    ).exclude(session=session)


def standing_check_in(delegate: Delegate) -> CheckIn | None:
    """The standing check-in `with_door_facts` found (enough of it to say when and where)."""
    if delegate.door_check_in is None:
        return None
    return CheckIn(
        pk=delegate.door_check_in, scanned_at=delegate.door_checked_in_at, door=delegate.door_checked_in_door
    )


def verdict_at_door(delegate: Delegate, session: Session | None, badge_version: int | None) -> rules.Verdict:
    elsewhere = None
    if getattr(delegate, "door_elsewhere_at", None) is not None:
        elsewhere = rules.InsideElsewhere(
            session=delegate.door_elsewhere_session, door=delegate.door_elsewhere_door, at=delegate.door_elsewhere_at
        )
    return rules.admission(
        delegate=delegate,
        session=session,
        seat_status=delegate.door_seat,
        badge_version=badge_version,
        checked_in_at=delegate.door_checked_in_at,
        checked_in_door=delegate.door_checked_in_door or "",
        inside_elsewhere=elsewhere,
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
    delegate = door_facts(Delegate.objects.filter(public_id=ref.public_id), door)
    if delegate is None:
        return None, None, rules.unknown_badge()
    return delegate, ref.version, None


def admit_list(*, door: Door, now: datetime | None = None) -> dict:
    """What an offline door needs to decide a scan by itself: each code's verdict under the rule,
    keyed by the code's SHA-256: for an admissible badge what the door shows (name, affiliation,
    type), for a refused one the verdict and its reason only (`listed`).

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
    elsewhere = {}
    if session is not None:
        inside = at_the_same_time(CheckIn.objects.filter(event=door.event), session).order_by("-scanned_at")
        for delegate_id, title, where, at in inside.values_list("delegate_id", "session__title", "door", "scanned_at"):
            elsewhere[delegate_id] = rules.InsideElsewhere(session=title, door=where, at=at)
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
            inside_elsewhere=elsewhere.get(delegate.pk),
        )
        entry = listed(delegate, verdict)
        if "name" in entry and delegate.photo_thumbnail:  # a refused badge's entry carries no photo
            entry["photo"] = "data:image/jpeg;base64," + base64.b64encode(bytes(delegate.photo_thumbnail)).decode()
        entries[badges.code_hash(badges.code_for(delegate))] = entry
        if delegate.badge_version > 1:
            older = delegate.badge_version - 1  # any older version gets the same answer
            reissued = rules.admission(delegate=delegate, session=session, seat_status=None, badge_version=older)
            for version in range(1, delegate.badge_version):
                old = badges.make_code(event_id=delegate.event_id, public_id=delegate.public_id, version=version)
                entries[badges.code_hash(old)] = listed(delegate, reissued)
    expires = now + ADMIT_LIST_TTL
    meta = {"event": door.event.pk, "session": door.session_id, "door": door.name, "expires": expires.isoformat()}
    return {
        **meta,
        "issued": now.isoformat(),
        "signature": signing.dumps(meta, salt=ADMIT_LIST_SALT, compress=True),
        "entries": entries,
    }


def listed(delegate: Delegate, verdict: rules.Verdict) -> dict:
    """An admit list's entry: what the door shows for an admissible badge; for a refused one the
    verdict and its reason only, so a lost door phone names nobody who may not go in there."""
    if verdict.admit or verdict.reason == rules.DoorRefusal.ALREADY_CHECKED_IN:
        # An admissible badge, or one already inside: who it is, as online (a refusal names no one).
        return shown(delegate, verdict)
    return {"admit": False, "reason": verdict.reason, "message": verdict.message}


def shown(delegate: Delegate, verdict: rules.Verdict) -> dict:
    """What the door shows about a scan (online and in the admit list alike)."""
    return {
        "admit": verdict.admit,
        "reason": verdict.reason,
        "message": verdict.message,
        "warning": verdict.warning,
        "name": delegate.full_name,
        "passport_name": passport_spelling(delegate),
        "affiliation": str(delegate.institute) if delegate.institute_id else delegate.organization,
        "type": delegate.get_stakeholder_type_display(),
        "government": delegate.is_government,
    }


PHOTO_SALT = "registrations.door.photo"


def photo_token(delegate: Delegate, door: Door) -> str:
    """What a door's photo address carries: this delegate at this door (event and session), signed, for
    as long as an admit list lasts; a door fetches the photo of a badge it has just scanned there."""
    return signing.dumps([delegate.pk, door.event.pk, door.session_id], salt=PHOTO_SALT, compress=True)


def delegate_in_photo_token(token: str, door: Door) -> Delegate | None:
    try:
        delegate_id, event_id, session_id = signing.loads(token, salt=PHOTO_SALT, max_age=ADMIT_LIST_TTL)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if event_id != door.event.pk or session_id != door.session_id:
        return None
    return Delegate.objects.filter(pk=delegate_id, event=door.event, anonymized_at__isnull=True).first()


def passport_spelling(delegate: Delegate) -> str:
    """The name as in the passport where it is spelled otherwise than the name shown (YAMADA Taro for
    山田 太郎), so door staff can match it to the document; empty when it adds nothing."""
    spelling = delegate.passport_name.strip()
    return spelling if spelling and spelling.casefold() != delegate.full_name.casefold() else ""


def check_admit_list_signature(token: str, *, door: Door) -> datetime:
    """The expiry of a genuine admit list for this door; NotEligible for anything else."""
    try:
        meta = signing.loads(token, salt=ADMIT_LIST_SALT)
    except signing.BadSignature as error:
        raise NotEligible(_("These offline scans do not come with an admit list from this server.")) from error
    if meta.get("event") != door.event.pk or meta.get("session") != door.session_id:
        raise NotEligible(_("These offline scans were made with another door's admit list."))
    return datetime.fromisoformat(meta["expires"])


def recent_conflicts(event: Event, session: Session | None, *, limit: int = 20) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(event=event, session=session, action=AuditAction.CHECK_IN_CONFLICT)
        .select_related("delegate")
        .order_by("-created_at", "-id")[:limit]
    )


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


def find_delegates(event: Event, text: str, *, limit: int) -> list[Delegate]:
    """The door's name search: delegates of the event whose given name, family name or address
    (before the @) holds every word typed (at most four), erased delegates left out."""
    match = Q()
    for word in text.split()[:4]:
        match &= (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(passport_name__icontains=word)  # either spelling: 山田 or YAMADA
            | Q(email_local__icontains=word)
        )
    return list(
        Delegate.objects.annotate(email_local=Left("email", StrIndex("email", Value("@")) - 1))
        .filter(match, event=event, anonymized_at__isnull=True)
        .select_related("institute")
        .order_by("family_name", "given_name", "pk")[:limit]
    )


def delegate_with_public_id(event: Event, public_id) -> Delegate | None:
    """The delegate a found name's badge id names, in this event only."""
    return Delegate.objects.filter(event=event, public_id=public_id).first()


def event_with_id(event_id: int) -> Event | None:
    return Event.objects.filter(pk=event_id).first()


def door_event(event_id: int) -> Event | None:
    """The event a door request names: the current one from the snapshot (`queries.current`, no
    query; kept fresh by every write to the event or its sessions), any other read."""
    current = snapshot().event
    if current is not None and current.pk == event_id:
        return current
    return event_with_id(event_id)


def door_session(event: Event, session_id: int) -> Session | None:
    """One of the event's sessions (the current event's from the snapshot). Read-only: the
    snapshot's rows are shared by every request of the process."""
    kept = snapshot()
    if kept.event is not None and kept.event.pk == event.pk:
        return next((session for session in kept.sessions if session.pk == session_id), None)
    return Session.objects.filter(event=event, pk=session_id).first()


def events() -> QuerySet[Event]:
    """The events a door can be picked in, the latest first."""
    return Event.objects.order_by("-starts_on", "pk")


def sessions_of(event: Event) -> QuerySet[Session]:
    return Session.objects.filter(event=event).order_by("starts_at", "title")
