"""Visa-letter requests: what they require, who decides, and that the passport details stay
encrypted, out of the audit trail and the outbox, and are erased when the letter's use ends."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from registrations import services
from registrations.models import (
    VISA_DATA_FIELDS,
    AuditAction,
    AuditEntry,
    DelegateStatus,
    EmailKind,
    OutboundEmail,
    VisaRequest,
    VisaStatus,
    encrypted,
)
from registrations.outputs import visa_letter
from tests.documents_helpers import CONSULATE, PASSPORT_NUMBER, issued, kenyan, requested, visa_details
from tests.factories import DelegateFactory

RAW_SELECT = (
    "SELECT nationality, passport_number, passport_expiry, date_of_birth, consulate "
    "FROM registrations_visarequest WHERE id = %s"
)


def raw_values(visa) -> dict:
    """What the database holds, read past the model field (which decrypts)."""
    with connection.cursor() as cursor:
        cursor.execute(RAW_SELECT, [visa.pk])
        return dict(zip(VISA_DATA_FIELDS, cursor.fetchone(), strict=True))


def test_request_is_stored_encrypted(event):
    visa = requested(kenyan(event))

    stored = raw_values(visa)
    assert PASSPORT_NUMBER not in json.dumps(stored)
    assert CONSULATE not in json.dumps(stored)
    assert encrypted.decrypt(stored["passport_number"]) == PASSPORT_NUMBER
    assert VisaRequest.objects.get(pk=visa.pk).passport_number == PASSPORT_NUMBER


def test_keys_rotate_first_encrypts_all_decrypt(event, settings):
    visa = requested(kenyan(event))
    old = list(settings.VISA_DATA_KEYS)
    settings.VISA_DATA_KEYS = ["bmV3LWtleS1mb3ItdmlzYS1kYXRhLTMyLWJ5dGVzISE=", *old]

    assert VisaRequest.objects.get(pk=visa.pk).passport_number == PASSPORT_NUMBER
    rotated = encrypted.rotate(raw_values(visa)["passport_number"])
    settings.VISA_DATA_KEYS = settings.VISA_DATA_KEYS[:1]
    assert encrypted.decrypt(rotated) == PASSPORT_NUMBER


def test_rotate_visa_data_reencrypts_every_request_with_the_first_key(event, settings):
    visa = requested(kenyan(event))
    old = list(settings.VISA_DATA_KEYS)
    settings.VISA_DATA_KEYS = ["bmV3LWtleS1mb3ItdmlzYS1kYXRhLTMyLWJ5dGVzISE=", *old]
    call_command("rotate_visa_data", stdout=io.StringIO())
    settings.VISA_DATA_KEYS = settings.VISA_DATA_KEYS[:1]  # the old key gone
    assert VisaRequest.objects.get(pk=visa.pk).passport_number == PASSPORT_NUMBER


@pytest.mark.parametrize("missing", ["passport_name", *VISA_DATA_FIELDS])
def test_request_refused_without_each_field(event, missing):
    with pytest.raises(services.IncompleteVisaRequest) as refusal:
        requested(kenyan(event), **{missing: "" if missing != "passport_expiry" else None})

    assert refusal.value.field == missing
    assert not VisaRequest.objects.exists()


def test_passport_must_outlast_the_event(event):
    with pytest.raises(services.IncompleteVisaRequest) as refusal:
        requested(kenyan(event), passport_expiry=event.ends_on)

    assert refusal.value.field == "passport_expiry"


def test_passport_name_in_latin_letters_goes_on_the_delegate(event):
    delegate = kenyan(event)
    requested(delegate, passport_number="ak 907 8123")
    delegate.refresh_from_db()

    assert delegate.passport_name == "WANJIRU Amina"
    assert delegate.needs_visa_letter is True
    assert VisaRequest.objects.get().passport_number == "AK9078123"


def test_issue_only_for_approved_delegates(event, organizer_actor):
    pending = requested(DelegateFactory(event=event))

    result = services.issue_visa_letters(request_ids=[pending.pk], actor=organizer_actor)

    assert result.done == []
    assert result.refused[0][1] == "A visa letter is issued to approved delegates only."
    assert VisaRequest.objects.get(pk=pending.pk).status == VisaStatus.REQUESTED


def test_issue_audited_and_emailed_without_passport_details(event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)

    entry = AuditEntry.objects.get(action=AuditAction.VISA_LETTER_ISSUED)
    assert (entry.from_status, entry.to_status, entry.delegate_id) == ("requested", "issued", visa.delegate_id)
    assert OutboundEmail.objects.get(kind=EmailKind.VISA_LETTER_ISSUED).delegate_id == visa.delegate_id
    audit_text = json.dumps(list(AuditEntry.objects.values()), default=str)
    outbox_text = json.dumps(list(OutboundEmail.objects.values()), default=str)
    for secret in (PASSPORT_NUMBER, CONSULATE, "1984-03-09"):
        assert secret not in audit_text
        assert secret not in outbox_text


def test_decline_needs_a_new_request_to_issue(event, organizer_actor):
    visa = requested(kenyan(event))

    services.decline_visa_letters(request_ids=[visa.pk], actor=organizer_actor, reason="Apply after approval.")

    visa.refresh_from_db()
    assert (visa.status, visa.decision_reason) == (VisaStatus.DECLINED, "Apply after approval.")
    assert OutboundEmail.objects.get(kind=EmailKind.VISA_LETTER_DECLINED).context == {"reason": "Apply after approval."}


def test_revoke_only_an_issued_letter(event, organizer_actor):
    visa = requested(kenyan(event))

    result = services.revoke_visa_letters(request_ids=[visa.pk], actor=organizer_actor)

    assert result.done == []
    assert VisaRequest.objects.get(pk=visa.pk).status == VisaStatus.REQUESTED


def test_issued_letter_cannot_be_changed_by_the_delegate(event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)

    with pytest.raises(services.InvalidTransition):
        requested(visa.delegate, consulate="Elsewhere")


def test_withdrawal_revokes_and_erases(event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)

    services.withdraw_delegate(delegate=visa.delegate, actor=services.Actor.delegate())

    visa.refresh_from_db()
    assert visa.status == VisaStatus.REVOKED
    assert visa.revoked_at is not None
    assert {name: getattr(visa, name) for name in VISA_DATA_FIELDS} == dict.fromkeys(VISA_DATA_FIELDS, "")
    assert raw_values(visa) == dict.fromkeys(VISA_DATA_FIELDS, "")
    assert set(AuditEntry.objects.filter(delegate=visa.delegate).values_list("action", flat=True)) >= {
        AuditAction.VISA_LETTER_REVOKED,
        AuditAction.VISA_DATA_ERASED,
    }


def test_rejection_erases_a_pending_request(event, organizer_actor):
    visa = requested(kenyan(event))

    services.reject_delegates(delegate_ids=[visa.delegate_id], actor=organizer_actor, reason="No.")

    visa.refresh_from_db()
    assert visa.delegate.status == DelegateStatus.REJECTED
    assert visa.status == VisaStatus.REQUESTED
    assert raw_values(visa) == dict.fromkeys(VISA_DATA_FIELDS, "")


def test_purge_leaves_no_passport_detail_in_a_database_dump(event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)
    event.ends_on = event.starts_on = date.today() - timedelta(days=400)
    event.save()

    services.purge_personal_data(event=event, actor=organizer_actor, now=timezone.now())

    dump = io.StringIO()
    call_command("dumpdata", "registrations", stdout=dump)
    text = dump.getvalue()
    for secret in (PASSPORT_NUMBER, CONSULATE, "WANJIRU", "1984-03-09"):
        assert secret not in text
    assert raw_values(visa) == dict.fromkeys(VISA_DATA_FIELDS, "")
    assert VisaRequest.objects.get(pk=visa.pk).status == VisaStatus.REVOKED


def test_erasure_deletes_the_request(event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)

    services.erase_delegates(delegate_ids=[visa.delegate_id], actor=organizer_actor)

    assert not VisaRequest.objects.exists()


def test_head_of_delegation_is_one_per_delegation(event, organizer_actor):
    first = DelegateFactory(event=event, government=True)
    second = DelegateFactory(event=event, government=True)

    services.set_head_of_delegation(delegate=first, head=True, actor=organizer_actor)
    services.set_head_of_delegation(delegate=second, head=True, actor=organizer_actor)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.head_of_delegation, second.head_of_delegation) == (False, True)
    assert AuditEntry.objects.filter(action=AuditAction.HEAD_OF_DELEGATION_SET).count() == 3


def test_visa_details_helper_is_complete():
    assert set(visa_details()) == {"passport_name", *VISA_DATA_FIELDS}


def test_a_name_changed_after_the_letter_is_issued_never_reaches_the_letter_or_its_verification(
    client, event, organizer_actor
):
    delegate = kenyan(event)
    visa = issued(delegate, organizer_actor)
    issued_name = VisaRequest.objects.get(pk=visa.pk).passport_name
    services.update_delegate_details(
        delegate=delegate, changes={"passport_name": "FORGED Person"}, actor=services.Actor.delegate()
    )
    page = client.get(f"/verify/{visa.reference}/").content.decode()
    assert issued_name in page and "FORGED" not in page
    letter = VisaRequest.objects.select_related("delegate__event").get(pk=visa.pk)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(visa_letter.letter_pdf(letter))).pages)
    assert issued_name in text and "FORGED" not in text
