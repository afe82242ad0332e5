"""Page speed against the bare yardsticks, side by side on one gunicorn (2 workers) on PostgreSQL.

Prints signup_get_vs_bare_ratio, agenda_get_vs_bare_ratio, signup_post_vs_insert_ratio (valid
signups, each with its own email, through the real CSRF path) and agenda_seats_stale (the seats
shown by GET / right after an approval, compared with the database).
"""

from __future__ import annotations

import http.client
import re
import secrets
import statistics
from urllib.parse import urlencode

from bench.common import (
    HOST,
    csrf_pair,
    gunicorn,
    line,
    load_tool,
    manage,
    note,
    recreate_postgres_db,
    run_load,
    server_env,
    setup_django,
    static_root,
)

PORT = 18111
PORT_NO_MIDDLEWARE = 18112
ROUNDS = 3
SECONDS = 3
CONNECTIONS = 8
TEXTBOOK = "/bench/textbook/register/"


def _interleaved(urls: dict[str, dict], rounds: int = ROUNDS) -> dict[str, list]:
    """Run each load in turn, `rounds` times, so noise on this shared machine hits them alike."""
    results: dict[str, list] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, spec in urls.items():
            results[name].append(run_load(seconds=SECONDS, connections=CONNECTIONS, **spec))
    return results


def _median_rps(results) -> float:
    return statistics.median(r.rps for r in results)


def main() -> None:
    database_url = recreate_postgres_db("reg_bench")
    with static_root() as static:
        env = server_env(database_url, static)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "load_demo")
        setup_django(env)
        from registrations.models import Event

        # The demo takes guests by invitation only; the bench measures the public signup form as before.
        Event.objects.update(guest_registration="open")
        base = f"http://{HOST}:{PORT}"
        bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings_no_middleware"}
        with gunicorn(env, PORT, log_name="web"), gunicorn(bare_env, PORT_NO_MIDDLEWARE, log_name="web-bare"):
            note(f"load tool: {load_tool()}, {CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s per URL")
            _stack_ratio(base, f"http://{HOST}:{PORT_NO_MIDDLEWARE}")
            _get_ratios(base)
            _post_ratio(base)
            _agenda_after_approval()
        # What if: the same server without Django's per-request connection health check (a
        # `SELECT 1` round trip before the first query of every request).
        whatif = {**env, "BENCH_CONN_HEALTH_CHECKS": "0"}
        with gunicorn(whatif, PORT, log_name="web-whatif"):
            note("what if: no connection health checks (signup emails are the worker's in both servers)")
            _get_ratios(base, prefix="whatif_", rounds=2)
            _post_ratio(base, prefix="whatif_", rounds=2)


def _stack_ratio(base: str, no_middleware: str) -> None:
    """The same bare view through the production middleware stack and through none."""
    loads = {"stack": {"url": base + "/bench/bare/"}, "none": {"url": no_middleware + "/bench/bare/"}}
    for spec in loads.values():
        run_load(spec["url"], seconds=1, connections=4)
    results = _interleaved(loads)
    stack, none = _median_rps(results["stack"]), _median_rps(results["none"])
    line("bare_no_middleware_rps", none, "req/s")
    line("stack_vs_no_middleware_ratio", stack / none, "ratio")
    line("stack_errors", sum(r.bad for rs in results.values() for r in rs), "responses")


def _get_ratios(base: str, prefix: str = "", rounds: int = ROUNDS) -> None:
    loads = {
        "bare": {"url": base + "/bench/bare/"},
        "signup": {"url": base + "/register/"},
        "agenda": {"url": base + "/"},
    }
    if not prefix:  # the textbook peer's form (bench/peer/), in the same rounds
        loads["textbook"] = {"url": base + TEXTBOOK}
    for spec in loads.values():  # warm both workers' caches
        run_load(spec["url"], seconds=1, connections=4)
    results = _interleaved(loads, rounds)
    bad = sum(r.bad for rs in results.values() for r in rs)
    bare, signup, agenda = (_median_rps(results[k]) for k in ("bare", "signup", "agenda"))
    line(prefix + "bare_get_rps", bare, "req/s")
    line(prefix + "signup_get_rps", signup, "req/s")
    line(prefix + "agenda_get_rps", agenda, "req/s")
    line(prefix + "signup_get_vs_bare_ratio", signup / bare, "ratio")
    line(prefix + "agenda_get_vs_bare_ratio", agenda / bare, "ratio")
    if "textbook" in results:
        textbook = _median_rps(results["textbook"])
        line("textbook_get_rps", textbook, "req/s")
        line("signup_get_vs_textbook_ratio", signup / textbook, "ratio")
    line(prefix + "get_errors", bad, "responses")


def _post_ratio(base: str, prefix: str = "", rounds: int = ROUNDS) -> None:
    from registrations.models import Delegate, Session

    sessions = list(Session.objects.filter(access_tier="open").order_by("starts_at").values_list("pk", flat=True)[:2])
    cookie, token = csrf_pair(PORT)
    run_id = secrets.token_hex(3)
    fields = [
        ("csrfmiddlewaretoken", token),
        ("given_name", "Bench"),
        ("family_name", "Signup"),
        ("stakeholder_type", "academia"),
        ("organization", "University of Benchmarks"),
        ("job_title", "Researcher"),
        ("country", "GB"),
        ("language", "en"),
        ("consent_data_processing", "on"),
        *[("sessions", str(pk)) for pk in sessions],
    ]
    body_post = "%40example.org"
    signup_spec = {
        "url": base + "/register/",
        "method": "POST",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"},
        "body_post": body_post,
        "numbered": True,
    }
    insert_spec = {"url": base + "/bench/insert/", "method": "POST", "body_pre": ""}
    textbook_spec = {**signup_spec, "url": base + TEXTBOOK}
    signup_results, insert_results, textbook_results = [], [], []
    for n in range(rounds):
        insert_results.append(run_load(seconds=SECONDS, connections=CONNECTIONS, **insert_spec))
        emails = f"bench-{prefix}{run_id}-r{n}-"  # the load tool numbers requests from 1 in each run
        body_pre = urlencode(fields) + f"&email={emails}"
        result = run_load(seconds=SECONDS, connections=CONNECTIONS, body_pre=body_pre, **signup_spec)
        created = Delegate.objects.filter(email__startswith=emails).count()
        # Valid signups per second: rows actually written, over the time of the run.
        result.valid = created
        signup_results.append(result)
        if not prefix:  # the textbook peer's signup, the same fields, in the same rounds
            emails = f"textbook-{run_id}-r{n}-"
            body_pre = urlencode(fields) + f"&email={emails}"
            result = run_load(seconds=SECONDS, connections=CONNECTIONS, body_pre=body_pre, **textbook_spec)
            result.valid = Delegate.objects.filter(email__startswith=emails).count()
            textbook_results.append(result)
    insert_rps = _median_rps(insert_results)
    signup_rps = statistics.median(r.valid / r.seconds for r in signup_results)
    refused = sum(r.requests - r.valid for r in signup_results)
    line(prefix + "insert_post_rps", insert_rps, "req/s")
    line(prefix + "signup_post_valid_rps", signup_rps, "signups/s")
    line(prefix + "signup_post_vs_insert_ratio", signup_rps / insert_rps, "ratio")
    line(prefix + "signup_post_not_written", max(0, refused), "requests")
    if textbook_results:
        textbook_rps = statistics.median(r.valid / r.seconds for r in textbook_results)
        line("textbook_post_valid_rps", textbook_rps, "signups/s")
        line("signup_post_vs_textbook_ratio", signup_rps / textbook_rps, "ratio")
        line("textbook_post_not_written", max(0, sum(r.requests - r.valid for r in textbook_results)), "requests")


_SEATS = re.compile(r'<div class="fw-semibold">(.*?)</div>.*?<div class="small seats">(.*?)</div>', re.S)


def _agenda_after_approval() -> None:
    """Approve one pending delegate, then GET / at once: every session must show its seats left now."""
    from django.utils.html import escape

    from registrations import queries, services
    from registrations.models import Delegate, DelegateStatus

    event = queries.current_event()
    pending = (
        Delegate.objects.filter(event=event, status=DelegateStatus.PENDING, session_registrations__status="requested")
        .order_by("pk")
        .first()
    )
    if pending is not None:
        services.approve_delegates(delegate_ids=[pending.pk], actor=services.Actor.system())
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/")
    html = conn.getresponse().read().decode()
    conn.close()
    shown = {title: text.strip() for title, text in _SEATS.findall(html)}
    stale = 0
    for session in queries.agenda(event):
        expected = (
            f"{session.seats_left} of {session.capacity} seat{'s' if session.capacity != 1 else ''} left"
            if session.seats_left
            else "Full · waitlist open"
        )
        if shown.get(escape(session.title)) != expected:
            stale += 1
    line("agenda_seats_stale", stale, "sessions")


if __name__ == "__main__":
    main()
