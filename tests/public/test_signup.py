"""Signup through the real URL: the tier rule, affiliation rules, the window, consent, duplicates."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from registrations import services
from registrations.models import (
    AuditAction,
    AuditEntry,
    Delegate,
    DelegateStatus,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.outputs import emails
from registrations.public.forms import RegistrationForm
from registrations.queries import links
from tests.factories import DelegateFactory, EventFactory, SessionFactory, SessionRegistrationFactory, institute

REGISTER = "/register/"


def signup(**overrides):
    data = {
        "given_name": "Priya",
        "family_name": "Shah",
        "email": "priya.shah@aisi.gov.uk",
        "stakeholder_type": StakeholderType.GOVERNMENT,
        "institute": institute("GB").pk,
        "organization": "",
        "job_title": "Research Scientist",
        "country": "GB",
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_data_processing": "on",
        "consent_participant_list": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def industry_signup(**overrides):
    values = {
        "given_name": "James",
        "family_name": "Anderson",
        "email": "james@modelsystems.example",
        "stakeholder_type": StakeholderType.INDUSTRY,
        "institute": None,
        "organization": "Model Systems Ltd",
    }
    return signup(**{**values, **overrides})


def assert_nothing_written():
    assert Delegate.objects.count() == 0
    assert SessionRegistration.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_uk_government_delegate_registers_for_government_only_and_open_sessions(
    client, event, open_session, government_session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, signup(sessions=[government_session.pk, open_session.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:register_done")
    delegate = Delegate.objects.get()
    assert (delegate.full_name, delegate.institute.iso_code, delegate.status) == ("Priya Shah", "GB", "pending")
    assert delegate.email_domain_verified is True
    assert sorted(delegate.session_registrations.values_list("session__title", "status")) == [
        ("Joint testing of frontier models", SeatStatus.REQUESTED),
        ("Risk assessment science", SeatStatus.REQUESTED),
    ]
    assert mailoutbox == []  # left to the outbox worker: a signup never waits for the mail server
    assert emails.deliver() == (1, 0)
    assert [m.to for m in mailoutbox] == [["priya.shah@aisi.gov.uk"]]
    assert links.status_path(delegate) in mailoutbox[0].body
    assert AuditEntry.objects.filter(delegate=delegate, action="registered", actor_kind="delegate").count() == 1


def test_academia_delegate_registers_for_an_open_session(client, event, open_session):
    response = client.post(
        REGISTER,
        signup(
            email="camille.moreau@sorbonne.example",
            stakeholder_type=StakeholderType.ACADEMIA,
            institute=None,
            organization="Sorbonne Université",
            given_name="Camille",
            family_name="Moreau-Léger",
            sessions=[open_session.pk],
        ),
    )
    assert response.status_code == 302
    delegate = Delegate.objects.get()
    assert (delegate.organization, delegate.institute, delegate.family_name) == (
        "Sorbonne Université",
        None,
        "Moreau-Léger",
    )
    assert delegate.email_domain_verified is False


def test_industry_form_offers_only_open_sessions(client, event, open_session, government_session):
    response = client.get(REGISTER + "?type=industry")
    form = response.context["form"]
    offered = [value for _group, options in form.fields["sessions"].widget.choices for value, _label in options]
    assert offered == [open_session.pk]
    assert form.hidden_session_count == 1
    assert government_session.title not in response.content.decode()


def test_form_without_a_type_offers_every_session_and_marks_the_tier(client, event, open_session, government_session):
    response = client.get(REGISTER)
    html = response.content.decode()
    assert government_session.title in html and open_session.title in html
    assert 'data-tier="government_only"' in html


def test_industry_guest_posting_a_government_only_session_is_refused_with_no_row(
    client, event, open_session, government_session
):
    response = client.post(REGISTER, industry_signup(sessions=[open_session.pk, government_session.pk]))

    assert response.status_code == 400
    assert "open to government delegates of member institutes only" in response.content.decode()
    assert response.context["form"].errors["sessions"]
    assert_nothing_written()


@pytest.mark.parametrize("kind", ["unknown", "other_event"])
def test_unknown_or_other_event_session_id_is_refused_with_no_row(client, event, open_session, kind):
    other = SessionFactory(event=EventFactory(slug="paris-2025"))
    session_id = 999_999 if kind == "unknown" else other.pk
    response = client.post(REGISTER, signup(sessions=[open_session.pk, session_id]))
    assert response.status_code == 400
    assert "Select a valid choice" in str(response.context["form"].errors["sessions"])
    assert_nothing_written()


def test_institute_on_a_non_government_registration_is_refused_with_no_row(client, event, open_session):
    response = client.post(REGISTER, industry_signup(institute=institute("US").pk, sessions=[open_session.pk]))
    assert response.status_code == 400
    assert "Only government delegates register with an institute" in str(response.context["form"].errors)
    assert_nothing_written()


def test_government_registration_without_institute_is_refused_with_no_row(client, event, open_session):
    response = client.post(REGISTER, signup(institute="", sessions=[open_session.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["institute"] == [
        "Government delegates must choose their institute or office."
    ]
    assert_nothing_written()


def test_non_government_registration_without_organization_is_refused(client, event, open_session):
    response = client.post(REGISTER, industry_signup(organization="", sessions=[open_session.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["organization"] == ["Please give your organization."]
    assert_nothing_written()


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (timedelta(hours=1), timedelta(days=3), "has not opened yet"),
        (-timedelta(days=3), -timedelta(seconds=1), "is closed"),
    ],
)
def test_registration_outside_the_window_is_refused_with_no_row(client, db, opens, closes, message):
    now = timezone.now()
    event = EventFactory(registration_opens_at=now + opens, registration_closes_at=now + closes)
    session = SessionFactory(event=event)
    response = client.post(REGISTER, signup(sessions=[session.pk]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_written()


def test_missing_consent_is_refused_with_no_row(client, event, open_session):
    response = client.post(REGISTER, signup(consent_data_processing=None, sessions=[open_session.pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["consent_data_processing"] == [
        "We can only register you with your consent to the processing of your data."
    ]
    assert_nothing_written()


def test_no_session_chosen_is_refused(client, event, open_session):
    response = client.post(REGISTER, signup())
    assert response.status_code == 400
    assert response.context["form"].errors["sessions"] == ["Choose at least one session."]
    assert_nothing_written()


def test_errors_are_summarized_at_the_top_and_shown_next_to_the_field(client, event, open_session):
    html = client.post(REGISTER, signup(institute="", sessions=[open_session.pk])).content.decode()
    summary = html.index('id="error-summary"')
    field_error = html.index("Government delegates must choose their institute", summary + 1)
    assert summary < field_error
    assert html.count("Government delegates must choose their institute or office.") == 2


def test_second_registration_with_a_known_email_writes_nothing_and_reveals_nothing(
    client, event, open_session, government_session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(REGISTER, signup(sessions=[open_session.pk]))
    delegate = Delegate.objects.get()
    emails.deliver()
    mailoutbox.clear()
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(minutes=11))  # past the quiet period

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            REGISTER, signup(email="PRIYA.SHAH@AISI.GOV.UK", given_name="Someone", sessions=[government_session.pk])
        )

    assert (second.status_code, second["Location"]) == (first.status_code, first["Location"])
    assert Delegate.objects.count() == 1
    assert list(delegate.session_registrations.values_list("session_id", flat=True)) == [open_session.pk]
    assert Delegate.objects.get().given_name == "Priya"
    emails.deliver()
    assert [m.to for m in mailoutbox] == [["priya.shah@aisi.gov.uk"]]
    assert "already registered" in mailoutbox[0].body
    assert mailoutbox[0].subject.startswith("This address is already registered for")
    assert "the second form was not saved" in mailoutbox[0].body  # what changed: nothing
    assert f"- {open_session.title}:" in mailoutbox[0].body  # what the registration holds
    assert links.status_path(delegate) in mailoutbox[0].body


def test_done_page_is_the_same_for_new_and_known_addresses(client, event, open_session):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    new = client.get(reverse("registrations:register_done")).content
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    known = client.get(reverse("registrations:register_done")).content
    assert new == known


@pytest.mark.parametrize(
    ("email", "verified"),
    [
        ("priya@aisi.gov.uk", True),
        ("Priya@AISI.GOV.UK", True),
        ("priya@team.dsit.gov.uk", True),
        ("priya@gov.uk.example.com", False),
        ("priya@aisi.gov.uk.evil.example", False),
        ("priya@notaisi.gov.uk", False),
        ("priya@aisi.gov.uk.", False),
        ("priya@аisi.gov.uk", False),  # Cyrillic а
    ],
)
def test_email_domain_check(client, event, open_session, email, verified):
    response = client.post(REGISTER, signup(email=email, sessions=[open_session.pk]))
    if response.status_code == 400:  # the email field itself refused it: nothing written
        assert_nothing_written()
        assert verified is False
        return
    delegate = Delegate.objects.get()
    assert delegate.status == DelegateStatus.PENDING
    assert delegate.email_domain_verified is verified


def test_status_link_shows_delegate_and_session_status(client, event, open_session, government_session):
    client.post(REGISTER, signup(sessions=[open_session.pk, government_session.pk]))
    delegate = Delegate.objects.get()
    response = client.get(links.status_path(delegate))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pending" in html
    assert html.count("Requested") == 2
    assert "America/Los_Angeles" in html


def test_status_link_is_a_signed_token_not_an_id(client, event, open_session):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    delegate = Delegate.objects.get()
    token = links.make_token(delegate)
    assert str(delegate.pk) != token and len(token) > 40
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(reverse("registrations:status", args=[tampered])).status_code == 404
    assert client.get(reverse("registrations:status", args=[str(delegate.pk)])).status_code == 404


def test_home_page_shows_agenda_with_tiers_and_seats_left(client, event, open_session, government_session):
    html = client.get("/").content.decode()
    assert "Government only" in html and "Open" in html
    assert "3 of 3 seats left" in html and "2 of 2 seats left" in html
    assert "PST" in html or "PDT" in html


def test_pages_render_with_a_fixed_small_number_of_queries(
    client, event, open_session, government_session, django_assert_max_num_queries
):
    SessionFactory.create_batch(6, event=event)
    # Nothing cached yet: the snapshot (the sessions with their seats and event, the institutes), then
    # the agenda to render.
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(3):  # the snapshot is kept: the event, the sessions, the institutes
        assert client.get(REGISTER).status_code == 200


def test_form_shows_session_times_in_the_venue_time_zone_with_the_tier(client, event, government_session):
    html = client.get(REGISTER).content.decode()
    local = government_session.starts_at.astimezone(event.tz)
    assert f"{local:%H:%M}" in html
    assert "PST" in html
    label = re.search(r'<label for="id_sessions_0_0"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert label.startswith('<span class="fw-semibold">Joint testing of frontier models</span> · ')
    assert '<span class="badge tier-government">Government only</span>' in label


def test_a_double_click_on_a_known_address_sends_one_reminder(client, event, open_session):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    for _ in range(3):
        assert client.post(REGISTER, signup(sessions=[open_session.pk])).status_code == 302
    assert Delegate.objects.count() == 1
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == ["registration_received"]


def test_the_first_email_lists_the_sessions_asked_for(
    client, event, open_session, government_session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, signup(sessions=[open_session.pk, government_session.pk]))
    emails.deliver()
    body = mailoutbox[0].body
    assert "Sessions you asked for (times in America/Los_Angeles):" in body
    assert "- Joint testing of frontier models: " in body and "(government only)" in body
    assert "- Risk assessment science: " in body


def test_closed_registration_shows_no_form_to_fill_in(client, db):
    now = timezone.now()
    event = EventFactory(registration_opens_at=now - timedelta(days=9), registration_closes_at=now - timedelta(days=1))
    SessionFactory(event=event)
    html = client.get(REGISTER).content.decode()
    assert "Registration is open from" in html
    assert 'class="registration-form"' not in html


def test_an_empty_post_gets_the_form_back_with_messages(client, event, open_session):
    response = client.post(REGISTER, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert_nothing_written()


def test_chosen_sessions_are_checked_without_reading_them_again(event, open_session, django_assert_num_queries):

    other_event_session = SessionFactory(event=EventFactory(slug="elsewhere-2027"))
    form = RegistrationForm(industry_signup(sessions=[open_session.pk]), event=event, stakeholder_type="industry")
    with django_assert_num_queries(0):
        assert form.fields["sessions"].clean([str(open_session.pk)]) == [open_session]
    with pytest.raises(ValidationError):
        form.fields["sessions"].clean([str(other_event_session.pk)])
    with pytest.raises(ValidationError):
        form.fields["sessions"].clean(["99999999"])


def test_the_form_speaks_to_the_visitor_and_names_countries_plainly(client, event, open_session):
    html = client.get(REGISTER).content.decode()
    assert "The language of the emails and calendar files we send you." in html
    assert "this delegate" not in html
    assert ">Nauru</option>" in html and ">Bahamas</option>" in html
    assert "Naoero" not in html and "Bahamas (The)" not in html


def test_a_government_delegate_is_told_their_focal_point_endorses_first(client, event, open_session):
    event.endorsement_required = True
    event.save()
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    page = client.get(reverse("registrations:register_done")).content.decode()
    assert "Your institute's focal point is asked to endorse your registration first" in page


def test_no_endorsement_note_where_the_event_does_not_ask_for_one(client, event, open_session):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    page = client.get(reverse("registrations:register_done")).content.decode()
    assert "endorse your registration first" not in page


def test_a_session_already_full_is_flagged_on_the_confirmation_page(
    client, event, open_session, government_session, organizer_actor
):
    takers = [DelegateFactory(event=event, government=True) for _ in range(government_session.capacity)]
    for taker in takers:
        SessionRegistrationFactory(delegate=taker, session=government_session)
    services.approve_delegates(delegate_ids=[t.pk for t in takers], actor=organizer_actor)

    client.post(REGISTER, signup(sessions=[open_session.pk, government_session.pk]))
    page = client.get(reverse("registrations:register_done")).content.decode()
    items = re.findall(r"<li>(.*?)</li>", page.split('class="asked-sessions"')[1].split("</ul>")[0], re.S)
    flagged = {government_session.title in item: "session-full" in item for item in items}
    assert flagged == {True: True, False: False}


def test_a_session_already_full_is_flagged_in_the_email_and_on_the_pending_status_page(
    client, event, open_session, government_session, organizer_actor, send_emails, mailoutbox
):
    takers = [DelegateFactory(event=event, government=True) for _ in range(government_session.capacity)]
    for taker in takers:
        SessionRegistrationFactory(delegate=taker, session=government_session)
    services.approve_delegates(delegate_ids=[t.pk for t in takers], actor=organizer_actor)
    OutboundEmail.objects.all().delete()

    client.post(REGISTER, signup(sessions=[open_session.pk, government_session.pk]))
    send_emails()
    delegate = Delegate.objects.get(email=signup()["email"])

    lines = {line for line in mailoutbox[-1].body.splitlines() if line.startswith("- ")}
    flagged = {government_session.title in line: "already full" in line for line in lines}
    assert flagged == {True: True, False: False}
    assert "already full" in mailoutbox[-1].alternatives[0][0]
    page = client.get(links.status_path(delegate)).content.decode()
    assert page.count("already full: you will most likely be put on its waitlist") == 1


def test_the_confirmation_page_says_what_a_repeat_signup_did_without_telling_whether_it_was_one(
    client, event, open_session
):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    page = client.get(reverse("registrations:register_done")).content.decode()
    assert "If this address was already registered, the message says so" in page


def test_the_name_as_in_the_passport_is_kept_in_latin_letters_only(client, event, open_session):
    data = signup(sessions=[open_session.pk], given_name="太郎", family_name="山田", passport_name="YAMADA Taro")
    assert client.post(REGISTER, data).status_code == 302
    assert Delegate.objects.get().passport_name == "YAMADA Taro"

    refused = client.post(REGISTER, {**data, "email": "other@aisi.gov.uk", "passport_name": "山田 太郎"})

    assert refused.status_code == 400
    assert "in Latin letters (e.g. YAMADA Taro)" in refused.content.decode()
    assert Delegate.objects.count() == 1
    # Accents, hyphens and apostrophes are Latin: "MÜLLER-O'NEILL Zoë" is a passport's spelling.
    data = {**data, "email": "third@aisi.gov.uk", "passport_name": "MÜLLER-O'NEILL Zoë"}
    assert client.post(REGISTER, data).status_code == 302


def test_a_signup_on_a_warm_cache_writes_its_four_rows_and_reads_nothing(
    client, event, open_session, django_assert_num_queries
):
    """The event, its sessions and the institutes come from the snapshot; a new address is inserted
    without a read first and without a savepoint of its own (a known one is answered in a second
    transaction). In a test the service's transaction is a savepoint: SAVEPOINT and RELEASE, then the
    delegate, their seat request, the audit entry and the outbox row."""
    data = signup(sessions=[open_session.pk])
    client.get(REGISTER)  # warms the snapshot
    with django_assert_num_queries(6):
        assert client.post(REGISTER, data).status_code == 302
    assert Delegate.objects.get().institute == institute("GB")


def test_a_known_address_is_answered_after_the_insert_is_refused(client, event, open_session):
    assert client.post(REGISTER, signup(sessions=[open_session.pk])).status_code == 302
    again = client.post(REGISTER, signup(sessions=[open_session.pk], given_name="Someone"))
    assert again.status_code == 302
    assert list(Delegate.objects.values_list("given_name", flat=True)) == ["Priya"]
    assert AuditEntry.objects.filter(action=AuditAction.DUPLICATE_SIGNUP).count() == 1
    assert SessionRegistration.objects.count() == 1


def test_an_institute_id_not_in_the_snapshot_is_refused_on_its_field(client, event, open_session):
    response = client.post(REGISTER, signup(sessions=[open_session.pk], institute=999_999))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert_nothing_written()
