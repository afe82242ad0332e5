"""The convening's documents: 100 signed visa letters, and the list of participants for 5,000.

    python -m bench.documents     (also run by `make bench` as one of its phases)

Uses its own PostgreSQL database (reg_bench_documents on the local server), dropped, created and
migrated on every run; the measurement runs in a fresh child process with a self-signed certificate
made for the run, so the memory figure starts from a clean interpreter.

Prints:
    visa_letters_100_s <value> s                      100 letters drawn and signed (PAdES), one by one
    participants_list_5000_s <value> s                the list of 5,000 approved delegates, PDF then XLSX
    participants_list_peak_rss_growth_mb <value> MB   peak resident memory while writing both files minus
                                                      resident memory just before (VmHWM after resetting it)
Target: growth under 100 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "reg_bench_documents"
LETTERS = 100
PARTICIPANTS = 5_000


def main() -> int:
    from bench.common import line, recreate_postgres_db
    from bench.export import child_env

    env = child_env(recreate_postgres_db(DATABASE))
    env["VISA_DATA_KEYS"] = "YmVuY2gtdmlzYS1kYXRhLWtleS0zMi1ieXRlcy0hISE="
    with tempfile.TemporaryDirectory() as directory:
        env["VISA_SIGNING_DIR"] = directory
        env["VISA_SIGNING_CERT"] = str(Path(directory) / "cert.pem")
        env["VISA_SIGNING_KEY"] = str(Path(directory) / "key.pem")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        result = subprocess.run(
            [sys.executable, "-m", "bench.documents", "measure"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    line("visa_letters_100_s", figures["letters_s"], "s")
    line("participants_list_5000_s", figures["list_s"], "s")
    line("participants_list_peak_rss_growth_mb", figures["rss_growth_mb"], "MB")
    return 0


def measure() -> dict:
    import os

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.utils import timezone

    from bench.export import _proc_status_kb, _reset_peak
    from registrations import services
    from registrations.models import Delegate, DelegateStatus, Event, Institute, StakeholderType, VisaRequest
    from registrations.outputs import participants_list, signing, visa_letter
    from registrations.rules import email_key

    signing.write_self_signed(Path(os.environ["VISA_SIGNING_DIR"]))
    now = timezone.now()
    event = Event.objects.create(
        slug="bench-documents",
        name="Bench convening",
        venue="Bench hall",
        time_zone="America/Los_Angeles",
        starts_on=(now + timedelta(days=60)).date(),
        ends_on=(now + timedelta(days=61)).date(),
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=50),
        visa_host="Bench host",
    )
    institutes = list(Institute.objects.all())
    kinds = [StakeholderType.ACADEMIA, StakeholderType.INDUSTRY, StakeholderType.CIVIL_SOCIETY]
    delegates = []
    for n in range(PARTICIPANTS):
        government = n % 2 == 0
        email = f"p{n}@bench.example"
        delegates.append(
            Delegate(
                event=event,
                given_name=["Ana", "太郎", "민준", "Élodie"][n % 4] + str(n),
                family_name=["Lopez", "山田", "김", "Moreau"][n % 4],
                passport_name=f"PERSON Number{n}",
                email=email,
                email_key=email_key(email),
                stakeholder_type=StakeholderType.GOVERNMENT if government else kinds[n % 3],
                institute=institutes[n % len(institutes)] if government else None,
                organization="" if government else f"Organization {n % 300}",
                job_title="Senior policy adviser",
                consent_data_processing=True,
                consent_participant_list=n % 5 != 0,
                status=DelegateStatus.APPROVED,
            )
        )
    Delegate.objects.bulk_create(delegates, batch_size=1000)
    actor = services.Actor.system()
    for delegate in Delegate.objects.filter(event=event).order_by("pk")[:LETTERS]:
        services.request_visa_letter(
            delegate=delegate,
            details={
                "passport_name": delegate.passport_name,
                "nationality": "KE",
                "passport_number": f"P{delegate.pk:08d}",
                "passport_expiry": date(2040, 1, 1),
                "date_of_birth": date(1980, 1, 1),
                "consulate": "Consulate General, Nairobi",
            },
            actor=actor,
        )
    services.issue_visa_letters(request_ids=list(VisaRequest.objects.values_list("pk", flat=True)), actor=actor)

    began = time.perf_counter()
    for visa in VisaRequest.objects.select_related("delegate__event", "delegate__institute"):
        assert visa_letter.letter_pdf(visa).startswith(b"%PDF")
    letters_s = time.perf_counter() - began

    rss_before = _proc_status_kb("VmRSS")
    precise = rss_before is not None and _reset_peak()
    began = time.perf_counter()
    for file_format in participants_list.FORMATS:
        out, _count, _type, _name = participants_list.participants_file(event, file_format=file_format, language="en")
        out.close()
    list_s = time.perf_counter() - began
    growth_kb = _proc_status_kb("VmHWM") - rss_before if precise else 0
    return {"letters_s": letters_s, "list_s": list_s, "rss_growth_mb": growth_kb / 1024, "precise": precise}


if __name__ == "__main__":
    if sys.argv[1:] == ["measure"]:
        print(json.dumps(measure()))
        sys.exit(0)
    sys.exit(main())
