"""The delegate list's own filters: email domain, session and seat status, session tier."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registrations.models import ACTIVE_SEAT_STATUSES, AccessTier, SeatStatus, Session
from registrations.web.form_fields import is_database_id


class DomainVerifiedFilter(admin.SimpleListFilter):
    title = _("email domain")
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        return [("unverified", _("Email domain unverified")), ("verified", _("Email domain verified"))]

    def queryset(self, request, queryset):
        if self.value() == "unverified":
            return queryset.filter(institute__isnull=False, email_domain_verified=False)
        if self.value() == "verified":
            return queryset.filter(email_domain_verified=True)
        return queryset


def _seat_statuses(request) -> list[str]:
    """The seat statuses the "seat" filter asks for (all but cancelled when it is not set)."""
    seat = request.GET.get(SeatFilter.parameter_name)
    return [seat] if seat in SeatStatus.values else list(ACTIVE_SEAT_STATUSES)


class SessionFilter(admin.SimpleListFilter):
    """Delegates with a seat in one session: any seat but a cancelled one, or those the "seat" filter names."""

    title = _("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in Session.objects.order_by("starts_at").values_list("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() and is_database_id(self.value()):
            return queryset.filter(
                session_registrations__session_id=int(self.value()),
                session_registrations__status__in=_seat_statuses(request),
            ).distinct()
        return queryset


class SeatFilter(admin.SimpleListFilter):
    """Delegates holding a seat in this status: in the session the "session" filter names, else in any."""

    title = _("seat status")
    parameter_name = "seat"

    def lookups(self, request, model_admin):
        return SeatStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in SeatStatus.values:
            return queryset
        if is_database_id(request.GET.get(SessionFilter.parameter_name) or ""):
            return queryset  # SessionFilter applies both, on the same seat
        return queryset.filter(session_registrations__status=self.value()).distinct()


class TierFilter(admin.SimpleListFilter):
    title = _("session tier asked for")
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return AccessTier.choices

    def queryset(self, request, queryset):
        if self.value() in AccessTier.values:
            return queryset.filter(
                session_registrations__session__access_tier=self.value(),
                session_registrations__status__in=ACTIVE_SEAT_STATUSES,
            ).distinct()
        return queryset
