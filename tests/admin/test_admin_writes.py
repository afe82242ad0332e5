"""Every admin URL that writes goes through the services: each change leaves its audit entry, and
nothing the admin can do removes seats, delegates or sessions behind the rules' back."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from registrations.models import (
    AuditAction,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    Event,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
)
from registrations.outputs import emails as outbox
from tests.factories import DelegateFactory, EventFactory, SessionFactory, UserFactory, institute


def url(model, view, *args):
    return reverse(f"admin:registrations_{model._meta.model_name}_{view}", args=args)


def split_datetime(name: str, moment) -> dict:
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def event_form(event: Event | None = None, **changes) -> dict:
    now = timezone.now()
    data = {
        "name_en": "Paris convening",
        "slug": "paris-convening",
        "venue_en": "Paris",
        "time_zone": "UTC",
        "starts_on": (now + timedelta(days=90)).date().isoformat(),
        "ends_on": (now + timedelta(days=91)).date().isoformat(),
        **split_datetime("registration_opens_at", now - timedelta(days=1)),
        **split_datetime("registration_closes_at", now + timedelta(days=30)),
        "retention_days": "180",
        "participant_list_visibility": "hidden",
        "guest_registration": "open",
    }
    if event is not None:
        data.update(
            name_en=event.name,
            slug=event.slug,
            venue_en=event.venue,
            time_zone=event.time_zone,
            starts_on=event.starts_on.isoformat(),
            ends_on=event.ends_on.isoformat(),
            retention_days=str(event.retention_days),
            participant_list_visibility=event.participant_list_visibility,
            guest_registration=event.guest_registration,
        )
    data.update(changes)
    return data


def session_form(event: Event, session: Session | None = None, **changes) -> dict:
    starts = timezone.localtime(session.starts_at if session else timezone.now() + timedelta(days=60))
    data = {
        "event": str(event.pk),
        "title_en": session.title if session else "New panel",
        "description_en": "",
        **split_datetime("starts_at", starts),
        **split_datetime("ends_at", starts + timedelta(hours=1)),
        "room_en": "Room A",
        "access_tier": session.access_tier if session else "open",
        "capacity": str(session.capacity if session else 10),
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
        "registrations-MIN_NUM_FORMS": "0",
        "registrations-MAX_NUM_FORMS": "0",
    }
    data.update(changes)
    return data


def delegate_form(event: Event, delegate: Delegate | None = None, **changes) -> dict:
    data = {
        "event": str(event.pk),
        "given_name": delegate.given_name if delegate else "Aiko",
        "family_name": delegate.family_name if delegate else "Tanaka",
        "email": delegate.email if delegate else "aiko@ipa.go.jp",
        "job_title": "",
        "country": "JP",
        "stakeholder_type": delegate.stakeholder_type if delegate else "government",
        "institute": str(delegate.institute_id or "") if delegate else str(institute("JP").pk),
        "organization": delegate.organization if delegate else "",
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_data_processing": "on",
        "session_registrations-TOTAL_FORMS": "0",
        "session_registrations-INITIAL_FORMS": "0",
        "session_registrations-MIN_NUM_FORMS": "0",
        "session_registrations-MAX_NUM_FORMS": "0",
    }
    data.update(changes)
    return data


def action(model, name: str, objects, **extra) -> tuple[str, dict]:
    return url(model, "changelist"), {
        "action": name,
        "index": "0",
        ACTION_CHECKBOX_NAME: [o.pk for o in objects],
        **extra,
    }


@pytest.fixture
def root(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


@pytest.fixture
def world(event):
    """One event with a session, a pending and an approved delegate, and an empty second event."""
    session = SessionFactory(event=event, title="Evaluations", capacity=5)
    pending = DelegateFactory(event=event, given_name="Pia")
    approved = DelegateFactory(event=event, given_name="Ari", status=DelegateStatus.APPROVED)
    SessionRegistration.objects.create(delegate=approved, session=session, status=SeatStatus.CONFIRMED)
    SessionRegistration.objects.create(delegate=pending, session=session)
    empty = EventFactory(slug="empty-event", name="Empty event")
    return {"event": event, "session": session, "pending": pending, "approved": approved, "empty": empty}


# Each write the admin offers: (name, how to make the request, the audit action it must leave).
WRITES = [
    ("event add", lambda w: (url(Event, "add"), event_form()), AuditAction.EVENT_CREATED),
    (
        "event change",
        lambda w: (url(Event, "change", w["event"].pk), event_form(w["event"], venue_en="Elsewhere")),
        AuditAction.EVENT_CHANGED,
    ),
    ("event delete", lambda w: (url(Event, "delete", w["empty"].pk), {"post": "yes"}), AuditAction.EVENT_DELETED),
    (
        "event delete action",
        lambda w: action(Event, "delete_selected", [w["empty"]], post="yes"),
        AuditAction.EVENT_DELETED,
    ),
    (
        "institute add",
        lambda w: (
            url(Institute, "add"),
            {
                "member": "Testland",
                "iso_code": "TL",
                "name": "Testland AISI",
                "email_domains": "t.example",
                "delegate_quota": "8",
            },
        ),
        AuditAction.INSTITUTE_CHANGED,
    ),
    (
        "institute change",
        lambda w: (
            url(Institute, "change", institute("GB").pk),
            {
                "member": "United Kingdom",
                "iso_code": "GB",
                "name": "AI Security Institute",
                "email_domains": institute("GB").email_domains,
                "delegate_quota": "9",
            },
        ),
        AuditAction.INSTITUTE_CHANGED,
    ),
    ("session add", lambda w: (url(Session, "add"), session_form(w["event"])), AuditAction.SESSION_CREATED),
    (
        "session change",
        lambda w: (
            url(Session, "change", w["session"].pk),
            session_form(w["event"], w["session"], room_en="Room B"),
        ),
        AuditAction.SESSION_CHANGED,
    ),
    (
        "session capacity change",
        lambda w: (
            url(Session, "change", w["session"].pk),
            session_form(w["event"], w["session"], capacity="7"),
        ),
        AuditAction.CAPACITY_CHANGED,
    ),
    (
        "session delete",
        lambda w: (url(Session, "delete", w["session"].pk), {"post": "yes"}),
        AuditAction.SESSION_DELETED,
    ),
    (
        "session delete action",
        lambda w: action(Session, "delete_selected", [w["session"]], post="yes"),
        AuditAction.SESSION_DELETED,
    ),
    ("delegate add", lambda w: (url(Delegate, "add"), delegate_form(w["event"])), AuditAction.REGISTERED),
    (
        "delegate change",
        lambda w: (
            url(Delegate, "change", w["pending"].pk),
            delegate_form(w["event"], w["pending"], dietary_needs="vegetarian"),
        ),
        AuditAction.DETAILS_CHANGED,
    ),
    (
        "delegate delete",
        lambda w: (url(Delegate, "delete", w["pending"].pk), {"post": "yes"}),
        AuditAction.ERASED,
    ),
    (
        "delegate delete action",
        lambda w: action(Delegate, "delete_selected", [w["pending"]], post="yes"),
        AuditAction.ERASED,
    ),
    (
        "approve action",
        lambda w: action(Delegate, "approve_selected", [w["pending"]], confirm="yes"),
        AuditAction.APPROVED,
    ),
    (
        "approve button",
        lambda w: (reverse("admin:registrations_delegate_approve", args=[w["pending"].pk]), {}),
        AuditAction.APPROVED,
    ),
    (
        "reject action",
        lambda w: action(Delegate, "reject_selected", [w["pending"]], confirm="yes", reason=""),
        AuditAction.REJECTED,
    ),
    (
        "reject button",
        lambda w: (reverse("admin:registrations_delegate_reject", args=[w["pending"].pk]), {"reason": ""}),
        AuditAction.REJECTED,
    ),
    (
        "return to pending action",
        lambda w: action(Delegate, "return_to_pending", [w["approved"]], confirm="yes", reason=""),
        AuditAction.RETURNED_TO_PENDING,
    ),
    (
        "export action",
        lambda w: action(Delegate, "export_selected", [w["pending"]], shape="delegate"),
        AuditAction.EXPORT,
    ),
]


@pytest.mark.parametrize(("write", "request_for", "audit_action"), WRITES, ids=[w[0] for w in WRITES])
def test_every_admin_write_leaves_its_audit_entry(root, world, write, request_for, audit_action):
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    path, data = request_for(world)

    response = root.post(path, data)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)

    # Every write redirects once done (a form with errors would answer 200); an export streams its file.
    assert response.status_code == (200 if write == "export action" else 302), response.content[:2000]
    actions = list(AuditEntry.objects.exclude(pk__in=before).values_list("action", flat=True))
    assert audit_action in actions
    assert all(entry.actor_name == "root" for entry in AuditEntry.objects.exclude(pk__in=before))


def test_every_admin_model_with_write_urls_is_walked():
    """A model admin that gains add/change/delete URLs must gain a line in WRITES above."""
    walked = {name.split()[0] for name, _request, _action in WRITES}
    assert walked == {"event", "institute", "session", "delegate", "approve", "reject", "return", "export"}


def test_deleting_a_session_cancels_every_seat_emails_each_delegate_and_audits(root, world, mailoutbox):
    session = world["session"]

    confirmation = root.get(url(Session, "delete", session.pk))
    assert "2 seats are held, asked for or waited for" in confirmation.content.decode()
    response = root.post(url(Session, "delete", session.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    cancelled = AuditEntry.objects.filter(action=AuditAction.SEAT_CANCELLED)
    assert sorted(cancelled.values_list("delegate__given_name", "from_status", "to_status")) == [
        ("Ari", "confirmed", "cancelled"),
        ("Pia", "requested", "cancelled"),
    ]
    deleted = AuditEntry.objects.get(action=AuditAction.SESSION_DELETED)
    assert (deleted.details["title"], deleted.details["seats_cancelled"], deleted.actor_name) == (
        "Evaluations",
        2,
        "root",
    )
    emails = OutboundEmail.objects.filter(kind=EmailKind.SESSION_CANCELLED)
    assert sorted(emails.values_list("delegate__given_name", flat=True)) == ["Ari", "Pia"]

    outbox.deliver()
    cancelled_mail = [m for m in mailoutbox if "was cancelled" in m.subject]
    assert len(cancelled_mail) == 2
    assert all("- Evaluations (" in m.body for m in cancelled_mail)


def test_a_cancelled_seat_records_why(root, world):
    root.post(url(Session, "delete", world["session"].pk), {"post": "yes"})
    audit = AuditEntry.objects.filter(action=AuditAction.SEAT_CANCELLED).first()
    assert audit.reason == "The session was cancelled."
    assert CancelReason.SESSION_DELETED.label == "Session cancelled by the organizers"


def test_an_event_with_registrations_cannot_be_deleted_and_the_page_says_why(root, world):
    event = world["event"]

    page = root.get(url(Event, "delete", event.pk)).content.decode()
    response = root.post(url(Event, "delete", event.pk), {"post": "yes"})

    assert "still has 2 registrations. Delete them from the delegate list first" in page
    assert response.status_code == 200  # the confirmation page again, nothing deleted
    assert Event.objects.filter(pk=event.pk).exists()
    assert Delegate.objects.filter(event=event).count() == 2
    assert not AuditEntry.objects.filter(action=AuditAction.EVENT_DELETED).exists()


def test_the_event_delete_action_refuses_an_event_with_registrations(root, world):
    path, data = action(Event, "delete_selected", [world["event"], world["empty"]], post="yes")
    root.post(path, data)
    assert Event.objects.filter(pk__in=[world["event"].pk, world["empty"].pk]).count() == 2


def test_a_delegate_added_in_the_admin_is_normalized_checked_and_audited(root, world):
    response = root.post(url(Delegate, "add"), delegate_form(world["event"], email="  Aiko@IPA.GO.JP "))

    assert response.status_code == 302
    aiko = Delegate.objects.get(given_name="Aiko")
    assert (aiko.email, aiko.email_domain_verified, aiko.status) == ("Aiko@ipa.go.jp", True, "pending")
    entry = AuditEntry.objects.get(delegate=aiko)
    assert (entry.action, entry.actor_kind, entry.actor_name) == (AuditAction.REGISTERED, "organizer", "root")


def test_a_delegate_added_in_the_admin_off_the_official_domain_is_flagged(root, world):
    root.post(url(Delegate, "add"), delegate_form(world["event"], email="aiko@gmail.example"))
    assert Delegate.objects.get(given_name="Aiko").email_domain_verified is False


def test_a_delegate_added_in_the_admin_with_a_registered_address_is_refused(root, world):
    response = root.post(url(Delegate, "add"), delegate_form(world["event"], email=world["pending"].email.upper()))
    assert response.status_code == 200
    assert Delegate.objects.filter(event=world["event"]).count() == 2
    assert not AuditEntry.objects.filter(action=AuditAction.REGISTERED).exists()


def test_a_session_edit_is_validated_before_anything_is_written(root, world):
    session = world["session"]
    response = root.post(
        url(Session, "change", session.pk), session_form(world["event"], session, capacity="0", room_en="Changed")
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.capacity, session.room) == (5, "Main hall")
    assert not AuditEntry.objects.exists()
