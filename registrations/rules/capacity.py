"""Seats and quotas: a session confirms no more seats than it has; an institute has no more approved
delegates per event than its quota."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from registrations.models import (
    Delegate,
    Institute,
    SeatStatus,
    Session,
)
from registrations.rules.transitions import endorsement_refusal

# --------------------------------------------------------------------------- seats and quotas


def has_seat_left(session: Session, taken: int) -> bool:
    """The capacity rule: a session confirms no more seats than it has.

    `taken` counts confirmed seats and the seats invitations hold (`seats.taken_counts`).
    """
    return taken < session.capacity


def seat_on_approval(*, held: bool, seats_left: int) -> str:
    """Where an approved request lands: a seat its invitation holds, else a free seat, else the
    waitlist (the capacity rule, as `services.seats.place` applies it), for a page that foretells it."""
    return SeatStatus.CONFIRMED if held or seats_left > 0 else SeatStatus.WAITLISTED


def quota_reached(approved: Counter, event_id: int, institute: Institute) -> bool:
    """The institute-quota rule: no more approved delegates per event than the institute's quota.

    `approved` counts approved delegates per (event id, institute id).
    """
    return approved[(event_id, institute.pk)] >= institute.delegate_quota


def quota_left(quota: int, approved: int) -> int:
    """Places left in an institute's quota: never below 0 (an organizer may have overridden it)."""
    return max(quota - approved, 0)


def quota_refusal(delegate: Delegate, institute: Institute, approved: Counter, *, joining: bool = False) -> str | None:
    """Why approving `delegate` for `institute` (or, `joining`, moving an approved delegate to it)
    would break the quota rule, or None. The one wording of the refusal, for decisions and edits."""
    if not quota_reached(approved, delegate.event_id, institute):
        return None
    values = {
        "name": delegate.full_name,
        "institute": str(institute),
        "quota": institute.delegate_quota,
        "event": delegate.event,
    }
    if joining:
        return (
            _(
                "%(institute)s has reached its quota of %(quota)d approved delegates for %(event)s; "
                "%(name)s cannot join it while approved."
            )
            % values
        )
    return (
        _(
            "%(name)s was not approved: %(institute)s has reached its quota of %(quota)d approved "
            "delegates for %(event)s."
        )
        % values
    )


def approval_refusal(delegate, institute, approved: Counter, *, override: bool = False) -> str | None:
    """Why a pending delegate would stay pending when approved: not endorsed where the event asks for
    it (unless the organizer `override`s), or the institute's quota reached; None when they would be
    approved. The one answer for the approval itself and for the page that confirms it."""
    if institute is None:
        return None
    refusal = endorsement_refusal(delegate)
    if refusal is not None and not override:
        return refusal
    return quota_refusal(delegate, institute, approved)
