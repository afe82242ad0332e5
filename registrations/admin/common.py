"""What the organizers' admin pages share: read-only records, times in each event's own zone, and
the bridge from a validated admin form to the services (the admin never writes a model itself)."""

from __future__ import annotations

from datetime import UTC

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations import l10n, queries, services
from registrations.models import Event
from registrations.services.messages import saved_views_for
from registrations.web.form_fields import is_database_id


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete from the admin (audit trail, outbox)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def organizer(request) -> services.Actor:
    return services.Actor.organizer(request.user)


def changed_values(form) -> dict:
    """The fields an organizer changed on a validated admin form, with their new values."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


def refuse(model_admin: admin.ModelAdmin, request, refusal: services.RegistrationError) -> None:
    model_admin.message_user(request, refusal.message, messages.ERROR)


def in_venue_time_zone(request, event: Event | None, view):
    """Run an admin view, and render its page, in this event's time zone (forms read and show it).

    The page's header names the zone (`request.venue_time_zone`, see admin/base_site.html).
    """
    if event is None:
        return view()
    request.venue_time_zone = event.time_zone
    with timezone.override(event.tz):
        response = view()
        if hasattr(response, "render"):
            response.render()
    return response


def listed_event(request) -> Event | None:
    """The event a changelist shows: its event filter, else the current event (None: no event yet)."""
    chosen = request.GET.get("event__id__exact", "")
    if chosen.isdigit() and len(chosen) < 19:
        return Event.objects.filter(pk=int(chosen)).first() or queries.current_event()
    return queries.current_event()


class SelectedIdsChecked:
    """A changelist action POST whose selected rows are not ids (a crafted "abc" or "1.5") is refused
    with the 400 page: Django's changelist would filter on them and fail with a 500."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not all(
            is_database_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        ):
            return render(request, "400.html", status=400)
        return super().changelist_view(request, extra_context)


class ListedInVenueTime:
    """A changelist (its date filter, its drill-down by day and its rows) in its event's time zone,
    so "7 December" is the venue's 7 December, as the rows' times are."""

    def changelist_view(self, request, extra_context=None):
        listing = super().changelist_view
        return in_venue_time_zone(request, listed_event(request), lambda: listing(request, extra_context))


def saved_view_links(user) -> list[dict]:
    """The saved views a staff member may open (their own and the shared ones), as links to the list."""
    changelist = reverse("admin:registrations_delegate_changelist")
    return [
        {"name": view.name, "shared": view.shared, "url": f"{changelist}?{view.querystring}"}
        for view in saved_views_for(user)
    ]


def in_venue_time(moment, event: Event | None) -> str:
    """A moment in its event's zone, the zone named (UTC when the record has no event)."""
    if moment is None:
        return "-"
    # In the organizer's language: "Tue 01 Dec 2026 07:49 PST", "mar 1 déc 2026, 7 h 49 (heure du Pacifique)".
    return l10n.short_moment(moment, event.tz if event is not None else UTC)


VENUE_TIME = _("venue time")


class RequestedInVenueTime:
    """A seat's request time in its session's venue time, as every other moment in the admin."""

    @admin.display(description=_("requested (venue time)"), ordering="requested_at")
    def requested(self, obj):
        return in_venue_time(obj.requested_at, obj.session.event)


NAMES_SHOWN = 10


def clashed_message(clashed: list) -> str:
    """Whose requests were cancelled for a clash: (delegate, cancelled title, title kept), the first few named."""
    shown = "; ".join(
        _("%(name)s (“%(title)s”, at the same time as “%(kept)s”)") % {"name": d.full_name, "title": t, "kept": k}
        for d, t, k in clashed[:NAMES_SHOWN]
    )
    more = len(clashed) - NAMES_SHOWN
    names = (
        ngettext("%(names)s and %(n)d more", "%(names)s and %(n)d more", more) % {"names": shown, "n": more}
        if more > 0
        else shown
    )
    return ngettext(
        "%(n)d request cancelled: it clashed with a session the delegate holds or asked for first, and the "
        "delegate was told: %(names)s.",
        "%(n)d requests cancelled: each clashed with a session the delegate holds or asked for first, and each "
        "delegate was told: %(names)s.",
        len(clashed),
    ) % {"n": len(clashed), "names": names}
