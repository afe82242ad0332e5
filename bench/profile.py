"""Profile one public request on the real request path (WSGI handler, the whole middleware stack).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reg_bench python -m bench.profile /bench/bare/ [n]

Runs the bench settings in this process (DEBUG off, collected static files are not needed for the
public pages' HTML), warms up, then calls the WSGI application `n` times (default 2000) as an
anonymous visitor without cookies under cProfile and prints the top of the profile, sorted by
cumulative time. Set BENCH_PROFILE_METHOD=POST with BENCH_PROFILE_BODY for a form post ("{n}" in
the body is replaced by the call's number) and BENCH_PROFILE_COOKIE for its CSRF cookie.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import secrets
import sys
import time


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/bench/bare/"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
    os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    method = os.environ.get("BENCH_PROFILE_METHOD", "GET")
    body_template = os.environ.get("BENCH_PROFILE_BODY", "")
    calls = iter(range(10**9))
    cookie = os.environ.get("BENCH_PROFILE_COOKIE", "")

    def call() -> None:
        # "{n}" in the body is numbered per call: each signup with its own address.
        body = body_template.replace("{n}", str(next(calls))).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
        }
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        response = application(environ, lambda status, headers: None)
        b"".join(response)
        response.close()

    for _ in range(50):
        call()
    started = time.perf_counter()
    for _ in range(count):
        call()
    plain = (time.perf_counter() - started) / count
    print(f"# {count} x {method} {path}: {plain * 1e6:.0f} us per request (wall time, no profiler)")
    if os.environ.get("BENCH_PROFILE_WALL_ONLY") == "1":  # e.g. under a sampling profiler (py-spy)
        return
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"# {count} x {method} {path}: {stats.total_tt / count * 1e6:.0f} us per request (under the profiler)")
    stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(
        *([os.environ["BENCH_PROFILE_FILTER"]] if os.environ.get("BENCH_PROFILE_FILTER") else []),
        int(os.environ.get("BENCH_PROFILE_TOP", "35")),
    )


if __name__ == "__main__":
    main()
