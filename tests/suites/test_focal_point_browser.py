"""Focal points end to end in a real browser (see tests/suites/test_browser.py for the set-up): a focal
point signs in to the institute portal, endorses two delegates, declines one and nominates a
colleague; an organizer then approves the endorsed ones and is refused the override without a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registrations.models import Delegate, DelegateStatus, Endorsement, Invitation, StakeholderType
from tests.factories import DelegateFactory, SessionRegistrationFactory, focal_point, organizer
from tests.suites.test_browser import (  # noqa: F401 - fixtures
    GOV_HEADS,
    PASSWORD,
    admin_login,
    agenda,
    browser,
    expect,
    new_page,
    page,
    run_delegate_action,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAMES = ["Ada Official", "Ben Official", "Cleo Official"]


def delegation_of_three(event, sessions):
    """The UK's focal point, and three UK officials asking for the heads' session (endorsement required)."""
    event.endorsement_required = True
    event.save()
    gb = focal_point("GB")
    for name in NAMES:
        given, family = name.split()
        delegate = DelegateFactory(event=event, government=True, given_name=given, family_name=family)
        SessionRegistrationFactory(delegate=delegate, session=sessions[GOV_HEADS])
    return gb


def portal_sign_in(tab, gb) -> None:
    tab.goto(reverse("registrations:portal_login"))
    tab.get_by_label("Username").fill(gb.user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def test_focal_point_endorses_declines_and_nominates_then_the_organizer_approves(page, new_page, event, agenda):  # noqa: F811
    gb = delegation_of_three(event, agenda)

    # The focal point signs in and opens the convening.
    portal_sign_in(page, gb)
    page.get_by_role("link", name=event.name).click()
    expect(page.get_by_text("Quota: 0 of 8 approved, 8 left.")).to_be_visible()

    # Endorse two, after the confirmation page.
    page.get_by_label("Ada Official").check()
    page.get_by_label("Ben Official").check()
    page.get_by_role("button", name="Endorse selected…").click()
    expect(page.get_by_role("heading", name="Endorse 2 delegates?")).to_be_visible()
    page.get_by_role("button", name="Yes, endorse").click()
    expect(page.get_by_role("status").filter(has_text="Endorsed: Ada Official, Ben Official.")).to_be_visible()

    # Decline one: the reason is required.
    page.get_by_label("Cleo Official").check()
    page.get_by_role("button", name="Decline selected…").click()
    page.get_by_role("button", name="Yes, decline").click()
    expect(page.get_by_text("Please give a reason for declining.")).to_be_visible()
    page.get_by_label("Reason").fill("Not on our delegation list.")
    page.get_by_role("button", name="Yes, decline").click()
    expect(page.get_by_role("status").filter(has_text="Declined: Cleo Official.")).to_be_visible()

    # Nominate a colleague.
    page.get_by_role("link", name="Nominate a colleague").click()
    page.get_by_label("Colleague's full name").fill("Grace Hopper")
    page.get_by_label("Colleague's official email address").fill("grace.hopper@dsit.gov.uk")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to grace.hopper@dsit.gov.uk")).to_be_visible()
    nomination = Invitation.objects.get()
    assert (nomination.stakeholder_type, nomination.institute_id) == (StakeholderType.GOVERNMENT, gb.institute_id)

    # The organizer approves the endorsed two; the declined one stays pending.
    desk = new_page(viewport={"width": 1280, "height": 900})
    admin_login(desk, organizer())
    desk.goto(reverse("admin:registrations_delegate_changelist"))
    run_delegate_action(desk, "Approve selected delegates…", NAMES)
    # The confirmation says before the click that the declined one stays pending, and why.
    expect(desk.locator(".decision-skipped")).to_contain_text("Cleo Official")
    desk.get_by_role("button", name="Yes, approve 2 delegates").click()
    expect(desk.locator("ul.messagelist li").first).to_contain_text("Approved 2 delegates")
    expect(desk.locator("ul.messagelist")).to_contain_text("Cleo Official was not approved")
    statuses = dict(Delegate.objects.values_list("given_name", "status"))
    assert statuses == {"Ada": DelegateStatus.APPROVED, "Ben": DelegateStatus.APPROVED, "Cleo": DelegateStatus.PENDING}

    # The override needs a reason: without one it is refused and nothing changes.
    run_delegate_action(desk, "Approve selected delegates without endorsement…", ["Cleo Official"])
    desk.get_by_role("button", name="Yes, approve 1 delegate").click()
    expect(desk.get_by_text("Give a reason: approving without endorsement")).to_be_visible()
    cleo = Delegate.objects.get(given_name="Cleo")
    assert (cleo.status, cleo.endorsement) == (DelegateStatus.PENDING, Endorsement.DECLINED)


def test_the_portal_on_a_phone_has_a_usable_language_menu_and_no_sideways_scroll(new_page, event, agenda):  # noqa: F811
    gb = delegation_of_three(event, agenda)
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    portal_sign_in(phone, gb)
    phone.get_by_role("link", name=event.name).click()
    expect(phone.get_by_label("Ada Official")).to_be_visible()

    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    menu = phone.locator("#language-switch")
    box = menu.bounding_box()
    # The chosen language's name fits in the menu (it was an empty box a few pixels wide).
    assert box["width"] >= menu.evaluate("el => el.options[el.selectedIndex].text.length * 6 + 30")
    rows = phone.locator(".portal-delegates tbody tr")
    heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    assert max(heights) < 260, heights  # a delegate reads as a short card, not a column of wrapped words
