"""What the public pages tell a delegate: the session picker, the deadline, the venue, the
confirmation page, the status page's notes, and accessibility basics (autocomplete, title)."""

import html as html_lib
import re

from registrations import services
from registrations.pagecache import seats_left_text
from registrations.selectors import sessions_with_seats
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory
from tests.test_signup import REGISTER, signup

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

    with django_assert_num_queries(1):  # the cached page: the event with every session's seats left
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
