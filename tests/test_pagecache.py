"""The cached parts of the public pages: the same pages as without a cache, current at every request."""

import re

from django.urls import reverse

from registrations import services
from registrations.models import AccessTier, Session
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, institute
from tests.test_signup import REGISTER, industry_signup, signup

HOME = "/"


def seats_line(html: str, title: str) -> str:
    match = re.search(re.escape(title) + r'</div>.*?<div class="small seats">(.*?)</div>', html, re.S)
    return match.group(1)


def test_agenda_shows_one_seat_fewer_right_after_an_approval(client, event, open_session, organizer_actor):
    assert seats_line(client.get(HOME).content.decode(), open_session.title) == "3 of 3 seats left"
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)

    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)

    assert seats_line(client.get(HOME).content.decode(), open_session.title) == "2 of 3 seats left"


def test_agenda_shows_full_when_the_last_seat_is_taken(client, event, organizer_actor):
    session = SessionFactory(event=event, title="Small room", capacity=1)
    client.get(HOME)
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=session)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert seats_line(client.get(HOME).content.decode(), "Small room") == "Full · waitlist open"


def test_agenda_and_form_show_a_session_change_at_once(client, event, open_session):
    assert "Risk assessment science" in client.get(HOME).content.decode()
    assert "Risk assessment science" in client.get(REGISTER).content.decode()

    session = Session.objects.get(pk=open_session.pk)
    session.title = "Risk assessment: methods and gaps"
    session.save()

    for path in (HOME, REGISTER):
        html = client.get(path).content.decode()
        assert "Risk assessment: methods and gaps" in html
        assert "Risk assessment science" not in html


def test_capacity_change_shows_on_the_agenda_at_once(client, event, open_session, organizer_actor):
    client.get(HOME)
    services.change_capacity(session=open_session, capacity=7, actor=organizer_actor)
    assert seats_line(client.get(HOME).content.decode(), open_session.title) == "7 of 7 seats left"


def test_new_and_deleted_sessions_show_at_once(client, event, open_session):
    client.get(HOME)
    client.get(REGISTER)
    added = SessionFactory(event=event, title="Late addition", access_tier=AccessTier.GOVERNMENT_ONLY)
    assert "Late addition" in client.get(HOME).content.decode()
    assert "Late addition" in client.get(REGISTER).content.decode()
    added.delete()
    assert "Late addition" not in client.get(HOME).content.decode()
    assert "Late addition" not in client.get(REGISTER).content.decode()


def test_event_change_shows_at_once(client, event, open_session):
    client.get(HOME)
    client.get(REGISTER)
    event.time_zone = "Asia/Tokyo"
    event.save()
    assert "JST" in client.get(HOME).content.decode()
    assert "(Asia/Tokyo)" in client.get(REGISTER).content.decode()


def test_form_is_cached_per_stakeholder_type(client, event, open_session, government_session):
    assert government_session.title in client.get(REGISTER).content.decode()
    industry = client.get(REGISTER + "?type=industry").content.decode()
    assert government_session.title not in industry
    assert "1 government-only session is not shown" in industry
    assert government_session.title in client.get(REGISTER + "?type=government").content.decode()


def test_each_visitor_gets_their_own_csrf_token_with_the_cached_form(client, event, open_session):
    from django.test import Client

    first = client.get(REGISTER)
    second = Client().get(REGISTER)
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second.content.decode()).group(1)
    assert token not in first.content.decode()


def test_a_form_with_errors_is_never_cached(client, event, open_session):
    client.get(REGISTER)
    refused = client.post(REGISTER, industry_signup(organization="", sessions=[open_session.pk]))
    assert refused.status_code == 400
    assert "Please give your organization." in refused.content.decode()
    assert 'value="James"' in refused.content.decode()

    fresh = client.get(REGISTER).content.decode()
    assert "Please give your organization." not in fresh
    assert 'value="James"' not in fresh
    assert 'id="error-summary"' not in fresh


def test_cached_form_still_registers(client, event, open_session):
    client.get(REGISTER)
    response = client.post(REGISTER, signup(sessions=[open_session.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:register_done")


def test_institute_added_shows_in_the_form_at_once(client, event, open_session):
    client.get(REGISTER)
    gb = institute("GB")
    gb.pk = None
    gb.iso_code = "ZZ"
    gb.name = "Office of Testing"
    gb.save()
    assert "Office of Testing" in client.get(REGISTER).content.decode()


def test_cached_pages_take_one_query(client, event, open_session, government_session, django_assert_num_queries):
    SessionFactory.create_batch(6, event=event)
    client.get(HOME)
    client.get(REGISTER)
    with django_assert_num_queries(1):  # the event with every session's seats left and last change
        assert client.get(HOME).status_code == 200
    with django_assert_num_queries(1):  # the event with its form's version
        assert client.get(REGISTER).status_code == 200


def test_current_event_is_the_next_not_ended_else_the_latest(db):
    from datetime import timedelta

    from django.utils import timezone

    from registrations import selectors
    from tests.factories import EventFactory

    today = timezone.now().date()
    past = EventFactory(starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=29))
    older = EventFactory(starts_on=today - timedelta(days=90), ends_on=today - timedelta(days=89))
    assert selectors.current_event() == past
    later = EventFactory(starts_on=today + timedelta(days=90), ends_on=today + timedelta(days=91))
    running = EventFactory(starts_on=today - timedelta(days=1), ends_on=today)
    assert selectors.current_event() == running
    running.delete()
    assert selectors.current_event() == later
    assert older.pk != later.pk


def test_agenda_seats_agree_with_sessions_with_seats(event, open_session, government_session, organizer_actor):
    from registrations import selectors

    delegates = [DelegateFactory(event=event, government=True) for _ in range(4)]
    for delegate in delegates:
        SessionRegistrationFactory(delegate=delegate, session=open_session)
        SessionRegistrationFactory(delegate=delegate, session=government_session)
    services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    current, seats = selectors.current_event_with_seats()

    assert current == event
    expected = {s.pk: (s.seats_left, s.capacity) for s in selectors.agenda(event)}
    assert {pk: (left, capacity) for pk, (left, capacity, _changed) in seats.items()} == expected
    assert expected == {open_session.pk: (0, 3), government_session.pk: (0, 2)}


def test_no_event_means_no_agenda_and_no_form(client, db):
    assert "No convening announced yet" in client.get(HOME).content.decode()
    assert client.get(REGISTER).status_code == 404


def test_a_visitor_with_a_message_waiting_sees_it_once(client, event, open_session, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.get(HOME)
    client.get(REGISTER)
    for path in (HOME, REGISTER):
        client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([Message(constants.SUCCESS, "All done.")])
        assert "All done." in client.get(path).content.decode()
        assert "All done." not in client.get(path).content.decode()
