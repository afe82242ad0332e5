"""Seats as the database counts them: confirmed, held by invitations, left; waitlist positions; the
agenda's sessions by day. Expressions and reads shared by the pages, the admin, emails and exports."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Now

from registrations.models import (
    LIVE_INVITATION_STATUSES,
    CheckIn,
    Delegate,
    Event,
    Invitation,
    SeatStatus,
    Session,
    SessionRegistration,
)


def held_seats_filter(prefix: str = "", *, now=None) -> Q:
    """The invitations whose unused places hold seats (`prefix` leads from the queried model to them).

    Without `now`, the database's clock (so a query kept for reuse stays current).
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


def mark_full_requests(event: Event, registrations: list, *, seats_left_of=seats_left_by_session) -> list:
    """Set `full` on each requested seat whose session has no seat left now (its approval will most
    likely waitlist it), so a confirmation email and the status page can say so. One query, and none
    when nothing is requested (`seats_left_of(event)` gives the seats left: the email worker passes
    one that asks once per batch)."""
    requested = [r for r in registrations if r.status == SeatStatus.REQUESTED]
    left = seats_left_of(event) if requested else {}
    for registration in requested:
        registration.full = left.get(registration.session_id, 1) <= 0
    return registrations


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
    return count_per_row(CheckIn.objects.filter(session=OuterRef("pk"), undone_at__isnull=True), "session")


def agenda(event: Event) -> list[Session]:
    return list(sessions_with_seats(event.sessions.all()).order_by("starts_at", "title"))


def by_day(event: Event, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    """Sessions (in start order) grouped by their date in the venue's time zone: the agenda's days, the
    form's groups of checkboxes."""
    tz = event.tz
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.starts_at.astimezone(tz).date())]


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
    return list(_with_positions(delegate.session_registrations.all()).order_by("session__starts_at", "session__title"))


def registrations_by_delegate(delegate_ids: list[int]) -> dict[int, list[SessionRegistration]]:
    """`delegate_registrations` of several delegates in one query: delegate id -> its registrations
    (in the same order; a delegate without any is absent)."""
    rows = _with_positions(SessionRegistration.objects.filter(delegate_id__in=delegate_ids)).order_by(
        "delegate_id", "session__starts_at", "session__title"
    )
    return {pk: list(group) for pk, group in groupby(rows, key=lambda r: r.delegate_id)}


def _with_positions(registrations: QuerySet[SessionRegistration]) -> QuerySet[SessionRegistration]:
    return registrations.select_related("session").annotate(position=waitlist_position())
