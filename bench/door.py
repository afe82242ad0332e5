"""Badges and the door, on gunicorn (2 workers) and PostgreSQL.

Prints:
- door_scan_rps, door_scan_vs_bare_ratio, door_scan_vs_insert_ratio: scans answered by the real
  endpoint (signed in as door staff, through CSRF, the rule) per second, over the bare view's and
  over the one-insert view's (`/bench/insert/`), the three loads taking turns in the same run.
- A door storm: 4 doors scan the same 500 badges (20% wrong: guests at a government-only session,
  reissued badges, badges of another event), each door in its own order, all at once, so every badge
  reaches several doors at nearly the same moment. door_wrong_admits (ADMIT answers or check-ins for
  a wrong badge; target 0), door_double_checkins (a badge admitted more than once; target 0),
  door_missed_admits (a right badge never admitted), door_p99_ms (scan latency), door_storm_errors,
  door_scan_with_photo_p99_ms (an ADMIT and then its photo, fetched as the door page does: the right
  badges' holders have one).
- badges_pdf_1000_s and badges_pdf_peak_rss_growth_mb: 1,000 badges, four to an A4 page, in a fresh
  process (growth: peak RSS during the batch over the RSS before it; target under 200 MB).
"""

from __future__ import annotations

import http.client
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode

from bench.common import (
    HOST,
    PYTHON,
    ROOT,
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

PORT = 18131
DOORS = 4
BADGES = 500
WRONG_SHARE = 0.2
PDF_BADGES = 1000
SECONDS = 3
ROUNDS = 3
CONNECTIONS = 8


def main() -> None:
    database_url = recreate_postgres_db("reg_bench_door")
    with static_root() as static:
        # The right badges' holders have a photo (the door shows it with ADMIT and fetches it).
        env = {**server_env(database_url, static), "PHOTO_ROOT": tempfile.mkdtemp(prefix="bench-door-photos-")}
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup_django(env)
        world = _arrange()
        with gunicorn(env, PORT, log_name="door"):
            cookie, token = _signed_in(world)
            _scan_ratio(world, cookie, token)
            _storm(world, cookie, token)
        _pdf(env)


# --------------------------------------------------------------------------- arrange


def _arrange() -> dict:
    """One event with a government-only session; 400 right badges and 100 wrong ones."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from registrations.models import (
        AccessTier,
        Delegate,
        DelegateStatus,
        Event,
        Institute,
        SeatStatus,
        Session,
        SessionRegistration,
        StakeholderType,
    )
    from registrations.rules import badges

    now = timezone.now()

    def event(slug):
        return Event.objects.create(
            name=f"Bench {slug}",
            slug=slug,
            venue="Bench hall",
            starts_on=(now + timedelta(days=1)).date(),
            ends_on=(now + timedelta(days=2)).date(),
            registration_opens_at=now - timedelta(days=10),
            registration_closes_at=now + timedelta(hours=1),
        )

    here, elsewhere = event("door-bench"), event("door-bench-other")
    session = Session.objects.create(
        event=here,
        title="Joint testing",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        access_tier=AccessTier.GOVERNMENT_ONLY,
        capacity=BADGES + 1,
    )
    uk = Institute.objects.get(iso_code="GB")
    wrong = int(BADGES * WRONG_SHARE)
    kinds = ["right"] * (BADGES - wrong) + ["guest", "reissued", "other_event"] * (wrong // 3)
    kinds += ["guest"] * (BADGES - len(kinds))
    kinds.append("ratio")  # the badge the scan-speed runs use, kept out of the storm
    delegates = []
    for n, kind in enumerate(kinds):
        government = kind != "guest"
        delegates.append(
            Delegate(
                event=elsewhere if kind == "other_event" else here,
                given_name=f"Bench{n}",
                family_name="Door",
                email=f"door{n}@{'dsit.gov.uk' if government else 'example.org'}",
                email_key=f"door{n}@{'dsit.gov.uk' if government else 'example.org'}",  # rules.email_key of it
                stakeholder_type=StakeholderType.GOVERNMENT if government else StakeholderType.INDUSTRY,
                institute=uk if government else None,
                organization="" if government else "Frontier Labs",
                consent_data_processing=True,
                status=DelegateStatus.APPROVED,
                badge_version=2 if kind == "reissued" else 1,
            )
        )
    Delegate.objects.bulk_create(delegates, batch_size=500)
    _photos([d.pk for d, kind in zip(delegates, kinds, strict=True) if kind in {"right", "ratio"}])
    SessionRegistration.objects.bulk_create(
        [
            SessionRegistration(delegate=d, session=session, status=SeatStatus.CONFIRMED)
            for d, kind in zip(delegates, kinds, strict=True)
            if kind in {"right", "reissued", "ratio"}
        ]
    )
    codes = []
    for d, kind in zip(delegates, kinds, strict=True):
        version = 1 if kind == "reissued" else d.badge_version  # the old, replaced badge
        codes.append((badges.make_code(event_id=d.event_id, public_id=d.public_id, version=version), kind, d.pk))
    user = get_user_model().objects.create_user("door-bench", password=None)  # signed in by the bench only
    user.groups.add(Group.objects.get(name="Door staff"))
    return {"event": here, "session": session, "codes": codes, "user": user}


def _photos(delegate_ids: list[int]) -> None:
    """One drawn portrait, stored once, as these delegates' photo (the bench's holders)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registrations.management.demo_holder import portrait
    from registrations.models import Delegate
    from registrations.services import photos

    stored = photos.store(photos.prepared_photo(SimpleUploadedFile("p.jpg", portrait(), content_type="image/jpeg")))
    Delegate.objects.filter(pk__in=delegate_ids).update(photo=stored.name, photo_thumbnail=stored.thumbnail)


def _signed_in(world) -> tuple[str, str]:
    """A door staff session cookie and a CSRF pair, as the door page's browser holds them."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST=HOST)
    client.force_login(world["user"])
    # Production settings ask door staff for a second factor, as they do for the admin: a confirmed
    # TOTP device and a session verified with it, as a real OTP login leaves it.
    device = TOTPDevice.objects.create(user=world["user"], name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    query = urlencode({"event": world["event"].pk, "session": world["session"].pk, "door": "Bench"})
    conn.request("GET", f"/door/?{query}", headers={"Cookie": f"sessionid={session_cookie}"})
    response = conn.getresponse()
    body = response.read().decode()
    cookies = response.headers.get_all("Set-Cookie") or []
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"the door page answered {response.status} {response.headers.get('Location', '')}")
    csrf_cookie = next(c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return f"sessionid={session_cookie}; csrftoken={csrf_cookie}", token


def _scan_body(world, token: str, code: str, door: str = "Bench") -> str:
    return urlencode(
        {
            "csrfmiddlewaretoken": token,
            "event": world["event"].pk,
            "session": world["session"].pk,
            "door": door,
            "code": code,
        }
    )


def _headers(cookie: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "Cookie": cookie,
    }


# --------------------------------------------------------------------------- scan vs bare


def _scan_ratio(world, cookie: str, token: str) -> None:
    base = f"http://{HOST}:{PORT}"
    code = next(c for c, kind, _pk in world["codes"] if kind == "ratio")
    scan_spec = {
        "url": base + "/door/scan/",
        "method": "POST",
        "headers": _headers(cookie),
        "body_pre": _scan_body(world, token, code),
    }
    bare_spec = {"url": base + "/bench/bare/"}
    insert_spec = {"url": base + "/bench/insert/", "method": "POST", "body_pre": ""}
    run_load(seconds=1, connections=4, **scan_spec)  # warm up; the badge is checked in from here on
    run_load(seconds=1, connections=4, **bare_spec)
    run_load(seconds=1, connections=4, **insert_spec)
    scans, bares, inserts = [], [], []
    for _ in range(ROUNDS):
        bares.append(run_load(seconds=SECONDS, connections=CONNECTIONS, **bare_spec))
        inserts.append(run_load(seconds=SECONDS, connections=CONNECTIONS, **insert_spec))
        scans.append(run_load(seconds=SECONDS, connections=CONNECTIONS, **scan_spec))
    note(f"load tool: {load_tool()}; one badge, in after the first scan: the rule runs, no lock is taken")
    bare = statistics.median(r.rps for r in bares)
    insert = statistics.median(r.rps for r in inserts)
    scan = statistics.median(r.rps for r in scans)
    line("door_scan_rps", scan, "req/s")
    line("door_insert_rps", insert, "req/s")
    line("door_scan_vs_bare_ratio", scan / bare, "ratio")
    line("door_scan_vs_insert_ratio", scan / insert, "ratio")
    line("door_scan_errors", sum(r.bad for r in scans), "responses")


# --------------------------------------------------------------------------- the storm


def _storm(world, cookie: str, token: str) -> None:
    import json

    from registrations.models import CheckIn

    codes = [(c, kind, pk) for c, kind, pk in world["codes"] if kind != "ratio"]
    orders = []
    for door in range(DOORS):
        order = codes[:]
        random.Random(door).shuffle(order)
        orders.append(order)
    answers: list[list] = [[] for _ in range(DOORS)]
    latencies: list[list[float]] = [[] for _ in range(DOORS)]
    with_photo: list[list[float]] = [[] for _ in range(DOORS)]  # an ADMIT and its photo, as the page fetches it
    errors = [0] * DOORS
    barrier = threading.Barrier(DOORS)

    def door(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        barrier.wait(timeout=30)
        for code, kind, pk in orders[n]:
            started = time.perf_counter()
            try:
                conn.request(
                    "POST", "/door/scan/", body=_scan_body(world, token, code, f"Door {n}"), headers=_headers(cookie)
                )
                response = conn.getresponse()
                payload = response.read()
            except OSError:
                errors[n] += 1
                conn.close()
                continue
            latencies[n].append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[n] += 1
                continue
            answer = json.loads(payload)
            answers[n].append((pk, kind, answer["admit"]))
            if answer.get("photo"):
                try:
                    conn.request("GET", answer["photo"], headers={"Cookie": cookie})
                    photo = conn.getresponse()
                    photo.read()
                except OSError:
                    errors[n] += 1
                    conn.close()
                    continue
                if photo.status != 200:
                    errors[n] += 1
                with_photo[n].append((time.perf_counter() - started) * 1000)
        conn.close()

    threads = [threading.Thread(target=door, args=(n,)) for n in range(DOORS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.monotonic() - started
    admitted: dict[int, int] = {}
    wrong_admits = 0
    for door_answers in answers:
        for pk, kind, admit in door_answers:
            if admit:
                admitted[pk] = admitted.get(pk, 0) + 1
                wrong_admits += kind != "right"
    wrong_pks = {pk for _c, kind, pk in codes if kind != "right"}
    right_pks = {pk for _c, kind, pk in codes if kind == "right"}
    standing = CheckIn.objects.filter(session=world["session"], undone_at__isnull=True)
    wrong_admits += standing.filter(delegate_id__in=wrong_pks).count()
    doubles = sum(1 for n in admitted.values() if n > 1)
    doubles += standing.count() - standing.values("delegate").distinct().count()
    missed = len(right_pks - set(admitted))
    all_latencies = sorted(ms for door_latencies in latencies for ms in door_latencies)
    p99 = all_latencies[min(len(all_latencies) - 1, int(len(all_latencies) * 0.99))] if all_latencies else 0.0
    note(f"door storm: {DOORS} doors x {len(codes)} badges ({len(wrong_pks)} wrong) in {elapsed:.1f} s")
    line("door_wrong_admits", wrong_admits, "admits")
    line("door_double_checkins", doubles, "badges")
    line("door_missed_admits", missed, "badges")
    line("door_p99_ms", p99, "ms")
    photo_latencies = sorted(ms for door_latencies in with_photo for ms in door_latencies)
    if photo_latencies:
        at = min(len(photo_latencies) - 1, int(len(photo_latencies) * 0.99))
        line("door_scan_with_photo_p99_ms", photo_latencies[at], "ms")
    line("door_storm_errors", sum(errors), "responses")


# --------------------------------------------------------------------------- badge PDFs


def _pdf(env) -> None:
    """1,000 badges in a fresh process, so its peak memory is the batch's."""
    from registrations.models import Delegate, DelegateStatus, StakeholderType

    event = Delegate.objects.filter(status=DelegateStatus.APPROVED).values_list("event", flat=True).first()
    names = [("太郎", "山田"), ("민준", "김"), ("Zoë", "Šťastná-Øvergård"), ("Priya", "Shah")]
    Delegate.objects.bulk_create(
        [
            Delegate(
                event_id=event,
                given_name=names[n % 4][0],
                family_name=names[n % 4][1],
                email=f"pdf{n}@example.org",
                email_key=f"pdf{n}@example.org",  # rules.email_key of it
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="University of Benchmarks",
                consent_data_processing=True,
                status=DelegateStatus.APPROVED,
            )
            for n in range(PDF_BADGES)
        ],
        batch_size=500,
    )
    done = subprocess.run(
        [PYTHON, "-m", "bench.door", "pdf"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode:
        note(f"badge PDF run failed: {done.stderr.strip()[-500:]}")
        return
    sys.stdout.write(done.stdout)


def vm_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    return 0


def pdf_batch() -> None:
    import django

    django.setup()
    from registrations.models import Delegate
    from registrations.outputs import badge_pdf

    delegates = (
        Delegate.objects.filter(email__startswith="pdf")
        .select_related("event", "institute")
        .order_by("pk")
        .iterator(chunk_size=500)
    )
    before = vm_rss_kb()
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        count = badge_pdf.write_badges(delegates, out, layout="a4")
        size = out.tell()
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    note(f"{count} badges, {size / 1e6:.1f} MB of PDF")
    line("badges_pdf_1000_s", elapsed, "s")
    line("badges_pdf_peak_rss_growth_mb", max(peak - before, 0) / 1024, "MB")


if __name__ == "__main__":
    if sys.argv[1:] == ["pdf"]:
        pdf_batch()
    else:
        main()
