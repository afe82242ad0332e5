"""Institute focal points: the endorsement rule through every approval path, the portal and its
object-level security (another institute's delegates, guests, other events, a deactivated account)."""

import io
import re
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from registrations import services
from registrations.models import (
    AccessTier,
    ActorKind,
    AuditAction,
    AuditEntry,
    Delegate,
    DelegateStatus,
    EmailKind,
    Endorsement,
    FocalPoint,
    Institute,
    Invitation,
    InvitationStatus,
    OutboundEmail,
    StakeholderType,
)
from registrations.outputs import emails
from registrations.queries import dashboard, links
from registrations.services import endorsements, invitations
from registrations.services.audit import commit, record
from tests.admin.test_admin import CHANGELIST, act, message_texts, page_form
from tests.factories import (
    DelegateFactory,
    EventFactory,
    SessionFactory,
    SessionRegistrationFactory,
    focal_point,
    institute,
)
from tests.inline_code import inline_code

PASSWORD = "a-long-test-password"


@pytest.fixture
def required_event(db):
    return EventFactory(endorsement_required=True, slug="summit")


@pytest.fixture
def gb(db):
    return focal_point("GB")


@pytest.fixture
def officials(required_event):
    return [
        DelegateFactory(event=required_event, government=True, given_name=name, family_name="Official")
        for name in ("Ada", "Ben", "Cleo")
    ]


@pytest.fixture
def portal(client, gb):
    client.force_login(gb.user)
    return client


def status_of(delegate) -> str:
    return Delegate.objects.get(pk=delegate.pk).status


def endorsement_of(delegate) -> str:
    return Delegate.objects.get(pk=delegate.pk).endorsement


# --------------------------------------------------------------------------- the rule


def test_rule_refuses_approval_without_endorsement_naming_the_institute(officials, organizer_actor):
    result = services.approve_delegates(delegate_ids=[officials[0].pk], actor=organizer_actor)

    assert result.done == []
    assert result.refused[0][1] == (
        f"Ada Official was not approved: summit requires an endorsement by {institute('GB').name}, "
        "which has not endorsed them yet."
    ).replace("summit", str(officials[0].event))
    assert status_of(officials[0]) == DelegateStatus.PENDING


def test_rule_lets_endorsed_delegates_through_and_ignores_guests(officials, gb, organizer_actor, required_event):
    guest = DelegateFactory(event=required_event)
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])

    result = services.approve_delegates(delegate_ids=[officials[0].pk, guest.pk], actor=organizer_actor)

    assert sorted(d.pk for d in result.done) == sorted([officials[0].pk, guest.pk])


def test_rule_does_not_apply_where_the_event_does_not_require_it(organizer_actor, db):
    delegate = DelegateFactory(event=EventFactory(endorsement_required=False), government=True)

    result = services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)

    assert [d.pk for d in result.done] == [delegate.pk]


def test_declined_delegate_is_refused_with_the_decline_named(officials, gb, organizer_actor):
    endorsements.decline(focal_point=gb, delegate_ids=[officials[0].pk], reason="Not on our list")

    result = services.approve_delegates(delegate_ids=[officials[0].pk], actor=organizer_actor)

    assert "declined to endorse" in result.refused[0][1]
    assert institute("GB").name in result.refused[0][1]


def test_override_approves_with_an_audited_reason(officials, organizer_actor):
    result = services.approve_delegates(
        delegate_ids=[officials[0].pk], actor=organizer_actor, override_reason="Head of delegation, confirmed by phone"
    )

    assert [d.pk for d in result.done] == [officials[0].pk]
    delegate = Delegate.objects.get(pk=officials[0].pk)
    assert (delegate.status, delegate.endorsement) == (DelegateStatus.APPROVED, Endorsement.OVERRIDDEN)
    entry = AuditEntry.objects.get(action=AuditAction.ENDORSEMENT_OVERRIDDEN)
    assert (entry.delegate_id, entry.reason, entry.actor_kind) == (
        officials[0].pk,
        "Head of delegation, confirmed by phone",
        ActorKind.ORGANIZER,
    )


def test_override_respects_the_quota_and_leaves_no_override_when_refused(officials, organizer_actor):
    Institute.objects.filter(iso_code="GB").update(delegate_quota=1)

    result = services.approve_delegates(
        delegate_ids=[officials[0].pk, officials[1].pk], actor=organizer_actor, override_reason="Urgent"
    )

    assert [d.pk for d in result.done] == [officials[0].pk]
    assert endorsement_of(officials[1]) == Endorsement.PENDING
    assert AuditEntry.objects.filter(action=AuditAction.ENDORSEMENT_OVERRIDDEN).count() == 1


def test_focal_point_endorsement_is_audited_as_the_focal_point(officials, gb):
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])

    entry = AuditEntry.objects.get(action=AuditAction.ENDORSED)
    assert (entry.actor_kind, entry.actor_user_id, entry.delegate_id) == (
        ActorKind.FOCAL_POINT,
        gb.user_id,
        officials[0].pk,
    )
    assert (entry.from_status, entry.to_status) == (Endorsement.PENDING, Endorsement.ENDORSED)


def test_focal_point_cannot_endorse_an_approved_delegate(officials, gb, organizer_actor):
    services.approve_delegates(delegate_ids=[officials[0].pk], actor=organizer_actor, override_reason="r")

    result = endorsements.decline(focal_point=gb, delegate_ids=[officials[0].pk], reason="No")

    assert result.done == []
    assert endorsement_of(officials[0]) == Endorsement.OVERRIDDEN


def test_decline_needs_a_reason(officials, gb):
    with pytest.raises(services.NotEligible):
        endorsements.decline(focal_point=gb, delegate_ids=[officials[0].pk], reason="  ")
    assert endorsement_of(officials[0]) == Endorsement.PENDING


def test_service_ignores_other_institutes_delegates_and_guests(required_event, gb):
    french = DelegateFactory(event=required_event, government=True, institute=institute("FR"), email="a@fr.example")
    guest = DelegateFactory(event=required_event)

    result = endorsements.endorse(focal_point=gb, delegate_ids=[french.pk, guest.pk])

    assert result.done == []
    assert AuditEntry.objects.filter(action=AuditAction.ENDORSED).count() == 0


def test_deactivated_focal_point_cannot_act_through_the_service(officials, gb):
    gb.is_active = False
    gb.save()

    with pytest.raises(services.NotFocalPoint):
        endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])
    assert endorsement_of(officials[0]) == Endorsement.PENDING


# --------------------------------------------------------------------------- the admin's paths


def test_admin_bulk_approve_refuses_unendorsed_with_the_institute(organizer_client, officials, gb):
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])

    response = organizer_client.post(CHANGELIST, page_form(act(organizer_client, "approve_selected", officials[:2])))

    texts = message_texts(response)
    assert texts[0].startswith("Approved 1 delegate")
    assert texts[1].startswith("Ben Official was not approved") and institute("GB").name in texts[1]
    assert [status_of(d) for d in officials[:2]] == [DelegateStatus.APPROVED, DelegateStatus.PENDING]


def test_admin_approve_button_refuses_unendorsed(organizer_client, officials):
    response = organizer_client.post(
        reverse("admin:registrations_delegate_approve", args=[officials[0].pk]), follow=True
    )

    assert any(institute("GB").name in text for text in message_texts(response))
    assert status_of(officials[0]) == DelegateStatus.PENDING


def test_admin_change_form_cannot_set_status_or_endorsement(organizer_client, officials):
    url = reverse("admin:registrations_delegate_change", args=[officials[0].pk])
    data = page_form(organizer_client.get(url))
    data.update({"status": DelegateStatus.APPROVED, "endorsement": Endorsement.ENDORSED})

    organizer_client.post(url, data)

    delegate = Delegate.objects.get(pk=officials[0].pk)
    assert (delegate.status, delegate.endorsement) == (DelegateStatus.PENDING, Endorsement.PENDING)


def test_admin_override_without_a_reason_is_refused(organizer_client, officials):
    confirmation = act(organizer_client, "approve_without_endorsement", [officials[0]])
    assert confirmation.status_code == 200

    response = organizer_client.post(CHANGELIST, {**page_form(confirmation), "override_reason": ""})

    assert response.status_code == 400
    assert "Give a reason" in response.text
    assert status_of(officials[0]) == DelegateStatus.PENDING


def test_admin_override_with_a_reason_approves_and_audits(organizer_client, officials):
    confirmation = act(organizer_client, "approve_without_endorsement", [officials[0]])

    organizer_client.post(CHANGELIST, {**page_form(confirmation), "override_reason": "Minister's adviser"})

    delegate = Delegate.objects.get(pk=officials[0].pk)
    assert (delegate.status, delegate.endorsement, delegate.endorsement_reason) == (
        DelegateStatus.APPROVED,
        Endorsement.OVERRIDDEN,
        "Minister's adviser",
    )


def test_admin_crafted_approve_post_cannot_override_without_the_override_action(organizer_client, officials):
    organizer_client.post(
        CHANGELIST,
        {
            "action": "approve_selected",
            "index": "0",
            "_selected_action": [officials[0].pk],
            "confirm": "yes",
            "delegate_ids": str(officials[0].pk),
            "override_reason": "sneaky",
        },
    )

    assert status_of(officials[0]) == DelegateStatus.PENDING


def test_admin_reject_suggests_the_focal_points_reason(organizer_client, officials, gb):
    endorsements.decline(focal_point=gb, delegate_ids=[officials[0].pk], reason="Not one of ours")

    confirmation = act(organizer_client, "reject_selected", [officials[0]])

    assert confirmation.context["form"]["reason"].value() == "Not one of ours"
    assert status_of(officials[0]) == DelegateStatus.PENDING


def test_admin_list_shows_and_filters_endorsement(organizer_client, officials, gb):
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])

    page = organizer_client.get(CHANGELIST, {"endorsement__exact": "endorsed"})

    assert [d.pk for d in page.context["cl"].result_list] == [officials[0].pk]
    assert "endorsement-endorsed" in page.text


# --------------------------------------------------------------------------- the portal


def test_portal_lists_the_institutes_delegates_only(portal, officials, required_event):
    DelegateFactory(event=required_event, government=True, institute=institute("FR"), email="x@fr.example")
    DelegateFactory(event=required_event)

    page = portal.get(reverse("registrations:portal_event", args=[required_event.slug]))

    assert page.status_code == 200
    assert sorted(d.pk for d in page.context["delegates"]) == sorted(d.pk for d in officials)
    assert (page.context["quota"], page.context["left"]) == (
        institute("GB").delegate_quota,
        institute("GB").delegate_quota,
    )


def test_portal_bulk_endorse_asks_for_confirmation_then_endorses(portal, officials, required_event):
    url = reverse("registrations:portal_decide", args=[required_event.slug])

    confirmation = portal.post(url, {"action": "endorse", "delegate": [officials[0].pk, officials[1].pk]})

    assert confirmation.status_code == 200
    assert endorsement_of(officials[0]) == Endorsement.PENDING
    done = portal.post(
        url, {"action": "endorse", "delegate_ids": f"{officials[0].pk},{officials[1].pk}", "confirm": "yes"}
    )
    assert done.status_code == 302
    assert [endorsement_of(d) for d in officials] == [Endorsement.ENDORSED, Endorsement.ENDORSED, Endorsement.PENDING]


def test_portal_decline_requires_a_reason(portal, officials, required_event):
    url = reverse("registrations:portal_decide", args=[required_event.slug])

    refused = portal.post(url, {"action": "decline", "delegate_ids": str(officials[2].pk), "confirm": "yes"})
    assert refused.status_code == 400
    assert endorsement_of(officials[2]) == Endorsement.PENDING

    portal.post(url, {"action": "decline", "delegate_ids": str(officials[2].pk), "confirm": "yes", "reason": "Left"})
    delegate = Delegate.objects.get(pk=officials[2].pk)
    assert (delegate.endorsement, delegate.endorsement_reason) == (Endorsement.DECLINED, "Left")


def test_portal_requires_login(client, required_event):
    response = client.get(reverse("registrations:portal_event", args=[required_event.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("registrations:portal_login"))


def test_portal_refuses_staff(organizer_client, required_event):
    assert organizer_client.get(reverse("registrations:portal")).status_code == 403


def test_portal_login_with_password(client, gb):
    response = client.post(reverse("registrations:portal_login"), {"username": gb.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("registrations:portal")).status_code == 200


def test_portal_login_refuses_a_deactivated_focal_point(client, gb):
    gb.is_active = False
    gb.save()
    response = client.post(reverse("registrations:portal_login"), {"username": gb.user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "cannot use the institute portal" in response.text


# --------------------------------------------------------------------------- the security matrix


@pytest.fixture
def foreign_ids(required_event, db):
    """Ids the GB focal point must never reach: another institute's delegate, a guest, another event's."""
    return {
        "other institute": DelegateFactory(
            event=required_event, government=True, institute=institute("FR"), email="fr@fr.example"
        ),
        "guest": DelegateFactory(event=required_event),
        "other event": DelegateFactory(event=EventFactory(endorsement_required=True), government=True),
    }


@pytest.mark.parametrize("which", ["other institute", "guest", "other event"])
def test_portal_detail_is_404_for_foreign_ids(portal, foreign_ids, required_event, which):
    url = reverse("registrations:portal_delegate", args=[required_event.slug, foreign_ids[which].pk])
    assert portal.get(url).status_code == 404


@pytest.mark.parametrize("which", ["other institute", "guest", "other event"])
@pytest.mark.parametrize("action", ["endorse", "decline"])
@pytest.mark.parametrize("confirm", ["", "yes"])
def test_portal_actions_are_404_and_change_nothing_for_foreign_ids(
    portal, foreign_ids, officials, required_event, which, action, confirm
):
    url = reverse("registrations:portal_decide", args=[required_event.slug])
    target = foreign_ids[which]

    response = portal.post(
        url,
        {"action": action, "delegate_ids": f"{officials[0].pk},{target.pk}", "confirm": confirm, "reason": "x"},
    )

    assert response.status_code == 404
    assert [endorsement_of(officials[0]), endorsement_of(target)] == [Endorsement.PENDING, Endorsement.PENDING]
    assert not AuditEntry.objects.filter(actor_kind=ActorKind.FOCAL_POINT).exists()


def test_portal_seat_ids_are_not_delegate_ids(portal, officials, required_event, open_session):
    """A seat (session registration) is never acted on directly: the portal has no URL taking one."""
    urls = {p.name for p in __import__("registrations.urls", fromlist=["urlpatterns"]).urlpatterns}
    assert not any("seat" in (name or "") for name in urls if (name or "").startswith("portal"))


def _portal_requests(event, delegate):
    return [
        ("get", reverse("registrations:portal"), {}),
        ("get", reverse("registrations:portal_event", args=[event.slug]), {}),
        ("get", reverse("registrations:portal_delegate", args=[event.slug, delegate.pk]), {}),
        (
            "post",
            reverse("registrations:portal_decide", args=[event.slug]),
            {"action": "endorse", "delegate_ids": str(delegate.pk), "confirm": "yes"},
        ),
        (
            "post",
            reverse("registrations:portal_decide", args=[event.slug]),
            {"action": "decline", "delegate_ids": str(delegate.pk), "confirm": "yes", "reason": "x"},
        ),
        (
            "post",
            reverse("registrations:portal_nominate", args=[event.slug]),
            {"name": "Grace Hopper", "email": "grace@dsit.gov.uk", "language": "en"},
        ),
        ("get", reverse("registrations:portal_csv", args=[event.slug]), {}),
        ("get", reverse("registrations:portal_xlsx", args=[event.slug]), {}),
    ]


PORTAL_REQUESTS = 8


@pytest.mark.parametrize("step", range(PORTAL_REQUESTS))
def test_deactivated_focal_point_is_refused_everywhere_at_once(portal, gb, officials, required_event, step):
    gb.is_active = False
    gb.save()
    method, url, data = _portal_requests(required_event, officials[0])[step]

    response = getattr(portal, method)(url, data)

    assert response.status_code == 403
    assert endorsement_of(officials[0]) == Endorsement.PENDING
    assert not AuditEntry.objects.filter(actor_kind=ActorKind.FOCAL_POINT).exists()


@pytest.mark.parametrize("step", range(PORTAL_REQUESTS))
def test_portal_on_an_unknown_event_is_404(portal, officials, step):
    method, url, data = _portal_requests(EventFactory.build(slug="nowhere"), officials[0])[step]
    if step == 0:
        return
    assert getattr(portal, method)(url, data).status_code == 404


# --------------------------------------------------------------------------- lifecycle: admin, activation, 2FA


FOCAL_ADD = reverse("admin:registrations_focalpoint_add")


def _activation_path(mail) -> str:

    return re.search(r"https?://[^/\s]+(/institute/activate/\S+/)", mail.body).group(1)


def test_organizer_creates_a_focal_point_and_the_activation_link_sets_a_password(
    organizer_client, client, mailoutbox, send_emails, django_capture_on_commit_callbacks, db
):
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            FOCAL_ADD,
            {
                "institute": institute("JP").pk,
                "email": "Focal@Aisi.GO.jp",
                "given_name": "Hana",
                "family_name": "Sato",
                "language": "en",
            },
        )
    assert response.status_code == 302
    focal = institute("JP").focal_points.get()
    assert (focal.user.is_staff, focal.user.has_usable_password(), focal.user.email) == (
        False,
        False,
        "Focal@aisi.go.jp",
    )
    assert (
        AuditEntry.objects.filter(action=AuditAction.FOCAL_POINT_CHANGED, actor_kind=ActorKind.ORGANIZER).count() == 1
    )
    send_emails()
    path = _activation_path(mailoutbox[-1])
    organizer_client.logout()

    page = client.post(path, {"new_password1": "Tr1cky-passphrase-42", "new_password2": "Tr1cky-passphrase-42"})

    assert page.status_code == 302
    assert client.get(reverse("registrations:portal")).status_code == 200
    client.logout()
    assert client.get(path).status_code == 404  # used once


def test_two_factor_activation_enrolls_a_device_and_login_needs_the_code(client, gb, settings):

    settings.ADMIN_REQUIRE_2FA = True
    path = reverse(
        "registrations:portal_activate",
        args=[urlsafe_base64_encode(force_bytes(gb.user.pk)), default_token_generator.make_token(gb.user)],
    )
    assert client.post(path, {"new_password1": "Tr1cky-passphrase-42", "new_password2": "Tr1cky-passphrase-42"})[
        "Location"
    ] == reverse("registrations:portal_enroll")
    # Not verified yet: the portal is closed until the code is confirmed.
    assert client.get(reverse("registrations:portal")).status_code == 302
    gb.user.refresh_from_db()  # the new password's session hash
    client.force_login(gb.user)
    enroll = client.get(reverse("registrations:portal_enroll"))
    assert enroll.status_code == 200 and "<svg" in enroll.text
    device = TOTPDevice.objects.get(user=gb.user)
    assert client.post(reverse("registrations:portal_enroll"), {"token": "000000"}).status_code == 400
    assert not TOTPDevice.objects.get(user=gb.user).confirmed
    device.throttle_reset()  # django-otp waits after a wrong code; the test does not
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert client.post(reverse("registrations:portal_enroll"), {"token": code}).status_code == 302
    assert client.get(reverse("registrations:portal")).status_code == 200
    client.logout()

    without_code = client.post(
        reverse("registrations:portal_login"), {"username": gb.user.username, "password": "Tr1cky-passphrase-42"}
    )
    assert without_code.status_code == 200
    assert client.get(reverse("registrations:portal")).status_code == 302
    # A second enrollment is refused once a device is confirmed.
    client.force_login(gb.user)
    assert client.get(reverse("registrations:portal_enroll")).status_code == 403


def test_until_the_authenticator_is_linked_every_portal_page_leads_back_to_enrolment(
    client, gb, settings, required_event, officials
):
    settings.ADMIN_REQUIRE_2FA = True
    path = reverse(
        "registrations:portal_activate",
        args=[urlsafe_base64_encode(force_bytes(gb.user.pk)), default_token_generator.make_token(gb.user)],
    )
    client.post(path, {"new_password1": "Tr1cky-passphrase-42", "new_password2": "Tr1cky-passphrase-42"})
    slug = required_event.slug
    pages = [
        reverse("registrations:portal"),
        reverse("registrations:portal_event", args=[slug]),
        reverse("registrations:portal_nominate", args=[slug]),
        reverse("registrations:portal_csv", args=[slug]),
        reverse("registrations:portal_xlsx", args=[slug]),
        reverse("registrations:portal_delegate", args=[slug, officials[0].pk]),
    ]

    for page in pages:  # opened before the code is confirmed: no sign-out, back to enrolment
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (302, reverse("registrations:portal_enroll")), page
    decided = client.post(reverse("registrations:portal_decide", args=[slug]), {"delegate": officials[0].pk})
    assert decided["Location"] == reverse("registrations:portal_enroll")

    assert client.get(reverse("registrations:portal_enroll")).status_code == 200  # still signed in
    device = TOTPDevice.objects.get(user=gb.user)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert client.post(reverse("registrations:portal_enroll"), {"token": code}).status_code == 302
    assert client.get(reverse("registrations:portal")).status_code == 200


def test_portal_login_locks_out_after_repeated_failures(client, gb, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("registrations:portal_login"), {"username": gb.user.username, "password": "wrong"})

    locked = client.post(reverse("registrations:portal_login"), {"username": gb.user.username, "password": PASSWORD})

    assert locked.status_code == 429
    assert client.get(reverse("registrations:portal")).status_code == 302


def test_organizer_deactivation_is_audited_and_ends_access(organizer_client, gb, client):
    url = reverse("admin:registrations_focalpoint_change", args=[gb.pk])
    organizer_client.post(url, {"language": "en"})  # "active" unticked

    assert not type(gb).objects.get(pk=gb.pk).is_active
    entry = AuditEntry.objects.get(action=AuditAction.FOCAL_POINT_CHANGED)
    assert (entry.from_status, entry.to_status) == ("active", "inactive")


# --------------------------------------------------------------------------- the digest


def test_digest_collects_registrations_and_decisions_once_per_window(
    required_event, gb, organizer_actor, mailoutbox, send_emails
):

    ada = DelegateFactory(event=required_event, government=True, given_name="Ada", family_name="Official")
    guest = DelegateFactory(event=required_event, given_name="Gus")
    french = DelegateFactory(event=required_event, government=True, institute=institute("FR"), email="f@fr.example")
    commit([record(services.Actor.delegate(), AuditAction.REGISTERED, delegate=d) for d in (ada, guest, french)])
    services.approve_delegates(delegate_ids=[ada.pk], actor=organizer_actor, override_reason="Known to us")
    later = timezone.now() + timedelta(seconds=1)

    assert endorsements.queue_digests(now=later) == 1
    assert endorsements.queue_digests(now=later + timedelta(minutes=1)) == 0  # within the window: nothing
    send_emails()
    digest = [m for m in mailoutbox if m.to == [gb.user.email]]
    assert len(digest) == 1
    assert "Ada Official, registered" in digest[0].body
    assert "Ada Official, approved" in digest[0].body
    assert "Known to us" in digest[0].body
    assert "Gus" not in digest[0].body and french.full_name not in digest[0].body


def test_digest_skips_inactive_focal_points_and_quiet_institutes(required_event, gb):

    assert endorsements.queue_digests() == 0
    gb.is_active = False
    gb.save()
    ada = DelegateFactory(event=required_event, government=True)
    commit([record(services.Actor.delegate(), AuditAction.REGISTERED, delegate=ada)])
    assert endorsements.queue_digests() == 0


def test_portal_pages_have_no_inline_code(portal, officials, required_event, client):

    pages = [
        reverse("registrations:portal"),
        reverse("registrations:portal_event", args=[required_event.slug]),
        reverse("registrations:portal_delegate", args=[required_event.slug, officials[0].pk]),
    ]
    for url in pages:
        response = portal.get(url)
        assert response.status_code == 200 and inline_code(response.text) == [], url
    confirm = portal.post(
        reverse("registrations:portal_decide", args=[required_event.slug]),
        {"action": "decline", "delegate": [officials[0].pk]},
    )
    assert inline_code(confirm.text) == []
    portal.logout()
    assert inline_code(client.get(reverse("registrations:portal_login")).text) == []


# --------------------------------------------------------------------------- nominations and the delegation's file


def test_nomination_is_a_government_invitation_for_the_institute_and_the_nominee_registers_endorsed(
    portal, gb, required_event, client
):

    government_only = SessionFactory(event=required_event, access_tier=AccessTier.GOVERNMENT_ONLY)
    url = reverse("registrations:portal_nominate", args=[required_event.slug])

    response = portal.post(url, {"name": "Grace Hopper", "email": "grace@dsit.gov.uk", "language": "en"})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.stakeholder_type, invitation.institute_id, invitation.status, invitation.nominated_by_id) == (
        StakeholderType.GOVERNMENT,
        institute("GB").pk,
        InvitationStatus.SENT,
        gb.pk,
    )
    assert AuditEntry.objects.get(action=AuditAction.NOMINATED).actor_kind == ActorKind.FOCAL_POINT

    signup = client.post(
        reverse("registrations:invitation", args=[links.invitation_token(invitation)]),
        {
            "given_name": "Grace",
            "family_name": "Hopper",
            "email": "grace@dsit.gov.uk",
            "stakeholder_type": "government",
            "institute": institute("FR").pk,  # crafted: the nomination's institute wins
            "sessions": [government_only.pk],
            "consent_data_processing": "on",
            "language": "en",
        },
    )

    assert signup.status_code == 302, signup.content.decode()[:3000]
    delegate = Delegate.objects.get(email="grace@dsit.gov.uk")
    assert (delegate.institute_id, delegate.stakeholder_type, delegate.endorsement) == (
        institute("GB").pk,
        StakeholderType.GOVERNMENT,
        Endorsement.ENDORSED,
    )
    # Endorsed by the nomination: the organizers may approve at once (the quota applies).
    result = services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())
    assert [d.pk for d in result.done] == [delegate.pk]


def test_nomination_is_refused_for_a_deactivated_focal_point(portal, gb, required_event):

    gb.is_active = False
    gb.save()
    response = portal.post(
        reverse("registrations:portal_nominate", args=[required_event.slug]),
        {"name": "Grace Hopper", "email": "grace@dsit.gov.uk", "language": "en"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_guest_invitations_still_cannot_be_for_government_or_government_only_sessions(organizer_actor, required_event):

    government_only = SessionFactory(event=required_event, access_tier=AccessTier.GOVERNMENT_ONLY)
    guest = Invitation(
        event=required_event,
        email="g@example.org",
        organization="Lab",
        stakeholder_type="academia",
        expires_at=required_event.registration_closes_at,
    )
    with pytest.raises(services.NotEligible):
        invitations.create_invitation(invitation=guest, sessions=[government_only], actor=organizer_actor)


def test_delegation_csv_and_xlsx_hold_the_institutes_delegates_only(portal, officials, required_event, foreign_ids):

    csv_response = portal.get(reverse("registrations:portal_csv", args=[required_event.slug]))
    text = b"".join(csv_response.streaming_content).decode()
    assert csv_response.status_code == 200
    for d in officials:
        assert d.email in text
    for d in foreign_ids.values():
        assert d.email not in text

    xlsx = portal.get(reverse("registrations:portal_xlsx", args=[required_event.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    emails = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert emails == {d.email for d in officials}
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, actor_kind=ActorKind.FOCAL_POINT).count() == 2


# --------------------------------------------------------------------------- the demo


def test_demo_has_a_sample_focal_point_per_institute_and_endorsements(db):

    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent

    assert FocalPoint.objects.filter(is_sample=True).count() == Institute.objects.count()
    government = Delegate.objects.filter(is_sample=True, stakeholder_type="government")
    assert government.filter(endorsement=Endorsement.DECLINED).count() == 1
    assert government.filter(status=DelegateStatus.APPROVED).exclude(endorsement=Endorsement.ENDORSED).count() == 0
    assert government.filter(endorsement=Endorsement.PENDING).count() == 2

    out = StringIO()
    call_command("demo_admin", "--url", "http://127.0.0.1:8123/", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "focal-gb /" in line)
    password = line.split(" / ")[1].strip()

    client = Client()
    response = client.post(reverse("registrations:portal_login"), {"username": "focal-gb", "password": password})
    assert response.status_code == 302
    assert client.get(reverse("registrations:portal")).status_code == 200


def test_moving_a_delegate_to_another_institute_drops_the_endorsement(officials, gb, organizer_actor):
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])
    delegate = Delegate.objects.get(pk=officials[0].pk)

    services.update_delegate(delegate=delegate, changes={"institute": institute("FR")}, actor=organizer_actor)

    assert endorsement_of(officials[0]) == Endorsement.PENDING
    assert services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor).done == []


@pytest.mark.parametrize("page", ["event", "csv"])
def test_portal_pages_cost_the_same_queries_for_one_or_three_delegates(portal, required_event, open_session, page):

    url = reverse(f"registrations:portal_{page}", args=[required_event.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = portal.get(url)
            if page == "csv":
                b"".join(response.streaming_content)
        return len(captured)

    one = DelegateFactory(event=required_event, government=True)
    SessionRegistrationFactory(delegate=one, session=open_session)
    with_one = queries()
    for _n in range(2):
        SessionRegistrationFactory(
            delegate=DelegateFactory(event=required_event, government=True), session=open_session
        )
    assert queries() == with_one


def test_dashboard_counts_delegates_awaiting_endorsement_per_institute(organizer_client, officials, gb):
    endorsements.endorse(focal_point=gb, delegate_ids=[officials[0].pk])

    board = dashboard.build(officials[0].event)

    assert board.endorsements_enabled
    (uk,) = [inst for inst in board.institutes if inst["iso_code"] == "GB"]
    assert uk["awaiting_endorsement"] == 2


def test_nominations_stop_at_the_daily_cap_with_a_clear_refusal(portal, gb, required_event, settings):
    settings.FOCAL_POINT_NOMINATIONS_PER_DAY = 3
    SessionFactory(event=required_event)
    url = reverse("registrations:portal_nominate", args=[required_event.slug])
    for n in range(3):
        assert portal.post(url, {"name": f"N {n}", "email": f"n{n}@dsit.gov.uk", "language": "en"}).status_code == 302

    refused = portal.post(url, {"name": "One more", "email": "more@dsit.gov.uk", "language": "en"})

    assert refused.status_code == 400
    assert "You have sent 3 nominations in the last 24 hours" in refused.content.decode()
    assert Invitation.objects.count() == 3
    # The service holds the cap too (a form is not the only way in).
    with pytest.raises(services.RegistrationError) as refusal:
        endorsements.nominate(focal_point=gb, event=required_event, email="x@dsit.gov.uk", name="X", language="en")
    assert refusal.value.code == "nominations_capped"
    # A day later the count starts again.
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert portal.post(url, {"name": "Next day", "email": "next@dsit.gov.uk", "language": "en"}).status_code == 302


def test_an_address_off_the_institutes_domains_is_flagged_and_sent_only_when_confirmed(portal, required_event):
    SessionFactory(event=required_event)
    url = reverse("registrations:portal_nominate", args=[required_event.slug])
    data = {"name": "Someone", "email": "someone@gmail.example", "language": "en"}

    flagged = portal.post(url, data)

    page = flagged.content.decode()
    assert flagged.status_code == 400
    assert "is not on your institute&#x27;s official domains (aisi.gov.uk, dsit.gov.uk)" in page
    assert 'name="send_anyway"' in page  # the confirmation appears with the warning
    assert not Invitation.objects.exists()
    assert 'name="send_anyway"' not in portal.get(url).content.decode()

    confirmed = portal.post(url, {**data, "send_anyway": "on"})

    assert confirmed.status_code == 302
    assert Invitation.objects.get().email == "someone@gmail.example"


def test_the_nomination_email_and_page_say_it_is_a_nomination_and_by_whom(portal, gb, required_event, client):
    SessionFactory(event=required_event)
    url = reverse("registrations:portal_nominate", args=[required_event.slug])
    portal.post(url, {"name": "Grace Hopper", "email": "grace@dsit.gov.uk", "language": "en"})
    invitation = Invitation.objects.get()
    whom = str(institute("GB"))  # the institute with its member
    assert "(United Kingdom)" in whom

    message = emails.render(OutboundEmail.objects.get(invitation=invitation, kind=EmailKind.INVITATION))

    assert f"This is a nomination: the focal point of {whom} nominated you" in " ".join(message.body.split())
    page = client.get(reverse("registrations:invitation", args=[links.invitation_token(invitation)]))
    assert f"The focal point of {whom} nominated you" in " ".join(page.content.decode().split())


@pytest.mark.parametrize("page", ["portal", "portal_event", "portal_nominate"])
def test_the_french_portal_agrees_in_number_and_never_writes_de_before_an_english_name(
    portal, gb, required_event, officials, page
):
    services.approve_delegates(delegate_ids=[officials[0].pk], actor=services.Actor.system())
    args = [] if page == "portal" else [required_event.slug]

    html = " ".join(portal.get(reverse(f"registrations:{page}", args=args), HTTP_ACCEPT_LANGUAGE="fr").text.split())

    assert "approuvés" in html or page == "portal_nominate"
    assert not re.search(r"\b1 approuvés|\b1 inscrits|\b1 restants", html)
    assert not re.search(r"\bde (AI|A[A-Z])", html)  # "de AI Safety Institute": no elision for English names


def test_the_delegations_xlsx_has_the_endorsement_and_typed_ids_and_dates(portal, gb, required_event, officials):
    response = portal.get(reverse("registrations:portal_xlsx", args=[required_event.slug]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    first = {h: cell.value for h, cell in zip(header, sheet[2], strict=True)}

    assert "Endorsement" in header
    assert first["Endorsement"] == "Awaiting endorsement"
    assert isinstance(first["Delegate ID"], int)
    registered = next(h for h in header if h.startswith("Registered at"))
    assert isinstance(first[registered], datetime)
