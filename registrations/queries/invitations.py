"""The invitations' funnel: invited, sent, opened, registered, declined, expired, per session covered."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from registrations import rules
from registrations.models import (
    LIVE_INVITATION_STATUSES,
    Event,
    Invitation,
    InvitationStatus,
    StakeholderType,
)
from registrations.queries.seats import seats_left_by_session

FUNNEL_STAGES = ("invited", "sent", "opened", "registered", "declined", "expired")


def _funnel(prefix: str, now) -> dict:
    """Counts of invitations at each stage of the funnel (`prefix` leads from the queried model to them)."""

    def where(**conditions) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in conditions.items()})

    expired = where(status=InvitationStatus.EXPIRED) | (
        where(status__in=LIVE_INVITATION_STATUSES, expires_at__lte=now)
        & Q(**{f"{prefix}uses__lt": F(f"{prefix}max_uses")})
    )
    government = where(stakeholder_type=StakeholderType.GOVERNMENT)
    return {
        "invited": Count(f"{prefix}pk" if prefix else "pk"),
        "sent": Count("pk", filter=where(sent_at__isnull=False)),
        "opened": Count("pk", filter=where(opened_at__isnull=False) | where(uses__gt=0)),
        "registered": Count("pk", filter=where(uses__gt=0)),
        # Who came through them: guests (civil society, academia, industry) and, apart, government
        # delegates a focal point nominated (not guests: they count in their delegation).
        "guests": Coalesce(Sum(f"{prefix}uses", filter=~government), Value(0)),
        "nominees": Coalesce(Sum(f"{prefix}uses", filter=government), Value(0)),
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


def seats_on_arrival(invitation: Invitation, session_ids: list[int]) -> dict[int, str]:
    """Where each session asked for would stand for a new, approved registration through this
    invitation (`rules.seat_on_approval`, with the seats left now)."""
    left = seats_left_by_session(invitation.event)
    return {pk: rules.seat_on_approval(held=invitation.holds_seats, seats_left=left.get(pk, 0)) for pk in session_ids}
