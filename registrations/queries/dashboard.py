"""The organizers' dashboard: an event at a glance, read in a fixed number of queries.

Every figure is counted by the database (`Count(..., filter=...)`, grouped by institute, stakeholder
type, session or day), so the number of queries is the same at 100 and at 10,000 delegates; only
the short queues (the ten oldest pending registrations, ...) bring rows back. Each figure carries
the filtered changelist it counts (`changelist` builds the address), so a click shows the people
behind the number.

Reads only: the admin view in `admin/dashboard.py` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from registrations import queries, rules
from registrations.models import (
    Delegate,
    DelegateStatus,
    EmailStatus,
    Endorsement,
    Event,
    Institute,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)

QUEUE_LENGTH = 10  # rows shown per queue; the count says how many there are
NEARLY_FULL = 0.9  # sessions at or over this share of their capacity are highlighted
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 640, 160, 24

STATUSES = [s.value for s in DelegateStatus]


def changelist(model: str, **params) -> str:
    """The admin changelist of `model` filtered by `params` (values None are left out)."""
    query = urlencode({key: value for key, value in params.items() if value is not None})
    url = reverse(f"admin:registrations_{model}_changelist")
    return f"{url}?{query}" if query else url


def _seat_count(status: str) -> Coalesce:
    return queries.count_per_row(SessionRegistration.objects.filter(session=OuterRef("pk"), status=status), "session")


def _checked_in_count() -> Coalesce:
    """Standing (not undone) check-ins into the session."""
    return queries.attendance_count()


def _status_counts(prefix: str = "") -> dict:
    return {status: Count(f"{prefix}pk", filter=Q(**{f"{prefix}status": status})) for status in STATUSES}


@dataclass
class Dashboard:
    event: Event
    institutes: list[dict] = field(default_factory=list)
    stakeholders: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    funnel: dict = field(default_factory=dict)
    funnel_links: dict = field(default_factory=dict)
    sessions: list[dict] = field(default_factory=list)
    oldest_pending: list[Delegate] = field(default_factory=list)
    unverified: list[Delegate] = field(default_factory=list)
    failed_emails: list[OutboundEmail] = field(default_factory=list)
    failed_email_count: int = 0
    per_day: list[dict] = field(default_factory=list)
    chart: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    # Awaiting endorsement: shown for an event that requires its institutes' endorsement.
    endorsements_enabled: bool = False
    # Checked in per session (the door's standing check-ins, `CheckIn`).
    attendance_enabled: bool = True


def build(event: Event, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for `event`, in a fixed number of queries (ten)."""
    now = now or timezone.now()
    board = Dashboard(event=event, endorsements_enabled=event.endorsement_required)
    delegates = Delegate.objects.filter(event=event).order_by()
    in_event = {"event__id__exact": event.pk}

    # 1. Per member institute: every institute, with or without delegates.
    for inst in (
        Institute.objects.annotate(
            registered=Count("delegates", filter=Q(delegates__event=event)),
            awaiting_endorsement=Count(
                "delegates",
                filter=Q(
                    delegates__event=event,
                    delegates__stakeholder_type=StakeholderType.GOVERNMENT,
                    delegates__status=DelegateStatus.PENDING,
                    delegates__endorsement=Endorsement.PENDING,
                ),
            ),
            **{
                status: Count("delegates", filter=Q(delegates__event=event, delegates__status=status))
                for status in STATUSES
            },
        )
        .order_by("member")
        .values("pk", "member", "name", "iso_code", "delegate_quota", "registered", "awaiting_endorsement", *STATUSES)
    ):
        by_institute = {**in_event, "institute__id__exact": inst["pk"]}
        inst["quota_left"] = rules.quota_left(inst["delegate_quota"], inst["approved"])
        inst["over_quota"] = inst["approved"] > inst["delegate_quota"]
        inst["at_quota"] = inst["approved"] >= inst["delegate_quota"]
        inst["waiting"] = inst["pending"] > 0
        inst["links"] = {
            "registered": changelist("delegate", **by_institute),
            **{s: changelist("delegate", **by_institute, status__exact=s) for s in STATUSES},
            "awaiting_endorsement": changelist(
                "delegate", **by_institute, status__exact=DelegateStatus.PENDING, endorsement__exact=Endorsement.PENDING
            ),
        }
        board.institutes.append(inst)

    # 2. Per stakeholder type, and the event's totals (one query).
    labels = dict(StakeholderType.choices)
    # Waiting for a decision with an address the institute's domains do not vouch for.
    unverified = Q(institute__isnull=False, email_domain_verified=False, status=DelegateStatus.PENDING)
    rows = {
        row["stakeholder_type"]: row
        for row in delegates.values("stakeholder_type").annotate(
            registered=Count("pk"), unverified=Count("pk", filter=unverified), **_status_counts()
        )
    }
    totals = {"registered": 0, "unverified": 0, **dict.fromkeys(STATUSES, 0)}
    for value in StakeholderType.values:
        row = rows.get(value) or dict.fromkeys(totals, 0)
        by_type = {**in_event, "stakeholder_type__exact": value}
        board.stakeholders.append(
            {
                "label": labels[value],
                **{key: row[key] for key in ("registered", *STATUSES)},
                "links": {
                    "registered": changelist("delegate", **by_type),
                    **{s: changelist("delegate", **by_type, status__exact=s) for s in STATUSES},
                },
            }
        )
        for key in totals:
            totals[key] += row[key]
    board.totals = totals
    board.links = {
        "registered": changelist("delegate", **in_event),
        **{s: changelist("delegate", **in_event, status__exact=s) for s in STATUSES},
        "unverified": changelist("delegate", **in_event, domain="unverified", status__exact=DelegateStatus.PENDING),
        "failed_emails": changelist("outboundemail", status__exact=EmailStatus.FAILED),
        "sessions": changelist("session", **in_event),
    }

    # 3. The invitation funnel: the invitations page's own selector (two queries).
    _per_session, board.funnel = queries.invitation_funnel(event)
    invitations = {**in_event}
    board.funnel_links = {
        "invited": changelist("invitation", **invitations),
        "sent": changelist("invitation", **invitations, status__exact="sent"),
        "opened": changelist("invitation", **invitations, status__exact="opened"),
        "registered": changelist("invitation", **invitations, status__exact="registered"),
        "declined": changelist("invitation", **invitations, status__exact="declined"),
        "expired": changelist("invitation", **invitations, status__exact="expired"),
    }

    # 4. Per session: confirmed / capacity, held, waitlisted (one query).
    # Counted per session by correlated subqueries, each an index-only count on (session, status):
    # at 10,000 delegates several times faster than `queries.sessions_with_seats`' join and GROUP BY.
    for session in (
        event.sessions.annotate(
            confirmed_count=_seat_count(SeatStatus.CONFIRMED),
            waitlisted_count=_seat_count(SeatStatus.WAITLISTED),
            held_count=queries.held_seats(),
            checked_in_count=_checked_in_count(),
        )
        .order_by("starts_at", "title", "pk")
        .values(
            "pk",
            "title",
            "starts_at",
            "capacity",
            "confirmed_count",
            "waitlisted_count",
            "held_count",
            "checked_in_count",
        )
    ):
        taken = session["confirmed_count"] + session["held_count"]
        session["fill"] = taken / session["capacity"] if session["capacity"] else 0
        session["percent"] = round(session["fill"] * 100)
        session["nearly_full"] = session["fill"] >= NEARLY_FULL
        session["full"] = taken >= session["capacity"]
        session["links"] = {
            "confirmed": changelist("delegate", session=session["pk"], seat="confirmed"),
            "waitlisted": changelist("delegate", session=session["pk"], seat="waitlisted"),
            "held": changelist("invitation", session=session["pk"]),
            "change": reverse("admin:registrations_session_change", args=[session["pk"]]),
            "checked_in": changelist("checkin", session__id__exact=session["pk"], undone_at__isempty=1),
        }
        board.sessions.append(session)

    # 5. Queues that need a person (four queries: three short lists and one count).
    pending = delegates.filter(status=DelegateStatus.PENDING)
    board.oldest_pending = list(pending.select_related("institute").order_by("created_at", "pk")[:QUEUE_LENGTH])
    for delegate in board.oldest_pending:
        delegate.age = now - delegate.created_at
    board.unverified = list(
        delegates.filter(unverified).select_related("institute").order_by("created_at", "pk")[:QUEUE_LENGTH]
    )
    failed = OutboundEmail.objects.filter(status=EmailStatus.FAILED).filter(
        Q(delegate__event=event) | Q(invitation__event=event)
    )
    board.failed_email_count = failed.count()
    board.failed_emails = list(failed.select_related("delegate", "invitation").order_by("-created_at", "-pk")[:5])

    # 6. Registrations per day in the venue's zone (one query; as many rows as days, not delegates).
    counts = dict(
        delegates.annotate(day=TruncDate("created_at", tzinfo=event.tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    board.per_day = _days(counts, event)
    board.chart = _chart(board.per_day)
    return board


def _days(counts: dict[date, int], event: Event) -> list[dict]:
    """Every day from the first registration to the last (days without any show as 0), with the
    changelist of that day's registrations (from venue midnight to venue midnight)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    days = []
    running = 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        n = counts.get(day, 0)
        running += n
        start = datetime.combine(day, time.min, tzinfo=event.tz)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=event.tz)
        days.append(
            {
                "day": day,
                "count": n,
                "total": running,
                "link": changelist(
                    "delegate",
                    event__id__exact=event.pk,
                    created_at__gte=start.isoformat(),
                    created_at__lt=end.isoformat(),
                ),
            }
        )
    return days


def _chart(days: list[dict]) -> dict:
    """Bars for an SVG drawn by the template: positions computed here, no script, no inline style."""
    if not days:
        return {}
    peak = max(d["count"] for d in days) or 1
    inner_w = CHART_WIDTH - 2 * CHART_MARGIN
    inner_h = CHART_HEIGHT - 2 * CHART_MARGIN
    slot = inner_w / len(days)
    bars = []
    for i, d in enumerate(days):
        height = round(inner_h * d["count"] / peak, 1)
        bars.append(
            {
                **d,
                "x": round(CHART_MARGIN + i * slot + slot * 0.1, 1),
                "y": round(CHART_MARGIN + inner_h - height, 1),
                "width": round(max(slot * 0.8, 1), 1),
                "height": height,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_MARGIN + inner_h,
        "left": CHART_MARGIN,
        "right": CHART_WIDTH - CHART_MARGIN,
        "peak": peak,
        "peak_y": CHART_MARGIN,
        "label_y": CHART_HEIGHT - 6,
        "bars": bars,
        "first": days[0]["day"],
        "last": days[-1]["day"],
    }
