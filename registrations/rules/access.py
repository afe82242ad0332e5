"""Who may attend what: the access tier (government-only sessions are for government delegates of
member institutes only) and, for a guest who came by invitation, the sessions it covers. Every path
asks `may_attend`: the form, the signup, the status page, the admin, the waitlist and the door."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from registrations.models import (
    Delegate,
    Event,
    Invitation,
    Session,
    StakeholderType,
)
from registrations.rules.errors import NotEligible

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
    if session.is_government_only and stakeholder_type != StakeholderType.GOVERNMENT:
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
    if session.is_government_only and stakeholder_type != StakeholderType.GOVERNMENT:
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
