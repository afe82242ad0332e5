"""Institutes' focal points: organizers create them (an activation link goes out by email), switch
them off (their portal access ends at their next request) and send the link again. Every write goes
through `services.endorsements`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations import services
from registrations.admin.common import organizer
from registrations.admin.site import site
from registrations.models import FocalPoint, Institute
from registrations.queries import focal_points
from registrations.services import endorsements


class FocalPointCreationForm(forms.ModelForm):
    email = forms.EmailField(label=_("email"), max_length=254)
    given_name = forms.CharField(label=_("given name"), max_length=150)
    family_name = forms.CharField(label=_("family name"), max_length=150)

    class Meta:
        model = FocalPoint
        fields = ["institute", "language"]

    def clean_email(self):
        try:
            email = services.normalize_email(self.cleaned_data["email"])
        except services.RegistrationError as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from refusal
        if focal_points.account_taken(email):
            raise forms.ValidationError(_("This address already has an account."), code="taken")
        return email


@admin.register(FocalPoint, site=site)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email_display", "institute", "is_active", "language", "is_sample"]
    list_filter = ["is_active", "institute", "is_sample"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "institute__member"]
    list_select_related = ["user", "institute"]
    actions = ["send_activation_link"]
    readonly_fields = ["user", "institute", "created_at", "last_digest_at"]
    fields = ["user", "institute", "is_active", "language", "created_at", "last_digest_at"]

    @admin.display(description=_("email"), ordering="user__email")
    def email_display(self, obj):
        return obj.user.email

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FocalPointCreationForm
            kwargs["fields"] = ["institute", "email", "given_name", "family_name", "language"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["institute", "email", "given_name", "family_name", "language"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "institute":
            kwargs["queryset"] = Institute.objects.order_by("member")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            result = endorsements.update_focal_point(
                focal_point=obj,
                is_active=form.cleaned_data["is_active"],
                language=form.cleaned_data["language"] or settings.LANGUAGE_CODE,
                actor=organizer(request),
            )
        else:
            result = endorsements.create_focal_point(
                institute=form.cleaned_data["institute"],
                email=form.cleaned_data["email"],
                given_name=form.cleaned_data["given_name"],
                family_name=form.cleaned_data["family_name"],
                language=form.cleaned_data["language"] or settings.LANGUAGE_CODE,
                actor=organizer(request),
            )
            self.message_user(request, _("The activation link is on its way to %(email)s.") % {"email": result.email})
        obj.pk, obj.user_id = result.pk, result.user_id

    def has_delete_permission(self, request, obj=None):
        # Switch a focal point off instead: their audit trail keeps their name.
        return False

    @admin.action(description=_("Send the activation link again"))
    def send_activation_link(self, request, queryset):
        n = endorsements.send_activation(
            focal_point_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request)
        )
        self.message_user(
            request,
            ngettext("Activation link sent to %(n)d focal point.", "Activation link sent to %(n)d focal points.", n)
            % {"n": n},
        )
