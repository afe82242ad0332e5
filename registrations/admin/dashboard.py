"""The organizers' dashboard (`/admin/dashboard/`), linked first on the admin index.

A thin view over `registrations.queries.dashboard.build`: one event (the current one, or `?event=`), shown
in its venue's time zone. Staff who may view delegates see it; others get 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from registrations import queries
from registrations.admin.common import in_venue_time_zone, saved_view_links
from registrations.models import Event
from registrations.queries import dashboard
from registrations.web.form_fields import is_database_id

VIEW_PERMISSION = "registrations.view_delegate"


def chosen_event(request) -> Event | None:
    value = request.GET.get("event")
    if value and is_database_id(value):
        return get_object_or_404(Event, pk=int(value))
    return queries.current_event()


def dashboard_view(request, admin_site):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    event = chosen_event(request)
    context = {
        **admin_site.each_context(request),
        "title": _("Dashboard"),
        "event": event,
        "events": Event.objects.order_by("-starts_on"),
        "board": dashboard.build(event) if event else None,
        "saved_views": saved_view_links(request.user),
    }
    return in_venue_time_zone(
        request, event, lambda: TemplateResponse(request, "admin/registrations/dashboard.html", context)
    )
