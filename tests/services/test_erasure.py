"""Erasure leaves nothing: after an organizer deletes a delegate in the admin (erasure) and after
the retention purge, no table of the database (every text and JSON column of every model, Django's
own included, and the stored sessions decoded) and no cache entry holds a personal value of theirs.
"""

import json
import pickle
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session as WebSession
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from registrations import services
from registrations.models import (
    AuditAction,
    AuditEntry,
    CheckIn,
    Delegate,
    Event,
    Invitation,
    LostLinkRequest,
    OutboundEmail,
)
from tests.admin_forms import change_form_data
from tests.factories import InvitationFactory, UserFactory
from tests.public.test_signup import REGISTER, industry_signup

# Distinctive values: none of them can appear anywhere by chance.
PEOPLE = {
    "zephyrine": {
        "given_name": "Zephyrine",
        "family_name": "Quillfeather",
        "email": "zephyrine.quillfeather@quillmail.example",
        "organization": "Quillfeather Foundry",
        "job_title": "Chief Zephyr Officer",
        "dietary_needs": "Zephyrfree diet",
        "accessibility_needs": "Quillramp access",
    },
    "bartholomew": {
        "given_name": "Bartholomew",
        "family_name": "Ostrakonides",
        "email": "b.ostrakonides@ostrakon.example",
        "organization": "Ostrakon Labs",
        "job_title": "Ostrakon Herald",
        "dietary_needs": "Ostrakon diet",
        "accessibility_needs": "Ostrakon seating",
    },
    "cordelia": {
        "given_name": "Cordelia",
        "family_name": "Vantablack",
        "email": "cordelia@vantablack.example",
        "organization": "Vantablack Works",
        "job_title": "Vantablack Curator",
        "dietary_needs": "",
        "accessibility_needs": "",
    },
}


def personal_values(person: dict) -> set[str]:
    values = {v for v in person.values() if v}
    return values | {f"{person['given_name']} {person['family_name']}", person["email"].lower()}


def database_text() -> str:
    """Every text and JSON value in every table (Django's, axes', otp's ...), and the sessions decoded."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            parts.extend(
                json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value for value in row
            )
    for stored in WebSession.objects.all():
        data = stored.get_decoded()
        parts.append(json.dumps(data, ensure_ascii=False))
        if isinstance(data.get("_messages"), str):
            parts.append(json.dumps(json.loads(data["_messages"]), ensure_ascii=False))
    return "\n".join(parts)


def cache_text() -> str:
    """Every key and value in the (locmem) cache of the tests."""
    return "\n".join(f"{key} {pickle.loads(value)!r}" for key, value in cache._cache.items())  # noqa: S301 - our own cache


def found(values: set[str], text: str) -> set[str]:
    folded = text.casefold()
    return {value for value in values if value.casefold() in folded}


@pytest.fixture
def busy_event(client, event, open_session, organizer_user, settings, send_emails):
    """Three delegates through every path that copies personal data somewhere: signup, the outbox,
    the lost-link form, an admin edit (django_admin_log), an export with a search for a name, an
    admin login attempt with their address (django-axes), a rejection with a reason naming them,
    and admin messages kept in the session."""
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    for person in PEOPLE.values():
        data = industry_signup(**{k: v for k, v in person.items()}, sessions=[open_session.pk])
        assert client.post(REGISTER, data).status_code == 302
    delegates = {key: Delegate.objects.get(email=p["email"]) for key, p in PEOPLE.items()}
    send_emails()
    for person in PEOPLE.values():
        assert client.post("/link/", {"email": person["email"]}).status_code == 302
    send_emails()
    client.post("/link/", {"email": PEOPLE["zephyrine"]["email"]}, REMOTE_ADDR="198.51.100.4")  # left pending
    # Public pages that may be cached: the agenda, the form, and the participant list (names).
    services.approve_delegates(delegate_ids=[d.pk for d in delegates.values()], actor=services.Actor.system())
    Event.objects.filter(pk=event.pk).update(participant_list_visibility="public")
    for url in ("/", "/register/", "/participants/"):
        assert client.get(url).status_code == 200
    assert "Zephyrine" in client.get("/participants/").content.decode()
    for person in PEOPLE.values():
        client.post("/admin/login/", {"username": person["email"], "password": "wrong"})

    organizer = UserFactory(username="root", is_superuser=True)
    client.force_login(organizer)
    for key, delegate in delegates.items():
        url = f"/admin/registrations/delegate/{delegate.pk}/change/"
        data = change_form_data(client, url)
        data["job_title"] = [PEOPLE[key]["job_title"] + " II"]
        assert client.post(url, data).status_code == 302  # its message waits in the session
    for person in PEOPLE.values():
        response = client.get("/admin/registrations/delegate/export/", {"q": person["family_name"]})
        assert response.status_code == 200
        b"".join(response.streaming_content)
    # An export entry written before searches were redacted.
    AuditEntry.objects.create(
        actor_kind="organizer",
        actor_name="root",
        action=AuditAction.EXPORT,
        event=event,
        reason="Exported 1 row (search-quillfeather)",
        details={
            "scope": "search-Quillfeather",
            "filter": {"q": "Quillfeather"},
            "file": f"{event.slug}_search-quillfeather_2026-01-01.csv",
        },
    )
    services.reject_delegates(
        delegate_ids=[delegates["bartholomew"].pk],
        actor=services.Actor.organizer(organizer),
        reason="Bartholomew Ostrakonides was not invited",
    )
    for key, person in PEOPLE.items():
        assert found(personal_values(person), database_text()), f"{key}'s data should be stored somewhere first"
    assert LogEntry.objects.filter(object_repr="Zephyrine Quillfeather").exists()
    assert LostLinkRequest.objects.exists()
    assert AccessAttempt.objects.filter(username=PEOPLE["zephyrine"]["email"]).exists()
    assert "Cordelia Vantablack" in database_text()  # the last edit's message waits in the session
    return delegates


def test_admin_deletion_and_the_purge_leave_no_personal_value_anywhere(client, busy_event, event, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    delegates = busy_event
    # Erasure in the admin: one from its own delete page, one with the bulk "delete selected" action.
    response = client.post(f"/admin/registrations/delegate/{delegates['zephyrine'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    response = client.post(
        "/admin/registrations/delegate/",
        {"action": "delete_selected", "_selected_action": [delegates["cordelia"].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Delegate.objects.filter(pk__in=[delegates["zephyrine"].pk, delegates["cordelia"].pk]).exists()

    erased = personal_values(PEOPLE["zephyrine"]) | personal_values(PEOPLE["cordelia"])
    assert found(erased, database_text()) == set()
    assert found(erased, cache_text()) == set()
    assert found(personal_values(PEOPLE["bartholomew"]), database_text())  # not erased: still there

    # The retention purge for the one left.
    past = timezone.now() - timedelta(days=400)
    Event.objects.filter(pk=event.pk).update(
        starts_on=past.date(), ends_on=past.date(), registration_opens_at=past - timedelta(days=9),
        registration_closes_at=past - timedelta(days=1), retention_days=1,
    )  # fmt: skip
    event.refresh_from_db()
    services.purge_personal_data(event=event, actor=services.Actor.system())

    everyone = erased | personal_values(PEOPLE["bartholomew"])
    assert found(everyone, database_text()) == set()
    assert found(everyone, cache_text()) == set()
    assert set(LogEntry.objects.values_list("object_repr", flat=True)) == {services.ERASED_REPR}


def test_an_export_searching_for_a_name_keeps_only_that_there_was_a_search(client, event, open_session):
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get("/admin/registrations/delegate/export/", {"q": "Quillfeather", "status__exact": "pending"})
    b"".join(response.streaming_content)

    entry = AuditEntry.objects.get(action="export")
    assert "quillfeather" not in (entry.reason + json.dumps(entry.details)).casefold()
    assert entry.details["filter"] == {"q": "[redacted]", "status__exact": "pending"}
    assert entry.details["scope"] == "search-pending"
    assert "quillfeather" not in response["Content-Disposition"].casefold()


def test_deleting_a_delegate_in_the_admin_logs_no_name(client, event):
    client.force_login(UserFactory(username="root", is_superuser=True))
    delegate = Delegate.objects.create(
        event=event,
        given_name="Cordelia",
        family_name="Vantablack",
        email="cordelia@vantablack.example",
        email_key="cordelia@vantablack.example",
        stakeholder_type="academia",
        organization="Vantablack Works",
        consent_data_processing=True,
    )

    client.post(f"/admin/registrations/delegate/{delegate.pk}/delete/", {"post": "yes"})

    (entry,) = LogEntry.objects.all()
    assert (entry.object_repr, entry.object_id, entry.action_flag) == (services.ERASED_REPR, str(delegate.pk), 3)


def test_a_delegate_who_was_checked_in_can_be_erased_in_the_admin(client, event, open_session):

    delegate = Delegate.objects.create(
        event=event,
        email_key="zephyrine.quillfeather@quillmail.example",
        **{k: v for k, v in PEOPLE["zephyrine"].items()},
        stakeholder_type="academia",
        consent_data_processing=True,
        status="approved",
    )
    CheckIn.objects.create(
        event=event, delegate=delegate, session=open_session, door="Main hall", undo_reason="Zephyrine misread"
    )
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = f"/admin/registrations/delegate/{delegate.pk}/delete/"

    assert "no permission to delete" not in client.get(url).content.decode()
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Delegate.objects.filter(pk=delegate.pk).exists()
    assert not CheckIn.objects.exists()
    assert found(personal_values(PEOPLE["zephyrine"]), database_text()) == set()


def test_erasing_an_invited_guest_erases_their_personal_invitation_and_its_emails(client, event, open_session):

    person = PEOPLE["bartholomew"]
    invitation = InvitationFactory(
        event=event,
        email=person["email"],
        name=f"{person['given_name']} {person['family_name']}",
        sessions=[open_session],
    )
    OutboundEmail.objects.create(kind="invitation", invitation=invitation, context={"note": person["given_name"]})
    delegate = Delegate.objects.create(
        event=event,
        email_key=person["email"],
        invitation=invitation,
        **person,
        stakeholder_type="academia",
        consent_data_processing=True,
    )
    client.force_login(UserFactory(username="root", is_superuser=True))
    client.get(f"/admin/registrations/invitation/{invitation.pk}/change/")

    services.erase_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())

    invitation = Invitation.objects.get(pk=invitation.pk)
    assert (invitation.name, invitation.email.endswith("@erased.invalid")) == ("", True)
    assert found(personal_values(person), database_text()) == set()
