"""The door without the network: the signed admit list it decides from, the scans it sends back
(`sync`), the photo of a badge it has just scanned, and the service worker that keeps the page so a
reload reopens it offline (registrations/js/door-worker.js)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from registrations import services
from registrations.door.access import bad_door, door_staff_required
from registrations.door.forms import DoorForm
from registrations.queries import door as door_queries
from registrations.services import door as door_service
from registrations.web.photos import photo_response

SYNC_MAX_SCANS = 500
SYNC_MAX_BYTES = 256 * 1024


SHELL_FILES = (
    "js-lib-bootstrap5/css/bootstrap.min.css",
    "registrations/css/door.css",
    "registrations/js/door.js",
    "registrations/favicon.svg",
)


@require_safe
def worker(request):
    """The door's service worker, served under /door/ so that its scope is the door's pages. It names
    no one: the addresses of the page's files (hashed in production) and the worker's own script."""
    shell = [static(name) for name in SHELL_FILES]
    response = render(
        request,
        "registrations/door/worker.js",
        {
            "shell": shell,
            "version": hashlib.sha256("|".join(shell).encode()).hexdigest()[:12],
            "page": reverse("registrations:door"),
            "worker": static("registrations/js/door-worker.js"),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@door_staff_required
def photo(request, token: str):
    """The photo of a badge this door has just scanned (its answer carries the signed address)."""
    door_form = DoorForm(request.GET, user=request.user)
    if not door_form.is_valid():
        raise Http404(_("No such door."))
    return photo_response(door_queries.delegate_in_photo_token(token, door_form.door_place()))


@require_safe
@door_staff_required
def admit_list(request):
    door_form = DoorForm(request.GET, user=request.user)
    if not door_form.is_valid():
        return bad_door(door_form)
    return JsonResponse(door_queries.admit_list(door=door_form.door_place()))


@require_POST
@door_staff_required
def sync(request):
    """Offline scans, sent once the network is back: {event, session, door, signature, scans: [...]}."""
    if len(request.body) > SYNC_MAX_BYTES:
        return JsonResponse({"error": _("Too many scans at once.")}, status=413)
    body = _json_body(request.body)
    if body is None:
        return JsonResponse({"error": _("Not a list of scans.")}, status=400)
    door_form = DoorForm({k: str(body.get(k, "")) for k in ("event", "session", "door")}, user=request.user)
    if not door_form.is_valid():
        return bad_door(door_form)
    queue = _offline_scans(body["scans"])
    if queue is None:
        return JsonResponse({"error": _("Not a list of scans.")}, status=400)
    scans, invalid = queue
    place = door_form.door_place()
    try:
        outcomes = door_service.record_offline_scans(
            door=place,
            actor=services.Actor.door_staff(request.user),
            scans=scans,
            list_signature=str(body.get("signature", "")),
        )
    except services.RegistrationError as refusal:
        return JsonResponse({"error": refusal.message}, status=400)
    return JsonResponse(
        {
            "recorded": [o.scan.scan_id for o in outcomes],
            # Entries that are not scans (an impossible time, no code): reported, the rest recorded.
            "invalid": [
                {"scan": scan_id, "message": _("This entry has no badge code or an impossible time.")}
                for scan_id in invalid
            ],
            "conflicts": [
                {
                    "scan": o.scan.scan_id,
                    "name": o.result.delegate.full_name if o.result.delegate else "",
                    "message": o.result.verdict.message,
                }
                for o in outcomes
                if o.conflict and o.result is not None
            ],
            "attendance": door_queries.attendance(place),
        }
    )


def _json_body(raw: bytes) -> dict | None:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested past Python's stack
        return None
    if not isinstance(body, dict) or not isinstance(body.get("scans"), list):
        return None
    return body


def _storable(text: str) -> bool:
    """Text PostgreSQL can store and UTF-8 can encode: no NUL, no lone surrogate (JSON allows both)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _offline_scans(items) -> tuple[list[door_service.OfflineScan], list[str]] | None:
    """The queue's scans, and the ids of entries that are not scans (no code, or an impossible time
    such as 30 February or hour 25): those are reported, the others recorded. None: not a queue."""
    if len(items) > SYNC_MAX_SCANS:
        return None
    scans, invalid = [], []
    for item in items:
        if not isinstance(item, dict):
            return None
        code, scan_id = str(item.get("code", ""))[:200], str(item.get("id", ""))[:64]
        if not (_storable(scan_id) and _storable(code)):  # text the database cannot hold: reported
            invalid.append(scan_id)
            continue
        try:
            at = parse_datetime(str(item.get("at", "")))
        except ValueError:  # well formed, but no such moment
            at = None
        if at is None or not code:
            invalid.append(scan_id)
            continue
        if timezone.is_naive(at):
            at = timezone.make_aware(at, UTC)
        scans.append(
            door_service.OfflineScan(scan_id=scan_id, code=code, scanned_at=at, admitted=item.get("admitted") is True)
        )
    return scans, invalid
