"""The rules of registration, in one place.

Who may attend which session, seats and waitlists, institute quotas and every decision about a
delegate live here. Forms, views, the admin and management commands call these functions; none of
them re-implements a rule. Each public function that changes state is one transaction that checks
the current state, writes an audit entry for every change and queues the emails it causes (they
leave only after the transaction commits).

Locks are always taken in the same order, so two decisions never deadlock:
delegates (by id), then institutes (by id), then sessions (by id).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import (
    ACTIVE_DELEGATE_STATUSES,
    AccessTier,
    ActorKind,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailStatus,
    Event,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
    new_link_secret,
)

# --------------------------------------------------------------------------- errors


class RegistrationError(Exception):
    """A rule refused the change. `message` is written for the person who asked for it."""

    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RegistrationClosed(RegistrationError):
    code = "closed"


class NotEligible(RegistrationError):
    code = "not_eligible"


class QuotaExceeded(RegistrationError):
    code = "quota"


class InvalidTransition(RegistrationError):
    code = "invalid_transition"


class CapacityBelowConfirmed(RegistrationError):
    code = "capacity"


# --------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class Actor:
    """Who made a change: an organizer (a user), the delegate themselves, or the system."""

    kind: str
    user: AbstractBaseUser | None = None

    @classmethod
    def organizer(cls, user) -> Actor:
        return cls(ActorKind.ORGANIZER, user)

    @classmethod
    def delegate(cls) -> Actor:
        return cls(ActorKind.DELEGATE)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return self.kind


def _audit(
    actor: Actor,
    action: str,
    *,
    delegate=None,
    session=None,
    event=None,
    from_status="",
    to_status="",
    reason="",
    **details,
) -> AuditEntry:
    return AuditEntry(
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_name=actor.name,
        action=action,
        event_id=event.pk if event is not None else (delegate.event_id if delegate is not None else None),
        delegate=delegate,
        session=session,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details,
    )


def _write(
    audit_entries: list[AuditEntry], outgoing: list[tuple[str, Delegate, dict]], *, deliver_now: bool = True
) -> None:
    if audit_entries:
        AuditEntry.objects.bulk_create(audit_entries, batch_size=500)
    if outgoing:
        emails.queue(outgoing, deliver_now=deliver_now)


# --------------------------------------------------------------------------- eligibility


def may_attend(stakeholder_type: str, session: Session) -> bool:
    """The access-tier rule: government-only sessions are for government delegates only."""
    return session.access_tier == AccessTier.OPEN or stakeholder_type == StakeholderType.GOVERNMENT


def sessions_open_to(stakeholder_type: str | None, sessions: Iterable[Session]) -> list[Session]:
    """The sessions a delegate of this stakeholder type may ask for (all of them while it is unknown)."""
    if not stakeholder_type:
        return list(sessions)
    return [s for s in sessions if may_attend(stakeholder_type, s)]


def check_session_access(*, event: Event, stakeholder_type: str, sessions: Iterable[Session]) -> None:
    """Raise NotEligible naming the first session this delegate may not ask for."""
    for session in sessions:
        if session.event_id != event.pk:
            raise NotEligible(
                _("“%(title)s” is not a session of %(event)s.") % {"title": session.title, "event": event}
            )
        if not may_attend(stakeholder_type, session):
            raise NotEligible(
                _("“%(title)s” is open to government delegates of member institutes only.") % {"title": session.title}
            )


def check_affiliation(*, stakeholder_type: str, institute: Institute | None, organization: str) -> None:
    if stakeholder_type == StakeholderType.GOVERNMENT:
        if institute is None:
            raise NotEligible(_("Government delegates must choose their institute or office."))
    else:
        if institute is not None:
            raise NotEligible(
                _("Only government delegates register with an institute; please give your organization instead.")
            )
        if not organization.strip():
            raise NotEligible(_("Please give your organization."))


def email_domain_matches(email: str, institute: Institute | None) -> bool:
    """True when the address is on one of the institute's official domains or their subdomains.

    Compared after lower-casing; a lookalike such as gov.uk.example.com, a trailing dot or
    non-ASCII lookalike letters do not match.
    """
    if institute is None or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].lower()
    if not domain.isascii():
        return False
    return any(domain == d or domain.endswith("." + d) for d in institute.domain_list)


# --------------------------------------------------------------------------- signup


@dataclass
class SignupOutcome:
    delegate: Delegate
    created: bool


DELEGATE_DETAIL_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "stakeholder_type",
    "institute",
    "organization",
    "job_title",
    "country",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "consent_data_processing",
    "consent_participant_list",
    "language",
)


def normalize_email(email: str) -> str:
    email = email.strip()
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email


DUPLICATE_SIGNUP_QUIET_PERIOD = timedelta(minutes=10)


@transaction.atomic
def register_delegate(*, event: Event, details: dict, sessions: Sequence[Session], now=None) -> SignupOutcome:
    """Register a delegate and request their sessions; one row or none.

    A second signup with an address already registered for the event writes nothing: the owner of
    the address is sent their existing status link instead, and the caller shows the usual page.
    """
    now = now or timezone.now()
    if not event.is_registration_open(now):
        if now < event.registration_opens_at:
            raise RegistrationClosed(_("Registration for %(event)s has not opened yet.") % {"event": event})
        raise RegistrationClosed(_("Registration for %(event)s is closed.") % {"event": event})
    if not details.get("consent_data_processing"):
        raise NotEligible(_("We can only register you with your consent to the processing of your data."))
    stakeholder_type = details["stakeholder_type"]
    institute = details.get("institute")
    check_affiliation(
        stakeholder_type=stakeholder_type, institute=institute, organization=details.get("organization", "")
    )
    check_session_access(event=event, stakeholder_type=stakeholder_type, sessions=sessions)

    values = {name: details[name] for name in DELEGATE_DETAIL_FIELDS if name in details}
    values["email"] = normalize_email(values["email"])
    if stakeholder_type == StakeholderType.GOVERNMENT:
        values["organization"] = ""

    existing = Delegate.objects.filter(event=event, email__iexact=values["email"]).first()
    if existing is None:
        delegate = Delegate(event=event, **values)
        delegate.email_domain_verified = email_domain_matches(delegate.email, institute)
        try:
            with transaction.atomic():
                delegate.save()
        except IntegrityError:
            # Another request registered the same address a moment ago.
            existing = Delegate.objects.filter(event=event, email__iexact=values["email"]).first()
            if existing is None:
                raise
    if existing is not None:
        # One reminder per address in a while: a double click or a replayed form sends no second email.
        recently_told = OutboundEmail.objects.filter(
            delegate=existing,
            kind__in=["registration_received", "already_registered"],
            created_at__gte=now - DUPLICATE_SIGNUP_QUIET_PERIOD,
        ).exists()
        _write(
            [_audit(Actor.system(), "duplicate_signup", delegate=existing)],
            [] if recently_told else [("already_registered", existing, {})],
            deliver_now=False,  # the same answer, as fast, whether or not the address is known
        )
        return SignupOutcome(delegate=existing, created=False)

    SessionRegistration.objects.bulk_create(
        [SessionRegistration(delegate=delegate, session=s, requested_at=now) for s in _unique(sessions)]
    )
    _write(
        [
            _audit(
                Actor.delegate(),
                "registered",
                delegate=delegate,
                to_status=DelegateStatus.PENDING,
                sessions=[s.pk for s in _unique(sessions)],
            )
        ],
        [("registration_received", delegate, {})],
        # Left to the outbox worker (it polls every few seconds): during a registration rush, or
        # with a slow mail server, a signup answers without waiting for SMTP.
        deliver_now=False,
    )
    return SignupOutcome(delegate=delegate, created=True)


def _unique(sessions: Iterable[Session]) -> list[Session]:
    seen: dict[int, Session] = {}
    for s in sessions:
        seen.setdefault(s.pk, s)
    return list(seen.values())


# --------------------------------------------------------------------------- locks and seats

# A test-only hook: the concurrency control test turns the seat lock off to show that the same
# storm then oversells. Nothing else touches it.
LOCK_SEATS = True


def _lock_delegates(ids: Iterable[int]) -> list[Delegate]:
    return list(
        Delegate.objects.select_for_update(of=("self",), no_key=True)
        .select_related("event", "institute")
        .filter(pk__in=set(ids))
        .order_by("pk")
    )


def _lock_sessions(ids: Iterable[int]) -> dict[int, Session]:
    queryset = Session.objects.filter(pk__in=set(ids)).order_by("pk")
    if LOCK_SEATS:
        queryset = queryset.select_for_update()
    return {s.pk: s for s in queryset}


def _confirmed_counts(session_ids: Iterable[int]) -> Counter:
    rows = (
        SessionRegistration.objects.filter(session_id__in=set(session_ids), status=SeatStatus.CONFIRMED)
        .values_list("session_id")
        .annotate(n=Count("pk"))
    )
    return Counter(dict(rows))


@dataclass
class SeatChanges:
    """What one decision did to seats, kept so the caller can write and report it in bulk."""

    moves: dict[tuple[str, str], list[SessionRegistration]] = field(default_factory=lambda: defaultdict(list))
    audit: list[AuditEntry] = field(default_factory=list)

    def move(
        self, registration: SessionRegistration, status: str, actor: Actor, reason: str = "", cancel_reason: str = ""
    ) -> None:
        self.audit.append(
            _audit(
                actor,
                "seat_" + status,
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

    def count(self, status: str) -> int:
        return sum(len(regs) for (s, _r), regs in self.moves.items() if s == status)


def _cancel_ineligible(registration: SessionRegistration, changes: SeatChanges, actor: Actor) -> None:
    """The tier rule at seat time: a government-only seat is never held by a non-government delegate."""
    changes.move(
        registration,
        SeatStatus.CANCELLED,
        actor,
        reason=_("Government-only session"),
        cancel_reason=CancelReason.INELIGIBLE,
    )


def _place(
    registrations: Sequence[SessionRegistration],
    sessions: dict[int, Session],
    confirmed: Counter,
    changes: SeatChanges,
    actor: Actor,
) -> None:
    """Confirm each registration while its session has seats, waitlist the rest (first come, first served)."""
    for registration in sorted(registrations, key=lambda r: (r.requested_at, r.pk)):
        session = sessions[registration.session_id]
        registration.session = session
        if not may_attend(registration.delegate.stakeholder_type, session):
            _cancel_ineligible(registration, changes, actor)
        elif confirmed[session.pk] < session.capacity:
            confirmed[session.pk] += 1
            changes.move(registration, SeatStatus.CONFIRMED, actor)
        elif registration.status != SeatStatus.WAITLISTED:
            changes.move(registration, SeatStatus.WAITLISTED, actor)


def _promote_waitlist(session_ids: Iterable[int], changes: SeatChanges, outgoing: list) -> None:
    """Give every free seat of these sessions to the first eligible waitlisted delegates.

    Call inside a transaction, after the changes that freed the seats are saved.
    """
    session_ids = set(session_ids)
    if not session_ids:
        return
    sessions = _lock_sessions(session_ids)
    confirmed = _confirmed_counts(session_ids)
    waiting = [s_id for s_id, session in sessions.items() if confirmed[s_id] < session.capacity]
    if not waiting:
        return
    waitlisted = (
        SessionRegistration.objects.filter(
            session_id__in=waiting, status=SeatStatus.WAITLISTED, delegate__status=DelegateStatus.APPROVED
        )
        .select_related("delegate__event")
        .order_by("requested_at", "pk")
    )
    system = Actor.system()
    for registration in waitlisted:
        session = sessions[registration.session_id]
        registration.session = session
        if not may_attend(registration.delegate.stakeholder_type, session):
            _cancel_ineligible(registration, changes, system)
            continue
        if confirmed[session.pk] < session.capacity:
            confirmed[session.pk] += 1
            changes.move(registration, SeatStatus.CONFIRMED, system, reason=_("Promoted from the waitlist"))
            outgoing.append(("promoted", registration.delegate, {"session": session.pk}))


def _cancel_seats(
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


# --------------------------------------------------------------------------- decisions


@dataclass
class DecisionResult:
    done: list[Delegate] = field(default_factory=list)
    refused: list[tuple[Delegate, str]] = field(default_factory=list)
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0


def approved_counts(event_ids: Iterable[int], institute_ids: Iterable[int]) -> Counter:
    rows = (
        Delegate.objects.filter(
            event_id__in=set(event_ids), institute_id__in=set(institute_ids), status=DelegateStatus.APPROVED
        )
        .values_list("event_id", "institute_id")
        .annotate(n=Count("pk"))
    )
    return Counter({(event_id, institute_id): n for event_id, institute_id, n in rows})


def _quota_reached(approved: Counter, event_id: int, institute: Institute) -> bool:
    """The institute-quota rule: no more approved delegates per event than the institute's quota."""
    return approved[(event_id, institute.pk)] >= institute.delegate_quota


def check_institute_quota(*, delegate: Delegate, institute: Institute | None) -> None:
    """Refuse moving an approved delegate to an institute whose quota for the event is already used up.

    Called inside the organizer's edit transaction; the institute row is locked so two edits cannot
    both take the last place.
    """
    if institute is None or delegate.pk is None or delegate.status != DelegateStatus.APPROVED:
        return
    _lock_delegates([delegate.pk])  # the lock order of every decision: delegate, then institute
    institute = Institute.objects.select_for_update().get(pk=institute.pk)
    # The delegate's row still names their old institute here, so the count is of the others.
    if _quota_reached(approved_counts([delegate.event_id], [institute.pk]), delegate.event_id, institute):
        raise QuotaExceeded(
            _(
                "%(institute)s has reached its quota of %(quota)d approved delegates for %(event)s; "
                "%(name)s cannot join it while approved."
            )
            % {
                "institute": institute.name,
                "quota": institute.delegate_quota,
                "event": delegate.event,
                "name": delegate.full_name,
            }
        )


@transaction.atomic
def approve_delegates(*, delegate_ids: Iterable[int], actor: Actor) -> DecisionResult:
    """Approve pending delegates: confirm their requested sessions while seats remain, waitlist the rest.

    A government delegate beyond their institute's quota for the event is not approved; the
    result says why. The number of queries does not grow with the number of delegates.
    """
    result = DecisionResult()
    delegates = _lock_delegates(delegate_ids)
    institute_ids = {d.institute_id for d in delegates if d.institute_id}
    institutes = {i.pk: i for i in Institute.objects.select_for_update().filter(pk__in=institute_ids).order_by("pk")}
    approved = approved_counts({d.event_id for d in delegates}, institute_ids)

    audit: list[AuditEntry] = []
    for delegate in sorted(delegates, key=lambda d: (d.created_at, d.pk)):
        if delegate.status != DelegateStatus.PENDING:
            result.refused.append(
                (
                    delegate,
                    _("%(name)s is %(status)s, not pending.")
                    % {"name": delegate.full_name, "status": delegate.get_status_display().lower()},
                )
            )
            continue
        if delegate.institute_id:
            institute = institutes[delegate.institute_id]
            if _quota_reached(approved, delegate.event_id, institute):
                result.refused.append(
                    (
                        delegate,
                        _(
                            "%(name)s was not approved: %(institute)s has reached its quota of %(quota)d approved "
                            "delegates for %(event)s."
                        )
                        % {
                            "name": delegate.full_name,
                            "institute": institute.name,
                            "quota": institute.delegate_quota,
                            "event": delegate.event,
                        },
                    )
                )
                continue
            approved[(delegate.event_id, institute.pk)] += 1
        audit.append(
            _audit(actor, "approved", delegate=delegate, from_status=delegate.status, to_status=DelegateStatus.APPROVED)
        )
        delegate.status = DelegateStatus.APPROVED
        result.done.append(delegate)
    if not result.done:
        return result

    by_id = {d.pk: d for d in result.done}
    requested = list(SessionRegistration.objects.filter(delegate_id__in=by_id, status=SeatStatus.REQUESTED))
    for r in requested:
        r.delegate = by_id[r.delegate_id]
    sessions = _lock_sessions({r.session_id for r in requested})
    changes = SeatChanges()
    _place(requested, sessions, _confirmed_counts(sessions), changes, actor)

    Delegate.objects.filter(pk__in=by_id).update(status=DelegateStatus.APPROVED, updated_at=timezone.now())
    changes.save()
    _write(audit, [("approved", d, {}) for d in result.done])
    result.confirmed = changes.count(SeatStatus.CONFIRMED)
    result.waitlisted = changes.count(SeatStatus.WAITLISTED)
    return result


@transaction.atomic
def reject_delegates(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> DecisionResult:
    """Reject pending or approved delegates; their seats are freed and the waitlist moves up."""
    return _end_registrations(
        delegate_ids,
        actor,
        DelegateStatus.REJECTED,
        CancelReason.REJECTED,
        reason,
        allowed_from=set(ACTIVE_DELEGATE_STATUSES),
        email_kind="rejected",
    )


@transaction.atomic
def withdraw_delegate(*, delegate: Delegate, actor: Actor, reason: str = "") -> DecisionResult:
    """The delegate withdraws: every seat is freed, the waitlist moves up and the private link stops working."""
    result = _end_registrations(
        [delegate.pk],
        actor,
        DelegateStatus.WITHDRAWN,
        CancelReason.WITHDRAWN,
        reason,
        allowed_from=set(ACTIVE_DELEGATE_STATUSES),
        email_kind="withdrawn",
    )
    if result.refused:
        raise InvalidTransition(result.refused[0][1])
    return result


def _end_registrations(
    delegate_ids,
    actor: Actor,
    to_status: str,
    cancel_reason: str,
    reason: str,
    *,
    allowed_from: set[str],
    email_kind: str,
) -> DecisionResult:
    result = DecisionResult()
    delegates = _lock_delegates(delegate_ids)
    audit, outgoing = [], []
    for delegate in delegates:
        if delegate.status not in allowed_from:
            result.refused.append(
                (
                    delegate,
                    _("%(name)s is %(status)s already.")
                    % {"name": delegate.full_name, "status": delegate.get_status_display().lower()},
                )
            )
            continue
        audit.append(
            _audit(actor, to_status, delegate=delegate, from_status=delegate.status, to_status=to_status, reason=reason)
        )
        delegate.status = to_status
        result.done.append(delegate)
    if not result.done:
        return result
    by_id = {d.pk: d for d in result.done}
    active = SessionRegistration.objects.filter(delegate_id__in=by_id).exclude(status=SeatStatus.CANCELLED)
    # Lock the sessions before reading the seats, so a promotion committed meanwhile is seen (and freed).
    sessions = _lock_sessions(active.values_list("session_id", flat=True))
    active = list(active)
    for r in active:
        r.delegate = by_id[r.delegate_id]
        r.session = sessions[r.session_id]
    changes = SeatChanges()
    freed = _cancel_seats(active, changes, actor, cancel_reason, reason)
    update = {"status": to_status, "updated_at": timezone.now()}
    if to_status == DelegateStatus.WITHDRAWN:
        for d in result.done:
            d.link_secret = ""
        update["link_secret"] = ""
    Delegate.objects.filter(pk__in=by_id).update(**update)
    changes.save()
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    outgoing = [(email_kind, d, {"reason": reason} if reason else {}) for d in result.done] + outgoing
    _write(audit, outgoing)
    result.cancelled = changes.count(SeatStatus.CANCELLED)
    return result


@transaction.atomic
def return_to_pending(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> DecisionResult:
    """Undo a decision: approved or rejected delegates are pending again with their original requests.

    Seats they held are freed (and go to the waitlist); sessions cancelled by the rejection are
    requested again.
    """
    result = DecisionResult()
    delegates = _lock_delegates(delegate_ids)
    audit, outgoing = [], []
    for delegate in delegates:
        if delegate.status not in (DelegateStatus.APPROVED, DelegateStatus.REJECTED):
            result.refused.append(
                (
                    delegate,
                    _("%(name)s is %(status)s; only approved or rejected delegates can return to pending.")
                    % {"name": delegate.full_name, "status": delegate.get_status_display().lower()},
                )
            )
            continue
        audit.append(
            _audit(
                actor,
                "returned_to_pending",
                delegate=delegate,
                from_status=delegate.status,
                to_status=DelegateStatus.PENDING,
                reason=reason,
            )
        )
        result.done.append(delegate)
    if not result.done:
        return result
    by_id = {d.pk: d for d in result.done}
    registrations = SessionRegistration.objects.filter(delegate_id__in=by_id).filter(
        Q(status__in=[SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
        | Q(status=SeatStatus.CANCELLED, cancel_reason=CancelReason.REJECTED)
    )
    # Lock the sessions before reading the seats, so a promotion committed meanwhile is seen (and freed).
    sessions = _lock_sessions(registrations.values_list("session_id", flat=True))
    registrations = list(registrations)
    for r in registrations:
        r.delegate = by_id[r.delegate_id]
    changes = SeatChanges()
    freed = set()
    for r in registrations:
        r.session = sessions[r.session_id]
        if r.status == SeatStatus.CONFIRMED:
            freed.add(r.session_id)
        changes.move(r, SeatStatus.REQUESTED, actor, reason=reason)
    Delegate.objects.filter(pk__in=by_id).update(status=DelegateStatus.PENDING, updated_at=timezone.now())
    for d in result.done:
        d.status = DelegateStatus.PENDING
    changes.save()
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    outgoing = [("under_review", d, {}) for d in result.done] + outgoing
    _write(audit, outgoing)
    return result


# --------------------------------------------------------------------------- a delegate's sessions


@transaction.atomic
def add_session(*, delegate: Delegate, session: Session, actor: Actor) -> SessionRegistration:
    """Ask for a seat in one more session, under the same rules as signup and approval."""
    (delegate,) = _lock_delegates([delegate.pk])
    if delegate.status not in ACTIVE_DELEGATE_STATUSES:
        raise InvalidTransition(
            _("A %(status)s registration cannot add sessions.") % {"status": delegate.get_status_display().lower()}
        )
    if not delegate.event.is_registration_open():
        raise RegistrationClosed(
            _("Registration for %(event)s is closed: sessions can no longer be added, only dropped.")
            % {"event": delegate.event}
        )
    check_session_access(event=delegate.event, stakeholder_type=delegate.stakeholder_type, sessions=[session])
    sessions = _lock_sessions([session.pk])
    registration, created = SessionRegistration.objects.get_or_create(delegate=delegate, session=session)
    if not created and registration.status != SeatStatus.CANCELLED:
        raise InvalidTransition(_("You have already asked for “%(title)s”.") % {"title": session.title})
    registration.delegate = delegate
    registration.session = sessions[session.pk]
    previous = registration.status
    registration.status = SeatStatus.REQUESTED
    registration.cancel_reason = ""
    registration.requested_at = timezone.now()
    registration.save()
    changes = SeatChanges()
    if delegate.status == DelegateStatus.APPROVED:
        _place([registration], sessions, _confirmed_counts(sessions), changes, actor)
    changes.save()
    _write(
        [
            _audit(
                actor,
                "session_added",
                delegate=delegate,
                session=session,
                from_status=previous if not created else "",
                to_status=registration.status,
            )
        ],
        [],
    )
    return registration


@transaction.atomic
def drop_session(*, delegate: Delegate, session: Session, actor: Actor, reason: str = "") -> None:
    """Give up one session; a confirmed seat goes to the first on its waitlist."""
    (delegate,) = _lock_delegates([delegate.pk])
    sessions = _lock_sessions([session.pk])
    registration = (
        SessionRegistration.objects.filter(delegate=delegate, session=session)
        .exclude(status=SeatStatus.CANCELLED)
        .first()
    )
    if registration is None:
        raise InvalidTransition(_("You are not registered for “%(title)s”.") % {"title": session.title})
    registration.delegate = delegate
    registration.session = sessions[session.pk]
    changes, outgoing = SeatChanges(), []
    freed = _cancel_seats([registration], changes, actor, CancelReason.DROPPED, reason)
    changes.save()
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    _write([], outgoing)


@transaction.atomic
def enforce_eligibility(*, delegate: Delegate, actor: Actor) -> int:
    """After an organizer changes a delegate's stakeholder type or institute: cancel the seats they may
    no longer hold (the delegate is told), promote the waitlist, and re-check the email domain.

    Returns the number of seats cancelled.
    """
    (delegate,) = _lock_delegates([delegate.pk])
    verified = email_domain_matches(delegate.email, delegate.institute)
    if verified != delegate.email_domain_verified:
        Delegate.objects.filter(pk=delegate.pk).update(email_domain_verified=verified)
        delegate.email_domain_verified = verified
    active = list(
        SessionRegistration.objects.filter(delegate=delegate)
        .exclude(status=SeatStatus.CANCELLED)
        .select_related("session")
    )
    barred = [r for r in active if not may_attend(delegate.stakeholder_type, r.session)]
    if not barred:
        return 0
    sessions = _lock_sessions({r.session_id for r in barred})
    # Read the barred seats again under the session locks: one may have been promoted meanwhile.
    barred = list(
        SessionRegistration.objects.filter(pk__in=[r.pk for r in barred]).exclude(status=SeatStatus.CANCELLED)
    )
    if not barred:
        return 0
    for r in barred:
        r.delegate = delegate
        r.session = sessions[r.session_id]
    changes, outgoing = SeatChanges(), []
    freed = _cancel_seats(
        barred,
        changes,
        actor,
        CancelReason.INELIGIBLE,
        _("Government-only session; the delegate is no longer registered as government."),
    )
    changes.save()
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    outgoing.append(("seats_cancelled", delegate, {"sessions": [r.session_id for r in barred]}))
    _write([], outgoing)
    return len(barred)


@transaction.atomic
def enforce_session_tier(*, session: Session, actor: Actor) -> int:
    """After an organizer makes a session government-only: cancel the seats of non-government
    delegates (each is told) and promote eligible delegates from the waitlist.

    Returns the number of seats cancelled. Only the session is locked (the organizer's form has
    locked it already): seats change only under their session's lock, and taking delegate locks
    after it would invert the lock order of the decisions.
    """
    if not session.is_government_only:
        return 0
    sessions = _lock_sessions([session.pk])
    barred = list(
        SessionRegistration.objects.filter(session=session)
        .exclude(status=SeatStatus.CANCELLED)
        .exclude(delegate__stakeholder_type=StakeholderType.GOVERNMENT)
        .select_related("delegate__event")
    )
    if not barred:
        return 0
    changes, outgoing = SeatChanges(), []
    for r in barred:
        r.session = sessions[session.pk]
    freed = _cancel_seats(barred, changes, actor, CancelReason.INELIGIBLE, _("The session is now government-only."))
    changes.save()
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    outgoing += [("seats_cancelled", r.delegate, {"sessions": [session.pk]}) for r in barred]
    _write([], outgoing)
    return len(barred)


def record_session_change(*, session: Session, changes: dict[str, tuple[str, str]], actor: Actor) -> None:
    """Audit an organizer's edit of a session (capacity has its own entry, from `change_capacity`)."""
    if changes:
        _write(
            [
                _audit(
                    actor,
                    "session_changed",
                    session=session,
                    event=session.event,
                    fields={name: {"from": before, "to": after} for name, (before, after) in changes.items()},
                )
            ],
            [],
        )


def check_capacity(*, session: Session, capacity: int) -> None:
    """Refuse a capacity below one seat or below the seats already confirmed (locks the session)."""
    if capacity is None or capacity < 1:
        raise CapacityBelowConfirmed(_("A session needs at least one seat."))
    if session.pk is None:
        return
    locked = _lock_sessions([session.pk])[session.pk]
    confirmed = _confirmed_counts([session.pk])[session.pk]
    if capacity < confirmed:
        raise CapacityBelowConfirmed(
            _("“%(title)s” already has %(confirmed)d confirmed seats; capacity cannot go below that.")
            % {"title": locked.title, "confirmed": confirmed}
        )


@transaction.atomic
def change_capacity(*, session: Session, capacity: int, actor: Actor) -> int:
    """Set a session's seats. Never below the seats already confirmed; raising it promotes the waitlist.

    Returns how many waitlisted delegates were promoted.
    """
    check_capacity(session=session, capacity=capacity)
    locked = _lock_sessions([session.pk])[session.pk]
    previous = locked.capacity
    Session.objects.filter(pk=session.pk).update(capacity=capacity, updated_at=timezone.now())
    locked.capacity = session.capacity = capacity
    changes, outgoing = SeatChanges(), []
    audit = [
        _audit(
            actor,
            "capacity_changed",
            session=locked,
            event=locked.event,
            from_status=str(previous),
            to_status=str(capacity),
        )
    ]
    if capacity > previous:
        _promote_waitlist([session.pk], changes, outgoing)
    changes.save()
    _write(audit, outgoing)
    return changes.count(SeatStatus.CONFIRMED)


# --------------------------------------------------------------------------- delegate self-service


SELF_EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "job_title",
    "organization",
    "country",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "consent_participant_list",
    "language",
)


@transaction.atomic
def update_delegate_details(*, delegate: Delegate, changes: dict, actor: Actor) -> list[str]:
    """Change a delegate's own details; returns the names of the fields that changed.

    Stakeholder type and institute are not among them: once set, only an organizer changes them.
    """
    (locked,) = _lock_delegates([delegate.pk])
    if locked.status in (DelegateStatus.WITHDRAWN, DelegateStatus.REJECTED):
        raise InvalidTransition(_("This registration can no longer be changed."))
    changed = []
    for name, value in changes.items():
        if name not in SELF_EDITABLE_FIELDS:
            raise InvalidTransition(_("%(field)s cannot be changed here.") % {"field": name})
        if name == "organization" and locked.is_government:
            continue
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if not changed:
        return []
    check_affiliation(
        stakeholder_type=locked.stakeholder_type, institute=locked.institute, organization=locked.organization
    )
    locked.save(update_fields=[*changed, "updated_at"])
    _write([_audit(actor, "details_changed", delegate=locked, fields=changed)], [])
    return changed


def record_organizer_edit(*, delegate: Delegate, fields: list[str], actor: Actor) -> None:
    """Audit an organizer's edit of a delegate's details (field names only: no personal data in the log)."""
    _write([_audit(actor, "details_changed", delegate=delegate, fields=sorted(fields))], [])


def can_change_registration(delegate: Delegate) -> bool:
    """Whether the delegate may still edit details, add sessions or withdraw (the services check again)."""
    return delegate.status in ACTIVE_DELEGATE_STATUSES


@transaction.atomic
def send_status_link(*, event: Event, email: str, actor: Actor) -> bool:
    """Send the private link again to the delegate registered for `event` with this address.

    The link is the same one: anyone may ask for it to be sent, so asking must not break the
    delegate's bookmarked link. Returns whether a link was sent; callers answer the same either
    way, so nobody learns who registered. The email is left to the outbox worker rather than sent
    during the request, so the answer takes no longer for a registered address. Withdrawn and
    erased registrations, and events past their retention period, get nothing.
    """
    delegate = (
        Delegate.objects.filter(event=event, email__iexact=normalize_email(email), anonymized_at__isnull=True)
        .exclude(status=DelegateStatus.WITHDRAWN)
        .exclude(link_secret="")
        .first()
    )
    if delegate is None or timezone.now() >= event.retention_ends_at:
        return False
    _write([_audit(actor, "link_resent", delegate=delegate)], [])
    emails.queue([("lost_link", delegate, {})], deliver_now=False)
    return True


@transaction.atomic
def replace_status_link(*, delegate: Delegate, actor: Actor) -> None:
    """Revoke the delegate's private link and email them a new one (e.g. after sharing it by mistake)."""
    (locked,) = _lock_delegates([delegate.pk])
    if not locked.link_secret:
        raise InvalidTransition(_("This registration has no link to replace."))
    locked.link_secret = new_link_secret()
    locked.save(update_fields=["link_secret", "updated_at"])
    _write([_audit(actor, "link_replaced", delegate=locked)], [("lost_link", locked, {})])


# --------------------------------------------------------------------------- retention


class RetentionNotOver(RegistrationError):
    code = "retention"


@dataclass
class PurgeResult:
    erased: int
    already_erased: int
    counts: dict


ERASED_EMAIL_DOMAIN = "erased.invalid"


@transaction.atomic
def purge_personal_data(*, event: Event, actor: Actor, now=None) -> PurgeResult:
    """Anonymize every delegate of an event whose retention period is over; keep only counts.

    Delegate rows and their session registrations stay, with status, stakeholder type, institute and
    sessions, so the counts per institute, stakeholder type and session survive. Every name, address
    and free-text field is emptied, the email becomes a unique placeholder, the private link is
    revoked, and the personal data in the outbox and in the audit trail of these delegates is
    cleared. The purge itself is recorded in the audit trail with the counts it kept.
    """
    now = now or timezone.now()
    if now < event.retention_ends_at:
        raise RetentionNotOver(
            _("The retention period of %(event)s ends on %(date)s; its personal data is kept until then.")
            % {"event": event, "date": event.retention_ends_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M %Z")}
        )
    from .selectors import registration_counts

    delegates = list(Delegate.objects.select_for_update().filter(event=event).order_by("pk"))
    to_erase = [d for d in delegates if d.anonymized_at is None]
    for delegate in to_erase:
        delegate.given_name = ""
        delegate.family_name = ""
        delegate.email = f"erased-{delegate.public_id.hex}@{ERASED_EMAIL_DOMAIN}"
        delegate.organization = ""
        delegate.job_title = ""
        delegate.country = ""
        delegate.dietary_needs = ""
        delegate.accessibility_needs = ""
        delegate.needs_visa_letter = False
        delegate.consent_data_processing = False
        delegate.consent_participant_list = False
        delegate.link_secret = new_link_secret()
        delegate.anonymized_at = now
        delegate.updated_at = now
    Delegate.objects.bulk_update(
        to_erase,
        [
            "given_name",
            "family_name",
            "email",
            "organization",
            "job_title",
            "country",
            "dietary_needs",
            "accessibility_needs",
            "needs_visa_letter",
            "consent_data_processing",
            "consent_participant_list",
            "link_secret",
            "anonymized_at",
            "updated_at",
        ],
        batch_size=500,
    )
    outbox = OutboundEmail.objects.filter(delegate__event=event)
    outbox.filter(status=EmailStatus.PENDING).update(status=EmailStatus.FAILED)
    outbox.update(context={}, last_error="")
    AuditEntry.objects.filter(delegate__event=event).update(reason="", details={})
    counts = registration_counts(event)
    _write(
        [
            _audit(
                actor,
                "personal_data_purged",
                event=event,
                erased=len(to_erase),
                already_erased=len(delegates) - len(to_erase),
                counts=counts,
            )
        ],
        [],
    )
    return PurgeResult(erased=len(to_erase), already_erased=len(delegates) - len(to_erase), counts=counts)


@transaction.atomic
def erase_delegates(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> int:
    """Delete delegates at an organizer's request (e.g. a GDPR erasure request).

    Their seats are freed and the waitlists move up first; the audit trail keeps who erased how
    many, and no personal data. Returns how many were erased.
    """
    delegates = _lock_delegates(delegate_ids)
    if not delegates:
        return 0
    by_id = {d.pk: d for d in delegates}
    active = list(SessionRegistration.objects.filter(delegate_id__in=by_id).exclude(status=SeatStatus.CANCELLED))
    sessions = _lock_sessions({r.session_id for r in active})
    freed = {r.session_id for r in active if r.status == SeatStatus.CONFIRMED}
    events = {d.event_id: d.event for d in delegates}
    # Their audit entries stay (who decided what, when) but lose what could name the person.
    AuditEntry.objects.filter(delegate_id__in=by_id).update(reason="", details={})
    Delegate.objects.filter(pk__in=by_id).delete()
    outgoing: list = []
    _promote_waitlist(freed, promoted := SeatChanges(), outgoing)
    promoted.save()
    _write(
        [
            _audit(
                actor,
                "erased",
                event=event,
                reason=reason,
                delegates=sum(d.event_id == event.pk for d in delegates),
                sessions_freed=sorted(s for s in freed if sessions[s].event_id == event.pk),
            )
            for event in events.values()
        ],
        outgoing,
    )
    return len(delegates)
