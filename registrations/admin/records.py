"""The audit trail and the email outbox: read-only records for organizers. Each time is shown in
the zone of the event the record belongs to, the zone named."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registrations.admin.common import ListedInVenueTime, ReadOnlyAdmin, in_venue_time
from registrations.admin.site import site
from registrations.models import AuditEntry, OutboundEmail


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ListedInVenueTime, ReadOnlyAdmin):
    list_display = ["when", "actor", "action", "delegate", "session", "invitation", "change", "reason"]
    list_filter = ["action", "actor_kind", "event", "invitation"]
    search_fields = ["delegate__given_name", "delegate__family_name", "delegate__email", "actor_name", "reason"]
    list_select_related = ["delegate", "session", "event", "invitation"]
    date_hierarchy = "created_at"
    list_per_page = 100

    @admin.display(description=_("when (the event's venue time)"), ordering="created_at")
    def when(self, obj):
        return in_venue_time(obj.created_at, obj.event)

    @admin.display(description=_("who"), ordering="actor_name")
    def actor(self, obj):
        return obj.actor_name or obj.get_actor_kind_display()

    @admin.display(description=_("from → to"))
    def change(self, obj):
        if not (obj.from_status or obj.to_status):
            return "-"
        return (
            f"{obj.from_status.replace('_', ' ').capitalize() or '-'} → {obj.to_status.replace('_', ' ').capitalize()}"
        )


@admin.register(OutboundEmail, site=site)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["queued", "kind", "delegate", "invitation", "status", "attempts", "sent", "last_error"]
    list_filter = ["status", "kind"]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["delegate__event", "invitation__event"]
    search_fields = ["delegate__email", "invitation__email"]

    @admin.display(description=_("queued (venue time)"), ordering="created_at")
    def queued(self, obj):
        return in_venue_time(obj.created_at, obj.event)

    @admin.display(description=_("sent (venue time)"), ordering="sent_at")
    def sent(self, obj):
        return in_venue_time(obj.sent_at, obj.event)
