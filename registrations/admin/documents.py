"""The convening's documents in the admin: visa-letter requests (for staff with
`registrations.view_visa_data`, the *Visa officers* group) and the list of participants (organizers).

Issue, decline and revoke are bulk actions with a confirmation page listing who is affected, then
one call to `services.visa` for exactly those requests. The passport details are shown only here,
read-only; no other admin page, list column, search or export reads them.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registrations import services
from registrations.admin.common import SelectedIdsChecked, organizer
from registrations.admin.decisions import parse_ids
from registrations.admin.site import site
from registrations.models import DelegateStatus, Event, VisaRequest
from registrations.outputs import participants_list
from registrations.rules.documents import passport_tail

VISA_PERMISSION = "registrations.view_visa_data"


class DeclineVisaForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required, sent to the delegates)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.visa.MAX_REASON_LENGTH,
        error_messages={"required": gettext_lazy("Give the delegates a reason.")},
    )


class RevokeVisaForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional, kept in the audit trail)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.visa.MAX_REASON_LENGTH,
    )


class IssueVisaForm(forms.Form):
    """Nothing to ask: the confirmation page lists who gets a letter."""


VISA_ACTIONS = {
    "issue_letters": (
        IssueVisaForm,
        services.issue_visa_letters,
        gettext_lazy("Issue visa letters"),
        gettext_lazy("Each delegate is emailed their signed letter, in their language. Approved delegates only."),
    ),
    "decline_letters": (
        DeclineVisaForm,
        services.decline_visa_letters,
        gettext_lazy("Decline visa letters"),
        gettext_lazy("Each delegate is emailed that no letter will be issued, with your reason."),
    ),
    "revoke_letters": (
        RevokeVisaForm,
        services.revoke_visa_letters,
        gettext_lazy("Revoke visa letters"),
        gettext_lazy("The verification page says “revoked” from now on."),
    ),
}


@admin.register(VisaRequest, site=site)
class VisaRequestAdmin(SelectedIdsChecked, admin.ModelAdmin):
    list_display = ["delegate", "event", "status", "requested_at", "issued_at"]
    list_filter = ["status", "delegate__event"]
    list_select_related = ["delegate__event", "delegate__institute"]
    search_fields = ["delegate__family_name", "delegate__given_name", "delegate__passport_name"]
    readonly_fields = [
        "delegate",
        "status",
        "passport_name",
        "nationality",
        "passport_number",
        "passport_expiry",
        "date_of_birth",
        "consulate",
        "decision_reason",
        "requested_at",
        "issued_at",
        "revoked_at",
        "erased_at",
    ]
    fields = readonly_fields
    actions = list(VISA_ACTIONS)

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(VISA_PERMISSION)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False  # a delegate asks, on their status page

    def has_change_permission(self, request, obj=None):
        return False  # decisions are the actions, each audited

    def has_delete_permission(self, request, obj=None):
        return False  # erased with the delegate (withdrawal, rejection, purge, erasure)

    def get_actions(self, request):
        return super().get_actions(request) if self._allowed(request) else {}

    @admin.display(description=gettext_lazy("event"), ordering="delegate__event")
    def event(self, obj):
        return obj.delegate.event

    @admin.display(description=gettext_lazy("name as in the passport"))
    def passport_name(self, obj):
        return obj.passport_name

    @admin.action(description=gettext_lazy("Issue visa letters…"))
    def issue_letters(self, request, queryset):
        return self._confirmed(request, queryset, "issue_letters")

    @admin.action(description=gettext_lazy("Decline visa letters…"))
    def decline_letters(self, request, queryset):
        return self._confirmed(request, queryset, "decline_letters")

    @admin.action(description=gettext_lazy("Revoke visa letters…"))
    def revoke_letters(self, request, queryset):
        return self._confirmed(request, queryset, "revoke_letters")

    def _confirmed(self, request, queryset, action: str):
        if not self._allowed(request):
            raise PermissionDenied
        form_class, decide, title, consequence = VISA_ACTIONS[action]
        if request.POST.get("confirm") == "yes":
            if "request_ids" in request.POST:
                queryset = queryset.filter(pk__in=parse_ids(request.POST["request_ids"]))
            form = form_class(request.POST)
            if form.is_valid():
                ids = list(queryset.order_by().values_list("pk", flat=True))
                result = decide(request_ids=ids, actor=organizer(request), **form.cleaned_data)
                if result.done:
                    self.message_user(
                        request,
                        ngettext("%(count)d letter done.", "%(count)d letters done.", len(result.done))
                        % {"count": len(result.done)},
                        messages.SUCCESS,
                    )
                for visa, reason in result.refused:
                    self.message_user(
                        request, _("%(name)s: %(reason)s") % {"name": visa.delegate, "reason": reason}, messages.WARNING
                    )
                return None
        else:
            form = form_class()
        requests = list(queryset.select_related("delegate__institute").order_by("delegate__family_name"))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "consequence": consequence,
            "opts": self.model._meta,
            "requests": [(visa, passport_tail(visa.passport_number)) for visa in requests],
            "request_ids": ",".join(str(visa.pk) for visa in requests),
            "first_id": requests[0].pk if requests else "",
            "action": action,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request,
            "admin/registrations/visarequest/confirmation.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )


# --------------------------------------------------------------------------- the list of participants


class ParticipantsListForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("pdf", gettext_lazy("PDF")), ("xlsx", gettext_lazy("XLSX"))]
    )


def participants_list_view(request, event_id: int):
    """The whole list, for organizers (`registrations.export_delegate`): choose language and format,
    download (audited); mark the list final or provisional again."""
    if not request.user.has_perm("registrations.export_delegate"):
        raise PermissionDenied
    event = get_object_or_404(Event, pk=event_id)
    if request.method == "POST" and request.POST.get("final") in ("0", "1"):
        final = request.POST["final"] == "1"
        services.mark_participants_list(event=event, final=final, actor=organizer(request))
        messages.success(request, _("The list is final.") if final else _("The list is provisional again."))
        return redirect("admin:registrations_event_participants", event_id=event.pk)
    form = ParticipantsListForm(request.GET or None)
    if form.is_bound and form.is_valid():
        language, file_format = form.cleaned_data["language"], form.cleaned_data["file_format"]
        out, count, content_type, filename = participants_list.participants_file(
            event, file_format=file_format, language=language
        )
        services.record_participants_list_download(
            event=event, actor=organizer(request), language=language, file_format=file_format, rows=count
        )
        return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)
    if form.is_bound:
        raise Http404
    return TemplateResponse(
        request,
        "admin/registrations/event/participants_list.html",
        {
            **site.each_context(request),
            "title": _("List of participants"),
            "event": event,
            "form": ParticipantsListForm(initial={"language": request.LANGUAGE_CODE, "file_format": "pdf"}),
            "opts": Event._meta,
        },
    )


def participants_list_urls():
    return [
        path(
            "<int:event_id>/participants-list/",
            site.admin_view(participants_list_view),
            name="registrations_event_participants",
        )
    ]


class HeadOfDelegationMixin:
    """The delegate list's action: mark the selected government delegate head of their delegation
    (one per delegation: the others of the same institute and event are unmarked). Mixed into
    `DelegateAdmin`; `services.set_head_of_delegation` writes and audits it."""

    @admin.action(description=gettext_lazy("Make head of delegation"), permissions=["change"])
    def make_head_of_delegation(self, request, queryset):
        delegates = list(queryset.filter(institute__isnull=False, status=DelegateStatus.APPROVED)[:2])
        if len(delegates) != 1:
            self.message_user(
                request, _("Select one approved government delegate to head their delegation."), messages.WARNING
            )
            return None
        services.set_head_of_delegation(delegate=delegates[0], head=True, actor=organizer(request))
        self.message_user(request, _("%(name)s heads the delegation.") % {"name": delegates[0].full_name})
        return None
