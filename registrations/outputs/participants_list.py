"""The list of participants as PDF and XLSX, in a chosen language, from `queries.participants_list`.

The PDF is drawn on a ReportLab canvas a line at a time (no flowables kept for the whole document),
the XLSX written by `spreadsheets.write_xlsx` (XlsxWriter, constant memory), each into a spooled
temporary file: 5,000 participants stay within a few megabytes (`make bench`:
participants_list_peak_rss_growth_mb). "Provisional" with the day it was made, until the organizers
mark the list final.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registrations.models import Event, Institute
from registrations.outputs import spreadsheets
from registrations.outputs.badge_pdf import register_fonts
from registrations.outputs.pdf_text import draw, wrap
from registrations.outputs.visa_letter import local_date
from registrations.queries.participants import Group, participants_list

MARGIN = 18 * mm
HEADING = HexColor("#5b2391")
FORMATS = ("pdf", "xlsx")


def status_line(event: Event) -> str:
    if event.participants_list_final_at:
        return _("Final list of participants")
    return _("Provisional list of participants, %(date)s") % {
        "date": local_date(timezone.localtime(timezone.now(), event.tz).date())
    }


def unlisted_line(count: int) -> str:
    return ngettext("and %(count)d other participant", "and %(count)d other participants", count) % {"count": count}


def person_line(participant) -> str:
    name = participant.name + (f" ({participant.passport_name})" if participant.passport_name else "")
    if participant.head:
        name = _("%(name)s, head of delegation") % {"name": name}
    return f"{name} · {participant.position}" if participant.position else name


class _Writer:
    """Lines down the pages, a new page when the next line does not fit."""

    def __init__(self, canvas: Canvas, footer: str):
        self.canvas, self.footer, self.page = canvas, footer, 1
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN + 8 * mm:
            self._footer()
            self.canvas.showPage()
            self.page += 1
            self.y = A4[1] - MARGIN

    def _footer(self) -> None:
        self.canvas.setFillColor(black)
        draw(self.canvas, MARGIN, MARGIN, f"{self.footer} · {self.page}", 7.5)

    def line(self, text: str, size: float, *, indent: float = 0, colour=black, before: float = 0) -> None:
        for piece in wrap(text, size, self.width - indent):
            self._room(size * 1.4 + before)
            self.y -= before
            before = 0
            self.canvas.setFillColor(colour)
            draw(self.canvas, MARGIN + indent, self.y - size, piece, size)
            self.y -= size * 1.4

    def close(self) -> None:
        self._footer()


def _write_groups(writer: _Writer, groups: Iterable[Group]) -> int:
    count, heading, experts = 0, None, False
    for group in groups:
        if group.institute_id is None and not experts:
            experts = True
            writer.line(_("Invited experts"), 14, colour=HEADING, before=6 * mm)
            heading = None
        if group.heading != heading:
            heading = group.heading
            writer.line(heading, 12.5 if group.institute_id else 11.5, colour=HEADING, before=4 * mm)
        writer.line(group.subheading or _("(no organization given)"), 10, indent=2 * mm, before=1 * mm)
        for participant in group.participants:
            writer.line(person_line(participant), 9.5, indent=6 * mm)
            count += 1
        if group.unlisted:
            writer.line(unlisted_line(group.unlisted), 9, indent=6 * mm)
    return count


def write_pdf(event: Event, out: BinaryIO, *, language: str, institute: Institute | None = None) -> int:
    """Write the list (or one delegation's section) to `out`; return the number of people named."""
    register_fonts()
    with translation.override(language):
        canvas = Canvas(out, pagesize=A4, pageCompression=1)
        title = _("List of participants")
        canvas.setTitle(f"{title} · {event.name}")
        writer = _Writer(canvas, f"{event.name} · {status_line(event)}")
        writer.line(event.name, 16)
        writer.line(title, 13, colour=HEADING)
        writer.line(status_line(event), 10)
        if institute is not None:
            writer.line(str(institute), 10)
        count = _write_groups(writer, participants_list(event, institute=institute))
        writer.close()
        canvas.save()
    return count


def rows(event: Event, *, institute: Institute | None = None) -> Iterator[list]:
    """The XLSX's header and rows (in the active language)."""
    yield [
        _("Member or stakeholder type"),
        _("Institute or organization"),
        _("Name"),
        _("Name as in the passport"),
        _("Position"),
        _("Head of delegation"),
    ]
    for group in participants_list(event, institute=institute):
        for p in group.participants:
            yield [group.heading, group.subheading, p.name, p.passport_name, p.position, _("yes") if p.head else ""]
        if group.unlisted:
            yield [group.heading, group.subheading, unlisted_line(group.unlisted), "", "", ""]


def write_xlsx(event: Event, out: BinaryIO, *, language: str, institute: Institute | None = None) -> int:
    with translation.override(language):
        return spreadsheets.write_xlsx(rows(event, institute=institute), out, sheet_name=status_line(event))


def participants_file(event: Event, *, file_format: str, language: str, institute: Institute | None = None):
    """(file rewound, count, content type, filename) for a download."""
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # the response closes it
    writer = write_pdf if file_format == "pdf" else write_xlsx
    count = writer(event, out, language=language, institute=institute)
    out.seek(0)
    content_type = (
        "application/pdf"
        if file_format == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    section = f"-{institute.iso_code.lower()}" if institute is not None else ""
    return out, count, content_type, f"participants-{event.slug}{section}-{language}.{file_format}"
