"""Registration rush: 500 signups from 50 clients at once while an organizer approves in bulk.

Starts the real server (gunicorn, 2 workers, PostgreSQL), then fires a bounded number of signups
at a 50-seat open session and a 20-seat government-only session: government delegates, invited
experts, duplicates (same address, other case, often at the same moment as the original) and
industry guests crafted to claim the government-only session. Meanwhile this process approves
pending delegates in bulk through `services.approve_delegates`, on its own database connection.

Prints rush_5xx, rush_oversold, rush_lost, rush_tier_violations (targets: 0) and rush_p99_ms.
"""

from __future__ import annotations

import http.client
import queue
import random
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from bench.common import (
    HOST,
    gunicorn,
    line,
    manage,
    note,
    recreate_postgres_db,
    server_env,
    setup_django,
    static_root,
)

PORT = 18121
SIGNUPS = 500
CLIENTS = 50
DUPLICATES = 50
CRAFTED = 50
GOVERNMENT = 200  # the rest are civil society, academia and industry
MAX_SECONDS = 240  # a bound on the whole rush, whatever the server does


@dataclass
class Signup:
    email: str
    fields: list[tuple[str, str]]
    expected: int  # 302 accepted, 400 refused


@dataclass
class Outcome:
    signup: Signup
    status: int  # 0: no response (connection failed)
    ms: float


def _setup():
    from django.utils import timezone

    from registrations.models import AccessTier, Event, Session

    now = timezone.now()
    event = Event.objects.create(
        name="Rush convening",
        slug="rush",
        venue="Loopback hall",
        time_zone="America/Los_Angeles",
        starts_on=(now + timedelta(days=30)).date(),
        ends_on=(now + timedelta(days=31)).date(),
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=10),
    )
    start = now + timedelta(days=30)
    open_session = Session.objects.create(
        event=event,
        title="Open plenary",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        access_tier=AccessTier.OPEN,
        capacity=50,
    )
    government_session = Session.objects.create(
        event=event,
        title="Members only",
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=3),
        access_tier=AccessTier.GOVERNMENT_ONLY,
        capacity=20,
    )
    return event, open_session, government_session


def _plan(open_session, government_session) -> list[Signup]:
    from registrations.models import Institute

    rng = random.Random(2026)
    institutes = list(Institute.objects.order_by("pk"))
    base = [
        ("given_name", "Rush"),
        ("family_name", "Delegate"),
        ("job_title", "Adviser"),
        ("country", "GB"),
        ("consent_data_processing", "on"),
    ]
    plan: list[Signup] = []
    for n in range(GOVERNMENT):
        institute = institutes[n % len(institutes)]
        email = f"gov{n}@{institute.domain_list[0]}"
        fields = [*base, ("email", email), ("stakeholder_type", "government"), ("institute", str(institute.pk))]
        fields += [("sessions", str(government_session.pk)), ("sessions", str(open_session.pk))]
        plan.append(Signup(email, fields, 302))
    kinds = ["civil_society", "academia", "industry"]
    for n in range(SIGNUPS - GOVERNMENT - DUPLICATES - CRAFTED):
        email = f"guest{n}@example.org"
        fields = [*base, ("email", email), ("stakeholder_type", kinds[n % 3]), ("organization", f"Org {n}")]
        fields += [("sessions", str(open_session.pk))]
        plan.append(Signup(email, fields, 302))
    for n in range(CRAFTED):  # industry guests claiming the government-only session
        email = f"crafted{n}@industry.example"
        fields = [*base, ("email", email), ("stakeholder_type", "industry"), ("organization", "Model Systems Ltd")]
        fields += [("sessions", str(government_session.pk)), ("sessions", str(open_session.pk))]
        plan.append(Signup(email, fields, 400))
    originals = [s for s in plan if s.expected == 302]
    for original in rng.sample(originals, DUPLICATES):  # the same address again, in other letters
        local, domain = original.email.split("@")
        fields = [(k, local.upper() + "@" + domain.upper() if k == "email" else v) for k, v in original.fields]
        plan.append(Signup(original.email, fields, 302))
    rng.shuffle(plan)
    return plan


def _client(jobs: queue.Queue, outcomes: list[Outcome], deadline: float) -> None:
    from bench.common import csrf_pair

    try:
        cookie, token = csrf_pair(PORT)
    except (OSError, StopIteration, AttributeError):
        cookie, token = "", ""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    while time.monotonic() < deadline:
        try:
            signup = jobs.get_nowait()
        except queue.Empty:
            return
        body = urlencode([("csrfmiddlewaretoken", token), *signup.fields])
        started = time.monotonic()
        status = 0
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        try:
            conn.request("POST", "/register/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            conn.close()
        outcomes.append(Outcome(signup, status, (time.monotonic() - started) * 1000))


def _organizer(event, stop: threading.Event, stats: dict) -> None:
    """Approve whoever is pending, in batches, until the rush is over; then once more."""
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
                .values_list("pk", flat=True)[:100]
            )
            if pending:
                result = services.approve_delegates(delegate_ids=pending, actor=services.Actor.system())
                stats["approved"] += len(result.done)
                stats["batches"] += 1
                refused.update(d.pk for d, _reason in result.refused)
            if last_round and not pending:
                return
            if not pending:
                time.sleep(0.05)
            if stats["batches"] > 10_000:
                return
    finally:
        connection.close()


def main() -> None:
    database_url = recreate_postgres_db("reg_rush")
    with static_root() as static:
        env = server_env(database_url, static)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup_django(env)
        event, open_session, government_session = _setup()
        plan = _plan(open_session, government_session)
        jobs: queue.Queue = queue.Queue()
        for signup in plan:
            jobs.put(signup)
        outcomes: list[Outcome] = []
        stats = {"approved": 0, "batches": 0}
        with gunicorn(env, PORT, log_name="rush"):
            deadline = time.monotonic() + MAX_SECONDS
            stop = threading.Event()
            organizer = threading.Thread(target=_organizer, args=(event, stop, stats))
            clients = [threading.Thread(target=_client, args=(jobs, outcomes, deadline)) for _ in range(CLIENTS)]
            started = time.monotonic()
            organizer.start()
            for t in clients:
                t.start()
            for t in clients:
                t.join()
            elapsed = time.monotonic() - started
            stop.set()
            organizer.join(timeout=120)
        _report(event, plan, outcomes, stats, elapsed)


def _report(event, plan, outcomes, stats, elapsed) -> None:
    from django.db.models import Count, Q

    from registrations.models import AccessTier, Delegate, SeatStatus, Session, SessionRegistration, StakeholderType

    server_errors = sum(1 for o in outcomes if o.status >= 500)
    no_response = sum(1 for o in outcomes if o.status == 0)
    unexpected = sum(1 for o in outcomes if 0 < o.status < 500 and o.status != o.signup.expected)
    accepted = {o.signup.email.lower() for o in outcomes if o.status == 302}
    rows = {e.lower() for e in Delegate.objects.filter(event=event).values_list("email", flat=True)}
    lost = len(accepted - rows) + len(rows - accepted)
    sessions = Session.objects.filter(event=event).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=SeatStatus.CONFIRMED))
    )
    oversold = sum(max(0, s.confirmed - s.capacity) for s in sessions)
    confirmed = {s.title: s.confirmed for s in sessions}
    violations = (
        SessionRegistration.objects.filter(session__event=event, session__access_tier=AccessTier.GOVERNMENT_ONLY)
        .exclude(status=SeatStatus.CANCELLED)
        .exclude(delegate__stakeholder_type=StakeholderType.GOVERNMENT)
        .count()
    )
    latencies = sorted(o.ms for o in outcomes)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    note(
        f"rush: {len(outcomes)} of {len(plan)} signups sent by {CLIENTS} clients in {elapsed:.1f} s; "
        f"{stats['approved']} approved in {stats['batches']} bulk approvals; "
        f"confirmed seats {confirmed}"
    )
    line("rush_requests", len(outcomes), "requests")
    line("rush_5xx", server_errors + no_response, "responses")
    line("rush_unexpected_status", unexpected, "responses")
    line("rush_oversold", oversold, "seats")
    line("rush_lost", lost, "signups")
    line("rush_tier_violations", violations, "registrations")
    line("rush_p99_ms", p99, "ms")
    line("rush_median_ms", statistics.median(latencies) if latencies else 0.0, "ms")
    line("rush_approved", stats["approved"], "delegates")


if __name__ == "__main__":
    main()
