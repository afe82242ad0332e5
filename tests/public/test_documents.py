"""The delegate's documents behind the private link, the consulate's verification page, and the
admin's visa desk: the permission matrix, the confirmation page, what each page may show."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registrations import services
from registrations.models import AuditAction, AuditEntry, DelegateStatus, VisaRequest, VisaStatus
from registrations.queries import links
from tests.documents_helpers import PASSPORT_NUMBER, issued, kenyan, requested
from tests.factories import DelegateFactory, UserFactory

FORM = {
    "passport_name": "WANJIRU Amina",
    "nationality": "KE",
    "passport_number": PASSPORT_NUMBER,
    "passport_expiry": "2036-05-01",
    "date_of_birth": "1984-03-09",
    "consulate": "Consulate General of the United States, Nairobi",
}


def page(name, delegate, *args):
    return reverse(f"registrations:{name}", args=[links.make_token(delegate), *args])


def verify_url(visa):
    return reverse("registrations:verify_letter", args=[visa.reference])


@pytest.fixture
def visa_officer(db):
    user = UserFactory(username="visa-officer")
    user.groups.add(Group.objects.get(name="Visa officers"))
    return user


# --------------------------------------------------------------------------- the status page


def test_details_form_asks_no_passport_field(client, event):
    delegate = kenyan(event)
    response = client.post(
        page("edit_details", delegate),
        {
            "given_name": "Amina",
            "family_name": "Wanjiru",
            "job_title": "Analyst",
            "organization": "University of Nairobi",
            "country": "KE",
        },
    )

    assert response.status_code == 302
    assert not VisaRequest.objects.exists()


def test_request_through_the_status_page(client, event):
    delegate = kenyan(event)

    response = client.post(page("visa_request", delegate), FORM)

    assert response.status_code == 302
    assert VisaRequest.objects.get().passport_number == PASSPORT_NUMBER
    assert "Visa support letter" in client.get(page("status", delegate)).content.decode()


@pytest.mark.parametrize("field", list(FORM))
def test_each_field_required_on_the_form(client, event, field):
    response = client.post(page("visa_request", kenyan(event)), {**FORM, field: ""})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not VisaRequest.objects.exists()


def test_passport_name_in_another_script_refused(client, event):
    response = client.post(page("visa_request", kenyan(event)), {**FORM, "passport_name": "山田 太郎"})

    assert response.status_code == 400
    assert "passport_name" in response.context["form"].errors


def test_details_on_file_never_shown_back(client, event):
    delegate = kenyan(event)
    requested(delegate)

    body = client.get(page("visa_request", delegate)).content.decode()

    assert PASSPORT_NUMBER not in body
    assert "123" in body  # its last three characters


def test_letter_download_only_once_issued(client, event, organizer_actor):
    delegate = kenyan(event)
    visa = requested(delegate)
    assert client.get(page("visa_letter", delegate)).status_code == 404

    services.issue_visa_letters(request_ids=[visa.pk], actor=organizer_actor)
    response = client.get(page("visa_letter", delegate))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_issued_email_carries_the_letter(event, organizer_actor, send_emails, mailoutbox):
    issued(kenyan(event, language="fr"), organizer_actor)
    send_emails()

    (message,) = [m for m in mailoutbox if "visa" in m.subject.lower()]
    assert [name for name, _content, _type in message.attachments] == [f"visa-letter-{event.slug}.pdf"]
    assert PASSPORT_NUMBER not in message.body


# --------------------------------------------------------------------------- verification


def test_verify_valid_letter(client, event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)

    response = client.get(verify_url(visa))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Valid" in body
    assert "WANJIRU Amina" in body
    assert "123" in body and PASSPORT_NUMBER not in body
    assert "Nairobi" not in body and "1984" not in body


def test_verify_says_revoked_after_withdrawal(client, event, organizer_actor):
    visa = issued(kenyan(event), organizer_actor)
    services.withdraw_delegate(delegate=visa.delegate, actor=services.Actor.delegate())

    response = client.get(verify_url(visa))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Revoked" in body
    assert "WANJIRU" not in body


@pytest.mark.parametrize("reference", ["x", "A" * 22, "../../etc/passwd", "%00" * 8])
def test_verify_unknown_reference_is_404(client, db, reference):
    assert client.get(f"/verify/{reference}/").status_code == 404


def test_requested_letter_is_not_verifiable(client, event):
    visa = requested(kenyan(event))

    assert client.get(verify_url(visa)).status_code == 404


def test_verify_is_rate_limited(client, event, settings):
    settings.VERIFY_RATE = "3/m"
    statuses = [client.get("/verify/" + "B" * 22 + "/").status_code for _ in range(5)]

    assert statuses == [404, 404, 404, 429, 429]


# --------------------------------------------------------------------------- the admin


def test_permission_matrix(client, event, organizer_user, visa_officer):
    visa = requested(kenyan(event))
    changelist = reverse("admin:registrations_visarequest_changelist")
    change = reverse("admin:registrations_visarequest_change", args=[visa.pk])

    client.force_login(organizer_user)
    assert (client.get(changelist).status_code, client.get(change).status_code) == (403, 403)
    client.force_login(visa_officer)
    assert client.get(changelist).status_code == 200
    detail = client.get(change)
    assert detail.status_code == 200
    assert PASSPORT_NUMBER in detail.content.decode()
    delegate_page = reverse("admin:registrations_delegate_change", args=[visa.delegate_id])
    client.force_login(organizer_user)
    assert PASSPORT_NUMBER not in client.get(delegate_page).content.decode()


def test_issue_through_the_confirmation_page(client, event, visa_officer):
    visa = requested(kenyan(event))
    pending = requested(DelegateFactory(event=event, status=DelegateStatus.PENDING), passport_number="ZX1")
    client.force_login(visa_officer)
    changelist = reverse("admin:registrations_visarequest_changelist")
    ids = [visa.pk, pending.pk]

    first = client.post(changelist, {"action": "issue_letters", "_selected_action": ids})
    assert first.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.VISA_LETTER_ISSUED).count() == 0
    client.post(
        changelist,
        {
            "action": "issue_letters",
            "_selected_action": ids,
            "confirm": "yes",
            "request_ids": f"{visa.pk},{pending.pk}",
        },
    )

    assert VisaRequest.objects.get(pk=visa.pk).status == VisaStatus.ISSUED
    assert VisaRequest.objects.get(pk=pending.pk).status == VisaStatus.REQUESTED
    entry = AuditEntry.objects.get(action=AuditAction.VISA_LETTER_ISSUED)
    assert entry.actor_user == visa_officer


def test_decline_needs_a_reason(client, event, visa_officer):
    visa = requested(kenyan(event))
    client.force_login(visa_officer)
    changelist = reverse("admin:registrations_visarequest_changelist")

    response = client.post(
        changelist,
        {"action": "decline_letters", "_selected_action": [visa.pk], "confirm": "yes", "request_ids": str(visa.pk)},
    )

    assert response.status_code == 400
    assert VisaRequest.objects.get(pk=visa.pk).status == VisaStatus.REQUESTED


def test_download_my_data_holds_the_visa_request_and_its_passport_details(client, event, organizer_actor):
    delegate = kenyan(event)
    issued(delegate, organizer_actor)
    data = client.get(page("my_data", delegate)).json()
    request = data["visa_letter_request"]
    assert (request["status"], request["passport_number"]) == ("issued", PASSPORT_NUMBER)
