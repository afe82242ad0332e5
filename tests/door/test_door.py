"""Badges and the door: the badge code, the admission rule through the door endpoint (every refusal),
undo, the name search, the offline admit list and the replay of offline scans, the permission matrix,
and two doors scanning one badge at once (PostgreSQL)."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from registrations import checks, rules, services
from registrations.models import (
    AccessTier,
    AuditAction,
    AuditEntry,
    CheckIn,
    DelegateStatus,
    SeatStatus,
    StakeholderType,
)
from registrations.queries import door as door_queries
from registrations.queries import links
from registrations.rules import badges
from registrations.services import door as door_service
from tests.conftest import requires_postgres
from tests.factories import (
    DelegateFactory,
    EventFactory,
    SessionFactory,
    SessionRegistrationFactory,
    UserFactory,
    organizer,
    venue_time,
)

SCAN = "/door/scan/"
JSON = {"HTTP_ACCEPT": "application/json"}


def door_staff(username: str = "door"):
    user = UserFactory(username=username, is_staff=False)
    user.groups.add(Group.objects.get(name="Door staff"))
    return user


@pytest.fixture
def door_user(db):
    return door_staff()


@pytest.fixture
def door_client(client, door_user):
    client.force_login(door_user)
    return client


@pytest.fixture
def gov_session(event):
    return SessionFactory(event=event, title="Joint testing", access_tier=AccessTier.GOVERNMENT_ONLY, capacity=5)


@pytest.fixture
def plenary(event):
    return SessionFactory(event=event, title="Plenary", access_tier=AccessTier.OPEN, capacity=50)


def approved(event, *, government=True, seats=(), **fields):
    """An approved delegate with the given (session, seat status) pairs."""
    delegate = DelegateFactory(event=event, government=government, status=DelegateStatus.APPROVED, **fields)
    for session, status in seats:
        SessionRegistrationFactory(delegate=delegate, session=session, status=status)
    return delegate


def scan(client, session, code, *, door="North door", event=None, **extra):
    event = event or session.event
    data = {"event": event.pk, "session": session.pk if session else "entrance", "door": door, "code": code, **extra}
    return client.post(SCAN, data, **JSON)


# --------------------------------------------------------------------------- the badge code


def test_badge_code_names_event_delegate_and_version_without_personal_data(event):
    delegate = DelegateFactory(event=event, given_name="Haruto", family_name="Sato", email="haruto@example.jp")
    code = badges.code_for(delegate)
    ref = badges.read(code)
    assert (ref.event_id, ref.public_id, ref.version) == (event.pk, delegate.public_id, 1)
    for personal in ("HARUTO", "SATO", "EXAMPLE"):
        assert personal not in code.split(".", 2)[2]
    assert badges.CODE_PATTERN.fullmatch(code)
    # A scanner or a person may type it in lower case, with blanks around it.
    assert badges.read(f"  {code.lower()}\n") == ref


def test_badge_code_with_a_changed_character_is_refused(event):
    code = badges.code_for(DelegateFactory(event=event))
    payload, signature = code.rsplit(".", 1)
    forged_signature = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    forged_version = code.replace(".1.", ".2.", 1)
    for forged in (forged_signature, forged_version, code[:-1], "B1.1.x", "", "x" * 500):
        with pytest.raises(badges.InvalidBadge):
            badges.read(forged)


def test_badge_codes_signed_with_another_key_are_refused(event, settings):
    code = badges.code_for(DelegateFactory(event=event))
    settings.BADGE_SIGNING_KEY = "another-key-" + "k" * 40
    with pytest.raises(badges.InvalidBadge):
        badges.read(code)


def test_qr_svg_is_attributes_only(event):
    svg = badges.qr_svg(badges.code_for(DelegateFactory(event=event)), label="Badge")
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg


# --------------------------------------------------------------------------- the rule


def test_admission_asks_may_attend_for_the_tier(event, gov_session, monkeypatch):
    guest = approved(event, government=False, seats=[(gov_session, SeatStatus.CONFIRMED)])
    verdict = rules.admission(delegate=guest, session=gov_session, seat_status=SeatStatus.CONFIRMED, badge_version=1)
    assert verdict.reason == rules.DoorRefusal.GOVERNMENT_ONLY
    # The door has no tier rule of its own: whatever may_attend says holds at the door.
    monkeypatch.setattr(rules.access, "may_attend", lambda *args, **kwargs: True)
    assert rules.admission(delegate=guest, session=gov_session, seat_status=SeatStatus.CONFIRMED, badge_version=1).admit


# --------------------------------------------------------------------------- the door endpoint


def test_scan_admits_a_confirmed_government_delegate_and_records_one_check_in(door_client, door_user, gov_session):
    delegate = approved(gov_session.event, seats=[(gov_session, SeatStatus.CONFIRMED)])
    response = scan(door_client, gov_session, badges.code_for(delegate))
    assert response.status_code == 200
    answer = response.json()
    assert answer["admit"] is True
    assert answer["name"] == delegate.full_name
    assert answer["affiliation"] == "AI Safety Institute (United Kingdom)"
    assert answer["type"] == "Government"
    assert answer["check_in"] == CheckIn.objects.get().pk  # the page counts it; no counts read per scan
    status = door_client.get("/door/status/", {"event": gov_session.event_id, "session": gov_session.pk}).json()
    assert status["attendance"] == {"checked_in": 1, "expected": 1}
    check_in = CheckIn.objects.get()
    assert (check_in.delegate, check_in.session, check_in.door, check_in.by) == (
        delegate,
        gov_session,
        "North door",
        door_user,
    )
    entry = AuditEntry.objects.get(action=AuditAction.CHECKED_IN)
    assert (entry.actor_kind, entry.actor_user, entry.delegate, entry.session) == (
        "door_staff",
        door_user,
        delegate,
        gov_session,
    )


def test_scan_refuses_a_guest_at_a_government_only_session(door_client, gov_session):
    guest = approved(gov_session.event, government=False, stakeholder_type=StakeholderType.INDUSTRY)
    answer = scan(door_client, gov_session, badges.code_for(guest)).json()
    assert (answer["admit"], answer["reason"]) == (False, "government_only")
    assert answer["message"] == "Government-only session: this badge belongs to a guest (industry)."
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("seat", "message"),
    [
        (SeatStatus.WAITLISTED, "Not confirmed for this session: on its waitlist."),
        (SeatStatus.CANCELLED, "Not confirmed for this session: the seat was cancelled."),
        (SeatStatus.REQUESTED, "Not confirmed for this session: the seat is requested, not confirmed."),
        (None, "Not confirmed for this session: this delegate never asked for it."),
    ],
)
def test_scan_refuses_a_delegate_not_confirmed_for_the_session(door_client, plenary, seat, message):
    delegate = approved(plenary.event, seats=[(plenary, seat)] if seat else [])
    answer = scan(door_client, plenary, badges.code_for(delegate)).json()
    assert (answer["admit"], answer["reason"], answer["message"]) == (False, "not_confirmed", message)
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (DelegateStatus.PENDING, "not_approved"),
        (DelegateStatus.REJECTED, "not_approved"),
        (DelegateStatus.WITHDRAWN, "withdrawn"),
    ],
)
def test_scan_refuses_a_delegate_not_approved_or_withdrawn(door_client, plenary, status, reason):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    delegate.status = status
    delegate.save()
    answer = scan(door_client, plenary, badges.code_for(delegate)).json()
    assert (answer["admit"], answer["reason"]) == (False, reason)
    assert CheckIn.objects.count() == 0


def test_a_reissued_badge_is_refused_at_every_door_and_the_new_one_admitted(
    door_client, plenary, gov_session, organizer_actor
):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED), (gov_session, SeatStatus.CONFIRMED)])
    old = badges.code_for(delegate)
    services.door.reissue_badge(delegate=delegate, actor=organizer_actor)
    delegate.refresh_from_db()
    assert delegate.badge_version == 2
    for session in (plenary, gov_session, None):
        answer = scan(door_client, session, old, event=plenary.event).json()
        assert (answer["admit"], answer["reason"]) == (False, "reissued")
    assert scan(door_client, plenary, badges.code_for(delegate)).json()["admit"] is True
    entry = AuditEntry.objects.get(action=AuditAction.BADGE_REISSUED)
    assert (entry.from_status, entry.to_status) == ("1", "2")


@pytest.mark.parametrize("kind", ["garbage", "tampered", "no such delegate"])
def test_scan_refuses_unknown_or_forged_codes(door_client, plenary, kind):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = {
        "garbage": "hello world",
        "tampered": badges.code_for(delegate)[:-2] + "AA",
        "no such delegate": badges.make_code(
            event_id=plenary.event_id, public_id=__import__("uuid").uuid4(), version=1
        ),
    }[kind]
    if code == badges.code_for(delegate):  # the tampered code happened to end in AA already
        code = code[:-2] + "BB"
    answer = scan(door_client, plenary, code).json()
    assert (answer["admit"], answer["reason"], answer["message"]) == (False, "unknown", "Unknown or forged badge code.")
    assert "name" not in answer


def test_scan_refuses_a_badge_from_another_event(door_client, plenary):
    elsewhere = EventFactory()
    other_session = SessionFactory(event=elsewhere)
    delegate = approved(elsewhere, seats=[(other_session, SeatStatus.CONFIRMED)])
    answer = scan(door_client, plenary, badges.code_for(delegate)).json()
    assert (answer["admit"], answer["reason"]) == (False, "other_event")
    # Nor may a door name another event's delegate by id.
    response = door_client.post(
        SCAN, {"event": plenary.event_id, "session": plenary.pk, "delegate": str(delegate.public_id)}, **JSON
    )
    assert response.json()["reason"] == "unknown"


def test_a_session_of_another_event_is_not_a_door(door_client, plenary):
    elsewhere = SessionFactory(event=EventFactory())
    response = door_client.post(SCAN, {"event": plenary.event_id, "session": elsewhere.pk, "code": "x"}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "That is not a session of this event."


def test_a_second_scan_says_when_and_at_which_door(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = badges.code_for(delegate)
    assert scan(door_client, plenary, code, door="North door").json()["admit"] is True
    answer = scan(door_client, plenary, code, door="South door").json()
    when = timezone.localtime(CheckIn.objects.get().scanned_at, plenary.event.tz).strftime("%H:%M")
    assert (answer["admit"], answer["reason"]) == (False, "already_checked_in")
    assert answer["message"] == f"Already checked in at {when}, at North door."
    assert CheckIn.objects.count() == 1


def test_the_venue_entrance_admits_approved_delegates_once(door_client, event):
    delegate = approved(event)
    pending = DelegateFactory(event=event)
    assert scan(door_client, None, badges.code_for(delegate), event=event).json()["admit"] is True
    assert scan(door_client, None, badges.code_for(delegate), event=event).json()["reason"] == "already_checked_in"
    assert scan(door_client, None, badges.code_for(pending), event=event).json()["reason"] == "not_approved"
    assert CheckIn.objects.get().session is None


def test_an_empty_scan_is_a_400_with_a_message(door_client, plenary):
    response = scan(door_client, plenary, "")
    assert response.status_code == 400
    assert response.json() == {"error": "Scan a badge or find the delegate by name."}


def test_the_door_page_without_script_shows_the_answer(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    page = door_client.post(SCAN, {"event": plenary.event_id, "session": plenary.pk, "code": badges.code_for(delegate)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "ADMIT" in html and delegate.full_name in html and "verdict-admit" in html


# --------------------------------------------------------------------------- undo, search, attendance


def test_undo_needs_a_reason_is_audited_and_allows_a_new_check_in(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    check_in_id = scan(door_client, plenary, badges.code_for(delegate)).json()["check_in"]
    place = {"event": plenary.event_id, "session": plenary.pk}
    no_reason = door_client.post("/door/undo/", {**place, "check_in": check_in_id, "reason": "  "}, **JSON)
    assert no_reason.status_code == 400
    assert no_reason.json() == {"error": "Say why this check-in is undone."}
    done = door_client.post("/door/undo/", {**place, "check_in": check_in_id, "reason": "Wrong badge"}, **JSON)
    assert done.status_code == 200
    assert done.json()["attendance"] == {"checked_in": 0, "expected": 1}
    undone = CheckIn.objects.get()
    assert (undone.undo_reason, undone.undone_by_name) == ("Wrong badge", "door")
    assert AuditEntry.objects.get(action=AuditAction.CHECK_IN_UNDONE).reason == "Wrong badge"
    again = door_client.post("/door/undo/", {**place, "check_in": check_in_id, "reason": "twice"}, **JSON)
    assert again.status_code == 409
    assert scan(door_client, plenary, badges.code_for(delegate)).json()["admit"] is True
    assert CheckIn.objects.filter(undone_at__isnull=True).count() == 1


def test_undo_of_another_events_check_in_is_refused(door_client, plenary):
    other = SessionFactory(event=EventFactory())
    delegate = approved(other.event, seats=[(other, SeatStatus.CONFIRMED)])
    check_in_id = scan(door_client, other, badges.code_for(delegate)).json()["check_in"]
    response = door_client.post(
        "/door/undo/",
        {"event": plenary.event_id, "session": plenary.pk, "check_in": check_in_id, "reason": "x"},
        **JSON,
    )
    assert response.status_code == 409
    assert CheckIn.objects.get().undone_at is None


def test_name_search_finds_this_events_delegates_and_checks_them_in(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)], given_name="Ana", family_name="Müller")
    DelegateFactory(event=EventFactory(), given_name="Ana", family_name="Müller")  # another event's
    found = door_client.get("/door/search/", {"event": plenary.event_id, "session": plenary.pk, "q": "ana mül"}).json()
    assert [r["delegate"] for r in found["results"]] == [str(delegate.public_id)]
    answer = door_client.post(
        SCAN, {"event": plenary.event_id, "session": plenary.pk, "delegate": str(delegate.public_id)}, **JSON
    ).json()
    assert answer["admit"] is True
    too_short = door_client.get("/door/search/", {"event": plenary.event_id, "session": plenary.pk, "q": "a"})
    assert too_short.status_code == 400


# --------------------------------------------------------------------------- offline


def test_admit_list_holds_each_codes_verdict_by_hash_in_four_queries(
    door_client, gov_session, django_assert_num_queries
):
    event = gov_session.event
    admitted = approved(event, seats=[(gov_session, SeatStatus.CONFIRMED)])
    guest = approved(event, government=False)
    reissued = approved(event, seats=[(gov_session, SeatStatus.CONFIRMED)])
    old_code = badges.code_for(reissued)
    reissued.badge_version = 2
    reissued.save()
    place = door_queries.Door(event=event, session=gov_session, name="North")
    # The delegates, their seats, the standing check-ins here and those in sessions at the same time.
    with django_assert_num_queries(4):
        listed = door_queries.admit_list(door=place)
    entries = listed["entries"]
    assert entries[badges.code_hash(badges.code_for(admitted))]["admit"] is True
    assert entries[badges.code_hash(badges.code_for(guest))]["reason"] == "government_only"
    assert entries[badges.code_hash(old_code)]["reason"] == "reissued"
    assert entries[badges.code_hash(badges.code_for(reissued))]["admit"] is True
    assert set(entries[badges.code_hash(badges.code_for(admitted))]) == {
        "admit",
        "reason",
        "message",
        "warning",
        "name",
        "passport_name",
        "affiliation",
        "type",
        "government",
    }
    assert old_code not in json.dumps(listed) and admitted.email not in json.dumps(listed)
    response = door_client.get("/door/admit-list/", {"event": event.pk, "session": gov_session.pk})
    assert response.status_code == 200 and len(response.json()["entries"]) == 4


def test_an_entry_already_inside_says_who_it_is_as_the_door_does_online(door_client, gov_session):
    """Found by the tryout helper: offline, a second scan showed a bare DO NOT ADMIT."""
    inside = approved(gov_session.event, seats=[(gov_session, SeatStatus.CONFIRMED)])
    assert scan(door_client, gov_session, badges.code_for(inside)).json()["admit"] is True
    place = door_queries.Door(event=gov_session.event, session=gov_session, name="North")
    entry = door_queries.admit_list(door=place)["entries"][badges.code_hash(badges.code_for(inside))]
    assert (entry["admit"], entry["reason"], entry["name"]) == (False, "already_checked_in", inside.full_name)


def test_a_refused_entry_of_the_admit_list_names_nobody(gov_session):
    event = gov_session.event
    guest = approved(event, government=False, organization="Frontier Lab")
    pending = DelegateFactory(event=event, government=True)
    place = door_queries.Door(event=event, session=gov_session, name="North")
    listed = door_queries.admit_list(door=place)
    for delegate in (guest, pending):
        entry = listed["entries"][badges.code_hash(badges.code_for(delegate))]
        assert set(entry) == {"admit", "reason", "message"}
        assert entry["admit"] is False
    text = json.dumps(listed)
    for value in (guest.family_name, guest.given_name, "Frontier Lab", pending.family_name):
        assert value not in text


def offline_scan(code, minutes_ago, *, admitted=True, scan_id=""):
    at = (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()
    return {"id": scan_id or f"scan-{code[-6:]}-{minutes_ago}", "code": code, "at": at, "admitted": admitted}


def sync(client, session, scans, *, door="North door", signature=None):
    if signature is None:
        place = door_queries.Door(event=session.event, session=session, name=door)
        signature = door_queries.admit_list(door=place)["signature"]
    body = {"event": session.event_id, "session": session.pk, "door": door, "signature": signature, "scans": scans}
    return client.post("/door/sync/", json.dumps(body), content_type="application/json", **JSON)


def test_offline_scans_are_recorded_in_scan_order_once(door_client, plenary):
    first, second = (approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)]) for _ in range(2))
    scans = [offline_scan(badges.code_for(first), 10), offline_scan(badges.code_for(second), 5)]
    response = sync(door_client, plenary, scans)
    assert response.status_code == 200
    assert response.json()["conflicts"] == []
    check_ins = list(CheckIn.objects.order_by("scanned_at"))
    assert [c.delegate for c in check_ins] == [first, second]
    assert all(c.offline for c in check_ins)
    assert abs((check_ins[0].scanned_at - timezone.now()).total_seconds() + 600) < 5
    # Sent again (the answer was lost): nothing recorded twice, no conflict.
    again = sync(door_client, plenary, scans)
    assert again.json()["conflicts"] == [] and CheckIn.objects.count() == 2


def test_offline_scans_sent_out_of_order_are_recorded_in_scan_order(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = badges.code_for(delegate)
    later, earlier = offline_scan(code, 5, scan_id="later"), offline_scan(code, 10, scan_id="earlier")
    answer = sync(door_client, plenary, [later, earlier]).json()
    assert [c["scan"] for c in answer["conflicts"]] == ["later"]
    assert CheckIn.objects.get().scan_id == "earlier"


def test_a_badge_admitted_at_two_doors_offline_is_reported_as_a_conflict(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = badges.code_for(delegate)
    assert sync(door_client, plenary, [offline_scan(code, 8, scan_id="a")], door="North").json()["conflicts"] == []
    answer = sync(door_client, plenary, [offline_scan(code, 6, scan_id="b")], door="South").json()
    assert [c["name"] for c in answer["conflicts"]] == [delegate.full_name]
    entry = AuditEntry.objects.get(action=AuditAction.CHECK_IN_CONFLICT)
    assert (entry.delegate, entry.details["door"], entry.details["other_door"]) == (delegate, "South", "North")
    status = door_client.get("/door/status/", {"event": plenary.event_id, "session": plenary.pk}).json()
    assert [c["name"] for c in status["conflicts"]] == [delegate.full_name]
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    "impossible", ["2027-02-30T10:00:00", "2027-11-20T25:00:00", "2027-11-20T10:00:00+99:99", "not a time", ""]
)
def test_one_impossible_time_is_reported_and_the_rest_of_the_queue_recorded(door_client, plenary, impossible):
    first, second = (approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)]) for _ in range(2))
    bad = {"id": "bad", "code": badges.code_for(first), "at": impossible, "admitted": True}
    response = sync(door_client, plenary, [bad, offline_scan(badges.code_for(second), 3, scan_id="good")])
    assert response.status_code == 200
    answer = response.json()
    assert answer["recorded"] == ["good"]
    assert [entry["scan"] for entry in answer["invalid"]] == ["bad"]
    assert [c.delegate for c in CheckIn.objects.all()] == [second]


@pytest.mark.parametrize("field", ["id", "code"])
@pytest.mark.parametrize("text", ["bad\x00id", "bad\ud800id"], ids=["nul", "lone-surrogate"])
def test_an_entry_with_text_no_database_holds_is_reported_not_a_500(door_client, plenary, field, text):
    """Found by the attack helper: a NUL (PostgreSQL refuses it) or a lone surrogate (UTF-8 cannot
    encode it), both valid JSON, in a scan's id or code."""
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    bad = {**offline_scan(badges.code_for(delegate), 2, scan_id="bad"), field: text}
    response = sync(door_client, plenary, [bad])
    assert response.status_code == 200
    assert len(response.json()["invalid"]) == 1 and CheckIn.objects.count() == 0


def test_a_body_nested_past_pythons_stack_is_refused_with_a_400(door_client):
    deep = "[" * 100_000 + "]" * 100_000
    assert door_client.post("/door/sync/", deep, content_type="application/json").status_code == 400


def test_offline_scans_need_this_doors_admit_list(door_client, plenary, gov_session):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    scans = [offline_scan(badges.code_for(delegate), 1)]
    forged = sync(door_client, plenary, scans, signature="not-a-signature")
    assert forged.status_code == 400
    other_door = door_queries.admit_list(door=door_queries.Door(event=plenary.event, session=gov_session, name="x"))
    assert sync(door_client, plenary, scans, signature=other_door["signature"]).status_code == 400
    assert door_client.post("/door/sync/", "[1, 2", content_type="application/json").status_code == 400
    assert CheckIn.objects.count() == 0


# --------------------------------------------------------------------------- who may use the door

DOOR_GETS = ["/door/", "/door/search/", "/door/status/", "/door/admit-list/"]
DOOR_POSTS = ["/door/scan/", "/door/undo/", "/door/sync/"]


def test_anonymous_visitors_are_sent_to_the_door_login(client, plenary):
    assert client.get("/door/").url.startswith(reverse("registrations:door_login"))
    for url in DOOR_GETS[1:]:
        assert client.get(url, {"event": plenary.event_id, "session": plenary.pk}, **JSON).status_code == 401
    for url in DOOR_POSTS:
        assert client.post(url, {"event": plenary.event_id, "session": plenary.pk}).status_code == 401


def test_organizers_cannot_use_the_door_without_the_door_permission(client, plenary):
    user = organizer()
    client.force_login(user)
    for url in DOOR_GETS:
        assert client.get(url, {"event": plenary.event_id, "session": plenary.pk}, **JSON).status_code == 403, url
    for url in DOOR_POSTS:
        assert client.post(url, {"event": plenary.event_id, "session": plenary.pk}, **JSON).status_code == 403, url
    user.user_permissions.add(Permission.objects.get(codename="check_in"))
    client.force_login(type(user).objects.get(pk=user.pk))
    assert client.get("/door/", {"event": plenary.event_id, "session": plenary.pk}).status_code == 200


def test_door_staff_see_no_admin_delegate_list_or_export(door_client, plenary):
    delegate = approved(plenary.event)
    for url in (
        reverse("admin:index"),
        reverse("admin:registrations_delegate_changelist"),
        reverse("admin:registrations_delegate_change", args=[delegate.pk]),
        reverse("admin:registrations_checkin_changelist"),
    ):
        response = door_client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    export_urls = [u for u in _admin_export_urls(plenary)]
    for url in export_urls:
        assert door_client.get(url).status_code in {302, 403}, url
    assert door_client.get("/door/", {"event": plenary.event_id, "session": plenary.pk}).status_code == 200


def _admin_export_urls(session):
    names = ["admin:registrations_delegate_export", "admin:registrations_session_export"]
    urls = []
    for name in names:
        try:
            urls.append(reverse(name) if name.endswith("delegate_export") else reverse(name, args=[session.pk]))
        except Exception:  # noqa: S112 (a name the admin does not have)
            continue
    assert urls
    return urls


def test_door_login_asks_for_the_second_factor_when_required(client, door_user, plenary):
    with override_settings(ADMIN_REQUIRE_2FA=True):
        page = client.get(reverse("registrations:door_login"))
        assert 'name="otp_token"' in page.content.decode()
        client.force_login(door_user)  # a password alone: not verified
        response = client.get("/door/", {"event": plenary.event_id, "session": plenary.pk})
        assert response.status_code == 302 and response.url.startswith(reverse("registrations:door_login"))
        assert scan(client, plenary, "x").status_code == 401


def test_door_login_with_a_password_in_development(client, door_user):
    response = client.post(
        reverse("registrations:door_login"), {"username": "door", "password": "a-long-test-password"}
    )
    assert response.status_code == 302 and response.url == reverse("registrations:door")


def test_repeated_wrong_passwords_at_the_door_login_lock_the_account_out(client, door_user):
    login = reverse("registrations:door_login")
    answers = [client.post(login, {"username": "door", "password": "wrong"}).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks the account out (AXES_FAILURE_LIMIT)
    locked = client.post(login, {"username": "door", "password": "a-long-test-password"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("key", "warnings"), [("", ["registrations.W005"]), ("short", ["registrations.W005"]), ("k" * 40, [])]
)
def test_check_deploy_warns_without_a_badge_signing_key(settings, key, warnings):

    settings.BADGE_SIGNING_KEY = key
    assert [w.id for w in checks.badge_signing_key_is_set(None)] == warnings


def test_without_a_badge_key_development_derives_one_from_the_secret_key(settings, event):
    settings.BADGE_SIGNING_KEY = ""
    code = badges.code_for(DelegateFactory(event=event))
    assert badges.read(code).event_id == event.pk
    settings.SECRET_KEY = "another-secret-" + "s" * 40
    with pytest.raises(badges.InvalidBadge):
        badges.read(code)


# --------------------------------------------------------------------------- two doors at once


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_doors_scanning_one_badge_at_once_record_one_check_in():
    event = EventFactory()
    session = SessionFactory(event=event, capacity=10)
    delegate = approved(event, seats=[(session, SeatStatus.CONFIRMED)])
    user = door_staff("door-concurrent")
    code = badges.code_for(delegate)
    doors = 6
    barrier = threading.Barrier(doors)
    answers, errors = [], []

    def at_door(number):
        try:
            barrier.wait(timeout=30)
            place = door_queries.Door(event=event, session=session, name=f"Door {number}")
            answers.append(door_service.check_in(door=place, actor=services.Actor.door_staff(user), code=code))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=at_door, args=(n,)) for n in range(doors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(a.verdict.admit for a in answers) == [False] * (doors - 1) + [True]
    assert {a.verdict.reason for a in answers if not a.verdict.admit} == {"already_checked_in"}
    assert CheckIn.objects.filter(delegate=delegate).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.CHECKED_IN).count() == 1


def test_deleting_a_session_records_how_many_were_checked_in(door_client, plenary, organizer_actor):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    assert scan(door_client, plenary, badges.code_for(delegate)).json()["admit"] is True
    services.delete_sessions(session_ids=[plenary.pk], actor=organizer_actor)
    assert AuditEntry.objects.get(action=AuditAction.SESSION_DELETED).details["checked_in"] == 1
    assert CheckIn.objects.count() == 0


def test_download_my_data_lists_the_delegates_check_ins(door_client, plenary):

    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    scan(door_client, plenary, badges.code_for(delegate), door="North door")
    data = json.loads(door_client.get(links.status_path(delegate) + "my-data.json").content)
    assert [(c["session"], c["door"], c["offline"]) for c in data["check_ins"]] == [("Plenary", "North door", False)]
    assert "door" not in json.dumps(data["check_ins"]).replace('"door": "North door"', "")


@pytest.mark.parametrize("others", [1, 5])
def test_a_repeated_scan_costs_the_same_few_queries_however_many_are_in(
    door_client, plenary, others, django_assert_num_queries
):
    delegates = [approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)]) for _ in range(others + 1)]
    for delegate in delegates:
        assert scan(door_client, plenary, badges.code_for(delegate)).json()["admit"] is True
    # Session and user, their permissions (2); the event and the session come from the snapshot;
    # then the delegate with their seat, and their standing check-ins. No lock, no write.
    with django_assert_num_queries(6):
        assert scan(door_client, plenary, badges.code_for(delegates[0])).json()["reason"] == "already_checked_in"


@pytest.mark.parametrize(
    "params",
    [
        {"session": "9" * 30},
        {"event": "9" * 30},
        {"session": "-1"},
        {"session": "1e3"},
        {"event": "x\x00"},
        {"door": "d" * 5000},
        {"session": "²"},  # a Unicode digit that int() refuses
        {"event": "²"},
        {"session": "١"},  # a digit int() reads, in another script
    ],
)
def test_bad_door_parameters_get_a_400_never_a_500(door_client, plenary, params):
    place = {"event": plenary.event_id, "session": plenary.pk, "door": "North", **params}
    for url in ("/door/search/", "/door/status/", "/door/admit-list/"):
        response = door_client.get(url, {**place, "q": "ab"}, **JSON)
        assert response.status_code in {200, 400}, (url, response.status_code)
    assert door_client.get("/door/", place).status_code in {200, 400}
    assert door_client.get("/door/", {"event": place["event"]}).status_code in {200, 400}
    assert door_client.post(SCAN, {**place, "code": "x"}, **JSON).status_code in {200, 400}
    undo = door_client.post("/door/undo/", {**place, "check_in": "9" * 30, "reason": "x"}, **JSON)
    assert undo.status_code in {400, 409}


# --------------------------------------------------------------------------- venue time, undo states, search


def test_the_door_picker_shows_session_times_in_venue_time_with_the_zone(door_client, event):
    # 09:00 and 23:30 in San Francisco are 17:00 and 07:30 the next day in UTC.
    SessionFactory(event=event, title="Opening plenary", starts_at=venue_time(event, 9), ends_at=venue_time(event, 10))
    SessionFactory(event=event, title="Late dinner", starts_at=venue_time(event, 23.5), ends_at=venue_time(event, 24))
    day = formats.date_format(event.starts_on, "D j M")
    html = door_client.get("/door/", {"event": event.pk}).content.decode()
    assert f"{day}, 09:00</time>–" in html and f"{day}, 23:30</time>–" in html
    assert "17:00" not in html and "07:30" not in html
    assert "10:00 PST</time>" in html or "10:00 PDT</time>" in html  # the zone is named

    french = door_client.get("/door/", {"event": event.pk}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("fr"):
        jour = formats.date_format(event.starts_on, "l j F Y")
    assert f"{jour}, 9 h 00</time> – " in french and "(heure du Pacifique)" in french


def test_already_checked_in_says_the_time_in_the_door_staffs_language(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = badges.code_for(delegate)
    scanned = venue_time(plenary.event, 7.8)  # 07:48 at the venue
    door_service.check_in(
        door=door_queries.Door(plenary.event, plenary, "Nord"),
        actor=services.Actor.system(),
        code=code,
        scanned_at=scanned,
    )
    place = {"event": plenary.event_id, "session": plenary.pk, "code": code}
    answer = door_client.post(SCAN, place, HTTP_ACCEPT_LANGUAGE="fr", **JSON).json()
    assert answer["message"] == "Entrée déjà enregistrée à 7\u00a0h\u00a048, à Nord."  # no-break spaces
    assert scan(door_client, plenary, code).json()["message"] == "Already checked in at 07:48, at Nord."


def test_already_checked_in_offers_to_undo_the_standing_check_in(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)])
    code = badges.code_for(delegate)
    first = scan(door_client, plenary, code).json()["check_in"]
    answer = scan(door_client, plenary, code).json()
    assert (answer["reason"], answer["check_in"]) == ("already_checked_in", first)
    page = door_client.post(SCAN, {"event": plenary.event_id, "session": plenary.pk, "code": code}).content.decode()
    undo_form = re.search(r'<form id="undo-form"[^>]*>', page).group(0)
    assert "hidden" not in undo_form and f'name="check_in" value="{first}"' in page
    done = door_client.post(
        "/door/undo/", {"event": plenary.event_id, "session": plenary.pk, "check_in": first, "reason": "Mix-up"}
    )
    assert done.status_code == 200
    assert CheckIn.objects.get().undo_reason == "Mix-up"


def test_a_refusal_other_than_already_checked_in_offers_no_undo(door_client, gov_session):
    guest = approved(gov_session.event, government=False, seats=[(gov_session, SeatStatus.CONFIRMED)])
    answer = scan(door_client, gov_session, badges.code_for(guest)).json()
    assert answer["admit"] is False and "check_in" not in answer


def test_the_page_after_an_undo_is_neutral_not_admit(door_client, plenary):
    delegate = approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)], given_name="Ana", family_name="Ruiz")
    check_in_id = scan(door_client, plenary, badges.code_for(delegate)).json()["check_in"]
    place = {"event": plenary.event_id, "session": plenary.pk}
    page = door_client.post("/door/undo/", {**place, "check_in": check_in_id, "reason": "Wrong badge"})
    html = page.content.decode()
    section = re.search(r'<section id="verdict" class="([^"]*)"', html).group(1)
    assert section == "verdict verdict-undone"
    assert re.search(r'id="verdict-word"[^>]*>([^<]*)<', html).group(1) == "Check-in undone"
    assert "Check-in of Ana Ruiz undone." in html and ">ADMIT<" not in html
    assert re.search(r'<form id="undo-form"[^>]*\bhidden\b', html)
    json_answer = door_client.post("/door/undo/", {**place, "check_in": check_in_id, "reason": "x"}, **JSON)
    assert json_answer.status_code == 409  # undone once only


def search(client, session, q):
    return client.get("/door/search/", {"event": session.event_id, "session": session.pk, "q": q})


def test_name_search_takes_one_letter_that_is_not_ascii(door_client, plenary):
    lee = approved(plenary.event, given_name="민준", family_name="이")
    kim = approved(plenary.event, given_name="서연", family_name="김")
    assert [r["delegate"] for r in search(door_client, plenary, "이").json()["results"]] == [str(lee.public_id)]
    assert [r["delegate"] for r in search(door_client, plenary, "김").json()["results"]] == [str(kim.public_id)]
    one_ascii = search(door_client, plenary, "a")
    assert one_ascii.status_code == 400
    assert one_ascii.json() == {"error": "Type at least two letters of the name."}


def test_name_search_finds_the_email_local_part_not_the_domain(door_client, plenary):
    delegate = approved(plenary.event, given_name="Ana", family_name="Ruiz", email="aruiz@example.org")
    approved(plenary.event, given_name="Bo", family_name="Chen", email="bchen@example.org")
    assert [r["delegate"] for r in search(door_client, plenary, "aruiz").json()["results"]] == [str(delegate.public_id)]
    assert search(door_client, plenary, "example").json()["results"] == []


def test_name_search_finds_a_delegate_by_either_spelling(door_client, plenary):
    yamada = approved(plenary.event, given_name="太郎", family_name="山田", passport_name="YAMADA Taro")
    approved(plenary.event, given_name="Taro", family_name="Smith")
    for spelling in ("山田", "yamada", "YAMADA Taro"):
        found = [r["delegate"] for r in search(door_client, plenary, spelling).json()["results"]]
        assert found == [str(yamada.public_id)], spelling


def test_the_door_shows_the_passport_spelling_beside_a_name_in_another_script(door_client, gov_session):
    yamada = approved(
        gov_session.event,
        given_name="太郎",
        family_name="山田",
        passport_name="YAMADA Taro",
        seats=[(gov_session, SeatStatus.CONFIRMED)],
    )
    latin = approved(
        gov_session.event,
        given_name="Ana",
        family_name="Ruiz",
        passport_name="ana ruiz",
        seats=[(gov_session, SeatStatus.CONFIRMED)],
    )

    answer = scan(door_client, gov_session, badges.code_for(yamada)).json()
    assert (answer["name"], answer["passport_name"]) == ("山田 太郎", "YAMADA Taro")
    assert scan(door_client, gov_session, badges.code_for(latin)).json()["passport_name"] == ""  # adds nothing
    found = search(door_client, gov_session, "yamada").json()["results"]
    assert [(r["name"], r["passport_name"]) for r in found] == [("山田 太郎", "YAMADA Taro")]


def test_a_tier_changed_by_an_organizer_holds_at_the_very_next_scan(door_client, plenary):
    """The door reads the current event's sessions from the snapshot: a change to a session makes it
    stale at once, so a guest admitted a moment ago is refused once the session is government-only."""
    first, second = (approved(plenary.event, government=False, seats=[(plenary, SeatStatus.CONFIRMED)]) for _ in "ab")
    assert scan(door_client, plenary, badges.code_for(first)).json()["admit"] is True
    services.update_session(
        session=plenary,
        changes={"access_tier": AccessTier.GOVERNMENT_ONLY},
        actor=services.Actor.organizer(door_staff("organizer")),
    )
    answer = scan(door_client, plenary, badges.code_for(second)).json()
    assert answer["admit"] is False
    assert CheckIn.objects.filter(delegate=second).count() == 0


def test_a_door_at_an_event_other_than_the_current_one_still_scans(door_client, event):
    """Only the current event comes from the snapshot; a door at another event reads its rows."""
    later = EventFactory(starts_on=event.starts_on + timedelta(days=90), ends_on=event.ends_on + timedelta(days=90))
    session = SessionFactory(event=later, title="Later plenary", access_tier=AccessTier.OPEN, capacity=5)
    delegate = approved(later, seats=[(session, SeatStatus.CONFIRMED)])
    assert scan(door_client, session, badges.code_for(delegate)).json()["admit"] is True
    wrong = scan(door_client, session, badges.code_for(delegate), event=event)
    assert wrong.status_code == 400  # that session is not one of the current event's


def test_an_admitting_scan_costs_a_fixed_few_queries(door_client, plenary, django_assert_num_queries):
    """Found by the summit bench's profile (a scan paid ~16 queries): the delegate is read once
    without a lock and once as it is locked, with no savepoint around the insert, and the answer
    carries no counts (the page counts the admission; its status refresh brings the counts)."""
    first, second = (approved(plenary.event, seats=[(plenary, SeatStatus.CONFIRMED)]) for _ in "ab")
    assert scan(door_client, plenary, badges.code_for(first)).json()["admit"] is True  # warm
    # Session and user, their permissions (2); the delegate and their check-ins (2) without a lock;
    # in the transaction (a savepoint pair here, inside the test's own) the same two with the row
    # locked, the check-in and its audit entry.
    with django_assert_num_queries(12):
        assert scan(door_client, plenary, badges.code_for(second)).json()["admit"] is True
