"""The delegate's photo and identity check on their admin page: the photo (served to organizers who
may view delegates), "Refuse this photo" with a reason (the delegate is emailed to send another), and
when, by whom and against which document the badge desk activated the badge. Mixed into `DelegateAdmin`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registrations import rules, services
from registrations.admin.common import organizer
from registrations.models import Delegate
from registrations.services import photos
from registrations.web.photos import photo_response


class RefusePhotoForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the photo refused? The delegate reads this."),
        max_length=photos.PHOTO_REFUSAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. The face is hidden by sunglasses; a plain background is needed."),
        error_messages={"required": _("Say why the photo is refused: the delegate reads it.")},
    )


class PhotoAdminMixin:
    photo_fields = ["photo_preview", "identity_check"]

    @admin.display(description=_("photo"))
    def photo_preview(self, obj):
        if obj is None or not obj.pk:
            return "-"
        if not obj.photo:
            if obj.photo_refusal:
                return gettext("Refused: %(reason)s (the delegate was asked for another)") % {
                    "reason": obj.photo_refusal
                }
            return gettext("No photo yet.")
        return format_html(
            '<img class="delegate-photo" src="{}" alt="{}" width="120" height="150"><br><a href="{}">{}</a>',
            reverse("admin:registrations_delegate_photo", args=[obj.pk]),
            gettext("Photo of %(name)s") % {"name": obj.full_name},
            reverse("admin:registrations_delegate_refuse_photo", args=[obj.pk]),
            gettext("Refuse this photo…"),
        )

    @admin.display(description=_("identity checked"))
    def identity_check(self, obj):
        if obj is None or not obj.identity_checked_at:
            return gettext("Not yet (the badge desk checks it).")
        summary = rules.activation_summary(obj)
        if not obj.badge_activated:
            no_longer = gettext(
                "%(summary)s No longer active: the badge was reissued, or the photo or name changed since."
            )
            return no_longer % {"summary": summary}
        return summary

    def get_urls(self):
        return [
            path(
                "<int:object_id>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name="registrations_delegate_photo",
            ),
            path(
                "<int:object_id>/refuse-photo/",
                self.admin_site.admin_view(self.refuse_photo_view),
                name="registrations_delegate_refuse_photo",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return photo_response(get_object_or_404(Delegate, pk=object_id))

    def refuse_photo_view(self, request, object_id):
        delegate = get_object_or_404(Delegate, pk=object_id)
        if not self.has_change_permission(request, delegate):
            raise PermissionDenied
        change_url = reverse("admin:registrations_delegate_change", args=[delegate.pk])
        form = RefusePhotoForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    photos.refuse_photo(delegate=delegate, reason=form.cleaned_data["reason"], actor=organizer(request))
                except services.RegistrationError as refusal:
                    form.add_error(None, refusal.message)
                else:
                    self.message_user(
                        request,
                        gettext("Photo refused; %(name)s is emailed to send another.") % {"name": delegate.full_name},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Refuse the photo of %(name)s") % {"name": delegate.full_name},
            "opts": self.model._meta,
            "delegate": delegate,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/registrations/delegate/refuse_photo.html", context, status=status)
