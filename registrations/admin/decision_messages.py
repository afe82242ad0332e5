"""What the organizers read after a decision: how many were approved, rejected or returned to pending,
which seats that freed, and who went to which waitlist."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations import services
from registrations.models import Delegate


def approved_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext(
        "Approved %(n)d delegate: %(confirmed)s, %(waitlisted)s.",
        "Approved %(n)d delegates: %(confirmed)s, %(waitlisted)s.",
        n,
    ) % {
        "n": n,
        "confirmed": ngettext("%(n)d seat confirmed", "%(n)d seats confirmed", result.confirmed)
        % {"n": result.confirmed},
        "waitlisted": ngettext("%(n)d waitlisted", "%(n)d waitlisted", result.waitlisted) % {"n": result.waitlisted},
    }


def freed_seats_message(result: services.DecisionResult) -> str:
    """What became of the seats a decision took back: only confirmed seats go to the waitlists."""
    if not result.freed:
        return ""
    return " " + ngettext(
        "%(seats)d confirmed seat was released for the waitlists.",
        "%(seats)d confirmed seats were released for the waitlists.",
        result.freed,
    ) % {"seats": result.freed}


def rejected_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext("Rejected %(n)d delegate.", "Rejected %(n)d delegates.", n) % {"n": n} + freed_seats_message(result)


def pending_again_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext("%(n)d delegate is pending again.", "%(n)d delegates are pending again.", n) % {
        "n": n
    } + freed_seats_message(result)


WAITLIST_NAMES_SHOWN = 10


def waitlisted_message(waitlisted_in: list[tuple[Delegate, str]]) -> str:
    """Who went to which waitlist: the first few by name, then how many more."""
    shown = "; ".join(f"{delegate.full_name} ({title})" for delegate, title in waitlisted_in[:WAITLIST_NAMES_SHOWN])
    more = len(waitlisted_in) - WAITLIST_NAMES_SHOWN
    if more > 0:
        return ngettext("Waitlisted: %(names)s and %(n)d more.", "Waitlisted: %(names)s and %(n)d more.", more) % {
            "names": shown,
            "n": more,
        }
    return _("Waitlisted: %(names)s.") % {"names": shown}
