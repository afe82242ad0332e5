"""Markup a delegate typed never reaches a staff member's browser as markup.

A delegate controls their names, organization, job title and needs. Every staff page that shows them
(the admin's lists, change pages, history, the approval confirmation, the message preview, the
dashboard, the session's seats, the focal point's portal) must print them escaped. The message preview
was the hole: a text template renders marked safe, and the page printed it as is, so a
`<meta http-equiv="refresh">` in a name redirected the organizer's tab (a CSP does not stop it).
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils.html import escape

from registrations.models import DelegateStatus, Endorsement, SeatStatus
from tests.factories import DelegateFactory, EventFactory, SessionRegistrationFactory, focal_point

PAYLOAD = '<meta http-equiv="refresh" content="0;url=https://attacker.example/">'
SCRIPT = "<script>alert(1)</script>"
# Every field a delegate writes in, each carrying the markup (a name keeps it short).
DELEGATE_FIELDS = {
    "given_name": PAYLOAD[:100],
    "family_name": SCRIPT,
    "organization": PAYLOAD,
    "job_title": PAYLOAD,
    "dietary_needs": PAYLOAD,
    "accessibility_needs": SCRIPT,
}
RAW = (PAYLOAD[:40], SCRIPT)


def assert_escaped(response):
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    for raw in RAW:
        assert raw not in page
    assert escape(SCRIPT) in page or escape(PAYLOAD[:40]) in page  # the text is there, as text


@pytest.fixture
def marked_up(event, open_session):
    delegate = DelegateFactory(event=event, government=True, **DELEGATE_FIELDS)
    SessionRegistrationFactory(delegate=delegate, session=open_session, status=SeatStatus.WAITLISTED)
    return delegate


def test_the_message_preview_prints_the_rendered_text_escaped(organizer_client, marked_up, open_session):
    url = f"{reverse('admin:registrations_delegate_message')}?ids={marked_up.pk}"
    body = "Hello {given_name} {family_name}, {sessions}"
    response = organizer_client.post(
        url, {"subject": "Hi {given_name}", "body": body, "key": uuid.uuid4(), "preview": "1"}
    )

    assert_escaped(response)
    assert escape(PAYLOAD[:100]) in response.content.decode()


@pytest.mark.parametrize(
    "page",
    ["changelist", "change", "history", "dashboard", "approve", "session", "search"],
)
def test_every_staff_page_prints_what_a_delegate_typed_escaped(organizer_client, marked_up, open_session, page):
    pk = marked_up.pk
    if page == "approve":
        response = organizer_client.post(
            reverse("admin:registrations_delegate_changelist"),
            {"action": "approve_selected", ACTION_CHECKBOX_NAME: [pk]},
        )
    else:
        url = {
            "changelist": reverse("admin:registrations_delegate_changelist"),
            "change": reverse("admin:registrations_delegate_change", args=[pk]),
            "history": reverse("admin:registrations_delegate_history", args=[pk]),
            "dashboard": reverse("admin:dashboard"),
            "session": reverse("admin:registrations_session_change", args=[open_session.pk]),
            "search": f"{reverse('admin:registrations_delegate_changelist')}?q=meta",
        }[page]
        response = organizer_client.get(url)
    if page == "dashboard":  # the dashboard counts; it names nobody
        assert response.status_code == 200
        assert not any(raw in response.content.decode() for raw in RAW)
        return
    assert_escaped(response)


@pytest.mark.parametrize("page", ["delegation", "delegate"])
def test_the_focal_points_portal_prints_what_a_delegate_typed_escaped(db, client, page):
    event = EventFactory(endorsement_required=True, slug="summit")
    delegate = DelegateFactory(event=event, government=True, endorsement=Endorsement.PENDING, **DELEGATE_FIELDS)
    gb = focal_point("GB")
    client.force_login(gb.user)
    url = (
        reverse("registrations:portal_event", args=[event.slug])
        if page == "delegation"
        else reverse("registrations:portal_delegate", args=[event.slug, delegate.pk])
    )

    assert_escaped(client.get(url))
    assert delegate.status == DelegateStatus.PENDING
