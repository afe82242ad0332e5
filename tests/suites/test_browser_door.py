"""The door page in a real browser at phone width: scan, read the answer, and keep working offline.

Uses the Chromium and live-server fixtures of tests/suites/test_browser.py (skipped or failed the same way).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registrations.models import AccessTier, CheckIn, DelegateStatus, SeatStatus, StakeholderType
from registrations.rules import badges
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, UserFactory, venue_time
from tests.suites import test_browser
from tests.suites.test_browser import PASSWORD, expect, expect_no_english

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


def scan(page, code: str, *, label: str = "Scan a badge") -> None:
    field = page.get_by_label(label)
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
    expect_undone_screen(page, "Check-in undone")


GREEN, RED = "rgb(20, 122, 60)", "rgb(176, 22, 22)"


def expect_undone_screen(page, word: str) -> None:
    """After an undo the answer is neither ADMIT (green) nor DO NOT ADMIT (red): a neutral screen."""
    verdict = page.locator("#verdict")
    expect(verdict).to_have_class("verdict verdict-undone")
    expect(page.locator("#verdict-word")).to_have_text(word)
    expect(page.locator("#undo-form")).to_be_hidden()
    background = verdict.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in (GREEN, RED)


def test_already_checked_in_offers_to_undo_that_check_in(new_page, door):
    page = open_door(new_page, door)
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    page.get_by_role("link", name="Next scan").click()
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    expect(page.locator("#verdict")).to_contain_text("Already checked in at")
    page.get_by_placeholder("Why undo?").fill("Badge scanned by the wrong door")
    page.get_by_role("button", name="Undo check-in").click()
    expect_undone_screen(page, "Check-in undone")
    expect(page.locator("#attendance-count")).to_have_text("0")
    assert CheckIn.objects.get().undo_reason == "Badge scanned by the wrong door"


def no_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_the_door_in_french_at_phone_width_has_no_english_and_no_overflow(new_page, door, event, screenshot_dir):
    event.name_fr = "Réunion du Réseau international des instituts de sécurité de l'IA"
    event.save()
    door["session"].title_fr = "Essais conjoints"
    door["session"].starts_at, door["session"].ends_at = venue_time(event, 9), venue_time(event, 10.5)
    door["session"].save()
    page = new_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="fr-CA",
        extra_http_headers={"Accept-Language": "fr-CA,fr;q=0.9"},
    )
    page.goto(reverse("registrations:door_login"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect_no_english(page)
    page.locator("#id_username").fill("door")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()

    # The picker: venue times, in French, the zone named.
    choice = page.locator("label.door-choice", has_text="Essais conjoints")
    expect(choice).to_contain_text("9 h 00 – 10 h 30 (heure du Pacifique)")
    no_overflow(page)
    expect_no_english(page)
    page.screenshot(path=str(screenshot_dir / "door-pick-fr.png"))
    choice.locator("input").check()
    page.locator("#door-name").fill("Porte nord")
    page.locator(".door-pick button[type=submit]").click()
    expect(page.locator("#door[data-list]")).to_be_attached()
    no_overflow(page)
    expect_no_english(page)

    scan(page, badges.code_for(door["uk"]), label="Scanner un badge")
    expect(page.locator("#verdict-word")).to_have_text("ADMETTRE")
    no_overflow(page)
    expect_no_english(page)
    page.locator("#verdict-next").click()
    scan(page, badges.code_for(door["uk"]), label="Scanner un badge")
    expect(page.locator("#verdict-message")).to_contain_text("à Porte nord")
    expect(page.locator("#undo-form")).to_be_visible()
    no_overflow(page)
    expect_no_english(page)
    page.screenshot(path=str(screenshot_dir / "door-already-fr.png"))
    page.locator("#undo-reason").fill("Mauvais badge")
    page.locator("#undo-form button[type=submit]").click()
    expect_undone_screen(page, "Entrée annulée")
    no_overflow(page)
    expect_no_english(page)
    page.screenshot(path=str(screenshot_dir / "door-undone-fr.png"))


def test_the_name_search_takes_a_one_syllable_korean_family_name(new_page, door, event):
    DelegateFactory(event=event, status=DelegateStatus.APPROVED, given_name="민준", family_name="이")
    page = open_door(new_page, door)
    page.get_by_label("No badge? Find by name").fill("이")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#search-results .search-result")).to_have_count(1)
    expect(page.locator("#search-results")).to_contain_text("이민준")  # hangul: family name first, no space


@pytest.mark.parametrize("width", [390, 1280])
def test_the_door_pages_have_no_serious_accessibility_violations(new_page, door, width):
    if test_browser.AXE_SCRIPT is None or not test_browser.AXE_SCRIPT.exists():
        test_browser.skip_or_fail("axe-core is not installed (axe-playwright-python is pinned in requirements-dev.txt)")
    page = new_page(viewport={"width": width, "height": 844})
    page.emulate_media(reduced_motion="reduce")
    page.context.add_init_script(path=str(test_browser.AXE_SCRIPT))
    page.goto(reverse("registrations:door_login"))
    found = test_browser.axe_violations(page)
    page.get_by_label("Username").fill("door")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    found += test_browser.axe_violations(page)  # choosing the door
    page.get_by_label("Joint testing").check()
    page.get_by_label("Door name").fill("North door")
    page.get_by_role("button", name="Open the door").click()
    expect(page.locator("#door[data-list]")).to_be_attached()
    found += test_browser.axe_violations(page)
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    found += test_browser.axe_violations(page)  # the answer on the screen

    assert found == [], "\n".join(found)


def test_the_door_reopens_after_a_reload_offline_and_sends_its_scans_when_back(new_page, door):
    """Reloaded without the network, the page comes back from its service worker with the admit list
    from IndexedDB: it admits the government delegate, refuses the guest, searches the list by name,
    counts the offline admission; online again, the server has the check-in."""
    page = open_door(new_page, door)
    # The worker claims the page when it activates (a function: the CSP forbids evaluating a string).
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    expect(page.locator("#door[data-list]")).to_be_attached()
    expect(page.locator("#door[data-page-kept]")).to_be_attached()  # the page is in the worker's cache
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#door[data-list]")).to_be_attached()  # the admit list, from IndexedDB
    scan(page, badges.code_for(door["uk"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    expect(page.locator("#verdict-offline")).to_be_visible()
    page.get_by_role("link", name="Next scan").click()
    expect(page.locator("#attendance-count")).to_have_text("1")  # the offline admission counts
    scan(page, badges.code_for(door["guest"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    page.get_by_role("link", name="Next scan").click()
    page.get_by_label("No badge? Find by name").fill("Sam")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#search-note")).to_contain_text("only delegates this door admits")
    expect(page.locator("#search-results")).to_contain_text("Nobody found.")  # the guest is not admissible here
    assert CheckIn.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=15000)
    check_in = CheckIn.objects.get()
    assert (check_in.delegate, check_in.offline) == (door["uk"], True)
    expect(page.locator("#offline-banner")).to_be_hidden()
