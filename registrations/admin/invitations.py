"""Invitations in the organizers' admin: create and edit, import from CSV or XLSX (a preview, then
all rows or none), send, resend, remind, revoke, and the funnel. Every write goes through
`services.invitations` (or `services.invitation_import`), audited."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations import queries, services
from registrations.admin.common import changed_values, in_venue_time, in_venue_time_zone, organizer
from registrations.admin.invitation_forms import CoveredSessionFilter, InvitationAdminForm
from registrations.admin.site import site
from registrations.models import AuditEntry, Event, Invitation, InvitationStatus
from registrations.queries import links
from registrations.services import invitation_import, invitation_sending, invitations
from registrations.web.form_fields import is_database_id

IMPORT_SALT = "registrations.invitation-import"


@admin.register(Invitation, site=site)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationAdminForm
    list_display = [
        "invitee",
        "organization",
        "kind_label",
        "stakeholder_type",
        "status_label",
        "used",
        "covers",
        "expires",
        "sent",
    ]
    list_filter = ["status", CoveredSessionFilter, "kind", "stakeholder_type", "event", "holds_seats", "is_sample"]
    search_fields = ["email", "name", "organization"]
    list_select_related = ["event"]
    list_per_page = 100
    actions = ["send_selected", "remind_selected", "revoke_selected"]
    change_list_template = "admin/registrations/invitation/change_list.html"
    readonly_fields = [
        "status_label",
        "used",
        "link",
        "created_by",
        "created_at",
        "sent_at",
        "opened_at",
        "declined_at",
        "last_reminder_at",
        "audit_link",
    ]
    fieldsets = [
        (None, {"fields": ["event", "status_label", "used", "link", "audit_link"]}),
        (
            _("Who"),
            {
                "fields": [
                    "kind",
                    "email",
                    "email_domains",
                    "max_uses",
                    "name",
                    "organization",
                    "stakeholder_type",
                    "language",
                ]
            },
        ),
        (_("What"), {"fields": ["sessions", "holds_seats", "pre_approved", "expires_at"]}),
        (
            _("Record"),
            {
                "fields": [
                    "is_sample",
                    "created_by",
                    "created_at",
                    "sent_at",
                    "opened_at",
                    "declined_at",
                    "last_reminder_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sessions")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("event")  # its sessions and seats are that event's
            if obj.status not in (InvitationStatus.DRAFT, InvitationStatus.SENT, InvitationStatus.OPENED) or obj.uses:
                fields += ["kind", "email", "stakeholder_type", "organization"]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail and the guests who registered keep their invitation

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The expiry is typed and shown in the venue's time: the invitation's event, or for a new one
        # the event chosen in the form (or given by ?event=, else the current event).
        if object_id:
            invitation = self.get_object(request, object_id)
            event = invitation.event if invitation else None
        else:
            event = self._new_invitation_event(request)
        view = super().changeform_view
        return in_venue_time_zone(request, event, lambda: view(request, object_id, form_url, extra_context))

    def _new_invitation_event(self, request) -> Event | None:
        """The event of an invitation being added: the one posted, else ?event=, else the current event."""
        value = request.POST.get("event") if request.method == "POST" else request.GET.get("event")
        if value and is_database_id(value):
            event = Event.objects.filter(pk=int(value)).first()
            if event is not None:
                return event
        return queries.current_event()

    def get_changeform_initial_data(self, request):
        # As the import does: the event preselected, the expiry its registration deadline.
        initial = super().get_changeform_initial_data(request)
        event = self._new_invitation_event(request)
        if event is not None:
            initial["event"] = event.pk
            initial.setdefault("expires_at", event.registration_closes_at)
        return initial

    # -- columns ----------------------------------------------------------------------

    @admin.display(description=_("invitee"), ordering="email")
    def invitee(self, obj):
        if obj.name and obj.email:
            return f"{obj.name} <{obj.email}>"
        return obj.name or obj.email or "-"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return _("Personal") if obj.is_personal else _("Organization code")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return format_html('<span class="badge invitation-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=_("used"))
    def used(self, obj):
        return f"{obj.uses} / {obj.max_uses}"

    @admin.display(description=_("sessions covered"))
    def covers(self, obj):
        return "; ".join(s.title for s in obj.sessions.all())

    @admin.display(description=_("expires (venue time)"), ordering="expires_at")
    def expires(self, obj):
        return in_venue_time(obj.expires_at, obj.event)

    @admin.display(description=_("sent (venue time)"), ordering="sent_at")
    def sent(self, obj):
        return in_venue_time(obj.sent_at, obj.event)

    @admin.display(description=_("link"))
    def link(self, obj):
        if obj.pk is None:
            return "-"
        url = links.invitation_url(obj)
        return format_html('<a href="{}" class="invitation-link">{}</a>', url, url)

    @admin.display(description=_("history"))
    def audit_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:registrations_auditentry_changelist") + f"?invitation__id__exact={obj.pk}"
        count = AuditEntry.objects.filter(invitation=obj).count()
        return format_html('<a href="{}">{}</a>', url, ngettext("%d entry", "%d entries", count) % count)

    # -- writes -----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        sessions = list(form.cleaned_data["sessions"])
        if not change:
            invitations.create_invitation(invitation=obj, sessions=sessions, actor=organizer(request))
        else:
            changes = {n: v for n, v in changed_values(form).items() if n != "sessions"}
            invitations.update_invitation(invitation=obj, changes=changes, sessions=sessions, actor=organizer(request))
        if "_send" in request.POST:  # "Save and send"
            self.send_selected(request, Invitation.objects.filter(pk=obj.pk))
        elif obj.status == InvitationStatus.DRAFT:
            self.message_user(
                request,
                _(
                    "Saved as a draft: nobody has been emailed. Press “Save and send”, or select it in the list "
                    "and choose “Send (or send again) the selected invitations”."
                ),
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        # The sessions were saved by the service, with the rules.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _report(self, request, result: invitation_sending.InvitationResult, done: Callable[[int], str]) -> None:
        """`done(n)`: the message for n invitations done (ngettext, so one reads "1 invitation")."""
        if result.done:
            n = len(result.done)
            self.message_user(request, done(n) % {"n": n}, messages.SUCCESS)
        for _invitation, message in result.refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Send (or send again) the selected invitations"), permissions=["change"])
    def send_selected(self, request, queryset):
        result = invitation_sending.send_invitations(
            invitation_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request)
        )
        self._report(
            request,
            result,
            lambda n: ngettext("%(n)d invitation queued for sending.", "%(n)d invitations queued for sending.", n),
        )

    @admin.action(description=_("Send a reminder for the selected invitations"), permissions=["change"])
    def remind_selected(self, request, queryset):
        result = invitation_sending.remind_invitations(
            invitation_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request)
        )
        self._report(
            request,
            result,
            lambda n: ngettext("%(n)d reminder queued for sending.", "%(n)d reminders queued for sending.", n),
        )

    @admin.action(description=_("Revoke the selected invitations"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        # Asks first (as Django's delete does): a revoked link never works again.
        if request.POST.get("confirm") != "yes":
            selected = list(queryset.select_related("event").order_by("email", "organization", "pk"))
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Revoke invitations?"),
                "invitations": selected,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/registrations/invitation/revoke_confirmation.html", context)
        result = invitation_sending.revoke_invitations(
            invitation_ids=list(queryset.values_list("pk", flat=True)), actor=organizer(request)
        )
        self._report(
            request,
            result,
            lambda n: ngettext(
                "%(n)d invitation revoked; its link no longer works.",
                "%(n)d invitations revoked; their links no longer work.",
                n,
            ),
        )

    # -- import and funnel ------------------------------------------------------------

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="registrations_invitation_import"),
            path("funnel/", self.admin_site.admin_view(self.funnel_view), name="registrations_invitation_funnel"),
            *super().get_urls(),
        ]

    def _event(self, request) -> Event | None:
        value = request.POST.get("event") or request.GET.get("event")
        if value and is_database_id(value):
            return get_object_or_404(Event, pk=int(value))
        return queries.current_event()

    def import_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:registrations_invitation_changelist"))
        event = self._event(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import invitations"),
            "event": event,
            "events": Event.objects.order_by("-starts_on"),
            "columns": invitation_import.COLUMNS,
            "preview": None,
        }
        status = 200
        if request.method == "POST" and event is not None:
            try:
                if "payload" in request.POST:
                    rows = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=3600)
                    created = invitation_import.import_rows(event=event, rows=rows, actor=organizer(request))
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d invitation imported as a draft: select them and send.",
                            "%(n)d invitations imported as drafts: select them and send.",
                            created,
                        )
                        % {"n": created},
                        messages.SUCCESS,
                    )
                    url = reverse("admin:registrations_invitation_changelist")
                    return HttpResponseRedirect(f"{url}?status__exact=draft&event__id__exact={event.pk}")
                upload = request.FILES.get("file")
                if upload is None:
                    raise invitation_import.ImportRefused(_("Choose a CSV or XLSX file."))
                rows = invitation_import.read_rows(upload.name, upload.read())
                preview = invitation_import.preview(event=event, rows=rows)
                context["preview"] = preview
                if preview.ok:
                    context["payload"] = signing.dumps(rows, salt=IMPORT_SALT, compress=True)
                else:
                    status = 400
            except signing.BadSignature:
                self.message_user(request, _("The preview has expired: upload the file again."), messages.ERROR)
                status = 400
            except services.RegistrationError as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                status = 400
        with timezone.override(event.tz if event else timezone.get_current_timezone()):
            response = TemplateResponse(request, "admin/registrations/invitation/import.html", context, status=status)
            response.render()
        return response

    def funnel_view(self, request):
        event = self._event(request)
        per_session, total = queries.invitation_funnel(event) if event else ([], {})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Invitation funnel"),
            "event": event,
            "events": Event.objects.order_by("-starts_on"),
            "per_session": per_session,
            "total": total,
            "stages": queries.FUNNEL_STAGES,
        }
        return TemplateResponse(request, "admin/registrations/invitation/funnel.html", context)
