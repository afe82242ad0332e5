"""A delegate's own photo, from their status page: sent (a file, or the phone's camera), and shown back
to them. Nobody else reaches it here: staff see photos on their own permission-checked pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from registrations import services
from registrations.public.forms import PhotoForm
from registrations.public.self_service import back_to_status, status_page, with_delegate
from registrations.services import photos
from registrations.web.photos import photo_response


def photo_rate(group, request) -> str:
    return settings.PHOTO_UPLOAD_RATE


@ratelimit(group="photo", key="ip", rate=photo_rate, method="POST")
@require_POST
@with_delegate
def add_photo(request, delegate):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return status_page(request, delegate, photo_form=form, status=400)
    try:
        photos.add_photo(delegate=delegate, photo=form.cleaned_data["photo"], actor=services.Actor.delegate())
    except services.RegistrationError as refusal:
        form.add_error(None, refusal.message)
        return status_page(request, delegate, photo_form=form, status=409)
    messages.success(request, _("Your photo is saved."))
    return back_to_status(delegate)


@require_safe
@with_delegate
def own_photo(request, delegate):
    return photo_response(delegate)
