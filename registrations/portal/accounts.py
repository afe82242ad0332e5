"""The institute portal's accounts: sign-in (password, plus a TOTP code where `ADMIN_REQUIRE_2FA`
is on; django-axes and a rate limit guard it), sign-out, the activation link that sets a focal
point's password, the authenticator's enrolment, and `focal_point_required`, which every portal
page (registrations/portal.py) goes through."""

from __future__ import annotations

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
from django.shortcuts import redirect, render
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
from qrcode.image.svg import SvgPathImage

from registrations.queries import focal_points
from registrations.web.two_factor import OneDeviceMixin


def requires_2fa() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_2FA", True)


def login_rate(group, request) -> str:
    return settings.FOCAL_POINT_LOGIN_RATE


class _FocalPointOnly:
    """Only active focal points pass the portal's login (staff sign in to the admin instead)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if focal_points.active_focal_point(user) is None:
            raise forms.ValidationError(
                _("This account cannot use the institute portal. Ask the organizers if you think it should."),
                code="not_focal_point",
            )


class PortalLoginForm(_FocalPointOnly, AuthenticationForm):
    pass


class PortalOTPLoginForm(_FocalPointOnly, OneDeviceMixin, OTPAuthenticationForm):
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
        focal_point = focal_points.active_focal_point(user)
        if focal_point is None:
            if not user.is_staff:
                logout(request)
            raise PermissionDenied(_("This account cannot use the institute portal."))
        if requires_2fa() and not user.is_verified():
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                # Activated, authenticator not linked yet: every page leads back to enrolment, and the
                # session stays (signing out here left a password and no way to finish enrolling).
                return redirect(reverse("registrations:portal_enroll"))
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


# --------------------------------------------------------------------------- activation


def _user_for_activation(uidb64: str, token: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, ValidationError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True, is_staff=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    if focal_points.active_focal_point(user) is None:
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
    if focal_points.active_focal_point(user) is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
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
