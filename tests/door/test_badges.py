"""Badges on paper and on the phone: the PDF (names in any script, the colour bands, four to a page),
the status page's QR code and badge download, the approval email's attachment, the admin's print and
reissue actions, the attendance column and its export."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics

from registrations import services
from registrations.models import (
    AccessTier,
    AuditAction,
    AuditEntry,
    CheckIn,
    DelegateStatus,
    EmailKind,
    OutboundEmail,
    SeatStatus,
)
from registrations.outputs import badge_pdf
from registrations.queries import door as door_queries
from registrations.queries import links
from registrations.rules import badges
from registrations.services import door as door_service
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, UserFactory, institute

CHANGELIST = reverse("admin:registrations_delegate_changelist")
NAMES = [("太郎", "山田"), ("민준", "김"), ("Zoë", "Šťastná-Øvergård")]


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def approved(event, **fields):
    return DelegateFactory(event=event, status=DelegateStatus.APPROVED, **fields)


# --------------------------------------------------------------------------- the PDF


@pytest.mark.parametrize(("given", "family"), NAMES)
def test_the_badge_fonts_have_a_glyph_for_every_letter_of_the_name(given, family):
    assert badge_pdf.missing_glyphs(f"{given} {family}") == []
    # Each run is drawn in a font that has every one of its characters.
    for font, piece in badge_pdf.runs(f"{given} {family}"):
        glyphs = pdfmetrics.getFont(font).face.charToGlyph
        assert all(glyphs.get(ord(c)) for c in piece if not c.isspace()), (font, piece)


def test_latin_and_cjk_take_different_fonts():
    assert [font for font, _piece in badge_pdf.runs("Ana 山田")] == [badge_pdf.LATIN_FONT, badge_pdf.CJK_FONT]


def test_a_badge_pdf_embeds_the_font_and_the_name(event):
    delegate = approved(event, given_name="太郎", family_name="山田", government=True)
    pdf = badge_pdf.badge_pdf_bytes(delegate)
    assert pdf.startswith(b"%PDF-")
    assert pages(pdf) == 1
    assert b"/FontFile2" in pdf  # the (subset) TrueType font travels with the file
    assert b"/BaseFont /AAAAAA+WenQuanYiZenHei" in pdf  # the kanji's font, subset and embedded


def test_government_and_guest_badges_have_different_bands(event):
    government = approved(event, government=True)
    guest = approved(event)
    assert badge_pdf.band_colour(government) != badge_pdf.band_colour(guest)
    assert badge_pdf.band_colour(guest) == badge_pdf.band_colour(approved(event, stakeholder_type="industry"))


def test_a_batch_prints_four_badges_to_an_a4_page(event):
    delegates = [approved(event, given_name=g, family_name=f) for g, f in NAMES * 2]  # six badges
    out = io.BytesIO()
    assert badge_pdf.write_badges(iter(delegates), out, layout="a4") == 6
    assert pages(out.getvalue()) == 2
    out = io.BytesIO()
    badge_pdf.write_badges(iter(delegates), out, layout="a6")
    assert pages(out.getvalue()) == 6


# --------------------------------------------------------------------------- the status page and the email


def test_an_approved_delegates_status_page_shows_the_qr_and_offers_the_badge(client, event):
    delegate = approved(event, government=True)
    page = client.get(links.status_path(delegate)).content.decode()
    assert 'class="badge-qr"' in page
    token = links.make_token(delegate)
    assert reverse("registrations:badge_pdf", args=[token]) in page
    download = client.get(reverse("registrations:badge_pdf", args=[token]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("status", [DelegateStatus.PENDING, DelegateStatus.REJECTED, DelegateStatus.WITHDRAWN])
def test_no_badge_before_approval_or_after_withdrawal(client, event, status):
    delegate = DelegateFactory(event=event, status=status)
    page = client.get(links.status_path(delegate)).content.decode()
    assert "badge-qr" not in page and "badge.pdf" not in page
    download = client.get(reverse("registrations:badge_pdf", args=[links.make_token(delegate)]))
    assert download.status_code == (410 if status == DelegateStatus.WITHDRAWN else 404)


def test_the_approval_email_carries_the_badge(event, organizer_actor, mailoutbox, send_emails):
    delegate = DelegateFactory(event=event, government=True)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    send_emails()
    approval = next(m for m in mailoutbox if "approved" in m.subject)
    attachments = {name: (content, kind) for name, content, kind in approval.attachments}
    content, kind = attachments[f"badge-{event.slug}.pdf"]
    assert kind == "application/pdf" and content.startswith(b"%PDF-")
    assert "Your badge is attached" in approval.body


def test_an_approval_email_without_the_font_still_goes_out(
    event, organizer_actor, mailoutbox, send_emails, monkeypatch
):
    monkeypatch.setattr(badge_pdf, "font_paths", lambda: (None, None))
    badge_pdf.register_fonts.cache_clear()
    try:
        delegate = DelegateFactory(event=event, government=True)
        services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
        send_emails()
    finally:
        badge_pdf.register_fonts.cache_clear()
    approval = next(m for m in mailoutbox if "approved" in m.subject)
    assert [name for name, _c, _k in approval.attachments if name.endswith(".pdf")] == []


# --------------------------------------------------------------------------- the admin


def test_organizer_prints_the_approved_uk_delegates_badges(organizer_client, event):
    uk = [approved(event, government=True) for _ in range(5)]
    DelegateFactory(event=event, government=True)  # pending: no badge
    approved(event, government=True, institute=institute("JP"), email="a@meti.go.jp")
    response = organizer_client.post(
        CHANGELIST + f"?institute__id__exact={institute('GB').pk}&status__exact=approved",
        {"action": "print_badges_a4", "select_across": "1", "index": "0", "_selected_action": [uk[0].pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert pages(pdf) == 2  # five badges, four to a page


def test_printing_only_unapproved_delegates_says_why(organizer_client, event):
    pending = DelegateFactory(event=event)
    response = organizer_client.post(
        CHANGELIST, {"action": "print_badges_a6", "_selected_action": [pending.pk]}, follow=True
    )
    assert "Badges are printed for approved delegates only." in response.content.decode()


def reissue(client, delegates, *, confirm: bool):
    data = {"action": "reissue_badges", "_selected_action": [d.pk for d in delegates]}
    if confirm:
        data.update(confirm="yes", delegate_ids=",".join(str(d.pk) for d in delegates))
    return client.post(CHANGELIST, data)


def test_reissuing_a_badge_asks_for_confirmation_first(organizer_client, event, mailoutbox):
    delegate = approved(event, government=True, given_name="Ana", family_name="Ruiz")
    page = reissue(organizer_client, [delegate], confirm=False)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Their current badge stops working at every door at once" in html and "Ana Ruiz" in html
    assert 'value="Yes, reissue 1 badge"' in html
    delegate.refresh_from_db()
    assert delegate.badge_version == 1
    assert not AuditEntry.objects.filter(action=AuditAction.BADGE_REISSUED).exists()
    assert mailoutbox == []


def test_organizer_reissues_a_badge_from_the_admin(organizer_client, event, mailoutbox):
    delegate = approved(event, government=True)
    old = badges.code_for(delegate)
    with_confirmation = reissue(organizer_client, [delegate], confirm=True)
    assert with_confirmation.status_code == 302
    delegate.refresh_from_db()
    assert delegate.badge_version == 2 and badges.code_for(delegate) != old
    assert AuditEntry.objects.get(action=AuditAction.BADGE_REISSUED).actor_name == "organizer"
    assert OutboundEmail.objects.get().kind == EmailKind.BADGE_REISSUED


def test_a_reissued_badge_is_emailed_in_the_delegates_language_with_the_new_badge(
    event, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(rl_config, "invariant", 1)  # the same badge, the same bytes
    delegate = approved(event, government=True, language="fr")
    old_badge = badge_pdf.badge_pdf_bytes(delegate)
    with django_capture_on_commit_callbacks(execute=True):
        door_service.reissue_badge(delegate=delegate, actor=services.Actor.system())
    [message] = mailoutbox
    assert message.subject == f"Votre nouveau badge pour {event.name}"
    assert "ne fonctionne plus à aucune porte" in message.body
    [(filename, pdf, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"badge-{event.slug}.pdf", "application/pdf")
    delegate.refresh_from_db()
    assert delegate.badge_version == 2
    with translation.override("fr"):
        assert pdf == badge_pdf.badge_pdf_bytes(delegate) != old_badge  # the new badge, not the old


def test_the_reissue_confirmation_lists_approved_delegates_only(organizer_client, event):
    pending = DelegateFactory(event=event)
    response = reissue(organizer_client, [pending], confirm=False)
    assert response.status_code == 302
    assert pending.badge_version == 1
    followed = organizer_client.get(response.url).content.decode()
    assert "Only approved delegates have a badge to reissue." in followed


def test_door_staff_cannot_print_badges_or_reissue(client, event):
    user = UserFactory(username="door", is_staff=False)
    user.groups.add(Group.objects.get(name="Door staff"))
    client.force_login(user)
    delegate = approved(event, government=True)
    response = client.post(CHANGELIST, {"action": "reissue_badges", "_selected_action": [delegate.pk]})
    assert response.status_code == 302 and "/login/" in response.url
    delegate.refresh_from_db()
    assert delegate.badge_version == 1


def attend(event, session, delegate, door="North"):
    return door_service.check_in(
        door=door_queries.Door(event=event, session=session, name=door),
        actor=services.Actor.system(),
        code=badges.code_for(delegate),
    )


def test_session_list_shows_attendance_in_its_one_query(organizer_client, event, django_assert_max_num_queries):
    session = SessionFactory(event=event, title="Plenary", access_tier=AccessTier.OPEN)
    for _ in range(3):
        delegate = approved(event)
        SessionRegistrationFactory(delegate=delegate, session=session, status=SeatStatus.CONFIRMED)
        attend(event, session, delegate)
    undone = CheckIn.objects.first()
    door_service.undo_check_in(event=event, check_in_id=undone.pk, reason="wrong", actor=services.Actor.system())
    listing = organizer_client.get(reverse("admin:registrations_session_changelist"))
    assert '<td class="field-attended">2</td>' in listing.content.decode()


def test_attendance_export_lists_check_ins_with_undone_ones_marked(organizer_client, event):
    session = SessionFactory(event=event, title="Plenary", access_tier=AccessTier.OPEN)
    delegates = [approved(event, given_name=n, family_name="Lee") for n in ("Ana", "=cmd")]
    for delegate in delegates:
        SessionRegistrationFactory(delegate=delegate, session=session, status=SeatStatus.CONFIRMED)
        attend(event, session, delegate)
    attend(event, None, delegates[0], door="Main gate")
    first = CheckIn.objects.get(delegate=delegates[1])
    door_service.undo_check_in(event=event, check_in_id=first.pk, reason="wrong badge", actor=services.Actor.system())
    response = organizer_client.get(reverse("admin:registrations_checkin_export") + f"?event__id__exact={event.pk}")
    assert response.status_code == 200
    text = codecs.decode(b"".join(response.streaming_content), "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Session", "Given name", "Family name"]
    body = sorted((r[0], r[1], r[6], r[11]) for r in rows[1:])
    assert body == [
        ("Plenary", "'=cmd", "North", "wrong badge"),
        ("Plenary", "Ana", "North", ""),
        ("Venue entrance", "Ana", "Main gate", ""),
    ]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


# Queries of the admin's check-in list, the attendance export and the session list (with its
# "checked in" column): the same at one and at three check-ins.
QUERIES = {"changelist": 11, "export": 13, "sessions": 8}


@pytest.mark.parametrize("size", [1, 3])
def test_attendance_lists_cost_the_same_queries_at_any_size(organizer_client, event, size, django_assert_num_queries):
    session = SessionFactory(event=event, title="Plenary", access_tier=AccessTier.OPEN)
    for _ in range(size):
        delegate = approved(event, government=True)
        SessionRegistrationFactory(delegate=delegate, session=session, status=SeatStatus.CONFIRMED)
        attend(event, session, delegate)
    organizer_client.get(reverse("admin:registrations_checkin_changelist"))  # the session and user are cached
    with django_assert_num_queries(QUERIES["changelist"]):
        assert organizer_client.get(reverse("admin:registrations_checkin_changelist")).status_code == 200
    with django_assert_num_queries(QUERIES["export"]):
        response = organizer_client.get(reverse("admin:registrations_checkin_export"))
        assert len(b"".join(response.streaming_content).splitlines()) == size + 1
    with django_assert_num_queries(QUERIES["sessions"]):
        assert organizer_client.get(reverse("admin:registrations_session_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("given", "family", "drawn"),
    [
        ("太郎", "山田", ["山田 太郎"]),
        ("민준", "김", ["김민준"]),
        ("Taro", "Yamada", ["Taro Yamada"]),
        # Too long for one line: two lines, still in the name's own order.
        (
            "寿限無寿限無五劫の擦り切れ海砂利水魚",
            "長久命長助長久命長助長久命長助",
            ["長久命長助長久命長助長久命長助", "寿限無寿限無五劫の擦り切れ海砂利水魚"],
        ),
    ],
)
def test_the_badge_prints_the_name_in_its_cultures_order(event, monkeypatch, given, family, drawn):
    texts = []
    real = badge_pdf.draw_centred
    monkeypatch.setattr(
        badge_pdf, "draw_centred", lambda canvas, x, y, text, size: texts.append(text) or real(canvas, x, y, text, size)
    )

    badge_pdf.badge_pdf_bytes(approved(event, given_name=given, family_name=family, government=True))

    names = [t for t in texts if t in drawn]
    assert names == drawn


@pytest.mark.parametrize(
    ("language", "band"), [("ja", "政府"), ("ko", "정부"), ("fr", "GOUVERNEMENT"), ("en", "GOVERNMENT")]
)
def test_the_badge_speaks_its_holders_language_whoever_prints_it(event, monkeypatch, language, band):
    texts = []
    real = badge_pdf.draw_centred
    monkeypatch.setattr(
        badge_pdf, "draw_centred", lambda canvas, x, y, text, size: texts.append(text) or real(canvas, x, y, text, size)
    )

    badge_pdf.badge_pdf_bytes(approved(event, government=True, language=language))  # printed in English

    assert texts[0] == band


def test_the_badge_prints_the_passport_spelling_under_the_name(event, monkeypatch):
    texts = []
    real = badge_pdf.draw_centred
    monkeypatch.setattr(
        badge_pdf, "draw_centred", lambda canvas, x, y, text, size: texts.append(text) or real(canvas, x, y, text, size)
    )

    badge_pdf.badge_pdf_bytes(
        approved(event, given_name="太郎", family_name="山田", passport_name="YAMADA Taro", government=True)
    )

    assert texts.index("YAMADA Taro") == texts.index("山田 太郎") + 1
