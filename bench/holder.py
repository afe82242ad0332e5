"""The badge bound to its holder, on PostgreSQL, in process (the real views through Django's test
client, production settings): the badge desk and a photo upload.

Prints:
- badge_desk_activation_ms (median) and badge_desk_activation_p99_ms: one delegate at the desk, as
  the desk staff works: find by name, open the delegate's page (photo and passport name), activate
  with the document checked, print the A6 badge; 100 delegates in turn.
- photo_upload_peak_rss_growth_mb: a 10 MB photo checked and re-encoded (`services.photos`) in a fresh
  process: peak RSS during it over the RSS before (the decoded pixels dominate; target under 200 MB).
- Uploads at once, on gunicorn (2 workers): 20 delegates post a 10 MB photo from their status page at
  the same moment. photo_uploads_at_once_5xx (5xx answers and uploads without an answer; target 0),
  photo_uploads_at_once_unexpected (answers other than the redirect back to the status page, or a
  photo not stored), photo_uploads_at_once_p99_ms, photo_uploads_worker_peak_rss_mb (the largest
  worker's peak RSS over the run; target under 400 MB). Every upload comes from 127.0.0.1, so the
  phase raises the per-address upload limit (`PHOTO_UPLOAD_RATE`) that 20 delegates on 20
  addresses would not meet.
"""

from __future__ import annotations

import http.client
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench.common import (
    HOST,
    PYTHON,
    ROOT,
    csrf_pair,
    gunicorn,
    line,
    manage,
    note,
    recreate_postgres_db,
    server_env,
    setup_django,
)
from bench.common import static_root as static_folder
from bench.door import vm_rss_kb

DELEGATES = 100
PHOTO_BYTES = 10 * 1024 * 1024
PORT = 18171
UPLOADS_AT_ONCE = 20


def main() -> None:
    database_url = recreate_postgres_db("reg_bench_holder")
    photo_root = tempfile.mkdtemp(prefix="bench-photos-")
    with static_folder() as static:
        env = {**server_env(database_url, static), "PHOTO_ROOT": photo_root}
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup_django(env)
        world = _arrange()
        _desk(world)
        _photo_rss(env)
        _uploads_at_once(env, world[0])


def _arrange() -> list:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from registrations import services
    from registrations.management.demo_holder import portrait
    from registrations.models import Delegate, DelegateStatus, Event, Institute, StakeholderType
    from registrations.services import photos

    now = timezone.now()
    event = Event.objects.create(
        name="Bench desk",
        slug="desk-bench",
        venue="Bench hall",
        starts_on=(now + timedelta(days=1)).date(),
        ends_on=(now + timedelta(days=2)).date(),
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now + timedelta(hours=1),
        badge_activation_required=True,
        photo_required=True,
    )
    jp = Institute.objects.get(iso_code="JP")
    prepared = photos.prepared_photo(SimpleUploadedFile("p.jpg", portrait(), content_type="image/jpeg"))
    delegates = []
    for n in range(DELEGATES):
        delegate = Delegate.objects.create(
            event=event,
            given_name="太郎",
            family_name=f"山田{n}",
            passport_name=f"YAMADA{'ABCDEFGHIJ'[n % 10]}{n} Taro",
            email=f"desk{n}@ipa.go.jp",
            email_key=f"desk{n}@ipa.go.jp",  # rules.email_key of it
            stakeholder_type=StakeholderType.GOVERNMENT,
            institute=jp,
            consent_data_processing=True,
            status=DelegateStatus.APPROVED,
        )
        photos.add_photo(delegate=delegate, photo=prepared, actor=services.Actor.system())
        delegates.append(delegate)
    user = get_user_model().objects.create_user("desk-bench", password=None)
    user.groups.add(Group.objects.get(name="Badge desk"))
    return [event, user, delegates]


def _desk(world) -> None:
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    event, user, delegates = world
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    timings = []
    random.Random(1).shuffle(delegates)
    for delegate in delegates:
        started = time.perf_counter()
        found = client.get(reverse("registrations:desk"), {"event": event.pk, "q": delegate.passport_name.split()[0]})
        page = client.get(reverse("registrations:desk_delegate", args=[delegate.public_id]))
        photo = client.get(reverse("registrations:desk_photo", args=[delegate.public_id]))
        done = client.post(
            reverse("registrations:desk_activate", args=[delegate.public_id]),
            {"document": "passport", "identity_matches": "on"},
        )
        badge = client.get(reverse("registrations:desk_badge", args=[delegate.public_id]))
        b"".join(badge.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        statuses = (found.status_code, page.status_code, photo.status_code, done.status_code, badge.status_code)
        if statuses != (200, 200, 200, 302, 200):
            raise RuntimeError(f"the badge desk answered {statuses}")
    timings.sort()
    note(f"badge desk: {len(timings)} delegates found, shown, activated and printed")
    line("badge_desk_activation_ms", statistics.median(timings), "ms")
    line("badge_desk_activation_p99_ms", timings[min(len(timings) - 1, int(len(timings) * 0.99))], "ms")


def _photo_rss(env) -> None:
    done = subprocess.run(
        [PYTHON, "-m", "bench.holder", "photo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        note(f"photo upload run failed: {done.stderr.strip()[-500:]}")
        return
    sys.stdout.write(done.stdout)


def noise_jpeg() -> bytes:
    """The largest noise photo under the limit: 10 MB of real JPEG (noise compresses badly)."""
    from PIL import Image

    width = 4000
    while True:
        height = width * 3 // 4
        noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        data = io.BytesIO()
        noise.save(data, "JPEG", quality=90)
        raw = data.getvalue()
        del noise, data
        if len(raw) <= PHOTO_BYTES:
            return raw
        width -= 200


def _uploads_at_once(env, event) -> None:
    from registrations.models import Delegate, DelegateStatus, Institute, StakeholderType
    from registrations.queries import links

    kr = Institute.objects.get(iso_code="KR")
    delegates = [
        Delegate.objects.create(
            event=event,
            given_name="Minjun",
            family_name=f"Kim{n}",
            email=f"upload{n}@msit.go.kr",
            email_key=f"upload{n}@msit.go.kr",  # rules.email_key of it
            stakeholder_type=StakeholderType.GOVERNMENT,
            institute=kr,
            consent_data_processing=True,
            status=DelegateStatus.APPROVED,
        )
        for n in range(UPLOADS_AT_ONCE)
    ]
    raw = noise_jpeg()
    boundary = "benchboundary7d3f"
    with gunicorn({**env, "PHOTO_UPLOAD_RATE": "1000/h"}, PORT, log_name="uploads") as server:
        posts = []
        for delegate in delegates:
            status_path = links.status_path(delegate)
            cookie, token = csrf_pair(PORT, status_path)
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="me.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            body = head + raw + f"\r\n--{boundary}--\r\n".encode()
            headers = {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": f"csrftoken={cookie}",
                "Referer": f"http://{HOST}:{PORT}{status_path}",
            }
            posts.append((status_path + "photo/", body, headers))
        workers = _children(server.pid)
        before = {pid: _status_kb(pid, "VmRSS") for pid in workers}
        answers: list[tuple[int, float]] = []
        gate = threading.Barrier(len(posts))

        def upload(path, body, headers):
            gate.wait()
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                answers.append((response.status, (time.perf_counter() - started) * 1000))
            except OSError:
                answers.append((0, (time.perf_counter() - started) * 1000))

        threads = [threading.Thread(target=upload, args=post) for post in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        peak = max(_status_kb(pid, "VmHWM") for pid in workers)
    stored = Delegate.objects.filter(pk__in=[d.pk for d in delegates]).exclude(photo="").count()
    latencies = sorted(ms for _status, ms in answers)
    failed = sum(1 for status, _ms in answers if status == 0 or status >= 500) + len(posts) - len(answers)
    unexpected = sum(1 for status, _ms in answers if status not in (0, 302) and status < 500)
    note(
        f"uploads at once: {len(posts)} x {len(raw) / 1e6:.1f} MB, {stored} photos stored, workers' RSS before "
        f"{', '.join(f'{kb / 1024:.0f}' for kb in before.values())} MB"
    )
    line("photo_uploads_at_once_5xx", failed, "responses")
    line("photo_uploads_at_once_unexpected", unexpected + (len(posts) - stored), "uploads")
    line("photo_uploads_at_once_p99_ms", latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "ms")
    line("photo_uploads_worker_peak_rss_mb", peak / 1024, "MB")


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listed:
        return [int(child) for child in listed.read().split()]


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith(field + ":"):
                return int(row.split()[1])
    return 0


def photo_upload() -> None:
    """A 10 MB JPEG (noise compresses badly: 10 MB is about 4,000 x 3,000 pixels), from a file on disk
    as Django hands a large upload over, checked and re-encoded."""
    import django

    django.setup()
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from registrations.services import photos

    raw = noise_jpeg()
    upload = TemporaryUploadedFile("big.jpg", "image/jpeg", len(raw), None)
    upload.write(raw)
    upload.seek(0)
    size = len(raw)
    del raw
    before = vm_rss_kb()
    started = time.monotonic()
    try:
        photos.prepared_photo(upload)
        outcome = "stored"
    except photos.PhotoRefused as refused:  # a cut-off file is refused, after the same reading
        outcome = f"refused ({refused.code})"
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    note(f"photo upload: {size / 1e6:.1f} MB, {outcome} in {elapsed:.2f} s")
    line("photo_upload_peak_rss_growth_mb", max(peak - before, 0) / 1024, "MB")


if __name__ == "__main__":
    if sys.argv[1:] == ["photo"]:
        photo_upload()
    else:
        main()
