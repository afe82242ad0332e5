"""The attendance list: who came through which door when, as CSV, recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from registrations.models.reference_names import institute_name, member_name
from registrations.outputs.exports import CHUNK_SIZE, AttendeeExport, Labels


def attendance_rows(check_ins: QuerySet) -> Iterator[list[str]]:
    """A header, then one row per check-in (undone ones too, marked): who came through which door when."""
    yield [
        _("Session"),
        _("Given name"),
        _("Family name"),
        _("Stakeholder type"),
        _("Affiliation"),
        _("Checked in at (venue time)"),
        _("Door"),
        _("Checked in by"),
        _("Scanned offline"),
        _("Undone at (venue time)"),
        _("Undone by"),
        _("Why undone"),
    ]
    labels = Labels()
    rows = check_ins.order_by("session__starts_at", "scanned_at", "pk").values_list(
        "session__title",
        "delegate__given_name",
        "delegate__family_name",
        "delegate__stakeholder_type",
        "delegate__institute__name",
        "delegate__institute__member",
        "delegate__organization",
        "scanned_at",
        "door",
        "by_name",
        "offline",
        "undone_at",
        "undone_by_name",
        "undo_reason",
        "event__time_zone",
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        title, given, family, kind, inst_name, member, organization, at = row[:8]
        door, by, offline, undone, undone_by, why, tz = row[8:]
        zone = labels.zone(tz)
        yield [
            title or _("Venue entrance"),
            given,
            family,
            labels.stakeholder.get(kind, kind),
            f"{institute_name(inst_name)} ({member_name(member)})" if inst_name else organization,
            at.astimezone(zone).isoformat(timespec="minutes"),
            door,
            by,
            labels.yes if offline else labels.no,
            undone.astimezone(zone).isoformat(timespec="minutes") if undone else "",
            undone_by,
            why,
        ]


@dataclass
class AttendanceExport(AttendeeExport):
    """Check-ins as CSV, streamed and audited like the attendee lists (`delegates` only names the event)."""

    check_ins: QuerySet | None = None

    def rows(self) -> Iterator[list[str]]:
        return attendance_rows(self.check_ins)

    def file_name(self) -> str:
        return super().file_name().replace(".csv", "_attendance.csv")
