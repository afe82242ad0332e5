"""French beside English: the catalogs stay complete, and a French delegate sees and receives French.

The catalog checks run in every `make test`:
- the committed French catalogs have no untranslated or fuzzy entry;
- every string marked in a template or Python file is in them (makemessages into a temporary copy,
  compared with the committed catalog: needs GNU gettext, which .ci/run installs);
- no template has text outside a translate tag;
- the committed .mo files are what polib compiles from the .po files (so setup needs no gettext).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from registrations import services
from registrations.models import (
    AccessTier,
    AuditAction,
    CheckIn,
    Delegate,
    DelegateMessage,
    DelegateStatus,
    EmailKind,
    FocalPoint,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    StakeholderType,
)
from registrations.outputs import emails, exports
from registrations.queries import links
from registrations.services import endorsements
from tests.english_words import english_words, page_text, visible_text
from tests.factories import DelegateFactory, InvitationFactory, SessionFactory, focal_point, institute, organizer

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
DOMAINS = ("django", "djangojs")
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# --------------------------------------------------------------------------- the catalogs


def catalog(language: str, domain: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def entry_keys(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language, domain):
    po = polib.pofile(str(catalog(language, domain)))

    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy
    assert len(po.translated_entries()) > 0


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_placeholders_match_the_english(language, domain):
    """A translation that drops or renames a %(name)s would fail at runtime, or say something else."""
    placeholder = re.compile(r"%\((\w+)\)[sdr]")
    wrong = []
    for entry in polib.pofile(str(catalog(language, domain))):
        wanted = set(placeholder.findall(entry.msgid + (entry.msgid_plural or "")))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            # A singular form may leave out the count ("1 participant" may say "un participant").
            found = set(placeholder.findall(text))
            if not found <= wanted or not (wanted - {"count"}) <= found:
                wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogs_are_up_to_date(language, domain):
    """The committed .mo is exactly what polib compiles from the committed .po (setup needs no gettext)."""
    po_path = catalog(language, domain)
    compiled = polib.pofile(str(po_path)).to_binary()
    assert po_path.with_suffix(".mo").read_bytes() == compiled, (
        f"{po_path.with_suffix('.mo')} is stale: run make messages (it compiles with polib, not msgfmt)"
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """makemessages run over a copy of the code, into a copy of the catalogs: what the code marks today."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext is not installed (apt-get install gettext): cannot extract the marked strings")
    root = tmp_path_factory.mktemp("extract")
    for name in ("registrations", "templates", "config"):
        shutil.copytree(BASE / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copytree(LOCALE, root / "locale")
    with override_settings(LOCALE_PATHS=[root / "locale"]), pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for domain in DOMAINS:
            call_command("makemessages", locale=TRANSLATED_LANGUAGES, domain=domain, no_obsolete=True, verbosity=0)
    return root / "locale"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_marked_string_is_in_the_committed_catalog(extracted, language, domain):
    committed = entry_keys(polib.pofile(str(catalog(language, domain))))
    fresh = entry_keys(polib.pofile(str(extracted / language / "LC_MESSAGES" / f"{domain}.po")))

    assert sorted(fresh - committed, key=str) == [], "run: python manage.py makemessages -l fr, then translate"
    assert sorted(committed - fresh, key=str) == [], "the catalog has entries no code uses any more"


def untranslated_template_text(path: Path) -> list[str]:
    """Words in a template outside {% translate %} / {% blocktranslate %}, tags and markup stripped."""
    source = path.read_text()
    source = re.sub(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", "", source, flags=re.S)
    source = re.sub(r"{#.*?#}|{%.*?%}", "", source, flags=re.S)
    source = re.sub(r"{{.*?}}", "\n", source, flags=re.S)  # a variable separates the text around it
    readable = re.findall(r'\b(?:aria-label|title|placeholder|alt|value)="([^"]+)"', source)
    text = re.sub(r"<!doctype[^>]*>|<[^>]*>", "\n", source, flags=re.I)
    found = []
    for raw in [*readable, *text.split("\n")]:
        piece = raw.strip(" \t·–—:;,.()[]/|*")
        # Codes, not words: a lowercase value ("yes", "export_selected"), CSS classes ("app-x delete-y").
        codes = re.fullmatch(r"[a-z0-9_]+", piece) or all(re.search(r"[-_]", word) for word in piece.split())
        if re.search(r"[A-Za-z]{2,}", piece) and not codes:
            found.append(piece)
    return found


TEMPLATES = sorted(p for p in (BASE / "templates").rglob("*") if p.suffix in {".html", ".txt"})


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(BASE / "templates")))
def test_template_has_no_text_outside_translate_tags(path):
    assert untranslated_template_text(path) == []


def test_the_template_check_finds_unmarked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('{% load i18n %}<p>{% translate "Fine" %}</p><p>Not marked</p><a title="Also not">·</a>')
    assert untranslated_template_text(page) == ["Also not", "Not marked"]


# Calls whose text reaches people, and keyword arguments that label things on a page.
USER_FACING_CALLS = {
    "success",
    "error",
    "info",
    "warning",
    "message_user",
    "ValidationError",
    "CommandError",
    "Http404",
    "HttpResponseBadRequest",
    "PermissionDenied",
}
USER_FACING_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "description",
    "empty_label",
    "violation_error_message",
}


def unmarked_python_strings(source: str) -> list[tuple[int, str]]:
    """Plain string literals (or f-strings) handed to a message, an error or a label: not translatable."""

    def is_text(node) -> bool:
        if isinstance(node, ast.JoinedStr):
            return True
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[A-Za-z]", node.value)

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        receiver = getattr(func, "value", None)
        if name in USER_FACING_CALLS and getattr(receiver, "id", "") != "logger":
            found += [(node.lineno, ast.unparse(arg)) for arg in node.args if is_text(arg)]
        if name == "add_error" and len(node.args) > 1 and is_text(node.args[1]):
            found.append((node.lineno, ast.unparse(node.args[1])))
        found += [
            (node.lineno, ast.unparse(kw.value))
            for kw in node.keywords
            if kw.arg in USER_FACING_KEYWORDS and is_text(kw.value)
        ]
    return found


PYTHON_FILES = sorted(p for p in (BASE / "registrations").rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda p: str(p.relative_to(BASE)))
def test_python_has_no_unmarked_message_or_label(path):
    assert unmarked_python_strings(path.read_text()) == []


def test_the_python_check_finds_unmarked_strings():
    source = (
        "messages.success(request, 'Saved.')\n"
        "messages.success(request, _('Saved.'))\n"
        "raise CommandError(f'No event {slug}.')\n"
        "logger.warning('Not for people: %s', x)\n"
        "field = forms.CharField(label='Name')\n"
        "form.add_error('email', 'Wrong.')\n"
    )
    assert unmarked_python_strings(source) == [
        (1, "'Saved.'"),
        (3, "f'No event {slug}.'"),
        (5, "'Name'"),
        (6, "'Wrong.'"),
    ]


# --------------------------------------------------------------------------- French content and pages


@pytest.fixture
def french_event(event):
    event.name_fr = "Réunion du Réseau international des instituts de sécurité de l'IA"
    event.venue_fr = "Presidio Golden Gate Club, San Francisco"
    event.practical_information_fr = "Les portes ouvrent à 8 h 15."
    event.practical_information_en = "Doors open at 08:15."
    event.participant_list_visibility = "public"
    event.save()
    return event


@pytest.fixture
def french_sessions(french_event):
    open_session = SessionFactory(
        event=french_event,
        title_en="Risk assessment science",
        title_fr="Science de l'évaluation des risques",
        description_en="Methods and gaps.",
        description_fr="Méthodes et lacunes.",
        room_en="Main hall",
        room_fr="Grande salle",
        capacity=3,
    )
    government_session = SessionFactory(
        event=french_event,
        title_en="Joint testing of frontier models",
        title_fr="Essais conjoints de modèles de pointe",
        room_en="Room 2",
        room_fr="Salle 2",
        access_tier=AccessTier.GOVERNMENT_ONLY,
        capacity=1,
    )
    return open_session, government_session


@pytest.fixture
def french_client():
    return Client(HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")


def test_accept_language_picks_french_and_the_same_url_serves_english(client, french_client, french_sessions):
    french = page_text(french_client.get("/"))
    english = page_text(client.get("/"))

    assert '<html lang="fr">' in french and "Science de l'évaluation des risques" in french
    assert '<html lang="en">' in english and "Risk assessment science" in english


def test_set_language_switches_the_pages_and_returns_to_the_page(client, french_sessions):
    response = client.post(reverse("set_language"), {"language": "fr"}, HTTP_REFERER="http://testserver/register/")

    assert (response.status_code, response["Location"]) == (302, "http://testserver/register/")
    assert '<html lang="fr">' in client.get("/register/").content.decode()


def test_french_falls_back_to_english_for_content_not_translated(french_client, french_event):
    SessionFactory(event=french_event, title_en="Closing plenary", title_fr=None)
    assert "Closing plenary" in page_text(french_client.get("/"))


def test_french_dates_and_times_name_the_venue_zone(french_client, french_sessions):
    open_session, _government = french_sessions
    open_session.starts_at = datetime(2027, 11, 20, 18, 0, tzinfo=UTC)
    open_session.ends_at = datetime(2027, 11, 20, 19, 30, tzinfo=UTC)
    open_session.save()

    page = re.sub(r"<[^>]+>", "", page_text(french_client.get("/")))

    # 18:00 UTC on 20 November 2027 is 10:00 in San Francisco.
    assert "samedi 20 novembre 2027, 10 h 00 – 11 h 30 (heure du Pacifique)" in page
    assert "\n      samedi 20 novembre 2027\n" in page  # the day's heading


def test_counts_use_plural_forms_in_french(french_client, french_sessions):
    page = page_text(french_client.get("/"))
    # French uses the singular for 0 and 1.
    assert "1 place restante sur 1" in page and "3 places restantes sur 3" in page
    industry = page_text(french_client.get("/register/?type=industry"))
    assert "1 séance réservée aux gouvernements n'est pas affichée" in industry


# The public pages every language is checked on (tests/suites/test_i18n_cjk.py adds the sign-in pages).
PUBLIC_URLS = [
    *("/", "/register/", "/register/?type=academia", "/register/done/", "/privacy/", "/participants/"),
    *("/link/", "/link/sent/", "/r/not-a-token/", "/no-such-page/"),
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_in_french_have_no_english_words(french_client, french_sessions, url):
    response = french_client.get(url)

    assert response.status_code in {200, 404}
    assert english_words(visible_text(response.content.decode())) == []


def test_invalid_signup_in_french_explains_in_french(french_client, french_sessions):
    response = french_client.post("/register/", {"stakeholder_type": "academia"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Veuillez corriger ce qui suit" in html and "Choisissez au moins une séance." in html
    assert english_words(visible_text(html)) == []


@pytest.fixture
def french_delegate(french_sessions):
    open_session, _government = french_sessions
    outcome = services.register_delegate(
        event=open_session.event,
        details={
            "given_name": "Camille",
            "family_name": "Moreau",
            "email": "camille.moreau@example.edu",
            "stakeholder_type": StakeholderType.ACADEMIA,
            "organization": "Sorbonne Université",
            "consent_data_processing": True,
            "language": "fr",
        },
        sessions=[open_session],
    )
    return outcome.delegate


@pytest.mark.parametrize("suffix", ["", "details/", "withdraw/", "participants/"])
def test_status_pages_in_french_have_no_english_words(french_client, french_delegate, suffix):
    response = french_client.get(links.status_path(french_delegate) + suffix)

    assert response.status_code == 200
    assert english_words(visible_text(response.content.decode())) == []


def test_delegate_changes_the_language_of_their_emails_on_the_status_page(client, french_delegate):
    page = links.status_path(french_delegate)

    response = client.post(page + "language/", {"language": "en"})

    assert (response.status_code, response["Location"]) == (302, page)
    french_delegate.refresh_from_db()
    assert french_delegate.language == "en"
    assert french_delegate.audit_entries.filter(action="details_changed").get().details == {"fields": ["language"]}
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_language_not_offered_is_refused_on_the_status_page(client, french_delegate):
    response = client.post(links.status_path(french_delegate) + "language/", {"language": "xx"})

    assert response.status_code == 400
    french_delegate.refresh_from_db()
    assert french_delegate.language == "fr"


def test_signup_stores_the_page_language_unless_the_delegate_chose_another(french_client, french_sessions):
    open_session, _government = french_sessions
    data = {
        "given_name": "Élodie",
        "family_name": "Tremblay",
        "email": "elodie@example.ca",
        "stakeholder_type": "academia",
        "organization": "Mila",
        "sessions": [open_session.pk],
        "consent_data_processing": "on",
    }
    french_client.post("/register/", data)
    Client().post("/register/", {**data, "email": "jan@example.org"})
    Client().post("/register/", {**data, "email": "ana@example.org", "language": "fr"})

    assert dict(Delegate.objects.values_list("email", "language")) == {
        "elodie@example.ca": "fr",
        "jan@example.org": "en",
        "ana@example.org": "fr",
    }


# --------------------------------------------------------------------------- emails and calendar files


def render_every_kind(delegate, session) -> dict[str, object]:
    """Render each email kind for this delegate, as the outbox does."""
    contexts = {
        "rejected": {"reason": "La délégation est complète."},
        "promoted": {"session": session.pk},
        "seats_cancelled": {"sessions": [session.pk]},
        # The organizers' own words, written in French; what the app adds around them must be French too.
        "organizer_message": {
            "message": DelegateMessage.objects.create(
                event=delegate.event,
                subject="Bonjour {given_name}",
                body="Votre page : {status_link}\n{sessions}",
                idempotency_key=uuid.uuid4(),
            ).pk
        },
    }
    return {
        kind: emails.render(OutboundEmail(kind=kind, delegate=delegate, context=contexts.get(kind, {})))
        for kind in EmailKind.values
        if kind not in INVITATION_KINDS | FOCAL_POINT_KINDS
    }


# Emails to an invitee, who is not a delegate yet: in the invitation's language.
INVITATION_KINDS = {EmailKind.INVITATION, EmailKind.INVITATION_REMINDER}
# Emails to an institute's focal point: in the focal point's language.
FOCAL_POINT_KINDS = {EmailKind.FOCAL_POINT_ACTIVATION, EmailKind.FOCAL_POINT_DIGEST}


def test_every_email_to_a_french_focal_point_is_in_french(french_sessions, organizer_actor):

    focal = focal_point("FR", language="fr")
    official = DelegateFactory(
        event=french_sessions[0].event, government=True, institute=institute("FR"), email="c.moreau@inesia.gouv.fr"
    )
    services.commit([services.record(services.Actor.delegate(), AuditAction.REGISTERED, delegate=official)])
    services.approve_delegates(delegate_ids=[official.pk], actor=organizer_actor)
    window = {"since": focal.created_at.isoformat(), "until": timezone.now().isoformat()}

    with translation.override("en"):
        messages = {
            kind: emails.render(OutboundEmail(kind=kind, focal_point=focal, context=window))
            for kind in FOCAL_POINT_KINDS
        }

    for kind, message in messages.items():
        html = message.alternatives[0][0]
        assert english_words(message.subject) == [], kind
        assert english_words(message.body) == [], kind
        assert english_words(visible_text(html)) == [], kind
        assert '<html lang="fr">' in html, kind


def test_every_email_to_a_french_invitee_is_in_french(event, french_sessions, organizer_actor):
    open_session, _government = french_sessions
    invitation = InvitationFactory(event=event, language="fr", sessions=[open_session])

    with translation.override("en"):  # the organizer's language does not matter
        messages = [emails.render(OutboundEmail(kind=kind, invitation=invitation)) for kind in INVITATION_KINDS]

    for message in messages:
        html = message.alternatives[0][0]
        assert english_words(message.subject) == [], message.subject
        assert english_words(message.body) == [], message.body
        assert english_words(visible_text(html)) == []
        assert "Science de l'évaluation des risques" in message.body


def test_every_email_to_a_french_delegate_is_in_french(french_delegate, organizer_actor):
    services.approve_delegates(delegate_ids=[french_delegate.pk], actor=organizer_actor)
    french_delegate.refresh_from_db()
    session = french_delegate.session_registrations.get().session

    with translation.override("en"):  # the organizer's language does not matter
        messages = render_every_kind(french_delegate, session)

    for kind, message in messages.items():
        html = message.alternatives[0][0]
        assert english_words(message.subject) == [], kind
        assert english_words(message.body) == [], kind
        assert english_words(visible_text(html)) == [], kind
        assert '<html lang="fr">' in html, kind
    assert messages["approved"].body.startswith("Bonjour Camille Moreau,")
    assert "Science de l'évaluation des risques" in messages["approved"].body


def test_calendar_file_is_in_the_delegate_language_whoever_downloads_it(client, french_delegate, organizer_actor):
    services.approve_delegates(delegate_ids=[french_delegate.pk], actor=organizer_actor)

    response = client.get(links.status_path(french_delegate) + "calendar.ics")  # an English browser

    calendar = Calendar.from_ical(response.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Science de l'évaluation des risques"
    assert str(entry["location"]) == "Grande salle, Presidio Golden Gate Club, San Francisco"
    status_url = links.status_url(french_delegate)
    assert str(entry["description"]) == f"Méthodes et lacunes.\n\nVotre inscription\u00a0: {status_url}"
    assert str(entry["url"]) == status_url
    assert str(calendar["x-wr-calname"]) == "Réunion du Réseau international des instituts de sécurité de l'IA"


def test_javascript_catalog_is_a_script_file_in_the_page_language(french_client, french_sessions):
    page = french_client.get("/register/").content.decode()
    catalog_url = reverse("javascript-catalog")

    assert f'<script src="{catalog_url}" defer></script>' in page
    script = french_client.get(catalog_url)
    assert script["Content-Type"].startswith("text/javascript")
    # The catalog is JSON inside the script: non-ASCII letters are escaped.
    assert json.dumps("séances réservées aux gouvernements sont masquées")[1:-1] in script.content.decode()


# --------------------------------------------------------------------------- the whole story, in the demo


def test_in_the_demo_a_french_delegate_registers_and_an_english_organizer_approves(db, mailoutbox):
    call_command("load_demo", stdout=None)
    mailoutbox.clear()
    visitor = Client()

    # The visitor switches to French; the agenda shows the sessions' French titles.
    visitor.post(reverse("set_language"), {"language": "fr"}, HTTP_REFERER="http://testserver/")
    agenda = page_text(visitor.get("/"))
    assert "Séance plénière d'ouverture" in agenda
    assert "Science de l'évaluation des risques\u00a0: méthodes et lacunes" in agenda
    assert "Opening plenary" not in agenda

    # They register (no language chosen on the form: the page's is kept).
    sessions = {s.title_en: s for s in Session.objects.all()}
    chosen = sessions["Opening plenary"]
    response = visitor.post(
        "/register/",
        {
            "given_name": "Inès",
            "family_name": "Lambert",
            "email": "ines.lambert@numerique.gouv.fr",
            "stakeholder_type": "government",  # the demo admits guests by invitation only
            "institute": Institute.objects.get(iso_code="FR").pk,
            "sessions": [chosen.pk],
            "consent_data_processing": "on",
        },
    )
    assert response.status_code == 302
    delegate = Delegate.objects.get(email="ines.lambert@numerique.gouv.fr")
    assert delegate.language == "fr"
    emails.deliver()
    (confirmation,) = mailoutbox
    assert confirmation.subject.startswith("Nous avons bien reçu votre inscription – Réunion du Réseau")
    assert "- Séance plénière d'ouverture\u00a0: samedi 20 novembre" in confirmation.body
    assert english_words(confirmation.body) == []

    # Their institute's focal point endorses them (the demo requires it); an organizer working in
    # English approves them in the admin.

    endorsements.endorse(focal_point=FocalPoint.objects.get(institute__iso_code="FR"), delegate_ids=[delegate.pk])
    desk = Client(HTTP_ACCEPT_LANGUAGE="en")
    desk.force_login(organizer())
    change_page = desk.get(reverse("admin:registrations_delegate_change", args=[delegate.pk])).content.decode()
    assert '<html lang="en"' in change_page and ">Approve</button>" in change_page
    desk.post(reverse("admin:registrations_delegate_approve", args=[delegate.pk]))
    delegate.refresh_from_db()
    assert delegate.status == DelegateStatus.APPROVED
    emails.deliver()

    approval = mailoutbox[1]
    assert approval.subject.startswith("Votre inscription est approuvée – Réunion du Réseau")
    assert "Séances confirmées (heure du Pacifique)\u00a0:" in approval.body
    assert "9 h 00 - 9 h 45 (heure du Pacifique), Grande salle" in approval.body
    assert english_words(approval.body) == []
    attachments = {mimetype: (filename, content) for filename, content, mimetype in approval.attachments}
    assert sorted(attachments) == ["application/pdf", "text/calendar"]  # the calendar and the badge
    filename, ics = attachments["text/calendar"]
    assert filename == "san-francisco-convening-sessions.ics"
    (entry,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(entry["summary"]) == "Séance plénière d'ouverture"
    assert str(entry["location"]) == (
        "Grande salle, Presidio Golden Gate Club, San Francisco, 135 Fisher Loop, San Francisco, CA 94129, États-Unis"
    )
    assert delegate.session_registrations.get().status == SeatStatus.CONFIRMED


def test_emails_go_out_in_each_delegate_language_from_one_bulk_decision(event, open_session, organizer_actor):
    french = DelegateFactory(event=event, language="fr")
    english = DelegateFactory(event=event, language="en")
    for delegate in (french, english):
        services.add_session(delegate=delegate, session=open_session, actor=services.Actor.delegate())
    mail.outbox.clear()

    with translation.override("fr"):
        services.approve_delegates(delegate_ids=[french.pk, english.pk], actor=organizer_actor)
    emails.deliver()

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[french.email].startswith("Votre inscription est approuvée")
    assert subjects[english.email].startswith("Your registration for")


def test_page_cache_keeps_languages_apart_and_shows_a_french_title_change(
    client, french_client, french_sessions, organizer_actor
):
    open_session, _government = french_sessions
    assert "Science de l'évaluation des risques" in page_text(french_client.get("/"))
    assert "Risk assessment science" in page_text(client.get("/"))

    services.update_session(
        session=open_session,
        changes={"title_fr": "Évaluation des risques : l'état de la science"},
        actor=organizer_actor,
    )

    assert "Évaluation des risques : l'état de la science" in page_text(french_client.get("/"))
    assert "Risk assessment science" in page_text(client.get("/"))
    assert "Évaluation des risques" not in page_text(client.get("/"))


def test_signup_page_cache_keeps_each_language_default(client, french_client, french_sessions):
    french = french_client.get("/register/").content.decode()
    english = client.get("/register/").content.decode()

    assert '<option value="fr" selected>' in french and '<option value="en" selected>' in english


def test_csv_headers_and_labels_follow_the_organizer_language(french_delegate):

    with translation.override("fr"):
        header, row = list(exports.delegate_rows(Delegate.objects.all()))
    with translation.override("en"):
        english_header, _row = list(exports.delegate_rows(Delegate.objects.all()))

    assert header[:5] == ["Identifiant du délégué", "Prénom", "Nom de famille", "Courriel", "Catégorie de participant"]
    assert english_header[:5] == ["Delegate ID", "Given name", "Family name", "Email", "Stakeholder type"]
    assert (row[4], row[10], header[-1]) == ("Milieu universitaire", "En attente", "Séances")


def test_admin_follows_the_organizer_browser_language(db):
    desk = Client(HTTP_ACCEPT_LANGUAGE="fr")
    desk.force_login(organizer())

    page = desk.get(reverse("admin:registrations_delegate_changelist")).content.decode()

    assert '<html lang="fr"' in page and "Exporter en CSV" in page


def test_the_french_admin_names_models_the_app_and_columns_in_french(event, open_session):
    desk = Client(HTTP_ACCEPT_LANGUAGE="fr")
    desk.force_login(organizer())
    delegate = DelegateFactory(event=event, status=DelegateStatus.APPROVED)
    CheckIn.objects.create(event=event, delegate=delegate, door="Entrée principale")

    index = desk.get(reverse("admin:index")).content.decode()
    change = desk.get(reverse("admin:registrations_delegate_change", args=[delegate.pk])).content.decode()
    check_ins = desk.get(reverse("admin:registrations_checkin_changelist")).content.decode()

    for name in ("Inscriptions", "Délégués", "Réunions", "Instituts membres", "Courriels sortants", "Séances"):
        assert f">{name}<" in index, name
    assert "Entrées enregistrées" in index
    for english in ("Delegates", "Events", "Institutes", "Outbound emails", "Registrations", "Check-ins"):
        assert f">{english}<" not in index, english
    assert "Modification de délégué" in change
    assert ">Délégué</" in check_ins
    assert ">Delegate</" not in check_ins
    assert "1 entrée enregistrée" in check_ins


def test_admin_list_dates_read_the_french_way(event, open_session):
    desk = Client(HTTP_ACCEPT_LANGUAGE="fr")
    desk.force_login(organizer())
    expires = datetime(2030, 12, 3, 23, 59, tzinfo=event.tz)
    InvitationFactory(event=event, expires_at=expires, sessions=[open_session])

    french = desk.get(reverse("admin:registrations_invitation_changelist")).content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(organizer(username="english-desk"))
    page = english.get(reverse("admin:registrations_invitation_changelist")).content.decode()

    assert "mar 3 déc 2030, 23 h 59 (heure du Pacifique)" in french
    assert "Tue 03 Dec 2030" not in french
    assert "Tue 03 Dec 2030 23:59 PST" in page
