"""The institute portal (/institute/): the pages of an institute's focal points.

Its own door, not a trimmed admin: a focal point logs in (password, plus a TOTP code where
`ADMIN_REQUIRE_2FA` is on, as for the admin; django-axes and a rate limit guard the login), sees
their institute's government delegates per event, endorses or declines them (singly or in bulk,
after a confirmation page), nominates colleagues and downloads their delegation. Every request asks
`services.endorsements.active_focal_point` again, so deactivating a focal point ends their access at
once; every object is looked up within `delegates_of(focal_point)`, so another institute's delegate,
a guest or another event's delegate is a 404.
"""

from __future__ import annotations

import io
from base64 import b32encode
from functools import wraps

import qrcode
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit
from openpyxl import Workbook
from qrcode.image.svg import SvgPathImage

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
from .services import endorsements, rules


def requires_2fa() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_2FA", True)


def login_rate(group, request) -> str:
    return settings.FOCAL_POINT_LOGIN_RATE


class _FocalPointOnly:
    """Only active focal points pass the portal's login (staff sign in to the admin instead)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if endorsements.active_focal_point(user) is None:
            raise forms.ValidationError(
                _("This account cannot use the institute portal. Ask the organizers if you think it should."),
                code="not_focal_point",
            )


class PortalLoginForm(_FocalPointOnly, AuthenticationForm):
    pass


class PortalOTPLoginForm(_FocalPointOnly, OTPAuthenticationForm):
    pass


@method_decorator(ratelimit(key="ip", rate=login_rate, method="POST", block=True), name="post")
@method_decorator(never_cache, name="dispatch")
class PortalLogin(LoginView):
    template_name = "registrations/portal/login.html"
    redirect_authenticated_user = False

    def get_form_class(self):
        return PortalOTPLoginForm if requires_2fa() else PortalLoginForm

    def get_default_redirect_url(self):
        return reverse("registrations:portal")


def focal_point_required(view):
    """The request's active focal point as `request.focal_point`, or the login page (or a 403 for an
    account that is signed in but may not use the portal)."""

    @wraps(view)
    @never_cache
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('registrations:portal_login')}?next={request.path}")
        focal_point = endorsements.active_focal_point(user)
        if focal_point is None:
            if not user.is_staff:
                logout(request)
            raise PermissionDenied(_("This account cannot use the institute portal."))
        if requires_2fa() and not user.is_verified():
            logout(request)
            return redirect(reverse("registrations:portal_login"))
        request.focal_point = focal_point
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
def portal_logout(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("registrations:portal_login")


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


# --------------------------------------------------------------------------- activation


def _user_for_activation(uidb64: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, ValidationError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True, is_staff=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    if endorsements.active_focal_point(user) is None:
        return None
    return user


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def activate(request, uidb64, token):
    """The activation link: set a password; then, where two-factor sign-in is on, link an authenticator."""
    user = _user_for_activation(uidb64, token)
    if user is None:
        return render(request, "registrations/portal/activation_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # the link stops working: the token covers the password
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if requires_2fa():
            return redirect("registrations:portal_enroll")
        messages.success(request, _("Your password is set. Welcome to the institute portal."))
        return redirect("registrations:portal")
    return render(request, "registrations/portal/activate.html", {"form": form})


class EnrollForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("The six-digit code your app shows"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def enroll(request):
    """Link an authenticator app (TOTP, as for the admin) right after activation: only for a signed-in
    focal point with no confirmed device yet."""
    user = request.user
    if endorsements.active_focal_point(user) is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied(_("There is nothing to set up here."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="portal", confirmed=False
    )
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Your authenticator is linked. Welcome to the institute portal."))
            return redirect("registrations:portal")
        form.add_error("token", _("That code is not right; check your phone's clock and try the current code."))
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, border=2)
    return render(
        request,
        "registrations/portal/enroll.html",
        {
            "form": form,
            "qr_svg": mark_safe(image.to_string(encoding="unicode")),
            "secret": b32encode(device.bin_key).decode(),
        },
        status=400 if form.is_bound and form.errors else 200,
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
