"""The summit's doors (bench/summit.py): 20 doors, 4,000 arrivals at the plenary, 20% wrong badges.

The right badges are delegates the summit's signups and approvals gave a confirmed plenary seat. The
wrong ones: delegates the approvals put on the plenary's waitlist, badges replaced since (the old
version shown; the bench bumps the delegate's `badge_version` as a reissue does), and badges of
another event. Each arrival comes to one of 20 doors (both servers, one door staff session, its
second factor verified) at its time on a schedule of `SCHEDULE_SECONDS` (ten minutes) compressed
into `BENCH_SUMMIT_DOOR_SECONDS` (default 120); a tenth of the right badges is shown again at another
door a moment later. Answers are read from the real endpoint's JSON; check-ins from the database.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.common import HOST, note

DOORS = 20
ARRIVALS = 4000
WRONG_SHARE = 0.2
RESCAN_SHARE = 0.1
SCHEDULE_SECONDS = 600
SECONDS = float(os.environ.get("BENCH_SUMMIT_DOOR_SECONDS", "120"))
MAX_LATE_SECONDS = 240  # a bound on the storm: scans not sent by SECONDS + this are counted, not sent


@dataclass
class Scans:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # 5xx answers and scans without an answer
    other_status: int = 0  # answers other than 200 below 500
    wrong_admits: int = 0
    double_checkins: int = 0
    missed_admits: int = 0
    not_sent: int = 0  # scans still waiting at the deadline (a server far slower than the schedule)
    summary: str = ""


def arrange(event, plenary, ports) -> dict:
    """The arrivals (code, kind, delegate pk), the door staff's cookies and tokens for each port."""
    from django.db.models import F

    from registrations.models import Delegate, DelegateStatus, SeatStatus
    from registrations.rules import badges

    rng = random.Random(20)
    wrong = int(ARRIVALS * WRONG_SHARE)
    approved = Delegate.objects.filter(event=event, status=DelegateStatus.APPROVED).order_by("pk")

    def seat(status):  # one filter call: the same registration is at the plenary and in that status
        return list(approved.filter(session_registrations__session=plenary, session_registrations__status=status))

    confirmed, waitlisted = seat(SeatStatus.CONFIRMED), seat(SeatStatus.WAITLISTED)
    rng.shuffle(confirmed)
    reissued = confirmed[: wrong // 4]
    right = confirmed[len(reissued) : len(reissued) + ARRIVALS - wrong]
    late = waitlisted[: wrong // 2]
    others = _other_event_delegates(event, wrong - len(reissued) - len(late))
    Delegate.objects.filter(pk__in=[d.pk for d in reissued]).update(badge_version=F("badge_version") + 1)

    def code(delegate):  # the badge as printed (a reissued one: the version before the bump)
        return badges.make_code(
            event_id=delegate.event_id, public_id=delegate.public_id, version=delegate.badge_version
        )

    arrivals = [(code(d), "right", d.pk) for d in right]
    arrivals += [(code(d), kind, d.pk) for kind, group in (("reissued", reissued), ("waitlisted", late)) for d in group]
    arrivals += [(code(d), "other_event", d.pk) for d in others]
    note(
        f"door: {len(right)} right badges of {len(confirmed)} confirmed, {len(reissued)} replaced, "
        f"{len(late)} waitlisted, {len(others)} of another event"
    )
    return {"event": event, "session": plenary, "arrivals": arrivals, "signed_in": _signed_in(event, plenary, ports)}


def _other_event_delegates(event, count: int) -> list:
    from registrations.models import Delegate, DelegateStatus, Event, StakeholderType
    from registrations.rules.identity import email_key

    other = Event.objects.create(
        name="Side event",
        slug="summit-side",
        venue="Elsewhere",
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
    )
    return Delegate.objects.bulk_create(
        [
            Delegate(
                event=other,
                given_name=f"Side{n}",
                family_name="Guest",
                email=f"side{n}@example.org",
                email_key=email_key(f"side{n}@example.org"),
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="Elsewhere University",
                consent_data_processing=True,
                status=DelegateStatus.APPROVED,
            )
            for n in range(count)
        ]
    )


def _signed_in(event, session, ports) -> dict[int, tuple[str, str]]:
    """port -> (cookie, CSRF token): one door staff session (second factor verified), a CSRF pair from
    each server's door page."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user("summit-door", password=None)
    user.groups.add(Group.objects.get(name="Door staff"))
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    stored = client.session
    stored[DEVICE_ID_SESSION_KEY] = device.persistent_id
    stored.save()
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    query = urlencode({"event": event.pk, "session": session.pk, "door": "Door 0"})
    signed_in = {}
    for port in ports:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request("GET", f"/door/?{query}", headers={"Cookie": f"sessionid={sessionid}"})
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"the door page answered {response.status} on port {port}")
        cookies = response.headers.get_all("Set-Cookie") or []
        csrf = next(c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        signed_in[port] = (f"sessionid={sessionid}; csrftoken={csrf}", token)
    return signed_in


def _schedule(arrivals) -> list[list[tuple[float, str, str, int]]]:
    """Each door's scans in time order: (seconds from the start, code, kind, delegate pk)."""
    rng = random.Random(4000)
    doors: list[list] = [[] for _ in range(DOORS)]
    scale = SECONDS / SCHEDULE_SECONDS
    for code, kind, pk in arrivals:
        at, door = rng.uniform(0, SCHEDULE_SECONDS) * scale, rng.randrange(DOORS)
        doors[door].append((at, code, kind, pk))
        if kind == "right" and rng.random() < RESCAN_SHARE:  # shown again at another door a moment later
            again = (door + rng.randrange(1, DOORS)) % DOORS
            doors[again].append((at + rng.uniform(0.05, 1.0), code, kind, pk))
    return [sorted(scans) for scans in doors]


def storm(world, ports) -> Scans:
    from registrations.models import CheckIn

    schedule = _schedule(world["arrivals"])
    scans = Scans()
    admitted: dict[int, int] = {}
    lock = threading.Lock()
    t0 = time.monotonic() + 1
    deadline = t0 + SECONDS + MAX_LATE_SECONDS

    def door(n: int) -> None:
        port = ports[n % len(ports)]
        cookie, token = world["signed_in"][port]
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Cookie": cookie}
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        for done, (at, code, kind, pk) in enumerate(schedule[n]):
            if time.monotonic() > deadline:
                with lock:
                    scans.not_sent += len(schedule[n]) - done
                break
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "event": world["event"].pk,
                    "session": world["session"].pk,
                    "door": f"Door {n}",
                    "code": code,
                }
            )
            started = time.perf_counter()
            try:
                conn.request("POST", "/door/scan/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except OSError:
                conn.close()
                with lock:
                    scans.errors += 1
                continue
            ms = (time.perf_counter() - started) * 1000
            with lock:
                scans.latencies.append(ms)
                if response.status >= 500:
                    scans.errors += 1
                elif response.status != 200:
                    scans.other_status += 1
                elif json.loads(payload)["admit"]:
                    admitted[pk] = admitted.get(pk, 0) + 1
                    scans.wrong_admits += kind != "right"
        conn.close()

    threads = [threading.Thread(target=door, args=(n,)) for n in range(DOORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + MAX_LATE_SECONDS + 60)
    elapsed = time.monotonic() - t0
    arrivals = world["arrivals"]
    wrong_pks = {pk for _c, kind, pk in arrivals if kind != "right"}
    right_pks = {pk for _c, kind, pk in arrivals if kind == "right"}
    standing = CheckIn.objects.filter(session=world["session"], undone_at__isnull=True)
    scans.wrong_admits += standing.filter(delegate_id__in=wrong_pks).count()
    scans.double_checkins = sum(1 for n in admitted.values() if n > 1)
    scans.double_checkins += standing.count() - standing.values("delegate").distinct().count()
    scans.missed_admits = len(right_pks - set(admitted))
    total = sum(len(s) for s in schedule)
    scans.summary = (
        f"doors: {DOORS} doors, {total} scans ({len(arrivals)} arrivals, {len(wrong_pks)} wrong badges, "
        f"{total - len(arrivals)} shown twice) in {elapsed:.1f} s ({total / elapsed:.0f}/s; "
        f"{SCHEDULE_SECONDS} s of arrivals in {SECONDS:.0f} s); {scans.other_status} answers other than 200, "
        f"{scans.not_sent} scans not sent by the deadline"
    )
    return scans
