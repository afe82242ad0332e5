"""The rules themselves, as plain functions of their inputs: no database writes, no locks.

Who may attend which session (the access tier), which sessions clash (overlap in time), what an
affiliation needs, which official domains vouch for an address, when an institute's quota is used
up, whether a session has a seat left, and which status moves are allowed. Every write path
(signup, self-service, decisions, the admin) asks these before it writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .. import l10n
from ..models import (
    ACTIVE_DELEGATE_STATUSES,
    LIVE_INVITATION_STATUSES,
    AccessTier,
    Delegate,
    DelegateStatus,
    Endorsement,
    Event,
    GuestRegistration,
    Institute,
    Invitation,
    InvitationKind,
    InvitationStatus,
    SeatStatus,
    Session,
    StakeholderType,
)
from .errors import InvalidTransition, NotEligible, SessionClash

# --------------------------------------------------------------------------- who may attend what


def _type_and_invitation(who: str | Delegate, invitation: Invitation | None) -> tuple[str, Invitation | None]:
    """A stakeholder type, or a delegate: then their type and the invitation that brought them."""
    if isinstance(who, str):
        return who, invitation
    if invitation is None and who.invitation_id is not None:
        invitation = who.invitation
    return who.stakeholder_type, invitation


def may_attend(who: str | Delegate, session: Session, *, invitation: Invitation | None = None) -> bool:
    """Who may hold a seat in a session, for every path (form, signup, status page, admin, waitlist,
    door): the access tier (government-only sessions are for government delegates only) and, for a
    guest who came by invitation, the sessions it covers.

    `who` is a stakeholder type (with the invitation, if any) or a delegate (whose own invitation
    is used).
    """
    stakeholder_type, invitation = _type_and_invitation(who, invitation)
    if session.access_tier != AccessTier.OPEN and stakeholder_type != StakeholderType.GOVERNMENT:
        return False
    if invitation is not None and stakeholder_type != StakeholderType.GOVERNMENT:
        return session.pk in invitation.covered_session_ids
    return True


def allowed_sessions(delegate: Delegate, sessions: Iterable[Session] | None = None) -> list[Session]:
    """The sessions this delegate may attend (of `sessions`, or of their event)."""
    if sessions is None:
        sessions = delegate.event.sessions.order_by("starts_at", "title")
    return [s for s in sessions if may_attend(delegate, s)]


def sessions_open_to(
    stakeholder_type: str | None, sessions: Iterable[Session], *, invitation: Invitation | None = None
) -> list[Session]:
    """The sessions a delegate of this stakeholder type may ask for (all of them while it is unknown)."""
    if not stakeholder_type:
        return list(sessions)
    return [s for s in sessions if may_attend(stakeholder_type, s, invitation=invitation)]


def refusal_of_session(stakeholder_type: str, session: Session) -> str:
    """Why a session is barred to this delegate, in words (call after `may_attend` said no)."""
    if session.access_tier != AccessTier.OPEN and stakeholder_type != StakeholderType.GOVERNMENT:
        return _("“%(title)s” is open to government delegates of member institutes only.") % {"title": session.title}
    return _("“%(title)s” is not among the sessions your invitation covers.") % {"title": session.title}


def check_session_access(
    *, event: Event, stakeholder_type: str, sessions: Iterable[Session], invitation: Invitation | None = None
) -> None:
    """Raise NotEligible naming the first session this delegate may not ask for."""
    for session in sessions:
        if session.event_id != event.pk:
            raise NotEligible(
                _("“%(title)s” is not a session of %(event)s.") % {"title": session.title, "event": event}
            )
        if not may_attend(stakeholder_type, session, invitation=invitation):
            raise NotEligible(refusal_of_session(stakeholder_type, session))


# --------------------------------------------------------------------------- invitations


def invitation_required(event: Event, stakeholder_type: str) -> bool:
    """Whether a delegate of this type needs an invitation to register for the event."""
    return stakeholder_type != StakeholderType.GOVERNMENT and event.guest_registration != GuestRegistration.OPEN


def check_guest_registration(*, event: Event, stakeholder_type: str, invitation: Invitation | None) -> None:
    """The event's setting for guests: by invitation only, open with approval, or closed.

    Government delegates are not affected; an invitee with a valid invitation may register in
    every setting (the invitation itself is checked by `invitation_refusal`).
    """
    if invitation is not None or not invitation_required(event, stakeholder_type):
        return
    contact = (
        _(" To ask for an invitation, write to %(email)s.") % {"email": event.contact_email}
        if event.contact_email
        else ""
    )
    if event.guest_registration == GuestRegistration.CLOSED:
        raise NotEligible(_("Registration for civil society, academia and industry participants is closed.") + contact)
    raise NotEligible(
        _("Civil society, academia and industry participants take part by invitation of the organizers.") + contact
    )


def check_invitation_sessions(*, event: Event, sessions: Iterable[Session], government: bool = False) -> None:
    """What an invitation may cover: at least one session, all of its event, none government-only
    (except a nomination, a government invitation from an institute's focal point)."""
    sessions = list(sessions)
    if not sessions:
        raise NotEligible(_("An invitation covers at least one session."))
    for session in sessions:
        if session.event_id != event.pk:
            raise NotEligible(
                _("“%(title)s” is not a session of %(event)s.") % {"title": session.title, "event": event}
            )
        if session.access_tier != AccessTier.OPEN and not government:
            raise NotEligible(
                _("“%(title)s” is government-only: an invitation cannot cover it.") % {"title": session.title}
            )


def invitation_live(invitation: Invitation, now: datetime) -> bool:
    """Whether the invitation is still in play (it holds its seats and may be used while places remain)."""
    return invitation.status in LIVE_INVITATION_STATUSES and now < invitation.expires_at


def invitation_refusal(invitation: Invitation, now: datetime) -> str | None:
    """Why this invitation cannot be used now ("revoked", "declined", "expired", "used"), or None."""
    if invitation.status == InvitationStatus.REVOKED:
        return "revoked"
    if invitation.status == InvitationStatus.DECLINED:
        return "declined"
    if invitation.status == InvitationStatus.EXPIRED or now >= invitation.expires_at:
        return "expired"
    if invitation.uses >= invitation.max_uses:
        return "used"
    return None


def invitation_email_matches(invitation: Invitation, email: str) -> bool:
    """A personal invitation is for its own address; an organization code for its domains, if any."""
    key = email_key(email)
    if invitation.kind == InvitationKind.PERSONAL:
        return key == email_key(invitation.email)
    if not invitation.domain_list:
        return True
    domain = key.rsplit("@", 1)[-1]
    return any(domain == d or domain.endswith("." + d) for d in invitation.domain_list)


def check_invitation_details(*, invitation: Invitation, details: dict) -> None:
    """A signup through an invitation: its address, type (and, for a personal one, organization) fixed."""
    if not invitation_email_matches(invitation, details.get("email") or ""):
        if invitation.kind == InvitationKind.PERSONAL:
            raise NotEligible(
                _("This invitation is for another email address. Register with the address it was sent to.")
            )
        raise NotEligible(
            _("This invitation code is for addresses at %(domains)s.") % {"domains": ", ".join(invitation.domain_list)}
        )
    if details.get("stakeholder_type") != invitation.stakeholder_type:
        raise NotEligible(
            _("This invitation is for %(type)s participants.")
            % {"type": invitation.get_stakeholder_type_display().lower()}
        )
    if invitation.institute_id is not None:
        # A nomination: the institute is the invitation's, whatever the form sent.
        if details.get("institute") != invitation.institute:
            raise NotEligible(
                _("This invitation is for a delegate of %(institute)s.") % {"institute": invitation.institute.name}
            )
        return
    if invitation.kind == InvitationKind.PERSONAL and (details.get("organization") or "") != invitation.organization:
        raise NotEligible(
            _("The organization of a personal invitation is fixed: %(organization)s.")
            % {"organization": invitation.organization}
        )


def check_affiliation(*, stakeholder_type: str, institute: Institute | None, organization: str) -> None:
    """Government delegates register with an institute; everyone else with an organization."""
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


def affiliation_error_field(stakeholder_type: str, institute: Institute | None) -> str:
    """The form field an affiliation refusal belongs to."""
    if stakeholder_type == StakeholderType.GOVERNMENT or institute is not None:
        return "institute"
    return "organization"


# --------------------------------------------------------------------------- clashing sessions
#
# Nobody can be in two rooms at once: a delegate never asks for, waits for or holds seats in two
# sessions that overlap. Times are half-open intervals [starts_at, ends_at): a session ending at 11:00
# does not clash with one starting at 11:00. Signup and "add a session" refuse a clash; placing seats
# (approval, the waitlist) keeps the earlier request and cancels the later one with notice.


def sessions_overlap(a: Session, b: Session) -> bool:
    """Whether two different sessions overlap in time (a session never clashes with itself)."""
    return a.pk != b.pk and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def find_clash(session: Session, others: Iterable[Session]) -> Session | None:
    """The first of `others` that overlaps `session`, or None."""
    return next((other for other in others if sessions_overlap(session, other)), None)


def first_clash(sessions: Iterable[Session], held: Iterable[Session] = ()) -> tuple[Session, Session] | None:
    """The first overlapping pair: (one of `sessions`, one `held`), or two of `sessions` in agenda order."""
    held, taken = list(held), []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.pk)):
        if (other := find_clash(session, held)) is not None:
            return session, other
        if (other := find_clash(session, taken)) is not None:
            return other, session
        taken.append(session)
    return None


def session_when(session: Session, tz: ZoneInfo) -> str:
    """ "Tue 3 Mar, 10:00–11:30 PST" (in French "mardi 3 mars, 10 h 00 – 11 h 30 ..."): the venue's
    zone, in the active language, as the form's session labels say it."""
    return l10n.session_span(session.starts_at, session.ends_at, tz)


def clash_message(session: Session, other: Session, tz: ZoneInfo) -> str:
    return _(
        "“%(title)s” (%(when)s) is at the same time as “%(other)s” (%(other_when)s): you can attend only one of them."
    ) % {
        "title": session.title,
        "when": session_when(session, tz),
        "other": other.title,
        "other_when": session_when(other, tz),
    }


def check_no_clash(sessions: Iterable[Session], held: Iterable[Session] = (), *, tz: ZoneInfo) -> None:
    """Raise SessionClash naming the first two sessions that overlap: two of `sessions`, or one of
    them and one of `held` (the delegate's seats that are not cancelled). Times in `tz` (the venue's)."""
    clash = first_clash(sessions, held)
    if clash is not None:
        raise SessionClash(clash_message(*clash, tz))


# --------------------------------------------------------------------------- seats and quotas


def has_seat_left(session: Session, taken: int) -> bool:
    """The capacity rule: a session confirms no more seats than it has.

    `taken` counts confirmed seats and the seats invitations hold (`seats.taken_counts`).
    """
    return taken < session.capacity


def quota_reached(approved: Counter, event_id: int, institute: Institute) -> bool:
    """The institute-quota rule: no more approved delegates per event than the institute's quota.

    `approved` counts approved delegates per (event id, institute id).
    """
    return approved[(event_id, institute.pk)] >= institute.delegate_quota


# --------------------------------------------------------------------------- status moves

# The allowed moves of a registration (from -> to). Every status change is checked against these.
DELEGATE_TRANSITIONS: dict[str, frozenset[str]] = {
    DelegateStatus.PENDING: frozenset({DelegateStatus.APPROVED, DelegateStatus.REJECTED, DelegateStatus.WITHDRAWN}),
    DelegateStatus.APPROVED: frozenset({DelegateStatus.REJECTED, DelegateStatus.WITHDRAWN, DelegateStatus.PENDING}),
    DelegateStatus.REJECTED: frozenset({DelegateStatus.PENDING}),
    DelegateStatus.WITHDRAWN: frozenset(),
}

# The allowed moves of a seat. A cancelled seat is asked for again as "requested".
SEAT_TRANSITIONS: dict[str, frozenset[str]] = {
    SeatStatus.REQUESTED: frozenset({SeatStatus.CONFIRMED, SeatStatus.WAITLISTED, SeatStatus.CANCELLED}),
    SeatStatus.CONFIRMED: frozenset({SeatStatus.REQUESTED, SeatStatus.CANCELLED}),
    SeatStatus.WAITLISTED: frozenset({SeatStatus.CONFIRMED, SeatStatus.REQUESTED, SeatStatus.CANCELLED}),
    SeatStatus.CANCELLED: frozenset({SeatStatus.REQUESTED}),
}


def may_move(delegate_status: str, to_status: str) -> bool:
    return to_status in DELEGATE_TRANSITIONS.get(delegate_status, frozenset())


def may_move_seat(seat_status: str, to_status: str) -> bool:
    return to_status in SEAT_TRANSITIONS.get(seat_status, frozenset())


def check_seat_move(seat_status: str, to_status: str) -> None:
    if not may_move_seat(seat_status, to_status):
        raise InvalidTransition(
            _("A %(from)s seat cannot become %(to)s.")
            % {"from": SeatStatus(seat_status).label.lower(), "to": SeatStatus(to_status).label.lower()}
        )


def refusal_for(delegate, to_status: str) -> str:
    """Why this delegate's registration cannot move to `to_status`, in words."""
    status = delegate.get_status_display().lower()
    if to_status == DelegateStatus.APPROVED:
        return _("%(name)s is %(status)s, not pending.") % {"name": delegate.full_name, "status": status}
    if to_status == DelegateStatus.PENDING:
        return _("%(name)s is %(status)s; only approved or rejected delegates can return to pending.") % {
            "name": delegate.full_name,
            "status": status,
        }
    return _("%(name)s is %(status)s already.") % {"name": delegate.full_name, "status": status}


def is_active(delegate) -> bool:
    """Whether the registration is still in play: the delegate may edit details, add sessions or withdraw."""
    return delegate.status in ACTIVE_DELEGATE_STATUSES


# --------------------------------------------------------------------------- endorsement

# The endorsements that let a government delegate be approved where the event requires one.
APPROVABLE_ENDORSEMENTS = frozenset({Endorsement.ENDORSED, Endorsement.OVERRIDDEN})


def needs_endorsement(delegate: Delegate) -> bool:
    """Whether this delegate's approval waits for their institute's endorsement."""
    return delegate.is_government and delegate.event.endorsement_required


def endorsement_refusal(delegate: Delegate) -> str | None:
    """Why this delegate cannot be approved yet for want of an endorsement, or None."""
    if not needs_endorsement(delegate) or delegate.endorsement in APPROVABLE_ENDORSEMENTS:
        return None
    if delegate.endorsement == Endorsement.DECLINED:
        return _(
            "%(name)s was not approved: %(institute)s declined to endorse them. Reject them, or approve "
            "without endorsement with a reason."
        ) % {"name": delegate.full_name, "institute": delegate.institute.name}
    return _(
        "%(name)s was not approved: %(event)s requires an endorsement by %(institute)s, which has not "
        "endorsed them yet."
    ) % {"name": delegate.full_name, "event": delegate.event, "institute": delegate.institute.name}


def may_endorse(delegate: Delegate) -> bool:
    """A focal point may endorse or decline a pending government delegate the organizers have not overridden."""
    return (
        delegate.is_government
        and delegate.status == DelegateStatus.PENDING
        and delegate.endorsement != Endorsement.OVERRIDDEN
    )


def endorsement_move_refusal(delegate: Delegate) -> str:
    if delegate.endorsement == Endorsement.OVERRIDDEN:
        return _("%(name)s was already approved by the organizers without endorsement.") % {"name": delegate.full_name}
    return _("%(name)s is %(status)s: the organizers have decided already.") % {
        "name": delegate.full_name,
        "status": delegate.get_status_display().lower(),
    }


# The email identity and the door's admission are rules too; they live in their own modules and are
# asked through this one (`rules.email_key`, `rules.admission`), so every caller has one address.
from .admission import DoorRefusal, Verdict, admission, badge_for_other_event, unknown_badge  # noqa: E402, F401
from .identity import (  # noqa: E402, F401
    MAX_EMAIL_LENGTH,
    email_domain_matches,
    email_key,
    normalize_email,
)
