"""Reads shared by the public pages, the admin, emails and exports."""

from __future__ import annotations

import threading
from datetime import date
from itertools import groupby

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Now
from django.utils import timezone

from registrations.models import (
    LIVE_INVITATION_STATUSES,
    Delegate,
    Event,
    Invitation,
    InvitationStatus,
    SeatStatus,
    Session,
    SessionRegistration,
)


def current_event() -> Event | None:
    """The convening the public pages show: the next one that has not ended, else the latest.

    One query; its `public_version` is the version of the event's cached pages."""
    rows = _precompiled_rows(
        "current_event",
        lambda today: (
            QuerySet(model=Event)
            .filter(pk=Subquery(_current_events(today).values("pk")[:1]))
            # a plain QuerySet: see _event_with_session_seats
            .values_list(*_EVENT_COLUMNS)
        ),
    )
    return Event.from_db(DEFAULT_DB_ALIAS, _EVENT_COLUMNS, rows[0]) if rows else None


def _current_events(today: date) -> QuerySet[Event]:
    """Events with the current one first, in one query: those not ended by the earliest start,
    then those ended by the latest start."""
    upcoming_start = Case(When(ends_on__gte=today, then=F("starts_on")))
    return Event.objects.order_by(upcoming_start.asc(nulls_last=True), "-starts_on", "pk")


def held_seats_filter(prefix: str = "", *, now=None) -> Q:
    """The invitations whose unused places hold seats (`prefix` leads from the queried model to them).

    Without `now`, the database's clock (so a precompiled query stays current).
    """
    return Q(
        **{
            f"{prefix}holds_seats": True,
            f"{prefix}status__in": LIVE_INVITATION_STATUSES,
            f"{prefix}expires_at__gt": now if now is not None else Now(),
        }
    )


def held_seats(session_ref: str = "pk") -> Coalesce:
    """A subquery: the seats live invitations hold in the session `session_ref` names (as in
    `services.seats.held_counts`; the database's clock decides expiry)."""
    held = Invitation.sessions.through.objects.filter(session=OuterRef(session_ref)).filter(
        held_seats_filter("invitation__")
    )
    return count_per_row(held, "session", total=Sum(F("invitation__max_uses") - F("invitation__uses")))


def sessions_with_seats(queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """Sessions annotated with `confirmed_count`, `waitlisted_count`, `held_count` (seats held by
    invitations) and `seats_left`, in one query."""
    queryset = queryset if queryset is not None else Session.objects.all()
    return (
        queryset.annotate(
            confirmed_count=Count("registrations", filter=Q(registrations__status=SeatStatus.CONFIRMED)),
            waitlisted_count=Count("registrations", filter=Q(registrations__status=SeatStatus.WAITLISTED)),
        )
        .annotate(held_count=held_seats())
        .annotate(seats_left=seats_left(F("capacity"), F("confirmed_count"), F("held_count")))
    )


def seats_left_by_session(event: Event) -> dict[int, int]:
    """Seats left per session of the event (confirmed and held seats taken), in one query."""
    return dict(sessions_with_seats(event.sessions.all()).order_by().values_list("pk", "seats_left"))


def seats_left(capacity, confirmed, held):
    """The seats-left expression: capacity less the confirmed seats and the seats held by invitations,
    never below 0 (the one formula; `rules.has_seat_left` is the same rule for a locked session)."""
    return Greatest(capacity - Coalesce(confirmed, Value(0)) - held, Value(0))


def count_per_row(related: QuerySet, by: str, total=None) -> Coalesce:
    """A subquery counting the rows of `related` (filtered on an OuterRef of the outer row) that belong
    to each outer row: `by` names their link to it. `total` sums an expression instead of counting.
    Evaluated per row shown, so a list of 100 costs the same at any size."""
    counted = related.order_by().values(by).annotate(n=total if total is not None else Count("pk")).values("n")
    return Coalesce(Subquery(counted), Value(0))


def attendance_count() -> Coalesce:
    """Standing check-ins of the session (a subquery, so it adds no row to the seat counts' join)."""
    from registrations.models import CheckIn

    return count_per_row(CheckIn.objects.filter(session=OuterRef("pk"), undone_at__isnull=True), "session")


def agenda(event: Event) -> list[Session]:
    return list(sessions_with_seats(event.sessions.all()).order_by("starts_at", "title"))


def by_day(event: Event, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    """Sessions (in start order) grouped by their date in the venue's time zone: the agenda's days, the
    form's groups of checkboxes."""
    tz = event.tz
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())]


# The reads below run on every view of the agenda and of the signup form, whose rest is cached.
# Compiling their querysets costs several times more than running them, so the ORM compiles each
# once a day (the date is its only parameter) and later calls run the same SQL. They read plain
# rows (a `values_list`) and keep their compiler and the database's value converters, both bound
# to the thread's connection: kept per thread (and dropped with it), the rows converted as the ORM
# would, and no model built for a row that does not need one.
_compiled_rows = threading.local()


def _precompiled_rows(name: str, build) -> list[list]:
    wrapper = connections[DEFAULT_DB_ALIAS]
    if getattr(_compiled_rows, "connection", None) is not wrapper:
        _compiled_rows.connection, _compiled_rows.reads = wrapper, {}
    today = timezone.now().date()
    reads = _compiled_rows.reads
    entry = reads.get(name)
    if entry is None or entry[0] != today:
        compiler = build(today).query.get_compiler(connection=wrapper)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        entry = reads[name] = (today, compiler, sql, params, converters)
    _today, compiler, sql, params, converters = entry
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters)) if converters else [list(row) for row in rows]


_EVENT_COLUMNS = [field.attname for field in Event._meta.concrete_fields]
_SESSION_COLUMNS = [field.attname for field in Session._meta.concrete_fields]
_SEATS_COLUMNS = ["id", "capacity"]


def _event_with_session_seats(today: date, session_columns: list[str]) -> QuerySet:
    """The current event once per session: the event's columns, then the session's `session_columns`,
    then its seats left (capacity less confirmed and held seats, never below 0, as in
    `sessions_with_seats`)."""
    confirmed = (
        SessionRegistration.objects.filter(session=OuterRef("sessions__pk"), status=SeatStatus.CONFIRMED)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    session_values = {f"session_{name}": F(f"sessions__{name}") for name in session_columns}
    # A plain QuerySet: django-modeltranslation's would rewrite the column list of `values_list`
    # (language fields for the plain ones, in no fixed order); the models are built from every column.
    return (
        QuerySet(model=Event)
        .filter(pk=Subquery(_current_events(today).values("pk")[:1]))
        .annotate(**session_values)
        .annotate(
            session_seats_left=seats_left(F("sessions__capacity"), Subquery(confirmed), held_seats("sessions__pk"))
        )
        .order_by()
        .values_list(*_EVENT_COLUMNS, *session_values, "session_seats_left")
    )


Seats = dict[int, tuple[int, int]]  # session id: (seats left, capacity)


def _current_event_read(session_columns: list[str]) -> tuple[Event | None, Seats, list[list]]:
    rows = _precompiled_rows(
        f"event_with_session_seats:{len(session_columns)}",
        lambda today: _event_with_session_seats(today, session_columns),
    )
    if not rows:
        return None, {}, []
    width = len(_EVENT_COLUMNS)
    event = Event.from_db(DEFAULT_DB_ALIAS, _EVENT_COLUMNS, rows[0][:width])
    id_at, capacity_at = width + session_columns.index("id"), width + session_columns.index("capacity")
    session_rows = [row for row in rows if row[id_at] is not None]  # an event without sessions: one row, no session
    seats = {row[id_at]: (row[-1], row[capacity_at]) for row in session_rows}
    return event, seats, [row[width:-1] for row in session_rows]


def current_event_with_seats() -> tuple[Event | None, Seats]:
    """The current event and, per session, (seats left, capacity): one query.

    The agenda shows these seats on every request; the event's `public_version` tells whether
    the cached rest of the agenda (titles, times, rooms, tiers) is still current.
    """
    event, seats, _rows = _current_event_read(_SEATS_COLUMNS)
    return event, seats


def current_event_with_sessions() -> tuple[Event | None, Seats, list[Session]]:
    """The same, and the event's sessions in agenda order (the signup form's choices): still one query."""
    event, seats, rows = _current_event_read(_SESSION_COLUMNS)
    sessions = [Session.from_db(DEFAULT_DB_ALIAS, _SESSION_COLUMNS, row) for row in rows]
    for session in sessions:
        session.event = event
    sessions.sort(key=lambda session: (session.starts_at, session.title))
    return event, seats, sessions


def seat_count(*statuses: str) -> Coalesce:
    """A subquery for Delegate querysets: how many of the delegate's session registrations have
    one of these statuses."""
    return count_per_row(SessionRegistration.objects.filter(delegate=OuterRef("pk"), status__in=statuses), "delegate")


def waitlist_position() -> Subquery:
    """A subquery for SessionRegistration querysets: the 1-based place of a waitlisted registration.

    The redundant `requested_at <= outer` bound lets the (session, status, requested_at) index
    stop at the row itself instead of filtering the whole waitlist (the OR alone is not sargable).
    """
    ahead = (
        SessionRegistration.objects.filter(
            session=OuterRef("session"), status=SeatStatus.WAITLISTED, requested_at__lte=OuterRef("requested_at")
        )
        .filter(
            Q(requested_at__lt=OuterRef("requested_at"))
            | Q(requested_at=OuterRef("requested_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead), Value(0)) + 1


def delegate_registrations(delegate: Delegate) -> list[SessionRegistration]:
    """A delegate's session registrations with their sessions and, when waitlisted, their position."""
    return list(
        delegate.session_registrations.select_related("session")
        .annotate(position=waitlist_position())
        .order_by("session__starts_at", "session__title")
    )


# --------------------------------------------------------------------------- invitations

FUNNEL_STAGES = ("invited", "sent", "opened", "registered", "declined", "expired")


def _funnel(prefix: str, now) -> dict:
    """Counts of invitations at each stage of the funnel (`prefix` leads from the queried model to them)."""

    def where(**conditions) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in conditions.items()})

    expired = where(status=InvitationStatus.EXPIRED) | (
        where(status__in=LIVE_INVITATION_STATUSES, expires_at__lte=now)
        & Q(**{f"{prefix}uses__lt": F(f"{prefix}max_uses")})
    )
    return {
        "invited": Count(f"{prefix}pk" if prefix else "pk"),
        "sent": Count("pk", filter=where(sent_at__isnull=False)),
        "opened": Count("pk", filter=where(opened_at__isnull=False) | where(uses__gt=0)),
        "registered": Count("pk", filter=where(uses__gt=0)),
        "guests": Coalesce(Sum(f"{prefix}uses"), Value(0)),
        "declined": Count("pk", filter=where(status=InvitationStatus.DECLINED)),
        "expired": Count("pk", filter=expired),
        "revoked": Count("pk", filter=where(status=InvitationStatus.REVOKED)),
    }


def invitation_funnel(event: Event) -> tuple[list[dict], dict]:
    """The invitations' funnel of an event: per session covered, and in total (two queries)."""
    now = timezone.now()
    Through = Invitation.sessions.through
    per_session = list(
        Through.objects.filter(invitation__event=event)
        .values("session_id", "session__title", "session__starts_at")
        .annotate(**_funnel("invitation__", now))
        .order_by("session__starts_at", "session__title")
    )
    total = Invitation.objects.filter(event=event).aggregate(**_funnel("", now))
    return per_session, total
