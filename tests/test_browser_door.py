"""The door page in a real browser at phone width: scan, read the answer, and keep working offline.

Uses the Chromium and live-server fixtures of tests/test_browser.py (skipped or failed the same way).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registrations import badges
from registrations.models import AccessTier, CheckIn, DelegateStatus, SeatStatus, StakeholderType
from tests import test_browser
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, UserFactory
from tests.test_browser import PASSWORD, expect

# The browser, a fresh page on the live server, and where screenshots go: test_browser's fixtures.
browser = test_browser.browser
new_page = test_browser.new_page
screenshot_dir = test_browser.screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def door(event):
    session = SessionFactory(event=event, title="Joint testing", access_tier=AccessTier.GOVERNMENT_ONLY, capacity=10)
    uk = DelegateFactory(
        event=event, government=True, status=DelegateStatus.APPROVED, given_name="Priya", family_name="Shah"
    )
    SessionRegistrationFactory(delegate=uk, session=session, status=SeatStatus.CONFIRMED)
    guest = DelegateFactory(
        event=event,
        status=DelegateStatus.APPROVED,
        stakeholder_type=StakeholderType.INDUSTRY,
        organization="Frontier Labs",
        given_name="Sam",
        family_name="Lee",
    )
    user = UserFactory(username="door", is_staff=False)
    user.groups.add(Group.objects.get(name="Door staff"))
    return {"session": session, "uk": uk, "guest": guest}


def open_door(new_page, door):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(reverse("registrations:door_login"))
    page.get_by_label("Username").fill("door")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Joint testing").check()
    page.get_by_label("Door name").fill("North door")
    page.get_by_role("button", name="Open the door").click()
    expect(page.locator("#door[data-list]")).to_be_attached()  # the admit list has arrived
    return page


def scan(page, code: str) -> None:
    field = page.get_by_label("Scan a badge")
    expect(field).to_be_focused()  # a hardware scanner types into whatever has the focus
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_door_at_phone_width_admits_a_government_badge_and_refuses_a_guest(new_page, door, screenshot_dir):
    page = open_door(new_page, door)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir / "door-page-phone.png"))
    scan(page, badges.code_for(door["uk"]))
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    expect(verdict).to_contain_text("Priya Shah")
    expect(verdict).to_contain_text("AI Safety Institute (United Kingdom)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir / "door-admit-phone.png"))
    expect(page.locator("#attendance-count")).to_have_text("1")
    page.get_by_role("link", name="Next scan").click()
    expect(verdict).to_be_hidden()
    scan(page, badges.code_for(door["guest"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    expect(verdict).to_contain_text("Government-only session: this badge belongs to a guest (industry).")
    page.screenshot(path=str(screenshot_dir / "door-refuse-phone.png"))

    # The scanner reads the next badge while the answer is still shown: the next scan starts.
    page.keyboard.type(badges.code_for(door["uk"]))
    page.keyboard.press("Enter")
    expect(verdict).to_contain_text("Already checked in at")
    expect(verdict).to_contain_text("at North door")
    assert CheckIn.objects.filter(delegate=door["uk"]).count() == 1


def test_door_keeps_deciding_offline_and_sends_the_scans_when_the_network_returns(new_page, door):
    page = open_door(new_page, door)
    page.context.set_offline(True)
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    expect(page.locator("#verdict-offline")).to_be_visible()
    page.get_by_role("link", name="Next scan").click()
    scan(page, badges.code_for(door["guest"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    page.get_by_role("link", name="Next scan").click()
    expect(page.locator("#queue")).to_contain_text("2 scans waiting to be sent")
    assert CheckIn.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden()
    check_in = CheckIn.objects.get()
    assert (check_in.delegate, check_in.door, check_in.offline) == (door["uk"], "North door", True)
    expect(page.locator("#attendance-count")).to_have_text("1")
    assert stored_admit_lists(page) == 1

    # Signing out drops the admit list from the browser.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Door sign-in")).to_be_visible()
    assert stored_admit_lists(page) == 0


COUNT_LISTS = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open("door", 1);
  request.onsuccess = () => {
    const count = request.result.transaction("lists").objectStore("lists").count();
    count.onsuccess = () => resolve(count.result);
    count.onerror = () => reject(count.error);
  };
  request.onerror = () => reject(request.error);
})"""


def stored_admit_lists(page) -> int:
    return page.evaluate(COUNT_LISTS)


def test_door_staff_undo_a_mistaken_check_in_with_a_reason(new_page, door):
    page = open_door(new_page, door)
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    page.get_by_placeholder("Why undo?").fill("Scanned the wrong badge")
    page.get_by_role("button", name="Undo check-in").click()
    expect(page.locator("#verdict-message")).to_have_text("Check-in of Priya Shah undone.")
    expect(page.locator("#attendance-count")).to_have_text("0")
    check_in = CheckIn.objects.get()
    assert (check_in.undo_reason, check_in.undone_by_name) == ("Scanned the wrong badge", "door")
