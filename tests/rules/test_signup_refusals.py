"""A signup's preconditions are one list (`rules.signup_refusals`): the form shows each refusal on its
field and the service raises the first, with the same words, whichever path a signup takes."""

import pytest
from django import forms as django_forms

from registrations import rules, services
from registrations.models import GuestRegistration, InvitationKind, StakeholderType
from registrations.public.forms import RegistrationForm
from tests.factories import InvitationFactory, institute


def details(**overrides):
    values = {
        "given_name": "Ana",
        "family_name": "Silva",
        "email": "ana@univ.example",
        "stakeholder_type": StakeholderType.ACADEMIA,
        "institute": None,
        "organization": "University",
        "job_title": "",
        "country": "BR",
        "language": "en",
        "dietary_needs": "",
        "accessibility_needs": "",
        "needs_visa_letter": False,
        "consent_data_processing": True,
        "consent_participant_list": False,
    }
    values.update(overrides)
    return values


def post_data(values):
    data = {k: v for k, v in values.items() if v not in (None, False)}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    if values.get("institute") is not None:
        data["institute"] = values["institute"].pk
    return data


CASES = {
    "consent": ({"consent_data_processing": False}, "consent_data_processing"),
    "no organization": ({"organization": ""}, "organization"),
    "government without institute": ({"stakeholder_type": StakeholderType.GOVERNMENT}, "institute"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_form_and_the_service_refuse_with_the_same_words(event, open_session, case):
    event.guest_registration = GuestRegistration.OPEN
    event.save()
    overrides, field = CASES[case]
    values = details(**overrides)
    [(refused_field, refusal)] = list(rules.signup_refusals(event=event, details=values, sessions=[open_session]))
    assert refused_field == field

    form = RegistrationForm(
        {**post_data(values), "sessions": [open_session.pk]}, event=event, stakeholder_type=values["stakeholder_type"]
    )
    assert form.is_valid() is False
    assert form.errors[field] == [refusal.message]

    with pytest.raises(services.RegistrationError) as raised:
        services.register_delegate(event=event, details=values, sessions=[open_session])
    assert raised.value.message == refusal.message


def test_an_invitation_for_another_address_is_refused_on_the_email_field_with_the_services_words(event, open_session):
    invitation = InvitationFactory(
        event=event, kind=InvitationKind.PERSONAL, email="ada@x.example", sessions=[open_session]
    )
    values = details(email="someone.else@x.example", organization=invitation.organization)
    [(field, refusal)] = list(
        rules.signup_refusals(event=event, details=values, sessions=[open_session], invitation=invitation)
    )
    assert (field, refusal.message) == (
        "email",
        "This invitation is for another email address. Register with the address it was sent to.",
    )
    form = RegistrationForm({**post_data(values), "sessions": [open_session.pk]}, event=event, invitation=invitation)
    assert form.is_valid() is False
    assert form.errors["email"] == [refusal.message]
    with pytest.raises(services.NotEligible) as raised:
        services.register_delegate(event=event, details=values, sessions=[open_session], invitation=invitation)
    assert raised.value.message == refusal.message


def test_a_guest_type_refused_by_the_events_setting_stops_the_list(event, open_session):
    event.guest_registration = GuestRegistration.CLOSED
    event.save()
    refusals = list(rules.signup_refusals(event=event, details=details(organization=""), sessions=[open_session]))
    # The affiliation is said first; once the type itself is refused, nothing after it is.
    assert [field for field, _refusal in refusals] == ["organization", "stakeholder_type"]


def test_a_government_delegate_passes_every_precondition(event, open_session, government_session):
    values = details(stakeholder_type=StakeholderType.GOVERNMENT, institute=institute("GB"), organization="")
    assert list(rules.signup_refusals(event=event, details=values, sessions=[open_session, government_session])) == []


def test_the_consent_message_is_the_forms_own(event):
    form = RegistrationForm(event=event)
    assert form.fields["consent_data_processing"].error_messages["required"] == rules.CONSENT_REFUSAL
    assert isinstance(form.fields["consent_data_processing"], django_forms.BooleanField)
