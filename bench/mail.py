"""Mail at the speed of a rush: the email worker's throughput to a local SMTP server, and no email
sent twice by workers side by side.

PostgreSQL (`reg_bench_mail`), a real SMTP conversation with bench/smtpsink.py in this process
(loopback, `ok` mode: it takes every message), the `send_queued_emails --loop` worker in its own
process with Django's SMTP backend, as in production. 2,000 delegates have each a queued
"registration received" email (rendered by the worker: their sessions, their status link, both
templates). One worker drains them (`emails_per_s`: messages taken by the server per second, first
to last); then 2,000 more are queued and three workers drain them side by side
(`emails_per_s_3_workers`; `emails_sent_twice`: messages the server took beyond one per outbox row).

Lines: emails_per_s (target >= 200), emails_per_s_3_workers, emails_sent_twice (0), emails_not_sent (0).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from bench.common import (
    HOST,
    line,
    manage,
    note,
    recreate_postgres_db,
    server_env,
    setup_django,
    static_root,
)
from bench.scaleout import email_workers
from bench.smtpsink import SMTPSink

EMAILS = 2000
WORKERS = 3
MAX_SECONDS = 120


def main() -> None:
    database_url = recreate_postgres_db("reg_bench_mail")
    sink = SMTPSink().start()
    sink.mode = "ok"
    try:
        with static_root() as static:
            env = mail_env(server_env(database_url, static), sink.port)
            manage(env, "migrate", "--noinput")
            setup_django(env)
            event, session = _event()
            queue_emails(event, session, EMAILS, "one")
            rate, left = _drain(env, sink, 1)
            line("emails_per_s", rate, "emails/s")
            received_before = len(sink.received)
            queue_emails(event, session, EMAILS, "three")
            rate3, left3 = _drain(env, sink, WORKERS)
            line(f"emails_per_s_{WORKERS}_workers", rate3, "emails/s")
            taken = Counter(r for recipients in sink.received for r in recipients)
            line("emails_sent_twice", sum(n - 1 for n in taken.values() if n > 1), "emails")
            line("emails_not_sent", left + left3 + max(0, 2 * EMAILS - len(taken)), "emails")
            note(f"mail: {received_before} then {len(sink.received) - received_before} messages taken by the SMTP sink")
    finally:
        sink.stop()


def mail_env(env: dict[str, str], port: int) -> dict[str, str]:
    return {
        **env,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": HOST,
        "DJANGO_EMAIL_PORT": str(port),
        "SITE_URL": "https://registration.example",
    }


def _event():
    from django.utils import timezone

    from registrations.models import AccessTier, Event, Session

    now = timezone.now()
    event = Event.objects.create(
        name="Mail convening",
        slug="mail",
        venue="Loopback hall",
        starts_on=(now + timedelta(days=30)).date(),
        ends_on=(now + timedelta(days=31)).date(),
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=10),
    )
    start = now + timedelta(days=30)
    session = Session.objects.create(
        event=event,
        title="Plenary",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        access_tier=AccessTier.OPEN,
        capacity=10_000,
    )
    return event, session


def queue_emails(event, session, count: int, tag: str) -> None:
    """`count` pending delegates with one session requested and their "registration received" row."""
    from registrations.models import Delegate, EmailKind, OutboundEmail, SessionRegistration, StakeholderType
    from registrations.rules.identity import email_key

    delegates = Delegate.objects.bulk_create(
        [
            Delegate(
                event=event,
                given_name=f"Mail{n}",
                family_name="Bench",
                email=f"mail-{tag}-{n}@example.org",
                email_key=email_key(f"mail-{tag}-{n}@example.org"),
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="University of Benchmarks",
                consent_data_processing=True,
            )
            for n in range(count)
        ],
        batch_size=500,
    )
    SessionRegistration.objects.bulk_create(
        [SessionRegistration(delegate=d, session=session) for d in delegates], batch_size=500
    )
    OutboundEmail.objects.bulk_create(
        [OutboundEmail(kind=EmailKind.REGISTRATION_RECEIVED, delegate=d, context={}) for d in delegates],
        batch_size=500,
    )


def _drain(env, sink: SMTPSink, workers: int) -> tuple[float, int]:
    """Run `workers` email workers until the outbox is empty: (messages/s, first to last; rows left)."""
    from registrations.models import EmailStatus, OutboundEmail

    before = len(sink.times)
    deadline = time.monotonic() + MAX_SECONDS
    with email_workers(env, workers):
        while time.monotonic() < deadline:
            left = OutboundEmail.objects.exclude(status=EmailStatus.SENT).count()
            if not left:
                break
            time.sleep(0.2)
    times = sink.times[before:]
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    return rate, left


if __name__ == "__main__":
    main()
