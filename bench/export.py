"""Export benchmark: stream 100,000 session registrations to CSV and compare with PostgreSQL's COPY.

    python -m bench.export          (also called by `make bench` through bench/__main__.py: main())

Uses its own PostgreSQL database (BENCH_EXPORT_DATABASE_URL, default reg_bench_export on the local
server), created and migrated when missing and filled once (re-used while it holds the same data).
Each step runs in a fresh child process with its own DATABASE_URL, so the caller's Django setup does
not matter and the memory figure starts from a clean interpreter.

Prints:
    export_rows_per_s <value> rows/s        rows per second of the per-delegate x session export, the
                                            whole pipeline (query, labels, time zones, neutralization,
                                            csv module, UTF-8 encoding), best of three runs
    export_peak_rss_growth_mb <value> MB    peak resident memory during the exports minus resident
                                            memory just before them, from /proc/self/status (VmHWM after
                                            resetting it via /proc/self/clear_refs; VmRSS before), i.e.
                                            real process memory, not tracemalloc's Python-only view
    export_vs_copy_ratio <value> ratio      our rows/s divided by the rows/s of
                                            `COPY (<the export's own SELECT>) TO STDOUT (FORMAT csv)`
                                            through psycopg's cursor.copy, best of three, same run
    xlsx_export_rows_per_s <value> rows/s   the same 100,000 rows as an XLSX file (XlsxWriter,
                                            constant_memory; typed cells, widths, autofilter), one run
                                            written to a temporary file, audit entry included
    xlsx_peak_rss_growth_mb <value> MB      peak resident memory during the XLSX export minus resident
                                            memory just before it (same method as above)
Targets: growth under 50 MB (XLSX: under 100 MB), ratio at least 0.25.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reg_bench_export"
SLUG = "bench-export"
DELEGATES = 5_000
SEATS_EACH = 20  # 5,000 x 20 = 100,000 session registrations
REGISTRATIONS = DELEGATES * SEATS_EACH
GOVERNMENT_SESSIONS, OPEN_SESSIONS = 10, 30


# --------------------------------------------------------------------------- parent


def database_url() -> str:
    return os.environ.get("BENCH_EXPORT_DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def child_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",  # DEBUG would keep every query in memory
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in {"fill", "measure"}:
        return child(argv[0])
    url = database_url()
    ensure_database(url)
    env = child_env(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-m", "bench.export", "fill"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "bench.export", "measure"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"export_rows_per_s {figures['rows_per_s']:.0f} rows/s")
    print(f"export_peak_rss_growth_mb {figures['rss_growth_mb']:.1f} MB")
    print(f"export_vs_copy_ratio {figures['rows_per_s'] / figures['copy_rows_per_s']:.2f} ratio")
    print(f"xlsx_export_rows_per_s {figures['xlsx_rows_per_s']:.0f} rows/s")
    print(f"xlsx_peak_rss_growth_mb {figures['xlsx_rss_growth_mb']:.1f} MB")
    return 0


# --------------------------------------------------------------------------- children


def child(step: str) -> int:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    if step == "fill":
        fill()
    else:
        print(json.dumps(measure()))
    return 0


def fill() -> None:
    from django.db import connection, transaction

    from registrations.models import AccessTier, Delegate, Event, Institute, SeatStatus, Session, SessionRegistration

    event = Event.objects.filter(slug=SLUG).first()
    if event and SessionRegistration.objects.filter(session__event=event).count() == REGISTRATIONS:
        return
    with connection.cursor() as cursor:  # the benchmark's own database: start clean
        cursor.execute(
            "TRUNCATE registrations_sessionregistration, registrations_outboundemail, registrations_auditentry, "
            "registrations_delegate, registrations_session, registrations_event CASCADE"
        )
    start = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    with transaction.atomic():
        event = Event.objects.create(
            name="Benchmark convening",
            slug=SLUG,
            venue="San Francisco",
            time_zone="America/Los_Angeles",
            starts_on=start.date(),
            ends_on=start.date() + timedelta(days=1),
            registration_opens_at=start - timedelta(days=60),
            registration_closes_at=start - timedelta(days=1),
        )
        sessions = Session.objects.bulk_create(
            [
                Session(
                    event=event,
                    title=f"Session {n:02d}: frontier model evaluation, part {n}",
                    starts_at=start + timedelta(days=n // 20, minutes=30 * (n % 20)),
                    ends_at=start + timedelta(days=n // 20, minutes=30 * (n % 20) + 25),
                    room=f"Room {n % 6}",
                    access_tier=AccessTier.GOVERNMENT_ONLY if n < GOVERNMENT_SESSIONS else AccessTier.OPEN,
                    capacity=5_000,
                )
                for n in range(GOVERNMENT_SESSIONS + OPEN_SESSIONS)
            ]
        )
        institutes = list(Institute.objects.order_by("pk"))
        names = [
            ("Haruto", "佐藤"),
            ("Ji-woo", "김"),
            ("Élodie", "Tremblay"),
            ("Amara", "Okafor"),
            ("=Eve", "+Mallory"),
        ]
        people = []
        for i in range(DELEGATES):
            given, family = names[i % len(names)]
            government = i % 4 == 0
            people.append(
                Delegate(
                    event=event,
                    given_name=f"{given} {i}",
                    family_name=family,
                    email=f"delegate{i}@example.org",
                    email_key=f"delegate{i}@example.org",
                    stakeholder_type="government" if government else ("academia", "industry", "civil_society")[i % 3],
                    institute=institutes[i % len(institutes)] if government else None,
                    organization="" if government else f"Organization {i % 97}, Inc.",
                    job_title="Head of evaluations",
                    country=("JP", "KR", "FR", "KE", "US")[i % 5],
                    dietary_needs="Vegetarian" if i % 7 == 0 else "",
                    accessibility_needs="Step-free access\nplease" if i % 50 == 0 else "",
                    consent_data_processing=True,
                    consent_participant_list=i % 2 == 0,
                    status="approved",
                    email_domain_verified=government,
                )
            )
        people = Delegate.objects.bulk_create(people, batch_size=1_000)
        government_only, open_ = sessions[:GOVERNMENT_SESSIONS], sessions[GOVERNMENT_SESSIONS:]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY registrations_sessionregistration "
                "(delegate_id, session_id, status, cancel_reason, requested_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            for i, delegate in enumerate(people):
                if delegate.stakeholder_type == "government":
                    chosen = [(government_only + open_)[(i + 2 * k) % 40] for k in range(SEATS_EACH)]
                else:
                    chosen = [open_[(i + k) % len(open_)] for k in range(SEATS_EACH)]
                for k, session in enumerate(chosen):
                    roll = (i * 31 + k * 7) % 100
                    status = SeatStatus.WAITLISTED if roll < 4 else SeatStatus.REQUESTED if roll < 10 else "confirmed"
                    moment = start - timedelta(days=30, seconds=-(i * SEATS_EACH + k))
                    copy.write_row((delegate.pk, session.pk, status, "", moment, moment))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give a live database
    assert SessionRegistration.objects.filter(session__event=event).count() == REGISTRATIONS


def _proc_status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := current VmRSS
    except OSError:
        return False
    return True


def measure() -> dict:
    import resource

    from django.db import connection

    from registrations import services
    from registrations.models import Delegate, Event
    from registrations.outputs import exports

    event = Event.objects.get(slug=SLUG)
    actor = services.Actor.system()

    def export(delegates) -> tuple[int, float]:
        job = exports.AttendeeExport(delegates=delegates, shape=exports.Shape.SESSION, scope="bench", event=event)
        began = time.perf_counter()
        size = 0
        for chunk in job.stream(actor, actor_name="bench.export"):
            size += len(chunk.encode("utf-8"))  # as StreamingHttpResponse encodes each chunk
        return job.rows_sent, time.perf_counter() - began

    def copy(delegates) -> float:
        queryset = exports.session_registrations_queryset(
            exports.registrations_for(delegates),
            # The session's own columns too, so that PostgreSQL produces every column of the file.
            session_paths=tuple(path for _header, path in exports.SESSION_COLUMNS[:5]),
        )
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        began = time.perf_counter()
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as out:
            for _block in out:
                pass
        return time.perf_counter() - began

    everyone = Delegate.objects.filter(event=event)
    export(Delegate.objects.filter(pk__in=everyone.order_by("pk").values("pk")[:20]))  # warm up imports and caches

    rss_before = _proc_status_kb("VmRSS")
    precise = rss_before is not None and _reset_peak()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    copies = []
    for _ in range(3):  # alternate, best of three each: the machine is shared and noisy
        runs.append(export(everyone))
        copies.append(copy(everyone))
    if precise:
        growth_kb = _proc_status_kb("VmHWM") - rss_before
    else:  # fallback: ru_maxrss (KB on Linux); can only over-state, never hide, growth
        growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before

    rows = runs[0][0]
    assert rows == REGISTRATIONS, f"exported {rows} rows, expected {REGISTRATIONS}"

    xlsx_rss_before = _proc_status_kb("VmRSS")
    xlsx_precise = xlsx_rss_before is not None and _reset_peak()
    xlsx_maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = exports.AttendeeExport(
        delegates=everyone, shape=exports.Shape.SESSION, scope="bench", event=event, file_format=exports.Format.XLSX
    )
    began = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        xlsx_rows = job.write_xlsx(handle, actor, actor_name="bench.export")
    xlsx_seconds = time.perf_counter() - began
    if xlsx_precise:
        xlsx_growth_kb = _proc_status_kb("VmHWM") - xlsx_rss_before
    else:
        xlsx_growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - xlsx_maxrss_before
    assert xlsx_rows == REGISTRATIONS, f"wrote {xlsx_rows} XLSX rows, expected {REGISTRATIONS}"
    return {
        "xlsx_rows_per_s": xlsx_rows / xlsx_seconds,
        "xlsx_rss_growth_mb": xlsx_growth_kb / 1024,
        "rows": rows,
        "rows_per_s": rows / min(seconds for _rows, seconds in runs),
        "copy_rows_per_s": rows / min(copies),
        "rss_growth_mb": growth_kb / 1024,
        "rss_method": "VmHWM-VmRSS" if precise else "ru_maxrss",
    }


if __name__ == "__main__":
    sys.exit(main())
