"""Remind invitees whose invitation expires soon, and expire the invitations whose time is up.

    python manage.py send_invitation_reminders [--days 3]

Run it daily (or hourly): it is idempotent. An unanswered (sent or opened) invitation is reminded
once, within `--days` of its expiry; an expired invitation's held seats go to the waitlists.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from registrations.services import invitation_sending, invitations


class Command(BaseCommand):
    help = "Send one reminder per unanswered invitation a few days before it expires; expire those past due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=invitations.REMINDER_BEFORE.days,
            help="Remind this many days before expiry (default %(default)s).",
        )

    def handle(self, *args, days, **options):
        expired = invitation_sending.expire_invitations()
        reminded = invitation_sending.send_reminders(before=timedelta(days=max(days, 0)))
        self.stdout.write(self.style.SUCCESS(f"Reminded {reminded} invitations; {expired} expired."))
