"""`make bench`: every benchmark, one `name value unit` line per figure (see bench/README.md).

Each phase runs in its own process (its own database and Django settings) and stops by itself.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import PYTHON, ROOT, line, note, postgres_available

PHASES = [
    ("bench.web", "page speed against the bare views (gunicorn, PostgreSQL)"),
    ("bench.admin_bench", "admin changelist and bulk approval (PostgreSQL)"),
    ("bench.rush", "registration rush (gunicorn, PostgreSQL)"),
    ("bench.scaleout", "scale-out: two app servers, one PostgreSQL, one Redis, two email workers (gunicorn)"),
    (
        "bench.scaleout --pgbouncer",
        "scale-out through PgBouncer in transaction mode (lines with a _pgbouncer suffix)",
    ),
    ("bench.lostlink", "lost-link timing: registered vs unknown address (gunicorn, PostgreSQL)"),
    ("bench.invitations", "invitation import, 10,000 rows (PostgreSQL)"),
    ("bench.door", "badges and the door: scan speed, a four-door storm, badge PDFs (gunicorn, PostgreSQL)"),
    ("bench.holder", "the badge bound to its holder: the badge desk, a 10 MB photo (PostgreSQL)"),
    ("bench.documents", "documents: 100 signed visa letters, the list of participants for 5,000 (PostgreSQL)"),
    (
        "bench.faults",
        "faults mid-rush: worker SIGKILL, PostgreSQL restart, Redis stop, hanging SMTP (own PG and Redis)",
    ),
    ("bench.soak", "soak: mixed traffic at a bounded rate, RSS per worker (gunicorn, PostgreSQL)"),
    ("bench.mail", "mail: the email worker's throughput to an SMTP server; workers side by side"),
    (
        "bench.summit",
        "a summit's scale: 5,000 signups from 200 clients, approvals in batches of 500, 20 doors (gunicorn x2)",
    ),
    ("bench.summit --pgbouncer", "the summit through PgBouncer in transaction mode (lines with a _pgbouncer suffix)"),
]


def main() -> int:
    started = time.monotonic()
    if not postgres_available():
        note("PostgreSQL is not reachable on 127.0.0.1:5432: the benchmarks need it")
        return 1
    failed = 0
    for phase, title in PHASES:
        note(title)
        module, *arguments = phase.split()
        result = subprocess.run([PYTHON, "-m", module, *arguments], cwd=ROOT, check=False, timeout=900)
        if result.returncode:
            failed += 1
            note(f"{phase} failed with exit code {result.returncode}")
    failed += _exports()
    line("bench_total_s", time.monotonic() - started, "s")
    return 1 if failed else 0


def _exports() -> int:
    """The export lines, from bench/export.py (written with the export work) when it is there."""
    try:
        from bench import export
    except ImportError:
        note("bench/export.py is missing: no export lines")
        return 0
    note("exports (bench/export.py)")
    try:
        status = export.main()
    except Exception as error:  # its failure must not hide the lines above
        note(f"bench.export failed: {error!r}")
        return 1
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
