"""Who may use the door's and the badge desk's pages, and the answers they share: signed in with a
verified second factor where required (ADMIN_REQUIRE_2FA), holding the page's permission; JSON for the
page's script, a page without it."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

DOOR_PERMISSION = "registrations.check_in"
DESK_PERMISSION = "registrations.activate_badge"


def requires_2fa() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_2FA", True)


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def staff_required(permission: str, refusal: str):
    """Signed in (with a verified second factor where required) and holding `permission`; the door's
    sign-in page otherwise. `refusal` is what an account without the permission is told."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            verified = user.is_authenticated and (not requires_2fa() or user.is_verified())
            if not verified:
                if wants_json(request) or request.method != "GET":
                    return JsonResponse({"error": _("Sign in again to use the door.")}, status=401)
                return redirect_to_login(request.get_full_path(), reverse("registrations:door_login"))
            if not user.has_perm(permission):
                if wants_json(request):
                    return JsonResponse({"error": str(refusal)}, status=403)
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator


door_staff_required = staff_required(DOOR_PERMISSION, gettext_lazy("Your account may not check delegates in."))
desk_staff_required = staff_required(DESK_PERMISSION, gettext_lazy("Your account may not activate badges."))


def bad_door(form):
    errors = form_errors(form)
    return JsonResponse({"error": errors or _("Choose the event and the session.")}, status=400)


def form_errors(form) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)
