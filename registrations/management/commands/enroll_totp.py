"""Give a staff user a TOTP authenticator for the admin's two-factor login, and show its QR code."""

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Create a TOTP device for a staff user and print its otpauth:// URL and QR code; the user scans it "
        "with an authenticator app and then signs in to the admin with the six-digit code."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="Device name shown in the admin.")
        parser.add_argument("--replace", action="store_true", help="Delete the user's existing TOTP devices first.")

    @transaction.atomic
    def handle(self, *args, username, name, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(username)r.") % {"username": username})
        if not user.is_staff:
            raise CommandError(_("%(username)r is not staff; only staff use the admin.") % {"username": username})
        existing = TOTPDevice.objects.filter(user=user)
        if existing.exists() and not replace:
            raise CommandError(
                _("%(username)r already has a TOTP device; use --replace to issue a new one.") % {"username": username}
            )
        existing.delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        code = qrcode.QRCode(border=2)
        code.add_data(device.config_url)
        drawing = io.StringIO()
        code.print_ascii(out=drawing, invert=True)
        self.stdout.write(drawing.getvalue())
        self.stdout.write(device.config_url)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Scan the code (or enter the URL) in an authenticator app on %(username)s's phone. "
                    "Keep it private: it is the second factor."
                )
                % {"username": username}
            )
        )
