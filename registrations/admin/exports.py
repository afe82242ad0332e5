"""CSV and XLSX exports in the organizers' desk: thin, permission-checked views over `registrations.outputs.exports`.

Mixed into the Delegate, Session and Institute admins (see admin.py) so that admin.py itself only
names the mixins. Only staff with `registrations.export_delegate` (the Organizers group has it) may
export; anyone else gets 403. Every export is recorded in the audit trail by `exports.audited`.
"""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registrations import services
from registrations.models import Delegate, Institute, SeatStatus, Session
from registrations.outputs import exports

EXPORT_PERMISSION = "registrations.export_delegate"
# Changelist parameters that do not narrow the list (ordering, page, facets ...).
NON_FILTER_PARAMS = {"o", "p", "e", "all", "_facets", "shape", "format", "_popup", "_to_field"}
EXPORT_PARAMS = ("shape", "format")  # say how to export, not who: never passed to the changelist
ATTENDING = [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED]


def _shape(params, default: str) -> str | None:
    shape = params.get("shape") or default
    return shape if shape in exports.Shape.values else None


def _format(params) -> str | None:
    """`format=xlsx` or `format=csv`; CSV when absent (the address scripts have always used)."""
    value = params.get("format") or exports.Format.CSV
    return value if value in exports.Format.values else None


def _bad_shape() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Unknown export shape. Use shape=delegate (one row per delegate) or shape=session (one row per session)."),
        content_type="text/plain; charset=utf-8",
    )


def bad_filters() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("These filters are not valid for this list; go back to the list and filter again."),
        content_type="text/plain; charset=utf-8",
    )


def _bad_format() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Unknown export format. Use format=xlsx (a spreadsheet) or format=csv (for other systems)."),
        content_type="text/plain; charset=utf-8",
    )


def _filters(query_dict) -> dict:
    return {
        key: values if len(values) > 1 else values[0] for key, values in query_dict.lists() if key not in EXPORT_PARAMS
    }


def changelist_scope(filters: dict) -> str:
    """A short name for the file: the filter values ("approved-academia"), or "all-delegates".

    A search says only "search": its text (typically a name) would stay in the audit trail.
    """
    parts = []
    for key, value in filters.items():
        if key in NON_FILTER_PARAMS:
            continue
        values = value if isinstance(value, list) else [value]
        parts.extend(("search" if key == "q" else str(v)) for v in values if str(v))
    return "-".join(parts) or "all-delegates"


class ExportPermissionMixin:
    def has_export_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm(EXPORT_PERMISSION)

    def check_export_permission(self, request) -> None:
        if not self.has_export_permission(request):
            raise PermissionDenied

    def export_urls(self, view, name: str, route: str) -> list:
        return [path(route, self.admin_site.admin_view(view), name=f"registrations_{name}_export")]


class DelegateExportMixin(ExportPermissionMixin):
    """The "Export selected to CSV" action and the "Export CSV" button of the delegate changelist."""

    def get_urls(self):
        return [*self.export_urls(self.export_view, "delegate", "export/"), *super().get_urls()]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if actions is not None and self.actions is not None and self.has_export_permission(request):
            func, name, description = self.get_action("export_selected")
            if "_popup" not in request.GET:
                actions[name] = (func, name, description)
        return actions

    def export_selected(self, request, queryset):
        self.check_export_permission(request)
        select_across = request.POST.get("select_across") == "1"
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        shape = request.POST.get("shape")
        file_format = _format(request.POST)
        if shape not in exports.Shape.values or file_format is None:
            return TemplateResponse(
                request,
                "admin/registrations/delegate/export_choice.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Export delegates"),
                    "opts": self.model._meta,
                    "count": queryset.count(),
                    "selected": selected,
                    "select_across": select_across,
                    "shapes": exports.Shape.choices,
                    "formats": [
                        (exports.Format.XLSX, _("Spreadsheet (XLSX), to read and sort")),
                        (exports.Format.CSV, _("CSV (UTF-8), for other systems")),
                    ],
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
                status=400 if shape or request.POST.get("format") else 200,
            )
        export = exports.AttendeeExport(
            delegates=queryset,
            shape=shape,
            scope="selected",
            filters={
                "changelist": _filters(request.GET),
                "select_across": select_across,
                "selected": [] if select_across else selected,
            },
            file_format=file_format,
        )
        return export.response(services.Actor.organizer(request.user))

    export_selected.short_description = gettext_lazy("Export selected (XLSX or CSV)")

    def export_view(self, request):
        """The whole filtered changelist (every page), with the request's filters and search."""
        self.check_export_permission(request)
        shape = _shape(request.GET, exports.Shape.DELEGATE)
        if shape is None:
            return _bad_shape()
        file_format = _format(request.GET)
        if file_format is None:
            return _bad_format()
        filters = _filters(request.GET)
        request.GET = request.GET.copy()
        for param in EXPORT_PARAMS:
            request.GET.pop(param, None)
        try:
            queryset = self.filtered_changelist_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                _("These filters are not valid for the delegate list; go back to the list and filter again."),
                content_type="text/plain; charset=utf-8",
            )
        export = exports.AttendeeExport(
            delegates=queryset,
            shape=shape,
            scope=changelist_scope(filters),
            filters=filters,
            file_format=file_format,
        )
        return export.response(services.Actor.organizer(request.user))

    def filtered_changelist_queryset(self, request):
        """The changelist's own queryset (filters, search, date drill-down), exactly what the organizer sees."""
        return self.get_changelist_instance(request).queryset


class SessionExportMixin(ExportPermissionMixin):
    """A session's attendees: confirmed, then waitlisted with their position."""

    def get_urls(self):
        return [*self.export_urls(self.export_view, "session", "<int:object_id>/export/"), *super().get_urls()]

    def export_view(self, request, object_id):
        self.check_export_permission(request)
        session = get_object_or_404(Session.objects.select_related("event"), pk=object_id)
        shape = _shape(request.GET, exports.Shape.SESSION)
        if shape is None:
            return _bad_shape()
        file_format = _format(request.GET)
        if file_format is None:
            return _bad_format()
        attending = Q(session=session, status__in=ATTENDING)
        export = exports.AttendeeExport(
            delegates=Delegate.objects.filter(
                session_registrations__session=session, session_registrations__status__in=ATTENDING
            ),
            shape=shape,
            scope=f"session-{session.pk}-{session.title}"[:60],
            filters={"session": session.pk, "seat_status": list(ATTENDING)},
            seats=attending,
            event=session.event,
            session=session,
            file_format=file_format,
        )
        return export.response(services.Actor.organizer(request.user))


class InstituteExportMixin(ExportPermissionMixin):
    """An institute's delegates."""

    def get_urls(self):
        return [*self.export_urls(self.export_view, "institute", "<int:object_id>/export/"), *super().get_urls()]

    def export_view(self, request, object_id):
        self.check_export_permission(request)
        institute = get_object_or_404(Institute, pk=object_id)
        shape = _shape(request.GET, exports.Shape.DELEGATE)
        if shape is None:
            return _bad_shape()
        file_format = _format(request.GET)
        if file_format is None:
            return _bad_format()
        export = exports.AttendeeExport(
            delegates=Delegate.objects.filter(institute=institute),
            shape=shape,
            scope=f"institute-{institute.iso_code.lower()}",
            filters={"institute": institute.iso_code},
            file_format=file_format,
        )
        return export.response(services.Actor.organizer(request.user))
