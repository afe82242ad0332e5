"""The institute portal (/institute/): the pages of an institute's focal points.

Its own door, not a trimmed admin: a focal point signs in (`portal.accounts`: password, plus a
TOTP code where `ADMIN_REQUIRE_2FA` is on; django-axes and a rate limit guard the login), sees
their institute's government delegates per event, endorses or declines them (singly or in bulk,
after a confirmation page), nominates colleagues and downloads their delegation. Every request asks
`services.endorsements.active_focal_point` again, so deactivating a focal point ends their access at
once; every object is looked up within `delegates_of(focal_point)`, so another institute's delegate,
a guest or another event's delegate is a 404.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from registrations import rules, services
from registrations.models import (
    DelegateStatus,
    Endorsement,
    Event,
    validate_latin_name,
    validate_no_direction_controls,
)
from registrations.outputs import exports, participants_list
from registrations.portal.accounts import focal_point_required
from registrations.queries import focal_points
from registrations.services import endorsements
from registrations.web.form_fields import clean_email_address, is_database_id


def _event(slug: str) -> Event:
    return get_object_or_404(Event, slug=slug)


@focal_point_required
def home(request):
    focal_point = request.focal_point
    counts = focal_points.delegation_counts(focal_point)
    rows = [(event, counts.get(event.pk, {})) for event in focal_points.events()]
    return render(request, "registrations/portal/home.html", {"focal_point": focal_point, "rows": rows})


@focal_point_required
def event_delegation(request, slug):
    focal_point, event = request.focal_point, _event(slug)
    delegation = focal_points.delegation(focal_point, event)
    chosen = request.GET.get("show", "")
    approved = delegation.filter(status=DelegateStatus.APPROVED).count()
    quota = focal_point.institute.delegate_quota
    return render(
        request,
        "registrations/portal/event.html",
        {
            "focal_point": focal_point,
            "event": event,
            "delegates": list(focal_points.shown(delegation, chosen)),
            "filters": [(key, label) for key, (label, _q) in focal_points.DELEGATION_FILTERS.items()],
            "chosen": chosen,
            "approved": approved,
            "quota": quota,
            "left": rules.quota_left(quota, approved),
            "overrides": list(delegation.filter(endorsement=Endorsement.OVERRIDDEN)),
            "languages": settings.LANGUAGES,
        },
    )


@focal_point_required
def delegate_detail(request, slug, delegate_id):
    focal_point, event = request.focal_point, _event(slug)
    delegate = get_object_or_404(focal_points.delegation(focal_point, event), pk=delegate_id)
    return render(
        request,
        "registrations/portal/delegate.html",
        {
            "focal_point": focal_point,
            "event": event,
            "delegate": delegate,
            "may_endorse": rules.may_endorse(delegate),
        },
    )


@require_http_methods(["POST"])
@focal_point_required
def head_of_delegation(request, slug, delegate_id):
    """Mark (or unmark) the head of the delegation: listed first on the list of participants."""
    focal_point, event = request.focal_point, _event(slug)
    delegate = get_object_or_404(focal_points.delegation(focal_point, event), pk=delegate_id)
    head = request.POST.get("head") == "1"
    services.set_head_of_delegation(delegate=delegate, head=head, actor=services.Actor.focal_point(focal_point.user))
    if head:
        messages.success(request, _("%(name)s heads the delegation.") % {"name": delegate.full_name})
    else:
        messages.success(request, _("%(name)s no longer heads the delegation.") % {"name": delegate.full_name})
    return redirect("registrations:portal_delegate", slug=event.slug, delegate_id=delegate.pk)


@focal_point_required
def participants_list_file(request, slug, file_format):
    """The delegation's section of the list of participants, in the language asked; audited."""
    focal_point, event = request.focal_point, _event(slug)
    if file_format not in participants_list.FORMATS:
        raise Http404
    language = request.GET.get("language", focal_point.language)
    if language not in dict(settings.LANGUAGES):
        language = focal_point.language or settings.LANGUAGE_CODE
    institute = focal_point.institute
    out, count, content_type, filename = participants_list.participants_file(
        event, file_format=file_format, language=language, institute=institute
    )
    services.record_participants_list_download(
        event=event,
        actor=services.Actor.focal_point(focal_point.user),
        language=language,
        file_format=file_format,
        institute_id=institute.pk,
        rows=count,
    )
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required; the organizers see it and may send it to the delegate)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=endorsements.MAX_REASON_LENGTH,
        error_messages={"required": gettext_lazy("Please give a reason for declining.")},
    )


ACTIONS = ("endorse", "decline")


@require_http_methods(["POST"])
@focal_point_required
def decide(request, slug):
    """Endorse or decline the chosen delegates: the first POST shows a confirmation page listing them,
    the second (confirm=yes) acts on exactly those. An id outside the focal point's delegation is a 404."""
    focal_point, event = request.focal_point, _event(slug)
    action = request.POST.get("action")
    if action not in ACTIONS:
        messages.error(request, _("Choose to endorse or to decline."))
        return redirect("registrations:portal_event", slug=event.slug)
    raw = request.POST.getlist("delegate") or request.POST.get("delegate_ids", "").split(",")
    if not all(is_database_id(value) for value in raw if value):
        raise Http404
    ids = [int(value) for value in raw if value]
    if not ids:
        messages.error(request, _("Select at least one delegate."))
        return redirect("registrations:portal_event", slug=event.slug)
    chosen = list(focal_points.delegation(focal_point, event).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise Http404
    form = DeclineForm(request.POST if request.POST.get("confirm") == "yes" else None) if action == "decline" else None
    if request.POST.get("confirm") == "yes" and (form is None or form.is_valid()):
        try:
            if action == "endorse":
                result = endorsements.endorse(focal_point=focal_point, delegate_ids=ids)
                done = _("Endorsed: %(names)s.")
            else:
                result = endorsements.decline(
                    focal_point=focal_point, delegate_ids=ids, reason=form.cleaned_data["reason"]
                )
                done = _("Declined: %(names)s. The organizers will decide.")
        except services.NotFocalPoint as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except services.RegistrationError as refusal:
            messages.error(request, refusal.message)
            return redirect("registrations:portal_event", slug=event.slug)
        if result.done:
            messages.success(request, done % {"names": ", ".join(d.full_name for d in result.done)})
        for _delegate, refusal in result.refused:
            messages.warning(request, refusal)
        return redirect("registrations:portal_event", slug=event.slug)
    return render(
        request,
        "registrations/portal/confirm.html",
        {
            "focal_point": focal_point,
            "event": event,
            "action": action,
            "delegates": chosen,
            "delegate_ids": ",".join(str(d.pk) for d in chosen),
            "form": form,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------- nominations


class NominateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Colleague's full name"), max_length=200)
    passport_name = forms.CharField(
        label=gettext_lazy("Name as in their passport (optional)"),
        max_length=200,
        required=False,
        validators=[validate_no_direction_controls, validate_latin_name],
        help_text=gettext_lazy("In Latin letters, as printed in the passport (e.g. YAMADA Taro)."),
    )
    email = forms.EmailField(label=gettext_lazy("Colleague's official email address"), max_length=254)
    language = forms.ChoiceField(label=gettext_lazy("Language of the invitation"), choices=settings.LANGUAGES)
    send_anyway = forms.BooleanField(label=gettext_lazy("Send to this address anyway"), required=False)

    def clean_name(self):
        name = self.cleaned_data["name"]
        validate_no_direction_controls(name)
        return name

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])

    def __init__(self, *args, focal_point, **kwargs):
        super().__init__(*args, **kwargs)
        self.focal_point = focal_point

    def clean(self):
        data = super().clean()
        if "email" in data:
            for field, code, message in endorsements.nomination_refusals(
                focal_point=self.focal_point,
                email=data["email"],
                off_domain_confirmed=data.get("send_anyway", False),
            ):
                self.add_error(field, forms.ValidationError(message, code=code))
        return data

    @property
    def asks_to_confirm(self) -> bool:
        """The address is off the institute's domains: show "Send to this address anyway"."""
        return self.has_error("email", rules.OFF_DOMAIN) or bool(self.data.get("send_anyway"))


@require_http_methods(["GET", "POST"])
@focal_point_required
def nominate(request, slug):
    """Nominate a colleague: a personal government invitation for this institute, sent at once."""
    focal_point, event = request.focal_point, _event(slug)
    form = NominateForm(request.POST or None, initial={"language": focal_point.language}, focal_point=focal_point)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = endorsements.nominate(
                focal_point=focal_point,
                event=event,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                passport_name=form.cleaned_data["passport_name"],
                language=form.cleaned_data["language"],
                off_domain_confirmed=form.cleaned_data["send_anyway"],
            )
        except services.NotFocalPoint as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except services.RegistrationError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. They are endorsed when they register.") % {"email": invitation.email},
            )
            return redirect("registrations:portal_nominate", slug=event.slug)
    return render(
        request,
        "registrations/portal/nominate.html",
        {
            "focal_point": focal_point,
            "event": event,
            "form": form,
            "nominations": list(focal_points.nominations_of(focal_point, event)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------- the delegation's file


def _delegation_export(focal_point, event: Event, file_format: str) -> exports.AttendeeExport:
    return exports.AttendeeExport(
        delegates=focal_points.delegates_of(focal_point).filter(event=event),
        scope=focal_point.institute.iso_code,
        event=event,
        filters={"institute": focal_point.institute_id},
        file_format=file_format,
    )


@focal_point_required
def delegation_csv(request, slug):
    """The delegation as CSV: the organizers' export (same columns, formula guard and audit entry)."""
    focal_point, event = request.focal_point, _event(slug)
    export = _delegation_export(focal_point, event, exports.Format.CSV)
    return export.response(services.Actor.focal_point(focal_point.user))


@focal_point_required
def delegation_xlsx(request, slug):
    """The delegation as XLSX: the organizers' spreadsheet (typed cells), audited the same way."""
    focal_point, event = request.focal_point, _event(slug)
    export = _delegation_export(focal_point, event, exports.Format.XLSX)
    return export.response(services.Actor.focal_point(focal_point.user))
