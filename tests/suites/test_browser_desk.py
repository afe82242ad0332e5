"""The badge desk and the door with identity checks, in a real browser: the issue's demo path. A
Japanese delegate's badge is refused at a government-only door ("badge desk"); the desk finds her by
"Yamada", sees her photo and "YAMADA Taro", checks her passport and activates the badge; the door then
admits her with her photo; reloaded offline, it still admits her and refuses an industry guest.

Uses the Chromium and live-server fixtures of tests/suites/test_browser.py (skipped or failed the same way).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registrations import services
from registrations.models import AccessTier, DelegateStatus, SeatStatus, StakeholderType
from registrations.rules import badges
from registrations.services import photos
from tests import images
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, UserFactory, institute
from tests.suites import test_browser
from tests.suites.test_browser import PASSWORD, expect
from tests.suites.test_browser_door import PHONE, open_door, scan

browser = test_browser.browser
new_page = test_browser.new_page
screenshot_dir = test_browser.screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def door(event):
    event.badge_activation_required = True
    event.save()
    session = SessionFactory(event=event, title="Joint testing", access_tier=AccessTier.GOVERNMENT_ONLY, capacity=10)
    yamada = DelegateFactory(
        event=event,
        government=True,
        institute=institute("JP"),
        status=DelegateStatus.APPROVED,
        given_name="太郎",
        family_name="山田",
        passport_name="YAMADA Taro",
    )
    photos.add_photo(
        delegate=yamada, photo=photos.prepared_photo(images.upload(images.jpeg())), actor=services.Actor.delegate()
    )
    SessionRegistrationFactory(delegate=yamada, session=session, status=SeatStatus.CONFIRMED)
    guest = DelegateFactory(
        event=event,
        status=DelegateStatus.APPROVED,
        stakeholder_type=StakeholderType.INDUSTRY,
        organization="Frontier Labs",
        given_name="Sam",
        family_name="Lee",
        badge_activated_version=1,
    )
    for username, group in (("door", "Door staff"), ("desk", "Badge desk")):
        user = UserFactory(username=username, is_staff=False)
        user.groups.add(Group.objects.get(name=group))
    # open_door's names: the UK delegate is Yamada here.
    return {"session": session, "uk": yamada, "yamada": yamada, "guest": guest}


def sign_in(page, username: str) -> None:
    page.goto(reverse("registrations:door_login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_badge_desk_first_then_the_door_admits_her_with_her_photo_even_offline(new_page, door, screenshot_dir):
    page = open_door(new_page, door)
    scan(page, badges.code_for(door["yamada"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    expect(page.locator("#verdict")).to_contain_text("send them to the badge desk")
    page.get_by_role("link", name="Next scan").click()

    desk = new_page(viewport=TABLET)
    sign_in(desk, "desk")
    expect(desk.get_by_role("heading", name="Badge desk")).to_be_attached()
    desk.get_by_label("Scan the badge, or type either spelling of the name").fill("Yamada")
    desk.get_by_role("button", name="Find").click()
    desk.get_by_role("link", name="山田 太郎 · YAMADA Taro").click()
    expect(desk.locator(".desk-passport-name")).to_contain_text("YAMADA Taro")
    desk.wait_for_function("() => document.querySelector('img.desk-photo').naturalWidth > 0")  # loaded
    desk.get_by_label("Identity document checked").first.select_option("passport")
    desk.get_by_label("The document's photo and name match").first.check()
    desk.screenshot(path=str(screenshot_dir / "desk-before-activation-tablet.png"))
    desk.get_by_role("button", name="Activate the badge").click()
    expect(desk.locator(".desk-activation")).to_contain_text("Activated on")
    expect(desk.get_by_role("link", name="Print the badge (A6)")).to_be_visible()
    assert desk.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    page.reload()  # a fresh admit list with the activation
    expect(page.locator("#door[data-list]")).to_be_attached()
    scan(page, badges.code_for(door["yamada"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    expect(page.locator("#verdict-passport-name")).to_have_text("YAMADA Taro")
    photo = page.locator("#verdict-photo")
    expect(photo).to_be_visible()
    page.wait_for_function("() => document.getElementById('verdict-photo').naturalWidth > 0")  # loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_dir / "door-admit-with-photo-phone.png"))
    page.get_by_role("link", name="Undo check-in").count()  # the undo form is there for a mistake
    page.get_by_label("Why undo this check-in?").fill("Testing the offline door")
    page.get_by_role("button", name="Undo check-in").click()
    expect(page.locator("#verdict-word")).to_have_text("Check-in undone")
    page.get_by_role("link", name="Next scan").click()

    # Offline, after a reload: still admits her (with the list's small photo), refuses the guest.
    expect(page.locator("#door[data-page-kept]")).to_be_attached(timeout=15000)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#offline-banner")).to_be_visible()
    scan(page, badges.code_for(door["yamada"]))
    expect(page.locator("#verdict-word")).to_have_text("ADMIT")
    expect(page.locator("#verdict-offline")).to_be_visible()
    assert page.locator("#verdict-photo").evaluate("img => img.src.startsWith('data:image/jpeg')")
    page.get_by_role("link", name="Next scan").click()
    scan(page, badges.code_for(door["guest"]))
    expect(page.locator("#verdict-word")).to_have_text("DO NOT ADMIT")
    expect(page.locator("#verdict-photo")).to_be_hidden()  # a refused badge's entry carries no photo
    page.context.set_offline(False)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_badge_desk_has_no_serious_accessibility_violations_and_fits(new_page, door, viewport):
    if test_browser.AXE_SCRIPT is None or not test_browser.AXE_SCRIPT.exists():
        test_browser.skip_or_fail("axe-core is not installed (axe-playwright-python is pinned in requirements-dev.txt)")
    page = new_page(viewport=viewport)
    page.emulate_media(reduced_motion="reduce")
    page.context.add_init_script(path=str(test_browser.AXE_SCRIPT))
    sign_in(page, "desk")
    found = test_browser.axe_violations(page)
    page.get_by_label("Scan the badge, or type either spelling of the name").fill(badges.code_for(door["yamada"]))
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".desk-passport-name")).to_contain_text("YAMADA Taro")
    found += test_browser.axe_violations(page)
    page.get_by_role("button", name="Activate the badge").click()  # nothing chosen: the errors, on their fields
    expect(page.locator("#activate-document-error")).to_contain_text("Choose the identity document you checked.")
    found += test_browser.axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert found == [], "\n".join(found)
