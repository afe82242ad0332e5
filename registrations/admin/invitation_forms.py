"""The invitation admin's form (the rules' refusals as form errors; one checkbox per open session)
and its "session covered" filter."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registrations import l10n, services
from registrations.models import AccessTier, Invitation, Session
from registrations.services import invitations
from registrations.web.form_fields import is_database_id


class CoveredSessionFilter(admin.SimpleListFilter):
    title = _("session covered")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in Session.objects.order_by("starts_at").values_list("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() and is_database_id(self.value()):
            return queryset.filter(sessions__id=int(self.value())).distinct()
        return queryset


def session_choice_label(session) -> str:
    """ "Risk assessment science · Sat 20 Nov 2027, 10:00–11:30 PST" (the event's name where several)."""
    when = l10n.session_span(session.starts_at, session.ends_at, session.event.tz, dated=True)
    return f"{session.title} · {when} · {session.event.name}"


class InvitationAdminForm(forms.ModelForm):
    """The rules' refusals (government-only sessions, duplicates, seats to hold) as form errors."""

    class Meta:
        model = Invitation
        fields = "__all__"  # noqa: DJ007 - the admin form; fieldsets choose what shows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sessions" in self.fields:
            sessions = Session.objects.filter(access_tier=AccessTier.OPEN).select_related("event")
            if self.instance.pk is not None:
                sessions = sessions.filter(event_id=self.instance.event_id)
            # One checkbox per open session, with its time: what it covers is ticked, one by one
            # (a two-list chooser's "Choose all" covered every open session at one click).
            self.fields["sessions"].widget = forms.CheckboxSelectMultiple(attrs={"class": "covered-sessions"})
            self.fields["sessions"].label_from_instance = session_choice_label
            self.fields["sessions"].queryset = sessions.order_by("event", "starts_at", "title")
            self.fields["sessions"].help_text = _(
                "Open sessions only: an invitation never covers a government-only one."
            )

    def clean(self):
        data = super().clean()
        event = data.get("event") or (self.instance.event if self.instance.event_id else None)
        sessions = data.get("sessions")
        if event is None or sessions is None or self.errors:
            return data
        candidate = Invitation(pk=self.instance.pk, event=event, uses=self.instance.uses)
        for name in invitations.EDITABLE_FIELDS:
            if name in data:
                setattr(candidate, name, data[name])
            else:
                setattr(candidate, name, getattr(self.instance, name))
        try:
            invitations.check_invitation(invitation=candidate, sessions=list(sessions))
        except services.RegistrationError as refusal:
            field = "sessions" if "session" in refusal.message.lower() or "“" in refusal.message else None
            self.add_error(field, forms.ValidationError(refusal.message, code=refusal.code))
        return data

    def validate_unique(self):
        # The service says it in words (the personal-address constraint's message otherwise).
        pass
