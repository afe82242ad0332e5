"""Invitations in the organizers' admin: create, edit, send, resend, remind, revoke, filters, the
funnel, the import (CSV and XLSX, a preview, all rows or none) and the reminders command."""

import csv as csv_module
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registrations import queries
from registrations.models import (
    AccessTier,
    AuditAction,
    AuditEntry,
    DelegateStatus,
    EmailKind,
    Invitation,
    InvitationKind,
    InvitationStatus,
    OutboundEmail,
    SeatStatus,
)
from registrations.outputs import emails
from registrations.queries import links
from registrations.services import invitation_import, invitations
from tests.factories import DelegateFactory, EventFactory, InvitationFactory, SessionFactory, SessionRegistrationFactory
from tests.inline_code import inline_code

CHANGELIST = reverse("admin:registrations_invitation_changelist")
ADD = reverse("admin:registrations_invitation_add")
IMPORT = reverse("admin:registrations_invitation_import")
FUNNEL = reverse("admin:registrations_invitation_funnel")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def add_data(event, sessions, **overrides):
    data = {
        "event": event.pk,
        "kind": InvitationKind.PERSONAL,
        "email": "grace@compilers.example",
        "email_domains": "",
        "max_uses": 1,
        "name": "Grace Hopper",
        "organization": "Compilers Ltd",
        "stakeholder_type": "industry",
        "language": "en",
        "sessions": [s.pk for s in sessions],
        "pre_approved": "on",
        "expires_at_0": (timezone.now() + timedelta(days=10)).strftime("%Y-%m-%d"),
        "expires_at_1": "12:00:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def act(client, action, invitations_):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [i.pk for i in invitations_]}, follow=True)


# --------------------------------------------------------------------------- create and edit


def test_organizer_creates_an_invitation_audited_as_a_draft(organizer_client, event, open_session, organizer_user):
    response = organizer_client.post(ADD, add_data(event, [open_session]))
    assert response.status_code == 302, response.content.decode()[:3000]
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.created_by, list(invitation.sessions.all())) == (
        InvitationStatus.DRAFT,
        organizer_user,
        [open_session],
    )
    entry = AuditEntry.objects.get(action=AuditAction.INVITATION_CREATED)
    assert (entry.invitation, entry.actor_user, entry.details["sessions"]) == (
        invitation,
        organizer_user,
        [open_session.pk],
    )


def test_saving_says_the_draft_is_not_sent_and_save_and_send_sends_it(organizer_client, event, open_session):
    saved = organizer_client.post(ADD, add_data(event, [open_session]), follow=True)
    said = [str(m) for m in get_messages(saved.wsgi_request)]
    assert any("Saved as a draft: nobody has been emailed" in m for m in said), said
    assert not OutboundEmail.objects.exists()

    sent = organizer_client.post(ADD, {**add_data(event, [open_session]), "email": "second@x.example", "_send": "1"})

    assert sent.status_code == 302
    second = Invitation.objects.get(email="second@x.example")
    assert second.status == InvitationStatus.SENT
    assert OutboundEmail.objects.filter(invitation=second, kind=EmailKind.INVITATION).count() == 1
    assert "Save and send" in organizer_client.get(ADD).content.decode()


def test_the_expiry_typed_in_the_add_form_is_venue_time(organizer_client, event, open_session):
    day = (timezone.now() + timedelta(days=10)).astimezone(event.tz).date()
    data = add_data(event, [open_session], expires_at_0=day.isoformat(), expires_at_1="23:59:00")

    response = organizer_client.post(ADD, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    expires = Invitation.objects.get().expires_at.astimezone(event.tz)
    assert (expires.date(), expires.strftime("%H:%M")) == (day, "23:59")


def test_the_expiry_typed_in_the_change_form_is_venue_time(organizer_client, event, open_session):
    invitation = InvitationFactory(event=event, sessions=[open_session])
    day = (timezone.now() + timedelta(days=12)).astimezone(event.tz).date()
    data = add_data(event, [open_session], email=invitation.email, expires_at_0=day.isoformat(), expires_at_1="23:59")
    data.pop("event")

    response = organizer_client.post(reverse("admin:registrations_invitation_change", args=[invitation.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    invitation.refresh_from_db()
    assert invitation.expires_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M") == f"{day.isoformat()} 23:59"


def test_the_add_form_preselects_the_event_and_its_registration_deadline_in_venue_time(organizer_client, event):
    later = EventFactory(
        slug="later-convening", starts_on=event.starts_on + timedelta(days=200), time_zone="Asia/Tokyo"
    )
    for url, chosen in [(ADD, event), (f"{ADD}?event={later.pk}", later)]:
        response = organizer_client.get(url)

        assert response.status_code == 200
        form = response.context["adminform"].form
        assert (form.initial["event"], form.initial["expires_at"]) == (chosen.pk, chosen.registration_closes_at)
        deadline = chosen.registration_closes_at.astimezone(chosen.tz)
        html = response.content.decode()
        assert f'name="expires_at_0" value="{deadline:%Y-%m-%d}"' in html
        assert f'name="expires_at_1" value="{deadline:%H:%M:%S}"' in html


def test_the_add_form_refuses_a_government_only_session(organizer_client, event, government_session):
    response = organizer_client.post(ADD, add_data(event, [government_session]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_the_add_form_refuses_seats_it_cannot_hold(organizer_client, event, open_session):
    taken = DelegateFactory.create_batch(3, event=event, status=DelegateStatus.APPROVED)
    for delegate in taken:
        SessionRegistrationFactory(delegate=delegate, session=open_session, status=SeatStatus.CONFIRMED)
    response = organizer_client.post(ADD, add_data(event, [open_session], holds_seats="on"))
    assert response.status_code == 200
    assert "has 0 seats left: the invitation cannot hold 1" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_the_add_form_refuses_a_second_personal_invitation_for_an_address(organizer_client, event, open_session):
    InvitationFactory(event=event, email="grace@compilers.example", sessions=[open_session])
    response = organizer_client.post(ADD, add_data(event, [open_session], email="Grace@Compilers.example"))
    assert response.status_code == 200
    assert "already has an invitation to this event" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_organizer_edits_an_invitation_audited_with_the_fields(organizer_client, event, open_session):
    other = SessionFactory(event=event, title="Another open session")
    invitation = InvitationFactory(event=event, sessions=[open_session])
    url = reverse("admin:registrations_invitation_change", args=[invitation.pk])
    data = add_data(event, [open_session, other], email=invitation.email, name="Ada King")
    data.pop("event")
    response = organizer_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    invitation.refresh_from_db()
    assert (invitation.name, sorted(invitation.sessions.values_list("pk", flat=True))) == (
        "Ada King",
        sorted([open_session.pk, other.pk]),
    )
    entry = AuditEntry.objects.get(action=AuditAction.INVITATION_CHANGED)
    assert set(entry.details["fields"]) >= {"name", "sessions"}


def test_a_used_invitation_cannot_stop_covering_a_session(event, open_session, organizer_actor):
    other = SessionFactory(event=event)
    invitation = InvitationFactory(event=event, sessions=[open_session, other], uses=1, status="registered")
    with pytest.raises(invitations.NotEligible, match="cannot stop covering"):
        invitations.update_invitation(invitation=invitation, changes={}, sessions=[other], actor=organizer_actor)


# --------------------------------------------------------------------------- send, resend, remind, revoke


def test_send_action_queues_an_email_with_sessions_expiry_and_both_links(
    organizer_client, event, open_session, mailoutbox
):
    invitation = InvitationFactory(event=event, status=InvitationStatus.DRAFT, sent_at=None, sessions=[open_session])
    response = act(organizer_client, "send_selected", [invitation])
    assert messages_of(response) == ["1 invitation queued for sending."]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at is not None) == (InvitationStatus.SENT, True)
    email = OutboundEmail.objects.get()
    assert (email.kind, email.invitation, email.delegate) == (EmailKind.INVITATION, invitation, None)
    assert emails.deliver() == (1, 0)
    (message,) = mailoutbox
    body = message.body
    assert message.to == [invitation.email]
    assert open_session.title in body and open_session.room in body and event.venue in body
    assert links.invitation_url(invitation) in body
    assert links.invitation_decline_url(invitation) in body
    assert "expires on" in body


def test_resend_is_audited_as_again(organizer_client, event, open_session):
    invitation = InvitationFactory(event=event, sessions=[open_session])
    act(organizer_client, "send_selected", [invitation])
    entry = AuditEntry.objects.get(action=AuditAction.INVITATION_SENT)
    assert (entry.from_status, entry.to_status, entry.details["again"]) == ("sent", "sent", True)


def test_send_refuses_a_revoked_invitation(organizer_client, event, open_session):
    invitation = InvitationFactory(event=event, status=InvitationStatus.REVOKED, sessions=[open_session])
    response = act(organizer_client, "send_selected", [invitation])
    assert any("withdrawn by the organizers" in m for m in messages_of(response))
    assert OutboundEmail.objects.count() == 0


def test_revoke_action_asks_first_and_then_stops_the_link(organizer_client, client, event, open_session):
    invitation = InvitationFactory(event=event, name="Alan Turing", sessions=[open_session])
    asked = act(organizer_client, "revoke_selected", [invitation])
    invitation.refresh_from_db()
    assert (asked.status_code, invitation.status) == (200, InvitationStatus.SENT)
    assert asked.templates[0].name == "admin/registrations/invitation/revoke_confirmation.html"
    html = asked.content.decode()
    assert "1 invitation will be revoked" in html and "Alan Turing" in html
    assert 'value="Yes, revoke 1 invitation"' in html

    response = organizer_client.post(
        CHANGELIST,
        {"action": "revoke_selected", "_selected_action": [invitation.pk], "confirm": "yes"},
        follow=True,
    )

    assert messages_of(response) == ["1 invitation revoked; its link no longer works."]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert AuditEntry.objects.filter(action=AuditAction.INVITATION_REVOKED, invitation=invitation).count() == 1
    organizer_client.logout()
    assert client.get(reverse("registrations:invitation", args=[links.invitation_token(invitation)])).status_code == 410


def test_remind_action_queues_a_reminder(organizer_client, event, open_session):
    invitation = InvitationFactory(event=event, sessions=[open_session])
    response = act(organizer_client, "remind_selected", [invitation])
    assert messages_of(response) == ["1 reminder queued for sending."]
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == [EmailKind.INVITATION_REMINDER]
    invitation.refresh_from_db()
    assert invitation.last_reminder_at is not None


def test_reminders_command_is_idempotent_and_expires_past_invitations(event, open_session, mailoutbox):
    now = timezone.now()
    soon = InvitationFactory(event=event, expires_at=now + timedelta(days=2), sessions=[open_session])
    InvitationFactory(event=event, expires_at=now + timedelta(days=20), sessions=[open_session])
    InvitationFactory(event=event, expires_at=now + timedelta(days=1), status="draft", sessions=[open_session])
    small = SessionFactory(event=event, capacity=1)
    past = InvitationFactory(
        event=event, expires_at=now - timedelta(hours=1), holds_seats=True, status="opened", sessions=[small]
    )
    waiting = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=waiting, session=small, status=SeatStatus.WAITLISTED)

    call_command("send_invitation_reminders", stdout=io.StringIO())
    call_command("send_invitation_reminders", stdout=io.StringIO())

    reminders = OutboundEmail.objects.filter(kind=EmailKind.INVITATION_REMINDER)
    assert list(reminders.values_list("invitation", flat=True)) == [soon.pk]
    past.refresh_from_db()
    assert past.status == InvitationStatus.EXPIRED
    assert AuditEntry.objects.filter(action=AuditAction.INVITATION_EXPIRED).count() == 1
    assert waiting.session_registrations.get().status == SeatStatus.CONFIRMED
    emails.deliver()
    assert "expires soon" in mailoutbox[-1].subject or "expires soon" in mailoutbox[0].subject


# --------------------------------------------------------------------------- list, filters, funnel


def test_changelist_filters_by_status_and_session(organizer_client, event, open_session):
    other = SessionFactory(event=event)
    a = InvitationFactory(event=event, name="Alpha Person", sessions=[open_session])
    InvitationFactory(event=event, name="Beta Person", sessions=[other])
    InvitationFactory(event=event, name="Gamma Person", status=InvitationStatus.DECLINED, sessions=[open_session])
    html = organizer_client.get(CHANGELIST, {"status__exact": "sent", "session": open_session.pk}).content.decode()
    assert "Alpha Person" in html and "Beta Person" not in html and "Gamma Person" not in html
    declined = organizer_client.get(CHANGELIST, {"status__exact": "declined"}).content.decode()
    assert "Gamma Person" in declined and a.name not in declined


@pytest.mark.parametrize("n", [1, 3])
def test_changelist_queries_do_not_grow_with_rows(
    organizer_client, event, open_session, n, django_assert_max_num_queries
):
    for _ in range(n):
        InvitationFactory(event=event, sessions=[open_session])
    with django_assert_max_num_queries(12):
        assert organizer_client.get(CHANGELIST).status_code == 200


def test_funnel_counts_per_session_and_in_total(organizer_client, event, open_session):
    other = SessionFactory(event=event, title="Second open session")
    now = timezone.now()
    InvitationFactory(event=event, status="draft", sent_at=None, sessions=[open_session])
    InvitationFactory(event=event, sessions=[open_session, other])
    InvitationFactory(event=event, status="opened", opened_at=now, sessions=[open_session])
    InvitationFactory(event=event, status="registered", opened_at=now, uses=1, sessions=[other])
    InvitationFactory(event=event, status="declined", declined_at=now, sessions=[open_session])
    InvitationFactory(event=event, expires_at=now - timedelta(minutes=5), sessions=[other])

    per_session, total = queries.invitation_funnel(event)
    rows = {
        r["session__title"]: (r["invited"], r["sent"], r["opened"], r["registered"], r["declined"], r["expired"])
        for r in per_session
    }
    assert rows == {open_session.title: (4, 3, 1, 0, 1, 0), other.title: (3, 3, 1, 1, 0, 1)}
    assert (
        total["invited"],
        total["sent"],
        total["opened"],
        total["registered"],
        total["declined"],
        total["expired"],
    ) == (
        6,
        5,
        2,
        1,
        1,
        1,
    )
    html = organizer_client.get(FUNNEL, {"event": event.pk}).content.decode()
    assert "Second open session" in html and "All invitations" in html


def test_the_funnel_counts_nominees_apart_from_guests(event, open_session):
    InvitationFactory(event=event, status="registered", uses=1, sessions=[open_session])
    InvitationFactory(
        event=event,
        status="registered",
        uses=1,
        stakeholder_type="government",
        organization="",
        sessions=[open_session],
    )

    _per_session, total = queries.invitation_funnel(event)

    assert (total["registered"], total["guests"], total["nominees"]) == (2, 1, 1)


def test_a_new_invitation_waits_for_review_unless_the_organizer_ticks_pre_approved(organizer_client, event):
    form = organizer_client.get(reverse("admin:registrations_invitation_add")).context["adminform"].form

    assert form.initial.get("pre_approved", form.fields["pre_approved"].initial) is False


@pytest.mark.parametrize("holds_seats", [True, False])
def test_the_invitation_email_promises_seats_to_others_only_when_it_holds_some(event, open_session, holds_seats):
    invitation = InvitationFactory(event=event, holds_seats=holds_seats, sessions=[open_session])
    email = OutboundEmail.objects.create(invitation=invitation, kind=EmailKind.INVITATION, context={})

    message = emails.render(email)

    said = "seats then go to others" in message.body
    assert said is holds_seats
    assert ("seats go to others" in message.alternatives[0][0]) is holds_seats


# --------------------------------------------------------------------------- import


def csv_file(rows, header="email,name,organization,stakeholder type,sessions,expiry,pre-approved"):
    content = "\n".join([header, *rows]).encode()
    upload = io.BytesIO(content)
    upload.name = "invitees.csv"
    return upload


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Name", "Organization", "Stakeholder type", "Sessions", "Expiry", "Pre-approved"])
    for row in rows:
        sheet.append(row)
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "invitees.xlsx"
    return upload


def test_import_preview_lists_every_rows_errors_and_imports_nothing(
    organizer_client, event, open_session, government_session
):
    InvitationFactory(event=event, email="taken@x.example", sessions=[open_session])
    DelegateFactory(event=event, email="registered@x.example")
    rows = [
        f"ok@x.example,Ok Person,Org,academia,{open_session.title},,yes",
        "bad-address,Bad,Org,academia,Risk assessment science,,",
        "u@x.example,U,Org,industry,No such session,,",
        f"g@x.example,G,Org,industry,{government_session.title},,",
        "taken@x.example,T,Org,industry,Risk assessment science,,",
        "registered@x.example,R,Org,industry,Risk assessment science,,",
        "gov@x.example,Gov,Org,government,Risk assessment science,,",
        "ok@x.example,Again,Org,academia,Risk assessment science,2020-01-01,maybe",
    ]
    response = organizer_client.post(IMPORT, {"event": event.pk, "file": csv_file(rows)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "7 rows have errors" in html
    for text in (
        "“bad-address” is not an email address",
        "unknown session “No such session”",
        "is government-only",
        "taken@x.example already has an invitation",
        "registered@x.example is already registered",
        "not government",
        "the same address as line 2",
        "is in the past",
        "write yes or no",
    ):
        assert text in html, text
    assert 'name="payload"' not in html
    assert Invitation.objects.count() == 1


def test_import_csv_previews_then_imports_all_rows_as_drafts(organizer_client, event, open_session, organizer_user):
    other = SessionFactory(event=event, title="Second open session")
    rows = [
        f"a@x.example,A Person,Org A,academia,{open_session.title};{other.pk},2030-01-31,no",
        "b@x.example,B Person,Org B,Civil society,second open session,,",
    ]
    preview = organizer_client.post(IMPORT, {"event": event.pk, "file": csv_file(rows)})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "All 2 rows are ready" in html
    assert Invitation.objects.count() == 0
    payload = html.split('name="payload" value="')[1].split('"')[0]

    response = organizer_client.post(IMPORT, {"event": event.pk, "payload": payload})

    assert response.status_code == 302
    a, b = Invitation.objects.order_by("email")
    assert (a.status, a.pre_approved, a.created_by, sorted(a.sessions.values_list("pk", flat=True))) == (
        InvitationStatus.DRAFT,
        False,
        organizer_user,
        sorted([open_session.pk, other.pk]),
    )
    # Empty pre-approved: no, as a new invitation (an organizer reviews the guest).
    assert (b.stakeholder_type, b.pre_approved, b.expires_at) == ("civil_society", False, event.registration_closes_at)
    assert a.expires_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M") == "2030-01-31 23:59"
    assert AuditEntry.objects.filter(action=AuditAction.INVITATION_CREATED).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.INVITATIONS_IMPORTED).count() == 1


def test_import_accepts_the_labels_of_every_language_the_app_speaks(organizer_client, event, open_session):
    open_session.title_fr = "Science de l’évaluation des risques"
    open_session.save()
    rows = [
        "a@x.example,A,Org A,Société civile,Science de l’évaluation des risques,,non",
        "b@x.example,B,Org B,ＡＣＡＤＥＭＩＡ,SCIENCE DE L’ÉVALUATION DES RISQUES,,Oui",
        f"c@x.example,C,Org C,industrie,{open_session.title},,",
    ]
    preview = organizer_client.post(IMPORT, {"event": event.pk, "file": csv_file(rows)})
    html = preview.content.decode()
    assert preview.status_code == 200, html
    payload = html.split('name="payload" value="')[1].split('"')[0]

    organizer_client.post(IMPORT, {"event": event.pk, "payload": payload})

    found = {i.email: (i.stakeholder_type, i.pre_approved, list(i.sessions.all())) for i in Invitation.objects.all()}
    assert found == {
        "a@x.example": ("civil_society", False, [open_session]),
        "b@x.example": ("academia", True, [open_session]),
        "c@x.example": ("industry", False, [open_session]),  # empty: reviewed, as a new invitation
    }


def test_import_xlsx(organizer_client, event, open_session):
    upload = xlsx_file([["x@y.example", "X Y", "Org", "Industry", open_session.title, None, "yes"]])
    preview = organizer_client.post(IMPORT, {"event": event.pk, "file": upload})
    assert "All 1 rows are ready" in preview.content.decode() or "1 row is ready" in preview.content.decode()
    payload = preview.content.decode().split('name="payload" value="')[1].split('"')[0]
    organizer_client.post(IMPORT, {"event": event.pk, "payload": payload})
    assert Invitation.objects.get().email == "x@y.example"


def test_import_is_checked_again_at_import_time(organizer_client, event, open_session):
    preview = organizer_client.post(
        IMPORT, {"event": event.pk, "file": csv_file([f"late@x.example,L,Org,academia,{open_session.title},,"])}
    )
    payload = preview.content.decode().split('name="payload" value="')[1].split('"')[0]
    InvitationFactory(event=event, email="late@x.example", sessions=[open_session])
    response = organizer_client.post(IMPORT, {"event": event.pk, "payload": payload})
    assert response.status_code == 400
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\xff\xfe\x00garbage", "not in UTF-8"),
        (b"name,foo\nx,y", "missing: email, organization, stakeholder_type, sessions"),
        (b"PK\x03\x04broken", "cannot be read"),
    ],
)
def test_import_of_an_unreadable_file_says_why(organizer_client, event, content, message):
    upload = io.BytesIO(content)
    upload.name = "x.xlsx" if content.startswith(b"PK") else "x.csv"
    response = organizer_client.post(IMPORT, {"event": event.pk, "file": upload}, follow=True)
    assert response.status_code == 400
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert Invitation.objects.count() == 0


def test_a_forged_import_payload_is_refused(organizer_client, event):
    response = organizer_client.post(IMPORT, {"event": event.pk, "payload": "forged"})
    assert response.status_code == 400
    assert Invitation.objects.count() == 0


cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["academia", "industry", "government", "Risk assessment science", "2030-01-01", "yes", "no"]),
    st.emails().map(str),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=9), min_size=0, max_size=6), raw=st.binary(max_size=200))
def test_import_never_fails_with_a_500_and_writes_all_rows_or_none(organizer_client, event, open_session, rows, raw):
    before = Invitation.objects.count()

    text = io.StringIO()
    writer = csv_module.writer(text)
    writer.writerow(invitation_import.COLUMNS)
    writer.writerows(rows)
    for content in (text.getvalue().encode(), raw):
        upload = io.BytesIO(content)
        upload.name = "fuzz.csv"
        response = organizer_client.post(IMPORT, {"event": event.pk, "file": upload})
        assert response.status_code in (200, 400)
        html = response.content.decode()
        if 'name="payload" value="' in html:
            payload = html.split('name="payload" value="')[1].split('"')[0]
            done = organizer_client.post(IMPORT, {"event": event.pk, "payload": payload})
            assert done.status_code in (302, 400)
            created = Invitation.objects.count() - before
            assert created in (0, len([r for r in rows if any(str(c).strip() for c in r)]))
            before = Invitation.objects.count()
        else:
            assert Invitation.objects.count() == before


def test_government_only_sessions_are_never_offered_on_the_admin_form(organizer_client, event, open_session):
    gov = SessionFactory(event=event, title="Members only", access_tier=AccessTier.GOVERNMENT_ONLY)
    html = organizer_client.get(ADD).content.decode()
    assert open_session.title in html
    assert f'name="sessions" value="{open_session.pk}"' in html  # one checkbox per open session
    assert f'name="sessions" value="{gov.pk}"' not in html
    assert "Members only" not in html


# --------------------------------------------------------------------------- no inline code (CSP)


def test_invitation_pages_have_no_inline_scripts_or_styles(client, organizer_client, event, open_session):

    invitation = InvitationFactory(event=event, sessions=[open_session])
    token = links.invitation_token(invitation)
    revoked = InvitationFactory(event=event, status=InvitationStatus.REVOKED, sessions=[open_session])
    admin_pages = [
        CHANGELIST,
        ADD,
        IMPORT,
        FUNNEL,
        reverse("admin:registrations_invitation_change", args=[invitation.pk]),
    ]
    for url in admin_pages:
        response = organizer_client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
    organizer_client.logout()
    public_pages = [
        reverse("registrations:invitation", args=[token]),
        reverse("registrations:decline_invitation", args=[token]),
        reverse("registrations:invitation", args=[links.invitation_token(revoked)]),
        reverse("registrations:invitation", args=["forged"]),
        reverse("registrations:invitation_declined", args=[event.slug]),
    ]
    for url in public_pages:
        response = client.get(url)
        assert response.status_code in (200, 404, 410), url
        assert inline_code(response.content.decode()) == [], url
