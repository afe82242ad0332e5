"""Which status moves are allowed (a registration's and a seat's), what "active" means, and the
endorsement of government delegates by their institute's focal point."""

from __future__ import annotations

from django.utils.translation import gettext as _

from registrations.models import (
    ACTIVE_DELEGATE_STATUSES,
    Delegate,
    DelegateStatus,
    Endorsement,
    SeatStatus,
)
from registrations.rules.errors import InvalidTransition

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
        ) % {"name": delegate.full_name, "institute": delegate.institute.display_name}
    return _(
        "%(name)s was not approved: %(event)s requires an endorsement by %(institute)s, which has not "
        "endorsed them yet."
    ) % {"name": delegate.full_name, "event": delegate.event, "institute": delegate.institute.display_name}


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
