"""The rules themselves, as plain functions of their inputs: no database writes, no locks.

Who may attend which session (the access tier), what an affiliation needs, which official domains
vouch for an address, when an institute's quota is used up, whether a session has a seat left, and
which status moves are allowed. Every write path (signup, self-service, decisions, the admin)
asks these before it writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..models import (
    ACTIVE_DELEGATE_STATUSES,
    AccessTier,
    DelegateStatus,
    Event,
    Institute,
    SeatStatus,
    Session,
    StakeholderType,
)
from .errors import InvalidTransition, NotEligible

# --------------------------------------------------------------------------- who may attend what


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


# --------------------------------------------------------------------------- identity


def normalize_email(email: str) -> str:
    """The address as stored: surrounding spaces removed, the domain lower-cased."""
    email = email.strip()
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email


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


# --------------------------------------------------------------------------- seats and quotas


def has_seat_left(session: Session, confirmed: int) -> bool:
    """The capacity rule: a session confirms no more seats than it has."""
    return confirmed < session.capacity


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


# --------------------------------------------------------------------------- the door


class DoorRefusal:
    """Why a door does not let someone in (the codes the door page and the admit list carry)."""

    UNKNOWN = "unknown"  # not a code this server signed, or no such delegate
    OTHER_EVENT = "other_event"
    REISSUED = "reissued"
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"
    GOVERNMENT_ONLY = "government_only"
    NOT_CONFIRMED = "not_confirmed"
    ALREADY_CHECKED_IN = "already_checked_in"


@dataclass(frozen=True)
class Verdict:
    """A door's answer: admit, or not and why (`reason` a DoorRefusal code, `message` in words)."""

    admit: bool
    reason: str = ""
    message: str = ""

    @classmethod
    def refuse(cls, reason: str, message: str) -> Verdict:
        return cls(admit=False, reason=reason, message=message)


def unknown_badge() -> Verdict:
    return Verdict.refuse(DoorRefusal.UNKNOWN, _("Unknown or forged badge code."))


def badge_for_other_event() -> Verdict:
    return Verdict.refuse(DoorRefusal.OTHER_EVENT, _("This badge is for another event."))


def admission(  # noqa: PLR0911 (one answer per refusal, in the order a door asks)
    *,
    delegate,
    session: Session | None,
    seat_status: str | None,
    badge_version: int | None,
    checked_in_at: datetime | None = None,
    checked_in_door: str = "",
) -> Verdict:
    """May this delegate go through this door now? `session` None is the venue entrance.

    `seat_status` is the delegate's seat in the session (None: never asked), `badge_version` the
    version on the scanned badge (None: found by name, no badge), `checked_in_at`/`checked_in_door`
    their standing check-in at this door's session, if any. The tier is `may_attend`'s answer, the
    same the signup form, the status page and the admin give.
    """
    if badge_version is not None and badge_version != delegate.badge_version:
        return Verdict.refuse(
            DoorRefusal.REISSUED, _("This badge was reissued: only the newest badge is valid. Ask for the new one.")
        )
    if delegate.status == DelegateStatus.WITHDRAWN:
        return Verdict.refuse(DoorRefusal.WITHDRAWN, _("This delegate has withdrawn from the event."))
    if delegate.status != DelegateStatus.APPROVED:
        return Verdict.refuse(
            DoorRefusal.NOT_APPROVED,
            _("This registration is not approved (it is %(status)s).")
            % {"status": delegate.get_status_display().lower()},
        )
    if session is not None:
        if not may_attend(delegate.stakeholder_type, session):
            return Verdict.refuse(
                DoorRefusal.GOVERNMENT_ONLY,
                _("Government-only session: this badge belongs to a guest (%(type)s).")
                % {"type": delegate.get_stakeholder_type_display().lower()},
            )
        if seat_status != SeatStatus.CONFIRMED:
            return Verdict.refuse(DoorRefusal.NOT_CONFIRMED, _not_confirmed_message(seat_status))
    if checked_in_at is not None:
        when = formats.time_format(timezone.localtime(checked_in_at, delegate.event.tz), "H:i")
        return Verdict.refuse(
            DoorRefusal.ALREADY_CHECKED_IN,
            _("Already checked in at %(time)s, at %(door)s.") % {"time": when, "door": checked_in_door or _("a door")},
        )
    return Verdict(admit=True)


def _not_confirmed_message(seat_status: str | None) -> str:
    if seat_status == SeatStatus.WAITLISTED:
        return _("Not confirmed for this session: on its waitlist.")
    if seat_status == SeatStatus.CANCELLED:
        return _("Not confirmed for this session: the seat was cancelled.")
    if seat_status == SeatStatus.REQUESTED:
        return _("Not confirmed for this session: the seat is requested, not confirmed.")
    return _("Not confirmed for this session: this delegate never asked for it.")
