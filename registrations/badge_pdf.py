"""Badges as PDF: one delegate's (A6), or a batch, 4 to an A4 page with cut marks.

ReportLab rather than WeasyPrint: a badge is fixed geometry (a colour band, a name fitted to a
width, a QR code drawn module by module, cut marks), which a canvas draws directly; ReportLab is one
pip wheel with no system libraries (WeasyPrint needs Pango and HarfBuzz from the system), embeds only
the glyphs used, and writes a page at a time, so a batch of thousands stays small in memory. Its
limit, no complex-script shaping, does not touch Latin, Japanese, Chinese or Korean names.

The font is WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei, installed by `.ci/run` and the Makefile):
one TrueType collection that covers accented Latin, CJK ideographs, kana and Hangul, so a name is
never drawn as empty boxes. `BADGE_FONT` may point at another TrueType font with that coverage.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from . import badges
from .models import Delegate, StakeholderType

FONT_NAME = "BadgeSans"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
# Government delegates' band and guests' (civil society, academia, industry) differ at a glance.
BAND_COLOURS = {StakeholderType.GOVERNMENT: HexColor("#5b2391")}
GUEST_BAND = HexColor("#d2691e")

CELL_W, CELL_H = A6  # 105 x 148 mm
A4_CELL_W, A4_CELL_H = 97 * mm, 138 * mm  # four to an A4 page, with room around each for cut marks
CUT_MARK = 5 * mm
CUT_GAP = 1.5 * mm


class FontMissing(RuntimeError):
    pass


def font_path() -> str | None:
    configured = os.environ.get("BADGE_FONT", "")
    for candidate in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def register_font() -> str:
    path = font_path()
    if path is None:
        raise FontMissing(
            "No CJK-capable badge font: install Debian's fonts-wqy-zenhei (make fonts) or set BADGE_FONT."
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def band_colour(delegate: Delegate):
    return BAND_COLOURS.get(delegate.stakeholder_type, GUEST_BAND)


def _fit(text: str, font: str, size: float, smallest: float, width: float) -> float:
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _draw_badge(canvas: Canvas, delegate: Delegate, box: tuple[float, float, float, float]) -> None:
    """One badge in `box` (x, y of its lower-left corner, width, height)."""
    x, y, w, h = box
    font = register_font()
    pad = 6 * mm
    inner = w - 2 * pad
    # The colour band with the stakeholder type.
    band = 16 * mm
    canvas.setFillColor(band_colour(delegate))
    canvas.rect(x, y + h - band, w, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    label = delegate.get_stakeholder_type_display().upper()
    canvas.setFont(font, _fit(label, font, 16, 8, inner))
    canvas.drawCentredString(x + w / 2, y + h - band + 5.5 * mm, label)
    # The event.
    canvas.setFillColor(black)
    event = delegate.event.name
    size = _fit(event, font, 9, 6, inner)
    canvas.setFont(font, size)
    canvas.drawCentredString(x + w / 2, y + h - band - 6 * mm, event)
    # The name, as large as fits: one line, or given and family names on two.
    top = y + h - band - 20 * mm
    name = delegate.full_name
    size = _fit(name, font, 30, 18, inner)
    if pdfmetrics.stringWidth(name, font, size) <= inner:
        canvas.setFont(font, size)
        canvas.drawCentredString(x + w / 2, top - size, name)
        below = top - size - 8 * mm
    else:
        lines = [delegate.given_name, delegate.family_name]
        size = min(_fit(line, font, 26, 9, inner) for line in lines)
        canvas.setFont(font, size)
        for i, line in enumerate(lines):
            canvas.drawCentredString(x + w / 2, top - size * (i + 1) - 2 * i, line)
        below = top - 2 * size - 10 * mm
    # The affiliation.
    affiliation = str(delegate.institute) if delegate.institute_id else delegate.organization
    size = _fit(affiliation, font, 13, 7, inner)
    canvas.setFont(font, size)
    canvas.drawCentredString(x + w / 2, below, affiliation)
    # The QR code, at the bottom.
    matrix = badges.qr_matrix(badges.code_for(delegate))
    side = min(42 * mm, below - y - 12 * mm)
    module = side / len(matrix)
    qx, qy = x + (w - side) / 2, y + 8 * mm
    path = canvas.beginPath()
    for row, column, run in badges.dark_runs(matrix):
        path.rect(qx + column * module, qy + side - (row + 1) * module, run * module, module)
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _cut_marks(canvas: Canvas, x: float, y: float, w: float, h: float) -> None:
    canvas.setLineWidth(0.3)
    canvas.setStrokeColor(black)
    for cx, cy, dx, dy in ((x, y, -1, -1), (x + w, y, 1, -1), (x, y + h, -1, 1), (x + w, y + h, 1, 1)):
        canvas.line(cx + dx * CUT_GAP, cy, cx + dx * (CUT_GAP + CUT_MARK), cy)
        canvas.line(cx, cy + dy * CUT_GAP, cx, cy + dy * (CUT_GAP + CUT_MARK))


def write_badges(delegates: Iterable[Delegate], out, *, layout: str = "a6") -> int:
    """Write the badges to the binary file `out`; return how many. `layout` "a6" (one per page) or
    "a4" (four per page, cut marks). Delegates are drawn as they come (pass an iterator)."""
    register_font()
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
        canvas.drawString(20 * mm, 20 * mm, _("No badges to print."))
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
