"""Delegates in the organizers' desk: the list, the decisions (approve, reject, return to pending)
and edits. Every decision and every save goes through `services`; the admin never writes a status,
a seat or a delegate itself."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from registrations import queries, services
from registrations.admin.attendance import BadgeActionsMixin
from registrations.admin.common import (
    ListedInVenueTime,
    RequestedInVenueTime,
    SelectedIdsChecked,
    changed_values,
    in_venue_time,
    in_venue_time_zone,
    organizer,
)
from registrations.admin.decisions import DecisionActionsMixin
from registrations.admin.documents import HeadOfDelegationMixin
from registrations.admin.exports import DelegateExportMixin
from registrations.admin.filters import DomainVerifiedFilter, SeatFilter, SessionFilter, TierFilter
from registrations.admin.messages import DelegateMessageMixin
from registrations.admin.photos import PhotoAdminMixin
from registrations.admin.site import site
from registrations.models import (
    CheckIn,
    Delegate,
    DelegateStatus,
    Endorsement,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
)
from registrations.rules import affiliation_error_field
from registrations.services.retention import mentions, personal_values
from registrations.web.form_fields import clean_email_address


class SessionRegistrationInline(RequestedInVenueTime, admin.TabularInline):
    """A delegate's sessions. Seats change only through decisions, so this is read-only."""

    model = SessionRegistration
    fields = ["session", "tier", "status", "cancel_reason", "requested"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session__event")

    @admin.display(description=_("tier"))
    def tier(self, obj):
        return obj.session.get_access_tier_display()


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


STATUS_CLASSES = {
    DelegateStatus.PENDING: "pending",
    DelegateStatus.APPROVED: "approved",
    DelegateStatus.REJECTED: "rejected",
    DelegateStatus.WITHDRAWN: "withdrawn",
}


@admin.register(Delegate, site=site)
class DelegateAdmin(
    SelectedIdsChecked,
    ListedInVenueTime,
    PhotoAdminMixin,
    DecisionActionsMixin,
    DelegateMessageMixin,
    BadgeActionsMixin,
    DelegateExportMixin,
    HeadOfDelegationMixin,
    admin.ModelAdmin,
):
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
        "language",
        "is_sample",
    ]
    # The institute by its name or its member ("Korea", "United Kingdom"), as organizers say it.
    search_fields = [
        "given_name",
        "family_name",
        "passport_name",
        "email",
        "organization",
        "institute__name",
        "institute__member",
    ]
    list_select_related = ["institute", "event"]
    list_per_page = 100
    date_hierarchy = "created_at"
    actions = [
        "approve_selected",
        "approve_without_endorsement",
        "reject_selected",
        "return_to_pending",
        "make_head_of_delegation",
    ]
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
        "photo_preview",
        "identity_check",
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
        (_("Delegate"), {"fields": ["given_name", "family_name", "passport_name", "email", "job_title", "country"]}),
        (_("Photo and identity"), {"fields": ["photo_preview", "identity_check"]}),
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # Per-row subqueries, not a join with GROUP BY: the database counts for the 100
                # delegates shown, so the changelist costs the same at 100 and at 10,000 delegates.
                requested_count=queries.seat_count(SeatStatus.REQUESTED),
                confirmed_count=queries.seat_count(SeatStatus.CONFIRMED),
                waitlisted_count=queries.seat_count(SeatStatus.WAITLISTED),
            )
        )

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


def forget_in_messages(request, delegates) -> None:
    """Drop this organizer's waiting messages that name the erased delegates ("The delegate “…” was
    changed"): the erasure scrubs stored sessions, but this request writes its own session back."""
    values = personal_values(delegates)
    waiting = list(messages.get_messages(request))  # marks them used: only those added again stay
    for message in waiting:
        if not mentions(str(message.message), values):
            messages.add_message(request, message.level, message.message, extra_tags=message.extra_tags)
