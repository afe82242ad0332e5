"""Re-encrypt the visa-letter requests' passport details with the first key of VISA_DATA_KEYS.

Rotation: put a new key first in VISA_DATA_KEYS (keep the old ones after it), restart, run this
command; then remove the old keys. Every value is read with any key and written with the first.
"""

from django.core.management.base import BaseCommand

from registrations.services import visa


class Command(BaseCommand):
    help = "Re-encrypt the visa-letter requests' passport details with the first key of VISA_DATA_KEYS."

    def handle(self, *args, **options):
        count = visa.reencrypt_visa_data()
        self.stdout.write(self.style.SUCCESS(f"{count} visa-letter requests re-encrypted with the first key."))
