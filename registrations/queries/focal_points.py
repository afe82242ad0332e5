"""What a focal point sees: their institute's government delegates, their nominations and the news
of their digest; whether a user acts as a focal point now."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy

from registrations import rules
from registrations.models import (
    AuditAction,
    AuditEntry,
    Delegate,
    DelegateStatus,
    Endorsement,
    Event,
    FocalPoint,
    Invitation,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)


def delegates_of(focal_point: FocalPoint) -> QuerySet[Delegate]:
    """The delegates a focal point may see and act on: their institute's government delegates only."""
    return Delegate.objects.filter(
        institute_id=focal_point.institute_id, stakeholder_type=StakeholderType.GOVERNMENT, anonymized_at__isnull=True
    )


def active_focal_point(user) -> FocalPoint | None:
    """The user's focal point if it may act now (an active account and an active focal point), else None."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return None
    focal_point = FocalPoint.objects.select_related("institute").filter(user=user, is_active=True).first()
    return focal_point


def username_for(email: str) -> str:
    return rules.email_key(email)[:150]


def account_taken(email: str) -> bool:
    return get_user_model().objects.filter(username=username_for(email)).exists()


# What a focal point hears about: registrations under their institute and the organizers' decisions.
DIGEST_ACTIONS = (
    AuditAction.REGISTERED,
    AuditAction.APPROVED,
    AuditAction.REJECTED,
    AuditAction.RETURNED_TO_PENDING,
    AuditAction.WITHDRAWN,
    AuditAction.ENDORSEMENT_OVERRIDDEN,
)


def digest_entries(focal_point: FocalPoint, since, until) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(
        action__in=DIGEST_ACTIONS,
        delegate__institute_id=focal_point.institute_id,
        delegate__stakeholder_type=StakeholderType.GOVERNMENT,
        created_at__lt=until,
    )
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries.select_related("delegate", "event").order_by("created_at", "pk")


def nominations_of(focal_point: FocalPoint, event: Event) -> QuerySet[Invitation]:
    return Invitation.objects.filter(event=event, institute_id=focal_point.institute_id).order_by("-created_at")


def nominations_sent_since(focal_point: FocalPoint, since) -> int:
    """How many nominations this focal point sent since `since` (every event: the cap is per person)."""
    return Invitation.objects.filter(nominated_by=focal_point, created_at__gte=since).count()


def events() -> list[Event]:
    """The events a focal point's portal lists, the latest first."""
    return list(Event.objects.order_by("-starts_on"))


def delegation(focal_point: FocalPoint, event: Event) -> QuerySet[Delegate]:
    """The focal point's delegation at an event, with their sessions (cancelled ones left out)."""
    return (
        delegates_of(focal_point)
        .filter(event=event)
        .prefetch_related(
            Prefetch(
                "session_registrations",
                queryset=SessionRegistration.objects.select_related("session").exclude(status=SeatStatus.CANCELLED),
            )
        )
        .order_by("family_name", "given_name", "pk")
    )


# The portal's filters: what a focal point looks for, by status and endorsement.
DELEGATION_FILTERS = {
    "awaiting": (
        gettext_lazy("Awaiting your endorsement"),
        Q(status=DelegateStatus.PENDING, endorsement=Endorsement.PENDING),
    ),
    "endorsed": (gettext_lazy("Endorsed"), Q(status=DelegateStatus.PENDING, endorsement=Endorsement.ENDORSED)),
    "declined": (gettext_lazy("Declined"), Q(status=DelegateStatus.PENDING, endorsement=Endorsement.DECLINED)),
    "approved": (gettext_lazy("Approved"), Q(status=DelegateStatus.APPROVED)),
    "waitlisted": (
        gettext_lazy("Waitlisted"),
        Q(status=DelegateStatus.APPROVED, session_registrations__status=SeatStatus.WAITLISTED),
    ),
    "rejected": (gettext_lazy("Rejected"), Q(status=DelegateStatus.REJECTED)),
    "withdrawn": (gettext_lazy("Withdrawn"), Q(status=DelegateStatus.WITHDRAWN)),
}


def shown(delegation: QuerySet[Delegate], chosen: str) -> QuerySet[Delegate]:
    """The delegation under the chosen filter (all of it for an unknown one)."""
    if chosen not in DELEGATION_FILTERS:
        return delegation
    return delegation.filter(DELEGATION_FILTERS[chosen][1]).distinct()


def delegation_counts(focal_point: FocalPoint) -> dict[int, dict]:
    """Per event id: the delegation's size, those awaiting endorsement and those approved (one query)."""
    return {
        row["event"]: row
        for row in delegates_of(focal_point)
        .values("event")
        .annotate(
            total=Count("pk"),
            awaiting=Count("pk", filter=DELEGATION_FILTERS["awaiting"][1]),
            approved=Count("pk", filter=DELEGATION_FILTERS["approved"][1]),
        )
    }
