"""Reads shared by the public pages, the admin, emails and exports."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from django.db.models import Case, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from .models import Delegate, Event, Institute, SeatStatus, Session, SessionRegistration


def current_event() -> Event | None:
    """The convening the public pages show: the next one that has not ended, else the latest."""
    return _current_events().first()


def _current_events() -> QuerySet[Event]:
    """Events with the current one first, in one query: those not ended by the earliest start,
    then those ended by the latest start."""
    today = timezone.now().date()
    upcoming_start = Case(When(ends_on__gte=today, then=F("starts_on")))
    return Event.objects.order_by(upcoming_start.asc(nulls_last=True), "-starts_on", "pk")


def sessions_with_seats(queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """Sessions annotated with `confirmed_count`, `waitlisted_count` and `seats_left`, in one query."""
    queryset = queryset if queryset is not None else Session.objects.all()
    return queryset.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=SeatStatus.CONFIRMED)),
        waitlisted_count=Count("registrations", filter=Q(registrations__status=SeatStatus.WAITLISTED)),
    ).annotate(seats_left=Greatest(F("capacity") - F("confirmed_count"), Value(0)))


def agenda(event: Event) -> list[Session]:
    return list(sessions_with_seats(event.sessions.all()).order_by("starts_at", "title"))


def by_day(event: Event, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    """Sessions grouped by their date in the venue's time zone."""
    tz = event.tz
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())]


def seats_left_by_session(event: Event) -> dict[int, int]:
    """Seats left per session of the event, in one query (for pages whose rest is cached)."""
    return dict(sessions_with_seats(event.sessions.all()).order_by().values_list("pk", "seats_left"))


def current_event_with_seats() -> tuple[Event | None, dict[int, tuple[int, int, str]]]:
    """The current event and, per session, (seats left, capacity, last change): one query.

    The agenda shows these seats on every request; the last changes tell whether the cached rest
    of the agenda (titles, times, rooms, tiers) is still current.
    """
    current = Subquery(_current_events().values("pk")[:1])
    sessions = list(sessions_with_seats(Session.objects.filter(event_id=current)).select_related("event").order_by())
    if not sessions:
        return current_event(), {}
    seats = {s.pk: (s.seats_left, s.capacity, s.updated_at.isoformat()) for s in sessions}
    return sessions[0].event, seats


def current_event_with_form_version() -> Event | None:
    """The current event, annotated with what its unbound signup form is made of (one query):
    `form_version` is its sessions (how many, last change) and the institutes (how many, newest)."""
    sessions = Session.objects.filter(event=OuterRef("pk")).order_by().values("event")
    institutes = Institute.objects.annotate(all=Value(1)).values("all").order_by()
    event = (
        _current_events()
        .annotate(
            session_count=Subquery(sessions.annotate(n=Count("pk")).values("n")),
            session_changed=Subquery(sessions.annotate(at=Max("updated_at")).values("at")),
            institute_count=Subquery(institutes.annotate(n=Count("pk")).values("n")),
            institute_newest=Subquery(institutes.annotate(newest=Max("pk")).values("newest")),
        )
        .first()
    )
    if event is not None:
        event.form_version = (
            event.session_count,
            event.session_changed,
            event.institute_count,
            event.institute_newest,
        )
    return event


def waitlist_position() -> Subquery:
    """A subquery for SessionRegistration querysets: the 1-based place of a waitlisted registration."""
    ahead = (
        SessionRegistration.objects.filter(session=OuterRef("session"), status=SeatStatus.WAITLISTED)
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
