"""Reads of the visa letters: a delegate's request, and a letter by its reference (what a consulate
is shown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from registrations.models import Delegate, VisaRequest, VisaStatus
from registrations.rules.documents import passport_tail

# A reference is `secrets.token_urlsafe(16)`: 22 characters of the URL-safe alphabet.
REFERENCE_LENGTH = 22
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def visa_request_of(delegate: Delegate) -> VisaRequest | None:
    return VisaRequest.objects.filter(delegate=delegate).select_related("delegate__event").first()


@dataclass(frozen=True)
class Verification:
    """What the verification page says of a letter, and nothing else."""

    valid: bool
    passport_name: str
    passport_tail: str
    event: str
    starts_on: date
    ends_on: date
    issued_at: datetime
    revoked_at: datetime | None


def is_reference(text: str) -> bool:
    return len(text) == REFERENCE_LENGTH and set(text) <= _ALPHABET


def verification(reference: str) -> Verification | None:
    """The letter with this reference, if one was issued (a request not yet issued, or declined, is
    no letter: the same answer as an unknown reference)."""
    if not is_reference(reference):
        return None
    visa = (
        VisaRequest.objects.filter(reference=reference, status__in=[VisaStatus.ISSUED, VisaStatus.REVOKED])
        .select_related("delegate__event")
        .first()
    )
    if visa is None or visa.issued_at is None:
        return None
    event = visa.delegate.event
    valid = visa.status == VisaStatus.ISSUED
    return Verification(
        valid=valid,
        # A revoked letter's passport details are erased; the page then says only that it is revoked.
        passport_name=visa.passport_name if valid else "",  # as issued, whatever the delegate's says now
        passport_tail=passport_tail(visa.passport_number) if valid else "",
        event=event.name,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        issued_at=visa.issued_at,
        revoked_at=visa.revoked_at,
    )
