"""Faults in the middle of a rush: a worker killed, PostgreSQL restarted, Redis stopped, SMTP hanging.

Everything that is made to fail is this phase's own, started here and stopped here (try/finally):
a PostgreSQL cluster initialised in a temporary directory (port 55432, trust auth, its socket in
that directory), a `redis-server` on port 56379 (no persistence), an SMTP server that accepts and
then hangs (bench/smtpsink.py), one gunicorn (2 workers) and one `send_queued_emails` worker. The
machine's shared PostgreSQL (5432) and Redis (6379) are never touched.

While 16 clients sign up continuously (each with its own forwarded address, the signup rate limit
on and counting in Redis), the bench kills a gunicorn worker with SIGKILL, restarts PostgreSQL
(`pg_ctl restart -m fast`), stops Redis for 4 s, and keeps the mail server hanging until near the
end. Lines: fault_5xx_not_503, fault_partial_rows, fault_lost_accepted, fault_recovery_s,
fault_emails_lost (see bench/README.md).
"""

from __future__ import annotations

import glob
import http.client
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from bench.common import HOST, csrf_pair, gunicorn, line, manage, note, server_env, setup_django, static_root
from bench.scaleout import email_workers, forwarded


def _free_port(preferred: int) -> int:
    """The first port from `preferred` on that nobody listens on (another engineer's may be taken)."""
    import socket

    for port in range(preferred, preferred + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {preferred}")


HTTP_PORT = 18141
PG_PORT = _free_port(55432)
REDIS_PORT = _free_port(56379)
CLIENTS = 16
SECONDS = float(os.environ.get("BENCH_FAULT_SECONDS", "44"))
# When each fault starts, in seconds from the start of the rush.
KILL_AT, PG_AT, REDIS_AT, SMTP_OK_AT = 4.0, 10.0, 22.0, 32.0
REDIS_DOWN_FOR = 4.0


# --------------------------------------------------------------------------- our own services


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


class OwnPostgres:
    """A PostgreSQL cluster of this bench only, in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bench-faults-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.user = None if os.geteuid() else pwd.getpwnam("postgres")  # initdb refuses to run as root
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.user else []
        subprocess.run([*prefix, *command], check=True, timeout=timeout, capture_output=True)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {PG_PORT} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", self.log, "-w", action, *extra)

    def start(self) -> OwnPostgres:
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        try:
            self._ctl("start")
        except subprocess.CalledProcessError:
            note(f"the bench's PostgreSQL did not start on {PG_PORT}: {self._log_tail()}")
            raise
        return self

    def _log_tail(self) -> str:
        try:
            return " | ".join(open(self.log, errors="replace").read().strip().splitlines()[-5:])
        except OSError:
            return "(no log)"

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate")
        except Exception as error:  # stopped already, or never started: clean up below anyway
            note(f"stopping the bench's PostgreSQL: {error!r}")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


class OwnRedis:
    """A redis-server of this bench only (no persistence), on its own port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bench-faults-redis-")
        self.pidfile = os.path.join(self.dir, "redis.pid")

    def start(self) -> OwnRedis:
        subprocess.run(
            [
                *("redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--daemonize", "yes", "--pidfile", self.pidfile, "--dir", self.dir),
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline:
                raise RuntimeError("the bench's redis-server did not start")
            time.sleep(0.1)
        return self

    @staticmethod
    def ping() -> bool:
        ping = ["redis-cli", "-p", str(REDIS_PORT), "ping"]
        return subprocess.run(ping, check=False, capture_output=True).stdout.strip() == b"PONG"

    def stop(self) -> None:
        try:
            pid = int(open(self.pidfile).read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{REDIS_PORT}/0"


# --------------------------------------------------------------------------- the rush


@dataclass
class Answer:
    email: str | None  # None: a page view
    sent: float
    done: float
    status: int  # 0: no answer (the connection failed)
    body: str


def _client(n: int, stop: threading.Event, answers: list, session_pk: int, t0: float) -> None:
    token = cookie = ""
    i = 0
    while not stop.is_set():
        i += 1
        if not token:
            try:
                cookie, token = csrf_pair(HTTP_PORT)
            except Exception:  # a fault: try again in a moment
                time.sleep(0.2)
                continue
        email = f"fault{n}x{i}@example.org"
        if i % 5 == 0:
            method, path, body, email = "GET", "/", None, None
            headers = {}
        else:
            fields = [
                ("csrfmiddlewaretoken", token),
                ("given_name", "Fault"),
                ("family_name", "Rush"),
                ("email", email),
                ("stakeholder_type", "academia"),
                ("organization", "University of Faults"),
                ("job_title", "Researcher"),
                ("country", "GB"),
                ("consent_data_processing", "on"),
                ("sessions", str(session_pk)),
            ]
            method, path, body = "POST", "/register/", urlencode(fields)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "X-Forwarded-For": forwarded(n * 100_000 + i),
            }
        sent = time.monotonic() - t0
        status, text = 0, ""
        conn = http.client.HTTPConnection(HOST, HTTP_PORT, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            status, text = response.status, response.read().decode(errors="replace")
        except OSError:
            status = 0
        finally:
            conn.close()
        answers.append(Answer(email, sent, time.monotonic() - t0, status, text if status >= 500 else ""))
        time.sleep(0.05)  # a bounded rate: about 16 clients x 10-15 requests/s at most


def _worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], check=False, capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _faults(t0, gunicorn_master: int, *, postgres: OwnPostgres, redis: OwnRedis, sink, events: dict) -> None:
    def at(t):
        time.sleep(max(0.0, t - (time.monotonic() - t0)))

    at(KILL_AT)
    victims = _worker_pids(gunicorn_master)
    if victims:
        os.kill(victims[0], signal.SIGKILL)
        events["worker_killed"] = time.monotonic() - t0
    at(PG_AT)
    events["postgres_down"] = time.monotonic() - t0
    postgres.restart()  # returns once the server accepts connections again
    events["postgres_back"] = time.monotonic() - t0
    at(REDIS_AT)
    events["redis_down"] = time.monotonic() - t0
    redis.stop()
    time.sleep(REDIS_DOWN_FOR)
    redis.start()
    events["redis_back"] = time.monotonic() - t0
    at(SMTP_OK_AT)
    sink.mode = "ok"
    events["smtp_ok"] = time.monotonic() - t0


# --------------------------------------------------------------------------- main


def main() -> int:
    from bench.smtpsink import SMTPSink

    with ExitStack() as cleanup:
        postgres = OwnPostgres()
        cleanup.callback(postgres.stop)
        postgres.start()
        redis = OwnRedis()
        cleanup.callback(redis.cleanup)
        redis.start()
        sink = SMTPSink().start()
        cleanup.callback(sink.stop)
        database_url = postgres.create_database("reg_faults")
        static = cleanup.enter_context(static_root())
        env = server_env(database_url, static)
        env.update(
            REDIS_URL=redis.url,
            BENCH_RATELIMIT="1",
            SIGNUP_RATE="1000/m",
            DJANGO_TRUSTED_PROXY_COUNT="1",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            DJANGO_EMAIL_HOST=HOST,
            DJANGO_EMAIL_PORT=str(sink.port),
        )
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup_django(env)
        session_pk = _arrange()
        answers: list[Answer] = []
        events: dict[str, float] = {}
        server = cleanup.enter_context(gunicorn(env, HTTP_PORT, log_name="faults"))
        cleanup.enter_context(email_workers(env, 1))
        stop = threading.Event()
        t0 = time.monotonic()
        clients = [threading.Thread(target=_client, args=(n, stop, answers, session_pk, t0)) for n in range(CLIENTS)]
        for t in clients:
            t.start()
        try:
            _faults(t0, server.pid, postgres=postgres, redis=redis, sink=sink, events=events)
            time.sleep(max(0.0, SECONDS - (time.monotonic() - t0)))
        finally:
            stop.set()
            for t in clients:
                t.join(timeout=60)
        sink.mode = "ok"
        undelivered, drained_s = _drain()
        _report(answers, events, sink, undelivered)
        line("fault_drain_s", drained_s, "s")
    return 0


def _arrange() -> int:
    from django.utils import timezone

    from registrations.models import AccessTier, Event, Session

    now = timezone.now()
    event = Event.objects.create(
        name="Fault convening",
        slug="faults",
        venue="Loopback hall",
        time_zone="UTC",
        starts_on=(now + timedelta(days=30)).date(),
        ends_on=(now + timedelta(days=31)).date(),
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=10),
    )
    start = now + timedelta(days=30)
    return Session.objects.create(
        event=event,
        title="Plenary",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        access_tier=AccessTier.OPEN,
        capacity=10_000,
    ).pk


def _drain(stalled_after: float = 20, at_most: float = 300) -> tuple[int, float]:
    """Let the email worker deliver what is left, the retry backoff skipped (time that would pass):
    an email is lost if it is still pending when the outbox has stopped shrinking for `stalled_after`
    seconds (a backlog being delivered is late, not lost). Returns (pending, seconds drained)."""
    from django.db import connection
    from django.utils import timezone

    from registrations.models import EmailStatus, OutboundEmail

    connection.close()  # this process's connection died with the restart
    started = time.monotonic()
    fewest, progress_at = None, started
    while True:
        pending = OutboundEmail.objects.filter(status=EmailStatus.PENDING)
        left = pending.count()
        now = time.monotonic()
        if not left:
            return 0, now - started
        if fewest is None or left < fewest:
            fewest, progress_at = left, now
        if now - progress_at > stalled_after or now - started > at_most:
            return left, now - started
        pending.filter(next_attempt_at__gt=timezone.now()).update(next_attempt_at=timezone.now())
        time.sleep(1)


def _report(answers: list[Answer], events: dict, sink, undelivered: int) -> None:
    from django.db.models import Count

    from registrations.models import (
        AuditAction,
        AuditEntry,
        Delegate,
        EmailKind,
        EmailStatus,
        OutboundEmail,
        SessionRegistration,
    )

    not_503 = [a for a in answers if a.status >= 500 and a.status != 503]
    refused_503 = sum(1 for a in answers if a.status == 503)
    no_answer = sum(1 for a in answers if a.status == 0)
    accepted = {a.email.lower() for a in answers if a.email and a.status == 302}
    delegates = Delegate.objects.annotate(
        seats=Count("session_registrations", distinct=True),
        audits=Count("audit_entries", distinct=True),
    )
    rows = {d.email.lower(): d for d in delegates}
    lost_accepted = len(accepted - rows.keys())
    received = set(
        OutboundEmail.objects.filter(kind=EmailKind.REGISTRATION_RECEIVED).values_list("delegate_id", flat=True)
    )
    partial = sum(1 for d in rows.values() if d.seats == 0 or d.audits == 0 or d.pk not in received)
    partial += SessionRegistration.objects.filter(delegate__isnull=True).count()
    partial += AuditEntry.objects.filter(action=AuditAction.REGISTERED, delegate__isnull=True).count()
    sent_rows = OutboundEmail.objects.filter(status=EmailStatus.SENT).count()
    gave_up = OutboundEmail.objects.filter(status=EmailStatus.FAILED).count()
    emails_lost = undelivered + gave_up + max(0, sent_rows - len(sink.received))
    recoveries = {}
    for fault, back in (("postgres", events.get("postgres_back")), ("redis", events.get("redis_back"))):
        if back is None:
            continue
        after = [a.done for a in answers if a.email and a.status == 302 and a.sent >= back]
        recoveries[fault] = (min(after) - back) if after else float("inf")
    note(
        "faults at (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(events.items(), key=lambda kv: kv[1]))
        + f"; {len(answers)} requests, {len(accepted)} signups accepted, {refused_503} refused with 503, "
        f"{no_answer} without an answer (the killed worker's), {len(sink.received)} emails taken by the SMTP sink "
        f"({sent_rows} outbox rows sent, {gave_up} given up); recovery: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in recoveries.items())
    )
    if not_503:
        note(f"not 503: {sorted({a.status for a in not_503})}, first body: {not_503[0].body[:300]!r}")
    line("fault_requests", len(answers), "requests")
    line("fault_5xx_not_503", len(not_503), "responses")
    line("fault_503", refused_503, "responses")
    line("fault_no_answer", no_answer, "requests")
    line("fault_partial_rows", partial, "rows")
    line("fault_lost_accepted", lost_accepted, "signups")
    line("fault_recovery_s", max(recoveries.values()) if recoveries else float("nan"), "s")
    line("fault_emails_lost", emails_lost, "emails")


if __name__ == "__main__":
    raise SystemExit(main())
