"""A delegate's registration as the delegate and the organizers change it: signup, creation by an
organizer, edits, asking for and dropping sessions, and the private link.

Every write asks `rules` first and writes its audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    ACTIVE_DELEGATE_STATUSES,
    AuditAction,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    Endorsement,
    Event,
    Institute,
    Invitation,
    LostLinkRequest,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
    new_link_secret,
)
from . import invitations, rules, seats
from .audit import Actor, commit, record
from .decisions import approve_delegates, approved_counts
from .errors import InvalidEmail, InvalidTransition, NotEligible, QuotaExceeded, RegistrationClosed

# The delegate's details a signup takes (and the signup form asks for).
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

# What a delegate may change about themselves (type and institute are the organizers' to change).
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

DUPLICATE_SIGNUP_QUIET_PERIOD = timedelta(minutes=10)


@dataclass
class SignupOutcome:
    delegate: Delegate
    created: bool


def can_change_registration(delegate: Delegate) -> bool:
    """Whether the delegate may still edit details, add sessions or withdraw (the services check again)."""
    return rules.is_active(delegate)


def _unique(sessions: Iterable[Session]) -> list[Session]:
    seen: dict[int, Session] = {}
    for s in sessions:
        seen.setdefault(s.pk, s)
    return list(seen.values())


def _check_details(details: dict) -> None:
    if not details.get("consent_data_processing"):
        raise NotEligible(_("We can only register you with your consent to the processing of your data."))
    rules.check_affiliation(
        stakeholder_type=details["stakeholder_type"],
        institute=details.get("institute"),
        organization=details.get("organization") or "",
    )


def email_taken(*, event_id: int, email: str, exclude_pk: int | None = None) -> bool:
    """Whether another delegate of the event has this address (the same `email_key`)."""
    others = Delegate.objects.filter(event_id=event_id, email_key=rules.email_key(email))
    return others.exclude(pk=exclude_pk).exists() if exclude_pk is not None else others.exists()


def _set_email(delegate: Delegate, email: str) -> None:
    """The address as stored and its identity, from the one canonical form (`rules.email_key`)."""
    delegate.email = rules.normalize_email(email)
    delegate.email_key = rules.email_key(email)


def _new_delegate(event: Event, details: dict) -> Delegate:
    values = {name: details[name] for name in DELEGATE_DETAIL_FIELDS if name in details}
    if values["stakeholder_type"] == StakeholderType.GOVERNMENT:
        values["organization"] = ""
    delegate = Delegate(event=event, **values)
    _set_email(delegate, values["email"])
    delegate.email_domain_verified = rules.email_domain_matches(delegate.email, delegate.institute)
    return delegate


# --------------------------------------------------------------------------- signup


@transaction.atomic
def register_delegate(
    *, event: Event, details: dict, sessions: Sequence[Session], invitation: Invitation | None = None, now=None
) -> SignupOutcome:
    """Register a delegate and request their sessions; one row or none.

    A second signup with an address already registered for the event writes nothing: the owner of
    the address is sent their existing status link instead, and the caller shows the usual page.

    Civil society, academia and industry guests register as the event's setting allows (by
    invitation only, open with approval, closed). With an `invitation` (locked here, so its uses
    hold under concurrency) the guest's address, type and (personal invitation) organization must
    be the invitation's and only the sessions it covers may be asked for; a pre-approved guest is
    approved at once (seats confirmed where they remain, the invitation's held seats first).
    """
    now = now or timezone.now()
    if not event.is_registration_open(now):
        if now < event.registration_opens_at:
            raise RegistrationClosed(_("Registration for %(event)s has not opened yet.") % {"event": event})
        raise RegistrationClosed(_("Registration for %(event)s is closed.") % {"event": event})
    if invitation is not None:
        invitation = invitations.lock_usable_invitation(invitation, event=event, now=now)
        rules.check_invitation_details(invitation=invitation, details=details)
    _check_details(details)
    rules.check_guest_registration(event=event, stakeholder_type=details["stakeholder_type"], invitation=invitation)
    rules.check_session_access(
        event=event, stakeholder_type=details["stakeholder_type"], sessions=sessions, invitation=invitation
    )
    rules.check_no_clash(_unique(sessions), tz=event.tz)

    delegate = _new_delegate(event, details)
    delegate.invitation = invitation
    nominated = invitation is not None and invitation.institute_id is not None
    if nominated:  # the institute's own nominee: endorsed by the nomination
        delegate.endorsement, delegate.endorsement_at = Endorsement.ENDORSED, now
    existing = Delegate.objects.filter(event=event, email_key=delegate.email_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                delegate.save()
        except IntegrityError:
            # Another request registered the same address a moment ago: the unique constraint is on
            # the very key looked up here, so the row is there to find.
            existing = Delegate.objects.filter(event=event, email_key=delegate.email_key).first()
            if existing is None:
                raise NotEligible(
                    _("We could not register this address just now. Please try again in a moment.")
                ) from None
    if existing is not None:
        # One reminder per address in a while: a double click or a replayed form sends no second email.
        recently_told = OutboundEmail.objects.filter(
            delegate=existing,
            kind__in=[EmailKind.REGISTRATION_RECEIVED, EmailKind.ALREADY_REGISTERED],
            created_at__gte=now - DUPLICATE_SIGNUP_QUIET_PERIOD,
        ).exists()
        commit(
            [record(Actor.system(), AuditAction.DUPLICATE_SIGNUP, delegate=existing)],
            [] if recently_told else [(EmailKind.ALREADY_REGISTERED, existing, {})],
            deliver_now=False,  # the same answer, as fast, whether or not the address is known
        )
        return SignupOutcome(delegate=existing, created=False)

    requested = _unique(sessions)
    SessionRegistration.objects.bulk_create(
        [SessionRegistration(delegate=delegate, session=s, requested_at=now) for s in requested]
    )
    pre_approved = invitation is not None and invitation.pre_approved
    commit(
        [
            record(
                Actor.delegate(),
                AuditAction.REGISTERED,
                delegate=delegate,
                to_status=DelegateStatus.PENDING,
                sessions=[s.pk for s in requested],
                invitation=invitation,
            )
        ],
        # A pre-approved guest gets the approval email instead.
        [] if pre_approved else [(EmailKind.REGISTRATION_RECEIVED, delegate, {})],
        # Left to the outbox worker (it polls every few seconds): during a registration rush, or
        # with a slow mail server, a signup answers without waiting for SMTP.
        deliver_now=False,
    )
    if nominated:
        nominator = invitation.nominated_by
        commit(
            [
                record(
                    Actor.focal_point(nominator.user) if nominator and nominator.user_id else Actor.system(),
                    AuditAction.ENDORSED,
                    delegate=delegate,
                    from_status=Endorsement.PENDING,
                    to_status=Endorsement.ENDORSED,
                    invitation=invitation,
                    nominated=True,
                )
            ]
        )
    if invitation is not None:
        invitations.use_invitation(invitation=invitation, delegate=delegate, now=now)
        if pre_approved:
            approve_delegates(delegate_ids=[delegate.pk], actor=Actor.system())
        # What the invitation held and the guest did not take goes to the waitlists.
        invitations.release_held_seats(invitation)
        delegate.refresh_from_db()
    return SignupOutcome(delegate=delegate, created=True)


# --------------------------------------------------------------------------- organizers' edits


def check_institute_quota(*, delegate: Delegate, institute: Institute | None) -> None:
    """Refuse moving an approved delegate to an institute whose quota for the event is already used up.

    The delegate, then the institute, are locked (the lock order of every decision) so two edits
    cannot both take the last place. The delegate's row still names their old institute here, so
    the count is of the others.
    """
    if institute is None or delegate.pk is None or delegate.status != DelegateStatus.APPROVED:
        return
    seats.lock_delegates([delegate.pk])
    institute = seats.lock_institutes([institute.pk])[institute.pk]
    if rules.quota_reached(approved_counts([delegate.event_id], [institute.pk]), delegate.event_id, institute):
        raise QuotaExceeded(
            _(
                "%(institute)s has reached its quota of %(quota)d approved delegates for %(event)s; "
                "%(name)s cannot join it while approved."
            )
            % {
                "institute": str(institute),
                "quota": institute.delegate_quota,
                "event": delegate.event,
                "name": delegate.full_name,
            }
        )


@transaction.atomic
def create_delegate(*, delegate: Delegate, actor: Actor) -> Delegate:
    """An organizer registers a delegate (an unsaved instance, pending, no sessions yet): the same
    normalization, affiliation and official-domain checks as a signup, audited with the organizer as
    actor. No email is sent: the organizer decides next."""
    if delegate.pk is not None:
        raise ValueError("create_delegate takes a new delegate")
    details = {name: getattr(delegate, name) for name in DELEGATE_DETAIL_FIELDS}
    _check_details(details)
    _set_email(delegate, delegate.email)
    delegate.status = DelegateStatus.PENDING
    if delegate.is_government:
        delegate.organization = ""
    delegate.email_domain_verified = rules.email_domain_matches(delegate.email, delegate.institute)
    if email_taken(event_id=delegate.event_id, email=delegate.email):
        raise NotEligible(_("A delegate with this email is already registered for this event."))
    delegate.save()
    commit([record(actor, AuditAction.REGISTERED, delegate=delegate, to_status=DelegateStatus.PENDING)])
    return delegate


@dataclass
class DelegateUpdate:
    delegate: Delegate
    changed: list[str]
    cancelled: int = 0  # seats the delegate may no longer hold


# What only an organizer may change, beyond the delegate's own fields.
ORGANIZER_EDITABLE_FIELDS = (
    *SELF_EDITABLE_FIELDS,
    "email",
    "stakeholder_type",
    "institute",
    "consent_data_processing",
    "is_sample",
)


@transaction.atomic
def update_delegate(*, delegate: Delegate, changes: dict, actor: Actor) -> DelegateUpdate:
    """An organizer changes a delegate's details (a validated form's changed values).

    Checked before anything is written: the affiliation, consent, the institute's quota (for an
    approved delegate) and, for an address, that no other delegate of the event has it. Then the
    email domain is verified again and seats the delegate may no longer hold (a government-only
    session after leaving the government type) are cancelled, the delegate told. Audited with the
    names of the fields changed (no personal data in the log).
    """
    (locked,) = seats.lock_delegates([delegate.pk])
    changes = {name: value for name, value in changes.items() if name in ORGANIZER_EDITABLE_FIELDS}
    if "email" in changes:
        changes["email"] = rules.normalize_email(changes["email"])
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return DelegateUpdate(delegate=locked, changed=[])
    after = {name: changed.get(name, getattr(locked, name)) for name in ORGANIZER_EDITABLE_FIELDS}
    if not after["consent_data_processing"] and locked.anonymized_at is None:
        raise NotEligible(
            _(
                "A delegate can only be registered with consent to data processing. If they withdrew it, "
                "withdraw or reject the registration instead."
            )
        )
    rules.check_affiliation(
        stakeholder_type=after["stakeholder_type"], institute=after["institute"], organization=after["organization"]
    )
    if "institute" in changed:
        check_institute_quota(delegate=locked, institute=after["institute"])
    if "email" in changed and email_taken(event_id=locked.event_id, email=after["email"], exclude_pk=locked.pk):
        raise NotEligible(_("A delegate with this email is already registered for this event."))
    if after["stakeholder_type"] == StakeholderType.GOVERNMENT:
        changed["organization"] = ""
    for name, value in changed.items():
        setattr(locked, name, value)
    if "email" in changed:
        _set_email(locked, changed["email"])
    locked.email_domain_verified = rules.email_domain_matches(locked.email, locked.institute)
    # Another institute (or type) is another institute's word: an endorsement does not carry over.
    if {"stakeholder_type", "institute"} & set(changed) and locked.endorsement != Endorsement.PENDING:
        locked.endorsement, locked.endorsement_reason, locked.endorsement_at = Endorsement.PENDING, "", None
    locked.save()
    commit([record(actor, AuditAction.DETAILS_CHANGED, delegate=locked, fields=sorted(changed))])
    result = DelegateUpdate(delegate=locked, changed=sorted(changed))
    if {"stakeholder_type", "institute"} & set(changed):
        result.cancelled = _cancel_barred_seats(locked, actor)
    return result


def _cancel_barred_seats(delegate: Delegate, actor: Actor) -> int:
    active = list(
        SessionRegistration.objects.filter(delegate=delegate)
        .exclude(status=SeatStatus.CANCELLED)
        .select_related("session")
    )
    barred = [r for r in active if not rules.may_attend(delegate, r.session)]
    if not barred:
        return 0
    sessions = seats.lock_sessions({r.session_id for r in barred})
    # Read the barred seats again under the session locks: one may have been promoted meanwhile.
    barred = list(
        SessionRegistration.objects.filter(pk__in=[r.pk for r in barred]).exclude(status=SeatStatus.CANCELLED)
    )
    if not barred:
        return 0
    for r in barred:
        r.delegate = delegate
        r.session = sessions[r.session_id]
    _changes, outgoing = seats.release(
        barred,
        actor,
        CancelReason.INELIGIBLE,
        _("Government-only session; the delegate is no longer registered as government."),
    )
    outgoing.append((EmailKind.SEATS_CANCELLED, delegate, {"sessions": [r.session_id for r in barred]}))
    commit([], outgoing)
    return len(barred)


# --------------------------------------------------------------------------- a delegate's own changes


@transaction.atomic
def update_delegate_details(*, delegate: Delegate, changes: dict, actor: Actor) -> list[str]:
    """Change a delegate's own details; returns the names of the fields that changed.

    Stakeholder type and institute are not among them: once set, only an organizer changes them.
    """
    (locked,) = seats.lock_delegates([delegate.pk])
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
    rules.check_affiliation(
        stakeholder_type=locked.stakeholder_type, institute=locked.institute, organization=locked.organization
    )
    locked.save(update_fields=[*changed, "updated_at"])
    commit([record(actor, AuditAction.DETAILS_CHANGED, delegate=locked, fields=changed)])
    return changed


@transaction.atomic
def add_session(*, delegate: Delegate, session: Session, actor: Actor) -> SessionRegistration:
    """Ask for a seat in one more session, under the same rules as signup and approval: refused when
    it overlaps a session the delegate has asked for, waits for or holds."""
    (delegate,) = seats.lock_delegates([delegate.pk])
    if delegate.status not in ACTIVE_DELEGATE_STATUSES:
        raise InvalidTransition(
            _("A %(status)s registration cannot add sessions.") % {"status": delegate.get_status_display().lower()}
        )
    if not delegate.event.is_registration_open():
        raise RegistrationClosed(
            _("Registration for %(event)s is closed: sessions can no longer be added, only dropped.")
            % {"event": delegate.event}
        )
    rules.check_session_access(
        event=delegate.event,
        stakeholder_type=delegate.stakeholder_type,
        sessions=[session],
        invitation=delegate.invitation,
    )
    held = [
        r.session
        for r in SessionRegistration.objects.filter(delegate=delegate)
        .exclude(status=SeatStatus.CANCELLED)
        .exclude(session=session)
        .select_related("session")
    ]
    rules.check_no_clash([session], held, tz=delegate.event.tz)
    sessions = seats.lock_sessions([session.pk])
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
    changes = seats.SeatChanges()
    if delegate.status == DelegateStatus.APPROVED:
        seats.place([registration], sessions, seats.taken_counts(sessions), changes, actor)
    changes.save()
    commit(
        [
            record(
                actor,
                AuditAction.SESSION_ADDED,
                delegate=delegate,
                session=session,
                from_status=previous if not created else "",
                to_status=registration.status,
            )
        ],
        changes.clash_emails(),
    )
    return registration


@transaction.atomic
def drop_session(*, delegate: Delegate, session: Session, actor: Actor, reason: str = "") -> None:
    """Give up one session; a confirmed seat goes to the first on its waitlist."""
    (delegate,) = seats.lock_delegates([delegate.pk])
    sessions = seats.lock_sessions([session.pk])
    registration = (
        SessionRegistration.objects.filter(delegate=delegate, session=session)
        .exclude(status=SeatStatus.CANCELLED)
        .first()
    )
    if registration is None:
        raise InvalidTransition(_("You are not registered for “%(title)s”.") % {"title": session.title})
    registration.delegate = delegate
    registration.session = sessions[session.pk]
    _changes, outgoing = seats.release([registration], actor, CancelReason.DROPPED, reason)
    commit([], outgoing)


# --------------------------------------------------------------------------- the private link


def request_status_link(*, event: Event, email: str) -> None:
    """Someone asked for the private link of `email` (the lost-link form): write the request, only.

    The same single insert whatever the address, so the answer takes as long for a registered
    address as for an unknown one (no timing oracle); the worker resolves it
    (`resolve_lost_link_requests`). Raises InvalidEmail for an address without one identity.
    """
    LostLinkRequest.objects.create(event=event, email_key=rules.email_key(email))


def resolve_lost_link_requests(*, limit: int = 200) -> int:
    """The worker's half of the lost-link form: send each requested link, or drop the request.

    Each request is deleted once handled (it holds an address, possibly of someone who never
    registered). Several requests for one address in a batch send one link. Returns how many links
    were sent.
    """
    sent = 0
    with transaction.atomic():
        requests = list(
            LostLinkRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .order_by("created_at", "pk")[:limit]
        )
        handled = set()
        for request in requests:
            if (request.event_id, request.email_key) in handled:
                continue
            handled.add((request.event_id, request.email_key))
            sent += send_status_link(event=request.event, email=request.email_key, actor=Actor.delegate())
        LostLinkRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return sent


@transaction.atomic
def send_status_link(*, event: Event, email: str, actor: Actor) -> bool:
    """Send the private link again to the delegate registered for `event` with this address.

    The link is the same one: anyone may ask for it to be sent, so asking must not break the
    delegate's bookmarked link. Returns whether a link was queued. Withdrawn and erased
    registrations, events past their retention period and addresses without one identity get
    nothing. (The lost-link form does not call this during the request: see `request_status_link`.)
    """
    try:
        key = rules.email_key(email)
    except InvalidEmail:
        return False
    delegate = (
        Delegate.objects.filter(event=event, email_key=key, anonymized_at__isnull=True)
        .exclude(status=DelegateStatus.WITHDRAWN)
        .exclude(link_secret="")
        .first()
    )
    if delegate is None or timezone.now() >= event.retention_ends_at:
        return False
    commit(
        [record(actor, AuditAction.LINK_RESENT, delegate=delegate)],
        [(EmailKind.LOST_LINK, delegate, {})],
        deliver_now=False,
    )
    return True


@transaction.atomic
def replace_status_link(*, delegate: Delegate, actor: Actor) -> None:
    """Revoke the delegate's private link and email them a new one (e.g. after sharing it by mistake)."""
    (locked,) = seats.lock_delegates([delegate.pk])
    if not locked.link_secret:
        raise InvalidTransition(_("This registration has no link to replace."))
    locked.link_secret = new_link_secret()
    locked.save(update_fields=["link_secret", "updated_at"])
    commit([record(actor, AuditAction.LINK_REPLACED, delegate=locked)], [(EmailKind.LOST_LINK, locked, {})])
