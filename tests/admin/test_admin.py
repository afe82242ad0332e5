"""The organizers' desk (registrations/admin.py), through the admin's real URLs."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registrations import rules, services
from registrations.models import (
    AccessTier,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailStatus,
    Event,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)
from registrations.queries import current
from tests.factories import (
    DelegateFactory,
    EventFactory,
    SessionFactory,
    SessionRegistrationFactory,
    UserFactory,
    institute,
)

CHANGELIST = reverse("admin:registrations_delegate_changelist")


def change_url(obj):
    return reverse(f"admin:registrations_{obj._meta.model_name}_change", args=[obj.pk])


def names(response) -> list[str]:
    return sorted(d.given_name for d in response.context["cl"].result_list)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(response) -> dict:
    """The POST data the change page would send back unchanged (main form, inlines, management forms)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):
                for i, (sub, part) in enumerate(zip(widget.widgets, widget.decompress(value), strict=True)):
                    data[f"{bound.html_name}_{i}"] = sub.format_value(part) or ""
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    return data


def act(client, action, delegates, **extra):
    return client.post(
        CHANGELIST, {"action": action, "index": "0", "_selected_action": [d.pk for d in delegates], **extra}
    )


def ask(delegate, session):
    return SessionRegistration.objects.create(delegate=delegate, session=session)


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="staff-without-group"))
    return client


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


@pytest.fixture
def queue(event, open_session):
    """Four academics asking for a three-seat session, in this order."""
    delegates = [DelegateFactory(event=event, given_name=n) for n in ["Ana", "Ben", "Chloe", "Dev"]]
    for delegate in delegates:
        ask(delegate, open_session)
    return delegates


def seats(session) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for r in (
        SessionRegistration.objects.filter(session=session).order_by("requested_at", "pk").select_related("delegate")
    ):
        result.setdefault(r.status, []).append(r.delegate.given_name)
    return result


# --------------------------------------------------------------------------- permissions


def test_organizers_group_holds_exactly_the_decision_permissions(db):
    codenames = set(Group.objects.get(name="Organizers").permissions.values_list("codename", flat=True))

    assert codenames == {
        "view_event",
        "view_institute",
        "view_session",
        "change_session",
        "view_delegate",
        "change_delegate",
        "decide_delegate",
        "export_delegate",
        "view_sessionregistration",
        "view_auditentry",
        "view_outboundemail",
        "view_invitation",
        "add_invitation",
        "change_invitation",
        "view_checkin",
        "message_delegate",
        "view_delegatemessage",
        "view_savedview",
        "add_savedview",
        "delete_savedview",
        # Organizers create institutes' focal points and switch them off (never delete them).
        "view_focalpoint",
        "add_focalpoint",
        "change_focalpoint",
    }


def test_organizer_lists_and_views_delegates(organizer_client, queue):
    listing = organizer_client.get(CHANGELIST)
    page = organizer_client.get(change_url(queue[0]))

    assert (listing.status_code, page.status_code) == (200, 200)
    assert names(listing) == ["Ana", "Ben", "Chloe", "Dev"]
    assert 'class="status-label status-pending">Pending</span>' in listing.text
    assert reverse("admin:registrations_delegate_approve", args=[queue[0].pk]) in page.text
    assert reverse("admin:registrations_delegate_reject", args=[queue[0].pk]) in page.text


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:registrations_institute_add"),
        reverse("admin:registrations_institute_delete", args=[1]),
        reverse("admin:registrations_event_add"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:registrations_auditentry_add"),
        reverse("admin:registrations_delegate_delete", args=[1]),
    ],
)
def test_organizer_cannot_open_forbidden_pages(organizer_client, event, url):
    DelegateFactory(event=event)

    assert organizer_client.get(url).status_code == 403


def test_organizer_cannot_change_an_institute_or_an_event(organizer_client, event):
    gb = institute("GB")

    institute_post = organizer_client.post(change_url(gb), {"delegate_quota": 99, "name": "Changed"})
    event_post = organizer_client.post(change_url(event), {"name": "Changed"})
    event_delete = organizer_client.post(reverse("admin:registrations_event_delete", args=[event.pk]), {"post": "yes"})

    assert (institute_post.status_code, event_post.status_code, event_delete.status_code) == (403, 403, 403)
    gb.refresh_from_db()
    assert (gb.delegate_quota, Event.objects.get(pk=event.pk).name) == (8, event.name)


def test_organizer_cannot_change_a_user(organizer_client, organizer_user):
    response = organizer_client.post(
        reverse("admin:auth_user_change", args=[organizer_user.pk]), {"username": "x", "is_superuser": "on"}
    )

    assert response.status_code == 403
    organizer_user.refresh_from_db()
    assert (organizer_user.username, organizer_user.is_superuser) == ("organizer", False)


@pytest.mark.parametrize("who", ["organizer_client", "superuser_client"])
def test_nobody_edits_or_deletes_audit_entries(request, event, who):
    client = request.getfixturevalue(who)
    delegate = DelegateFactory(event=event)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())
    entry = AuditEntry.objects.get()

    view = client.get(change_url(entry))
    edit = client.post(change_url(entry), {"action": "forged", "to_status": "rejected"})
    delete = client.post(reverse("admin:registrations_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk_delete = client.post(
        reverse("admin:registrations_auditentry_changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert (view.status_code, edit.status_code, delete.status_code) == (200, 403, 403)
    assert bulk_delete.status_code in (200, 302)  # the action is not offered: "no action selected"
    assert list(AuditEntry.objects.values_list("pk", "action", "to_status")) == [(entry.pk, "approved", "approved")]


def test_staff_without_a_group_sees_nothing(staff_client, event):
    delegate = DelegateFactory(event=event)

    assert staff_client.get(CHANGELIST).status_code == 403
    assert staff_client.get(change_url(delegate)).status_code == 403
    assert staff_client.get(reverse("admin:registrations_auditentry_changelist")).status_code == 403
    assert staff_client.get(reverse("admin:registrations_session_changelist")).status_code == 403
    assert staff_client.post(reverse("admin:registrations_delegate_approve", args=[delegate.pk])).status_code == 403
    assert staff_client.get(reverse("admin:registrations_delegate_reject", args=[delegate.pk])).status_code == 403
    assert staff_client.get(reverse("admin:index")).context["app_list"] == []
    assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.PENDING


def test_superuser_can_do_everything(superuser_client, event, queue):
    gb = institute("GB")
    page = superuser_client.get(change_url(gb))
    data = {**form_data(page), "delegate_quota": "12"}

    saved = superuser_client.post(change_url(gb), data)
    approved = act(superuser_client, "approve_selected", queue[:1], confirm="yes", delegate_ids=str(queue[0].pk))
    deleted = superuser_client.post(reverse("admin:registrations_delegate_delete", args=[queue[3].pk]), {"post": "yes"})

    assert (saved.status_code, approved.status_code, deleted.status_code) == (302, 302, 302)
    assert Institute.objects.get(pk=gb.pk).delegate_quota == 12
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.APPROVED
    assert not Delegate.objects.filter(pk=queue[3].pk).exists()
    assert superuser_client.get(reverse("admin:auth_user_changelist")).status_code == 200


# --------------------------------------------------------------------------- decisions


def test_approve_action_asks_for_confirmation_first(organizer_client, open_session, queue):
    confirmation = act(organizer_client, "approve_selected", queue[:2])

    assert confirmation.status_code == 200
    assert confirmation.templates[0].name == "admin/registrations/delegate/decision_confirmation.html"
    assert [d.given_name for d in confirmation.context["delegates"]] == ["Ana", "Ben"]
    assert "2 delegates will be approved." in confirmation.text
    assert 'value="Yes, approve 2 delegates"' in confirmation.text
    assert set(Delegate.objects.values_list("status", flat=True)) == {DelegateStatus.PENDING}
    assert (AuditEntry.objects.count(), OutboundEmail.objects.count()) == (0, 0)


def test_approve_action_confirms_seats_and_waitlists_the_overflow(
    organizer_client, open_session, queue, organizer_user
):
    response = organizer_client.post(CHANGELIST, page_form(act(organizer_client, "approve_selected", queue)))

    assert response.status_code == 302
    assert message_texts(response) == [
        "Approved 4 delegates: 3 seats confirmed, 1 waitlisted.",
        "Waitlisted: Dev Delegate (Risk assessment science).",
    ]
    assert seats(open_session) == {"confirmed": ["Ana", "Ben", "Chloe"], "waitlisted": ["Dev"]}
    assert set(AuditEntry.objects.filter(action="approved").values_list("actor_user", "actor_name")) == {
        (organizer_user.pk, "organizer")
    }


def test_approve_action_reports_a_quota_refusal(organizer_client, event):
    Institute.objects.filter(iso_code="GB").update(delegate_quota=1)
    officials = [DelegateFactory(event=event, government=True, given_name=n, family_name="Official") for n in "AB"]

    refusal = (
        f"B Official was not approved: {institute('GB')} has reached its quota of 1 approved delegates "
        f"for {event.name}."
    )
    confirmation = act(organizer_client, "approve_selected", officials)
    # The confirmation says so before the decision, and the decision holds the rule when asked anyway
    # (a crafted POST, or the quota filled between the two pages).
    assert [reason for _d, reason in confirmation.context["skipped"]] == [refusal]
    form = {**page_form(confirmation), "delegate_ids": [",".join(str(d.pk) for d in officials)]}
    response = organizer_client.post(CHANGELIST, form)

    assert message_texts(response) == ["Approved 1 delegate: 0 seats confirmed, 0 waitlisted.", refusal]
    assert Delegate.objects.get(pk=officials[1].pk).status == DelegateStatus.PENDING


def test_reject_action_asks_for_confirmation_then_rejects_promotes_and_emails_the_reason(
    organizer_client, open_session, queue, mailoutbox, django_capture_on_commit_callbacks
):
    services.approve_delegates(delegate_ids=[d.pk for d in queue], actor=services.Actor.system())
    OutboundEmail.objects.all().delete()
    ben = queue[1]

    confirmation = act(organizer_client, "reject_selected", [ben])

    assert confirmation.status_code == 200
    assert confirmation.templates[0].name == "admin/registrations/delegate/decision_confirmation.html"
    assert [d.given_name for d in confirmation.context["delegates"]] == ["Ben"]
    assert "1 delegate will be rejected." in confirmation.text
    assert Delegate.objects.get(pk=ben.pk).status == DelegateStatus.APPROVED
    assert OutboundEmail.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = organizer_client.post(CHANGELIST, {**page_form(confirmation), "reason": "Registered twice"})

    assert done.status_code == 302
    assert message_texts(done) == ["Rejected 1 delegate. 1 confirmed seat was released for the waitlists."]
    assert Delegate.objects.get(pk=ben.pk).status == DelegateStatus.REJECTED
    assert seats(open_session) == {"confirmed": ["Ana", "Chloe", "Dev"], "cancelled": ["Ben"]}
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == sorted(
        [
            (ben.email, f"Your registration for {ben.event.name}"),
            (queue[3].email, f"A seat opened for you at {ben.event.name}"),
        ]
    )
    rejection = next(m for m in mailoutbox if m.to == [ben.email])
    assert "Reason: Registered twice" in rejection.body
    assert list(AuditEntry.objects.filter(action="rejected").values_list("reason", "actor_name")) == [
        ("Registered twice", "organizer")
    ]


def test_rejecting_a_delegate_who_held_requests_only_claims_no_seat(organizer_client, event, open_session):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    confirmation = act(organizer_client, "reject_selected", [delegate])

    done = organizer_client.post(CHANGELIST, page_form(confirmation))

    assert message_texts(done) == ["Rejected 1 delegate."]
    assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.REJECTED


def test_reject_action_keeps_the_changelist_filter_and_lists_everyone_selected(organizer_client, queue):
    confirmation = organizer_client.post(
        CHANGELIST + "?status__exact=pending",
        {"action": "reject_selected", "index": "0", "_selected_action": [d.pk for d in queue[:2]]},
    )

    assert [d.given_name for d in confirmation.context["delegates"]] == ["Ana", "Ben"]
    assert ("delegate_ids", f"{queue[0].pk},{queue[1].pk}") in hidden_inputs(confirmation.text)


def test_reject_action_with_an_overlong_reason_changes_nothing(organizer_client, queue):
    response = act(organizer_client, "reject_selected", queue[:1], confirm="yes", reason="x" * 2001)

    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.text
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.PENDING


def test_return_to_pending_action_asks_first_then_releases_seats_and_tells_the_delegate(
    organizer_client, open_session, queue
):
    services.approve_delegates(delegate_ids=[d.pk for d in queue], actor=services.Actor.system())
    OutboundEmail.objects.all().delete()

    confirmation = act(organizer_client, "return_to_pending", queue[:1])

    assert confirmation.status_code == 200
    assert "will be pending again. Seats they hold are released now" in confirmation.text
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.APPROVED  # nothing yet

    response = act(
        organizer_client,
        "return_to_pending",
        queue[:1],
        confirm="yes",
        delegate_ids=str(queue[0].pk),
        reason="Delegation list under review",
    )

    assert message_texts(response) == ["1 delegate is pending again. 1 confirmed seat was released for the waitlists."]
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.PENDING
    assert seats(open_session) == {"requested": ["Ana"], "confirmed": ["Ben", "Chloe", "Dev"]}
    assert sorted(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [
        ("promoted", "Dev"),
        ("under_review", "Ana"),
    ]
    entry = AuditEntry.objects.get(action="returned_to_pending")
    assert (entry.delegate_id, entry.reason) == (queue[0].pk, "Delegation list under review")


def test_approve_button_on_the_change_page(organizer_client, open_session, queue):
    url = reverse("admin:registrations_delegate_approve", args=[queue[0].pk])

    refused_get = organizer_client.get(url)
    response = organizer_client.post(url)

    assert refused_get.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == change_url(queue[0])
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.APPROVED
    assert seats(open_session)["confirmed"] == ["Ana"]
    page = organizer_client.get(change_url(queue[0]))
    assert url not in page.text  # approved: no approve button any more


def test_reject_button_on_the_change_page_asks_then_rejects(organizer_client, open_session, queue):
    url = reverse("admin:registrations_delegate_reject", args=[queue[0].pk])

    confirmation = organizer_client.get(url)
    assert confirmation.status_code == 200
    assert [d.given_name for d in confirmation.context["delegates"]] == ["Ana"]
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.PENDING

    response = organizer_client.post(url, {"reason": "Not eligible"})

    assert response.status_code == 302
    assert Delegate.objects.get(pk=queue[0].pk).status == DelegateStatus.REJECTED
    assert OutboundEmail.objects.get(delegate=queue[0]).context == {"reason": "Not eligible"}


def test_decision_buttons_on_unknown_delegate_give_404(organizer_client, db):
    assert organizer_client.post(reverse("admin:registrations_delegate_approve", args=[999999])).status_code == 404
    assert organizer_client.get(reverse("admin:registrations_delegate_reject", args=[999999])).status_code == 404


def test_organizer_changing_stakeholder_type_cancels_government_only_seats(
    organizer_client, event, government_session, open_session
):
    gia, hal = (DelegateFactory(event=event, government=True, given_name=n) for n in ["Gia", "Hal"])
    ivo = DelegateFactory(event=event, government=True, given_name="Ivo")
    for delegate in (gia, hal, ivo):
        ask(delegate, government_session)
    ask(gia, open_session)
    services.approve_delegates(delegate_ids=[gia.pk, hal.pk, ivo.pk], actor=services.Actor.system())
    OutboundEmail.objects.all().delete()
    page = organizer_client.get(change_url(gia))
    data = {**form_data(page), "stakeholder_type": StakeholderType.ACADEMIA, "institute": "", "organization": "Uni"}

    response = organizer_client.post(change_url(gia), data)

    assert response.status_code == 302
    assert seats(government_session) == {"cancelled": ["Gia"], "confirmed": ["Hal", "Ivo"]}
    assert seats(open_session) == {"confirmed": ["Gia"]}
    assert SessionRegistration.objects.get(delegate=gia, session=government_session).cancel_reason == (
        CancelReason.INELIGIBLE
    )
    assert sorted(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [
        ("promoted", "Ivo"),
        ("seats_cancelled", "Gia"),
    ]
    assert any("1 government-only seat cancelled" in m for m in message_texts(response))


def test_organizer_cannot_move_an_approved_delegate_to_an_institute_over_its_quota(organizer_client, event):
    japan = institute("JP")
    japan.delegate_quota = 1
    japan.save()
    DelegateFactory(event=event, government=True, institute=japan, status=DelegateStatus.APPROVED)
    moving = DelegateFactory(event=event, government=True, status=DelegateStatus.APPROVED, given_name="Mo")
    data = {**form_data(organizer_client.get(change_url(moving))), "institute": str(japan.pk)}

    response = organizer_client.post(change_url(moving), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["institute"] == [
        f"{japan} has reached its quota of 1 approved delegates for {event.name}; "
        f"{moving.full_name} cannot join it while approved."
    ]
    moving.refresh_from_db()
    assert moving.institute.iso_code == "GB"


def test_superuser_deleting_a_delegate_frees_the_seat_for_the_waitlist(client, event, open_session):
    client.force_login(UserFactory(username="root", is_superuser=True))
    open_session.capacity = 1
    open_session.save()
    holder, waiting = DelegateFactory(event=event, given_name="Holder"), DelegateFactory(event=event, given_name="Next")
    ask(holder, open_session)
    ask(waiting, open_session)
    services.approve_delegates(delegate_ids=[holder.pk, waiting.pk], actor=services.Actor.system())
    assert seats(open_session) == {"confirmed": ["Holder"], "waitlisted": ["Next"]}

    response = client.post(reverse("admin:registrations_delegate_delete", args=[holder.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Delegate.objects.filter(pk=holder.pk).exists()
    assert seats(open_session) == {"confirmed": ["Next"]}
    erased = AuditEntry.objects.get(action="erased")
    assert (erased.actor_name, erased.details["delegates"]) == ("root", 1)
    assert OutboundEmail.objects.filter(kind="promoted", delegate=waiting).count() == 1


# --------------------------------------------------------------------------- filters


@pytest.fixture
def mixed(event, government_session, open_session):
    ana = DelegateFactory(event=event, given_name="Ana")
    gia = DelegateFactory(event=event, government=True, given_name="Gia")
    una = DelegateFactory(
        event=event, government=True, given_name="Una", email="una@gov.uk.example.com", email_domain_verified=False
    )
    ivy = DelegateFactory(event=event, stakeholder_type=StakeholderType.INDUSTRY, organization="Lab", given_name="Ivy")
    ask(ana, open_session)
    ask(gia, government_session)
    ask(una, open_session)
    ask(una, government_session)
    services.approve_delegates(delegate_ids=[gia.pk], actor=services.Actor.system())
    services.reject_delegates(delegate_ids=[ivy.pk], actor=services.Actor.system())
    return {"gov": government_session, "open": open_session}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=pending", ["Ana", "Una"]),
        ("status__exact=approved", ["Gia"]),
        ("stakeholder_type__exact=government", ["Gia", "Una"]),
        ("stakeholder_type__exact=academia", ["Ana"]),
        ("domain=unverified", ["Una"]),
        ("tier=government_only", ["Gia", "Una"]),
        ("tier=open", ["Ana", "Una"]),
        ("stakeholder_type__exact=academia&status__exact=pending", ["Ana"]),
        ("q=Ivy", ["Ivy"]),
    ],
)
def test_delegate_filters(organizer_client, mixed, query, expected):
    response = organizer_client.get(f"{CHANGELIST}?{query}")

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Korea", ["Jin"]),  # the member, "Republic of Korea", and the institute's name
        ("United Kingdom", ["Gia", "Una"]),  # the member only: the institute is "AI Safety Institute"
        ("Korea AI Safety", ["Jin"]),  # every word must match somewhere
        ("AI Safety Institute", ["Gia", "Jin", "Una"]),
    ],
)
def test_delegate_search_finds_institutes_by_name_and_member(organizer_client, event, mixed, query, expected):
    DelegateFactory(event=event, government=True, institute=institute("KR"), email="jin@msit.go.kr", given_name="Jin")

    response = organizer_client.get(CHANGELIST, {"q": query})

    assert response.status_code == 200
    assert names(response) == expected


def test_session_filter(organizer_client, mixed):
    response = organizer_client.get(f"{CHANGELIST}?session={mixed['gov'].pk}")

    assert names(response) == ["Gia", "Una"]


def test_session_filter_ignores_cancelled_registrations(organizer_client, mixed):
    """Ivy was rejected: her (cancelled) request no longer counts for a session filter."""
    ivy = Delegate.objects.get(given_name="Ivy")
    SessionRegistration.objects.create(delegate=ivy, session=mixed["open"], status=SeatStatus.CANCELLED)

    response = organizer_client.get(f"{CHANGELIST}?session={mixed['open'].pk}")

    assert names(response) == ["Ana", "Una"]


# --------------------------------------------------------------------------- sessions


@pytest.fixture
def full_session(event, open_session, queue):
    services.approve_delegates(delegate_ids=[d.pk for d in queue], actor=services.Actor.system())
    OutboundEmail.objects.all().delete()
    return open_session


@pytest.mark.parametrize(
    ("capacity", "error"),
    [
        ("2", "“Risk assessment science” already has 3 confirmed seats; capacity cannot go below that."),
        ("0", "A session needs at least one seat."),
        ("-4", "A session needs at least one seat."),
        ("many", "Enter a whole number."),
    ],
)
def test_session_capacity_below_confirmed_or_below_one_is_a_form_error(organizer_client, full_session, capacity, error):
    data = {**form_data(organizer_client.get(change_url(full_session))), "capacity": capacity}

    response = organizer_client.post(change_url(full_session), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"capacity": [error]}
    assert Session.objects.get(pk=full_session.pk).capacity == 3
    assert AuditEntry.objects.filter(action="capacity_changed").count() == 0


def test_raising_session_capacity_promotes_the_waitlist(organizer_client, full_session):
    data = {**form_data(organizer_client.get(change_url(full_session))), "capacity": "5"}

    response = organizer_client.post(change_url(full_session), data)

    assert response.status_code == 302
    assert Session.objects.get(pk=full_session.pk).capacity == 5
    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Chloe", "Dev"]}
    assert list(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [("promoted", "Dev")]
    assert list(
        AuditEntry.objects.filter(action="capacity_changed").values_list("actor_name", "from_status", "to_status")
    ) == [("organizer", "3", "5")]
    assert "1 delegate promoted from the waitlist." in message_texts(response)


def test_session_changelist_shows_confirmed_waitlisted_and_seats_left(organizer_client, full_session):
    SessionFactory(event=full_session.event, title="Empty room", capacity=7)

    response = organizer_client.get(reverse("admin:registrations_session_changelist"))

    rows = {
        s.title: (s.capacity, s.confirmed_count, s.waitlisted_count, s.seats_left)
        for s in response.context["cl"].result_list
    }
    assert rows == {"Risk assessment science": (3, 3, 1, 0), "Empty room": (7, 0, 0, 7)}


def test_session_changelist_queries_do_not_grow_per_row(organizer_client, event):
    SessionFactory(event=event)
    url = reverse("admin:registrations_session_changelist")
    organizer_client.get(url)
    with CaptureQueriesContext(connection) as one:
        organizer_client.get(url)
    SessionFactory.create_batch(20, event=event)
    with CaptureQueriesContext(connection) as many:
        organizer_client.get(url)

    assert len(many) == len(one)


def test_session_page_lists_confirmed_and_waitlisted_delegates(organizer_client, full_session):
    ivy = DelegateFactory(event=full_session.event, given_name="Ivy")
    SessionRegistration.objects.create(delegate=ivy, session=full_session, status=SeatStatus.CANCELLED)

    response = organizer_client.get(change_url(full_session))

    (inline,) = response.context["inline_admin_formsets"]
    rows = [(f.original.delegate.given_name, f.original.status, f.original.position) for f in inline]
    assert rows == [
        ("Ana", SeatStatus.CONFIRMED, 1),
        ("Ben", SeatStatus.CONFIRMED, 1),
        ("Chloe", SeatStatus.CONFIRMED, 1),
        ("Dev", SeatStatus.WAITLISTED, 1),
    ]


# --------------------------------------------------------------------------- scale


def bulk_delegates(event, count: int, start: int = 0, sessions=()) -> list[Delegate]:
    delegates = Delegate.objects.bulk_create(
        [
            Delegate(
                event=event,
                given_name=f"Bulk{start + i}",
                family_name="Delegate",
                email=f"bulk{start + i}@example.org",
                email_key=f"bulk{start + i}@example.org",
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="University of Testing",
                consent_data_processing=True,
            )
            for i in range(count)
        ],
        batch_size=500,
    )
    if connection.vendor != "postgresql":  # SQLite does not return ids from bulk_create on old versions
        delegates = list(Delegate.objects.filter(email__startswith="bulk").order_by("pk")[start : start + count])
    SessionRegistration.objects.bulk_create(
        [SessionRegistration(delegate=d, session=s) for d in delegates for s in sessions], batch_size=500
    )
    return delegates


def insert_batches(model, rows: int, batch_size: int = 500) -> int:
    """How many INSERT statements bulk_create(batch_size=...) needs for `rows` rows on this database."""
    if rows == 0:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = min(batch_size, max(connection.ops.bulk_batch_size(fields, [None] * rows), 1))
    return -(-rows // size)


def test_delegate_changelist_uses_the_same_queries_at_10_and_1000_delegates(organizer_client, event, open_session):
    bulk_delegates(event, 10, sessions=[open_session])
    organizer_client.get(CHANGELIST)  # warm caches (content types, permissions of the session)
    with CaptureQueriesContext(connection) as ten:
        small = organizer_client.get(CHANGELIST)
    bulk_delegates(event, 990, start=10, sessions=[open_session])
    with CaptureQueriesContext(connection) as thousand:
        large = organizer_client.get(CHANGELIST)

    assert (small.context["cl"].result_count, large.context["cl"].result_count) == (10, 1000)
    assert len(large.context["cl"].result_list) == 100
    assert len(thousand) == len(ten)


def approve_through_the_admin(client, delegates):
    """ "Select all" across the pages of pending delegates, as an organizer does, then approve on the
    confirmation page. Counts the queries of that confirmed approval."""
    url = CHANGELIST + "?status__exact=pending"
    confirmation = client.post(
        url,
        {
            "action": "approve_selected",
            "index": "0",
            "select_across": "1",
            "_selected_action": [d.pk for d in delegates[:100]],
        },
    )
    assert confirmation.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, page_form(confirmation))
    assert response.status_code == 302
    inserts = sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT"))
    return len(queries), inserts


def test_bulk_approval_of_1000_delegates_uses_a_constant_number_of_queries(
    organizer_client, event, mailoutbox, django_capture_on_commit_callbacks
):
    small_room = SessionFactory(event=event, capacity=5)
    big_room = SessionFactory(event=event, capacity=5000)
    rooms = [small_room, big_room]
    organizer_client.get(CHANGELIST)  # warm caches
    ten = bulk_delegates(event, 10, sessions=rooms)
    few_queries, few_inserts = approve_through_the_admin(organizer_client, ten)
    thousand = bulk_delegates(event, 1000, start=10, sessions=rooms)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        many_queries, many_inserts = approve_through_the_admin(organizer_client, thousand)

    assert Delegate.objects.filter(status=DelegateStatus.APPROVED).count() == 1010
    assert seats_count(small_room) == {SeatStatus.CONFIRMED: 5, SeatStatus.WAITLISTED: 1005}
    assert seats_count(big_room) == {SeatStatus.CONFIRMED: 1010}

    # Only the INSERT batches of bulk_create grow (audit entries: one per decision and per seat; emails).
    def expected_inserts(n):
        return insert_batches(AuditEntry, n) + insert_batches(AuditEntry, 2 * n) + insert_batches(OutboundEmail, n)

    assert (few_inserts, many_inserts) == (expected_inserts(10), expected_inserts(1000))
    assert many_queries - many_inserts == few_queries - few_inserts
    assert many_queries - many_inserts <= 30

    # No email inline: 1,000 messages wait in the outbox for the worker (the one callback after commit
    # makes the seats snapshot stale).
    assert (callbacks, mailoutbox) == ([current.renew_generation], [])
    assert OutboundEmail.objects.filter(delegate__in=thousand, kind="approved", status=EmailStatus.PENDING).count() == (
        1000
    )


def seats_count(session) -> dict[str, int]:
    rows = SessionRegistration.objects.filter(session=session).values_list("status").order_by()
    counts: dict[str, int] = {}
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_user_model_is_the_default(db):
    assert get_user_model()._meta.label == "auth.User"


def test_access_tier_choices_are_filters(organizer_client, db):
    response = organizer_client.get(CHANGELIST)

    assert [str(label) for _value, label in AccessTier.choices] == ["Government only", "Open"]
    assert "?tier=government_only" in response.text


def hidden_inputs(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def page_form(response) -> dict[str, list[str]]:
    """The hidden fields of the confirmation page, as the browser would send them back."""
    form: dict[str, list[str]] = {}
    for name, value in hidden_inputs(response.text):
        form.setdefault(name, []).append(value)
    return form


def test_reject_action_for_1000_delegates_selected_across_pages(organizer_client, event, open_session):
    delegates = bulk_delegates(event, 1000, sessions=[open_session])
    url = CHANGELIST + "?status__exact=pending"
    first = organizer_client.post(
        url,
        {
            "action": "reject_selected",
            "index": "0",
            "select_across": "1",
            "_selected_action": [d.pk for d in delegates[:100]],
        },
    )
    assert first.status_code == 200
    assert len(first.context["delegates"]) == 1000
    form = page_form(first)
    DelegateFactory(event=event, given_name="Late")  # pending, but not on the page the organizer confirmed

    confirmed = organizer_client.post(url, {**form, "reason": "The event is full"})

    assert confirmed.status_code == 302
    # They held requests only: no seat went anywhere.
    assert message_texts(confirmed) == ["Rejected 1000 delegates."]
    assert Delegate.objects.filter(status=DelegateStatus.REJECTED).count() == 1000
    assert Delegate.objects.get(given_name="Late").status == DelegateStatus.PENDING
    assert OutboundEmail.objects.filter(kind="rejected", context={"reason": "The event is full"}).count() == 1000


def test_making_a_session_government_only_and_raising_capacity_tells_every_cancelled_delegate(
    organizer_client, event, open_session
):
    """Both changes in one save: each non-government delegate, waitlisted ones too, is told of the cancellation."""
    Session.objects.filter(pk=open_session.pk).update(capacity=1)
    ana, ben = (DelegateFactory(event=event, given_name=n) for n in ["Ana", "Ben"])
    gia = DelegateFactory(event=event, government=True, given_name="Gia")
    for delegate in (ana, ben, gia):
        ask(delegate, open_session)
    services.approve_delegates(delegate_ids=[ana.pk, ben.pk, gia.pk], actor=services.Actor.system())
    OutboundEmail.objects.all().delete()
    data = form_data(organizer_client.get(change_url(open_session)))

    response = organizer_client.post(
        change_url(open_session), {**data, "access_tier": AccessTier.GOVERNMENT_ONLY, "capacity": "2"}
    )

    assert response.status_code == 302
    assert seats(open_session) == {"cancelled": ["Ana", "Ben"], "confirmed": ["Gia"]}
    assert sorted(OutboundEmail.objects.values_list("kind", "delegate__given_name")) == [
        ("promoted", "Gia"),
        ("seats_cancelled", "Ana"),
        ("seats_cancelled", "Ben"),
    ]
    assert Session.objects.get(pk=open_session.pk).capacity == 2


def test_the_audit_trail_link_on_a_delegate_page_lists_that_delegates_changes(organizer_client, queue):
    services.approve_delegates(delegate_ids=[queue[0].pk, queue[1].pk], actor=services.Actor.system())
    page = organizer_client.get(change_url(queue[0]))
    link = reverse("admin:registrations_auditentry_changelist") + f"?delegate__id__exact={queue[0].pk}"
    assert link in page.text

    trail = organizer_client.get(link)

    assert trail.status_code == 200
    assert sorted((e.action, e.from_status, e.to_status) for e in trail.context["cl"].result_list) == [
        ("approved", "pending", "approved"),
        ("seat_confirmed", "requested", "confirmed"),
    ]


def test_organizer_changing_the_email_rechecks_the_official_domain(organizer_client, event):
    delegate = DelegateFactory(event=event, government=True, email="ops@dsit.gov.uk")
    data = {**form_data(organizer_client.get(change_url(delegate))), "email": "ops@gmail.example"}
    assert organizer_client.post(change_url(delegate), data).status_code == 302
    delegate.refresh_from_db()
    assert (delegate.email, delegate.email_domain_verified) == ("ops@gmail.example", False)


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "1,2"])
def test_crafted_session_filter_values_are_not_a_500(organizer_client, event, value):
    response = organizer_client.get(CHANGELIST, {"session": value})
    assert response.status_code in (200, 302)


def test_the_event_of_a_delegate_or_session_cannot_be_changed(organizer_client, superuser_client, event, open_session):
    delegate = DelegateFactory(event=event)
    page = organizer_client.get(change_url(delegate))
    assert "event" not in page.context["adminform"].form.fields
    assert "event" not in superuser_client.get(change_url(open_session)).context["adminform"].form.fields


def test_admin_shows_and_takes_session_times_in_the_venue_time_zone(superuser_client, event, open_session):
    page = superuser_client.get(change_url(open_session))
    local = open_session.starts_at.astimezone(event.tz)
    assert "Times in America/Los_Angeles (venue time)" in page.text
    assert f'name="starts_at_1" value="{local:%H:%M:%S}"' in page.text
    with timezone.override(event.tz):  # the values the page shows, as a browser would send them back
        data = form_data(page)

    data.update(starts_at_1="15:00:00", ends_at_1="16:30:00")
    assert superuser_client.post(change_url(open_session), data).status_code == 302

    open_session.refresh_from_db()
    assert f"{open_session.starts_at.astimezone(event.tz):%H:%M}" == "15:00"
    changed = AuditEntry.objects.get(action="session_changed")
    assert sorted(changed.details["fields"]) == ["ends_at", "starts_at"]


def test_a_session_of_another_venue_is_edited_in_its_own_time_zone(superuser_client, event):
    paris = EventFactory(
        slug="paris",
        time_zone="Europe/Paris",
        starts_on=event.starts_on.replace(year=event.starts_on.year + 1),
        ends_on=event.ends_on.replace(year=event.ends_on.year + 1),
    )
    session = SessionFactory(event=paris)
    page = superuser_client.get(change_url(session))
    assert "Times in Europe/Paris (venue time)" in page.text
    assert f'name="starts_at_1" value="{session.starts_at.astimezone(paris.tz):%H:%M:%S}"' in page.text


def test_the_approval_confirmation_says_who_will_be_skipped_and_why_before_confirming(organizer_client, db):
    required = EventFactory(endorsement_required=True, slug="needs-endorsement")
    awaiting = [
        DelegateFactory(event=required, government=True, given_name=name, family_name="Official") for name in "AB"
    ]
    guest = DelegateFactory(event=required, government=False, given_name="Cy", family_name="Guest")

    confirmation = act(organizer_client, "approve_selected", [*awaiting, guest])

    assert [d.pk for d in confirmation.context["delegates"]] == [guest.pk]
    assert [d.pk for d, _reason in confirmation.context["skipped"]] == [d.pk for d in awaiting]
    assert [reason for _d, reason in confirmation.context["skipped"]] == [
        rules.endorsement_refusal(d) for d in awaiting
    ]
    assert "1 delegate will be approved." in confirmation.text
    assert "2 selected delegates will not be approved" in confirmation.text
    assert 'value="Yes, approve 1 delegate"' in confirmation.text

    nobody = act(organizer_client, "approve_selected", awaiting)
    assert nobody.context["delegates"] == []
    assert "Yes, approve" not in nobody.text


# --------------------------------------------------------------------------- one venue time in the admin


def test_the_delegate_lists_date_filter_days_and_rows_are_all_in_venue_time(organizer_client, event, open_session):
    late = datetime(2026, 12, 7, 2, 44, tzinfo=UTC)  # Sunday 6 December, 18:44 in San Francisco
    delegate = DelegateFactory(event=event)
    Delegate.objects.filter(pk=delegate.pk).update(created_at=late)
    seat = SessionRegistrationFactory(delegate=delegate, session=open_session)
    SessionRegistration.objects.filter(pk=seat.pk).update(requested_at=late)
    changelist = reverse("admin:registrations_delegate_changelist")

    by_month = organizer_client.get(f"{changelist}?created_at__year=2026&created_at__month=12").content.decode()
    assert "created_at__day=6" in by_month and "created_at__day=7" not in by_month
    assert "Sun 06 Dec 2026 18:44 PST" in by_month
    page = organizer_client.get(reverse("admin:registrations_delegate_change", args=[delegate.pk])).content.decode()
    assert "Sun 06 Dec 2026 18:44 PST" in page  # the session table, as the list writes it
    assert "p.m." not in page


def test_the_french_dashboard_writes_months_in_lower_case(organizer_client, event):
    DelegateFactory(event=event)
    organizer_client.cookies["django_language"] = "fr"
    page = organizer_client.get(reverse("admin:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    months = ("Jan", "Fév", "Mar", "Avr", "Mai", "Juin", "Juil", "Aoû", "Sep", "Oct", "Nov", "Déc")
    assert not any(f" {m} " in page or f" {m}<" in page for m in months)
