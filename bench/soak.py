"""A soak: mixed traffic at a bounded rate for a while, and what it does to each worker's memory.

One gunicorn (2 workers) on PostgreSQL with the demo data. Eight clients take turns through the
agenda, the signup form, a signup (its own address each time), a delegate's status page, the
organizers' delegate list (a signed-in superuser with a verified second factor) and a door scan,
at about SOAK_RATE requests per second in all, for BENCH_SOAK_SECONDS (default 180).

Lines: soak_requests, soak_5xx (0), soak_rss_start_mb, soak_rss_growth_mb (the largest growth of
one worker's resident memory from after a warm-up to the end; target under 20).
"""

from __future__ import annotations

import http.client
import itertools
import os
import subprocess
import threading
import time
from urllib.parse import urlencode, urlsplit

from bench.common import (
    HOST,
    csrf_pair,
    gunicorn,
    line,
    manage,
    note,
    recreate_postgres_db,
    server_env,
    setup_django,
    static_root,
)

PORT = 18151
SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "180"))
WARMUP = min(15.0, SECONDS / 6)
SOAK_RATE = 40.0  # requests per second, all clients together
CLIENTS = 8


def _rss_mb(pid: int) -> float:
    for row in open(f"/proc/{pid}/status"):
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


def _workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], check=False, capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def _arrange(port: int) -> dict:
    """The demo event open to guests, a delegate's status page, a door and badges, an organizer."""
    from bench.scaleout import organizer_session
    from registrations import queries
    from registrations.models import Delegate, DelegateStatus, Event, SeatStatus
    from registrations.queries import links
    from registrations.rules import badges

    Event.objects.update(guest_registration="open")
    event = queries.current_event()
    approved = (
        Delegate.objects.filter(
            event=event, status=DelegateStatus.APPROVED, session_registrations__status=SeatStatus.CONFIRMED
        )
        .distinct()
        .order_by("pk")[:50]
    )
    approved = list(approved)
    door_session = approved[0].session_registrations.filter(status=SeatStatus.CONFIRMED).first().session
    codes = [
        badges.make_code(event_id=d.event_id, public_id=d.public_id, version=d.badge_version or 1) for d in approved
    ]
    open_session = event.sessions.filter(access_tier="open").order_by("starts_at").first()
    cookie, token = organizer_session(port)
    return {
        "event": event.pk,
        "door_session": door_session.pk,
        "codes": codes,
        "status_paths": [urlsplit(links.status_url(d)).path for d in approved],
        "open_session": open_session.pk,
        "organizer": (cookie, token),
    }


def _requests(world: dict, n: int):
    """The mix, endlessly: (method, path, body, headers)."""
    cookie, token = csrf_pair(PORT)
    organizer_cookie, organizer_token = world["organizer"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for i in itertools.count():
        yield "GET", "/", None, {}
        yield "GET", "/register/", None, {}
        signup = {
            "csrfmiddlewaretoken": token,
            "given_name": "Soak",
            "family_name": "Test",
            "email": f"soak{n}x{i}@example.org",
            "stakeholder_type": "academia",
            "organization": "University of Soaking",
            "job_title": "Researcher",
            "country": "GB",
            "consent_data_processing": "on",
            "sessions": world["open_session"],
        }
        yield "POST", "/register/", urlencode(signup), {**form, "Cookie": f"csrftoken={cookie}"}
        yield "GET", world["status_paths"][i % len(world["status_paths"])], None, {}
        yield "GET", "/admin/registrations/delegate/", None, {"Cookie": organizer_cookie}
        scan = {
            "csrfmiddlewaretoken": organizer_token,
            "event": world["event"],
            "session": world["door_session"],
            "door": f"Soak {n}",
            "code": world["codes"][i % len(world["codes"])],
        }
        yield "POST", "/door/scan/", urlencode(scan), {**form, "Accept": "application/json", "Cookie": organizer_cookie}


def _client(world: dict, n: int, until: float, counts: dict, lock) -> None:
    interval = CLIENTS / SOAK_RATE
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    mix = _requests(world, n)
    next_at = time.monotonic()
    while time.monotonic() < until:
        method, path, body, headers = next(mix)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            conn.close()
            conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
            status = 0
        with lock:
            counts["requests"] += 1
            counts["5xx"] += status >= 500 or status == 0
            counts["other"] += 400 <= status < 500
            if 400 <= status < 500:
                counts.setdefault(f"{method} {path.split('?')[0][:20]} {status}", 0)
                counts[f"{method} {path.split('?')[0][:20]} {status}"] += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    conn.close()


def main() -> None:
    database_url = recreate_postgres_db("reg_bench_soak")
    with static_root() as static:
        env = server_env(database_url, static)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "load_demo")
        setup_django(env)
        with gunicorn(env, PORT, log_name="soak") as server:
            world = _arrange(PORT)
            counts = {"requests": 0, "5xx": 0, "other": 0}
            lock = threading.Lock()
            started = time.monotonic()
            until = started + SECONDS
            clients = [threading.Thread(target=_client, args=(world, n, until, counts, lock)) for n in range(CLIENTS)]
            for t in clients:
                t.start()
            time.sleep(WARMUP)
            workers = _workers(server.pid)
            before = {pid: _rss_mb(pid) for pid in workers}
            for t in clients:
                t.join()
            after_workers = _workers(server.pid)
            after = {pid: _rss_mb(pid) for pid in after_workers if pid in before}
            elapsed = time.monotonic() - started
    growth = max((after[pid] - before[pid] for pid in after), default=float("nan"))
    refused = {k: v for k, v in counts.items() if k not in ("requests", "5xx", "other")}
    note(
        f"soak: {counts['requests']} requests in {elapsed:.0f} s ({counts['requests'] / elapsed:.1f}/s), "
        f"workers {workers} -> {after_workers}; RSS MB after warm-up {', '.join(f'{v:.1f}' for v in before.values())}, "
        f"at the end {', '.join(f'{v:.1f}' for v in after.values())}; 4xx answers: {refused or 'none'}"
    )
    line("soak_requests", counts["requests"], "requests")
    line("soak_5xx", counts["5xx"], "responses")
    line("soak_4xx", counts["other"], "responses")
    line("soak_rss_start_mb", max(before.values(), default=float("nan")), "MB")
    line("soak_rss_growth_mb", growth, "MB")


if __name__ == "__main__":
    main()
