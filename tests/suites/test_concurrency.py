"""Seats and quotas under concurrent decisions, on PostgreSQL with real transactions and connections.

Each thread has its own database connection (Django's connections are per thread) and commits its
own transaction, so the row locks in `services` are what stands between the storm and an oversold
session. On SQLite these tests are skipped with the reason printed: there a write takes the whole
database lock and `select_for_update` is a no-op, so they would prove nothing.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from registrations import services
from registrations.models import (
    AuditEntry,
    Delegate,
    DelegateStatus,
    EmailStatus,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)
from registrations.outputs import emails
from registrations.services import seats
from tests.conftest import requires_postgres
from tests.factories import DelegateFactory, EventFactory, SessionFactory, UserFactory

# serialized_rollback: the reference data (institutes, the Organizers group) is back after each test.
pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CAPACITY = 5
DELEGATES = 24


def run_at_once(jobs) -> list:
    """Run each job in its own thread, released together by a barrier; return what each returned."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [t for t in threads if t.is_alive()] == []
    assert errors == []
    return results


@pytest.fixture
def no_inline_email(settings):
    settings.EMAIL_SEND_AFTER_COMMIT_MAX = 0  # keep the storm about seats, not the mail backend


@pytest.fixture
def storm(no_inline_email):
    """One small session and 24 pending delegates who asked for it; request times are not in id order."""
    event = EventFactory()
    session = SessionFactory(event=event, capacity=CAPACITY)
    start = timezone.now() - timedelta(hours=1)
    delegates = DelegateFactory.create_batch(DELEGATES, event=event)
    for i, delegate in enumerate(delegates):
        # ids ascend; request times interleave (odd ids asked first) so the order is the service's doing
        SessionRegistration.objects.create(
            delegate=delegate, session=session, requested_at=start + timedelta(seconds=(i % 2) * 100 + i)
        )
    actor = services.Actor.organizer(UserFactory(username="storm-organizer"))
    return session, delegates, actor


def approve_each_alone(delegates, actor):
    return run_at_once([lambda pk=d.pk: services.approve_delegates(delegate_ids=[pk], actor=actor) for d in delegates])


def counts(session) -> dict[str, int]:
    result: dict[str, int] = {}
    for status in SessionRegistration.objects.filter(session=session).values_list("status", flat=True):
        result[status] = result.get(status, 0) + 1
    return result


def test_simultaneous_approvals_never_oversell_and_waitlist_in_request_order(storm):
    session, delegates, actor = storm

    results = approve_each_alone(delegates, actor)

    assert sorted((r.confirmed, r.waitlisted) for r in results) == sorted(
        [(1, 0)] * CAPACITY + [(0, 1)] * (DELEGATES - CAPACITY)
    )
    assert counts(session) == {SeatStatus.CONFIRMED: CAPACITY, SeatStatus.WAITLISTED: DELEGATES - CAPACITY}
    assert Delegate.objects.filter(status=DelegateStatus.APPROVED).count() == DELEGATES
    assert AuditEntry.objects.filter(action__in=["seat_confirmed", "seat_waitlisted"]).count() == DELEGATES

    # Whoever won the race, the waitlist moves in request order: three more seats go to the three
    # earliest requests still waiting.
    waiting = list(
        SessionRegistration.objects.filter(session=session, status=SeatStatus.WAITLISTED)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)
    )
    promoted = services.change_capacity(session=session, capacity=CAPACITY + 3, actor=actor)

    assert promoted == 3
    assert (
        list(
            SessionRegistration.objects.filter(pk__in=waiting, status=SeatStatus.CONFIRMED)
            .order_by("requested_at", "pk")
            .values_list("pk", flat=True)
        )
        == waiting[:3]
    )
    assert counts(session) == {SeatStatus.CONFIRMED: CAPACITY + 3, SeatStatus.WAITLISTED: DELEGATES - CAPACITY - 3}


def test_control_without_the_seat_lock_the_same_storm_oversells(storm, monkeypatch):
    """Shows that the test above can fail: without the lock, decisions count the same free seats."""
    session, delegates, actor = storm
    count_seats = seats.confirmed_counts

    def slow_count(session_ids):
        counted = count_seats(session_ids)
        time.sleep(0.05)  # widen the window between counting and writing
        return counted

    def read_without_lock(ids):
        return {s.pk: s for s in Session.objects.filter(pk__in=set(ids)).order_by("pk")}

    # The one seam where sessions are locked, replaced by a plain read.
    monkeypatch.setattr(seats, "lock_sessions", read_without_lock)
    monkeypatch.setattr(seats, "confirmed_counts", slow_count)

    approve_each_alone(delegates, actor)

    confirmed = counts(session)[SeatStatus.CONFIRMED]
    assert confirmed > CAPACITY, f"expected an oversold session without the lock, got {confirmed} of {CAPACITY}"


@pytest.fixture
def small_institute(no_inline_email):
    institute = Institute.objects.create(
        member="Testland", iso_code="ZZ", name="Testland AI Safety Office", email_domains="ai.gov.zz", delegate_quota=3
    )
    event = EventFactory()
    officials = DelegateFactory.create_batch(
        8,
        event=event,
        stakeholder_type=StakeholderType.GOVERNMENT,
        organization="",
        institute=institute,
        email_domain_verified=True,
    )
    return institute, officials


def test_two_organizers_approving_overlapping_sets_at_once_respect_the_institute_quota(small_institute):
    _institute, officials = small_institute
    first = services.Actor.organizer(UserFactory(username="first-organizer"))
    second = services.Actor.organizer(UserFactory(username="second-organizer"))
    ids = [d.pk for d in officials]

    results = run_at_once(
        [
            lambda: services.approve_delegates(delegate_ids=ids[:6], actor=first),
            lambda: services.approve_delegates(delegate_ids=ids[2:], actor=second),
        ]
    )

    # The delegate row locks serialize the two decisions; whichever went first approved the first
    # three of its set (by signup time) and the other found the quota reached.
    approved = set(Delegate.objects.filter(status=DelegateStatus.APPROVED).values_list("pk", flat=True))
    assert approved in ({ids[0], ids[1], ids[2]}, {ids[2], ids[3], ids[4]})
    assert sum(len(r.done) for r in results) == 3
    refusals = [m for r in results for _d, m in r.refused]
    assert len(refusals) == 6 + 6 - 3
    assert [
        m
        for m in refusals
        if not m.endswith(
            ("quota of 3 approved delegates for " + str(officials[0].event) + ".", "is approved, not pending.")
        )
    ] == []
    assert AuditEntry.objects.filter(action="approved").count() == 3


def test_many_organizers_approving_separate_delegates_at_once_respect_the_institute_quota(small_institute):
    institute, officials = small_institute
    actor = services.Actor.organizer(UserFactory(username="busy-organizer"))

    results = run_at_once(
        [lambda pk=d.pk: services.approve_delegates(delegate_ids=[pk], actor=actor) for d in officials]
    )

    assert Delegate.objects.filter(institute=institute, status=DelegateStatus.APPROVED).count() == 3
    assert sorted(len(r.done) for r in results) == [0] * 5 + [1] * 3
    refusals = sorted(m.split(" was not approved: ")[1] for r in results for _d, m in r.refused)
    assert (
        refusals
        == [
            f"Testland AI Safety Office (Testland) has reached its quota of 3 approved delegates for {officials[0].event}."
        ]
        * 5
    )


def start(name, target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.fixture
def one_seat(no_inline_email):
    """Yan holds the only seat of a government-only session; Xia then Zoe wait for it (all approved)."""
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1, access_tier="government_only")
    office, _ = Institute.objects.get_or_create(
        iso_code="ZY", defaults={"member": "Testland", "name": "Testland Office", "email_domains": "gov.zy"}
    )
    start_at = timezone.now() - timedelta(hours=1)
    people = {}
    for i, name in enumerate(["Yan", "Xia", "Zoe"]):
        people[name] = DelegateFactory(
            event=event, given_name=name, stakeholder_type=StakeholderType.GOVERNMENT, organization="", institute=office
        )
        SessionRegistration.objects.create(
            delegate=people[name], session=session, requested_at=start_at + timedelta(minutes=i)
        )
    services.approve_delegates(delegate_ids=[d.pk for d in people.values()], actor=services.Actor.system())
    return session, people


def seat_holders(session) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for status, name in (
        SessionRegistration.objects.filter(session=session)
        .order_by("requested_at")
        .values_list("status", "delegate__given_name")
    ):
        result.setdefault(status, []).append(name)
    return result


@pytest.mark.parametrize("decision", ["reject", "return_to_pending", "make_ineligible"])
def test_a_decision_racing_a_promotion_still_frees_the_promoted_seat(one_seat, monkeypatch, decision):
    """Xia is promoted (Yan drops) while a decision about Xia is under way: the seat Xia just got must
    be freed by that decision and go to Zoe, not be lost."""
    session, people = one_seat
    xia = people["Xia"]
    organizer = services.Actor.organizer(UserFactory(username="racing-organizer"))
    decided_to_look, promotion_committed = threading.Event(), threading.Event()
    lock_sessions = seats.lock_sessions

    def lock_sessions_after_the_promotion(ids):
        if threading.current_thread().name == "decision":
            decided_to_look.set()
            assert promotion_committed.wait(timeout=10)
        return lock_sessions(ids)

    monkeypatch.setattr(seats, "lock_sessions", lock_sessions_after_the_promotion)

    def decide():
        if decision == "reject":
            services.reject_delegates(delegate_ids=[xia.pk], actor=organizer)
        elif decision == "return_to_pending":
            services.return_to_pending(delegate_ids=[xia.pk], actor=organizer)
        else:  # the organizer makes Xia an academic in the admin, which then enforces eligibility
            services.update_delegate(
                delegate=xia,
                changes={"stakeholder_type": StakeholderType.ACADEMIA, "institute": None, "organization": "University"},
                actor=organizer,
            )

    def drop():
        assert decided_to_look.wait(timeout=10)
        try:
            services.drop_session(delegate=people["Yan"], session=session, actor=services.Actor.delegate())
        finally:
            promotion_committed.set()

    threads = [start("decision", decide), start("drop", drop)]
    for thread in threads:
        thread.join(timeout=60)

    assert [t.name for t in threads if t.is_alive()] == []
    holders = seat_holders(session)
    assert holders[SeatStatus.CONFIRMED] == ["Zoe"]
    assert holders[SeatStatus.CANCELLED][0] == "Yan"


class HangingMailServer(BaseEmailBackend):
    """A mail server that accepts the connection and then hangs until the test lets it go."""

    entered = threading.Event()
    release = threading.Event()

    def send_messages(self, email_messages):
        HangingMailServer.entered.set()
        assert HangingMailServer.release.wait(timeout=30)
        return len(email_messages)


def test_a_hanging_mail_server_does_not_block_a_decision_about_the_same_delegate(settings):
    """The outbox worker must not hold the delegate's row (or any lock) while it talks to the mail server."""
    settings.EMAIL_SEND_AFTER_COMMIT_MAX = 0
    event = EventFactory()
    delegate = DelegateFactory(event=event)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())
    settings.EMAIL_BACKEND = "tests.suites.test_concurrency.HangingMailServer"
    HangingMailServer.entered.clear()
    HangingMailServer.release.clear()
    worker = start("outbox-worker", emails.deliver)
    try:
        assert HangingMailServer.entered.wait(timeout=30)

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            result = services.reject_delegates(delegate_ids=[delegate.pk], actor=services.Actor.system())
    finally:
        HangingMailServer.release.set()
        worker.join(timeout=30)

    assert len(result.done) == 1
    assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.REJECTED
    assert list(OutboundEmail.objects.order_by("pk").values_list("kind", "status", "attempts")) == [
        ("approved", EmailStatus.SENT, 1),
        ("rejected", EmailStatus.SENT, 1),  # queued during the hang, claimed in the worker's next batch
    ]


def test_simultaneous_adds_of_sessions_at_the_same_time_give_the_delegate_one_of_them(no_inline_email):
    """Six tabs, six sessions at 10:00, one click each at once: the delegate's lock serializes the
    adds, so the first wins and every other is refused as a clash."""
    event = EventFactory()
    ten = timezone.now().replace(microsecond=0) + timedelta(days=30)
    rooms = [
        SessionFactory(event=event, title=f"Room {n}", starts_at=ten, ends_at=ten + timedelta(minutes=90))
        for n in range(6)
    ]
    delegate = DelegateFactory(event=event)

    def add(session):
        try:
            return services.add_session(delegate=delegate, session=session, actor=services.Actor.delegate())
        except services.SessionClash as refusal:
            return refusal

    results = run_at_once([lambda s=s: add(s) for s in rooms])

    assert sorted(type(r).__name__ for r in results) == ["SessionClash"] * 5 + ["SessionRegistration"]
    assert SessionRegistration.objects.filter(delegate=delegate).exclude(status=SeatStatus.CANCELLED).count() == 1
