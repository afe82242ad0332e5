"""The door pages (/door/): door staff scan badges, find delegates by name, undo a mistaken check-in
and see the attendance. Their own small pages, not a trimmed admin: the "Door staff" group has the
`registrations.check_in` permission and nothing else. In production (ADMIN_REQUIRE_2FA) the login asks
for a one-time code, as the admin's does, and django-axes locks out repeated failures (it watches
every login that goes through Django's `authenticate`).

Views are thin: a form checks the input, `services.door` decides (with `rules.admission`)
and writes. Scans and undos answer JSON to the page's script and a full page without it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from registrations import queries, rules, services
from registrations.door.access import (
    DESK_PERMISSION,
    DOOR_PERMISSION,
    bad_door,
    door_staff_required,
    form_errors,
    requires_2fa,
    wants_json,
)
from registrations.door.forms import ENTRANCE, DoorForm, ScanForm, SearchForm, UndoForm
from registrations.queries import door as door_queries
from registrations.services import door as door_service
from registrations.web.form_fields import is_database_id
from registrations.web.two_factor import StaffOTPAuthenticationForm

SEARCH_LIMIT = 12


class DoorLoginView(LoginView):
    template_name = "registrations/door/login.html"
    redirect_authenticated_user = False

    def get_form_class(self):
        return StaffOTPAuthenticationForm if requires_2fa() else AuthenticationForm

    def get_default_redirect_url(self):
        # Badge-desk staff land on the desk; door staff (and anyone with both) on the door.
        user = self.request.user
        if user.has_perm(DESK_PERMISSION) and not user.has_perm(DOOR_PERMISSION):
            return reverse("registrations:desk")
        return reverse("registrations:door")


door_login = DoorLoginView.as_view()


@require_POST
def door_logout(request):
    logout(request)
    return redirect("registrations:door_login")


def _door_query(place: door_queries.Door) -> str:
    return urlencode({"event": place.event.pk, "session": place.session_id or ENTRANCE, "door": place.name})


def _page(request, place: door_queries.Door, *, result=None, status=200, search=None):
    return render(
        request,
        "registrations/door/door.html",
        {
            "place": place,
            "session_value": place.session_id or ENTRANCE,
            "door_query": _door_query(place),
            "attendance": door_queries.attendance(place),
            "result": result,
            "search": search,
            "admit_list_url": reverse("registrations:door_admit_list") + "?" + _door_query(place),
        },
        status=status,
    )


@require_safe
@door_staff_required
def door(request):
    """Pick a door; with one picked, the scanning page (and the name search's results, if asked)."""
    if "session" not in request.GET:
        event_id = request.GET.get("event", "")
        event = door_queries.event_with_id(int(event_id)) if is_database_id(event_id) else None
        return _pick(request, event or queries.current_event())
    form = DoorForm(request.GET, user=request.user)
    if not form.is_valid():
        return _pick(request, form.cleaned_data.get("event") or queries.current_event(), form=form, status=400)
    place = form.door_place()
    return _page(request, place, search=_search(place, request.GET) if "q" in request.GET else None)


def _pick(request, event, *, form=None, status=200):
    return render(
        request,
        "registrations/door/pick.html",
        {
            "form": form,
            "events": door_queries.events(),
            "event": event,
            "sessions": door_queries.sessions_of(event) if event else [],
            "entrance": ENTRANCE,
        },
        status=status,
    )


def _refused(request, place, message: str, status: int):
    """A refused scan or undo: JSON for the page's script, the door page with the message without it."""
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return _page(request, place, status=status)


def _answer(result: door_service.ScanResult, place) -> dict:
    data = {"admit": result.verdict.admit, "reason": result.verdict.reason, "message": result.verdict.message}
    if result.delegate is not None:
        data.update(door_queries.shown(result.delegate, result.verdict))
        # Who should be holding the badge, to compare with the face: for an admission, or a badge
        # already inside (passed on?); a refusal shows no photo (door staff have no need of it).
        shows_photo = result.verdict.admit or result.verdict.reason == rules.DoorRefusal.ALREADY_CHECKED_IN
        if result.delegate.photo and shows_photo:
            token = door_queries.photo_token(result.delegate, place)
            data["photo"] = reverse("registrations:door_photo", args=[token]) + "?" + _door_query(place)
    if result.verdict.admit and result.check_in is not None:
        # The page counts the admission itself; the counts come with its status refresh.
        data["check_in"] = result.check_in.pk
    elif result.verdict.reason == rules.DoorRefusal.ALREADY_CHECKED_IN and result.check_in is not None:
        data["check_in"] = result.check_in.pk  # the standing check-in it names, for the staff to undo
    return data


@require_POST
@door_staff_required
def scan(request):
    door_form = DoorForm(request.POST, user=request.user)
    scan_form = ScanForm(request.POST)
    if not door_form.is_valid():
        return bad_door(door_form)
    place = door_form.door_place()
    if not scan_form.is_valid():
        return _refused(request, place, form_errors(scan_form), 400)
    actor = services.Actor.door_staff(request.user)
    public_id = scan_form.cleaned_data.get("delegate")
    if public_id:
        delegate = door_queries.delegate_with_public_id(place.event, public_id)
        if delegate is None:
            result = door_service.ScanResult(rules.unknown_badge())
        else:
            result = door_service.check_in(door=place, actor=actor, delegate=delegate)
    else:
        result = door_service.check_in(door=place, actor=actor, code=scan_form.cleaned_data["code"])
    answer = _answer(result, place)
    if wants_json(request):
        return JsonResponse(answer)
    return _page(request, place, result=answer)


@require_POST
@door_staff_required
def undo(request):
    door_form = DoorForm(request.POST, user=request.user)
    form = UndoForm(request.POST)
    if not door_form.is_valid():
        return bad_door(door_form)
    place = door_form.door_place()
    if not form.is_valid():
        return _refused(request, place, form_errors(form), 400)
    try:
        entry = door_service.undo_check_in(
            event=place.event,
            check_in_id=form.cleaned_data["check_in"],
            reason=form.cleaned_data["reason"],
            actor=services.Actor.door_staff(request.user),
        )
    except services.RegistrationError as refusal:
        return _refused(request, place, refusal.message, 409)
    done = _("Check-in of %(name)s undone.") % {"name": entry.delegate.full_name}
    if wants_json(request):
        return JsonResponse({"undone": True, "message": done, "attendance": door_queries.attendance(place)})
    # The answer screen turns neutral: neither admit (green) nor refuse (red).
    return _page(request, place, result={"undone": True, "name": entry.delegate.full_name, "message": done})


def _search(place, params) -> list[dict] | None:
    form = SearchForm(params)
    if not form.is_valid():
        return None
    found = door_queries.find_delegates(place.event, form.cleaned_data["q"], limit=SEARCH_LIMIT)
    return [
        {
            "delegate": str(d.public_id),
            "name": d.full_name,
            "passport_name": door_queries.passport_spelling(d),
            "affiliation": str(d.institute) if d.institute_id else d.organization,
            "type": d.get_stakeholder_type_display(),
            "status": d.get_status_display(),
        }
        for d in found
    ]


@require_safe
@door_staff_required
def search(request):
    door_form = DoorForm(request.GET, user=request.user)
    if not door_form.is_valid():
        return bad_door(door_form)
    found = _search(door_form.door_place(), request.GET)
    if found is None:
        return JsonResponse({"error": _("Type at least two letters of the name.")}, status=400)
    return JsonResponse({"results": found})


@require_safe
@door_staff_required
def status(request):
    """Attendance and the conflicts from offline scans, for the page to refresh."""
    door_form = DoorForm(request.GET, user=request.user)
    if not door_form.is_valid():
        return bad_door(door_form)
    place = door_form.door_place()
    conflicts = [
        {
            "name": entry.delegate.full_name if entry.delegate else "",
            "message": entry.reason,
            "door": entry.details.get("door", ""),
            "other_door": entry.details.get("other_door", ""),
        }
        for entry in door_queries.recent_conflicts(place.event, place.session)
    ]
    return JsonResponse({"attendance": door_queries.attendance(place), "conflicts": conflicts})
