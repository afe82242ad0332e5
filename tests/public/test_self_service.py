"""The delegate's status page and its actions, through the real URLs with a real private link."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from registrations import services
from registrations.models import (
    AuditEntry,
    DelegateStatus,
    LostLinkRequest,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.outputs import emails
from registrations.queries import links
from tests.factories import DelegateFactory, EventFactory, SessionFactory, SessionRegistrationFactory, venue_time

LOST_LINK = "/link/"


@pytest.fixture(autouse=True)
def clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def industry_delegate(event):
    return DelegateFactory(
        event=event,
        given_name="James",
        family_name="Anderson",
        email="james@modelsystems.example",
        stakeholder_type=StakeholderType.INDUSTRY,
        organization="Model Systems Ltd",
    )


def request_sessions(delegate, *sessions, minutes_ago=60):
    for n, session in enumerate(sessions):
        SessionRegistrationFactory(
            delegate=delegate, session=session, requested_at=timezone.now() - timedelta(minutes=minutes_ago - n)
        )


def approve(*delegates, actor):
    result = services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=actor)
    assert not result.refused
    for d in delegates:
        d.refresh_from_db()


def seat(delegate, session) -> str:
    return SessionRegistration.objects.get(delegate=delegate, session=session).status


def page(delegate) -> str:
    """The delegate's private page, as the link in their emails spells it."""
    return links.status_path(delegate)


def delegate_audit(delegate) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(delegate=delegate, actor_kind="delegate")
        .order_by("created_at", "pk")
        .values_list("action", "to_status")
    )


# --------------------------------------------------------------------------- the status page


def test_status_page_shows_status_sessions_waitlist_position_and_practical_information(client, event, organizer_actor):
    event.practical_information = "Doors open at 08:15; bring a photo ID."
    event.save()
    full = SessionFactory(event=event, title="Small workshop", capacity=1, starts_at=venue_time(event, 11))
    roomy = SessionFactory(event=event, title="Plenary", capacity=10, starts_at=venue_time(event, 9))
    first, second, third = (DelegateFactory(event=event) for _ in range(3))
    for d in (first, second, third):
        request_sessions(d, full)
    request_sessions(third, roomy)
    approve(first, second, third, actor=organizer_actor)

    response = client.get(page(third))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Approved" in html
    assert "number 2 on the waitlist" in html
    assert [(r.session.title, r.status) for r in response.context["registrations"]] == [
        ("Plenary", SeatStatus.CONFIRMED),
        ("Small workshop", SeatStatus.WAITLISTED),
    ]
    assert "Doors open at 08:15; bring a photo ID." in html
    assert "America/Los_Angeles" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_rejected_delegate_is_not_shown_the_practical_information(client, event, organizer_actor):
    event.practical_information = "Tell us your dietary needs by 1 November."
    event.save()
    delegate = DelegateFactory(event=event)
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor, reason="Full")

    html = client.get(page(delegate)).content.decode()

    assert "The organizers could not accept your registration." in html
    assert ("Tell us your dietary needs" in html, "practical-heading" in html) == (False, False)


@pytest.mark.parametrize("sessions", [1, 3])
def test_status_page_query_count_does_not_grow_with_sessions(
    client, event, organizer_actor, django_assert_num_queries, sessions
):
    delegate = DelegateFactory(event=event)
    request_sessions(delegate, *(SessionFactory(event=event) for _ in range(sessions)))
    approve(delegate, actor=organizer_actor)
    path = page(delegate)
    # the link's delegate, their registrations with waitlist positions, the sessions for the add form,
    # their visa-letter request
    with django_assert_num_queries(4):
        response = client.get(path)
    assert response.status_code == 200


# --------------------------------------------------------------------------- details


def test_delegate_changes_dietary_needs_and_the_audit_says_delegate(client, event, mailoutbox):
    delegate = DelegateFactory(event=event, dietary_needs="")
    data = {
        "given_name": delegate.given_name,
        "family_name": delegate.family_name,
        "job_title": "Senior researcher",
        "organization": delegate.organization,
        "country": "FR",
        "dietary_needs": "Vegetarian, no nuts",
        "accessibility_needs": "",
        "consent_participant_list": "on",
    }

    response = client.post(page(delegate) + "details/", data)

    assert response.status_code == 302
    assert response["Location"] == page(delegate)
    delegate.refresh_from_db()
    assert (delegate.dietary_needs, delegate.job_title, delegate.country.code, delegate.consent_participant_list) == (
        "Vegetarian, no nuts",
        "Senior researcher",
        "FR",
        True,
    )
    entry = AuditEntry.objects.get(delegate=delegate, action="details_changed")
    assert (entry.actor_kind, entry.actor_name) == ("delegate", "delegate")
    assert sorted(entry.details["fields"]) == ["consent_participant_list", "country", "dietary_needs", "job_title"]
    assert "Your details are saved." in client.get(page(delegate)).content.decode()


def test_saving_unchanged_details_writes_nothing(client, event):
    delegate = DelegateFactory(event=event, country="DE", dietary_needs="Vegetarian")
    form = client.get(page(delegate) + "details/").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["country"] = "DE"

    response = client.post(page(delegate) + "details/", data)

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="details_changed").exists()
    assert "Nothing changed." in client.get(page(delegate)).content.decode()


def test_a_rejected_delegate_can_no_longer_change_details(client, event, organizer_actor):
    delegate = DelegateFactory(event=event, dietary_needs="")
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)

    page_html = client.get(page(delegate)).content.decode()
    response = client.post(
        page(delegate) + "details/",
        {"given_name": "X", "family_name": "Y", "organization": "Z", "dietary_needs": "Vegan"},
    )

    assert "Change my details" not in page_html and "Withdraw my registration" not in page_html
    assert response.status_code == 400
    assert "This registration can no longer be changed." in response.content.decode()
    delegate.refresh_from_db()
    assert delegate.dietary_needs == ""


def test_edit_page_locks_type_institute_and_email_and_names_the_contact(client, event, government_delegate):
    response = client.get(page(government_delegate) + "details/")

    assert response.status_code == 200
    form = response.context["form"]
    # The language has its own small form on the status page.
    assert sorted(form.fields) == sorted(set(services.SELF_EDITABLE_FIELDS) - {"organization", "language"})
    html = response.content.decode()
    assert "registration@aisi-network.example" in html
    assert government_delegate.institute.name in html


def test_crafted_post_cannot_change_type_institute_or_email(client, event, industry_delegate):
    response = client.post(
        page(industry_delegate) + "details/",
        {
            "given_name": "James",
            "family_name": "Anderson",
            "organization": "Model Systems Ltd",
            "stakeholder_type": StakeholderType.GOVERNMENT,
            "institute": "1",
            "email": "james@dsit.gov.uk",
            "status": "approved",
        },
    )

    assert response.status_code == 302
    industry_delegate.refresh_from_db()
    assert (
        industry_delegate.stakeholder_type,
        industry_delegate.institute,
        industry_delegate.email,
        industry_delegate.status,
    ) == (StakeholderType.INDUSTRY, None, "james@modelsystems.example", DelegateStatus.PENDING)


def test_blank_name_or_organization_is_refused_with_a_message(client, event, industry_delegate):
    response = client.post(
        page(industry_delegate) + "details/", {"given_name": "", "family_name": "Anderson", "organization": ""}
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"given_name", "organization"}
    industry_delegate.refresh_from_db()
    assert (industry_delegate.given_name, industry_delegate.organization) == ("James", "Model Systems Ltd")
    assert not AuditEntry.objects.filter(action="details_changed").exists()


# --------------------------------------------------------------------------- sessions


def test_industry_delegate_is_offered_only_open_sessions(
    client, event, industry_delegate, open_session, government_session
):
    other_open = SessionFactory(event=event, title="Synthetic content")
    request_sessions(industry_delegate, open_session)

    response = client.get(page(industry_delegate))

    assert [s.pk for s in response.context["add_form"].offered] == [other_open.pk]
    assert government_session.title not in response.content.decode()


def test_approved_delegate_adds_a_session_and_gets_a_seat(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    plenary = SessionFactory(event=event, title="Plenary")
    request_sessions(delegate, plenary)
    approve(delegate, actor=organizer_actor)

    response = client.post(page(delegate) + "sessions/add/", {"session": open_session.pk})

    assert response.status_code == 302
    assert seat(delegate, open_session) == SeatStatus.CONFIRMED
    assert delegate_audit(delegate)[-2:] == [("seat_confirmed", "confirmed"), ("session_added", "confirmed")]
    assert "You have a seat in “Risk assessment science”." in client.get(page(delegate)).content.decode()


def test_pending_delegate_adds_a_session_as_a_request(client, event, open_session):
    delegate = DelegateFactory(event=event)

    response = client.post(page(delegate) + "sessions/add/", {"session": open_session.pk})

    assert response.status_code == 302
    assert seat(delegate, open_session) == SeatStatus.REQUESTED


def test_industry_delegate_posting_a_government_only_session_is_refused_with_no_row(
    client, event, industry_delegate, government_session, organizer_actor
):
    request_sessions(industry_delegate, SessionFactory(event=event))
    approve(industry_delegate, actor=organizer_actor)
    before = AuditEntry.objects.count()

    response = client.post(page(industry_delegate) + "sessions/add/", {"session": government_session.pk})

    assert response.status_code == 400
    assert "open to government delegates of member institutes only" in response.content.decode()
    assert not SessionRegistration.objects.filter(session=government_session).exists()
    assert AuditEntry.objects.count() == before


def test_a_refused_add_answers_with_an_error_summary_at_the_top_linking_to_the_form(client, event, open_session):
    delegate = DelegateFactory(event=event)

    response = client.post(page(delegate) + "sessions/add/", {"session": ""})

    assert response.status_code == 400
    html = response.content.decode()
    summary = html.index('id="error-summary"')
    assert summary < html.index('id="sessions-heading"')
    assert '<a href="#add-session">Add a session</a>: This field is required.' in html
    assert f'action="{page(delegate)}sessions/add/#add-session"' in html
    assert html.count('id="add-session"') == 1


def test_session_of_another_event_is_refused_with_no_row(client, event, industry_delegate):
    elsewhere = SessionFactory(event=EventFactory(slug="paris-2025"))

    response = client.post(page(industry_delegate) + "sessions/add/", {"session": elsewhere.pk})

    assert response.status_code == 400
    assert "That session is not part of this convening." in response.content.decode()
    assert not SessionRegistration.objects.exists()


def test_adding_a_session_twice_is_refused(client, event, open_session):
    delegate = DelegateFactory(event=event)
    request_sessions(delegate, open_session)

    response = client.post(page(delegate) + "sessions/add/", {"session": open_session.pk})

    assert response.status_code == 400
    assert SessionRegistration.objects.filter(delegate=delegate).count() == 1


def test_dropping_a_confirmed_seat_promotes_the_first_on_the_waitlist(
    client, event, organizer_actor, mailoutbox, django_capture_on_commit_callbacks
):
    workshop = SessionFactory(event=event, title="Small workshop", capacity=1)
    holder, first_waiting, second_waiting = (DelegateFactory(event=event) for _ in range(3))
    for n, d in enumerate((holder, first_waiting, second_waiting)):
        request_sessions(d, workshop, minutes_ago=60 - n * 10)
    approve(holder, first_waiting, second_waiting, actor=organizer_actor)
    assert [seat(d, workshop) for d in (holder, first_waiting, second_waiting)] == [
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(holder) + f"sessions/{workshop.pk}/drop/")

    assert response.status_code == 302
    assert [seat(d, workshop) for d in (holder, first_waiting, second_waiting)] == [
        "cancelled",
        "confirmed",
        "waitlisted",
    ]
    assert SessionRegistration.objects.get(delegate=holder).cancel_reason == "dropped"
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([first_waiting.email], f"A seat opened for you at {event.name}")
    ]
    assert OutboundEmail.objects.filter(kind="promoted").get().delegate == first_waiting
    assert delegate_audit(holder)[-1] == ("seat_cancelled", "cancelled")
    assert "number 1 on the waitlist" in client.get(page(second_waiting)).content.decode()


def test_dropping_a_session_not_held_is_refused(client, event, open_session):
    delegate = DelegateFactory(event=event)

    response = client.post(page(delegate) + f"sessions/{open_session.pk}/drop/")

    assert response.status_code == 400
    assert "You are not registered for “Risk assessment science”." in response.content.decode()


def test_dropping_a_session_of_another_event_is_not_found(client, event):
    delegate = DelegateFactory(event=event)
    elsewhere = SessionFactory(event=EventFactory(slug="paris-2025"))
    request_sessions(DelegateFactory(event=elsewhere.event), elsewhere)

    response = client.post(page(delegate) + f"sessions/{elsewhere.pk}/drop/")

    assert response.status_code == 404


# --------------------------------------------------------------------------- withdrawal


def test_withdraw_asks_for_confirmation_first(client, event, open_session):
    delegate = DelegateFactory(event=event)
    request_sessions(delegate, open_session)

    response = client.get(page(delegate) + "withdraw/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Yes, withdraw my registration" in html
    assert "Risk assessment science" in html
    assert "this private link stops working" in html
    delegate.refresh_from_db()
    assert delegate.status == DelegateStatus.PENDING


def test_withdrawing_frees_seats_promotes_notifies_and_revokes_the_link(
    client, event, organizer_actor, mailoutbox, django_capture_on_commit_callbacks
):
    workshop = SessionFactory(event=event, title="Small workshop", capacity=1)
    leaving, waiting = DelegateFactory(event=event), DelegateFactory(event=event)
    request_sessions(leaving, workshop, minutes_ago=60)
    request_sessions(waiting, workshop, minutes_ago=30)
    approve(leaving, waiting, actor=organizer_actor)
    old_page = page(leaving)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(old_page + "withdraw/")

    assert response.status_code == 302
    assert response["Location"] == f"/withdrawn/{event.slug}/"
    done = client.get(response["Location"]).content.decode()
    assert "You have withdrawn" in done
    assert "Your seat has been given to the first delegate on its waitlist." in done
    leaving.refresh_from_db()
    assert (leaving.status, leaving.link_secret) == (DelegateStatus.WITHDRAWN, "")
    assert (seat(leaving, workshop), seat(waiting, workshop)) == ("cancelled", "confirmed")
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == sorted(
        [
            (leaving.email, f"You have withdrawn from {event.name}"),
            (waiting.email, f"A seat opened for you at {event.name}"),
        ]
    )
    farewell = next(m for m in mailoutbox if m.to == [leaving.email])
    assert "Your seat has been released for the delegates on the waitlist." in farewell.body
    assert ("withdrawn", "withdrawn") in delegate_audit(leaving)
    gone = client.get(old_page)
    assert gone.status_code == 410
    assert "Links stop working when a registration is withdrawn" in gone.content.decode()


def test_withdrawing_with_requests_only_claims_no_seat_went_to_the_waitlist(
    client, event, open_session, mailoutbox, django_capture_on_commit_callbacks
):
    delegate = DelegateFactory(event=event)  # pending: a request, no seat
    request_sessions(delegate, open_session)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(delegate) + "withdraw/")
    done = client.get(response["Location"]).content.decode()
    emails.deliver()

    assert "You have withdrawn" in done
    assert ("seat" in done, "waitlist" in done) == (False, False)
    (farewell,) = mailoutbox
    assert farewell.subject == f"You have withdrawn from {event.name}"
    assert ("seat" in farewell.body, "released" in farewell.body) == (False, False)


def test_a_rejected_delegate_cannot_withdraw_or_add_sessions(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    delegate.refresh_from_db()

    withdrawn = client.post(page(delegate) + "withdraw/")
    added = client.post(page(delegate) + "sessions/add/", {"session": open_session.pk})

    assert (withdrawn.status_code, added.status_code) == (400, 400)
    assert "is rejected already" in withdrawn.content.decode()
    delegate.refresh_from_db()
    assert delegate.status == DelegateStatus.REJECTED
    assert not SessionRegistration.objects.exists()


# --------------------------------------------------------------------------- downloads


def test_calendar_has_the_confirmed_sessions_in_the_venue_time_zone(client, event, organizer_actor):
    confirmed = SessionFactory(event=event, title="Plenary", capacity=5, starts_at=venue_time(event, 9))
    full = SessionFactory(event=event, title="Small workshop", capacity=1, starts_at=venue_time(event, 11))
    holder, delegate = DelegateFactory(event=event), DelegateFactory(event=event)
    request_sessions(holder, full, minutes_ago=90)
    request_sessions(delegate, confirmed, full)
    approve(holder, delegate, actor=organizer_actor)

    response = client.get(page(delegate) + "calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}-sessions.ics"'
    calendar = Calendar.from_ical(response.content)
    entries = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in entries] == ["Plenary"]
    start = entries[0].decoded("DTSTART")
    assert (str(start.tzinfo), start) == ("America/Los_Angeles", confirmed.starts_at)
    assert start.hour == 9
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert event.venue in str(entries[0]["LOCATION"])


def test_download_my_data_holds_everything_about_the_delegate(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(
        event=event, given_name="Camille", family_name="Moreau-Léger", dietary_needs="Halal", needs_visa_letter=True
    )
    other = DelegateFactory(event=event, given_name="Somebody", family_name="Else")
    request_sessions(delegate, open_session)
    request_sessions(other, open_session)
    approve(delegate, other, actor=organizer_actor)

    response = client.get(page(delegate) + "my-data.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}-my-data.json"'
    data = json.loads(response.content)
    assert set(data) == {
        "generated_at",
        "event",
        "delegate",
        "session_registrations",
        "audit_trail",
        "emails",
        "check_ins",
        "messages_from_the_organizers",
        "visa_letter_request",
    }
    assert data["delegate"] == {
        "public_id": str(delegate.public_id),
        "given_name": "Camille",
        "family_name": "Moreau-Léger",
        "passport_name": "",
        "email": delegate.email,
        "stakeholder_type": "academia",
        "institute": None,
        "organization": "University of Testing",
        "job_title": "Researcher",
        "country": "GB",
        "dietary_needs": "Halal",
        "accessibility_needs": "",
        "needs_visa_letter": True,
        "consent_data_processing": True,
        "consent_participant_list": False,
        "decision_reason": "",
        "endorsement_reason": "",
        "photo_refusal": "",
        "photo_added_at": None,
        "identity_checked_at": None,
        "identity_document": "",
        "language": "en",
        "status": "approved",
        "endorsement": "pending",
        "email_domain_verified": False,
        "registered_at": data["delegate"]["registered_at"],
        "updated_at": data["delegate"]["updated_at"],
    }
    assert [(r["session"], r["status"], r["waitlist_position"]) for r in data["session_registrations"]] == [
        ("Risk assessment science", "confirmed", None)
    ]
    assert [(a["by"], a["action"]) for a in data["audit_trail"]] == [
        ("organizer", "approved"),
        ("organizer", "seat_confirmed"),
    ]
    assert [e["kind"] for e in data["emails"]] == ["approved"]
    assert "Somebody" not in response.content.decode()
    assert "organizer" not in json.dumps(data["audit_trail"]).replace('"by": "organizer"', "")
    assert "Moreau-Léger" in response.content.decode("utf-8")


# --------------------------------------------------------------------------- links that do not work


ACTIONS = [
    ("get", ""),
    ("get", "details/"),
    ("post", "details/"),
    ("post", "sessions/add/"),
    ("post", "sessions/1/drop/"),
    ("get", "withdraw/"),
    ("post", "withdraw/"),
    ("get", "calendar.ics"),
    ("get", "my-data.json"),
    ("get", "participants/"),
]


def _tamper(path: str) -> str:
    token = path.split("/")[2]
    return path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))


@pytest.mark.parametrize(("method", "suffix"), ACTIONS)
def test_a_tampered_link_gets_a_clear_page_on_every_action(client, event, method, suffix):
    delegate = DelegateFactory(event=event)

    response = getattr(client, method)(_tamper(page(delegate)) + suffix)

    assert response.status_code == 404
    assert "The link is incomplete or has been changed" in response.content.decode()
    delegate.refresh_from_db()
    assert delegate.status == DelegateStatus.PENDING


@pytest.mark.parametrize("garbage", ["nonsense", "a" * 300, "x.y:z", "%E2%98%83"])
def test_garbage_tokens_get_the_tampered_page(client, event, garbage):
    response = client.get(f"/r/{garbage}/")
    assert response.status_code == 404
    assert "The link is incomplete or has been changed" in response.content.decode()


@pytest.mark.parametrize(("method", "suffix"), ACTIONS)
def test_a_link_after_the_retention_period_has_expired(db, client, method, suffix):
    past = timezone.now() - timedelta(days=400)
    event = EventFactory(
        starts_on=past.date(),
        ends_on=past.date() + timedelta(days=1),
        registration_opens_at=past - timedelta(days=60),
        registration_closes_at=past - timedelta(days=5),
        retention_days=30,
    )
    delegate = DelegateFactory(event=event)

    response = getattr(client, method)(page(delegate) + suffix)

    assert response.status_code == 410
    assert "The link has expired" in response.content.decode()


@pytest.mark.parametrize(("method", "suffix"), ACTIONS)
def test_a_withdrawn_delegates_link_no_longer_works(client, event, method, suffix):
    delegate = DelegateFactory(event=event)
    old_page = page(delegate)
    services.withdraw_delegate(delegate=delegate, actor=services.Actor.delegate())

    response = getattr(client, method)(old_page + suffix)

    assert response.status_code == 410
    assert "Links stop working when a registration is withdrawn" in response.content.decode()


@pytest.mark.parametrize(
    "suffix", ["details/", "sessions/add/", "sessions/1/drop/", "withdraw/"], ids=["details", "add", "drop", "withdraw"]
)
def test_every_action_needs_the_csrf_token(event, open_session, suffix):
    delegate = DelegateFactory(event=event)
    request_sessions(delegate, open_session)
    client = Client(enforce_csrf_checks=True)

    response = client.post(page(delegate) + suffix.replace("1", str(open_session.pk)), {"session": open_session.pk})

    assert response.status_code == 403
    delegate.refresh_from_db()
    assert delegate.status == DelegateStatus.PENDING
    assert seat(delegate, open_session) == SeatStatus.REQUESTED


def test_adding_a_session_is_post_only(client, event):
    assert client.get(page(DelegateFactory(event=event)) + "sessions/add/").status_code == 405


# --------------------------------------------------------------------------- the audit trail


def test_every_change_a_delegate_makes_is_audited_as_made_by_the_delegate(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    plenary = SessionFactory(event=event, title="Plenary")
    request_sessions(delegate, plenary)
    approve(delegate, actor=organizer_actor)
    path = page(delegate)

    client.post(path + "details/", {"given_name": delegate.given_name, "family_name": "New", "organization": "X"})
    client.post(path + "sessions/add/", {"session": open_session.pk})
    client.post(path + f"sessions/{plenary.pk}/drop/")
    client.post(path + "withdraw/")

    assert delegate_audit(delegate) == [
        ("details_changed", ""),
        ("seat_confirmed", "confirmed"),
        ("session_added", "confirmed"),
        ("seat_cancelled", "cancelled"),
        ("withdrawn", "withdrawn"),
        ("seat_cancelled", "cancelled"),
    ]
    assert set(AuditEntry.objects.filter(delegate=delegate).values_list("actor_kind", flat=True)) == {
        "organizer",
        "delegate",
    }
    assert list(
        AuditEntry.objects.filter(delegate=delegate, actor_kind="organizer").values_list("action", flat=True)
    ) == ["seat_confirmed", "approved"]


# --------------------------------------------------------------------------- lost link


def _without_csrf(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_lost_link_answer_is_identical_for_registered_and_unknown_addresses(client, event):
    DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    answers = []
    for email in ("priya.shah@aisi.gov.uk", "nobody@aisi.gov.uk"):
        form = client.get(LOST_LINK)
        posted = Client().post(LOST_LINK, {"email": email})
        followed = Client().get(posted["Location"])
        answers.append(
            (
                _without_csrf(form.content),
                posted.status_code,
                sorted(posted.items()),
                posted.content,
                sorted(posted.cookies),
                followed.status_code,
                sorted(followed.items()),
                followed.content,
            )
        )

    assert answers[0] == answers[1]
    assert answers[0][1] == 302
    assert "Check your email" in answers[0][-1].decode()
    # The same single write for both (no timing oracle): the worker finds the delegate afterwards.
    assert sorted(LostLinkRequest.objects.values_list("email_key", flat=True)) == [
        "nobody@aisi.gov.uk",
        "priya.shah@aisi.gov.uk",
    ]
    assert not OutboundEmail.objects.filter(kind="lost_link").exists()
    assert services.resolve_lost_link_requests() == 1
    assert OutboundEmail.objects.filter(kind="lost_link").count() == 1
    assert not LostLinkRequest.objects.exists()


def test_lost_link_sends_the_link_again_and_a_stranger_cannot_break_it(client, event, send_emails, mailoutbox):
    delegate = DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    bookmarked = page(delegate)

    response = client.post(LOST_LINK, {"email": "  Priya.Shah@AISI.gov.uk "})

    assert response["Location"] == "/link/sent/"
    # The page promises what is sent: the same link, not a new one.
    sent_page = client.get("/link/sent/").content.decode()
    assert "a message with your private link is on its way to it." in sent_page
    assert "new private link" not in sent_page
    assert mailoutbox == []  # left to the worker, so the answer takes no longer than for an unknown address
    assert send_emails() == (1, 0)
    delegate.refresh_from_db()
    assert page(delegate) == bookmarked
    assert [m.to for m in mailoutbox] == [["priya.shah@aisi.gov.uk"]]
    assert mailoutbox[0].subject == f"Your registration link for {event.name}"
    assert bookmarked in mailoutbox[0].body
    assert client.get(bookmarked).status_code == 200
    assert AuditEntry.objects.get(delegate=delegate, action="link_resent").actor_kind == "delegate"


@pytest.mark.parametrize("case", ["unknown", "withdrawn", "other_event"])
def test_lost_link_sends_nothing_when_there_is_no_link_to_send(client, event, case):
    if case == "withdrawn":
        d = DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
        services.withdraw_delegate(delegate=d, actor=services.Actor.delegate())
    elif case == "other_event":
        DelegateFactory(event=EventFactory(slug="paris-2025", starts_on=event.starts_on - timedelta(days=20)))
    OutboundEmail.objects.all().delete()

    response = client.post(LOST_LINK, {"email": "priya.shah@aisi.gov.uk"})

    assert response["Location"] == "/link/sent/"
    assert services.resolve_lost_link_requests() == 0
    assert not OutboundEmail.objects.exists()
    assert not LostLinkRequest.objects.exists()


def test_lost_link_with_an_invalid_address_says_so(client, event):
    response = client.post(LOST_LINK, {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_lost_link_is_rate_limited_per_address_of_the_client(client, event, settings):
    settings.LOST_LINK_RATE_PER_IP = "5/h"
    DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    for n in range(5):
        assert client.post(LOST_LINK, {"email": f"someone{n}@example.org"}).status_code == 302

    response = client.post(LOST_LINK, {"email": "priya.shah@aisi.gov.uk"})

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many link requests" in response.content.decode()
    assert not OutboundEmail.objects.filter(kind="lost_link").exists()
    other_client = client.post(LOST_LINK, {"email": "x@example.org"}, REMOTE_ADDR="198.51.100.7")
    assert other_client.status_code == 302


def test_lost_link_is_rate_limited_per_email_across_client_addresses(client, event):
    delegate = DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    for n in range(3):
        response = client.post(LOST_LINK, {"email": "priya.shah@aisi.gov.uk"}, REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert response.status_code == 302

    response = client.post(LOST_LINK, {"email": "PRIYA.SHAH@aisi.gov.uk "}, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429
    assert "we send only a few links per hour to the same address" in response.content.decode()
    assert LostLinkRequest.objects.filter(email_key="priya.shah@aisi.gov.uk").count() == 3
    assert services.resolve_lost_link_requests() == 1  # one link for the requests of one batch
    assert OutboundEmail.objects.filter(delegate=delegate, kind="lost_link").count() == 1
    assert client.post(LOST_LINK, {"email": "other@example.org"}, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_forwarded_for_header_does_not_escape_the_limit(client, event, settings):
    settings.LOST_LINK_RATE_PER_IP = "5/h"
    for n in range(5):
        client.post(LOST_LINK, {"email": f"someone{n}@example.org"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = client.post(LOST_LINK, {"email": "x@example.org"}, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_the_lost_link_page_is_linked_from_an_invalid_link(client, event):
    response = client.get("/r/nonsense/")
    assert 'href="/link/"' in response.content.decode()


def test_add_session_after_registration_closed_is_refused_with_no_row(client, event, open_session):
    delegate = DelegateFactory(event=event)
    event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    event.registration_opens_at = event.registration_closes_at - timedelta(days=10)
    event.save()
    response = client.post(page(delegate) + "sessions/add/", {"session": open_session.pk})
    assert response.status_code == 400
    assert "sessions can no longer be added" in response.content.decode()
    assert SessionRegistration.objects.count() == 0


@pytest.mark.parametrize("value", [str(2**70), "-1", "١٢", "abc"])
def test_add_session_with_an_impossible_id_is_a_clear_400(client, event, open_session, value):
    delegate = DelegateFactory(event=event)
    response = client.post(page(delegate) + "sessions/add/", {"session": value})
    assert response.status_code == 400
    assert SessionRegistration.objects.count() == 0


def test_drop_session_with_an_impossible_id_is_not_a_500(client, event):
    delegate = DelegateFactory(event=event)
    response = client.post(page(delegate) + f"sessions/{2**70}/drop/")
    assert response.status_code == 404


def test_replace_my_link_revokes_the_old_link_and_emails_a_new_one(
    client, event, mailoutbox, django_capture_on_commit_callbacks
):
    delegate = DelegateFactory(event=event, email="priya.shah@aisi.gov.uk")
    old = page(delegate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(old + "replace-link/")

    assert response["Location"] == "/link/sent/"
    delegate.refresh_from_db()
    new = page(delegate)
    assert new != old
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert [m.to for m in mailoutbox] == [["priya.shah@aisi.gov.uk"]]
    assert new in mailoutbox[0].body
    assert AuditEntry.objects.get(delegate=delegate, action="link_replaced").actor_kind == "delegate"
