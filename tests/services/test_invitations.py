"""Invitations: the event's setting for guests, signup through a link (form, crafted POST), the
status page, held seats on every path, declining, and the rule every path asks."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations import queries, rules, services
from registrations.models import (
    AccessTier,
    AuditAction,
    AuditEntry,
    Delegate,
    DelegateStatus,
    EmailKind,
    GuestRegistration,
    Invitation,
    InvitationKind,
    InvitationStatus,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.public.views import SIGNUP_RECEIPT_COOKIE
from registrations.queries import links
from registrations.services import invitation_sending, invitations, invitees, seats
from tests.factories import DelegateFactory, InvitationFactory, SessionFactory, SessionRegistrationFactory
from tests.public.test_signup import REGISTER, industry_signup, signup


@pytest.fixture
def invitation_only(event):
    event.guest_registration = GuestRegistration.INVITATION_ONLY
    event.save()
    return event


@pytest.fixture
def covered(event):
    return SessionFactory(event=event, title="Evaluations in practice", capacity=3)


@pytest.fixture
def uncovered(event):
    return SessionFactory(event=event, title="Closed-door roundtable", capacity=3)


@pytest.fixture
def invitation(invitation_only, covered):
    return InvitationFactory(event=invitation_only, email="ada@engines.example", sessions=[covered])


def invite_url(invitation, action="invitation"):
    name = "registrations:invitation" if action == "invitation" else "registrations:decline_invitation"
    return reverse(name, args=[links.invitation_token(invitation)])


def invitee_form(invitation, sessions, **overrides):
    data = signup(
        given_name="Ada",
        family_name="Lovelace",
        email=invitation.email or "someone@engines.example",
        stakeholder_type=invitation.stakeholder_type,
        institute=None,
        organization=invitation.organization,
        sessions=[s.pk for s in sessions],
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------- the event's setting


def test_invitation_only_form_explains_and_offers_the_government_type_only(client, invitation_only, open_session):
    html = client.get(REGISTER).content.decode()
    assert "take part by invitation of the organizers" in html
    assert invitation_only.contact_email in html
    assert 'value="government"' in html
    assert 'value="industry"' not in html


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (GuestRegistration.INVITATION_ONLY, "take part by invitation of the organizers"),
        (GuestRegistration.CLOSED, "participants is closed"),
    ],
)
def test_crafted_guest_post_without_an_invitation_is_refused_with_no_row(client, event, open_session, setting, message):
    event.guest_registration = setting
    event.save()
    response = client.post(REGISTER, industry_signup(sessions=[open_session.pk]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Delegate.objects.count() == 0


def test_the_service_refuses_a_guest_without_an_invitation(invitation_only, open_session):
    details = {k: v for k, v in industry_signup().items() if k != "institute"}
    details["consent_data_processing"] = True
    with pytest.raises(services.NotEligible, match="by invitation"):
        services.register_delegate(event=invitation_only, details=details, sessions=[open_session])
    assert Delegate.objects.count() == 0


def test_government_delegates_are_unaffected_by_invitation_only(client, invitation_only, open_session):
    response = client.post(REGISTER, signup(sessions=[open_session.pk]))
    assert response.status_code == 302
    assert Delegate.objects.get().stakeholder_type == StakeholderType.GOVERNMENT


def test_open_with_approval_still_takes_guests(client, event, open_session):
    assert event.guest_registration == GuestRegistration.OPEN
    assert client.post(REGISTER, industry_signup(sessions=[open_session.pk])).status_code == 302
    assert Delegate.objects.get().status == DelegateStatus.PENDING


# --------------------------------------------------------------------------- signup through the link


def test_link_shows_the_form_prefilled_with_only_covered_sessions_and_counts_the_opening(
    client, invitation, covered, uncovered
):
    response = client.get(invite_url(invitation))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="ada@engines.example"' in html
    assert 'value="Analytical Engines Institute"' in html
    assert covered.title in html
    assert f'value="{uncovered.pk}"' not in html
    # A GET (a mail scanner prefetching the link) writes nothing; the page's script says a person opened it.
    invitation.refresh_from_db()
    assert (invitation.status, invitation.opened_at) == (InvitationStatus.SENT, None)
    opened_url = reverse("registrations:invitation_opened", args=[links.invitation_token(invitation)])
    assert f'data-opened-url="{opened_url}"' in html
    assert client.get(opened_url).status_code == 405
    assert client.post(opened_url).status_code == 204
    assert client.post(opened_url).status_code == 204  # counted once
    invitation.refresh_from_db()
    assert (invitation.status, invitation.opened_at is not None) == (InvitationStatus.OPENED, True)
    assert AuditEntry.objects.filter(action=AuditAction.INVITATION_OPENED, invitation=invitation).count() == 1


def test_a_mail_scanner_fetching_the_link_leaves_the_invitation_unopened_and_the_forms_post_opens_it(
    client, invitation, covered
):
    for _ in range(3):
        assert client.get(invite_url(invitation)).status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.INVITATION_OPENED).exists()
    client.post(invite_url(invitation), {"email": ""})  # refused: the form has errors
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPENED
    assert AuditEntry.objects.filter(action=AuditAction.INVITATION_OPENED, invitation=invitation).count() == 1


def test_an_organization_ending_in_a_full_stop_reads_with_one(client, invitation, covered):
    invitation.organization = "Frontier Lab Inc."
    invitation.save()

    html = client.get(invite_url(invitation)).content.decode()

    assert "The organizers invite you, for Frontier Lab Inc.\n" in html
    assert "Inc.." not in html


def test_pre_approved_invitee_registers_and_is_confirmed(client, invitation, covered):
    response = client.post(invite_url(invitation), invitee_form(invitation, [covered]))
    assert response.status_code == 302
    delegate = Delegate.objects.get()
    assert (delegate.invitation, delegate.status, delegate.organization) == (
        invitation,
        DelegateStatus.APPROVED,
        "Analytical Engines Institute",
    )
    assert list(delegate.session_registrations.values_list("session", "status")) == [(covered.pk, SeatStatus.CONFIRMED)]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.uses) == (InvitationStatus.REGISTERED, 1)
    assert list(OutboundEmail.objects.filter(delegate=delegate).values_list("kind", flat=True)) == [EmailKind.APPROVED]


def done_page(client, response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("registrations:register_done")  # nothing about the delegate in it
    return client.get(response["Location"]).content.decode()


def listed(html: str, css_class: str) -> list[str]:
    found = re.search(rf'<ul class="{css_class}">(.*?)</ul>', html, re.S)
    return re.findall(r'<span class="fw-semibold">(.*?)</span>', found.group(1)) if found else []


def test_pre_approved_invitee_is_told_approved_with_seats_and_waitlist_places(client, event, invitation, covered):
    full = SessionFactory(event=event, title="Full roundtable", capacity=1)
    SessionRegistrationFactory(session=full, delegate=DelegateFactory(event=event), status=SeatStatus.CONFIRMED)
    invitation.sessions.add(full)

    html = done_page(client, client.post(invite_url(invitation), invitee_form(invitation, [covered, full])))

    assert "Your registration is approved." in html
    assert "pending review" not in html
    assert (listed(html, "confirmed-sessions"), listed(html, "waitlisted-sessions")) == (
        ["Evaluations in practice"],
        ["Full roundtable"],
    )
    assert (
        Delegate.objects.get(email="ada@engines.example").public_id.hex
        not in client.cookies[SIGNUP_RECEIPT_COOKIE].value
    )
    # Read once: a reload is the generic page.
    assert "Your registration is approved." not in client.get(reverse("registrations:register_done")).content.decode()


def test_invitee_needing_review_is_told_pending(client, invitation, covered):
    invitation.pre_approved = False
    invitation.save()

    html = done_page(client, client.post(invite_url(invitation), invitee_form(invitation, [covered])))

    assert "Your registration is pending review" in html
    assert "approved" not in html
    assert listed(html, "asked-sessions") == ["Evaluations in practice"]


def test_an_organization_code_tells_nothing_about_an_address_registered_before(client, invitation_only, covered):
    code = InvitationFactory(
        event=invitation_only,
        kind=InvitationKind.ORGANIZATION,
        email="",
        email_domains="lab.example",
        max_uses=5,
        organization="The Lab",
        sessions=[covered],
    )
    # A colleague registered through the public form, and is pending.
    DelegateFactory(
        event=invitation_only, email="known@lab.example", stakeholder_type=code.stakeholder_type, organization="The Lab"
    )
    url = invite_url(code)

    pages = [
        done_page(client, client.post(url, invitee_form(code, [covered], email=f"{who}@lab.example")))
        for who in ("known", "newer")
    ]

    assert [page.replace("newer@", "known@") for page in pages] == [pages[0], pages[0]]
    assert "Your registration is approved." in pages[0]
    assert Delegate.objects.get(email="known@lab.example").status == DelegateStatus.PENDING


def test_invitee_needing_review_is_pending(client, invitation, covered):
    invitation.pre_approved = False
    invitation.save()
    assert client.post(invite_url(invitation), invitee_form(invitation, [covered])).status_code == 302
    delegate = Delegate.objects.get()
    assert delegate.status == DelegateStatus.PENDING
    assert list(delegate.session_registrations.values_list("status", flat=True)) == [SeatStatus.REQUESTED]


def test_crafted_post_of_an_uncovered_session_is_refused_with_no_row(client, invitation, covered, uncovered):
    response = client.post(invite_url(invitation), invitee_form(invitation, [covered, uncovered]))
    assert response.status_code == 400
    assert Delegate.objects.count() == 0
    assert Invitation.objects.get().uses == 0


def test_the_service_refuses_an_uncovered_session(invitation, covered, uncovered):
    details = invitee_form(invitation, [])
    details.update(consent_data_processing=True, institute=None)
    with pytest.raises(services.NotEligible, match="not among the sessions your invitation covers"):
        services.register_delegate(
            event=invitation.event, details=details, sessions=[covered, uncovered], invitation=invitation
        )
    assert Delegate.objects.count() == 0


def test_crafted_post_cannot_change_the_type_or_the_organization(client, invitation, covered):
    data = invitee_form(invitation, [covered], stakeholder_type="government", organization="Someone Else")
    assert client.post(invite_url(invitation), data).status_code == 302
    delegate = Delegate.objects.get()
    assert (delegate.stakeholder_type, delegate.organization) == (
        StakeholderType.ACADEMIA,
        "Analytical Engines Institute",
    )


def test_personal_invitation_needs_its_own_address(client, invitation, covered):
    response = client.post(invite_url(invitation), invitee_form(invitation, [covered], email="eve@elsewhere.example"))
    assert response.status_code == 400
    assert "another email address" in response.content.decode()
    assert Delegate.objects.count() == 0


def test_personal_invitation_address_compares_in_canonical_form(client, invitation, covered):
    response = client.post(invite_url(invitation), invitee_form(invitation, [covered], email=" ada@ENGINES.example "))
    assert response.status_code == 302


def test_organization_code_limits_domains_and_uses(client, invitation_only, covered):
    code = InvitationFactory(
        event=invitation_only,
        kind=InvitationKind.ORGANIZATION,
        email="",
        email_domains="lab.example",
        max_uses=2,
        organization="The Lab",
        sessions=[covered],
    )
    url = invite_url(code)
    assert client.post(url, invitee_form(code, [covered], email="x@other.example")).status_code == 400
    assert (
        client.post(url, invitee_form(code, [covered], email="a@lab.example", organization="The Lab")).status_code
        == 302
    )
    assert client.post(url, invitee_form(code, [covered], email="b@eu.lab.example")).status_code == 302
    response = client.post(url, invitee_form(code, [covered], email="c@lab.example"))
    assert response.status_code == 410
    assert Delegate.objects.count() == 2
    code.refresh_from_db()
    assert (code.uses, code.status) == (2, InvitationStatus.REGISTERED)


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"status": InvitationStatus.REVOKED}, 410, "withdrawn by the organizers"),
        ({"status": InvitationStatus.DECLINED}, 410, "has been declined"),
        ({"uses": 1, "status": InvitationStatus.REGISTERED}, 410, "already been used"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 410, "has expired"),
    ],
)
def test_unusable_links_get_a_clear_page_never_the_form(client, invitation, covered, change, status, text):
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    for url in (invite_url(invitation), invite_url(invitation, "decline")):
        response = client.get(url)
        assert response.status_code == status
        assert text in response.content.decode()
        assert "registration-form" not in response.content.decode()
    assert client.post(invite_url(invitation), invitee_form(invitation, [covered])).status_code == status
    assert Delegate.objects.count() == 0


def test_forged_links_are_not_found(client, invitation):
    token = links.invitation_token(invitation)
    for forged in (token[:-2] + "xx", str(invitation.pk), "abc", token.replace(invitation.secret, "x" * 22)):
        assert client.get(reverse("registrations:invitation", args=[forged])).status_code == 404


def test_invitee_declines_and_held_seats_go_to_the_waitlist(client, invitation_only):
    session = SessionFactory(event=invitation_only, capacity=1)
    held = InvitationFactory(event=invitation_only, holds_seats=True, sessions=[session])
    waiting = DelegateFactory(event=invitation_only, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=waiting, session=session, status=SeatStatus.WAITLISTED)

    response = client.post(invite_url(held, "decline"), {"reason": "Teaching that week"})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == InvitationStatus.DECLINED
    assert waiting.session_registrations.get().status == SeatStatus.CONFIRMED
    entry = AuditEntry.objects.get(action=AuditAction.INVITATION_DECLINED)
    assert (entry.invitation, entry.reason) == (held, "Teaching that week")
    assert client.get(invite_url(held)).status_code == 410


# --------------------------------------------------------------------------- the status page


def register_through(invitation, sessions):
    details = invitee_form(invitation, [])
    details.update(consent_data_processing=True, institute=None, consent_participant_list=False)
    details.pop("sessions", None)
    return services.register_delegate(
        event=invitation.event, details=details, sessions=sessions, invitation=invitation
    ).delegate


def test_status_page_names_the_invitation_and_offers_only_covered_sessions(client, invitation, covered, uncovered):
    other = SessionFactory(event=invitation.event, title="Another covered one")
    invitation.sessions.add(other)
    delegate = register_through(invitation, [covered])
    html = client.get(links.status_path(delegate)).content.decode()
    assert "You registered through a personal invitation" in html
    assert "Analytical Engines Institute" in html
    assert f'<option value="{other.pk}"' in html
    assert f'<option value="{uncovered.pk}"' not in html


def test_status_page_refuses_a_crafted_uncovered_session(client, invitation, covered, uncovered):
    delegate = register_through(invitation, [covered])
    token = links.make_token(delegate)
    response = client.post(reverse("registrations:add_session", args=[token]), {"session": uncovered.pk})
    assert response.status_code == 400
    assert "not among the sessions your invitation covers" in response.content.decode()
    assert delegate.session_registrations.count() == 1


def test_add_session_service_refuses_an_uncovered_session(invitation, covered, uncovered):
    delegate = register_through(invitation, [covered])
    with pytest.raises(services.NotEligible):
        services.add_session(delegate=delegate, session=uncovered, actor=services.Actor.delegate())


# --------------------------------------------------------------------------- the rule


def test_may_attend_for_a_type_an_invitation_and_a_delegate(invitation, covered, uncovered, government_session):
    assert rules.may_attend(StakeholderType.ACADEMIA, uncovered)
    assert rules.may_attend(StakeholderType.ACADEMIA, covered, invitation=invitation)
    assert not rules.may_attend(StakeholderType.ACADEMIA, uncovered, invitation=invitation)
    assert not rules.may_attend(StakeholderType.ACADEMIA, government_session, invitation=invitation)
    delegate = register_through(invitation, [covered])
    assert [s.title for s in rules.allowed_sessions(delegate)] == [s.title for s in [covered]]


def test_an_invitation_never_covers_a_government_only_session(invitation_only, government_session, organizer_actor):
    new = Invitation(
        event=invitation_only,
        email="x@y.example",
        organization="Y",
        stakeholder_type=StakeholderType.INDUSTRY,
        expires_at=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(services.NotEligible, match="government-only"):
        invitations.create_invitation(invitation=new, sessions=[government_session], actor=organizer_actor)
    assert Invitation.objects.count() == 0


def test_waitlist_promotion_skips_an_invitee_for_an_uncovered_session(invitation, covered, uncovered):
    delegate = register_through(invitation, [covered])
    # A seat an organizer once gave outside the invitation's scope is cancelled, not promoted.
    SessionRegistrationFactory(delegate=delegate, session=uncovered, status=SeatStatus.WAITLISTED)
    outgoing = []
    changes = seats.promote_waitlist([uncovered.pk], outgoing)
    assert delegate.session_registrations.get(session=uncovered).status == SeatStatus.CANCELLED
    assert changes.count(SeatStatus.CONFIRMED) == 0


# --------------------------------------------------------------------------- held seats


@pytest.fixture
def small(event):
    return SessionFactory(event=event, title="Small room", capacity=2)


def test_held_seats_show_on_the_agenda_and_the_admin_counts(client, event, small):
    InvitationFactory(event=event, holds_seats=True, sessions=[small])
    assert "1 of 2 seats left" in client.get("/").content.decode()
    assert queries.sessions_with_seats().get(pk=small.pk).seats_left == 1
    assert queries.seats_left_by_session(event) == {small.pk: 1}


def test_expired_or_revoked_invitations_hold_nothing(event, small):
    InvitationFactory(event=event, holds_seats=True, sessions=[small], expires_at=timezone.now() - timedelta(hours=1))
    InvitationFactory(event=event, holds_seats=True, sessions=[small], status=InvitationStatus.REVOKED)
    assert seats.held_counts([small.pk]) == {}
    assert queries.seats_left_by_session(event) == {small.pk: 2}


def test_held_seats_count_against_approval(event, small, organizer_actor):
    InvitationFactory(event=event, holds_seats=True, max_uses=2, kind=InvitationKind.ORGANIZATION, sessions=[small])
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=small)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert delegate.session_registrations.get().status == SeatStatus.WAITLISTED


def test_held_seats_count_against_add_session(event, small):
    InvitationFactory(event=event, holds_seats=True, max_uses=2, kind=InvitationKind.ORGANIZATION, sessions=[small])
    delegate = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    registration = services.add_session(delegate=delegate, session=small, actor=services.Actor.delegate())
    assert registration.status == SeatStatus.WAITLISTED


def test_capacity_cannot_go_below_held_seats(event, small):
    InvitationFactory(event=event, holds_seats=True, max_uses=2, kind=InvitationKind.ORGANIZATION, sessions=[small])
    with pytest.raises(services.CapacityBelowConfirmed, match="2 held by invitations"):
        services.check_capacity(session=small, capacity=1)
    services.check_capacity(session=small, capacity=2)


def test_capacity_check_counts_held_seats(event, small):
    InvitationFactory(event=event, holds_seats=True, max_uses=2, kind=InvitationKind.ORGANIZATION, sessions=[small])
    confirmed = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=confirmed, session=small, status=SeatStatus.CONFIRMED)
    small.capacity = 3
    small.save()
    with pytest.raises(services.CapacityBelowConfirmed, match="capacity cannot go below 3"):
        services.check_capacity(session=small, capacity=2)


def test_the_invitee_takes_their_held_seat_when_the_session_is_otherwise_full(client, event, small):
    event.guest_registration = GuestRegistration.INVITATION_ONLY
    event.save()
    held = InvitationFactory(event=event, holds_seats=True, sessions=[small])
    other = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=other, session=small, status=SeatStatus.CONFIRMED)
    late = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    assert services.add_session(delegate=late, session=small, actor=services.Actor.delegate()).status == (
        SeatStatus.WAITLISTED
    )
    delegate = register_through(held, [small])
    assert delegate.session_registrations.get().status == SeatStatus.CONFIRMED
    assert late.session_registrations.get().status == SeatStatus.WAITLISTED


def test_an_unused_held_seat_goes_to_the_waitlist_when_the_invitee_takes_other_sessions(event, small):
    event.guest_registration = GuestRegistration.INVITATION_ONLY
    event.save()
    other_session = SessionFactory(event=event, capacity=5)
    held = InvitationFactory(event=event, holds_seats=True, sessions=[small, other_session])
    for _ in range(2):
        DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    first, second = Delegate.objects.order_by("pk")
    SessionRegistrationFactory(delegate=first, session=small, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(delegate=second, session=small, status=SeatStatus.WAITLISTED)
    register_through(held, [other_session])
    assert second.session_registrations.get().status == SeatStatus.CONFIRMED


def test_revoking_releases_held_seats_to_the_waitlist(event, small, organizer_actor):
    held = InvitationFactory(
        event=event, holds_seats=True, max_uses=2, kind=InvitationKind.ORGANIZATION, sessions=[small]
    )
    waiting = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=waiting, session=small, status=SeatStatus.WAITLISTED)
    result = invitation_sending.revoke_invitations(invitation_ids=[held.pk], actor=organizer_actor)
    assert result.done == [held]
    assert waiting.session_registrations.get().status == SeatStatus.CONFIRMED
    assert OutboundEmail.objects.filter(delegate=waiting, kind=EmailKind.PROMOTED).count() == 1


def test_a_held_invitation_needs_free_seats(event, small, organizer_actor):
    confirmed = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    SessionRegistrationFactory(delegate=confirmed, session=small, status=SeatStatus.CONFIRMED)
    new = Invitation(
        event=event,
        kind=InvitationKind.ORGANIZATION,
        max_uses=2,
        holds_seats=True,
        organization="Lab",
        stakeholder_type=StakeholderType.INDUSTRY,
        expires_at=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(services.NotEligible, match="1 seats left"):
        invitations.create_invitation(invitation=new, sessions=[small], actor=organizer_actor)


def test_session_tier_change_to_government_only_is_enforced_for_invitees(invitation, covered, organizer_actor):
    delegate = register_through(invitation, [covered])
    services.update_session(session=covered, changes={"access_tier": AccessTier.GOVERNMENT_ONLY}, actor=organizer_actor)
    assert delegate.session_registrations.get().status == SeatStatus.CANCELLED
    assert SessionRegistration.objects.filter(status=SeatStatus.CONFIRMED).count() == 0


# --------------------------------------------------------------------------- retention


def test_the_retention_purge_erases_who_invitations_were_for(invitation, covered):
    event = invitation.event
    register_through(invitation, [covered])
    invitees.decline_invitation(
        invitation=InvitationFactory(event=event, email="bob@x.example", sessions=[covered]), reason="Bob is away"
    )
    token = links.invitation_token(invitation)
    later = event.retention_ends_at + timedelta(days=1)
    services.purge_personal_data(event=event, actor=services.Actor.system(), now=later)
    assert list(Invitation.objects.values_list("name", flat=True)) == ["", ""]
    assert all(e.endswith("@erased.invalid") for e in Invitation.objects.values_list("email", flat=True))
    assert AuditEntry.objects.filter(invitation__isnull=False).exclude(reason="").count() == 0
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REGISTERED
    with pytest.raises(links.InvalidLink):
        links.invitation_for_token(token)


def test_the_invitees_form_offers_the_language_seeded_from_the_invitation(client, event, open_session):
    invitation = InvitationFactory(event=event, sessions=[open_session], language="fr")
    html = client.get(invite_url(invitation)).content.decode()
    select = re.search(r'<select[^>]*id="id_language"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\w+)" selected>', select) == ["fr"]


def test_the_invitation_page_says_where_each_covered_session_stands(client, event, full_session):
    roomy = SessionFactory(event=event, title="Roomy session", capacity=50)
    plain = InvitationFactory(event=event, sessions=[full_session, roomy])
    held = InvitationFactory(event=event, holds_seats=True, sessions=[roomy])

    page = client.get(invite_url(plain)).content.decode()
    covered = page.split('class="invitation-sessions"')[1].split("</ul>")[0]
    items = {item.split(" · ")[0]: item for item in covered.split("<li>")[1:]}
    assert "full: you would join its waitlist" in items[full_session.title]
    assert "seats left" in items["Roomy session"]
    assert "a seat is held for you" in client.get(invite_url(held)).content.decode()
