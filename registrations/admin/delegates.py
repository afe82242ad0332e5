"""Delegates in the organizers' desk: the list, the decisions (approve, reject, return to pending)
and edits. Every decision and every save goes through `services`; the admin never writes a status,
a seat or a delegate itself."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..forms import clean_email_address, is_database_id
from ..models import (
    ACTIVE_SEAT_STATUSES,
    AccessTier,
    CheckIn,
    Delegate,
    DelegateStatus,
    Endorsement,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
)
from ..services.retention import mentions, personal_values
from ..services.rules import affiliation_error_field
from .attendance import BadgeActionsMixin
from .common import changed_values, clashed_message, in_venue_time, in_venue_time_zone, organizer
from .exports import DelegateExportMixin
from .messages import DelegateMessageMixin
from .site import site


class SessionRegistrationInline(admin.TabularInline):
    """A delegate's sessions. Seats change only through decisions, so this is read-only."""

    model = SessionRegistration
    fields = ["session", "tier", "status", "cancel_reason", "requested_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session")

    @admin.display(description=_("tier"))
    def tier(self, obj):
        return obj.session.get_access_tier_display()


class DomainVerifiedFilter(admin.SimpleListFilter):
    title = _("email domain")
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        return [("unverified", _("Email domain unverified")), ("verified", _("Email domain verified"))]

    def queryset(self, request, queryset):
        if self.value() == "unverified":
            return queryset.filter(institute__isnull=False, email_domain_verified=False)
        if self.value() == "verified":
            return queryset.filter(email_domain_verified=True)
        return queryset


def _seat_statuses(request) -> list[str]:
    """The seat statuses the "seat" filter asks for (all but cancelled when it is not set)."""
    seat = request.GET.get(SeatFilter.parameter_name)
    return [seat] if seat in SeatStatus.values else list(ACTIVE_SEAT_STATUSES)


class SessionFilter(admin.SimpleListFilter):
    """Delegates with a seat in one session: any seat but a cancelled one, or those the "seat" filter names."""

    title = _("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in Session.objects.order_by("starts_at").values_list("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() and is_database_id(self.value()):
            return queryset.filter(
                session_registrations__session_id=int(self.value()),
                session_registrations__status__in=_seat_statuses(request),
            ).distinct()
        return queryset


class SeatFilter(admin.SimpleListFilter):
    """Delegates holding a seat in this status: in the session the "session" filter names, else in any."""

    title = _("seat status")
    parameter_name = "seat"

    def lookups(self, request, model_admin):
        return SeatStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in SeatStatus.values:
            return queryset
        if is_database_id(request.GET.get(SessionFilter.parameter_name) or ""):
            return queryset  # SessionFilter applies both, on the same seat
        return queryset.filter(session_registrations__status=self.value()).distinct()


class TierFilter(admin.SimpleListFilter):
    title = _("session tier asked for")
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return AccessTier.choices

    def queryset(self, request, queryset):
        if self.value() in AccessTier.values:
            return queryset.filter(
                session_registrations__session__access_tier=self.value(),
                session_registrations__status__in=ACTIVE_SEAT_STATUSES,
            ).distinct()
        return queryset


def parse_ids(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if is_database_id(part)]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, sent to the delegates)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class DelegateAdminForm(forms.ModelForm):
    """Consent and institute quota, checked with a message instead of a database error.

    The model's consent constraint also reads `anonymized_at`, which is not on the form, so Django
    skips it when validating; without this check an unticked consent was an IntegrityError (a 500).
    """

    class Meta:
        model = Delegate
        fields = "__all__"  # noqa: DJ007 - the admin form; fieldsets choose what shows

    def clean_email(self):
        email = clean_email_address(self.cleaned_data["email"])
        event_id = self.instance.event_id if self.instance.pk else getattr(self.cleaned_data.get("event"), "pk", None)
        if event_id is not None and services.email_taken(event_id=event_id, email=email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(
                _("A delegate with this email is already registered for this event."), code="duplicate_email"
            )
        return email

    def clean_consent_data_processing(self):
        consent = self.cleaned_data.get("consent_data_processing")
        if not consent and self.instance.anonymized_at is None:
            raise forms.ValidationError(
                _(
                    "A delegate can only be registered with consent to data processing. If they withdrew it, "
                    "withdraw or reject the registration instead."
                ),
                code="consent",
            )
        return consent

    def clean(self):
        data = super().clean()
        if "stakeholder_type" in data:
            try:
                services.check_affiliation(
                    stakeholder_type=data["stakeholder_type"],
                    institute=data.get("institute"),
                    organization=data.get("organization") or "",
                )
            except services.NotEligible as refusal:
                field = affiliation_error_field(data["stakeholder_type"], data.get("institute"))
                self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        if "institute" in self.changed_data:
            try:
                services.check_institute_quota(delegate=self.instance, institute=data.get("institute"))
            except services.QuotaExceeded as refusal:
                self.add_error("institute", forms.ValidationError(refusal.message, code=refusal.code))
        return data


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


STATUS_CLASSES = {
    DelegateStatus.PENDING: "pending",
    DelegateStatus.APPROVED: "approved",
    DelegateStatus.REJECTED: "rejected",
    DelegateStatus.WITHDRAWN: "withdrawn",
}


@admin.register(Delegate, site=site)
class DelegateAdmin(DelegateMessageMixin, BadgeActionsMixin, DelegateExportMixin, admin.ModelAdmin):
    form = DelegateAdminForm
    list_display = [
        "full_name_display",
        "email_display",
        "status_label",
        "stakeholder_type",
        "affiliation_display",
        "sessions_summary",
        "domain_check",
        "registered",
    ]
    list_filter = [
        "status",
        "endorsement",
        "stakeholder_type",
        "institute",
        SessionFilter,
        SeatFilter,
        TierFilter,
        DomainVerifiedFilter,
        "event",
        "needs_visa_letter",
        "is_sample",
    ]
    # The institute by its name or its member ("Korea", "United Kingdom"), as organizers say it.
    search_fields = ["given_name", "family_name", "email", "organization", "institute__name", "institute__member"]
    list_select_related = ["institute", "event"]
    list_per_page = 100
    date_hierarchy = "created_at"
    actions = ["approve_selected", "approve_without_endorsement", "reject_selected", "return_to_pending"]
    inlines = [SessionRegistrationInline]
    readonly_fields = [
        "status_label",
        "domain_check",
        "endorsement_label",
        "endorsement_reason",
        "invitation",
        "public_id",
        "created_at",
        "updated_at",
        "audit_link",
    ]

    def get_readonly_fields(self, request, obj=None):
        # A registration belongs to its event for good (its seats are that event's), and being listed
        # as a participant is the delegate's own consent: an organizer can withdraw it, not give it.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("event")
            if not obj.consent_participant_list:
                fields.append("consent_participant_list")
        return fields

    fieldsets = [
        (None, {"fields": ["event", "status_label", "audit_link"]}),
        (_("Delegate"), {"fields": ["given_name", "family_name", "email", "job_title", "country"]}),
        (
            _("Affiliation"),
            {
                "fields": [
                    "stakeholder_type",
                    "institute",
                    "organization",
                    "domain_check",
                    "endorsement_label",
                    "endorsement_reason",
                    "invitation",
                ]
            },
        ),
        (_("Needs"), {"fields": ["dietary_needs", "accessibility_needs", "needs_visa_letter"]}),
        (_("Consent"), {"fields": ["consent_data_processing", "consent_participant_list"]}),
        (_("Record"), {"fields": ["is_sample", "public_id", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    change_form_template = "admin/registrations/delegate/change_form.html"

    class Media:
        css = {"all": ["registrations/css/admin.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # Per-row subqueries, not a join with GROUP BY: the database counts for the 100
                # delegates shown, so the changelist costs the same at 100 and at 10,000 delegates.
                requested_count=selectors.seat_count(SeatStatus.REQUESTED),
                confirmed_count=selectors.seat_count(SeatStatus.CONFIRMED),
                waitlisted_count=selectors.seat_count(SeatStatus.WAITLISTED),
            )
        )

    # -- permissions ----------------------------------------------------------------

    def has_decide_permission(self, request, obj=None):
        return request.user.has_perm("registrations.decide_delegate")

    # -- columns --------------------------------------------------------------------

    @admin.display(description=_("name"), ordering="family_name")
    def full_name_display(self, obj):
        return obj.full_name

    @admin.display(description=_("email"), ordering="email")
    def email_display(self, obj):
        # A line may break before each "@" and "." (<wbr>), so a long address wraps where it reads well
        # instead of widening the list past its pane.
        return format_html_join(mark_safe("<wbr>"), "{}", ((part,) for part in re.split(r"(?=[@.])", obj.email)))

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        # The institute's endorsement under the status: the list keeps its columns at 1280 px.
        return format_html(
            '<span class="status-label status-{}">{}</span>{}',
            STATUS_CLASSES.get(obj.status, ""),
            obj.get_status_display(),
            format_html("<br>{}", self.endorsement_label(obj)) if self._shows_endorsement(obj) else "",
        )

    @staticmethod
    def _shows_endorsement(obj) -> bool:
        return obj.is_government and (obj.event.endorsement_required or obj.endorsement != Endorsement.PENDING)

    @admin.display(description=_("institute or organization"))
    def affiliation_display(self, obj):
        return obj.affiliation

    @admin.display(description=_("sessions"))
    def sessions_summary(self, obj):
        parts = []
        if obj.confirmed_count:
            parts.append(_("%(n)d confirmed") % {"n": obj.confirmed_count})
        if obj.waitlisted_count:
            parts.append(_("%(n)d waitlisted") % {"n": obj.waitlisted_count})
        if obj.requested_count:
            parts.append(_("%(n)d requested") % {"n": obj.requested_count})
        if not parts:
            return "-"
        # Each count stays on one line; in a narrow column the counts wrap onto lines of their own.
        return format_html_join(
            " ", '<span class="seat-count">{}</span>', [(f"{p} ·",) for p in parts[:-1]] + [(parts[-1],)]
        )

    @admin.display(description=_("email domain"), ordering="email_domain_verified")
    def domain_check(self, obj):
        if not obj.institute_id:
            return "-"
        if obj.email_domain_verified:
            return format_html('<span class="domain-ok">{}</span>', _("verified"))
        return format_html('<span class="domain-unverified">{}</span>', _("unverified"))

    @admin.display(description=_("endorsement"), ordering="endorsement")
    def endorsement_label(self, obj):
        if not self._shows_endorsement(obj):
            return "-"
        return format_html(
            '<span class="endorsement endorsement-{}">{}</span>', obj.endorsement, obj.get_endorsement_display()
        )

    @admin.display(description=_("registered (venue time)"), ordering="created_at")
    def registered(self, obj):
        return in_venue_time(obj.created_at, obj.event)

    @admin.display(description=_("audit trail"))
    def audit_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:registrations_auditentry_changelist") + f"?delegate__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every change to this registration"))

    # -- decisions ------------------------------------------------------------------

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
        context = {
            **self.admin_site.each_context(request),
            **CONFIRMATIONS[action],
            "action": action,
            "opts": self.model._meta,
            "delegates": delegates,
            # One field for all ids: a field per delegate would exceed DATA_UPLOAD_MAX_NUMBER_FIELDS (400).
            "delegate_ids": ",".join(str(d.pk) for d in delegates),
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Times in the delegate's own event's zone, named in the header.
        delegate = self.get_object(request, object_id) if object_id else None
        view = super().changeform_view
        return in_venue_time_zone(
            request, delegate.event if delegate else None, lambda: view(request, object_id, form_url, extra_context)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_decide": self.has_decide_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            services.create_delegate(delegate=obj, actor=organizer(request))
            return
        result = services.update_delegate(delegate=obj, changes=changed_values(form), actor=organizer(request))
        if result.cancelled:
            self.message_user(
                request,
                ngettext(
                    "%(n)d government-only seat cancelled: the delegate is no longer government. They have been told.",
                    "%(n)d government-only seats cancelled: the delegate is no longer government. They have been told.",
                    result.cancelled,
                )
                % {"n": result.cancelled},
                messages.WARNING,
            )

    def get_deleted_objects(self, objs, request):
        # A delegate's queued emails and check-ins go with them (erasure: `services.erase_delegates`);
        # nobody edits the outbox or the check-ins by hand otherwise.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        erased_with_them = {OutboundEmail._meta.verbose_name, CheckIn._meta.verbose_name}
        return deleted, counts, perms_needed - erased_with_them, protected

    def log_deletions(self, request, queryset):
        # Django's entry would keep the name (str(obj)) in django_admin_log after the erasure.
        content_type = ContentType.objects.get_for_model(Delegate, for_concrete_model=False)
        return LogEntry.objects.bulk_create(
            [
                LogEntry(
                    user_id=request.user.pk,
                    content_type=content_type,
                    object_id=str(delegate.pk),
                    object_repr=services.ERASED_REPR,
                    action_flag=DELETION,
                )
                for delegate in queryset
            ]
        )

    def response_delete(self, request, obj_display, obj_id):
        # The "deleted successfully" message may wait in the session: it names nobody either.
        return super().response_delete(request, services.ERASED_REPR, obj_id)

    def delete_model(self, request, obj):
        services.erase_delegates(
            delegate_ids=[obj.pk], actor=organizer(request), reason=gettext("Deleted in the admin")
        )
        forget_in_messages(request, [obj])

    def delete_queryset(self, request, queryset):
        delegates = list(queryset)
        services.erase_delegates(
            delegate_ids=[d.pk for d in delegates], actor=organizer(request), reason=gettext("Deleted in the admin")
        )
        forget_in_messages(request, delegates)


def declined_reason(queryset) -> dict:
    """The institute's reason, as the reject form's suggestion, when the delegates were declined for one reason."""
    reasons = set(
        queryset.filter(endorsement=Endorsement.DECLINED).order_by().values_list("endorsement_reason", flat=True)
    )
    return {"reason": reasons.pop()} if len(reasons) == 1 else {}


def forget_in_messages(request, delegates) -> None:
    """Drop this organizer's waiting messages that name the erased delegates ("The delegate “…” was
    changed"): the erasure scrubs stored sessions, but this request writes its own session back."""
    values = personal_values(delegates)
    waiting = list(messages.get_messages(request))  # marks them used: only those added again stay
    for message in waiting:
        if not mentions(str(message.message), values):
            messages.add_message(request, message.level, message.message, extra_tags=message.extra_tags)


def approved_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext(
        "Approved %(n)d delegate: %(confirmed)s, %(waitlisted)s.",
        "Approved %(n)d delegates: %(confirmed)s, %(waitlisted)s.",
        n,
    ) % {
        "n": n,
        "confirmed": ngettext("%(n)d seat confirmed", "%(n)d seats confirmed", result.confirmed)
        % {"n": result.confirmed},
        "waitlisted": ngettext("%(n)d waitlisted", "%(n)d waitlisted", result.waitlisted) % {"n": result.waitlisted},
    }


def freed_seats_message(result: services.DecisionResult) -> str:
    """What became of the seats a decision took back: only confirmed seats go to the waitlists."""
    if not result.freed:
        return ""
    return " " + ngettext(
        "%(seats)d confirmed seat was released for the waitlists.",
        "%(seats)d confirmed seats were released for the waitlists.",
        result.freed,
    ) % {"seats": result.freed}


def rejected_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext("Rejected %(n)d delegate.", "Rejected %(n)d delegates.", n) % {"n": n} + freed_seats_message(result)


def pending_again_message(result: services.DecisionResult) -> str:
    n = len(result.done)
    return ngettext("%(n)d delegate is pending again.", "%(n)d delegates are pending again.", n) % {
        "n": n
    } + freed_seats_message(result)


WAITLIST_NAMES_SHOWN = 10


def waitlisted_message(waitlisted_in: list[tuple[Delegate, str]]) -> str:
    """Who went to which waitlist: the first few by name, then how many more."""
    shown = "; ".join(f"{delegate.full_name} ({title})" for delegate, title in waitlisted_in[:WAITLIST_NAMES_SHOWN])
    more = len(waitlisted_in) - WAITLIST_NAMES_SHOWN
    if more > 0:
        return ngettext("Waitlisted: %(names)s and %(n)d more.", "Waitlisted: %(names)s and %(n)d more.", more) % {
            "names": shown,
            "n": more,
        }
    return _("Waitlisted: %(names)s.") % {"names": shown}
