"""Erase the personal data of an event's delegates once its retention period is over.

    python manage.py purge_personal_data --event <slug>

Only counts (per institute, stakeholder type and session) are kept; the purge is recorded in the
audit trail. Before the retention period ends the command refuses and changes nothing.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations import services
from registrations.models import Event


class Command(BaseCommand):
    help = "Anonymize the delegates of an event whose retention period is over, keeping only counts."

    def add_arguments(self, parser):
        parser.add_argument("--event", required=True, metavar="SLUG", help="The event's slug.")

    def handle(self, *args, event, **options):
        found = Event.objects.filter(slug=event).first()
        if found is None:
            raise CommandError(_("No event with the slug %(slug)r.") % {"slug": event})
        try:
            result = services.purge_personal_data(event=found, actor=services.Actor.system())
        except services.RetentionNotOver as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Erased the personal data of %(erased)d delegate of %(event)s "
                    "(%(already)d already erased). Kept counts:",
                    "Erased the personal data of %(erased)d delegates of %(event)s "
                    "(%(already)d already erased). Kept counts:",
                    result.erased,
                )
                % {"erased": result.erased, "event": found.slug, "already": result.already_erased}
            )
        )
        self.stdout.write(json.dumps(result.counts, indent=2, sort_keys=True))
