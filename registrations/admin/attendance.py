"""Attendance for organizers: the check-ins (read-only; door staff make and undo them at the door),
their CSV export, and the badge actions of the delegate list (print, reissue)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.http import FileResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from registrations import services
from registrations.admin.common import ListedInVenueTime, ReadOnlyAdmin, in_venue_time, organizer, refuse
from registrations.admin.decisions import parse_ids
from registrations.admin.exports import _filters, bad_filters, changelist_scope
from registrations.admin.site import site
from registrations.models import CheckIn, Delegate, DelegateStatus
from registrations.outputs import attendance_export, badge_pdf
from registrations.services import door


@admin.register(CheckIn, site=site)
class CheckInAdmin(ListedInVenueTime, ReadOnlyAdmin):
    list_display = ["when", "delegate", "where", "door", "by_name", "offline", "undone"]
    list_filter = ["event", "session", "offline", ("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["delegate__given_name", "delegate__family_name", "door"]
    list_select_related = ["delegate", "session", "event"]
    date_hierarchy = "scanned_at"
    list_per_page = 100

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="registrations_checkin_export"), *super().get_urls()]

    @admin.display(description=_("checked in (venue time)"), ordering="scanned_at")
    def when(self, obj):
        return in_venue_time(obj.scanned_at, obj.event)

    @admin.display(description=_("session"), ordering="session__starts_at")
    def where(self, obj):
        return obj.session.title if obj.session_id else gettext("Venue entrance")

    @admin.display(description=_("undone"), ordering="undone_at")
    def undone(self, obj):
        return f"{in_venue_time(obj.undone_at, obj.event)}: {obj.undo_reason}" if obj.undone_at else "-"

    def export_view(self, request):
        """The filtered check-ins as CSV (organizers with the export permission)."""
        if not request.user.has_perm("registrations.export_delegate"):
            raise PermissionDenied
        filters = _filters(request.GET)
        try:  # an unknown or malformed filter (?format=xlsx, ?foo=1) is the visitor's error, not ours
            check_ins = self.get_changelist_instance(request).queryset
        except (IncorrectLookupParameters, FieldError, ValidationError, ValueError):
            return bad_filters()
        export = attendance_export.AttendanceExport(
            delegates=Delegate.objects.filter(pk__in=check_ins.values("delegate")),
            check_ins=check_ins,
            scope=changelist_scope(filters),
            filters=filters,
        )
        return export.response(organizer(request))


class BadgeActionsMixin:
    """The delegate list's badge actions: print the selected (or every filtered) approved delegate's
    badge, four to an A4 page or one per A6 page; reissue a lost badge."""

    badge_actions = ["print_badges_a4", "print_badges_a6", "reissue_badges"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if actions is None or "_popup" in request.GET:
            return actions
        for name in self.badge_actions:
            func, action_name, description = self.get_action(name)
            allowed = getattr(func, "allowed_permissions", ())
            if all(getattr(self, f"has_{p}_permission")(request) for p in allowed):
                actions[action_name] = (func, action_name, description)
        return actions

    def _print(self, request, queryset, layout: str):
        delegates = queryset.filter(status=DelegateStatus.APPROVED).select_related("event", "institute")
        if not delegates.exists():
            self.message_user(request, gettext("Badges are printed for approved delegates only."), messages.WARNING)
            return None
        ordered = delegates.order_by("event", "institute__member", "family_name", "given_name", "pk")
        return FileResponse(
            badge_pdf.badge_file(ordered.iterator(chunk_size=500), layout=layout),
            as_attachment=True,
            filename=f"badges-{layout}.pdf",
            content_type="application/pdf",
        )

    @admin.action(description=_("Print badges of the approved (A4, 4 per page, cut marks)"), permissions=["view"])
    def print_badges_a4(self, request, queryset):
        return self._print(request, queryset, "a4")

    @admin.action(description=_("Print badges of the approved (A6, one per page)"), permissions=["view"])
    def print_badges_a6(self, request, queryset):
        return self._print(request, queryset, "a6")

    @admin.action(description=_("Reissue badge (the old one stops working)…"), permissions=["change"])
    def reissue_badges(self, request, queryset):
        """A confirmation page first (the old badges stop working at every door, the delegates are
        emailed their new one); the second POST (confirm=yes) reissues exactly the badges it listed."""

        approved = queryset.filter(status=DelegateStatus.APPROVED)
        if request.POST.get("confirm") != "yes":
            if not approved.exists():
                self.message_user(
                    request, gettext("Only approved delegates have a badge to reissue."), messages.WARNING
                )
                return None
            return self._confirm(request, approved, ReissueForm(), action="reissue_badges")
        if "delegate_ids" in request.POST:
            queryset = queryset.filter(pk__in=parse_ids(request.POST["delegate_ids"]))
        done = 0
        for delegate in queryset.order_by("pk"):
            try:
                door.reissue_badge(delegate=delegate, actor=organizer(request))
            except services.RegistrationError as refusal:
                refuse(self, request, refusal)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)d badge reissued; the delegate is emailed the new one.",
                    "%(n)d badges reissued; each delegate is emailed the new one.",
                    done,
                )
                % {"n": done},
                messages.SUCCESS,
            )
        return None


class ReissueForm(forms.Form):
    """The reissue confirmation asks nothing more: the page says what will happen."""
