"""The lost-link form as a timing oracle: does a registered address answer slower than an unknown one?

POSTs to the real `/link/` view through gunicorn on PostgreSQL (the demo data of `load_demo`), with
its rate limits on (set high enough never to answer 429), in 200 interleaved pairs: a registered
address and an unknown one, one after the other, the order alternating from pair to pair so that
neither side always goes first. Prints the median of the per-pair differences.

The control (`lostlink_inline_*`): the same pairs against `/bench/lost-link-inline/`, the form as
it was before (the lookup, audit entry and email written inside the request), to show that the
bench sees the difference when there is one.
"""

from __future__ import annotations

import http.client
import statistics
import time
from urllib.parse import urlencode

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

PORT = 18131
PAIRS = 200
WARMUP_PAIRS = 20


def main() -> None:
    database_url = recreate_postgres_db("reg_bench_lostlink")
    with static_root() as static:
        env = server_env(database_url, static)
        # The rate limits stay on (both paths pay for them) but high: every request comes from 127.0.0.1.
        env.update(BENCH_RATELIMIT="1", LOST_LINK_RATE_PER_IP="1000000/h", LOST_LINK_RATE_PER_EMAIL="1000000/h")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "load_demo")
        setup_django(env)
        known = _registered_address()
        with gunicorn(env, PORT, log_name="lostlink"):
            note(f"{PAIRS} interleaved pairs of POST /link/ (a registered address, an unknown one), one client")
            _measure(known)


def _registered_address() -> str:
    from registrations import queries
    from registrations.models import Delegate, DelegateStatus

    return (
        Delegate.objects.filter(event=queries.current_event(), anonymized_at__isnull=True)
        .exclude(status=DelegateStatus.WITHDRAWN)
        .order_by("pk")
        .values_list("email", flat=True)
        .first()
    )


def _post(cookie: str, token: str, email: str, path: str = "/link/") -> tuple[float, int]:
    body = urlencode({"csrfmiddlewaretoken": token, "email": email})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.connect()  # the TCP handshake is not part of the answer's time
    try:
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return (time.perf_counter() - started) * 1000, response.status
    finally:
        conn.close()


def _measure(known: str) -> None:
    from registrations.models import LostLinkRequest, OutboundEmail

    cookie, token = csrf_pair(PORT, "/link/")
    known_ms, unknown_ms, differences, bad = _pairs(cookie, token, known, "/link/")
    line("lostlink_known_ms", statistics.median(known_ms), "ms")
    line("lostlink_unknown_ms", statistics.median(unknown_ms), "ms")
    line("lostlink_known_minus_unknown_ms", statistics.median(differences), "ms")
    line("lostlink_not_302", bad, "responses")
    # Evidence that the request did the same work for both: one request row each, no email yet.
    line("lostlink_requests_written", LostLinkRequest.objects.count(), "rows")
    line("lostlink_emails_in_request", OutboundEmail.objects.filter(kind="lost_link").count(), "emails")
    known_ms, unknown_ms, differences, bad = _pairs(cookie, token, known, "/bench/lost-link-inline/")
    line("lostlink_inline_known_minus_unknown_ms", statistics.median(differences), "ms")
    line("lostlink_inline_not_302", bad, "responses")


def _pairs(cookie: str, token: str, known: str, path: str):
    differences, known_ms, unknown_ms, bad = [], [], [], 0
    for n in range(WARMUP_PAIRS + PAIRS):
        unknown = f"nobody-{n}@unknown.example"
        first, second = (known, unknown) if n % 2 == 0 else (unknown, known)
        (t1, s1), (t2, s2) = _post(cookie, token, first, path), _post(cookie, token, second, path)
        bad += (s1 != 302) + (s2 != 302)
        if n < WARMUP_PAIRS:
            continue
        k, u = (t1, t2) if first == known else (t2, t1)
        known_ms.append(k)
        unknown_ms.append(u)
        differences.append(k - u)
    return known_ms, unknown_ms, differences, bad


if __name__ == "__main__":
    main()
