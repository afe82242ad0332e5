"""Text on a ReportLab canvas in the badge fonts (`badge_pdf`: Latin, CJK, Hangul chosen per
character): a line at a place, and a paragraph wrapped to a width. Shared by the visa letters and
the list of participants."""

from __future__ import annotations

import re

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from registrations.outputs.badge_pdf import runs, text_width

# A piece that may not be split: a word with its trailing spaces, or one East Asian character
# (Japanese and Chinese break between any two characters).
_PIECES = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+")


def draw(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    for font, piece in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)


def wrap(text: str, size: float, width: float) -> list[str]:
    """The text's lines, each at most `width` wide (a line break in the text starts a new line)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for piece in _PIECES.findall(paragraph):
            candidate = line + piece
            if line and text_width(candidate.rstrip(), size) > width:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines
