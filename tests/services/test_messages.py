"""Messages to a filtered group: write, preview, confirm the count, send once through the outbox;
each recipient their own email and link; audited; in "download my data"; permission-checked. And
saved views of the delegate list, found on the dashboard."""

import uuid

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from registrations.models import (
    AuditEntry,
    Delegate,
    DelegateMessage,
    DelegateStatus,
    EmailKind,
    OutboundEmail,
    SavedView,
    SeatStatus,
)
from registrations.queries import links, personal_data
from registrations.services import messages
from registrations.services import messages as message_service
from tests.factories import DelegateFactory, SessionRegistrationFactory, UserFactory, organizer
from tests.inline_code import inline_code

COMPOSE = "admin:registrations_delegate_message"
CHANGELIST = "admin:registrations_delegate_changelist"
SUBJECT = "About {sessions}"
BODY = "Dear {given_name} {family_name},\n\nYour page: {status_link}\n\nYour sessions:\n{sessions}\n"


@pytest.fixture
def waitlist(event, open_session):
    """A full session (capacity 3): three confirmed, two waitlisted, one waitlisted who withdrew."""
    confirmed = [DelegateFactory(event=event, status=DelegateStatus.APPROVED) for _ in range(3)]
    for d in confirmed:
        SessionRegistrationFactory(delegate=d, session=open_session, status=SeatStatus.CONFIRMED)
    waiting = [
        DelegateFactory(event=event, given_name="Élodie", family_name="Tremblay"),
        DelegateFactory(event=event, given_name="太郎", family_name="山田"),
    ]
    for d in waiting:
        SessionRegistrationFactory(delegate=d, session=open_session, status=SeatStatus.WAITLISTED)
    gone = DelegateFactory(event=event, status=DelegateStatus.WITHDRAWN)
    SessionRegistrationFactory(delegate=gone, session=open_session, status=SeatStatus.WAITLISTED)
    return {"confirmed": confirmed, "waiting": waiting, "gone": gone}


def compose_url(session, seat="waitlisted") -> str:
    return f"{reverse(COMPOSE)}?session={session.pk}&seat={seat}"


def test_organizer_writes_to_the_waitlist_one_preview_one_send_one_email_each(
    organizer_client, organizer_user, waitlist, open_session, send_emails, mailoutbox
):
    url = compose_url(open_session)
    page = organizer_client.get(url)
    assert page.status_code == 200
    assert page.context["count"] == 2  # the withdrawn delegate is left out
    key = page.context["form"].initial["key"]

    preview = organizer_client.post(url, {"subject": SUBJECT, "body": BODY, "key": key, "preview": "1"})
    assert preview.status_code == 200
    first = waitlist["waiting"][0]
    assert preview.context["preview"]["recipient"] == first
    assert "Dear Élodie Tremblay," in preview.context["preview"]["text"]
    assert "Risk assessment science" in preview.context["preview"]["text"]
    assert links.make_token(first) not in preview.content.decode()  # the preview never shows a real link
    assert 'value="2"' in preview.content.decode()  # the count to confirm travels with the form

    sent = organizer_client.post(url, {"subject": SUBJECT, "body": BODY, "key": key, "count": "2", "send": "1"})
    assert sent.status_code == 302
    assert sent["Location"] == f"{reverse(CHANGELIST)}?session={open_session.pk}&seat=waitlisted"

    assert send_emails() == (2, 0)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(d.email for d in waitlist["waiting"])
    for message in mailoutbox:
        delegate = Delegate.objects.get(email=message.to[0])
        assert message.subject.startswith("About - Risk assessment science")
        assert f"Dear {delegate.given_name} {delegate.family_name}," in message.body
        assert links.status_url(delegate) in message.body  # their own link, nobody else's
        others = [d for d in waitlist["waiting"] if d != delegate]
        assert links.status_url(others[0]) not in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{links.status_url(delegate)}"' in html
    (entry,) = AuditEntry.objects.filter(action="message_sent")
    assert (entry.actor_user, entry.details["count"], entry.details["filter"]) == (
        organizer_user,
        2,
        {"changelist": {"session": str(open_session.pk), "seat": "waitlisted"}},
    )


def test_a_double_submit_sends_nothing_twice(organizer_client, waitlist, open_session):
    url = compose_url(open_session)
    data = {"subject": "Hello", "body": "Hi {given_name}", "key": str(uuid.uuid4()), "count": "2", "send": "1"}

    first = organizer_client.post(url, data)
    second = organizer_client.post(url, data, follow=True)

    assert first.status_code == 302
    assert DelegateMessage.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=EmailKind.ORGANIZER_MESSAGE).count() == 2
    assert AuditEntry.objects.filter(action="message_sent").count() == 1
    assert "it was not sent again" in second.content.decode()


def test_a_group_that_changed_since_the_preview_is_confirmed_again(organizer_client, waitlist, open_session):
    url = compose_url(open_session)
    data = {"subject": "Hello", "body": "Hi", "key": str(uuid.uuid4()), "count": "3", "send": "1"}

    response = organizer_client.post(url, data)

    assert response.status_code == 409
    assert "now has 2 recipients" in response.content.decode()
    assert response.context["count"] == 2
    assert 'value="2"' in response.content.decode()  # confirm the new number with one click
    assert OutboundEmail.objects.count() == 0
    assert DelegateMessage.objects.count() == 0


def test_unknown_placeholders_are_refused_with_the_known_ones(organizer_client, waitlist, open_session):
    data = {"subject": "Hello", "body": "Hi {first_name}", "key": str(uuid.uuid4()), "preview": "1"}

    response = organizer_client.post(compose_url(open_session), data)

    assert response.status_code == 400
    assert "{first_name}" in response.content.decode()
    assert "{given_name}" in response.content.decode()
    assert OutboundEmail.objects.count() == 0


def test_send_message_refuses_unknown_placeholders_and_groups_across_events(organizer_actor, waitlist):
    other = DelegateFactory(given_name="Other", event__slug="other-event")
    with pytest.raises(messages.MessageRefused):
        messages.send_message(
            actor=organizer_actor, group=Delegate.objects.all(), subject="x", body="{oops}",
            idempotency_key=uuid.uuid4(), scope={},
        )  # fmt: skip
    with pytest.raises(messages.MessageRefused, match="several events"):
        messages.send_message(
            actor=organizer_actor, group=Delegate.objects.all(), subject="x", body="y",
            idempotency_key=uuid.uuid4(), scope={},
        )  # fmt: skip
    assert other.pk and DelegateMessage.objects.count() == 0


def test_the_message_is_in_the_recipients_personal_data(organizer_actor, waitlist):
    group = Delegate.objects.filter(pk__in=[d.pk for d in waitlist["waiting"]])
    messages.send_message(
        actor=organizer_actor, group=group, subject="For {given_name}", body="Link: {status_link}",
        idempotency_key=uuid.uuid4(), scope={"selected": []},
    )  # fmt: skip

    data = personal_data.delegate_personal_data(waitlist["waiting"][1])

    (received,) = data["messages_from_the_organizers"]
    assert received["subject"] == "For 太郎"
    assert received["body"] == "Link: [your private link]"
    assert personal_data.delegate_personal_data(waitlist["confirmed"][0])["messages_from_the_organizers"] == []


def test_write_to_selected_action_carries_the_selection(organizer_client, waitlist):
    chosen = [waitlist["confirmed"][0].pk, waitlist["waiting"][1].pk]
    response = organizer_client.post(
        reverse(CHANGELIST), {"action": "message_selected", "index": "0", "_selected_action": chosen}
    )

    assert response.status_code == 302
    page = organizer_client.get(response["Location"])
    assert page.context["count"] == 2
    assert page.context["scope"] == {"selected": sorted(chosen)}


def test_changelist_and_session_page_link_to_the_message_page(organizer_client, waitlist, open_session):
    listing = organizer_client.get(reverse(CHANGELIST), {"status__exact": "approved"}).content.decode()
    assert f'href="{reverse(COMPOSE)}?status__exact=approved"' in listing
    session_page = organizer_client.get(reverse("admin:registrations_session_change", args=[open_session.pk]))
    assert compose_url(open_session).replace("&", "&amp;") in session_page.content.decode()


def test_compose_and_preview_pages_have_no_inline_code(organizer_client, waitlist, open_session):
    url = compose_url(open_session)
    assert inline_code(organizer_client.get(url).content.decode()) == []
    preview = organizer_client.post(url, {"subject": "S", "body": "B", "key": str(uuid.uuid4()), "preview": "1"})
    assert inline_code(preview.content.decode()) == []


def test_only_holders_of_the_message_permission_may_write(client, waitlist, open_session):
    helper = UserFactory(username="helper")
    helper.user_permissions.add(Permission.objects.get(codename="view_delegate"))
    client.force_login(helper)
    data = {"subject": "S", "body": "B", "key": str(uuid.uuid4()), "count": "2", "send": "1"}

    assert client.get(compose_url(open_session)).status_code == 403
    assert client.post(compose_url(open_session), data).status_code == 403
    assert OutboundEmail.objects.count() == 0
    organizers = Group.objects.get(name="Organizers")
    assert organizers.permissions.filter(codename="message_delegate").exists()


def test_an_empty_group_says_so(organizer_client, event, open_session):
    page = organizer_client.get(compose_url(open_session))
    assert page.status_code == 200
    assert "Nobody to write to" in page.content.decode()


def test_bad_filters_are_a_clear_400(organizer_client, waitlist):
    response = organizer_client.get(reverse(COMPOSE), {"status__exact": "nonsense", "bogus__field": "1"})
    assert response.status_code == 400


# --------------------------------------------------------------------------- saved views


def test_saved_views_appear_on_the_dashboard_for_their_owner_or_everyone_when_shared(
    organizer_client, organizer_user, client, waitlist, event
):
    save = reverse("admin:registrations_delegate_save_view")
    query = "?status__exact=pending&institute__id__exact=1"
    assert organizer_client.post(save + query, {"name": "UK pending"}).status_code == 302
    assert organizer_client.post(save + "?seat=waitlisted", {"name": "Waitlist", "shared": "on"}).status_code == 302

    mine = organizer_client.get(reverse("admin:dashboard")).context["saved_views"]
    assert [(v["name"], v["url"]) for v in mine] == [
        ("UK pending", f"{reverse(CHANGELIST)}?status__exact=pending&institute__id__exact=1"),
        ("Waitlist", f"{reverse(CHANGELIST)}?seat=waitlisted"),
    ]
    colleague = organizer("colleague")
    client.force_login(colleague)
    theirs = client.get(reverse("admin:dashboard")).context["saved_views"]
    assert [v["name"] for v in theirs] == ["Waitlist"]
    assert SavedView.objects.get(name="UK pending").owner == organizer_user
    # ... and above the delegate list, where they are used.
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert 'class="saved-views"' in listing
    assert f'<a href="{reverse(CHANGELIST)}?seat=waitlisted">Waitlist</a>' in listing
    assert "UK pending" not in listing


@pytest.mark.parametrize(
    "value",
    ["", "?bogus=1", "?status__exact=pending&password=x", "/admin/registrations/session/?event__id__exact=1"],
)
def test_a_saved_view_must_be_a_delegate_list_filter(value, db):
    with pytest.raises(messages.MessageRefused):
        messages.clean_querystring(value)


def test_a_pasted_delegate_list_address_is_accepted():
    assert (
        messages.clean_querystring("https://x.example/admin/registrations/delegate/?status__exact=pending&q=Sato")
        == "status__exact=pending&q=Sato"
    )


def test_saving_an_unfiltered_view_is_a_400(organizer_client):
    response = organizer_client.post(reverse("admin:registrations_delegate_save_view"), {"name": "Everyone"})
    assert response.status_code == 400
    assert SavedView.objects.count() == 0


def test_a_saved_view_accepts_every_filter_of_the_delegate_list(rf, organizer_user):
    """The saved views' list of parameters must follow the delegate list's filters (a filter added to
    the list and not here would make its views unsavable)."""

    model_admin = django_admin.site._registry[Delegate]
    request = rf.get("/admin/registrations/delegate/")
    request.user = organizer_user
    changelist = model_admin.get_changelist_instance(request)
    parameters = set()
    for spec in changelist.filter_specs:
        parameters |= set(spec.expected_parameters())
    assert parameters
    for name in sorted(parameters):
        assert message_service.clean_querystring(f"{name}=1") == f"{name}=1", name


def test_a_french_recipient_reads_the_placeholders_in_french_and_the_venues_zone(
    organizer_client, waitlist, open_session, send_emails, mailoutbox
):
    french = waitlist["waiting"][0]
    Delegate.objects.filter(pk=french.pk).update(language="fr")
    open_session.title_fr = "Science de l'évaluation des risques"
    open_session.save()
    url = compose_url(open_session)

    page = organizer_client.get(url).content.decode()
    # The page says plainly that the text goes out as written, and who reads which language.
    assert "go out exactly as you write them" in page
    assert "Recipients by language: English: 1, Français: 1" in page

    key = str(uuid.uuid4())
    organizer_client.post(url, {"subject": "Hi", "body": BODY, "key": key, "count": "2", "send": "1"})
    send_emails()
    by_address = {m.to[0]: m for m in mailoutbox}
    body = by_address[french.email].body
    assert "Science de l'évaluation des risques" in body
    assert "heure du Pacifique" in body  # the venue's zone, named in the recipient's language
    assert "liste d’attente" in body or "liste d'attente" in body  # the seat's status in French
    english = by_address[waitlist["waiting"][1].email].body
    assert "PST" in english or "PDT" in english or "Pacific" in english
