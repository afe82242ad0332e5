"""What a signup needs: the event's setting for guests, an invitation's scope and fixed details, the
affiliation a stakeholder type needs, and `signup_refusals`, the one list of a signup's
preconditions that the form shows on its fields and the service raises from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registrations.models import (
    LIVE_INVITATION_STATUSES,
    Event,
    GuestRegistration,
    Institute,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Session,
    StakeholderType,
)
from registrations.rules.access import check_session_access
from registrations.rules.clashes import check_no_clash
from registrations.rules.errors import NotEligible, RegistrationError, SessionClash
from registrations.rules.holder import passport_name_refusals
from registrations.rules.identity import email_key, on_domains

# --------------------------------------------------------------------------- invitations


# A refusal and the form field it belongs to (None: the form as a whole).
Refusal = tuple[str | None, RegistrationError]


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


def invitation_session_refusal(*, event: Event, session: Session, government: bool = False) -> str | None:
    """Why an invitation cannot cover this session (another event's, or government-only except for a
    nomination, a government invitation from an institute's focal point), or None."""
    if session.event_id != event.pk:
        return _("“%(title)s” is not a session of %(event)s.") % {"title": session.title, "event": event}
    if session.is_government_only and not government:
        return _("“%(title)s” is government-only: an invitation cannot cover it.") % {"title": session.title}
    return None


def check_invitation_sessions(*, event: Event, sessions: Iterable[Session], government: bool = False) -> None:
    """What an invitation may cover: at least one session, each one `invitation_session_refusal` allows."""
    sessions = list(sessions)
    if not sessions:
        raise NotEligible(_("An invitation covers at least one session."))
    for session in sessions:
        refusal = invitation_session_refusal(event=event, session=session, government=government)
        if refusal is not None:
            raise NotEligible(refusal)


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
    return on_domains(key, invitation.domain_list)


def invitation_details_refusals(*, invitation: Invitation, details: dict) -> Iterator[Refusal]:
    """A signup through an invitation: its address, type (and, for a nomination, the institute; for a
    personal invitation, the organization) are the invitation's."""
    email = details.get("email")
    if email and not invitation_email_matches(invitation, email):  # no address: the field's own error
        if invitation.kind == InvitationKind.PERSONAL:
            message = _("This invitation is for another email address. Register with the address it was sent to.")
        else:
            message = _("This invitation code is for addresses at %(domains)s.") % {
                "domains": ", ".join(invitation.domain_list)
            }
        yield "email", NotEligible(message, code="invitation_email")
    if details.get("stakeholder_type") != invitation.stakeholder_type:
        yield (
            "stakeholder_type",
            NotEligible(
                _("This invitation is for %(type)s participants.")
                % {"type": invitation.get_stakeholder_type_display().lower()}
            ),
        )
    if invitation.institute_id is not None:
        # A nomination: the institute is the invitation's, whatever the form sent.
        if details.get("institute") != invitation.institute:
            yield (
                "institute",
                NotEligible(
                    _("This invitation is for a delegate of %(institute)s.")
                    % {"institute": invitation.institute.display_name}
                ),
            )
    elif invitation.kind == InvitationKind.PERSONAL and (details.get("organization") or "") != invitation.organization:
        yield (
            "organization",
            NotEligible(
                _("The organization of a personal invitation is fixed: %(organization)s.")
                % {"organization": invitation.organization}
            ),
        )


CONSENT_REFUSAL = gettext_lazy("We can only register you with your consent to the processing of your data.")


def details_refusals(details: dict) -> Iterator[Refusal]:
    """Consent and affiliation: what every new delegate needs, whoever registers them."""
    if not details.get("consent_data_processing"):
        yield "consent_data_processing", NotEligible(str(CONSENT_REFUSAL), code="consent")
    stakeholder_type, institute = details.get("stakeholder_type"), details.get("institute")
    try:
        check_affiliation(
            stakeholder_type=stakeholder_type, institute=institute, organization=details.get("organization") or ""
        )
    except NotEligible as refusal:
        yield affiliation_error_field(stakeholder_type, institute), refusal


def signup_refusals(
    *, event: Event, details: dict, sessions: Sequence[Session], invitation: Invitation | None = None
) -> Iterator[Refusal]:
    """Every precondition of a signup that fails, as (form field, refusal), in the order a visitor
    reads them: the invitation's fixed details, consent and affiliation, the event's setting for guests
    (nothing after it, since the type itself is refused), the sessions' tiers, then clashes.

    The one list: the signup form shows each refusal on its field, `register_delegate` raises the first.
    """
    if invitation is not None:
        yield from invitation_details_refusals(invitation=invitation, details=details)
    yield from details_refusals(details)
    for field, message in passport_name_refusals(
        event, details.get("given_name") or "", details.get("family_name") or "", details.get("passport_name") or ""
    ):
        yield field, NotEligible(message, code="passport_name")
    stakeholder_type = details.get("stakeholder_type")
    try:
        check_guest_registration(event=event, stakeholder_type=stakeholder_type, invitation=invitation)
    except NotEligible as refusal:
        yield "stakeholder_type", refusal
        return
    try:
        check_session_access(event=event, stakeholder_type=stakeholder_type, sessions=sessions, invitation=invitation)
    except NotEligible as refusal:
        yield "sessions", refusal
    try:
        check_no_clash(sessions, tz=event.tz)
    except SessionClash as refusal:
        yield "sessions", refusal


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
