"""Scale-out: two app servers on one PostgreSQL and one Redis, two email workers, one rush.

Two `gunicorn config.wsgi -w 2` on two loopback ports share a database and a Redis (cache, rate
limits), as several app servers behind a proxy would: the proxy's address is trusted
(DJANGO_TRUSTED_PROXY_COUNT=1) and each simulated visitor sends its own X-Forwarded-For, so the
signup rate limit stays on and counts clients, not the bench. Two `send_queued_emails --loop`
workers drain the outbox into a counting backend (bench/mailcount.py), as do the servers when they
send right after a decision.

The rush of bench/rush.py is spread over both servers (each client alternates), while two
organizers approve one delegate at a time through the admin, one on each server. Then three probes:
the rate limit across servers, stale pages across servers, and the emails delivered.

Lines: scaleout_5xx, scaleout_oversold, scaleout_lost, scaleout_tier_violations,
scaleout_duplicate_emails, scaleout_emails_undelivered, scaleout_ratelimit_leak,
scaleout_stale_pages (all 0).
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from urllib.parse import urlencode

from bench import pgbouncer
from bench.common import (
    HOST,
    PYTHON,
    REDIS_URL,
    ROOT,
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
from bench.rush import CLIENTS, MAX_SECONDS, Outcome, _plan, _setup

PORTS = (18131, 18132)
PROBE_RATE = 10  # signups per hour per client address during the scale-out run
PROBE_ATTEMPTS = 25
STALE_PROBES = 6


def scaleout_env(database_url: str, static: str, mail_dir: str) -> dict[str, str]:
    env = server_env(database_url, static)
    env.update(
        REDIS_URL=REDIS_URL,
        BENCH_RATELIMIT="1",
        SIGNUP_RATE=f"{PROBE_RATE}/h",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        DJANGO_EMAIL_BACKEND="bench.mailcount.EmailBackend",
        BENCH_MAIL_DIR=mail_dir,
    )
    return env


@contextmanager
def email_workers(env: dict[str, str], count: int = 2):
    """`count` processes of `manage.py send_queued_emails --loop` until the block ends."""
    processes = []
    try:
        for n in range(count):
            log = tempfile.NamedTemporaryFile(prefix=f"bench-worker{n}-", suffix=".log", delete=False)
            command = [PYTHON, "manage.py", "send_queued_emails", "--loop", "--interval", "0.5"]
            processes.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))
        yield [p for p, _log in processes]
    finally:
        for process, _log in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            if "Traceback" in open(log.name, errors="replace").read():
                note(f"an email worker logged tracebacks: see {log.name}")
            else:
                os.unlink(log.name)


def request(port: int, method: str, path: str, *, body: str | None = None, headers: dict | None = None):
    """(status, body, headers); status 0 when no answer came."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace"), response.headers
    except OSError:
        return 0, "", {}
    finally:
        conn.close()


def forwarded(n: int) -> str:
    """A client address of its own for visitor n (10.x.y.z), as the proxy would forward it."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}"


# --------------------------------------------------------------------------- organizers


def organizer_session(port: int) -> tuple[str, str]:
    """A superuser's admin session (second factor verified) and a CSRF pair, as a browser holds them."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = get_user_model().objects.get_or_create(
        username="bench-organizer", defaults={"is_staff": True, "is_superuser": True}
    )
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    status, body, headers = request(
        port, "GET", "/admin/registrations/delegate/", headers={"Cookie": f"sessionid={sessionid}"}
    )
    if status != 200:
        raise RuntimeError(f"the admin answered {status} on port {port}")
    csrf = next(
        c.split(";", 1)[0].split("=", 1)[1] for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken=")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return f"sessionid={sessionid}; csrftoken={csrf}", token


def approve(port: int, cookie: str, token: str, delegate_id: int) -> int:
    status, _body, _headers = request(
        port,
        "POST",
        f"/admin/registrations/delegate/{delegate_id}/approve/",
        body=urlencode({"csrfmiddlewaretoken": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    return status


def _organizer(port: int, event, *, credentials, claimed: set, lock, stop: threading.Event, stats: dict) -> None:
    """Approve pending delegates one at a time through the admin of one server."""
    from django.db import connection

    from registrations.models import Delegate, DelegateStatus

    cookie, token = credentials
    try:
        while True:
            last_round = stop.is_set()
            pending = list(
                Delegate.objects.filter(event=event, status=DelegateStatus.PENDING)
                .order_by("pk")
                .values_list("pk", flat=True)[:50]
            )
            with lock:
                mine = [pk for pk in pending if pk not in claimed][:5]
                claimed.update(mine)
            for pk in mine:
                status = approve(port, cookie, token, pk)
                stats["statuses"].append(status)
                stats["approved"] += status == 302
            if last_round and not mine:
                return
            if not mine:
                time.sleep(0.05)
    finally:
        connection.close()


# --------------------------------------------------------------------------- the rush


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


# --------------------------------------------------------------------------- probes


def ratelimit_leak(session) -> tuple[int, int]:
    """One client (one forwarded address) alternating servers: accepted signups beyond the limit."""
    pairs = [csrf_pair(port) for port in PORTS]
    accepted = refused = 0
    statuses = []
    for n in range(PROBE_ATTEMPTS):
        port = PORTS[n % 2]
        cookie, token = pairs[n % 2]
        fields = {
            "csrfmiddlewaretoken": token,
            "given_name": "Probe",
            "family_name": "Client",
            "email": f"probe{n}@example.org",
            "stakeholder_type": "academia",
            "organization": "Probe University",
            "job_title": "Adviser",
            "country": "GB",
            "consent_data_processing": "on",
            "sessions": session.pk,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "X-Forwarded-For": "198.51.100.7",
        }
        status, _body, _headers = request(port, "POST", "/register/", body=urlencode(fields), headers=headers)
        accepted += status == 302
        refused += status == 429
        statuses.append(status)
        if status not in (302, 429) and statuses.count(status) == 1:
            errors = re.findall(r'class="[^"]*(?:errorlist|alert)[^"]*"[^>]*>(.*?)</', _body, re.S)
            note(f"rate-limit probe answered {status}: {[e.strip()[:120] for e in errors[:3]]}")
    note(f"rate-limit probe: {accepted} accepted, {refused} refused (429) of {PROBE_ATTEMPTS}, limit {PROBE_RATE}")
    # Every POST counts against the limit, accepted or not: what got past the limiter beyond it leaked.
    return max(0, PROBE_ATTEMPTS - refused - PROBE_RATE), accepted + refused != PROBE_ATTEMPTS


class _FormFields(HTMLParser):
    """The fields a browser would submit from the page's <form id=form_id>."""

    def __init__(self, form_id: str):
        super().__init__()
        self._form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self._form_id:
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, "multiple" in a
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._selected and self._first_option is not None:  # a browser sends the first option
                self.fields.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def rename_session(port: int, cookie: str, session_id: int, title: str) -> int:
    """Change a session's English title through the admin's change form of one server."""
    path = f"/admin/registrations/session/{session_id}/change/"
    status, body, _headers = request(port, "GET", path, headers={"Cookie": cookie})
    if status != 200:
        return status
    parser = _FormFields("session_form")
    parser.feed(body)
    fields = [(k, title if k == "title_en" else v) for k, v in parser.fields]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    status, body, _headers = request(port, "POST", path, body=urlencode(fields), headers=headers)
    if status != 302:
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
        note(f"renaming a session on {port} answered {status}: {errors[:3]}")
    return status


_SEATS = re.compile(r'<div class="fw-semibold">(.*?)</div>.*?<div class="small seats">(.*?)</div>', re.S)


def stale_pages(event, credentials) -> tuple[int, int]:
    """A change through one server, then the next page from the other: (stale pages, failed changes)."""
    from django.utils import timezone
    from django.utils.html import escape

    from registrations import queries, services
    from registrations.models import AccessTier, Delegate, DelegateStatus, Session

    start = timezone.now() + timezone.timedelta(days=30, hours=5)
    session = Session.objects.create(
        event=event,
        title="Probe session",
        starts_at=start,
        ends_at=start + timezone.timedelta(hours=1),
        access_tier=AccessTier.OPEN,
        capacity=100,
    )
    from registrations.services.public_version import bump

    bump(event_ids=[event.pk])
    delegates = []
    for n in range(STALE_PROBES):
        services.register_delegate(
            event=event,
            details={
                "given_name": "Stale",
                "family_name": f"Probe {n}",
                "email": f"stale{n}@example.org",
                "stakeholder_type": "academia",
                "organization": "Probe University",
                "job_title": "Researcher",
                "country": "GB",
                "consent_data_processing": True,
            },
            sessions=[session],
        )
    delegates = list(Delegate.objects.filter(event=event, email__startswith="stale").order_by("pk"))
    stale = failed = 0
    for n, delegate in enumerate(delegates):
        writer, reader = PORTS[n % 2], PORTS[(n + 1) % 2]
        cookie, token = credentials[writer]
        # Warm the reader's view of the page first, so a stale copy would be there to serve.
        request(reader, "GET", "/")
        request(reader, "GET", "/register/")
        title = f"Probe session {n}"
        failed += approve(writer, cookie, token, delegate.pk) != 302
        failed += rename_session(writer, cookie, session.pk, title) != 302
        session.refresh_from_db()
        seats = next(s for s in queries.agenda(event) if s.pk == session.pk).seats_left
        agenda = request(reader, "GET", "/")[1]
        signup = request(reader, "GET", "/register/")[1]
        shown = {t.strip(): s.strip() for t, s in _SEATS.findall(agenda)}
        expected = f"{seats} of {session.capacity} seats left"
        stale += shown.get(escape(title)) != expected
        stale += escape(title) not in signup
        assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.APPROVED or failed
    return stale, failed


# --------------------------------------------------------------------------- main


def main(pooled: bool = False) -> None:
    database_url = recreate_postgres_db("reg_scaleout")
    flush_redis(REDIS_URL)
    mail_dir = tempfile.mkdtemp(prefix="bench-mail-")
    try:
        with static_root() as static, ExitStack() as pooler:
            env = scaleout_env(database_url, static, mail_dir)
            manage(env, "migrate", "--noinput")
            manage(env, "collectstatic", "--noinput")
            if pooled:  # the servers, the workers and this process, all through PgBouncer
                env = pgbouncer.pooled_env(env, pooler.enter_context(pgbouncer.pgbouncer()), "reg_scaleout")
            setup_django(env)
            event, open_session, government_session = _setup()
            plan = _plan(open_session, government_session)
            jobs: queue.Queue = queue.Queue()
            for index, signup in enumerate(plan):
                jobs.put((index, signup))
            outcomes: list[Outcome] = []
            stats = {"approved": 0, "statuses": []}
            with ExitStack() as stack:
                for n, port in enumerate(PORTS):
                    stack.enter_context(gunicorn(env, port, log_name=f"scaleout{n}"))
                stack.enter_context(email_workers(env, 2))
                credentials = {port: organizer_session(port) for port in PORTS}
                deadline = time.monotonic() + MAX_SECONDS
                stop = threading.Event()
                claimed: set[int] = set()
                lock = threading.Lock()
                organizers = [
                    threading.Thread(
                        target=_organizer,
                        args=(port, event),
                        kwargs={
                            "credentials": credentials[port],
                            "claimed": claimed,
                            "lock": lock,
                            "stop": stop,
                            "stats": stats,
                        },
                    )
                    for port in PORTS
                ]
                clients = [threading.Thread(target=_client, args=(n, jobs, outcomes, deadline)) for n in range(CLIENTS)]
                started = time.monotonic()
                for t in organizers + clients:
                    t.start()
                for t in clients:
                    t.join()
                elapsed = time.monotonic() - started
                stop.set()
                for t in organizers:
                    t.join(timeout=120)
                leak, probe_odd = ratelimit_leak(open_session)
                stale, failed_changes = stale_pages(event, credentials)
                undelivered = _drain()
            _report(
                event,
                plan,
                outcomes,
                stats,
                elapsed=elapsed,
                mail_dir=mail_dir,
                leak=leak,
                probe_odd=probe_odd,
                stale=stale,
                failed_changes=failed_changes,
                undelivered=undelivered,
                suffix=pgbouncer.suffix(pooled),
            )
    finally:
        shutil.rmtree(mail_dir, ignore_errors=True)
        flush_redis(REDIS_URL)


def _drain(seconds: float = 90) -> int:
    """Wait for the workers to empty the outbox; return the emails still not sent."""
    from registrations.models import EmailStatus, OutboundEmail

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = OutboundEmail.objects.exclude(status=EmailStatus.SENT).count()
        if not left:
            return 0
        time.sleep(0.5)
    return left


def _report(
    event, plan, outcomes, stats, *, elapsed, mail_dir, leak, probe_odd, stale, failed_changes, undelivered, suffix
):
    from django.db.models import Count, Q

    from bench.mailcount import delivered, outbox_sent
    from registrations.models import AccessTier, Delegate, SeatStatus, Session, SessionRegistration, StakeholderType

    server_errors = sum(1 for o in outcomes if o.status >= 500 or o.status == 0)
    server_errors += sum(1 for s in stats["statuses"] if s >= 500 or s == 0)
    unexpected = sum(1 for o in outcomes if 0 < o.status < 500 and o.status != o.signup.expected)
    accepted = {o.signup.email.lower() for o in outcomes if o.status == 302}
    rows = {
        e.lower()
        for e in Delegate.objects.filter(event=event)
        .exclude(email__startswith="probe")
        .exclude(email__startswith="stale")
        .values_list("email", flat=True)
    }
    lost = len(accepted - rows) + len(rows - accepted)
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
    sent_rows, _not_sent = outbox_sent()
    deliveries = delivered(mail_dir)
    duplicates = sum(max(0, n - sent_rows.get(key, 0)) for key, n in deliveries.items())
    never = sum(max(0, n - deliveries.get(key, 0)) for key, n in sent_rows.items())
    note(
        f"scale-out{suffix}: {len(outcomes)} of {len(plan)} signups over ports {PORTS} in {elapsed:.1f} s; "
        f"{stats['approved']} approved one by one through both admins; "
        f"{sum(deliveries.values())} emails delivered, {sum(sent_rows.values())} outbox rows sent; "
        f"{unexpected} unexpected statuses; {failed_changes} probe changes failed; "
        + ("the rate-limit probe saw other answers than 302/429" if probe_odd else "rate-limit probe: 302/429 only")
    )
    line(f"scaleout_requests{suffix}", len(outcomes), "requests")
    line(f"scaleout_5xx{suffix}", server_errors, "responses")
    line(f"scaleout_oversold{suffix}", oversold, "seats")
    line(f"scaleout_lost{suffix}", lost, "signups")
    line(f"scaleout_tier_violations{suffix}", violations, "registrations")
    line(f"scaleout_duplicate_emails{suffix}", duplicates, "emails")
    line(f"scaleout_emails_undelivered{suffix}", undelivered + never, "emails")
    line(f"scaleout_ratelimit_leak{suffix}", leak, "signups")
    line(f"scaleout_stale_pages{suffix}", stale, "pages")


if __name__ == "__main__":
    main(pooled="--pgbouncer" in sys.argv[1:])
