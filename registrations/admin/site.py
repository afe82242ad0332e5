"""The organizers' admin site: django-otp's two-factor site when ADMIN_REQUIRE_2FA is on.

With the setting on, only staff verified by a confirmed OTP device (a TOTP authenticator app, or a
static emergency token) reach any admin page, and the login form asks for the code. With it off
(local development, most tests) the site behaves like Django's own. The setting is read on every
request, so tests can switch it.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.urls import path
from django_otp.admin import OTPAdminSite

from registrations.admin.dashboard import dashboard_view
from registrations.web.two_factor import StaffOTPAdminAuthenticationForm


class RegistrationAdminSite(OTPAdminSite):
    def __init__(self, name="admin"):
        super().__init__(name)

    @staticmethod
    def requires_2fa() -> bool:
        return getattr(settings, "ADMIN_REQUIRE_2FA", True)

    @property
    def login_form(self):
        return StaffOTPAdminAuthenticationForm if self.requires_2fa() else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if self.requires_2fa() else None

    def get_urls(self):
        dashboard = self.admin_view(lambda request: dashboard_view(request, self))
        return [path("dashboard/", dashboard, name="dashboard"), *super().get_urls()]

    def has_permission(self, request):
        if self.requires_2fa():
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)


# The one site instance. Django's `admin.site` resolves to it (AdminConfig.default_site); the
# ModelAdmins of this package register on it by name, because importing this module runs the
# package first, before `admin.site` exists.
site = RegistrationAdminSite()


def default_site() -> RegistrationAdminSite:
    return site


# django-axes keeps the username of a failed login in a 255-character column. Django's login form
# shows a 150-character limit but does not enforce it, so a longer username reached the database
# and PostgreSQL refused it (a 500). No real username is longer than the user model allows.
AXES_USERNAME_MAX_LENGTH = 150


def axes_username(request, credentials=None) -> str | None:
    """The username django-axes counts failures for: as posted, cut to what a username can be."""
    username = (credentials or {}).get("username")
    if username is None:
        username = getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    return str(username).replace("\x00", "")[:AXES_USERNAME_MAX_LENGTH]
