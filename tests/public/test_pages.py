"""What the public pages tell a delegate: the session picker, the deadline, the venue, the
confirmation page, the status page's notes, and accessibility basics (autocomplete, title)."""

import html as html_lib
import json
import re
import time
from datetime import timedelta
from importlib import import_module
from unittest import mock

from django.apps import apps
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from registrations import l10n, services
from registrations.models import Delegate, ParticipantListVisibility, SeatStatus, SessionRegistration
from registrations.public.views import SIGNUP_RECEIPT_COOKIE, SIGNUP_RECEIPT_MAX_AGE, SIGNUP_RECEIPT_SALT
from registrations.queries import links, sessions_with_seats
from registrations.web.form_fields import AUTOCOMPLETE
from registrations.web.pagecache import seats_left_text
from tests.factories import DelegateFactory, EventFactory, SessionFactory, SessionRegistrationFactory, institute
from tests.public.test_signup import REGISTER, signup

HOME = "/"


def text(fragment: str) -> str:
    """A fragment of HTML as a reader hears it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def session_choices(page: str) -> dict[str, str]:
    """The signup form's session choices: title -> the label's text."""
    labels = re.findall(r'<div class="form-check session-choice">.*?<label[^>]*>(.*?)</label>', page, re.S)
    return {text(re.search(r'<span class="fw-semibold">(.*?)</span>', label).group(1)): text(label) for label in labels}


def choice_seats(page: str) -> dict[str, str]:
    """Each session choice's seats-left text, by title."""
    found = re.findall(
        r'<div class="form-check session-choice">.*?<span class="fw-semibold">(.*?)</span>.*?<span class="seats">(.*?)</span>',
        page,
        re.S,
    )
    return {text(title): text(seats) for title, seats in found}


# --------------------------------------------------------------------------- the session picker


def test_session_choice_shows_day_time_room_tier_and_seats_left(client, event, government_session, open_session):
    government_session.room = "Room 2"
    government_session.save()
    page = client.get(REGISTER).content.decode()
    assert session_choices(page) == {
        "Joint testing of frontier models": (
            f"Joint testing of frontier models · {_span(government_session)} · Room 2 · Government only · "
            "2 of 2 seats left"
        ),
        "Risk assessment science": (
            f"Risk assessment science · {_span(open_session)} · Main hall · Open · 3 of 3 seats left"
        ),
    }


def _span(session) -> str:
    start = session.starts_at.astimezone(session.event.tz)
    end = session.ends_at.astimezone(session.event.tz)
    return f"{start:%a %-d %b, %H:%M}–{end:%H:%M} {end.tzname()}"


def test_session_choice_seats_agree_with_sessions_with_seats_after_approvals_with_the_page_cached(
    client, event, open_session, government_session, organizer_actor, django_assert_num_queries
):
    SessionFactory(event=event, title="Untouched", capacity=5)
    client.get(REGISTER)  # cached now
    delegates = [DelegateFactory(event=event, government=True) for _ in range(3)]
    for delegate in delegates:
        SessionRegistrationFactory(delegate=delegate, session=open_session)
        SessionRegistrationFactory(delegate=delegate, session=government_session)
    services.approve_delegates(delegate_ids=[d.pk for d in delegates[:2]], actor=organizer_actor)

    with django_assert_num_queries(2):  # the cached page: the event with every session's seats left; the institutes
        page = client.get(REGISTER).content.decode()

    expected = {
        s.title: seats_left_text(s.seats_left, s.capacity, "en", choice=True)
        for s in sessions_with_seats(event.sessions.all())
    }
    assert choice_seats(page) == expected
    assert expected == {
        "Risk assessment science": "1 of 3 seats left",
        "Joint testing of frontier models": "Full: you will be waitlisted",
        "Untouched": "5 of 5 seats left",
    }


def test_session_choice_seats_are_live_on_a_form_sent_back_with_errors(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    response = client.post(REGISTER, signup(email="", sessions=[open_session.pk]))
    assert response.status_code == 400
    assert choice_seats(response.content.decode()) == {"Risk assessment science": "2 of 3 seats left"}


def test_a_full_session_says_on_the_agenda_that_the_waitlist_is_open(client, event, organizer_actor):
    small = SessionFactory(event=event, title="Small room", capacity=1)
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=small)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert choice_seats(client.get(REGISTER).content.decode()) == {"Small room": "Full: you will be waitlisted"}
    assert "Full · waitlist open" in client.get(HOME).content.decode()


def test_session_description_is_shown_on_demand_without_javascript(client, event, open_session):
    open_session.description = "How to measure <risk>.\nWith examples."
    open_session.save()
    page = client.get(REGISTER).content.decode()
    details = re.findall(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert len(details) == 1
    assert text(re.search(r"<summary>(.*?)</summary>", details[0]).group(1)) == "About “Risk assessment science”"
    assert "How to measure &lt;risk&gt;.<br>With examples." in details[0]


def test_a_government_only_choice_keeps_its_tier_for_the_type_switch(client, event, government_session):
    page = client.get(REGISTER).content.decode()
    assert re.search(
        rf'<input type="checkbox"[^>]*name="sessions" value="{government_session.pk}"[^>]*data-tier="government_only"',
        page,
    )


# --------------------------------------------------------------------------- what a delegate needs to know

ADDRESS = "135 Fisher Loop, San Francisco, CA 94129"
MAP_URL = "https://www.openstreetmap.org/search?query=135+Fisher+Loop%2C+San+Francisco%2C+CA+94129"


def with_address(event):
    changes = {"address": ADDRESS, "practical_information": "Doors open at 08:15.\nBring a photo ID."}
    return services.save_event(event=event, changes=changes, actor=services.Actor.system())


def test_agenda_and_form_show_the_registration_deadline_while_open(client, event, open_session):
    closes = l10n.moment(event.registration_closes_at, event.tz)
    for url in (HOME, REGISTER):
        assert f"Registration deadline: {closes}." in text(client.get(url).content.decode()), url


def test_closed_registration_shows_no_deadline(client, db):
    now = timezone.now()
    EventFactory(registration_opens_at=now + timedelta(days=1), registration_closes_at=now + timedelta(days=9))
    for url in (HOME, REGISTER):
        assert "Registration deadline" not in client.get(url).content.decode()


def test_address_and_map_link_on_the_agenda_form_confirmation_and_status_pages(client, event, open_session):
    with_address(event)
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    delegate = Delegate.objects.get()
    pages = {
        "agenda": client.get(HOME),
        "form": client.get(REGISTER),
        "status": client.get(links.status_path(delegate)),
        "done": client.get(reverse("registrations:register_done")),
    }
    for name, response in pages.items():
        body = response.content.decode()
        assert re.findall(r'<p class="venue-address[^"]*">(.*?)</p>', body) == [
            f'{ADDRESS} · <a href="{MAP_URL}" rel="noopener noreferrer">Show on a map (OpenStreetMap)</a>'
        ], name
        assert "<iframe" not in body and "openstreetmap.org/" not in " ".join(re.findall(r"<script[^>]*>", body))


def test_event_map_url_is_an_openstreetmap_search_for_the_address(event):
    event.address = "Rue de la Loi 200, 1049 Bruxelles & co"
    assert event.map_url == "https://www.openstreetmap.org/search?query=Rue+de+la+Loi+200%2C+1049+Bruxelles+%26+co"
    event.address = ""
    assert event.map_url == ""


def test_agenda_shows_the_practical_information(client, event, open_session):
    with_address(event)
    body = client.get(HOME).content.decode()
    assert "<p>Doors open at 08:15.<br>Bring a photo ID.</p>" in body


def test_approval_email_has_the_address_and_the_practical_information(
    event, open_session, organizer_actor, mailoutbox, send_emails
):
    with_address(event)
    delegate = DelegateFactory(event=event, given_name="Ada")
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    send_emails()
    (message,) = [m for m in mailoutbox if m.subject.endswith("is approved")]
    assert (
        f"Venue: {event.venue}, {ADDRESS}\nMap: {MAP_URL}\n\n"
        "Practical information:\nDoors open at 08:15.\nBring a photo ID.\n"
    ) in message.body
    html = message.alternatives[0][0]
    assert f'<a href="{MAP_URL}">map</a>' in html
    assert "<p>Doors open at 08:15.<br>Bring a photo ID.</p>" in html


WEEKDAY_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*(.{0,6})"
)


def test_every_date_in_emails_has_its_year(
    event, open_session, government_session, organizer_actor, mailoutbox, send_emails
):
    delegates = [DelegateFactory(event=event, government=True) for _ in range(3)]
    for delegate in delegates:
        SessionRegistrationFactory(delegate=delegate, session=open_session)
        SessionRegistrationFactory(delegate=delegate, session=government_session)
    services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    services.drop_session(delegate=delegates[0], session=open_session, actor=services.Actor.delegate())
    send_emails()
    year = str(open_session.starts_at.astimezone(event.tz).year)
    dates = [
        found
        for message in mailoutbox
        for body in (message.body, message.alternatives[0][0])
        for found in WEEKDAY_DATE.findall(body)
    ]
    assert len(dates) >= 6
    assert {d.strip(" ,")[:4] for d in dates} == {year}


def submit(client, **overrides):
    response = client.post(REGISTER, signup(**overrides))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("registrations:register_done")  # nothing about the delegate in it
    return client.get(response["Location"]).content.decode()


def test_confirmation_page_says_pending_review_echoes_the_address_and_lists_the_sessions(
    client, event, open_session, government_session
):
    body = submit(client, sessions=[government_session.pk, open_session.pk])
    assert "Your registration is pending review" in body
    assert '<strong class="signup-email">priya.shah@aisi.gov.uk</strong>' in body
    listed = re.search(r'<ul class="asked-sessions">(.*?)</ul>', body, re.S).group(1)
    assert [text(t) for t in re.findall(r'<span class="fw-semibold">(.*?)</span>', listed)] == [
        "Joint testing of frontier models",
        "Risk assessment science",
    ]
    assert "domain-note" not in body  # aisi.gov.uk is the UK institute's


def test_confirmation_page_is_shown_once_then_generic(client, event, open_session):
    submit(client, sessions=[open_session.pk])
    again = client.get(reverse("registrations:register_done")).content.decode()
    assert "Your registration is pending review" in again
    assert "signup-email" not in again and "asked-sessions" not in again
    assert "signup-email" not in Client().get(reverse("registrations:register_done")).content.decode()


def test_confirmation_page_carries_no_delegate_id_and_a_stale_receipt_is_ignored(client, event, open_session):
    client.post(REGISTER, signup(sessions=[open_session.pk]))
    cookie = client.cookies[SIGNUP_RECEIPT_COOKIE]
    assert (cookie["path"], cookie["max-age"], cookie["httponly"]) == ("/register/done/", SIGNUP_RECEIPT_MAX_AGE, True)
    assert "sessionid" not in client.cookies  # no session row written for the signup
    signed = cookie.value
    assert Delegate.objects.get().public_id.hex not in signed
    assert signing.loads(signed, salt=SIGNUP_RECEIPT_SALT) == {
        "event": event.pk,
        "endorsement_first": False,
        "email": "priya.shah@aisi.gov.uk",
        "sessions": [open_session.pk],
        "domain_unverified": False,
    }
    with freeze_later(SIGNUP_RECEIPT_MAX_AGE + 1):
        body = client.get(reverse("registrations:register_done")).content.decode()
    assert "signup-email" not in body


def freeze_later(seconds: int):
    """time.time() `seconds` ahead (what Django's signing reads), for a max_age check."""

    now = time.time()
    return mock.patch("django.core.signing.time.time", return_value=now + seconds)


def test_confirmation_page_is_the_same_for_an_address_already_registered(client, event, open_session):
    first = submit(client, sessions=[open_session.pk])
    second = submit(Client(), sessions=[open_session.pk])
    assert Delegate.objects.count() == 1
    assert first == second


def test_government_address_off_the_official_domains_gets_a_note_on_confirmation_and_status(
    client, event, open_session
):
    body = submit(client, email="priya@gmail.example", sessions=[open_session.pk])
    assert "This address is not on one of your institute's official email domains" in body
    delegate = Delegate.objects.get()
    assert delegate.email_domain_verified is False
    status = client.get(links.status_path(delegate)).content.decode()
    assert "Your email address is not on one of your institute's official email domains" in status


def test_no_domain_note_for_an_official_address_or_a_non_government_registrant(client, event, open_session):
    official = DelegateFactory(event=event, government=True)
    academic = DelegateFactory(event=event, email="someone@gmail.example")
    for delegate in (official, academic):
        assert "domain-note" not in client.get(links.status_path(delegate)).content.decode()


def test_rejected_status_page_shows_the_reason_and_returning_to_pending_clears_it(client, event, organizer_actor):
    delegate = DelegateFactory(event=event)
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor, reason="The list is for experts.")
    body = client.get(links.status_path(delegate)).content.decode()
    assert '<p class="decision-reason">Reason: The list is for experts.</p>' in body
    services.return_to_pending(delegate_ids=[delegate.pk], actor=organizer_actor)
    delegate.refresh_from_db()
    assert delegate.decision_reason == ""
    assert "decision-reason" not in client.get(links.status_path(delegate)).content.decode()


def test_calendar_link_appears_as_soon_as_a_seat_is_confirmed(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    calendar_url = links.status_path(delegate) + "calendar.ics"
    assert calendar_url not in client.get(links.status_path(delegate)).content.decode()
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert f'href="{calendar_url}"' in client.get(links.status_path(delegate)).content.decode()


def test_each_calendar_event_links_back_to_the_status_page(client, event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    calendar = Calendar.from_ical(client.get(links.status_path(delegate) + "calendar.ics").content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["url"]) == links.status_url(delegate)
    assert str(entry["description"]).endswith(f"Your registration: {links.status_url(delegate)}")


def test_my_data_gives_times_in_the_venue_zone(client, event, open_session):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    data = json.loads(client.get(links.status_path(delegate) + "my-data.json").content)
    local = open_session.starts_at.astimezone(event.tz)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    assert data["event"]["time_zone"] == "America/Los_Angeles"
    assert data["session_registrations"][0]["starts_at"] == local.isoformat()
    moments = [
        data["generated_at"],
        data["delegate"]["registered_at"],
        data["session_registrations"][0]["requested_at"],
        *(entry["at"] for entry in data["audit_trail"]),
    ]
    assert all(m.endswith(("-08:00", "-07:00")) for m in moments), moments
    assert offset in ("-08:00", "-07:00")


def test_dropping_a_session_asks_first(client, event, open_session):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    drop_url = links.status_path(delegate) + f"sessions/{open_session.pk}/drop/"
    status = client.get(links.status_path(delegate)).content.decode()
    assert f'<a class="btn btn-sm btn-outline-secondary mt-1" href="{drop_url}">Drop this session</a>' in status

    asked = client.get(drop_url)
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Drop “Risk assessment science”?" in body
    assert f'<form method="post" action="{drop_url}"' in body
    assert SessionRegistration.objects.get().status == SeatStatus.REQUESTED

    assert client.post(drop_url).status_code == 302
    assert SessionRegistration.objects.get().status == SeatStatus.CANCELLED


def test_drop_confirmation_of_a_session_not_asked_for_is_not_found(client, event, open_session, government_session):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    assert client.get(links.status_path(delegate) + f"sessions/{government_session.pk}/drop/").status_code == 404


def test_institute_is_named_with_its_member_everywhere(client, event, open_session, organizer_client):
    uk = "AI Safety Institute (United Kingdom)"
    delegate = DelegateFactory(event=event, government=True, consent_participant_list=True)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())
    services.save_event(
        event=event,
        changes={"participant_list_visibility": ParticipantListVisibility.PUBLIC},
        actor=services.Actor.system(),
    )
    anonymous = Client()
    form = anonymous.get(REGISTER).content.decode()
    assert re.search(rf'<option value="{institute("GB").pk}"[^>]*>{re.escape(uk)}</option>', form)
    assert f"{delegate.full_name} · {uk} · Government" in anonymous.get(links.status_path(delegate)).content.decode()
    assert f"<td>{uk}</td>" in anonymous.get(reverse("registrations:participants")).content.decode()
    changelist = organizer_client.get(reverse("admin:registrations_delegate_changelist")).content.decode()
    assert uk in changelist
    data = json.loads(anonymous.get(links.status_path(delegate) + "my-data.json").content)
    assert data["delegate"]["institute"] == uk


def test_country_list_uses_the_members_own_names(client, event):
    body = client.get(REGISTER).content.decode()
    assert '<option value="KR">Republic of Korea</option>' in body
    assert '<option value="US">United States</option>' in body
    assert "South Korea" not in body and "United States of America" not in body
    french = Client(headers={"accept-language": "fr"}).get(REGISTER).content.decode()
    assert '<option value="KR">République de Corée</option>' in french
    assert '<option value="US">États-Unis</option>' in french


# --------------------------------------------------------------------------- accessibility (server side)


def test_name_email_country_and_organization_fields_have_autocomplete(client, event):
    body = client.get(REGISTER).content.decode()
    found = dict(re.findall(r'<(?:input|select)[^>]*name="(\w+)"[^>]*autocomplete="([\w-]+)"', body))
    found |= {
        name: token
        for token, name in re.findall(r'<(?:input|select)[^>]*autocomplete="([\w-]+)"[^>]*name="(\w+)"', body)
    }
    assert {k: found.get(k) for k in AUTOCOMPLETE} == AUTOCOMPLETE
    lost = client.get(reverse("registrations:lost_link")).content.decode()
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', lost)


def test_page_title_says_the_form_has_errors(client, event, open_session):
    assert re.search(r"<title>Register · ", client.get(REGISTER).content.decode())
    refused = client.post(REGISTER, {}).content.decode()
    assert re.search(r"<title>Error: Register · ", refused)
    french = Client(headers={"accept-language": "fr"}).post(REGISTER, {}).content.decode()
    assert re.search("<title>Erreur\u00a0: ", french)


def test_migration_fills_the_reason_of_delegates_rejected_before_it(event, organizer_actor):

    migration = import_module("registrations.migrations.0014_event_address_delegate_decision_reason")
    delegate = DelegateFactory(event=event)
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor, reason="Not eligible.")
    Delegate.objects.filter(pk=delegate.pk).update(decision_reason="")  # as it was before the column existed

    migration.reasons_from_the_audit_trail(apps, None)

    delegate.refresh_from_db()
    assert delegate.decision_reason == "Not eligible."
