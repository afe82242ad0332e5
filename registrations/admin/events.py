"""Events and member institutes in the organizers' admin. Saves and deletions go through
`services.events`: audited, and an event with registrations is never deleted."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from registrations import services
from registrations.admin import documents
from registrations.admin.common import changed_values, in_venue_time, in_venue_time_zone, organizer
from registrations.admin.exports import InstituteExportMixin
from registrations.admin.site import site
from registrations.models import DelegateStatus, Event, Institute


@admin.register(Event, site=site)
class EventAdmin(TranslationAdmin):
    list_display = [
        "name",
        "venue",
        "starts_on",
        "ends_on",
        "time_zone",
        "registration_opens",
        "registration_closes",
        "participant_list_visibility",
        "participants_list",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "venue"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        event = self.get_object(request, object_id) if object_id else None
        view = super().changeform_view
        return in_venue_time_zone(request, event, lambda: view(request, object_id, form_url, extra_context))

    @admin.display(description=_("registration opens (venue time)"), ordering="registration_opens_at")
    def registration_opens(self, obj):
        return in_venue_time(obj.registration_opens_at, obj)

    @admin.display(description=_("registration closes (venue time)"), ordering="registration_closes_at")
    def registration_closes(self, obj):
        return in_venue_time(obj.registration_closes_at, obj)

    def get_urls(self):
        return [*documents.participants_list_urls(), *super().get_urls()]

    @admin.display(description=_("list of participants"))
    def participants_list(self, obj):
        url = reverse("admin:registrations_event_participants", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("List of participants"))

    def save_model(self, request, obj, form, change):
        services.save_event(event=obj, changes=changed_values(form), actor=organizer(request))

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        try:
            services.check_event_deletable(objs)
        except services.InUse as refusal:
            # Listed as protected, Django's confirmation page shows why and offers no delete button.
            protected = [*protected, refusal.message]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.delete_events(event_ids=[obj.pk], actor=organizer(request))

    def delete_queryset(self, request, queryset):
        services.delete_events(event_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request))


@admin.register(Institute, site=site)
class InstituteAdmin(InstituteExportMixin, admin.ModelAdmin):
    list_display = ["member", "name", "iso_code", "email_domains", "delegate_quota", "approved_delegates"]
    search_fields = ["member", "name", "email_domains"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(approved_count=Count("delegates", filter=Q(delegates__status=DelegateStatus.APPROVED)))
        )

    @admin.display(description=_("approved delegates (all events)"), ordering="approved_count")
    def approved_delegates(self, obj):
        return obj.approved_count

    def save_model(self, request, obj, form, change):
        services.save_institute(institute=obj, changes=changed_values(form), actor=organizer(request))
