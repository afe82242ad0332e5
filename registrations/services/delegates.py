"""A delegate's registration as the delegate changes it: signup, their own details, asking for and
dropping sessions. Organizers' edits are in `organizer_edits`, the private link in `status_links`.

Every write asks `rules` first and writes its audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    Endorsement,
    Event,
    Invitation,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)
from registrations.rules.errors import InvalidTransition, NotEligible, RegistrationClosed
from registrations.services import invitations, invitees, photos, seats
from registrations.services.audit import Actor, commit, record
from registrations.services.decisions import approve_delegates

# The delegate's details a signup takes (and the signup form asks for).
DELEGATE_DETAIL_FIELDS = (
    "given_name",
    "family_name",
    "passport_name",
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
    "passport_name",
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


def _unique(sessions: Iterable[Session]) -> list[Session]:
    seen: dict[int, Session] = {}
    for s in sessions:
        seen.setdefault(s.pk, s)
    return list(seen.values())


def check_details(details: dict) -> None:
    """Consent and affiliation (`rules.details_refusals`): what every new delegate needs, whoever
    registers them. Raises the first refusal."""
    for _field, refusal in rules.details_refusals(details):
        raise refusal


def email_taken(*, event_id: int, email: str, exclude_pk: int | None = None) -> bool:
    """Whether another delegate of the event has this address (the same `email_key`)."""
    others = Delegate.objects.filter(event_id=event_id, email_key=rules.email_key(email))
    return others.exclude(pk=exclude_pk).exists() if exclude_pk is not None else others.exists()


def registered_with_key(event: Event, key: str) -> Delegate | None:
    """The event's delegate with this address key, if any (the key is unique per event).

    Looked up without the model's ordering: with `ORDER BY created_at LIMIT 1`, PostgreSQL may walk
    the (event, status, created_at) index and filter every delegate of the event instead of using
    the unique key's index."""
    try:
        return Delegate.objects.get(event=event, email_key=key)
    except Delegate.DoesNotExist:
        return None


def set_email(delegate: Delegate, email: str) -> None:
    """The address as stored and its identity, from the one canonical form (`rules.email_key`)."""
    delegate.email = rules.normalize_email(email)
    delegate.email_key = rules.email_key(email)


def _new_delegate(event: Event, details: dict) -> Delegate:
    values = {name: details[name] for name in DELEGATE_DETAIL_FIELDS if name in details}
    if values["stakeholder_type"] == StakeholderType.GOVERNMENT:
        values["organization"] = ""
    delegate = Delegate(event=event, **values)
    set_email(delegate, values["email"])
    delegate.email_domain_verified = rules.email_domain_matches(delegate.email, delegate.institute)
    return delegate


# --------------------------------------------------------------------------- signup


def register_delegate(
    *,
    event: Event,
    details: dict,
    sessions: Sequence[Session],
    invitation: Invitation | None = None,
    photo: photos.PreparedPhoto | None = None,
    now=None,
) -> SignupOutcome:
    """Register a delegate (see `_register`), with the photo sent at signup, if any: its file is written
    first and removed again unless it became this new delegate's (a known address's photo is never
    replaced by a signup: whoever typed the address may not be its owner).

    A new address, the common case, is inserted without reading first and without a savepoint: the
    unique (event, email_key) constraint refuses a known one, the transaction rolls back whole, and
    the signup is answered as a known address's in a second transaction that reads it first.
    """
    stored = photos.store(photo) if photo is not None else None
    arguments = {"event": event, "details": details, "sessions": sessions, "invitation": invitation, "now": now}
    try:
        try:
            outcome = _register(**arguments, photo=stored, look_up_first=False)
        except IntegrityError:
            # This address is registered (or another request registered it a moment ago): the row is there.
            outcome = _register(**arguments, photo=None, look_up_first=True)
    except BaseException:
        if stored is not None:
            photos.discard(stored.name)
        raise
    if stored is not None and not outcome.created:
        photos.discard(stored.name)
    return outcome


@transaction.atomic
def _register(
    *,
    event: Event,
    details: dict,
    sessions: Sequence[Session],
    invitation: Invitation | None = None,
    now=None,
    photo: photos.StoredPhoto | None = None,
    look_up_first: bool = True,
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
        invitation = invitees.lock_usable_invitation(invitation, event=event, now=now)
    for _field, refusal in rules.signup_refusals(
        event=event, details=details, sessions=_unique(sessions), invitation=invitation
    ):
        raise refusal

    delegate = _new_delegate(event, details)
    delegate.invitation = invitation
    if photo is not None:
        photos.attach(delegate, photo, now=now)
    nominated = invitation is not None and invitation.institute_id is not None
    if nominated:  # the institute's own nominee: endorsed by the nomination
        delegate.endorsement, delegate.endorsement_at = Endorsement.ENDORSED, now
    existing = registered_with_key(event, delegate.email_key) if look_up_first else None
    if existing is None:
        try:
            delegate.save()  # a known address: IntegrityError, and `register_delegate` asks again
        except IntegrityError:
            if not look_up_first:
                raise
            # Looked up and not found, yet refused: another request is registering it this moment.
            raise NotEligible(_("We could not register this address just now. Please try again in a moment.")) from None
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
        invitees.use_invitation(invitation=invitation, delegate=delegate, now=now)
        if pre_approved:
            approve_delegates(delegate_ids=[delegate.pk], actor=Actor.system())
        # What the invitation held and the guest did not take goes to the waitlists.
        invitations.release_held_seats(invitation)
        delegate.refresh_from_db()
    return SignupOutcome(delegate=delegate, created=True)


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
    for _field, message in rules.passport_name_refusals(
        locked.event, locked.given_name, locked.family_name, locked.passport_name
    ):
        raise NotEligible(message, code="passport_name")
    voided = rules.activation_voided(locked, changed)
    if voided:  # a name changed after the badge desk checked it: the desk checks it again
        locked.badge_activated_version = None
    locked.save(update_fields=[*changed, "updated_at", *(["badge_activated_version"] if voided else [])])
    commit([record(actor, AuditAction.DETAILS_CHANGED, delegate=locked, fields=changed)])
    return changed


@transaction.atomic
def add_session(*, delegate: Delegate, session: Session, actor: Actor) -> SessionRegistration:
    """Ask for a seat in one more session, under the same rules as signup and approval: refused when
    it overlaps a session the delegate has asked for, waits for or holds."""
    (delegate,) = seats.lock_delegates([delegate.pk])
    if not rules.is_active(delegate):
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
