"""Attendee lists as CSV: Excel-clean, formula-safe, streamed and recorded in the audit trail.

The pieces, each a plain function so the admin, the `export_attendees` command and the benchmark
share them:

- `delegate_rows` / `session_rows` yield a header row and then one list of strings per delegate
  (sessions joined with "; ") or per delegate x session. They read with `values_list(...)` and
  `.iterator(chunk_size=...)`, so memory stays flat and the number of queries is constant, two per
  shape: the per-delegate shape reads the delegates and their seats, both sorted by delegate id, and
  merges them while streaming (a prefetch with `.iterator(chunk_size=...)` would cost one more query per
  chunk); the per-session shape reads the few sessions in scope once, then the seats.
- `csv_chunks` writes rows with the csv module into a pseudo-buffer, UTF-8 byte-order mark first,
  and neutralizes every cell a spreadsheet would evaluate.
- `audited` counts the data rows as they leave and writes the "export" audit entry when the stream
  ends (its own transaction). The row count is therefore the number of rows actually sent, never an
  estimate taken before streaming. A download the client abandons is still recorded, with the rows
  sent so far and `complete: false`.

Labels, not codes (stakeholder type, tier, statuses, country names); times are ISO 8601 in the
venue's time zone.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registrations import queries, services
from registrations.models import AuditAction, Delegate, Event, SeatStatus, Session, SessionRegistration

# The formula-safe CSV writing (one module, shared by every export and the institute portal).
from registrations.outputs.csv_safe import csv_chunks

# Codes to the words organizers read (and typed cells for spreadsheets).
from registrations.outputs.export_labels import Labels, TypedLabels
from registrations.outputs.spreadsheets import write_xlsx
from registrations.services.retention import redact_search

CHUNK_SIZE = 2000  # rows fetched per round trip from the database cursor
SESSION_SEPARATOR = "; "


class Shape:
    DELEGATE = "delegate"
    SESSION = "session"
    choices = [
        (DELEGATE, gettext_lazy("One row per delegate (sessions joined with “; ”)")),
        (SESSION, gettext_lazy("One row per delegate and session")),
    ]
    values = [DELEGATE, SESSION]


class Format:
    """CSV (UTF-8 with a byte-order mark) for machines, XLSX for people."""

    CSV = "csv"
    XLSX = "xlsx"
    values = [CSV, XLSX]
    content_types = {
        CSV: "text/csv; charset=utf-8",
        XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


# --------------------------------------------------------------------------- rows

# The delegate's columns, shared by both shapes: (header, values_list path).
DELEGATE_COLUMNS = [
    (gettext_lazy("Delegate ID"), "pk"),
    (gettext_lazy("Given name"), "given_name"),
    (gettext_lazy("Family name"), "family_name"),
    (gettext_lazy("Email"), "email"),
    (gettext_lazy("Stakeholder type"), "stakeholder_type"),
    (gettext_lazy("Institute"), "institute__name"),
    (gettext_lazy("Member"), "institute__member"),
    (gettext_lazy("Organization"), "organization"),
    (gettext_lazy("Job title"), "job_title"),
    (gettext_lazy("Country"), "country"),
    (gettext_lazy("Registration status"), "status"),
    (gettext_lazy("Endorsement"), "endorsement"),
    (gettext_lazy("Email domain"), "email_domain_verified"),
    (gettext_lazy("Dietary needs"), "dietary_needs"),
    (gettext_lazy("Accessibility needs"), "accessibility_needs"),
    (gettext_lazy("Visa support letter"), "needs_visa_letter"),
    (gettext_lazy("Listed as participant"), "consent_participant_list"),
    (gettext_lazy("Registered at"), "created_at"),
    (gettext_lazy("Event"), "event__name"),
]

SESSION_COLUMNS = [
    (gettext_lazy("Session"), "session__title"),
    (gettext_lazy("Session starts"), "session__starts_at"),
    (gettext_lazy("Session ends"), "session__ends_at"),
    (gettext_lazy("Room"), "session__room"),
    (gettext_lazy("Tier"), "session__access_tier"),
    (gettext_lazy("Seat status"), "status"),
    (gettext_lazy("Waitlist position"), "position"),
    (gettext_lazy("Requested at"), "requested_at"),
]

SEAT_RANK = Case(
    When(status=SeatStatus.CONFIRMED, then=Value(0)),
    When(status=SeatStatus.WAITLISTED, then=Value(1)),
    When(status=SeatStatus.REQUESTED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _with_position(registrations: QuerySet[SessionRegistration]) -> QuerySet[SessionRegistration]:
    """Annotate `position` (the place on the session's whole waitlist) for waitlisted seats only."""
    return registrations.annotate(
        position=Case(
            When(status=SeatStatus.WAITLISTED, then=queries.waitlist_position()),
            default=None,
            output_field=IntegerField(),
        )
    )


# Columns holding a moment: written in the venue's time zone (ISO 8601 in CSV, dates in XLSX).
def delegate_rows(delegates: QuerySet[Delegate], labels: Labels | None = None) -> Iterator[list]:
    """Header, then one row per delegate in `delegates`, in the order they registered (by id),
    with their sessions (all but cancelled seats) joined in one column.

    Two queries whatever the size: the delegates, and their seats sorted by delegate id, merged
    here while streaming. The merge compares ids only, never names (Python and the database's
    collation could sort names differently), so it stays correct if a delegate is added or removed
    between the two queries: a seat of a delegate no longer in the first stream is skipped.
    """
    labels = labels or Labels()
    in_scope = delegates.values("pk")
    people = (
        Delegate.objects.filter(pk__in=in_scope)
        .order_by("pk")
        .values_list(*(path for _header, path in DELEGATE_COLUMNS), "event__time_zone")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    seats = (
        _with_position(SessionRegistration.objects.filter(delegate__in=in_scope).exclude(status=SeatStatus.CANCELLED))
        .order_by("delegate_id", "session__starts_at", "session__title", "session")
        .values_list("delegate_id", "session__title", "status", "position")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    yield [labels.heading(header, path) for header, path in DELEGATE_COLUMNS] + [_("Sessions")]
    seat = next(seats, None)
    for row in people:
        pk = row[0]
        while seat is not None and seat[0] < pk:
            seat = next(seats, None)
        sessions = []
        while seat is not None and seat[0] == pk:
            _delegate_id, title, status, position = seat
            label = labels.seat_status[status]
            if position is not None:
                label = _("%(status)s, position %(position)d") % {"status": label, "position": position}
            sessions.append(f"{title} ({label})")
            seat = next(seats, None)
        cells = labels.delegate_cells(row[:-1], labels.zone(row[-1]))
        cells.append(SESSION_SEPARATOR.join(sessions))
        yield cells


def registrations_for(delegates: QuerySet[Delegate], seats: Q | None = None) -> QuerySet[SessionRegistration]:
    """The seats of `delegates` for the per-session shape: by default every seat that is not cancelled."""
    seats = seats if seats is not None else ~Q(status=SeatStatus.CANCELLED)
    return SessionRegistration.objects.filter(delegate__in=delegates.values("pk")).filter(seats)


def session_registrations_queryset(
    registrations: QuerySet[SessionRegistration], session_paths: tuple[str, ...] = ("session_id",)
):
    """The query behind `session_rows`, in its order: by session, confirmed, then the waitlist in order.

    The session's own columns are read once per session by `session_rows` (they repeat on every
    row), so only its id is selected here.
    """
    return (
        _with_position(registrations)
        .order_by("session__starts_at", "session__title", "session", SEAT_RANK, "requested_at", "pk")
        .values_list(
            *(f"delegate__{path}" for _header, path in DELEGATE_COLUMNS),
            *session_paths,
            "status",
            "position",
            "requested_at",
            "delegate__event__time_zone",
        )
    )


def session_rows(registrations: QuerySet[SessionRegistration], labels: Labels | None = None) -> Iterator[list]:
    """Header, then one row per seat: by session, confirmed first, then waitlisted by position.

    Two queries: the sessions in scope (a handful; their columns are formatted once), and the seats.
    """
    labels = labels or Labels()
    width = len(DELEGATE_COLUMNS)
    sessions = {}
    in_scope = Session.objects.filter(pk__in=registrations.values("session")).order_by()
    for pk, title, starts_at, ends_at, room, tier, tz_name in in_scope.values_list(
        "pk", "title", "starts_at", "ends_at", "room", "access_tier", "event__time_zone"
    ):
        tz = labels.zone(tz_name)
        sessions[pk] = [
            title,
            labels.moment(starts_at, tz),
            labels.moment(ends_at, tz),
            room,
            labels.tier.get(tier, tier),
        ]
    seat_status = labels.seat_status
    yield [labels.heading(header, path) for header, path in DELEGATE_COLUMNS + SESSION_COLUMNS]
    for row in session_registrations_queryset(registrations).iterator(chunk_size=CHUNK_SIZE):
        session_id, status, position, requested_at, tz_name = row[width:]
        tz = labels.zone(tz_name)
        cells = labels.delegate_cells(row[:width], tz)
        cells += sessions[session_id]
        cells.append(seat_status.get(status, status))
        cells.append(labels.number(position))
        cells.append(labels.moment(requested_at, tz))
        yield cells


# --------------------------------------------------------------------------- scope, audit, response


@dataclass
class AttendeeExport:
    """What to export, in which shape, and how to name and record it.

    `delegates` says who is in scope; `seats` (a filter on SessionRegistration) says which of their
    seats are rows in the per-session shape. `scope` is a short slug for the file name; `filters` is
    what the organizer asked for, kept in the audit trail.
    """

    delegates: QuerySet[Delegate]
    shape: str = Shape.DELEGATE
    scope: str = "all"
    filters: dict = field(default_factory=dict)
    seats: Q | None = None
    event: Event | None = None
    session: Session | None = None
    file_format: str = Format.CSV
    rows_sent: int | None = field(default=None, init=False)  # set when the stream ends
    _event_resolved: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        if self.shape not in Shape.values:
            raise ValueError(f"Unknown export shape {self.shape!r}; use one of {', '.join(Shape.values)}.")
        if self.file_format not in Format.values:
            raise ValueError(f"Unknown export format {self.file_format!r}; use one of {', '.join(Format.values)}.")

    def rows(self, labels: Labels | None = None) -> Iterator[list]:
        if self.shape == Shape.SESSION:
            return session_rows(registrations_for(self.delegates, self.seats), labels)
        return delegate_rows(self.delegates, labels)

    def typed_labels(self) -> TypedLabels:
        """Labels for a spreadsheet; the zone in the headers when the export covers one event."""
        event = self.resolve_event()
        return TypedLabels(event.time_zone if event else None)

    def sheet_name(self) -> str:
        return _("Delegates by session") if self.shape == Shape.SESSION else _("Delegates")

    def resolve_event(self) -> Event | None:
        """The one event the export covers, if there is only one (one query, once, when not given)."""
        if self.event is None and not self._event_resolved:
            events = list(Event.objects.filter(pk__in=self.delegates.values("event")).order_by("pk")[:2])
            if len(events) == 1:
                self.event = events[0]
        self._event_resolved = True
        return self.event

    def file_name(self) -> str:
        event = self.resolve_event()
        today = timezone.localdate(timezone=event.tz) if event else timezone.localdate()
        scope = slugify(self.scope)[:80] or "all"
        if self.shape == Shape.SESSION:
            scope += "-by-session"
        return f"{event.slug if event else 'all-events'}_{scope}_{today.isoformat()}.{self.file_format}"

    def audit_entry(self, actor: services.Actor, *, rows: int, complete: bool, actor_name: str = ""):
        entry = services.record(
            actor,
            AuditAction.EXPORT,
            event=self.event,
            session=self.session,
            reason=ngettext("Exported %(rows)d row (%(scope)s)", "Exported %(rows)d rows (%(scope)s)", rows)
            % {"rows": rows, "scope": self.scope},
            scope=self.scope,
            shape=self.shape,
            filter=redact_search(self.filters),  # a search is typically someone's name: not kept
            rows=rows,
            complete=complete,
            file=self.file_name(),
        )
        if actor_name:
            entry.actor_name = actor_name[:150]
        return entry

    def stream(self, actor: services.Actor, *, actor_name: str = "") -> Iterator[str]:
        """The CSV text, recorded in the audit trail once the stream ends."""
        self.resolve_event()
        return audited(self, self.rows(), actor, actor_name=actor_name)

    def write_xlsx(self, handle: BinaryIO, actor: services.Actor, *, actor_name: str = "") -> int:
        """The XLSX file into `handle` (binary), recorded in the audit trail; returns the data rows."""

        rows = self.rows(self.typed_labels())
        complete = False
        self.rows_sent = 0
        try:
            self.rows_sent = write_xlsx(rows, handle, sheet_name=self.sheet_name())
            complete = True
        finally:
            rows.close()
            with transaction.atomic():
                self.audit_entry(actor, rows=self.rows_sent, complete=complete, actor_name=actor_name).save()
        return self.rows_sent

    def response(self, actor: services.Actor) -> StreamingHttpResponse | FileResponse:
        if self.file_format == Format.XLSX:
            handle = tempfile.TemporaryFile()  # FileResponse closes (and so removes) it once sent
            try:
                self.write_xlsx(handle, actor)
            except BaseException:
                handle.close()
                raise
            handle.seek(0)
            response = FileResponse(
                handle, as_attachment=True, filename=self.file_name(), content_type=Format.content_types[Format.XLSX]
            )
            response["Cache-Control"] = "no-store"
            return response
        response = StreamingHttpResponse(self.stream(actor), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.file_name()}"'
        response["Cache-Control"] = "no-store"
        return response


def audited(export: AttendeeExport, rows: Iterator[list[str]], actor: services.Actor, *, actor_name: str = ""):
    """Stream `rows` as CSV and write one audit entry, with the rows actually sent, when it ends.

    The entry is written in its own transaction after the last row (or when the client goes away,
    then with `complete: false`), so the count is exact and needs no extra counting query.
    """
    sent = -1  # the header is not a data row
    complete = False

    def counted():
        nonlocal sent
        for row in rows:
            sent += 1
            yield row

    try:
        yield from csv_chunks(counted())
        complete = True
    finally:
        rows.close()
        export.rows_sent = max(sent, 0)
        with transaction.atomic():
            export.audit_entry(actor, rows=max(sent, 0), complete=complete, actor_name=actor_name).save()
