"""Reads shared by the public pages, the admin, emails and exports."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from .models import Delegate, Event, SeatStatus, Session, SessionRegistration


def current_event() -> Event | None:
    """The convening the public pages show: the next one that has not ended, else the latest."""
    today = timezone.now().date()
    upcoming = Event.objects.filter(ends_on__gte=today).order_by("starts_on").first()
    return upcoming or Event.objects.order_by("-starts_on").first()


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
