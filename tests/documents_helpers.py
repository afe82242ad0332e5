"""Builders shared by the documents' tests: a complete visa-letter request and an issued letter."""

from datetime import date

from registrations import services
from registrations.models import DelegateStatus, VisaRequest
from tests.factories import DelegateFactory

PASSPORT_NUMBER = "AK9078123"
CONSULATE = "Consulate General of the United States, Nairobi"


def visa_details(**changes) -> dict:
    return {
        "passport_name": "WANJIRU Amina",
        "nationality": "KE",
        "passport_number": PASSPORT_NUMBER,
        "passport_expiry": date(2036, 5, 1),
        "date_of_birth": date(1984, 3, 9),
        "consulate": CONSULATE,
        **changes,
    }


def kenyan(event, **fields):
    return DelegateFactory(
        event=event,
        given_name="Amina",
        family_name="Wanjiru",
        status=DelegateStatus.APPROVED,
        consent_participant_list=True,
        **fields,
    )


def requested(delegate, **changes) -> VisaRequest:
    return services.request_visa_letter(
        delegate=delegate, details=visa_details(**changes), actor=services.Actor.delegate()
    )


def issued(delegate, actor, **changes) -> VisaRequest:
    visa = requested(delegate, **changes)
    result = services.issue_visa_letters(request_ids=[visa.pk], actor=actor)
    assert result.done, result.refused
    return VisaRequest.objects.select_related("delegate__event").get(pk=visa.pk)
