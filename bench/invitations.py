"""Invitation import benchmark: 10,000 rows from a CSV (and an XLSX) file into PostgreSQL.

    python -m bench.invitations     (also run by `make bench` as one of its phases)

Uses its own PostgreSQL database (reg_bench_invitations on the local server), dropped, created and
migrated on every run. The measurement runs in a fresh child process, so the memory figure starts
from a clean interpreter. Each import is the whole pipeline an organizer's upload goes through:
reading the file, checking every row (`invitation_import.preview`), and writing the invitations,
their sessions and their audit entries (`invitation_import.import_rows`, which checks every row
again in its transaction).

Prints:
    invite_import_10k_s <value> s                 the CSV file, read, checked and written
    invite_import_10k_xlsx_s <value> s            the same rows from an XLSX file (openpyxl, read-only)
    invite_import_peak_rss_growth_mb <value> MB   peak resident memory during both imports minus resident
                                                  memory just before them (VmHWM after resetting it via
                                                  /proc/self/clear_refs; VmRSS before), as bench/export.py
Target: growth under 100 MB.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "reg_bench_invitations"
ROWS = 10_000
SESSIONS = 20


def main() -> int:
    from bench.common import line, recreate_postgres_db
    from bench.export import child_env

    env = child_env(recreate_postgres_db(DATABASE))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "bench.invitations", "measure"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    line("invite_import_10k_s", figures["csv_s"], "s")
    line("invite_import_10k_xlsx_s", figures["xlsx_s"], "s")
    line("invite_import_peak_rss_growth_mb", figures["rss_growth_mb"], "MB")
    return 0


def _files(event, sessions) -> tuple[bytes, bytes]:
    import csv

    import openpyxl

    header = ["email", "name", "organization", "stakeholder type", "sessions", "expiry", "pre-approved"]
    kinds = ["academia", "industry", "civil society"]
    expiry = (event.registration_closes_at - timedelta(days=1)).date().isoformat()

    def rows(prefix: str):
        for n in range(ROWS):
            covered = ";".join(sessions[(n + k) % len(sessions)].title for k in range(3))
            yield [
                f"{prefix}{n}@guests.example",
                f"Guest {n}",
                f"Organization {n % 500}",
                kinds[n % 3],
                covered,
                expiry,
                "yes",
            ]

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows("csv"))
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows("xlsx"):
        sheet.append(row)
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    return text.getvalue().encode(), xlsx.getvalue()


def measure() -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.utils import timezone

    from bench.export import _proc_status_kb, _reset_peak
    from registrations import services
    from registrations.models import Event, Invitation, Session
    from registrations.services import invitation_import

    now = timezone.now()
    event = Event.objects.create(
        slug="bench-invitations",
        name="Bench convening",
        venue="Bench hall",
        time_zone="America/Los_Angeles",
        starts_on=(now + timedelta(days=60)).date(),
        ends_on=(now + timedelta(days=61)).date(),
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=50),
        guest_registration="invitation_only",
    )
    sessions = [
        Session.objects.create(
            event=event,
            title=f"Open session {n}",
            starts_at=now + timedelta(days=60, hours=n),
            ends_at=now + timedelta(days=60, hours=n, minutes=50),
            capacity=500,
        )
        for n in range(SESSIONS)
    ]
    csv_bytes, xlsx_bytes = _files(event, sessions)
    actor = services.Actor.system()

    def run(name: str, content: bytes) -> float:
        began = time.perf_counter()
        rows = invitation_import.read_rows(name, content)
        checked = invitation_import.preview(event=event, rows=rows)
        assert checked.ok, [r.errors for r in checked.rows if r.errors][:3]
        created = invitation_import.import_rows(event=event, rows=rows, actor=actor)
        assert created == ROWS
        return time.perf_counter() - began

    rss_before = _proc_status_kb("VmRSS")
    precise = rss_before is not None and _reset_peak()
    csv_s = run("invitees.csv", csv_bytes)
    xlsx_s = run("invitees.xlsx", xlsx_bytes)
    growth_kb = _proc_status_kb("VmHWM") - rss_before if precise else 0
    assert Invitation.objects.filter(event=event).count() == 2 * ROWS
    return {"csv_s": csv_s, "xlsx_s": xlsx_s, "rss_growth_mb": growth_kb / 1024, "precise": precise}


if __name__ == "__main__":
    if sys.argv[1:] == ["measure"]:
        print(json.dumps(measure()))
        sys.exit(0)
    sys.exit(main())
