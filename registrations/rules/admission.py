"""Who may go through a door: the door's verdict from the delegate, the session, their seat and their
badge. The tier and a guest's invitation are `rules.may_attend`'s answer. Asked through `rules`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from registrations import l10n
from registrations.models import DelegateStatus, SeatStatus, Session
from registrations.rules import access


class DoorRefusal:
    """Why a door does not let someone in (the codes the door page and the admit list carry)."""

    UNKNOWN = "unknown"  # not a code this server signed, or no such delegate
    OTHER_EVENT = "other_event"
    REISSUED = "reissued"
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"
    GOVERNMENT_ONLY = "government_only"
    NOT_INVITED = "not_invited"  # a guest's invitation does not cover the session
    NOT_CONFIRMED = "not_confirmed"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_ACTIVATED = "not_activated"  # the event asks for an identity check at the badge desk first


@dataclass(frozen=True)
class Verdict:
    """A door's answer: admit, or not and why (`reason` a DoorRefusal code, `message` in words)."""

    admit: bool
    reason: str = ""
    message: str = ""
    # An admission that door staff should look at twice: the badge is already in use inside.
    warning: str = ""

    @classmethod
    def refuse(cls, reason: str, message: str) -> Verdict:
        return cls(admit=False, reason=reason, message=message)


def unknown_badge() -> Verdict:
    return Verdict.refuse(DoorRefusal.UNKNOWN, _("Unknown or forged badge code."))


def badge_for_other_event() -> Verdict:
    return Verdict.refuse(DoorRefusal.OTHER_EVENT, _("This badge is for another event."))


@dataclass(frozen=True)
class InsideElsewhere:
    """A standing check-in of the same badge in another session that runs at the same time."""

    session: str
    door: str
    at: datetime


def admission(  # noqa: PLR0911 (one answer per refusal, in the order a door asks)
    *,
    delegate,
    session: Session | None,
    seat_status: str | None,
    badge_version: int | None,
    checked_in_at: datetime | None = None,
    checked_in_door: str = "",
    inside_elsewhere: InsideElsewhere | None = None,
) -> Verdict:
    """May this delegate go through this door now? `session` None is the venue entrance.

    `seat_status` is the delegate's seat in the session (None: never asked), `badge_version` the
    version on the scanned badge (None: found by name, no badge), `checked_in_at`/`checked_in_door`
    their standing check-in at this door's session, if any; `inside_elsewhere` a standing check-in
    in another session at the same time (the badge may have been passed on: admitted, with a
    warning to compare the photo). The tier is `may_attend`'s answer, the same the signup form, the
    status page and the admin give. Where the event asks for identity checks, a badge the badge desk
    has not activated is refused first: "send them to the badge desk".
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
    if delegate.event.badge_activation_required and not delegate.badge_activated:
        return Verdict.refuse(
            DoorRefusal.NOT_ACTIVATED,
            _("Badge not activated: send them to the badge desk, where their identity document is checked once."),
        )
    if session is not None:
        if not access.may_attend(delegate.stakeholder_type, session):  # the tier alone
            return Verdict.refuse(
                DoorRefusal.GOVERNMENT_ONLY,
                _("Government-only session: this badge belongs to a guest (%(type)s).")
                % {"type": delegate.get_stakeholder_type_display().lower()},
            )
        if not access.may_attend(delegate, session):  # the tier and the guest's invitation
            return Verdict.refuse(
                DoorRefusal.NOT_INVITED, _("Not covered by this guest's invitation: they were not invited to it.")
            )
        if seat_status != SeatStatus.CONFIRMED:
            return Verdict.refuse(DoorRefusal.NOT_CONFIRMED, _not_confirmed_message(seat_status))
    if checked_in_at is not None:
        when = l10n.clock(checked_in_at, delegate.event.tz)
        return Verdict.refuse(
            DoorRefusal.ALREADY_CHECKED_IN,
            _("Already checked in at %(time)s, at %(door)s.") % {"time": when, "door": checked_in_door or _("a door")},
        )
    if inside_elsewhere is not None:
        when = l10n.clock(inside_elsewhere.at, delegate.event.tz)
        return Verdict(
            admit=True,
            warning=_(
                "This badge is already inside %(session)s (%(door)s, %(time)s), which runs at the same time: "
                "compare the photo with the person, the badge may have been passed on."
            )
            % {"session": inside_elsewhere.session, "door": inside_elsewhere.door, "time": when},
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
