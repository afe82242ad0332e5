"""The cached parts of the public pages: the same pages as without a cache, the same for every
visitor, current at every request once the write has called `public_version.bump`.

Writes go through the services (as the admin's save paths do), which bump the version."""

import copy
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from registrations import queries, services
from registrations.models import AccessTier, Event, Institute, Session
from registrations.services import public_version
from registrations.web.pagecache import PerVisitorNameInCachedPage
from tests.factories import (
    DelegateFactory,
    EventFactory,
    SessionFactory,
    SessionRegistrationFactory,
    UserFactory,
    institute,
    organizer,
)
from tests.public.test_signup import REGISTER, industry_signup, signup

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


def test_agenda_and_form_show_a_session_change_at_once(client, event, open_session, organizer_actor):
    assert "Risk assessment science" in client.get(HOME).content.decode()
    assert "Risk assessment science" in client.get(REGISTER).content.decode()

    services.update_session(
        session=open_session, changes={"title": "Risk assessment: methods and gaps"}, actor=organizer_actor
    )

    for path in (HOME, REGISTER):
        html = client.get(path).content.decode()
        assert "Risk assessment: methods and gaps" in html
        assert "Risk assessment science" not in html


def test_capacity_change_shows_on_the_agenda_at_once(client, event, open_session, organizer_actor):
    client.get(HOME)
    services.change_capacity(session=open_session, capacity=7, actor=organizer_actor)
    assert seats_line(client.get(HOME).content.decode(), open_session.title) == "7 of 7 seats left"


def test_new_and_deleted_sessions_show_at_once(client, event, open_session, organizer_actor):
    client.get(HOME)
    client.get(REGISTER)
    added = services.create_session(
        session=SessionFactory.build(event=event, title="Late addition", access_tier=AccessTier.GOVERNMENT_ONLY),
        actor=organizer_actor,
    )
    assert "Late addition" in client.get(HOME).content.decode()
    assert "Late addition" in client.get(REGISTER).content.decode()
    services.delete_sessions(session_ids=[added.pk], actor=organizer_actor)
    assert "Late addition" not in client.get(HOME).content.decode()
    assert "Late addition" not in client.get(REGISTER).content.decode()


def test_event_change_shows_at_once(client, event, open_session, organizer_actor):
    client.get(HOME)
    client.get(REGISTER)
    services.save_event(event=event, changes={"time_zone": "Asia/Tokyo"}, actor=organizer_actor)
    assert "JST" in client.get(HOME).content.decode()
    assert "(Asia/Tokyo)" in client.get(REGISTER).content.decode()


def test_form_is_cached_per_stakeholder_type(client, event, open_session, government_session):
    assert government_session.title in client.get(REGISTER).content.decode()
    industry = client.get(REGISTER + "?type=industry").content.decode()
    assert government_session.title not in industry
    assert "1 government-only session is not shown" in industry
    assert government_session.title in client.get(REGISTER + "?type=government").content.decode()


def test_each_visitor_gets_their_own_csrf_token_with_the_cached_form(client, event, open_session):

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


def test_institute_added_shows_in_the_form_at_once(client, event, open_session, organizer_actor):
    client.get(REGISTER)
    gb = institute("GB")
    gb.pk = None
    gb.iso_code = "ZZ"
    gb.name = "Office of Testing"
    services.save_institute(institute=gb, changes={}, actor=organizer_actor)
    assert "Office of Testing" in client.get(REGISTER).content.decode()


def test_institute_renamed_in_the_admin_shows_in_the_form_at_once(client, event, open_session):

    client.get(REGISTER)
    gb = institute("GB")
    superuser = Client()
    superuser.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = superuser.post(
        reverse("admin:registrations_institute_change", args=[gb.pk]),
        {
            "member": gb.member,
            "iso_code": gb.iso_code,
            "name": "Renamed Institute",
            "email_domains": gb.email_domains,
            "delegate_quota": gb.delegate_quota,
        },
    )
    assert response.status_code == 302
    assert "Renamed Institute" in client.get(REGISTER).content.decode()


def test_cached_pages_take_one_query(client, event, open_session, government_session, django_assert_num_queries):
    SessionFactory.create_batch(6, event=event)
    client.get(HOME)
    client.get(REGISTER)
    # The event, its sessions and their seats come from the seats snapshot: no query at all.
    with django_assert_num_queries(0):
        assert client.get(HOME).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(REGISTER).status_code == 200


def test_current_event_is_the_next_not_ended_else_the_latest(db):

    # Factories write without the services, which would make the snapshot stale: `renew` stands in.
    def renew():
        cache.clear()

    today = timezone.now().date()
    past = EventFactory(starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=29))
    older = EventFactory(starts_on=today - timedelta(days=90), ends_on=today - timedelta(days=89))
    assert queries.current_event() == past
    later = EventFactory(starts_on=today + timedelta(days=90), ends_on=today + timedelta(days=91))
    running = EventFactory(starts_on=today - timedelta(days=1), ends_on=today)
    renew()
    assert queries.current_event() == running
    running.delete()
    renew()
    assert queries.current_event() == later
    assert older.pk != later.pk


def test_agenda_seats_agree_with_sessions_with_seats(event, open_session, government_session, organizer_actor):

    delegates = [DelegateFactory(event=event, government=True) for _ in range(4)]
    for delegate in delegates:
        SessionRegistrationFactory(delegate=delegate, session=open_session)
        SessionRegistrationFactory(delegate=delegate, session=government_session)
    services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    current, seats = queries.current_event_with_seats()

    assert current == event
    expected = {s.pk: (s.seats_left, s.capacity) for s in queries.agenda(event)}
    assert seats == expected
    assert expected == {open_session.pk: (0, 3), government_session.pk: (0, 2)}


def test_no_event_means_no_agenda_and_no_form(client, db):
    assert "No convening announced yet" in client.get(HOME).content.decode()
    assert client.get(REGISTER).status_code == 404


def test_a_visitor_with_a_message_waiting_sees_it_once(client, event, open_session, rf):

    client.get(HOME)
    client.get(REGISTER)
    for path in (HOME, REGISTER):
        client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([Message(constants.SUCCESS, "All done.")])
        assert "All done." in client.get(path).content.decode()
        assert "All done." not in client.get(path).content.decode()


def test_a_message_waiting_is_filled_into_the_cached_page(client, event, open_session, rf, django_assert_num_queries):

    client.get(HOME)
    client.get(REGISTER)
    for path in (HOME, REGISTER):
        client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([Message(constants.ERROR, "Link expired.")])
        with django_assert_num_queries(0):  # the cached page and the seats snapshot, not a fresh render
            html = client.get(path).content.decode()
        assert '<main id="main" class="container pb-5">' in html
        main = html.split('<main id="main" class="container pb-5">', 1)[1]
        assert main.lstrip().startswith('<div class="messages">')
        assert '<div class="alert alert-danger" role="status">Link expired.</div>' in main
        assert "<!--messages-->" not in html


# --------------------------------------------------------------------------- the same page for every visitor


def _without_csrf_token(html: str) -> str:
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    for token in tokens:
        html = html.replace(token, "TOKEN")
    return html


@pytest.mark.parametrize("path", [HOME, REGISTER])
def test_anonymous_and_staff_get_byte_identical_cached_pages(event, open_session, path):
    staff_user = organizer("zelda.staff")
    anonymous = Client()
    staff = Client()
    staff.force_login(staff_user)

    staff_renders = staff.get(path).content  # rendered for the staff user, then served from the cache
    anonymous_cached = anonymous.get(path).content
    cache.clear()
    anonymous_renders = anonymous.get(path).content
    staff_cached = staff.get(path).content

    pages = [_without_csrf_token(page.decode()) for page in (staff_renders, anonymous_cached, anonymous_renders)]
    pages.append(_without_csrf_token(staff_cached.decode()))
    assert pages[1:] == pages[:1] * 3
    assert "zelda" not in pages[0]
    if path == REGISTER:
        assert pages[0].count('name="csrfmiddlewaretoken" value="TOKEN"') == 1
        assert staff_renders != anonymous_cached  # each visitor's own token


def _templates_with(name: str, source: str) -> list[dict]:
    """The project's template settings with `name` served from `source` (a locmem loader first)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", {name: source}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    return templates


def _with_snippet(name: str, snippet: str) -> str:
    """The template's own source with the snippet where it is rendered (in the content block of a page)."""
    source = (Path(settings.BASE_DIR) / "templates" / name).read_text()
    for anchor in ("<body>", "{% block content %}"):
        if anchor in source:
            return source.replace(anchor, anchor + snippet, 1)
    return snippet + source


CACHED_TEMPLATES = [
    ("base.html", HOME),
    ("base.html", REGISTER),
    ("registrations/home.html", HOME),
    ("registrations/_agenda.html", HOME),
    ("registrations/register.html", REGISTER),
    ("registrations/_signup_fields.html", REGISTER),
]
PER_VISITOR_SNIPPETS = [
    "{{ user.get_username }}",
    "{{ request.path }}",
    "{% if user.is_authenticated %}Signed in{% endif %}",
    "{% if perms.registrations.change_delegate %}Organizer{% endif %}",
    "{% for message in messages %}{{ message }}{% endfor %}",
    "{{ request.META.REMOTE_ADDR }}",
]


@pytest.mark.parametrize("name, path", CACHED_TEMPLATES)
@pytest.mark.parametrize("snippet", PER_VISITOR_SNIPPETS)
def test_a_cached_page_that_reads_a_per_visitor_name_fails(event, open_session, organizer_user, name, path, snippet):
    client = Client()
    client.force_login(organizer_user)
    with override_settings(TEMPLATES=_templates_with(name, _with_snippet(name, snippet))):
        with pytest.raises(PerVisitorNameInCachedPage, match="rendered without the request"):
            client.get(path)


@pytest.mark.parametrize("name, path", CACHED_TEMPLATES)
def test_the_templates_served_for_those_checks_render_without_a_snippet(event, open_session, name, path):
    """Control for the test above: the same loader, the template's own source, renders."""
    with override_settings(TEMPLATES=_templates_with(name, _with_snippet(name, "<p>Injected here</p>"))):
        html = Client().get(path).content.decode()
    assert html.count("<p>Injected here</p>") == 1


def test_pages_that_are_not_cached_still_read_the_visitor(organizer_client, event):
    with override_settings(
        TEMPLATES=_templates_with("base.html", _with_snippet("base.html", "{{ user.get_username }}"))
    ):
        html = organizer_client.get(reverse("registrations:privacy")).content.decode()
    assert "<body>organizer" in html


# --------------------------------------------------------------------------- the version the cache keys on


def test_bump_raises_the_version_of_the_given_events_in_one_query(event, django_assert_num_queries):
    other = EventFactory()
    with django_assert_num_queries(1):
        public_version.bump(event_ids=[event.pk])
    assert dict(Event.objects.values_list("pk", "public_version")) == {event.pk: 1, other.pk: 0}
    with django_assert_num_queries(1):
        public_version.bump()  # every event: an institute changed
    assert dict(Event.objects.values_list("pk", "public_version")) == {event.pk: 2, other.pk: 1}
    with django_assert_num_queries(0):
        public_version.bump(event_ids=[])
    assert dict(Event.objects.values_list("pk", "public_version")) == {event.pk: 2, other.pk: 1}


def test_a_queryset_update_then_bump_shows_on_both_pages(client, event, open_session):
    client.get(HOME)
    client.get(REGISTER)

    Session.objects.filter(pk=open_session.pk).update(title="Evaluations in practice", room="Hall B")
    public_version.bump(event_ids=[event.pk])

    for path in (HOME, REGISTER):
        html = client.get(path).content.decode()
        assert "Evaluations in practice" in html
        assert open_session.title not in html
    assert "Hall B" in client.get(HOME).content.decode()


def test_contract_without_a_bump_the_cached_pages_are_not_rerendered(client, event, open_session):
    """DOCUMENTS THE CONTRACT: the version is the cache's only freshness signal.

    A write that does not call `public_version.bump` (here a queryset `update()`, which skips
    `save()` and `updated_at`) is not seen until the cached copy expires, so every service and
    admin path that writes an event, a session or an institute must bump.
    """
    client.get(HOME)
    client.get(REGISTER)

    Session.objects.filter(pk=open_session.pk).update(title="Evaluations in practice")

    for path in (HOME, REGISTER):
        html = client.get(path).content.decode()
        assert open_session.title in html
        assert "Evaluations in practice" not in html


def test_an_institute_renamed_in_place_shows_in_the_form_after_bump(client, event, open_session):
    assert "AI Safety Institute" in client.get(REGISTER).content.decode()
    gb = institute("GB")
    Institute.objects.filter(pk=gb.pk).update(name="Office of Renamed Things")
    public_version.bump()
    assert "Office of Renamed Things" in client.get(REGISTER).content.decode()


def test_a_bump_of_another_event_keeps_this_events_pages(client, event, open_session, django_assert_num_queries):
    other = EventFactory()
    client.get(HOME)
    client.get(REGISTER)
    public_version.bump(event_ids=[other.pk])
    # Another event may now be the current one: the seats snapshot is read again (two queries: the
    # sessions with their seats and event, the institutes), but this event's pages are still the
    # cached copies: no agenda or form queries.
    with django_assert_num_queries(2):
        client.get(HOME)
    with django_assert_num_queries(0):
        client.get(REGISTER)


def test_registration_opening_shows_without_a_write(client, event, open_session, monkeypatch):
    Event.objects.filter(pk=event.pk).update(
        registration_opens_at=timezone.now() + timedelta(hours=1),
        registration_closes_at=timezone.now() + timedelta(days=5),
    )
    public_version.bump(event_ids=[event.pk])
    assert "Registration is open from" in client.get(HOME).content.decode()
    assert 'class="registration-form"' not in client.get(REGISTER).content.decode()

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert "Registration is open from" not in client.get(HOME).content.decode()
    assert 'class="registration-form"' in client.get(REGISTER).content.decode()
