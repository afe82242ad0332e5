"""Serving a delegate's photo to staff allowed to see it: each interface checks who asks, then answers
with this response (never cached by a browser or a proxy, never sniffed as anything but a JPEG)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from registrations.queries.photos import photo_bytes


def photo_response(delegate) -> HttpResponse:
    image = photo_bytes(delegate) if delegate is not None else None
    if image is None:
        raise Http404(_("No photo."))
    response = HttpResponse(image, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
