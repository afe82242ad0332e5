"""End to end in a real browser: Playwright (Python) driving Debian's Chromium against the live server.

Never downloads a browser: it launches /usr/bin/chromium (or `chromium` on PATH) and skips, with the
reason printed, where there is none or Playwright cannot start it. CI (.ci/run) installs chromium, so
these tests run there, on SQLite and on PostgreSQL.

The live server runs in a thread on a transactional database: everything a test arranges is committed
before the browser acts, and the database is emptied after each test (`serialized_rollback` puts the
reference data back: member institutes and the Organizers group).

Screenshots go to $BROWSER_SCREENSHOT_DIR when it is set (to look at them), else to a temporary directory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from registrations import services
from registrations.models import (
    AccessTier,
    AuditEntry,
    Delegate,
    DelegateStatus,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.outputs import emails
from registrations.queries import links
from tests.english_words import english_words
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, institute, organizer

try:  # axe-core, from the axe-playwright-python wheel (requirements-dev.txt): no CDN, no download
    import axe_playwright_python

    AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
except ImportError:  # pragma: no cover - the accessibility test says so
    AXE_SCRIPT = None

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (it is pinned in requirements-dev.txt)"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's

GOV_JOINT_TESTING = "Joint testing of frontier models"
GOV_HEADS = "Heads of delegation"
OPEN_RISK = "Risk assessment science"
OPEN_SYNTHETIC = "Managing risks from synthetic content"
UK_INSTITUTE = "AI Safety Institute (United Kingdom)"


# CI sets this where it has installed Chromium: then a browser that cannot start is a failure, not a skip.
REQUIRED = os.environ.get("BROWSER_TESTS_REQUIRED") == "1"


def skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (BROWSER_TESTS_REQUIRED=1)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module. Skips, with the reason, where none exists or it cannot start."""
    path = chromium_path()
    if path is None:
        skip_or_fail("no Chromium: install Debian's chromium (apt-get install chromium) to run the browser tests")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside it
    # are synchronous and safe (Django's documented pattern for Playwright: DJANGO_ALLOW_ASYNC_UNSAFE),
    # and the variable is set only while this module's browser runs.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        before = {alias: connections[alias] for alias in connections}
        playwright = sync_api.sync_playwright().start()
        # While that loop runs, Django keeps its database connections per async context (asgiref's
        # Local), so this thread would get new connection objects: without the test database's
        # serialized contents (no `serialized_rollback`) and, on SQLite, not the connection the live
        # server shares. Hand it back the connections it had.
        for alias, connection in before.items():
            connections[alias] = connection
        try:
            try:
                chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
            except sync_api.Error as failure:
                skip_or_fail(f"Playwright cannot launch {path}: {str(failure).splitlines()[0]}")
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (own cookies) on the live server: new_page(java_script_enabled=False)."""
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def _new_page(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    wanted = os.environ.get("BROWSER_SCREENSHOT_DIR")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def agenda(event):
    """Two government-only and two open sessions."""
    day = timezone.now() + timedelta(days=60)
    return {
        title: SessionFactory(
            event=event, title=title, access_tier=tier, capacity=capacity, starts_at=day + timedelta(hours=hours)
        )
        for title, tier, capacity, hours in [
            (OPEN_SYNTHETIC, AccessTier.OPEN, 60, 0),
            (GOV_JOINT_TESTING, AccessTier.GOVERNMENT_ONLY, 6, 2),
            (OPEN_RISK, AccessTier.OPEN, 2, 4),
            (GOV_HEADS, AccessTier.GOVERNMENT_ONLY, 12, 6),
        ]
    }


# --------------------------------------------------------------------------- helpers: the signup form


def session_checkbox(page, title: str, *, include_hidden: bool = False):
    """A session's checkbox, found by its label (title, times in the venue's zone, tier)."""
    return page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(title)} ·"), include_hidden=include_hidden)


def fill_about_you(page, *, given_name: str, family_name: str, email: str, job_title: str = "") -> None:
    page.get_by_label("Given name").fill(given_name)
    page.get_by_label("Family name").fill(family_name)
    page.get_by_label("Email").fill(email)
    if job_title:
        page.get_by_label("Job title").fill(job_title)


def consent_and_submit(page) -> None:
    page.get_by_label("I agree that the organizers process the data above").check()
    page.get_by_role("button", name="Register").click()


def expect_check_your_email(page) -> None:
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert page.url.endswith(reverse("registrations:register_done"))


def registered_sessions(delegate: Delegate) -> list[tuple[str, str]]:
    return sorted(delegate.session_registrations.values_list("session__title", "status"))


# --------------------------------------------------------------------------- helpers: the admin


def admin_login(page, user, password: str = PASSWORD) -> None:
    """Log in through the admin's own login page (no two-factor step: ADMIN_REQUIRE_2FA is off in tests)."""
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def open_delegate_changelist(page, **filters: str) -> None:
    """The delegate list, filtered the way an organizer does it: one click per sidebar filter.

    open_delegate_changelist(page, status="Pending", stakeholder_type="Academia") clicks "Pending" under
    "By status", then "Academia" under "By stakeholder type".
    """
    page.goto(reverse("admin:registrations_delegate_changelist"))
    for field, choice in filters.items():
        title = "By " + field.replace("_", " ")
        box = page.locator("#changelist-filter details").filter(has=page.get_by_text(title, exact=True))
        box.get_by_role("link", name=choice, exact=True).click()
        expect(box.locator("li.selected")).to_have_text(choice)


def expect_listed_delegates(page, names: list[str]) -> None:
    """The changelist shows exactly these delegates, in this order (newest registration first)."""
    expect(page.locator("#result_list tbody th")).to_have_text(names)


def select_delegates(page, names: list[str] | None = None) -> None:
    """Tick the named rows of the changelist, or every row on the page when no names are given."""
    if names is None:
        page.get_by_role("checkbox", name="Select all objects on this page for an action").check()
        return
    for name in names:
        page.locator("#result_list tbody tr").filter(has_text=name).get_by_role("checkbox").check()


def run_delegate_action(page, action: str, names: list[str] | None = None) -> None:
    """Select delegates, choose an admin action by its label and run it (the "Go" button).

    Whatever the action answers with (a message, an intermediate page, a download) is the caller's to
    check: wrap the call in `page.expect_download()` for a file.
    """
    select_delegates(page, names)
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_title("Run the selected action").click()


def expect_admin_messages(page, messages: list[str]) -> None:
    expect(page.locator("ul.messagelist li")).to_have_text(messages)


# --------------------------------------------------------------------------- signup


def test_government_delegate_signs_up_for_a_government_only_and_an_open_session(page, agenda, mailoutbox):
    page.goto(reverse("registrations:register"))
    fill_about_you(
        page, given_name="Priya", family_name="Shah", email="priya.shah@aisi.gov.uk", job_title="Research Scientist"
    )
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_label("Government delegate of a member institute or office").check()
    expect(page.get_by_label("Organization")).to_be_hidden()
    page.get_by_label("Institute or government office").select_option(label=UK_INSTITUTE)
    session_checkbox(page, GOV_JOINT_TESTING).check()
    session_checkbox(page, OPEN_RISK).check()
    consent_and_submit(page)

    expect_check_your_email(page)
    delegate = Delegate.objects.get()
    assert (delegate.full_name, delegate.email, delegate.stakeholder_type, delegate.status) == (
        "Priya Shah",
        "priya.shah@aisi.gov.uk",
        StakeholderType.GOVERNMENT,
        DelegateStatus.PENDING,
    )
    assert (delegate.institute, delegate.organization, delegate.country.code) == (institute("GB"), "", "GB")
    assert delegate.email_domain_verified is True
    assert registered_sessions(delegate) == [
        (GOV_JOINT_TESTING, SeatStatus.REQUESTED),
        (OPEN_RISK, SeatStatus.REQUESTED),
    ]
    assert emails.deliver() == (1, 0)  # what the outbox worker does
    assert [message.to for message in mailoutbox] == [["priya.shah@aisi.gov.uk"]]
    assert links.status_path(delegate) in mailoutbox[0].body


def test_industry_guest_with_javascript_sees_only_organization_and_open_sessions(page, agenda):
    page.goto(reverse("registrations:register"))
    # Before a type is chosen every field and session is offered; a guest ticks a government-only one.
    expect(page.get_by_label("Institute or government office")).to_be_visible()
    session_checkbox(page, GOV_JOINT_TESTING).check()

    page.get_by_label("Industry", exact=True).check()

    expect(page.get_by_label("Institute or government office")).to_be_hidden()
    expect(page.get_by_label("Organization")).to_be_visible()
    for title in (GOV_JOINT_TESTING, GOV_HEADS):
        checkbox = session_checkbox(page, title, include_hidden=True)
        expect(checkbox).to_be_hidden()
        expect(checkbox).to_be_disabled()
        expect(checkbox).not_to_be_checked()
    for title in (OPEN_SYNTHETIC, OPEN_RISK):
        expect(session_checkbox(page, title)).to_be_visible()

    fill_about_you(page, given_name="James", family_name="Anderson", email="james@modelsystems.example")
    page.get_by_label("Organization").fill("Model Systems Ltd")
    session_checkbox(page, OPEN_SYNTHETIC).check()
    session_checkbox(page, OPEN_RISK).check()
    consent_and_submit(page)

    expect_check_your_email(page)
    delegate = Delegate.objects.get()
    assert (delegate.stakeholder_type, delegate.institute, delegate.organization) == (
        StakeholderType.INDUSTRY,
        None,
        "Model Systems Ltd",
    )
    assert registered_sessions(delegate) == [
        (OPEN_SYNTHETIC, SeatStatus.REQUESTED),
        (OPEN_RISK, SeatStatus.REQUESTED),
    ]


def test_without_javascript_the_server_refuses_a_government_only_session_and_the_type_link_filters(new_page, agenda):
    page = new_page(java_script_enabled=False)
    page.goto(reverse("registrations:register"))
    # Nothing is hidden without JavaScript: both affiliation fields and every session.
    expect(page.get_by_label("Institute or government office")).to_be_visible()
    expect(page.get_by_label("Organization")).to_be_visible()
    for title in agenda:
        expect(session_checkbox(page, title)).to_be_enabled()

    fill_about_you(page, given_name="James", family_name="Anderson", email="james@modelsystems.example")
    page.get_by_label("Industry", exact=True).check()
    page.get_by_label("Organization").fill("Model Systems Ltd")
    session_checkbox(page, GOV_JOINT_TESTING).check()
    session_checkbox(page, OPEN_RISK).check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        consent_and_submit(page)

    assert answer.value.status == 400
    refusal = f"“{GOV_JOINT_TESTING}” is open to government delegates of member institutes only."
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    expect(summary).to_contain_text(refusal)
    expect(page.locator("#div_id_sessions")).to_contain_text(refusal)  # next to the field too
    # The summary's link leads to the field: its first checkbox (a group has no element of its own id).
    summary.get_by_role("link", name="Choose your sessions").click()
    expect(session_checkbox(page, OPEN_SYNTHETIC)).to_be_focused()
    assert Delegate.objects.count() == 0
    assert SessionRegistration.objects.count() == 0

    page.get_by_role("navigation", name="Show the sessions open to you").get_by_role("link", name="Industry").click()

    assert page.url.endswith("/register/?type=industry")
    offered = page.locator("input[name=sessions]")
    expect(offered).to_have_count(2)
    expect(session_checkbox(page, OPEN_SYNTHETIC)).to_be_visible()
    expect(session_checkbox(page, OPEN_RISK)).to_be_visible()
    expect(page.get_by_text("2 government-only sessions are not shown")).to_be_visible()
    expect(page.get_by_label("Industry", exact=True)).to_be_checked()

    # The guest completes the signup on that page, still without JavaScript.
    fill_about_you(page, given_name="James", family_name="Anderson", email="james@modelsystems.example")
    page.get_by_label("Organization").fill("Model Systems Ltd")
    session_checkbox(page, OPEN_RISK).check()
    consent_and_submit(page)

    expect_check_your_email(page)
    assert registered_sessions(Delegate.objects.get()) == [(OPEN_RISK, SeatStatus.REQUESTED)]


# --------------------------------------------------------------------------- the organizer's desk


def pending_academics(session, names: list[str]) -> list[Delegate]:
    """Pending academia delegates who asked for `session`, in this order (first come, first served)."""
    start = timezone.now() - timedelta(hours=1)
    delegates = []
    for minute, name in enumerate(names):
        given, family = name.split()
        delegate = DelegateFactory(event=session.event, given_name=given, family_name=family)
        SessionRegistrationFactory(delegate=delegate, session=session, requested_at=start + timedelta(minutes=minute))
        delegates.append(delegate)
    return delegates


def test_organizer_approves_filtered_pending_delegates_and_the_overflow_is_waitlisted(page, agenda):
    session = agenda[OPEN_RISK]  # two seats
    first, second, third = pending_academics(session, ["Camille Moreau", "Daniel Cohen", "Aiko Tanaka"])
    industry = DelegateFactory(
        event=session.event, given_name="James", family_name="Anderson", stakeholder_type=StakeholderType.INDUSTRY
    )
    SessionRegistrationFactory(delegate=industry, session=session)

    admin_login(page, organizer())
    open_delegate_changelist(page, status="Pending", stakeholder_type="Academia")
    expect_listed_delegates(page, ["Aiko Tanaka", "Daniel Cohen", "Camille Moreau"])
    run_delegate_action(page, "Approve selected delegates…")

    # The confirmation page lists who will be approved; nothing changes before "Yes".
    expect(page.get_by_role("heading", name="Approve delegates")).to_be_visible()
    expect(page.locator("#content table tbody td:first-child")).to_have_text(
        ["Daniel Cohen", "Camille Moreau", "Aiko Tanaka"]
    )
    assert set(Delegate.objects.values_list("status", flat=True)) == {DelegateStatus.PENDING}
    page.get_by_role("button", name="Yes, approve 3 delegates").click()

    expect_admin_messages(
        page,
        [
            "Approved 3 delegates: 2 seats confirmed, 1 waitlisted.",
            f"Waitlisted: Aiko Tanaka ({session.title}).",
        ],
    )
    statuses = dict(Delegate.objects.values_list("given_name", "status"))
    assert statuses == {
        "Camille": DelegateStatus.APPROVED,
        "Daniel": DelegateStatus.APPROVED,
        "Aiko": DelegateStatus.APPROVED,
        "James": DelegateStatus.PENDING,
    }
    seats = dict(SessionRegistration.objects.filter(session=session).values_list("delegate_id", "status"))
    assert seats == {
        first.pk: SeatStatus.CONFIRMED,
        second.pk: SeatStatus.CONFIRMED,
        third.pk: SeatStatus.WAITLISTED,
        industry.pk: SeatStatus.REQUESTED,
    }


def test_organizer_rejects_a_delegate_with_a_reason_and_the_waitlist_moves_up(page, agenda):
    session = agenda[OPEN_RISK]  # two seats
    first, second, third = pending_academics(session, ["Camille Moreau", "Daniel Cohen", "Aiko Tanaka"])
    user = organizer()
    services.approve_delegates(delegate_ids=[first.pk, second.pk, third.pk], actor=services.Actor.organizer(user))

    admin_login(page, user)
    open_delegate_changelist(page, status="Approved")
    run_delegate_action(page, "Reject selected delegates…", names=["Camille Moreau"])

    # The intermediate confirmation page lists who will be affected and asks for a reason.
    expect(page.get_by_role("heading", name="Reject delegates")).to_be_visible()
    expect(page.locator("#content table tbody td:first-child")).to_have_text(["Camille Moreau"])
    page.get_by_label("Reason (optional, sent to the delegates)").fill("The session is for member delegations.")
    page.get_by_role("button", name="Yes, reject 1 delegate").click()

    expect_admin_messages(page, ["Rejected 1 delegate. 1 confirmed seat was released for the waitlists."])
    first.refresh_from_db()
    assert first.status == DelegateStatus.REJECTED
    seats = dict(SessionRegistration.objects.filter(session=session).values_list("delegate_id", "status"))
    assert seats == {first.pk: SeatStatus.CANCELLED, second.pk: SeatStatus.CONFIRMED, third.pk: SeatStatus.CONFIRMED}
    rejection = AuditEntry.objects.get(delegate=first, action="rejected")
    assert (rejection.actor_name, rejection.reason) == (user.get_username(), "The session is for member delegations.")


def test_organizer_downloads_the_filtered_list_and_a_selection_as_csv(page, agenda):
    session = agenda[OPEN_RISK]
    pending_academics(session, ["Camille Moreau", "Daniel Cohen"])
    aiko = DelegateFactory(event=session.event, given_name="愛子", family_name="田中", email="aiko@example.org")
    SessionRegistrationFactory(delegate=aiko, session=session)
    user = organizer()

    admin_login(page, user)
    open_delegate_changelist(page, status="Pending")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV", exact=True).click()
    whole = download.value
    content = Path(whole.path()).read_bytes()
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted((r["Given name"], r["Family name"]) for r in rows) == [
        ("Camille", "Moreau"),
        ("Daniel", "Cohen"),
        ("愛子", "田中"),
    ]
    assert whole.suggested_filename.endswith(".csv")

    with page.expect_download() as download:  # the spreadsheet, the button for people
        page.get_by_role("link", name="Download XLSX", exact=True).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).worksheets[0]
    names = sorted((row[1], row[2]) for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == [("Camille", "Moreau"), ("Daniel", "Cohen"), ("愛子", "田中")]

    run_delegate_action(page, "Export selected (XLSX or CSV)", names=["Daniel Cohen"])
    page.get_by_label("CSV (UTF-8), for other systems").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert [r["Family name"] for r in csv.DictReader(io.StringIO(content))] == ["Cohen"]
    assert AuditEntry.objects.filter(action="export", actor_name=user.get_username()).count() == 3


# --------------------------------------------------------------------------- how the pages look


def test_registration_page_and_agenda_fit_desktop_and_phone_screens(new_page, screenshot_dir):
    call_command("load_demo", verbosity=0)
    for screen, viewport in [("desktop", {"width": 1280, "height": 900}), ("mobile", {"width": 390, "height": 844})]:
        page = new_page(viewport=viewport, is_mobile=screen == "mobile", has_touch=screen == "mobile")
        for name, url in [("agenda", reverse("registrations:home")), ("register", reverse("registrations:register"))]:
            page.goto(url)
            page.screenshot(path=screenshot_dir / f"{name}-{screen}.png", full_page=True)
            # Nothing sticks out sideways: a phone never scrolls horizontally.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (name, screen)
        # Bootstrap and the site's stylesheet are served (no inline styles): the tier badge has its colour.
        badge = page.locator("#sessions-help .badge.tier-government")
        assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(111, 45, 168)"


def test_delegate_changelist_shows_coloured_status_labels(page, screenshot_dir):
    call_command("load_demo", verbosity=0)
    admin_login(page, organizer())
    open_delegate_changelist(page)
    page.screenshot(path=screenshot_dir / "admin-delegates.png", full_page=True)
    colours = {
        label: page.locator(f".status-label.status-{label}").first.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        for label in ("pending", "approved", "rejected", "withdrawn")
    }
    assert colours == {
        "pending": "rgb(138, 109, 0)",
        "approved": "rgb(31, 122, 77)",
        "rejected": "rgb(166, 27, 27)",
        "withdrawn": "rgb(92, 99, 106)",
    }


# --------------------------------------------------------------------------- in French

FRENCH_TITLES = {
    OPEN_SYNTHETIC: "Gestion des risques liés aux contenus synthétiques",
    GOV_JOINT_TESTING: "Essais conjoints de modèles de pointe",
    OPEN_RISK: "Science de l'évaluation des risques",
    GOV_HEADS: "Chefs de délégation",
}


def expect_no_english(page) -> None:
    """Neither the page's text nor its title has a word of the English interface."""
    text = page.locator("body").inner_text() + " " + page.title()
    assert english_words(text) == [], page.url


def test_french_visitor_switches_language_signs_up_and_manages_the_registration(page, event, agenda, mailoutbox):
    event.name_fr = "Réunion du Réseau international des instituts de sécurité de l'IA"
    event.save()
    for title, session in agenda.items():
        session.title_fr = FRENCH_TITLES[title]
        session.save()
    page.goto(reverse("registrations:home"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The switch submits with its button (never on a change of the select), and comes back to the same page.
    page.get_by_label("Language").select_option(label="Français")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith(reverse("registrations:home"))
    expect(page.get_by_text(FRENCH_TITLES[OPEN_RISK])).to_be_visible()
    expect_no_english(page)

    page.get_by_role("link", name="S'inscrire").first.click()
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom de famille").fill("Moreau")
    page.get_by_label("Adresse électronique").fill("camille.moreau@example.edu")
    page.get_by_label("Milieu universitaire").check()
    page.get_by_label("Organisation").fill("Sorbonne Université")
    # The JavaScript catalog, loaded as a script file under the CSP, says what the type hides.
    expect(page.get_by_text("2 séances réservées aux gouvernements sont masquées")).to_be_visible()
    expect_no_english(page)
    page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(FRENCH_TITLES[OPEN_RISK])} ·")).check()
    page.get_by_label("J'accepte que les organisateurs traitent les données ci-dessus").check()
    page.get_by_role("button", name="S'inscrire").click()

    expect(page.get_by_role("heading", name="Consultez vos courriels")).to_be_visible()
    expect_no_english(page)
    delegate = Delegate.objects.get()
    assert (delegate.language, registered_sessions(delegate)) == ("fr", [(OPEN_RISK, SeatStatus.REQUESTED)])
    assert emails.deliver() == (1, 0)
    assert mailoutbox[0].subject.startswith("Nous avons bien reçu votre inscription")

    page.goto(links.status_path(delegate))
    expect(page.get_by_role("heading", name=re.compile("^Votre inscription"))).to_be_visible()
    expect(page.get_by_text(FRENCH_TITLES[OPEN_RISK]).first).to_be_visible()
    expect_no_english(page)
    page.get_by_role("link", name="Renoncer à cette séance").click()
    expect_no_english(page)
    page.get_by_role("button", name="Oui, renoncer à cette séance").click()
    dropped = f"Vous avez renoncé à la séance «\u00a0{FRENCH_TITLES[OPEN_RISK]}\u00a0»."
    expect(page.get_by_text(dropped)).to_be_visible()
    expect_no_english(page)


def test_arrowing_through_the_language_switch_neither_leaves_the_page_nor_loses_typed_data(page, agenda):
    """WCAG 3.2.2: a change of the select is not a submission; the button is."""
    page.goto(reverse("registrations:register"))
    fill_about_you(page, given_name="Camille", family_name="Moreau", email="camille@example.edu")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    switch = page.locator("#language-switch")
    switch.focus()
    page.keyboard.press("ArrowDown")
    expect(switch).to_have_value("fr")
    # Give a change handler that would submit the form every chance to do so.
    page.wait_for_timeout(500)
    assert posts == []
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Given name")).to_have_value("Camille")
    expect(page.get_by_role("button", name="Change language")).to_be_visible()

    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith(reverse("registrations:register"))


def test_a_refused_add_session_on_a_phone_opens_on_an_error_summary_that_leads_to_the_form(new_page, event, agenda):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    synthetic = agenda[OPEN_SYNTHETIC]
    roundtable = SessionFactory(
        event=event, title="Same-hour roundtable", access_tier=AccessTier.OPEN, starts_at=synthetic.starts_at
    )
    delegate = DelegateFactory(event=event, stakeholder_type=StakeholderType.ACADEMIA, organization="Sorbonne")
    SessionRegistrationFactory(delegate=delegate, session=synthetic)
    page.goto(links.status_path(delegate))

    page.get_by_label("Add a session").select_option(value=str(roundtable.pk))
    page.get_by_role("button", name="Ask for this session").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("at the same time")
    assert "#" not in page.url  # the anchor is for browsers without JavaScript (tests/public/test_self_service.py)
    summary.get_by_role("link", name="Add a session").click()
    expect(page.get_by_label("Add a session")).to_be_in_viewport()

    # No session chosen: the same summary, at the top.
    page.get_by_label("Add a session").select_option(value="")
    page.get_by_role("button", name="Ask for this session").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("This field is required.")


def test_delegate_changelist_fits_beside_the_filters_at_1280_pixels(new_page, screenshot_dir):
    call_command("load_demo", verbosity=0)
    page = new_page(viewport={"width": 1280, "height": 800})
    admin_login(page, organizer())
    open_delegate_changelist(page)
    page.screenshot(path=screenshot_dir / "admin-delegates-1280.png", full_page=True)

    fit = page.locator("#result_list").evaluate(
        """table => {
            const pane = table.closest(".results");
            const right = pane.getBoundingClientRect().right;
            return {
                table: table.scrollWidth,
                pane: pane.clientWidth,
                offScreen: [...table.querySelectorAll("thead th")]
                    .filter(th => th.getBoundingClientRect().right > right + 0.5)
                    .map(th => th.textContent.trim()),
            };
        }"""
    )
    # No horizontal scrolling: every column, Sessions, Email domain and Registered included, is in view.
    assert fit["table"] <= fit["pane"], fit
    assert fit["offScreen"] == []
    expect(page.locator("#result_list thead th")).to_have_count(9)  # the check box column and eight columns


def test_session_page_in_venue_time_shows_no_server_time_note_to_a_browser_elsewhere(new_page, agenda):
    session = agenda[OPEN_RISK]
    page = new_page(viewport={"width": 1280, "height": 800}, timezone_id="Asia/Tokyo")
    admin_login(page, organizer())
    page.goto(reverse("admin:registrations_session_change", args=[session.pk]))

    expect(page.get_by_text("Times in America/Los_Angeles (venue time)")).to_be_visible()
    expect(page.locator("#id_starts_at_0")).to_be_visible()
    # Django's DateTimeShortcuts.js added its "you are N hours ahead of server time" note beside both
    # date-time fields (the browser is in Tokyo, the page in San Francisco); the admin stylesheet hides it.
    notes = page.locator(".timezonewarning")
    expect(notes).to_have_count(2)
    expect(notes.first).to_contain_text("ahead of server time")
    for note in notes.all():
        expect(note).to_be_hidden()


# --------------------------------------------------------------------------- accessibility (axe-core)

# What fails the check: WCAG problems that block or seriously hinder someone (axe's impact levels).
AXE_FAILING_IMPACTS = {"serious", "critical"}


def contrast_with_white(css_colour: str) -> float:
    """WCAG contrast ratio of an rgb()/rgba() colour (alpha blended onto white) against white."""
    *rgb, alpha = [*map(float, re.findall(r"[\d.]+", css_colour)), 1.0][:4]
    blended = [alpha * c + (1 - alpha) * 255 for c in rgb]

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(blended[0]) + 0.7152 * channel(blended[1]) + 0.0722 * channel(blended[2])
    return 1.05 / (luminance + 0.05)


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in AXE_FAILING_IMPACTS
    ]


def test_public_and_admin_pages_have_no_serious_accessibility_violations(new_page):
    """axe-core (the npm package's axe.min.js, as shipped in the axe-playwright-python wheel) is loaded
    into every page as a Playwright init script: it runs through the DevTools protocol, so the pages'
    CSP (no inline scripts) stays on and is not bypassed."""
    if AXE_SCRIPT is None or not AXE_SCRIPT.exists():
        skip_or_fail("axe-core is not installed (axe-playwright-python is pinned in requirements-dev.txt)")
    call_command("load_demo", verbosity=0)
    approved = Delegate.objects.filter(status=DelegateStatus.APPROVED).order_by("pk").first()
    page = new_page(viewport={"width": 1280, "height": 900})
    # Bootstrap animates a button's colours (.15s): with reduced motion it does not, so axe never
    # measures a colour halfway through a transition (that made this test flaky).
    page.emulate_media(reduced_motion="reduce")
    page.context.add_init_script(path=str(AXE_SCRIPT))
    found = []

    for url in (reverse("registrations:home"), reverse("registrations:register"), reverse("registrations:lost_link")):
        page.goto(url)
        found += axe_violations(page)
    # axe leaves non-text contrast alone: radio and checkbox borders need 3:1 against the page (WCAG 1.4.11).
    page.goto(reverse("registrations:register"))
    for selector in ("input[type=radio]", "input[type=checkbox]"):
        border = page.locator(selector).first.evaluate("el => getComputedStyle(el).borderTopColor")
        assert contrast_with_white(border) >= 3, (selector, border)
    page.goto(reverse("registrations:register"))
    page.get_by_role("button", name="Register").click()  # empty: the form comes back with its errors
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    found += axe_violations(page)
    page.goto(links.status_path(approved))
    found += axe_violations(page)

    admin_login(page, organizer())
    for url in (
        reverse("admin:registrations_delegate_changelist"),
        reverse("admin:registrations_delegate_change", args=[approved.pk]),
    ):
        page.goto(url)
        found += axe_violations(page)

    assert found == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_organizers_desk_has_no_serious_accessibility_violations(new_page, language):
    """The admin index, the dashboard (its chart and tables), the delegate list and the message
    compose page and its preview, in English and French, light and dark."""
    if AXE_SCRIPT is None or not AXE_SCRIPT.exists():
        skip_or_fail("axe-core is not installed (axe-playwright-python is pinned in requirements-dev.txt)")
    call_command("load_demo", verbosity=0)
    found = []
    for scheme in ("light", "dark"):
        page = new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        page.emulate_media(reduced_motion="reduce", color_scheme=scheme)
        page.context.add_init_script(path=str(AXE_SCRIPT))
        admin_login(page, organizer(f"organizer-{scheme}"))
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
        ids = ",".join(str(pk) for pk in Delegate.objects.order_by("pk").values_list("pk", flat=True)[:3])
        for url in (
            reverse("admin:index"),
            reverse("admin:dashboard"),
            reverse("admin:registrations_delegate_changelist"),
            f"{reverse('admin:registrations_delegate_message')}?ids={ids}",
        ):
            page.goto(url)
            found += [f"[{scheme}] {v}" for v in axe_violations(page)]
        page.locator("input[name=subject]").fill("Hello {given_name}")
        page.locator("textarea[name=body]").fill("Dear {given_name},\n\n{sessions}")
        page.locator("input[name=preview]").click()
        expect(page.locator(".message-preview")).to_be_visible()
        found += [f"[{scheme}] {v}" for v in axe_violations(page)]

    assert found == [], "\n".join(found)


@pytest.mark.parametrize("language", ["ja", "ko"])
def test_the_agenda_signup_and_status_pages_fit_a_phone_in_japanese_and_korean(new_page, screenshot_dir, language):
    """Long CJK lines wrap (no word spaces to break at in Japanese): nothing sticks out sideways."""
    call_command("load_demo", verbosity=0)
    delegate = Delegate.objects.filter(language=language, status=DelegateStatus.APPROVED).order_by("pk").first()
    page = new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    urls = {
        "agenda": reverse("registrations:home"),
        "register": reverse("registrations:register"),
        "privacy": reverse("registrations:privacy"),
        "status": links.status_path(delegate),
    }
    for name, url in urls.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.screenshot(path=screenshot_dir / f"{language}-{name}-phone.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
