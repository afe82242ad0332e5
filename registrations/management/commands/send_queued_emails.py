import time

from django.core.management.base import BaseCommand

from registrations import emails, services
from registrations.services import endorsements


class Command(BaseCommand):
    help = (
        "Answer lost-link requests, queue the focal points' digests, then deliver queued emails "
        "(retrying failures with backoff). "
        "With --loop, keep polling."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, polling the outbox.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls with --loop.")
        parser.add_argument("--limit", type=int, default=200, help="Most emails per round.")

    def handle(self, *args, loop, interval, limit, **options):
        while True:
            services.resolve_lost_link_requests(limit=limit)
            endorsements.queue_digests()
            sent, failed = emails.deliver(limit=limit)
            if sent or failed or not loop:
                self.stdout.write(f"sent {sent}, failed {failed}")
            if not loop:
                return
            time.sleep(interval)
