"""The organizers' decisions about delegates in the admin: approve (with or without the institute's
endorsement), reject, return to pending; each asks for confirmation on a page that lists who is
affected, then calls one service for exactly those delegates."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from registrations import services
from registrations.admin.common import clashed_message, organizer
from registrations.admin.decision_messages import (
    approved_message,
    pending_again_message,
    rejected_message,
    waitlisted_message,
)
from registrations.models import Delegate, Endorsement
from registrations.queries import decisions
from registrations.web.form_fields import is_database_id


def parse_ids(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if is_database_id(part)]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, sent to the delegates)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ReturnToPendingForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, kept in the audit trail)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ApproveForm(forms.Form):
    """Nothing to ask: the confirmation page lists who will be approved."""


class ApproveWithoutEndorsementForm(forms.Form):
    """Approving a government delegate their institute has not endorsed takes a reason (audited, shown
    to the institute's focal points)."""

    override_reason = forms.CharField(
        label=_("Reason for approving without the institute's endorsement (required; the institute sees it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": _("Give a reason: approving without endorsement is recorded and shown to the institute.")
        },
    )


# The confirmation pages of the bulk decisions: who is affected and what follows, before anything changes.
CONFIRMATIONS = {
    "approve_selected": {
        "title": _("Approve delegates"),
        "crumb": _("Approve"),
    },
    "approve_without_endorsement": {
        "title": _("Approve delegates without endorsement"),
        "crumb": _("Approve without endorsement"),
    },
    "reject_selected": {
        "title": _("Reject delegates"),
        "crumb": _("Reject"),
    },
    "return_to_pending": {
        "title": _("Return delegates to pending"),
        "crumb": _("Return to pending"),
    },
    "reissue_badges": {
        "title": _("Reissue badges"),
        "crumb": _("Reissue badge"),
    },
}


def declined_reason(queryset) -> dict:
    """The institute's reason, as the reject form's suggestion, when the delegates were declined for one reason."""
    reasons = set(
        queryset.filter(endorsement=Endorsement.DECLINED).order_by().values_list("endorsement_reason", flat=True)
    )
    return {"reason": reasons.pop()} if len(reasons) == 1 else {}


APPROVALS = frozenset({"approve_selected", "approve_without_endorsement"})


class DecisionActionsMixin:
    """The decision actions, the Approve and Reject buttons of a delegate's page, and their
    confirmation pages. Mixed into `DelegateAdmin`."""

    def has_decide_permission(self, request, obj=None):
        return request.user.has_perm("registrations.decide_delegate")

    def _report(self, request, result: services.DecisionResult, done_message) -> None:
        """Say what a decision did: `done_message(result)` for the delegates it moved, and each refusal."""
        if result.done:
            self.message_user(request, done_message(result), messages.SUCCESS)
        if result.waitlisted_in:
            self.message_user(request, waitlisted_message(result.waitlisted_in), messages.INFO)
        if result.clashed:
            self.message_user(request, clashed_message(result.clashed), messages.WARNING)
        for _delegate, reason in result.refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Approve selected delegates…"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=ApproveForm,
            decide=services.approve_delegates,
            report=approved_message,
            action="approve_selected",
        )

    @admin.action(description=_("Approve selected delegates without endorsement…"), permissions=["decide"])
    def approve_without_endorsement(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=ApproveWithoutEndorsementForm,
            decide=services.approve_delegates,
            report=approved_message,
            action="approve_without_endorsement",
        )

    def _confirmed_decision(self, request, queryset, *, form_class, decide, report: str, action: str):
        """Run a decision that needs a confirmation page: the first POST shows who is affected, the
        second (with confirm=yes) decides for exactly the delegates that page listed."""
        if request.POST.get("confirm") == "yes":
            if "delegate_ids" in request.POST:
                queryset = queryset.filter(pk__in=parse_ids(request.POST["delegate_ids"]))
            form = form_class(request.POST)
            if form.is_valid():
                result = decide(
                    delegate_ids=list(queryset.order_by().values_list("pk", flat=True)),
                    actor=organizer(request),
                    **form.cleaned_data,
                )
                self._report(request, result, report)
                return None
        else:
            form = form_class(initial=declined_reason(queryset) if form_class is RejectForm else None)
        return self._confirm(request, queryset, form, action=action)

    @admin.action(description=_("Reject selected delegates…"), permissions=["decide"])
    def reject_selected(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=RejectForm,
            decide=services.reject_delegates,
            report=rejected_message,
            action="reject_selected",
        )

    @admin.action(description=_("Return selected delegates to pending…"), permissions=["decide"])
    def return_to_pending(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=ReturnToPendingForm,
            decide=services.return_to_pending,
            report=pending_again_message,
            action="return_to_pending",
        )

    def _confirm(self, request, queryset, form, *, action: str, single: Delegate | None = None):
        delegates = list(queryset.select_related("institute").order_by("family_name", "given_name"))
        # Every selected id goes back: the decision itself says again why a skipped one stayed as it was.
        selected_ids = ",".join(str(d.pk) for d in delegates)
        skipped = []
        if action in APPROVALS:  # say before confirming who will stay as they are, and why
            will, skipped = decisions.approval_preview(delegates, override=action == "approve_without_endorsement")
            approving = {d.pk for d in will}
            delegates = [d for d in delegates if d.pk in approving]
        context = {
            **self.admin_site.each_context(request),
            **CONFIRMATIONS[action],
            "action": action,
            "opts": self.model._meta,
            "delegates": delegates,
            "skipped": skipped,
            # One field for all ids: a field per delegate would exceed DATA_UPLOAD_MAX_NUMBER_FIELDS (400).
            "delegate_ids": selected_ids,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "single": single,
        }
        return TemplateResponse(
            request,
            "admin/registrations/delegate/decision_confirmation.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="registrations_delegate_approve",
            ),
            path(
                "<int:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="registrations_delegate_reject",
            ),
            *super().get_urls(),
        ]

    def _decidable(self, request, object_id) -> Delegate:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        return get_object_or_404(Delegate, pk=object_id)

    def approve_view(self, request, object_id):
        # One click on the delegate's own page: the organizer is looking at the one person it approves.
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        delegate = self._decidable(request, object_id)
        result = services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer(request))
        self._report(request, result, approved_message)
        return HttpResponseRedirect(reverse("admin:registrations_delegate_change", args=[delegate.pk]))

    def reject_view(self, request, object_id):
        delegate = self._decidable(request, object_id)
        queryset = Delegate.objects.filter(pk=delegate.pk)
        if request.method == "POST":
            form = RejectForm(request.POST)
            if form.is_valid():
                result = services.reject_delegates(
                    delegate_ids=[delegate.pk],
                    actor=organizer(request),
                    reason=form.cleaned_data["reason"],
                )
                self._report(request, result, rejected_message)
                return HttpResponseRedirect(reverse("admin:registrations_delegate_change", args=[delegate.pk]))
        else:
            form = RejectForm(initial=declined_reason(queryset))
        return self._confirm(request, queryset, form, action="reject_selected", single=delegate)
