"""Invitations end to end in a real browser (see tests/suites/test_browser.py for the set-up): an organizer
imports three invitees and sends them; one accepts and registers, one declines, one link is revoked
and then refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from registrations.models import (
    Delegate,
    DelegateStatus,
    GuestRegistration,
    Invitation,
    InvitationStatus,
    SeatStatus,
)
from registrations.outputs import emails
from registrations.queries import links
from tests.factories import organizer
from tests.suites.test_browser import (  # noqa: F401 - fixtures
    OPEN_RISK,
    OPEN_SYNTHETIC,
    admin_login,
    agenda,
    browser,
    expect,
    expect_admin_messages,
    new_page,
    page,
    session_checkbox,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INVITEES = [
    ("ada@engines.example", "Ada Lovelace", "Analytical Engines", "academia"),
    ("grace@compilers.example", "Grace Hopper", "Compilers Ltd", "industry"),
    ("alan@machines.example", "Alan Turing", "Machines Society", "civil society"),
]


def run_invitation_action(page, action: str, names: list[str]) -> None:  # noqa: F811
    for name in names:
        page.locator("#result_list tbody tr").filter(has_text=name).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_title("Run the selected action").click()


def test_organizer_imports_three_one_registers_one_declines_one_is_revoked(page, new_page, event, agenda, mailoutbox):  # noqa: F811
    event.guest_registration = GuestRegistration.INVITATION_ONLY
    event.save()
    csv_text = "email,name,organization,stakeholder type,sessions,expiry,pre-approved\n" + "".join(
        f"{email},{name},{org},{kind},{OPEN_RISK};{OPEN_SYNTHETIC},,yes\n" for email, name, org, kind in INVITEES
    )

    # The organizer imports the file: a preview first, then all rows.
    admin_login(page, organizer())
    page.goto(reverse("admin:registrations_invitation_changelist"))
    page.get_by_role("link", name="Import from CSV or XLSX").click()
    page.get_by_label("File").set_input_files(
        {"name": "invitees.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".import-ready")).to_have_text("All 3 rows are ready to import as draft invitations.")
    page.get_by_role("button", name="Import all rows").click()
    expect_admin_messages(page, ["3 invitations imported as drafts: select them and send."])
    assert Invitation.objects.filter(status=InvitationStatus.DRAFT).count() == 3

    # ... and sends them.
    names = [name for _email, name, _org, _kind in INVITEES]
    run_invitation_action(page, "Send (or send again) the selected invitations", names)
    expect_admin_messages(page, ["3 invitations queued for sending."])
    assert emails.deliver() == (3, 0)
    ada, grace, alan = (Invitation.objects.get(email=email) for email, *_ in INVITEES)
    accept_path = reverse("registrations:invitation", args=[links.invitation_token(ada)])
    assert accept_path in next(m.body for m in mailoutbox if m.to == [ada.email])

    # Ada accepts: the form is hers (name, address, organization), and offers the covered sessions.
    guest = new_page()
    guest.goto(accept_path)
    expect(guest.get_by_label("Given name")).to_have_value("Ada")
    expect(guest.get_by_label("Email")).to_have_value("ada@engines.example")
    expect(guest.get_by_label("Organization")).to_be_disabled()
    session_checkbox(guest, OPEN_RISK).check()
    guest.get_by_label("I agree that the organizers process the data above").check()
    guest.get_by_role("button", name="Register").click()
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()
    delegate = Delegate.objects.get(email="ada@engines.example")
    assert (delegate.status, delegate.invitation_id) == (DelegateStatus.APPROVED, ada.pk)
    assert list(delegate.session_registrations.values_list("session__title", "status")) == [
        (OPEN_RISK, SeatStatus.CONFIRMED)
    ]

    # Grace declines from her link.
    declining = new_page()
    declining.goto(reverse("registrations:decline_invitation", args=[links.invitation_token(grace)]))
    declining.get_by_label("Anything you would like the organizers to know").fill("Travelling that week")
    declining.get_by_role("button", name="Decline the invitation").click()
    expect(declining.get_by_role("heading", name="You have declined the invitation")).to_be_visible()

    # The organizer sees it, and revokes Alan's invitation.
    page.goto(reverse("admin:registrations_invitation_changelist") + "?status__exact=declined")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr")).to_contain_text("Grace Hopper")
    page.goto(reverse("admin:registrations_invitation_changelist"))
    run_invitation_action(page, "Revoke the selected invitations", ["Alan Turing"])
    # It asks first, naming whose link stops working.
    expect(page.get_by_role("heading", name="Revoke invitations?")).to_be_visible()
    expect(page.locator(".revoke-confirmation table tbody tr")).to_have_count(1)
    expect(page.locator(".revoke-confirmation table tbody tr")).to_contain_text("Alan Turing")
    page.get_by_role("button", name="Yes, revoke 1 invitation").click()
    expect_admin_messages(page, ["1 invitation revoked; its link no longer works."])

    # Alan's link is refused: a page that says why, never the form.
    refused = new_page()
    response = refused.goto(reverse("registrations:invitation", args=[links.invitation_token(alan)]))
    assert response.status == 410
    expect(refused.locator(".invitation-reason")).to_have_text(
        re.compile("This invitation has been withdrawn by the organizers.")
    )
    expect(refused.locator("form.registration-form")).to_have_count(0)
    assert Delegate.objects.count() == 1
