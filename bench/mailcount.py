"""A bench-only email backend that counts deliveries: one small JSON file per message sent.

Selected by the scale-out and fault benches (DJANGO_EMAIL_BACKEND=bench.mailcount.EmailBackend,
BENCH_MAIL_DIR=<a temporary directory>), in every process that sends: the app servers (emails
sent right after a decision) and the `send_queued_emails` workers. Reading the directory afterwards
tells how often each (recipient, subject) was delivered, whichever process delivered it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["BENCH_MAIL_DIR"])
        for message in email_messages:
            record = {"to": [a.lower() for a in message.to], "subject": str(message.subject), "pid": os.getpid()}
            (folder / f"{uuid.uuid4().hex}.json").write_text(json.dumps(record))
        return len(email_messages)


def delivered(folder: str | Path) -> Counter:
    """(recipient, subject) -> how many times it was delivered."""
    counts: Counter = Counter()
    for path in Path(folder).glob("*.json"):
        record = json.loads(path.read_text())
        for recipient in record["to"]:
            counts[(recipient, record["subject"])] += 1
    return counts


def outbox_sent() -> tuple[Counter, int]:
    """(recipient, subject) -> outbox rows marked sent, and how many rows are not sent (yet)."""
    from django.conf import settings
    from django.utils import translation

    from registrations.models import EmailStatus, OutboundEmail
    from registrations.outputs.emails import SUBJECTS

    counts: Counter = Counter()
    rows = OutboundEmail.objects.select_related("delegate__event", "invitation__event")
    for email in rows.filter(status=EmailStatus.SENT):
        recipient = email.delegate or email.invitation
        language = getattr(recipient, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = str(SUBJECTS[email.kind]) % {"event": recipient.event.name}
        counts[(recipient.email.lower(), subject)] += 1
    return counts, rows.exclude(status=EmailStatus.SENT).count()
