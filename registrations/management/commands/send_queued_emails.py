import logging
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connection

from registrations import services
from registrations.outputs import emails
from registrations.services import endorsements

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Answer lost-link requests, queue the focal points' digests, then deliver queued emails "
        "(retrying failures with backoff). "
        "With --loop, keep polling; a database that goes away (a restart, a failover) is waited for."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, polling the outbox.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls with --loop.")
        parser.add_argument("--limit", type=int, default=200, help="Most emails per round.")

    def handle(self, *args, loop, interval, limit, **options):
        while True:
            try:
                services.resolve_lost_link_requests(limit=limit)
                endorsements.queue_digests()
                sent, failed = emails.deliver(limit=limit)
            except (OperationalError, InterfaceError) as error:
                if not loop:
                    raise
                # The outbox is in the database: nothing is lost while it is away. A message claimed
                # when it went is retried once its claim expires (emails.CLAIM_FOR).
                logger.warning("The database is unavailable (%s); trying again in %s s.", error, interval)
                connection.close()
                time.sleep(interval)
                continue
            if sent or failed or not loop:
                self.stdout.write(f"sent {sent}, failed {failed}")
            if not loop:
                return
            if sent + failed < limit:  # a full round may have left more: the next one at once
                time.sleep(interval)
