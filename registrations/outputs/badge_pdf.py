"""Badges as PDF: one delegate's (A6), or a batch, 4 to an A4 page with cut marks.

ReportLab rather than WeasyPrint: a badge is fixed geometry (a colour band, a name fitted to a
width, a QR code drawn module by module, cut marks), which a canvas draws directly; ReportLab is one
pip wheel with no system libraries (WeasyPrint needs Pango and HarfBuzz from the system), embeds only
the glyphs used, and writes a page at a time, so a batch of thousands stays small in memory. Its
limit, no complex-script shaping, does not touch Latin, Japanese, Chinese or Korean names.

The fonts are Debian's, installed by `.ci/run` and `make fonts` (never fetched by the app): DejaVu
Sans (fonts-dejavu-core) for Latin with every European accent, Greek and Cyrillic, and WenQuanYi Zen
Hei (fonts-wqy-zenhei) for Chinese, Japanese kana and kanji, and Korean Hangul. Each character is
drawn in the first of the two that has it, so a name is never a row of empty boxes.
`BADGE_LATIN_FONT` / `BADGE_FONT` may point at other TrueType files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from registrations import l10n
from registrations.models import Delegate, StakeholderType
from registrations.rules import badges

# Two TrueType fonts, chosen per character: DejaVu Sans for Latin (every accent of European names),
# Greek and Cyrillic; WenQuanYi Zen Hei for Chinese, Japanese and Korean.
LATIN_FONT, CJK_FONT = "BadgeSans", "BadgeCJK"
LATIN_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
CJK_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc")
# Government delegates' band and guests' (civil society, academia, industry) differ at a glance.
BAND_COLOURS = {StakeholderType.GOVERNMENT: HexColor("#5b2391")}
GUEST_BAND = HexColor("#d2691e")

CELL_W, CELL_H = A6  # 105 x 148 mm
A4_CELL_W, A4_CELL_H = 97 * mm, 138 * mm  # four to an A4 page, with room around each for cut marks
CUT_MARK = 5 * mm
CUT_GAP = 1.5 * mm


class FontMissing(RuntimeError):
    pass


def _first_file(configured: str, candidates: tuple[str, ...]) -> str | None:
    for candidate in ((configured,) if configured else ()) + candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def font_paths() -> tuple[str | None, str | None]:
    """The Latin and the CJK font files (BADGE_LATIN_FONT / BADGE_FONT override the Debian paths)."""
    return (
        _first_file(os.environ.get("BADGE_LATIN_FONT", ""), LATIN_CANDIDATES),
        _first_file(os.environ.get("BADGE_FONT", ""), CJK_CANDIDATES),
    )


@lru_cache(maxsize=1)
def register_fonts() -> tuple[tuple[str, dict], ...]:
    """Register the badge fonts once; (name, character map) in the order they are tried."""
    latin, cjk = font_paths()
    if latin is None or cjk is None:
        raise FontMissing(
            "Badge fonts missing: install Debian's fonts-dejavu-core and fonts-wqy-zenhei (make fonts), "
            "or set BADGE_LATIN_FONT and BADGE_FONT."
        )
    pdfmetrics.registerFont(TTFont(LATIN_FONT, latin))
    pdfmetrics.registerFont(TTFont(CJK_FONT, cjk, subfontIndex=0))
    return tuple((name, pdfmetrics.getFont(name).face.charToGlyph) for name in (LATIN_FONT, CJK_FONT))


def runs(text: str) -> list[tuple[str, str]]:
    """The text cut into (font, piece) runs: each character in the first font that has a glyph for it."""
    fonts = register_fonts()
    pieces: list[tuple[str, str]] = []
    for character in text:
        code = ord(character)
        font = next((name for name, glyphs in fonts if glyphs.get(code)), fonts[0][0])
        if pieces and pieces[-1][0] == font:
            pieces[-1] = (font, pieces[-1][1] + character)
        else:
            pieces.append((font, character))
    return pieces


def missing_glyphs(text: str) -> list[str]:
    """Characters no badge font can draw (they would print as empty boxes)."""
    fonts = register_fonts()
    return [c for c in text if not c.isspace() and not any(glyphs.get(ord(c)) for _name, glyphs in fonts)]


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in runs(text))


def draw_centred(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    x -= text_width(text, size) / 2
    for font, piece in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)


def band_colour(delegate: Delegate):
    return BAND_COLOURS.get(delegate.stakeholder_type, GUEST_BAND)


def _fit(text: str, size: float, smallest: float, width: float) -> float:
    while size > smallest and text_width(text, size) > width:
        size -= 1
    return size


def _draw_badge(canvas: Canvas, delegate: Delegate, box: tuple[float, float, float, float]) -> None:
    """One badge in `box`, in its holder's language (as every email and calendar file sent to them),
    whoever prints it: an organizer's batch holds each delegate's own."""
    with translation.override(delegate.language or settings.LANGUAGE_CODE):
        _draw_badge_in_language(canvas, delegate, box)


def _draw_badge_in_language(canvas: Canvas, delegate: Delegate, box: tuple[float, float, float, float]) -> None:
    """One badge in `box` (x, y of its lower-left corner, width, height)."""
    x, y, w, h = box
    pad = 6 * mm
    inner = w - 2 * pad
    middle = x + w / 2
    # The colour band with the stakeholder type.
    band = 16 * mm
    canvas.setFillColor(band_colour(delegate))
    canvas.rect(x, y + h - band, w, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    label = delegate.get_stakeholder_type_display().upper()
    draw_centred(canvas, middle, y + h - band + 5.5 * mm, label, _fit(label, 16, 8, inner))
    # The event.
    canvas.setFillColor(black)
    event = delegate.event.name
    draw_centred(canvas, middle, y + h - band - 6 * mm, event, _fit(event, 9, 6, inner))
    # The name, as large as fits: one line, or given and family names on two.
    top = y + h - band - 20 * mm
    name = delegate.full_name
    size = _fit(name, 34, 18, inner)
    if text_width(name, size) <= inner:
        draw_centred(canvas, middle, top - size, name, size)
        below = top - size - 8 * mm
    else:
        lines = [delegate.given_name, delegate.family_name]
        if l10n.family_name_first(delegate.given_name, delegate.family_name):
            lines.reverse()  # 山田 over 太郎, as the name is written
        size = min(_fit(line, 26, 9, inner) for line in lines)
        for i, line in enumerate(lines):
            draw_centred(canvas, middle, top - size * (i + 1) - 2 * i, line, size)
        below = top - 2 * size - 10 * mm
    # The name as in the passport, under the name, where it is spelled otherwise (YAMADA Taro under 山田 太郎).
    if delegate.passport_name and delegate.passport_name != delegate.full_name:
        size = _fit(delegate.passport_name, 12, 7, inner)
        draw_centred(canvas, middle, below + 2 * mm, delegate.passport_name, size)
        below -= size + 2 * mm
    # The affiliation.
    affiliation = str(delegate.institute) if delegate.institute_id else delegate.organization
    draw_centred(canvas, middle, below, affiliation, _fit(affiliation, 13, 7, inner))
    # The QR code, at the bottom.
    matrix = badges.qr_matrix(badges.code_for(delegate))
    side = min(50 * mm, below - y - 16 * mm)
    module = side / len(matrix)
    qx, qy = x + (w - side) / 2, y + 9 * mm
    path = canvas.beginPath()
    for row, column, run in badges.dark_runs(matrix):
        path.rect(qx + column * module, qy + side - (row + 1) * module, run * module, module)
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)
    # The code as text, for typing at a door whose scanner fails (it names no one).
    code = badges.code_for(delegate)
    draw_centred(canvas, middle, y + 4 * mm, code, _fit(code, 6, 4, inner))


def _cut_marks(canvas: Canvas, x: float, y: float, w: float, h: float) -> None:
    canvas.setLineWidth(0.3)
    canvas.setStrokeColor(black)
    for cx, cy, dx, dy in ((x, y, -1, -1), (x + w, y, 1, -1), (x, y + h, -1, 1), (x + w, y + h, 1, 1)):
        canvas.line(cx + dx * CUT_GAP, cy, cx + dx * (CUT_GAP + CUT_MARK), cy)
        canvas.line(cx, cy + dy * CUT_GAP, cx, cy + dy * (CUT_GAP + CUT_MARK))


def write_badges(delegates: Iterable[Delegate], out, *, layout: str = "a6") -> int:
    """Write the badges to the binary file `out`; return how many. `layout` "a6" (one per page) or
    "a4" (four per page, cut marks). Delegates are drawn as they come (pass an iterator)."""
    register_fonts()
    canvas = Canvas(out, pagesize=A4 if layout == "a4" else A6, pageCompression=1)
    canvas.setTitle(_("Badges"))
    count = 0
    page_w, page_h = A4
    slots = [
        (page_w / 4 - A4_CELL_W / 2 + col * page_w / 2, page_h * 3 / 4 - A4_CELL_H / 2 - row * page_h / 2)
        for row in range(2)
        for col in range(2)
    ]
    for delegate in delegates:
        if layout == "a4":
            slot = count % 4
            if count and slot == 0:
                canvas.showPage()
            x, y = slots[slot]
            _draw_badge(canvas, delegate, (x, y, A4_CELL_W, A4_CELL_H))
            _cut_marks(canvas, x, y, A4_CELL_W, A4_CELL_H)
        else:
            if count:
                canvas.showPage()
            _draw_badge(canvas, delegate, (0, 0, CELL_W, CELL_H))
        count += 1
    if count == 0:
        draw_centred(canvas, A6[0] / 2, 20 * mm, _("No badges to print."), 12)
    canvas.save()
    return count


def badge_file(delegates: Iterable[Delegate], *, layout: str = "a6"):
    """The PDF in a temporary file (on disk past a few MB), rewound, ready to stream."""
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # the response closes it
    write_badges(delegates, out, layout=layout)
    out.seek(0)
    return out


def badge_pdf_bytes(delegate: Delegate) -> bytes:
    with badge_file([delegate]) as out:
        return out.read()
