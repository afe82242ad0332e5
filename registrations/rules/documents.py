"""The rules of the convening's documents: visa letters and the list of participants.

Pure functions: what a visa-letter request needs (`visa_request_refusals`, asked by the form and
the service), which moves a letter may make (`VISA_TRANSITIONS`), what a consulate is shown of a
passport number, and the alphabetical order of a language (`collation_key`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _

from registrations.models import DelegateStatus, VisaStatus

# Where a visa letter may go from each status (the one table every path asks).
VISA_TRANSITIONS = {
    VisaStatus.REQUESTED: {VisaStatus.ISSUED, VisaStatus.DECLINED},
    VisaStatus.DECLINED: {VisaStatus.ISSUED},
    VisaStatus.ISSUED: {VisaStatus.REVOKED},
    VisaStatus.REVOKED: set(),
}

# What a consulate sees of the passport number on the verification page.
PASSPORT_TAIL = 3
MAX_PASSPORT_NUMBER = 20


def may_move_visa(from_status: str, to_status: str) -> bool:
    return to_status in VISA_TRANSITIONS.get(from_status, set())


def visa_decision_refusal(delegate_status: str, from_status: str, to_status: str) -> str | None:
    """Why a letter may not go to `to_status`, or None. Only an approved delegate's letter is issued."""
    if to_status == VisaStatus.ISSUED and delegate_status != DelegateStatus.APPROVED:
        return _("A visa letter is issued to approved delegates only.")
    if not may_move_visa(from_status, to_status):
        return _("This letter is already %(status)s.") % {"status": VisaStatus(from_status).label.lower()}
    return None


def passport_tail(number: str) -> str:
    """The last three characters of a passport number: what the verification page shows."""
    return number[-PASSPORT_TAIL:] if number else ""


def normalize_passport_number(number: str) -> str:
    """As printed: letters and digits, upper case, no spaces."""
    return "".join(number.split()).upper()


def visa_request_refusals(details: dict, *, event_ends_on: date, today: date) -> Iterator[tuple[str, str]]:
    """(field, message) for each thing a visa-letter request lacks; nothing when it is complete.

    `details` holds passport_name, nationality, passport_number, passport_expiry and date_of_birth
    (dates), consulate. The passport must still be valid when the event ends.
    """
    required = {
        "passport_name": _("Give your name as the passport prints it."),
        "nationality": _("Give your nationality."),
        "passport_number": _("Give your passport number."),
        "passport_expiry": _("Give your passport's expiry date."),
        "date_of_birth": _("Give your date of birth."),
        "consulate": _("Say at which consulate you apply for the visa."),
    }
    for name, message in required.items():
        if not details.get(name):
            yield name, message
    number = normalize_passport_number(details.get("passport_number") or "")
    if number and (not number.isalnum() or not number.isascii() or len(number) > MAX_PASSPORT_NUMBER):
        yield "passport_number", _("A passport number is letters and digits only.")
    expiry = details.get("passport_expiry")
    if isinstance(expiry, date) and expiry <= event_ends_on:
        yield "passport_expiry", _("Your passport must still be valid after the event ends.")
    born = details.get("date_of_birth")
    if isinstance(born, date) and born >= today:
        yield "date_of_birth", _("A date of birth is in the past.")


def collation_key(text: str) -> str:
    """A language's alphabetical order, near enough without ICU: accents are secondary (États-Unis
    with E), case is ignored, and kana and hangul sort in their own order (Unicode's order of kana is
    the gojūon, of hangul syllables the dictionary's)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
