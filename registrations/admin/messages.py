"""Writing to a group of delegates, and saving the delegate list's filters under a name.

Mixed into the delegate admin. The group is the changelist's own queryset for the address's filters
(a filtered list, a session's confirmed or waitlist: `?session=<id>&seat=waitlisted`), or the ids of
a selection (`?ids=1,2,3`, from the "Write to selected" action). Three steps on one page: write,
preview (one real recipient, the number of recipients), send. Only staff with
`registrations.message_delegate` (Organizers) reach it; the writes are `services.messages`.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin
from django.contrib import messages as flash
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registrations.admin.common import ReadOnlyAdmin, organizer, saved_view_links
from registrations.admin.site import site
from registrations.models import Delegate, DelegateMessage, SavedView
from registrations.outputs import emails
from registrations.queries import messages as message_text
from registrations.services import messages
from registrations.web.form_fields import is_database_id

MESSAGE_PERMISSION = "registrations.message_delegate"
# Changelist parameters that do not narrow the group.
NOT_FILTERS = {"o", "p", "e", "all", "_facets", "_popup", "_to_field", "ids"}
MAX_SELECTED_IN_ADDRESS = 1000


class MessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=messages.MAX_SUBJECT)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
    )
    key = forms.UUIDField(widget=forms.HiddenInput)
    count = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean(self):
        data = super().clean()
        if "subject" in data and "body" in data:
            try:
                messages.check_text(subject=data["subject"], body=data["body"])
            except messages.MessageRefused as refusal:
                raise forms.ValidationError(refusal.message, code="placeholder") from None
        return data


class SaveViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    shared = forms.BooleanField(label=gettext_lazy("Shared with all organizers"), required=False)


class DelegateMessageMixin:
    """The "Write to these delegates" button, the "Write to selected" action and the compose page;
    the "Save this view" page of the changelist, and the saved views above the list."""

    def changelist_view(self, request, extra_context=None):
        context = {**(extra_context or {}), "saved_views": saved_view_links(request.user)}
        return super().changelist_view(request, context)

    def has_message_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm(MESSAGE_PERMISSION)

    def get_urls(self):
        return [
            path("message/", self.admin_site.admin_view(self.message_view), name="registrations_delegate_message"),
            path("save-view/", self.admin_site.admin_view(self.save_view), name="registrations_delegate_save_view"),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if actions is not None and self.actions is not None and self.has_message_permission(request):
            func, name, description = self.get_action("message_selected")
            if "_popup" not in request.GET:
                actions[name] = (func, name, description)
        return actions

    def message_selected(self, request, queryset):
        if not self.has_message_permission(request):
            raise PermissionDenied
        filters = {k: v for k, v in request.GET.items() if k not in NOT_FILTERS}
        if request.POST.get("select_across") == "1":
            return HttpResponseRedirect(f"{reverse('admin:registrations_delegate_message')}?{urlencode(filters)}")
        ids = [pk for pk in request.POST.getlist(ACTION_CHECKBOX_NAME) if is_database_id(pk)]
        if len(ids) > MAX_SELECTED_IN_ADDRESS:
            self.message_user(
                request,
                _("Too many delegates selected for one message; filter the list and write to the filtered list."),
                flash.ERROR,
            )
            return None
        return HttpResponseRedirect(f"{reverse('admin:registrations_delegate_message')}?ids={','.join(ids)}")

    message_selected.short_description = gettext_lazy("Write to selected delegates")

    # -- the group ---------------------------------------------------------------------------

    def message_group(self, request):
        """(group queryset, scope for the audit trail, querystring to come back with)."""
        raw_ids = request.GET.get("ids")
        if raw_ids is not None:
            ids = sorted({int(part) for part in raw_ids.split(",") if is_database_id(part)})
            return Delegate.objects.filter(pk__in=ids), {"selected": ids}, urlencode({"ids": ",".join(map(str, ids))})
        filters = {k: v for k, v in request.GET.lists() if k not in NOT_FILTERS}
        back = urlencode(filters, doseq=True)
        listing = request.GET.copy()
        for key in NOT_FILTERS & set(listing):
            listing.pop(key)
        request.GET = listing
        queryset = self.get_changelist_instance(request).queryset
        scope = {"changelist": {k: v if len(v) > 1 else v[0] for k, v in filters.items()}}
        return queryset, scope, back

    def message_view(self, request):
        if not self.has_message_permission(request):
            raise PermissionDenied
        try:
            group, scope, back = self.message_group(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                _("These filters are not valid for the delegate list; go back to the list and filter again."),
                content_type="text/plain; charset=utf-8",
            )
        people = messages.recipients(group)
        count = people.count()
        first = people.select_related("event").first()
        form = MessageForm(request.POST or None, initial={"key": uuid.uuid4()})
        preview = None
        status = 200
        if request.method == "POST" and not form.is_valid():
            status = 400
        elif request.method == "POST":
            data = form.cleaned_data
            group_changed = False
            if "send" in request.POST and data.get("count") is not None:
                try:
                    result = messages.send_message(
                        actor=organizer(request),
                        group=group,
                        subject=data["subject"],
                        body=data["body"],
                        idempotency_key=data["key"],
                        scope=scope,
                        expected_count=data["count"],
                    )
                except messages.GroupChanged as changed:
                    form.add_error(None, changed.message)
                    count, group_changed, status = changed.count, True, 409
                except messages.MessageRefused as refusal:
                    form.add_error(None, refusal.message)
                    status = 400
                else:
                    return self._sent(request, result, back)
            if first is not None and "edit" not in request.POST and (group_changed or not form.errors):
                rendered = emails.render_organizer_message(
                    DelegateMessage(subject=data["subject"], body=data["body"]),
                    first,
                    status_link=_("[the recipient's own private link]"),
                )
                preview = {"recipient": first, "subject": rendered.subject, "text": rendered.body}
                errors = form.non_field_errors()
                form = MessageForm(initial={**data, "count": count})
                preview["errors"] = errors
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Write to delegates"),
            "form": form,
            "count": count,
            "languages": message_text.recipient_languages(people),
            "preview": preview,
            "placeholders": [("{" + name + "}", label) for name, label in messages.PLACEHOLDERS.items()],
            "back": back,
            "scope": scope,
        }
        return TemplateResponse(request, "admin/registrations/delegate/message.html", context, status=status)

    def _sent(self, request, result, back):
        n = result.message.recipient_count
        if result.created:
            text = ngettext(
                "Message “%(subject)s” queued for %(n)d delegate.",
                "Message “%(subject)s” queued for %(n)d delegates.",
                n,
            )
        else:
            text = ngettext(
                "Message “%(subject)s” was already sent (to %(n)d delegate); it was not sent again.",
                "Message “%(subject)s” was already sent (to %(n)d delegates); it was not sent again.",
                n,
            )
        self.message_user(request, text % {"subject": result.message.subject, "n": n}, flash.SUCCESS)
        changelist = reverse("admin:registrations_delegate_changelist")
        return HttpResponseRedirect(changelist if back.startswith("ids=") else f"{changelist}?{back}")

    # -- saved views -------------------------------------------------------------------------

    def save_view(self, request):
        """Save the changelist's current filters (the address's querystring) under a name."""
        if not self.has_view_permission(request) or not request.user.has_perm("registrations.add_savedview"):
            raise PermissionDenied
        querystring = urlencode([(k, v) for k, v in request.GET.items() if k not in NOT_FILTERS - {"o"}])
        form = SaveViewForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                view = messages.save_view(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    querystring=querystring,
                    shared=form.cleaned_data["shared"],
                )
            except messages.MessageRefused as refusal:
                form.add_error(None, refusal.message)
                status = 400
            else:
                self.message_user(
                    request, _("View “%(name)s” saved; it is on the dashboard.") % {"name": view.name}, flash.SUCCESS
                )
                return HttpResponseRedirect(f"{reverse('admin:registrations_delegate_changelist')}?{querystring}")
        elif request.method == "POST":
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Save this view of the delegate list"),
            "form": form,
            "querystring": querystring,
        }
        return TemplateResponse(request, "admin/registrations/delegate/save_view.html", context, status=status)


@admin.register(DelegateMessage, site=site)
class DelegateMessageAdmin(ReadOnlyAdmin):
    """The messages sent to groups of delegates: read-only (each is also in the audit trail)."""

    list_display = ["created_at", "subject", "sent_by_name", "recipient_count", "event"]
    list_filter = ["event"]
    search_fields = ["subject"]
    fields = ["event", "subject", "body", "sent_by_name", "created_at", "recipient_count", "scope"]
    readonly_fields = fields


@admin.register(SavedView, site=site)
class SavedViewAdmin(admin.ModelAdmin):
    """Saved views of the delegate list: made with "Save this view" on the list, deleted here by their owner."""

    list_display = ["name", "shared", "owner", "open_link"]
    actions = ["delete_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(Q(owner=request.user) | Q(shared=True)).select_related("owner")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.owner_id == request.user.pk)

    def delete_model(self, request, obj):
        messages.delete_views(user=request.user, views=SavedView.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        messages.delete_views(user=request.user, views=queryset)

    @admin.display(description=gettext_lazy("Open"))
    def open_link(self, obj):
        return format_html(
            '<a href="{}?{}">{}</a>', reverse("admin:registrations_delegate_changelist"), obj.querystring, _("Open")
        )
