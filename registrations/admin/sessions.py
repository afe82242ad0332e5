"""Sessions in the organizers' admin: seats, waitlists and attendees at a glance. Every save and
deletion goes through `services.sessions` (capacity never below the confirmed seats, a move to
government-only cancels guests' seats with notice, a deletion cancels every seat with notice)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from registrations import queries, services
from registrations.admin.common import (
    RequestedInVenueTime,
    changed_values,
    clashed_message,
    in_venue_time,
    in_venue_time_zone,
    organizer,
)
from registrations.admin.exports import SessionExportMixin
from registrations.admin.site import site
from registrations.models import SeatStatus, Session, SessionRegistration


class SessionAdminForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = "__all__"  # noqa: DJ007 - the admin form; fieldsets choose what shows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One message for every capacity refused (0, negative, below the confirmed seats): the service's.
        capacity = self.fields["capacity"]
        capacity.min_value = None
        capacity.validators = [v for v in capacity.validators if not isinstance(v, MinValueValidator)]
        capacity.widget.attrs.pop("min", None)

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        try:
            services.check_capacity(session=self.instance, capacity=capacity)
        except services.CapacityBelowConfirmed as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from None
        return capacity


class SessionRegistrationByDelegateInline(RequestedInVenueTime, admin.TabularInline):
    """A session's confirmed and waitlisted delegates, read-only."""

    model = SessionRegistration
    fields = ["delegate_link", "affiliation", "status", "position", "requested"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("delegate")
    verbose_name_plural = _("confirmed and waitlisted delegates")
    ordering = ["status", "requested_at", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
            .select_related("delegate__institute", "session__event")
            .annotate(position=queries.waitlist_position())
        )

    @admin.display(description=_("delegate"))
    def delegate_link(self, obj):
        url = reverse("admin:registrations_delegate_change", args=[obj.delegate_id])
        return format_html('<a href="{}">{}</a>', url, obj.delegate.full_name)

    @admin.display(description=_("affiliation"))
    def affiliation(self, obj):
        return obj.delegate.affiliation

    @admin.display(description=_("waitlist position"))
    def position(self, obj):
        return obj.position if obj.status == SeatStatus.WAITLISTED else ""


@admin.register(Session, site=site)
class SessionAdmin(SessionExportMixin, TranslationAdmin):
    form = SessionAdminForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Times are entered in the session's own venue's zone (the middleware uses the current event's).
        session = self.get_object(request, object_id) if object_id else None
        view = super().changeform_view
        return in_venue_time_zone(
            request, session.event if session else None, lambda: view(request, object_id, form_url, extra_context)
        )

    def get_readonly_fields(self, request, obj=None):
        # Seats and requests belong to the event the session is part of.
        return [*super().get_readonly_fields(request, obj), *(["event"] if obj is not None else [])]

    list_display = [
        "title",
        "starts",
        "room",
        "access_tier",
        "capacity",
        "confirmed",
        "waitlisted",
        "seats_left",
        "attended",
    ]
    list_filter = ["event", "access_tier"]
    search_fields = ["title", "room"]
    inlines = [SessionRegistrationByDelegateInline]

    def get_queryset(self, request):
        sessions = queries.sessions_with_seats(super().get_queryset(request).select_related("event"))
        return sessions.annotate(attended_count=queries.attendance_count())

    @admin.display(description=_("starts (venue time)"), ordering="starts_at")
    def starts(self, obj):
        return in_venue_time(obj.starts_at, obj.event)

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("waitlisted"), ordering="waitlisted_count")
    def waitlisted(self, obj):
        return obj.waitlisted_count

    @admin.display(description=_("checked in"), ordering="attended_count")
    def attended(self, obj):
        return obj.attended_count

    @admin.display(description=_("seats left"), ordering="seats_left")
    def seats_left(self, obj):
        return obj.seats_left

    def save_model(self, request, obj, form, change):
        if not change:
            services.create_session(session=obj, actor=organizer(request))
            return
        result = services.update_session(session=obj, changes=changed_values(form), actor=organizer(request))
        if result.cancelled:
            self.message_user(
                request,
                ngettext(
                    "%(n)d non-government seat cancelled; that delegate was told.",
                    "%(n)d non-government seats cancelled; those delegates were told.",
                    result.cancelled,
                )
                % {"n": result.cancelled},
                messages.WARNING,
            )
        if result.clashed:
            self.message_user(request, clashed_message(result.clashed), messages.WARNING)
        if result.promoted:
            self.message_user(
                request,
                ngettext(
                    "%(n)d delegate promoted from the waitlist.",
                    "%(n)d delegates promoted from the waitlist.",
                    result.promoted,
                )
                % {"n": result.promoted},
            )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        seats = sum(services.sessions_with_active_seats([s.pk for s in objs]).values())
        if seats and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(n)d seat is held, asked for or waited for in what you are deleting. It will be cancelled "
                    "and its delegate emailed that the session was cancelled.",
                    "%(n)d seats are held, asked for or waited for in what you are deleting. They will be "
                    "cancelled and each delegate emailed that the session was cancelled.",
                    seats,
                )
                % {"n": seats},
                messages.WARNING,
            )
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.delete_sessions(session_ids=[obj.pk], actor=organizer(request))

    def delete_queryset(self, request, queryset):
        services.delete_sessions(session_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request))
