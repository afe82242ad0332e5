"""The visa support letter: one A4 page on the event's letterhead, in the delegate's language,
digitally signed (PAdES, `outputs.signing`), with a QR code of its verification address.

It names the delegate as in the passport with nationality, date of birth and passport number, the
event, its dates and venue, the purpose, what the host covers and does not, the signatory and a
reference that a consulate checks at `/verify/<reference>/`.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registrations import l10n
from registrations.models import VisaRequest
from registrations.outputs import signing
from registrations.outputs.badge_pdf import register_fonts
from registrations.outputs.pdf_text import draw, wrap

MARGIN = 20 * mm
BODY = 10.5
RULE = HexColor("#5b2391")


def verification_url(reference: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("registrations:verify_letter", args=[reference])


def event_dates(event) -> tuple[str, str]:
    fmt = l10n.local_format("EVENT_DATE_FORMAT")
    return l10n.date_format(event.starts_on, fmt), l10n.date_format(event.ends_on, fmt)


def local_date(value) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value) if value else None
    return l10n.date_format(value, l10n.local_format("EVENT_DATE_FORMAT")) if value else ""


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


class _Page:
    """A cursor down one page: paragraphs wrapped to the text width."""

    def __init__(self, canvas: Canvas):
        self.canvas, self.y = canvas, A4[1] - MARGIN
        self.width = A4[0] - 2 * MARGIN

    def line(self, text: str, size: float = BODY, *, x: float = MARGIN, gap: float = 1.35) -> None:
        draw(self.canvas, x, self.y - size, text, size)
        self.y -= size * gap

    def paragraph(self, text: str, size: float = BODY, *, after: float = 4 * mm) -> None:
        for line in wrap(text, size, self.width):
            self.line(line, size)
        self.y -= after


def _qr(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    module = side / len(matrix)
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                path.rect(x + column * module, y + side - (row + 1) * module, module, module)
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _draw(canvas: Canvas, visa: VisaRequest) -> None:
    delegate, event = visa.delegate, visa.delegate.event
    page = _Page(canvas)
    # The letterhead: the host and its address, a rule under them.
    page.line(event.visa_host or event.name, 15, gap=1.5)
    for line in event.visa_host_address.splitlines():
        page.line(line, 9)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(1.2)
    canvas.line(MARGIN, page.y - 2 * mm, A4[0] - MARGIN, page.y - 2 * mm)
    page.y -= 8 * mm
    issued = timezone.localtime(visa.issued_at or timezone.now(), event.tz).date()
    page.line(_("Date: %(date)s") % {"date": local_date(issued)})
    page.line(_("Reference: %(reference)s") % {"reference": visa.reference})
    page.y -= 4 * mm
    page.line(_("To the consular section of %(consulate)s") % {"consulate": visa.consulate})
    page.y -= 3 * mm
    page.line(_("Visa support letter"), 14, gap=1.8)
    starts, ends = event_dates(event)
    place = ", ".join(part for part in (event.venue, event.address) if part)
    page.paragraph(
        _(
            "We invite the person named below to attend %(event)s, held at %(place)s from %(starts)s to %(ends)s, "
            "and ask that a visa be granted for this purpose."
        )
        % {"event": event.name, "place": place, "starts": starts, "ends": ends}
    )
    for label, value in (
        (_("Name as in the passport"), visa.passport_name),  # as asked and issued
        (_("Nationality"), country_name(visa.nationality)),
        (_("Date of birth"), local_date(visa.date_of_birth)),
        (_("Passport number"), visa.passport_number),
        (_("Passport valid until"), local_date(visa.passport_expiry)),
        (_("Affiliation"), delegate.affiliation),
    ):
        draw(canvas, MARGIN + 4 * mm, page.y - BODY, f"{label}:", BODY)
        draw(canvas, MARGIN + 58 * mm, page.y - BODY, value, BODY)
        page.y -= BODY * 1.5
    page.y -= 3 * mm
    if event.visa_purpose:
        page.paragraph(_("Purpose of the visit: %(purpose)s") % {"purpose": event.visa_purpose})
    if event.visa_covered:
        page.paragraph(_("The host covers: %(covered)s") % {"covered": event.visa_covered})
    if event.visa_not_covered:
        page.paragraph(_("The host does not cover: %(not_covered)s") % {"not_covered": event.visa_not_covered})
    page.paragraph(
        _("This letter does not commit the host to any cost beyond those named above, nor the consulate to a decision.")
    )
    page.y -= 6 * mm
    page.line(event.visa_signatory_name, 11)
    page.line(event.visa_signatory_title, 10)
    if event.visa_host:
        page.line(event.visa_host, 10)
    # The QR code and the address a consulate checks the letter at.
    url = verification_url(visa.reference)
    side = 28 * mm
    _qr(canvas, url, A4[0] - MARGIN - side, MARGIN + 8 * mm, side)
    draw(canvas, MARGIN, MARGIN + 14 * mm, _("Verify this letter:"), 8.5)
    draw(canvas, MARGIN, MARGIN + 9 * mm, url, 8)
    draw(canvas, MARGIN, MARGIN + 3 * mm, _("This document is digitally signed."), 8)


def letter_pdf(visa: VisaRequest) -> bytes:
    """The signed letter, in the delegate's language (whoever downloads or sends it)."""
    delegate = visa.delegate
    register_fonts()
    with translation.override(delegate.language or settings.LANGUAGE_CODE):
        out = BytesIO()
        canvas = Canvas(out, pagesize=A4, pageCompression=1)
        canvas.setTitle(_("Visa support letter"))
        canvas.setAuthor(delegate.event.visa_host or delegate.event.name)
        _draw(canvas, visa)
        canvas.showPage()
        canvas.save()
        return signing.sign(
            out.getvalue(),
            reason=_("Visa support letter %(reference)s") % {"reference": visa.reference},
            location=delegate.event.venue,
        )
