"""The organizers' desk. Every decision goes through `services`; the admin never writes a status itself."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from . import selectors, services
from .admin_exports import DelegateExportMixin, InstituteExportMixin, SessionExportMixin
from .forms import is_database_id
from .models import (
    ACTIVE_SEAT_STATUSES,
    AccessTier,
    AuditEntry,
    Delegate,
    DelegateStatus,
    Event,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)

# --------------------------------------------------------------------------- shared


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete from the admin (audit trail, outbox)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def in_venue_time_zone(request, event: Event | None, view):
    """Run an admin view, and render its page, in this event's time zone (forms read and show it)."""
    if event is None:
        return view()
    request.venue_time_zone = event.time_zone
    with timezone.override(event.tz):
        response = view()
        if hasattr(response, "render"):
            response.render()
    return response


def in_venue_time(moment, event: Event) -> str:
    if moment is None:
        return "-"
    local = timezone.localtime(moment, event.tz)
    return f"{local:%a %d %b %H:%M} {local.tzname()}"


# --------------------------------------------------------------------------- events and institutes


@admin.register(Event)
class EventAdmin(TranslationAdmin):
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        event = self.get_object(request, object_id) if object_id else None
        view = super().changeform_view
        return in_venue_time_zone(request, event, lambda: view(request, object_id, form_url, extra_context))

    list_display = [
        "name",
        "venue",
        "starts_on",
        "ends_on",
        "time_zone",
        "registration_opens_at",
        "registration_closes_at",
        "participant_list_visibility",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "venue"]


@admin.register(Institute)
class InstituteAdmin(InstituteExportMixin, admin.ModelAdmin):
    list_display = ["member", "name", "iso_code", "email_domains", "delegate_quota", "approved_delegates"]
    search_fields = ["member", "name", "email_domains"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(approved_count=Count("delegates", filter=Q(delegates__status=DelegateStatus.APPROVED)))
        )

    @admin.display(description=_("approved delegates (all events)"), ordering="approved_count")
    def approved_delegates(self, obj):
        return obj.approved_count


# --------------------------------------------------------------------------- sessions


class SessionAdminForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = "__all__"  # noqa: DJ007 - the admin form; fieldsets choose what shows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One message for every capacity refused (0, negative, below the confirmed seats): the service's.
        capacity = self.fields["capacity"]
        capacity.min_value = None
        capacity.validators = [v for v in capacity.validators if not isinstance(v, MinValueValidator)]
        capacity.widget.attrs.pop("min", None)

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        try:
            services.check_capacity(session=self.instance, capacity=capacity)
        except services.CapacityBelowConfirmed as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from None
        return capacity


class SessionRegistrationByDelegateInline(admin.TabularInline):
    """A session's confirmed and waitlisted delegates, read-only."""

    model = SessionRegistration
    fields = ["delegate_link", "affiliation", "status", "position", "requested_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("delegate")
    verbose_name_plural = _("confirmed and waitlisted delegates")
    ordering = ["status", "requested_at", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[SeatStatus.CONFIRMED, SeatStatus.WAITLISTED])
            .select_related("delegate__institute")
            .annotate(position=selectors.waitlist_position())
        )

    @admin.display(description=_("delegate"))
    def delegate_link(self, obj):
        url = reverse("admin:registrations_delegate_change", args=[obj.delegate_id])
        return format_html('<a href="{}">{}</a>', url, obj.delegate.full_name)

    @admin.display(description=_("affiliation"))
    def affiliation(self, obj):
        return obj.delegate.affiliation

    @admin.display(description=_("waitlist position"))
    def position(self, obj):
        return obj.position if obj.status == SeatStatus.WAITLISTED else ""


@admin.register(Session)
class SessionAdmin(SessionExportMixin, TranslationAdmin):
    form = SessionAdminForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Times are entered in the session's own venue's zone (the middleware uses the current event's).
        session = self.get_object(request, object_id) if object_id else None
        view = super().changeform_view
        return in_venue_time_zone(
            request, session.event if session else None, lambda: view(request, object_id, form_url, extra_context)
        )

    def get_readonly_fields(self, request, obj=None):
        # Seats and requests belong to the event the session is part of.
        return [*super().get_readonly_fields(request, obj), *(["event"] if obj is not None else [])]

    class Media:
        css = {"all": ["registrations/css/admin.css"]}

    list_display = [
        "title",
        "starts",
        "room",
        "access_tier",
        "capacity",
        "confirmed",
        "waitlisted",
        "seats_left",
    ]
    list_filter = ["event", "access_tier"]
    search_fields = ["title", "room"]
    inlines = [SessionRegistrationByDelegateInline]

    def get_queryset(self, request):
        return selectors.sessions_with_seats(super().get_queryset(request).select_related("event"))

    @admin.display(description=_("starts (venue time)"), ordering="starts_at")
    def starts(self, obj):
        return in_venue_time(obj.starts_at, obj.event)

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("waitlisted"), ordering="waitlisted_count")
    def waitlisted(self, obj):
        return obj.waitlisted_count

    @admin.display(description=_("seats left"), ordering="seats_left")
    def seats_left(self, obj):
        return obj.seats_left

    def save_model(self, request, obj, form, change):
        actor = services.Actor.organizer(request.user)
        new_capacity = None
        if change and "capacity" in form.changed_data:
            new_capacity = obj.capacity
            obj.capacity = form.initial["capacity"]
        obj.save()
        if change:
            services.record_session_change(
                session=obj,
                changes={
                    name: (str(form.initial.get(name, "")), str(form.cleaned_data.get(name, "")))
                    for name in form.changed_data
                    if name != "capacity"
                },
                actor=actor,
            )
        # The tier first: its cancellations tell every barred delegate (a promotion for the new
        # capacity would otherwise drop barred waitlisted delegates silently).
        if change and "access_tier" in form.changed_data and obj.access_tier == AccessTier.GOVERNMENT_ONLY:
            cancelled = services.enforce_session_tier(session=obj, actor=actor)
            if cancelled:
                self.message_user(
                    request,
                    _("%(n)d non-government seat(s) cancelled; those delegates were told.") % {"n": cancelled},
                    messages.WARNING,
                )
        if new_capacity is not None:
            promoted = services.change_capacity(session=obj, capacity=new_capacity, actor=actor)
            if promoted:
                self.message_user(request, _("%(n)d delegate(s) promoted from the waitlist.") % {"n": promoted})


# --------------------------------------------------------------------------- delegates


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


class SessionFilter(admin.SimpleListFilter):
    title = _("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in Session.objects.order_by("starts_at").values_list("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() and is_database_id(self.value()):
            return queryset.filter(
                session_registrations__session_id=int(self.value()),
                session_registrations__status__in=ACTIVE_SEAT_STATUSES,
            ).distinct()
        return queryset


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
                field = "institute" if data["stakeholder_type"] == StakeholderType.GOVERNMENT else "organization"
                if data.get("institute") and data["stakeholder_type"] != StakeholderType.GOVERNMENT:
                    field = "institute"
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


# The confirmation pages of the decisions that take something away.
CONFIRMATIONS = {
    "reject_selected": {
        "title": _("Reject delegates"),
        "explanation": _(
            "will be rejected. Their confirmed seats go to the first eligible delegates on each waitlist, who "
            "are notified. Each rejected delegate receives an email, with the reason if you give one."
        ),
        "verb": _("reject"),
        "crumb": _("Reject"),
    },
    "return_to_pending": {
        "title": _("Return delegates to pending"),
        "explanation": _(
            "will be pending again. Seats they hold are released now and go to the first eligible delegates on "
            "each waitlist; their requests wait for a new decision. Each receives an email saying their "
            "registration is under review again."
        ),
        "verb": _("return"),
        "crumb": _("Return to pending"),
    },
}


STATUS_CLASSES = {
    DelegateStatus.PENDING: "pending",
    DelegateStatus.APPROVED: "approved",
    DelegateStatus.REJECTED: "rejected",
    DelegateStatus.WITHDRAWN: "withdrawn",
}


@admin.register(Delegate)
class DelegateAdmin(DelegateExportMixin, admin.ModelAdmin):
    form = DelegateAdminForm
    list_display = [
        "full_name_display",
        "email",
        "status_label",
        "stakeholder_type",
        "affiliation_display",
        "sessions_summary",
        "domain_check",
        "created_at",
    ]
    list_filter = [
        "status",
        "stakeholder_type",
        "institute",
        SessionFilter,
        TierFilter,
        DomainVerifiedFilter,
        "event",
        "needs_visa_letter",
        "is_sample",
    ]
    search_fields = ["given_name", "family_name", "email", "organization"]
    list_select_related = ["institute"]
    list_per_page = 100
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected", "return_to_pending"]
    inlines = [SessionRegistrationInline]
    readonly_fields = ["status_label", "domain_check", "public_id", "created_at", "updated_at", "audit_link"]

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
        (_("Affiliation"), {"fields": ["stakeholder_type", "institute", "organization", "domain_check"]}),
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

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return format_html(
            '<span class="status-label status-{}">{}</span>',
            STATUS_CLASSES.get(obj.status, ""),
            obj.get_status_display(),
        )

    @admin.display(description=_("institute or organization"))
    def affiliation_display(self, obj):
        return obj.institute.name if obj.institute_id else obj.organization

    @admin.display(description=_("sessions"))
    def sessions_summary(self, obj):
        parts = []
        if obj.confirmed_count:
            parts.append(_("%(n)d confirmed") % {"n": obj.confirmed_count})
        if obj.waitlisted_count:
            parts.append(_("%(n)d waitlisted") % {"n": obj.waitlisted_count})
        if obj.requested_count:
            parts.append(_("%(n)d requested") % {"n": obj.requested_count})
        return " · ".join(str(p) for p in parts) or "-"

    @admin.display(description=_("email domain"), ordering="email_domain_verified")
    def domain_check(self, obj):
        if not obj.institute_id:
            return "-"
        if obj.email_domain_verified:
            return format_html('<span class="domain-ok">{}</span>', _("verified"))
        return format_html('<span class="domain-unverified">{}</span>', _("unverified"))

    @admin.display(description=_("audit trail"))
    def audit_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:registrations_auditentry_changelist") + f"?delegate__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every change to this registration"))

    # -- decisions ------------------------------------------------------------------

    def _report(self, request, result: services.DecisionResult, done_message: str):
        if result.done:
            self.message_user(
                request,
                done_message % {"n": len(result.done), "confirmed": result.confirmed, "waitlisted": result.waitlisted},
                messages.SUCCESS,
            )
        for _delegate, reason in result.refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Approve selected delegates"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        result = services.approve_delegates(
            delegate_ids=list(queryset.order_by().values_list("pk", flat=True)),
            actor=services.Actor.organizer(request.user),
        )
        self._report(
            request,
            result,
            _("Approved %(n)d delegate(s): %(confirmed)d seat(s) confirmed, %(waitlisted)d waitlisted."),
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
                    actor=services.Actor.organizer(request.user),
                    reason=form.cleaned_data["reason"],
                )
                self._report(request, result, report)
                return None
        else:
            form = form_class()
        return self._confirm(request, queryset, form, action=action)

    @admin.action(description=_("Reject selected delegates…"), permissions=["decide"])
    def reject_selected(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=RejectForm,
            decide=services.reject_delegates,
            report=_("Rejected %(n)d delegate(s); their seats went to the waitlist."),
            action="reject_selected",
        )

    @admin.action(description=_("Return selected delegates to pending…"), permissions=["decide"])
    def return_to_pending(self, request, queryset):
        return self._confirmed_decision(
            request,
            queryset,
            form_class=ReturnToPendingForm,
            decide=services.return_to_pending,
            report=_("%(n)d delegate(s) are pending again; the seats they held went to the waitlist."),
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
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        delegate = self._decidable(request, object_id)
        self.approve_selected(request, Delegate.objects.filter(pk=delegate.pk))
        return HttpResponseRedirect(reverse("admin:registrations_delegate_change", args=[delegate.pk]))

    def reject_view(self, request, object_id):
        delegate = self._decidable(request, object_id)
        queryset = Delegate.objects.filter(pk=delegate.pk)
        if request.method == "POST":
            form = RejectForm(request.POST)
            if form.is_valid():
                result = services.reject_delegates(
                    delegate_ids=[delegate.pk],
                    actor=services.Actor.organizer(request.user),
                    reason=form.cleaned_data["reason"],
                )
                self._report(request, result, _("Rejected %(n)d delegate(s); their seats went to the waitlist."))
                return HttpResponseRedirect(reverse("admin:registrations_delegate_change", args=[delegate.pk]))
        else:
            form = RejectForm()
        return self._confirm(request, queryset, form, action="reject_selected", single=delegate)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_decide": self.has_decide_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"stakeholder_type", "institute", "email"} & set(form.changed_data):
            cancelled = services.enforce_eligibility(delegate=obj, actor=services.Actor.organizer(request.user))
            if cancelled:
                self.message_user(
                    request,
                    _(
                        "%(n)d government-only seat(s) cancelled: the delegate is no longer government. "
                        "They have been told."
                    )
                    % {"n": cancelled},
                    messages.WARNING,
                )
        if change and form.changed_data:
            services.record_organizer_edit(
                delegate=obj, fields=form.changed_data, actor=services.Actor.organizer(request.user)
            )

    def get_deleted_objects(self, objs, request):
        # A delegate's queued emails go with them; nobody edits the outbox by hand otherwise.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {OutboundEmail._meta.verbose_name}, protected

    def delete_model(self, request, obj):
        services.erase_delegates(
            delegate_ids=[obj.pk], actor=services.Actor.organizer(request.user), reason="Deleted in the admin"
        )

    def delete_queryset(self, request, queryset):
        services.erase_delegates(
            delegate_ids=list(queryset.values_list("pk", flat=True)),
            actor=services.Actor.organizer(request.user),
            reason="Deleted in the admin",
        )


# --------------------------------------------------------------------------- records


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    class Media:
        css = {"all": ["registrations/css/admin.css"]}

    list_display = ["created_at", "actor", "action", "delegate", "session", "change", "reason"]
    list_filter = ["action", "actor_kind", "event"]
    search_fields = ["delegate__given_name", "delegate__family_name", "delegate__email", "actor_name", "reason"]
    list_select_related = ["delegate", "session"]
    date_hierarchy = "created_at"
    list_per_page = 100

    @admin.display(description=_("who"), ordering="actor_name")
    def actor(self, obj):
        return obj.actor_name or obj.get_actor_kind_display()

    @admin.display(description=_("from → to"))
    def change(self, obj):
        if not (obj.from_status or obj.to_status):
            return "-"
        return (
            f"{obj.from_status.replace('_', ' ').capitalize() or '-'} → {obj.to_status.replace('_', ' ').capitalize()}"
        )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "delegate", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["delegate"]
    search_fields = ["delegate__email"]
