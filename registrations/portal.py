"""The institute portal (/institute/): the pages of an institute's focal points.

Its own door, not a trimmed admin: a focal point signs in (`portal_accounts`: password, plus a
TOTP code where `ADMIN_REQUIRE_2FA` is on; django-axes and a rate limit guard the login), sees
their institute's government delegates per event, endorses or declines them (singly or in bulk,
after a confirmation page), nominates colleagues and downloads their delegation. Every request asks
`services.endorsements.active_focal_point` again, so deactivating a focal point ends their access at
once; every object is looked up within `delegates_of(focal_point)`, so another institute's delegate,
a guest or another event's delegate is a 404.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from . import exports, services
from .form_fields import clean_email_address, is_database_id
from .models import (
    DelegateStatus,
    Endorsement,
    Event,
    SeatStatus,
    SessionRegistration,
    validate_no_direction_controls,
)
from .portal_accounts import focal_point_required
from .services import endorsements, rules


def _event(slug: str) -> Event:
    return get_object_or_404(Event, slug=slug)


def _delegation(focal_point, event: Event):
    return (
        endorsements.delegates_of(focal_point)
        .filter(event=event)
        .prefetch_related(
            Prefetch(
                "session_registrations",
                queryset=SessionRegistration.objects.select_related("session").exclude(status=SeatStatus.CANCELLED),
            )
        )
        .order_by("family_name", "given_name", "pk")
    )


# The portal's filters: what a focal point looks for, by status and endorsement.
FILTERS = {
    "awaiting": (
        gettext_lazy("Awaiting your endorsement"),
        Q(status=DelegateStatus.PENDING, endorsement=Endorsement.PENDING),
    ),
    "endorsed": (gettext_lazy("Endorsed"), Q(status=DelegateStatus.PENDING, endorsement=Endorsement.ENDORSED)),
    "declined": (gettext_lazy("Declined"), Q(status=DelegateStatus.PENDING, endorsement=Endorsement.DECLINED)),
    "approved": (gettext_lazy("Approved"), Q(status=DelegateStatus.APPROVED)),
    "waitlisted": (
        gettext_lazy("Waitlisted"),
        Q(status=DelegateStatus.APPROVED, session_registrations__status=SeatStatus.WAITLISTED),
    ),
    "rejected": (gettext_lazy("Rejected"), Q(status=DelegateStatus.REJECTED)),
    "withdrawn": (gettext_lazy("Withdrawn"), Q(status=DelegateStatus.WITHDRAWN)),
}


@focal_point_required
def home(request):
    focal_point = request.focal_point
    counts = {
        row["event"]: row
        for row in endorsements.delegates_of(focal_point)
        .values("event")
        .annotate(
            total=Count("pk"),
            awaiting=Count("pk", filter=FILTERS["awaiting"][1]),
            approved=Count("pk", filter=FILTERS["approved"][1]),
        )
    }
    events = list(Event.objects.order_by("-starts_on"))
    rows = [(event, counts.get(event.pk, {})) for event in events]
    return render(request, "registrations/portal/home.html", {"focal_point": focal_point, "rows": rows})


@focal_point_required
def event_delegation(request, slug):
    focal_point, event = request.focal_point, _event(slug)
    delegation = _delegation(focal_point, event)
    chosen = request.GET.get("show", "")
    shown = delegation.filter(FILTERS[chosen][1]).distinct() if chosen in FILTERS else delegation
    approved = delegation.filter(status=DelegateStatus.APPROVED).count()
    quota = focal_point.institute.delegate_quota
    overrides = delegation.filter(endorsement=Endorsement.OVERRIDDEN)
    return render(
        request,
        "registrations/portal/event.html",
        {
            "focal_point": focal_point,
            "event": event,
            "delegates": list(shown),
            "filters": [(key, label) for key, (label, _q) in FILTERS.items()],
            "chosen": chosen,
            "approved": approved,
            "quota": quota,
            "left": max(quota - approved, 0),
            "overrides": list(overrides),
        },
    )


@focal_point_required
def delegate_detail(request, slug, delegate_id):
    focal_point, event = request.focal_point, _event(slug)
    delegate = get_object_or_404(_delegation(focal_point, event), pk=delegate_id)
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
    chosen = list(_delegation(focal_point, event).filter(pk__in=ids))
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
    email = forms.EmailField(label=gettext_lazy("Colleague's official email address"), max_length=254)
    language = forms.ChoiceField(label=gettext_lazy("Language of the invitation"), choices=settings.LANGUAGES)

    def clean_name(self):
        name = self.cleaned_data["name"]
        validate_no_direction_controls(name)
        return name

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])


@require_http_methods(["GET", "POST"])
@focal_point_required
def nominate(request, slug):
    """Nominate a colleague: a personal government invitation for this institute, sent at once."""
    focal_point, event = request.focal_point, _event(slug)
    form = NominateForm(request.POST or None, initial={"language": focal_point.language})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = endorsements.nominate(
                focal_point=focal_point,
                event=event,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                language=form.cleaned_data["language"],
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
            "nominations": list(endorsements.nominations_of(focal_point, event)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --------------------------------------------------------------------------- the delegation's file


@focal_point_required
def delegation_csv(request, slug):
    focal_point, event = request.focal_point, _event(slug)
    export = exports.AttendeeExport(
        delegates=endorsements.delegates_of(focal_point).filter(event=event),
        scope=focal_point.institute.iso_code,
        event=event,
        filters={"institute": focal_point.institute_id},
    )
    return export.response(services.Actor.focal_point(focal_point.user))


@focal_point_required
def delegation_xlsx(request, slug):
    focal_point, event = request.focal_point, _event(slug)
    export = exports.AttendeeExport(
        delegates=endorsements.delegates_of(focal_point).filter(event=event),
        scope=focal_point.institute.iso_code,
        event=event,
        filters={"institute": focal_point.institute_id},
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=focal_point.institute.iso_code)
    rows = 0
    for row in export.rows():
        sheet.append(exports.neutralize_row(row))
        rows += 1
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction.atomic():
        export.audit_entry(services.Actor.focal_point(focal_point.user), rows=max(rows - 1, 0), complete=True).save()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.file_name().removesuffix(".csv")}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
