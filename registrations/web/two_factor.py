"""Staff sign-in with a one-time code, without choosing a device: django-otp (since 1.7) verifies a
code only against a device the form names, and asks for a choice otherwise. Staff here hold one
authenticator each (`enroll_totp`), so the sign-in forms name it themselves: the user's only
confirmed device, found with django-otp's public `devices_for_user` once the password has identified
them. Someone with several devices still chooses one (django-otp's own list, after the first try).
"""

from __future__ import annotations

from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationForm


class OneDeviceMixin:
    """For django-otp's authentication forms: the user's one confirmed device when none is chosen."""

    def clean_otp(self, user):
        if user is not None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                self.cleaned_data["otp_device"] = devices[0].persistent_id
        return super().clean_otp(user)


class StaffOTPAuthenticationForm(OneDeviceMixin, OTPAuthenticationForm):
    """The door's and the badge desk's sign-in."""


class StaffOTPAdminAuthenticationForm(OneDeviceMixin, OTPAdminAuthenticationForm):
    """The admin's sign-in."""
