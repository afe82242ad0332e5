"""A summit's scale: 5,000 signups from 200 clients on two app servers, approvals in batches of 500
meanwhile, then 20 doors scanning 4,000 arrivals; every confirmation delivered to an SMTP server.

Two `gunicorn config.wsgi -w 2` (ports 18161, 18162) on one PostgreSQL (`reg_summit`) and one
Redis (DB 15 of the machine's, `BENCH_REDIS_URL`), two `send_queued_emails --loop` workers sending
through Django's SMTP backend to bench/smtpsink.py (in this process, loopback). The servers trust
one proxy and each signup carries its own `X-Forwarded-For`, so the rate limit stays on.

- Signups: 1,500 government delegates (their institute's domain; the plenary and the
  government-only session), 3,000 guests from 100 countries (the plenary), 250 industry guests
  crafted to claim the government-only session (refused: 400), 250 addresses again in other letters
  (answered like new ones: 302), shuffled, 200 clients alternating the two servers. The plenary has
  3,400 seats for 4,500 asking, the government-only session 1,000 for 1,500. Meanwhile an organizer
  (this process, `services.approve_delegates`, its own connection) approves the pending in batches
  of 500, and once more after the last signup (each institute's quota raised to 160 for a summit's
  delegations). Then the workers drain the outbox (`summit_emails_drain_s`, from the last signup).
- The door (bench/summit_door.py): 4,000 arrivals at the plenary, 20% wrong badges (waitlisted
  delegates, replaced badges shown in their old version, another event's), spread over 20 doors on
  both servers, each door at its own pace on a schedule of ten minutes compressed to two
  (`BENCH_SUMMIT_DOOR_SECONDS`, default 120); 10% of the right badges shown again at another door a
  moment later (a second admit would be a double check-in).
- Every count is taken in the database after the run, not from the clients' answers alone.

`--pgbouncer` runs the same through PgBouncer in transaction mode (bench/pgbouncer.py): the lines
get a `_pgbouncer` suffix.

Lines: summit_signups_lost, summit_oversold, summit_5xx, summit_tier_violations, summit_wrong_admits,
summit_double_checkins (all 0), summit_missed_admits (0), summit_signup_p99_ms, summit_scan_p99_ms,
summit_emails_drain_s, summit_emails_undelivered (0), summit_duplicate_emails (0),
summit_export_mismatch (0).
"""

from __future__ import annotations

import queue
import random
import statistics
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from urllib.parse import urlencode

from bench import pgbouncer, summit_door
from bench.common import (
    HOST,
    REDIS_URL,
    csrf_pair,
    flush_redis,
    gunicorn,
    line,
    manage,
    note,
    recreate_postgres_db,
    server_env,
    setup_django,
    static_root,
)
from bench.rush import Outcome, Signup
from bench.scaleout import email_workers, forwarded, request
from bench.smtpsink import SMTPSink

PORTS = (18161, 18162)
CLIENTS = 200
GOVERNMENT, GUESTS, CRAFTED, DUPLICATES = 1500, 3000, 250, 250
PLENARY_SEATS, GOVERNMENT_SEATS = 3400, 1000
APPROVAL_BATCH = 500
GOVERNMENT_QUOTA = 160
MAX_SIGNUP_SECONDS = 300  # a bound on the signups, whatever the servers do
MAX_DRAIN_SECONDS = 300
EMAIL_WORKERS = 2


def main(pooled: bool) -> None:
    suffix = pgbouncer.suffix(pooled)
    database_url = recreate_postgres_db("reg_summit")
    sink = SMTPSink().start()
    sink.mode = "ok"
    with ExitStack() as stack:
        stack.callback(sink.stop)
        stack.callback(flush_redis, REDIS_URL)
        static = stack.enter_context(static_root())
        env = _env(server_env(database_url, static), sink.port)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        if pooled:
            server = stack.enter_context(pgbouncer.pgbouncer())
            env = pgbouncer.pooled_env(env, server, "reg_summit")
        setup_django(env)
        event, plenary, government = _arrange()
        plan = _plan(plenary, government)
        for n, port in enumerate(PORTS):
            stack.enter_context(gunicorn(env, port, log_name=f"summit{n}"))
        stack.enter_context(email_workers(env, EMAIL_WORKERS))
        outcomes, stats, elapsed = _signups(event, plan)
        undelivered, duplicates, drain_s = _drain(sink)
        world = summit_door.arrange(event, plenary, PORTS)
        scans = summit_door.storm(world, PORTS)
        _report(event, plan, outcomes, stats, elapsed, scans=scans, suffix=suffix)  # PgBouncer still up
        line(f"summit_emails_drain_s{suffix}", drain_s, "s")
        line(f"summit_emails_undelivered{suffix}", undelivered, "emails")
        line(f"summit_duplicate_emails{suffix}", duplicates, "emails")
        line(f"summit_export_mismatch{suffix}", _export_mismatch(event), "rows")


def _env(env: dict[str, str], smtp_port: int) -> dict[str, str]:
    return {
        **env,
        "BENCH_RATELIMIT": "1",
        "SIGNUP_RATE": "100/m",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": HOST,
        "DJANGO_EMAIL_PORT": str(smtp_port),
    }


def _arrange():
    from django.utils import timezone

    from registrations.models import AccessTier, Event, Session

    now = timezone.now()
    event = Event.objects.create(
        name="AI Action Summit",
        slug="summit",
        venue="Grand Palais (loopback)",
        time_zone="Europe/Paris",
        starts_on=(now + timedelta(days=1)).date(),
        ends_on=(now + timedelta(days=2)).date(),
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=1),
    )

    def session(title, hours, tier, capacity):
        starts = now + timedelta(minutes=30) + timedelta(hours=hours)
        return Session.objects.create(
            event=event,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            access_tier=tier,
            capacity=capacity,
        )

    plenary = session("Plenary", 0, AccessTier.OPEN, PLENARY_SEATS)
    government = session("Heads of delegation", 2, AccessTier.GOVERNMENT_ONLY, GOVERNMENT_SEATS)
    return event, plenary, government


def _plan(plenary, government) -> list[Signup]:
    from django_countries import countries

    from registrations.models import Institute

    rng = random.Random(2025)
    # A summit's delegations are larger than a convening's: room for 160 approved per institute.
    Institute.objects.update(delegate_quota=GOVERNMENT_QUOTA)
    institutes = list(Institute.objects.order_by("pk"))
    codes = sorted(code for code, _name in countries)[:100]
    base = [("given_name", "Summit"), ("family_name", "Delegate"), ("job_title", "Adviser")]
    base.append(("consent_data_processing", "on"))
    plan: list[Signup] = []
    for n in range(GOVERNMENT):
        institute = institutes[n % len(institutes)]
        email = f"gov{n}@{institute.domain_list[0]}"
        fields = [*base, ("email", email), ("stakeholder_type", "government"), ("institute", str(institute.pk))]
        fields += [("country", institute.iso_code if institute.iso_code in countries else "BE")]  # EU: Brussels
        fields += [("sessions", str(government.pk)), ("sessions", str(plenary.pk))]
        plan.append(Signup(email, fields, 302))
    kinds = ["civil_society", "academia", "industry"]
    for n in range(GUESTS):
        email = f"guest{n}@example.org"
        fields = [*base, ("email", email), ("stakeholder_type", kinds[n % 3]), ("organization", f"Org {n}")]
        fields += [("country", codes[n % len(codes)]), ("sessions", str(plenary.pk))]
        plan.append(Signup(email, fields, 302))
    for n in range(CRAFTED):
        email = f"crafted{n}@industry.example"
        fields = [*base, ("email", email), ("stakeholder_type", "industry"), ("organization", "Model Systems")]
        fields += [("country", "US"), ("sessions", str(government.pk)), ("sessions", str(plenary.pk))]
        plan.append(Signup(email, fields, 400))
    for original in rng.sample([s for s in plan if s.expected == 302], DUPLICATES):
        local, domain = original.email.split("@")
        fields = [(k, f"{local.upper()}@{domain.upper()}" if k == "email" else v) for k, v in original.fields]
        plan.append(Signup(original.email, fields, 302))
    rng.shuffle(plan)
    return plan


def _signups(event, plan: list[Signup]) -> tuple[list[Outcome], dict, float]:
    jobs: queue.Queue = queue.Queue()
    for index, signup in enumerate(plan):
        jobs.put((index, signup))
    outcomes: list[Outcome] = []
    stats = {"approved": 0, "batches": 0, "refused": 0}
    stop = threading.Event()
    deadline = time.monotonic() + MAX_SIGNUP_SECONDS
    organizer = threading.Thread(target=_organizer, args=(event, stop, stats))
    clients = [threading.Thread(target=_client, args=(n, jobs, outcomes, deadline)) for n in range(CLIENTS)]
    started = time.monotonic()
    organizer.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    elapsed = time.monotonic() - started
    stop.set()
    organizer.join(timeout=300)
    return outcomes, stats, elapsed


def _client(n: int, jobs: queue.Queue, outcomes: list, deadline: float) -> None:
    try:
        cookie, token = csrf_pair(PORTS[n % 2])
    except (OSError, StopIteration, AttributeError):
        cookie, token = "", ""
    i = n
    while time.monotonic() < deadline:
        try:
            index, signup = jobs.get_nowait()
        except queue.Empty:
            return
        i += 1
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "X-Forwarded-For": forwarded(index + 1),
        }
        body = urlencode([("csrfmiddlewaretoken", token), *signup.fields])
        started = time.monotonic()
        status, _body, _headers = request(PORTS[i % 2], "POST", "/register/", body=body, headers=headers)
        outcomes.append(Outcome(signup, status, (time.monotonic() - started) * 1000))


def _organizer(event, stop: threading.Event, stats: dict) -> None:
    """Approve the pending in batches of 500 (waiting for a full batch while signups go on), then
    whoever is left once they are over."""
    from django.db import connection

    from registrations import services
    from registrations.models import Delegate, DelegateStatus

    refused: set[int] = set()
    try:
        while True:
            last_round = stop.is_set()
            pending = list(
                Delegate.objects.filter(event=event, status=DelegateStatus.PENDING)
                .exclude(pk__in=refused)
                .order_by("pk")
                .values_list("pk", flat=True)[:APPROVAL_BATCH]
            )
            if len(pending) == APPROVAL_BATCH or (last_round and pending):
                result = services.approve_delegates(delegate_ids=pending, actor=services.Actor.system())
                stats["approved"] += len(result.done)
                stats["batches"] += 1
                stats["refused"] += len(result.refused)
                refused.update(d.pk for d, _reason in result.refused)
                continue
            if last_round:
                return
            time.sleep(0.5)
    finally:
        connection.close()


def _drain(sink: SMTPSink) -> tuple[int, int, float]:
    """Wait for the workers to empty the outbox: (emails not delivered, emails delivered twice, seconds
    until the outbox was empty), from the outbox's rows and what the SMTP server took."""
    from registrations.models import EmailStatus, OutboundEmail

    started = time.monotonic()
    deadline = started + MAX_DRAIN_SECONDS
    while time.monotonic() < deadline:
        if not OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
            break
        time.sleep(0.2)
    seconds = time.monotonic() - started
    time.sleep(1)  # a message the server took just before its row was marked
    rows = OutboundEmail.objects.filter(status=EmailStatus.SENT).select_related("delegate")
    sent = Counter(email.delegate.email.lower() for email in rows if email.delegate_id)
    taken = Counter(r for recipients in sink.received for r in recipients)
    pending = OutboundEmail.objects.exclude(status=EmailStatus.SENT).count()
    undelivered = pending + sum(max(0, n - taken.get(key, 0)) for key, n in sent.items())
    duplicates = sum(max(0, n - sent.get(key, 0)) for key, n in taken.items())
    note(f"emails: {sum(taken.values())} taken by the SMTP server, {sum(sent.values())} outbox rows sent")
    return undelivered, duplicates, seconds


def _export_mismatch(event) -> int:
    """The delegates' CSV rows (`.iterator()` reads, through the pooler in the pooled run, where
    server-side cursors are off) against the delegates in the database: rows missing or extra."""
    from registrations.models import Delegate
    from registrations.outputs import exports

    delegates = Delegate.objects.filter(event=event)
    exported = Counter(str(row[0]) for row in list(exports.delegate_rows(delegates))[1:])
    expected = Counter(str(pk) for pk in delegates.values_list("pk", flat=True))
    return sum(((exported - expected) + (expected - exported)).values())


def _p99(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0


def _report(event, plan, outcomes, stats, elapsed, *, scans, suffix: str) -> None:
    from django.db.models import Count, Q

    from registrations.models import AccessTier, Delegate, SeatStatus, Session, SessionRegistration, StakeholderType

    errors = sum(1 for o in outcomes if o.status >= 500 or o.status == 0) + scans.errors
    unexpected = sum(1 for o in outcomes if 0 < o.status < 500 and o.status != o.signup.expected)
    accepted = {o.signup.email.lower() for o in outcomes if o.status == 302}
    rows = {e.lower() for e in Delegate.objects.filter(event=event).values_list("email", flat=True)}
    lost = len(accepted - rows) + len(rows - accepted) + (len(plan) - len(outcomes))
    sessions = Session.objects.filter(event=event).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=SeatStatus.CONFIRMED))
    )
    oversold = sum(max(0, s.confirmed - s.capacity) for s in sessions)
    violations = (
        SessionRegistration.objects.filter(session__event=event, session__access_tier=AccessTier.GOVERNMENT_ONLY)
        .exclude(status=SeatStatus.CANCELLED)
        .exclude(delegate__stakeholder_type=StakeholderType.GOVERNMENT)
        .count()
    )
    signup_ms = [o.ms for o in outcomes if o.status == 302]
    note(
        f"summit{suffix}: {len(outcomes)} of {len(plan)} signups from {CLIENTS} clients over ports {PORTS} "
        f"in {elapsed:.1f} s ({len(outcomes) / elapsed:.0f}/s), {unexpected} unexpected statuses; "
        f"{stats['approved']} approved in {stats['batches']} batches of up to {APPROVAL_BATCH} "
        f"({stats['refused']} refused); "
        f"seats confirmed {', '.join(f'{s.title} {s.confirmed}/{s.capacity}' for s in sessions)}; "
        f"median signup {statistics.median(signup_ms) if signup_ms else 0:.0f} ms"
    )
    note(scans.summary)
    line(f"summit_signups{suffix}", len(outcomes), "requests")
    line(f"summit_signups_lost{suffix}", lost, "signups")
    line(f"summit_oversold{suffix}", oversold, "seats")
    line(f"summit_5xx{suffix}", errors, "responses")
    line(f"summit_unexpected_status{suffix}", unexpected, "responses")
    line(f"summit_tier_violations{suffix}", violations, "registrations")
    line(f"summit_wrong_admits{suffix}", scans.wrong_admits, "admits")
    line(f"summit_double_checkins{suffix}", scans.double_checkins, "badges")
    line(f"summit_missed_admits{suffix}", scans.missed_admits, "badges")
    line(f"summit_scans_not_sent{suffix}", scans.not_sent, "scans")
    line(f"summit_signup_p99_ms{suffix}", _p99(signup_ms), "ms")
    line(f"summit_scan_p99_ms{suffix}", _p99(scans.latencies), "ms")


if __name__ == "__main__":
    main(pooled="--pgbouncer" in sys.argv[1:])
