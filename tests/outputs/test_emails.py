"""The outbox (registrations/emails.py): queued in the decision's transaction, sent after commit, retried."""

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from registrations import services
from registrations.management.commands import send_queued_emails
from registrations.models import (
    AccessTier,
    Delegate,
    DelegateStatus,
    EmailStatus,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
)
from registrations.outputs import emails
from registrations.queries import current, links
from tests.conftest import requires_postgres
from tests.factories import DelegateFactory, EventFactory, SessionFactory, UserFactory

SF = ZoneInfo("America/Los_Angeles")


class BrokenMailServer(BaseEmailBackend):
    """A mail backend whose server is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server unreachable")


BROKEN = "tests.outputs.test_emails.BrokenMailServer"
WORKING = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def keynote(event):
    # 17:00 UTC on 26 January is 09:00 in San Francisco (PST, UTC-8).
    return SessionFactory(
        event=event,
        title="Keynote: the state of AI safety science",
        starts_at=datetime(2027, 1, 26, 17, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 26, 18, 30, tzinfo=UTC),
        room="Golden Gate Room",
        access_tier=AccessTier.OPEN,
        capacity=1,
    )


@pytest.fixture
def panel(event):
    return SessionFactory(
        event=event,
        title="Panel: evaluations",
        starts_at=datetime(2027, 1, 26, 20, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 26, 21, 0, tzinfo=UTC),
        room="",
        capacity=1,
    )


def approve(delegate, actor):
    return services.approve_delegates(delegate_ids=[delegate.pk], actor=actor)


# --------------------------------------------------------------------------- after commit


def test_emails_are_queued_in_the_transaction_and_sent_only_after_commit(
    event, keynote, organizer_actor, mailoutbox, django_capture_on_commit_callbacks
):
    delegate = DelegateFactory(event=event, email="ada@example.org")
    SessionRegistration.objects.create(delegate=delegate, session=keynote)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve(delegate, organizer_actor)
        assert mailoutbox == []
        assert list(OutboundEmail.objects.values_list("kind", "status")) == [("approved", EmailStatus.PENDING)]

    # One delivery after commit (beside the seats snapshot's renewal: the approval took a seat).
    assert len([c for c in callbacks if c is not current.renew_generation]) == 1
    assert [(m.subject, m.to) for m in mailoutbox] == [
        (f"Your registration for {event.name} is approved", ["ada@example.org"])
    ]
    assert list(OutboundEmail.objects.values_list("kind", "status", "attempts")) == [("approved", EmailStatus.SENT, 1)]


def test_a_rolled_back_decision_sends_nothing(
    event, keynote, organizer_actor, mailoutbox, django_capture_on_commit_callbacks
):
    delegate = DelegateFactory(event=event)
    SessionRegistration.objects.create(delegate=delegate, session=keynote)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            approve(delegate, organizer_actor)
            raise RuntimeError("something later in the same transaction failed")

    assert (callbacks, mailoutbox) == ([], [])
    assert OutboundEmail.objects.count() == 0
    assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.PENDING


def test_a_large_batch_is_left_to_the_worker(event, organizer_actor, mailoutbox, django_capture_on_commit_callbacks):
    delegates = DelegateFactory.create_batch(6, event=event)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    assert (callbacks, mailoutbox) == ([], [])
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 6

    call_command("send_queued_emails", stdout=open("/dev/null", "w"))

    assert len(mailoutbox) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mail_outage_keeps_the_decision_and_the_message_until_a_later_delivery(settings):
    """Real commits (transactional test): the decision commits, delivery fails, the worker sends it later."""
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1)
    delegate = DelegateFactory(event=event, email="ada@example.org")
    SessionRegistration.objects.create(delegate=delegate, session=session)
    settings.EMAIL_BACKEND = BROKEN

    services.approve_delegates(
        delegate_ids=[delegate.pk], actor=services.Actor.organizer(UserFactory(username="outage-organizer"))
    )

    assert Delegate.objects.get(pk=delegate.pk).status == DelegateStatus.APPROVED
    assert SessionRegistration.objects.get(delegate=delegate).status == SeatStatus.CONFIRMED
    email = OutboundEmail.objects.get()
    assert (email.kind, email.status, email.attempts, email.last_error) == (
        "approved",
        EmailStatus.PENDING,
        1,
        "ConnectionRefusedError: mail server unreachable",
    )
    assert email.next_attempt_at > timezone.now()

    # The server is back, and the retry is due (the backoff has passed).
    settings.EMAIL_BACKEND = WORKING
    mail.outbox = []
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    call_command("send_queued_emails", stdout=open("/dev/null", "w"))

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, "")
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_retry_is_not_attempted_before_its_backoff(event, settings, organizer_actor, mailoutbox):
    delegate = DelegateFactory(event=event)
    approve(delegate, organizer_actor)
    settings.EMAIL_BACKEND = BROKEN
    assert emails.deliver() == (0, 1)
    settings.EMAIL_BACKEND = WORKING

    assert emails.deliver() == (0, 0)
    assert OutboundEmail.objects.get().attempts == 1


# --------------------------------------------------------------------------- content


def test_approved_email_has_text_html_and_a_calendar_in_the_venue_zone(
    event, keynote, panel, organizer_actor, mailoutbox, send_emails
):
    holder = DelegateFactory(event=event, given_name="Holder")
    SessionRegistration.objects.create(delegate=holder, session=panel)
    approve(holder, organizer_actor)
    delegate = DelegateFactory(event=event, given_name="Ada", email="ada@example.org")
    SessionRegistration.objects.create(delegate=delegate, session=keynote)
    SessionRegistration.objects.create(delegate=delegate, session=panel)
    approve(delegate, organizer_actor)
    mailoutbox.clear()
    OutboundEmail.objects.exclude(delegate=delegate).delete()

    assert send_emails() == (1, 0)

    (message,) = mailoutbox
    assert message.subject == f"Your registration for {event.name} is approved"
    assert message.body == (
        "Dear Ada Delegate,\n\n"
        f"Your registration for {event.name} is approved.\n\n"
        "Confirmed sessions (times in America/Los_Angeles):\n"
        "- Keynote: the state of AI safety science: Tue 26 Jan 2027, 09:00-10:30 PST, Golden Gate Room\n"
        "\n"
        "On the waitlist:\n"
        "- Panel: evaluations (number 1): Tue 26 Jan 2027, 12:00-13:00 PST\n"
        "\n\n"
        "The attached calendar file holds your confirmed sessions.\n"
        "Your badge is attached (PDF): print it or show its QR code at the door. Your status page shows the code too.\n"
        "We will email you if a seat opens for a session you are waitlisted for.\n\n"
        "Your private registration page (do not share it):\n"
        f"{links.status_url(delegate)}\n\n"
        "With best regards,\n"
        f"The organizers of {event.name}\n\n"
    )
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert (
        "<li>Keynote: the state of AI safety science: Tue 26 Jan 2027, 09:00–10:30 PST, Golden Gate Room</li>" in html
    )
    assert "<li>Panel: evaluations (number 1): Tue 26 Jan 2027, 12:00–13:00 PST</li>" in html

    (filename, content, mimetype), badge = message.attachments
    assert (filename, mimetype) == (f"{event.slug}-sessions.ics", "text/calendar")
    assert (badge[0], badge[2]) == (f"badge-{event.slug}.pdf", "application/pdf")
    calendar = Calendar.from_ical(content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Keynote: the state of AI safety science"
    assert entry["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert entry["dtstart"].dt == datetime(2027, 1, 26, 9, 0, tzinfo=SF)
    assert entry["dtend"].dt == datetime(2027, 1, 26, 10, 30, tzinfo=SF)
    assert entry["dtstart"].dt.utcoffset() == keynote.starts_at.astimezone(SF).utcoffset()
    assert str(entry["location"]) == f"Golden Gate Room, {event.venue}"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_rejected_email_gives_the_reason_in_text_and_escaped_html(event, organizer_actor, mailoutbox, send_emails):
    delegate = DelegateFactory(event=event, given_name="Ada")
    reason = "The <b>academia</b> places are full & we are sorry"
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor, reason=reason)

    assert send_emails() == (1, 0)

    (message,) = mailoutbox
    assert message.subject == f"Your registration for {event.name}"
    assert message.body == (
        "Dear Ada Delegate,\n\n"
        f"We are sorry: the organizers could not accept your registration for {event.name}.\n\n"
        f"Reason: {reason}\n\n"
        f"Your private registration page (do not share it):\n{links.status_url(delegate)}\n\n"
        f"With best regards,\nThe organizers of {event.name}\n\n"
    )
    html = message.alternatives[0][0]
    assert "<p>Reason: The &lt;b&gt;academia&lt;/b&gt; places are full &amp; we are sorry</p>" in html
    assert message.attachments == []


def test_rejected_email_without_reason_says_no_reason(event, organizer_actor, mailoutbox, send_emails):
    delegate = DelegateFactory(event=event)
    services.reject_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)

    send_emails()

    assert "Reason" not in mailoutbox[0].body
    assert "Reason" not in mailoutbox[0].alternatives[0][0]


def test_promoted_email_names_the_session_and_carries_the_calendar(
    event, keynote, organizer_actor, mailoutbox, send_emails
):
    first, second = DelegateFactory(event=event, given_name="First"), DelegateFactory(event=event, given_name="Ada")
    for delegate in (first, second):
        SessionRegistration.objects.create(delegate=delegate, session=keynote)
        approve(delegate, organizer_actor)
    OutboundEmail.objects.all().delete()

    services.reject_delegates(delegate_ids=[first.pk], actor=organizer_actor)
    send_emails()

    promoted = [m for m in mailoutbox if m.to == [second.email]]
    assert [m.subject for m in promoted] == [f"A seat opened for you at {event.name}"]
    assert (
        'a seat opened and is now confirmed for you in "Keynote: the state of AI safety science".' in promoted[0].body
    )
    assert [a[0] for a in promoted[0].attachments] == [f"{event.slug}-sessions.ics"]


def test_seats_cancelled_email_lists_the_sessions(event, organizer_actor, mailoutbox, send_emails):
    session = SessionFactory(event=event, title="Closed-door briefing", access_tier=AccessTier.GOVERNMENT_ONLY)
    delegate = DelegateFactory(event=event, government=True, given_name="Ada")
    SessionRegistration.objects.create(delegate=delegate, session=session)
    approve(delegate, organizer_actor)
    OutboundEmail.objects.all().delete()
    services.update_delegate(
        delegate=delegate,
        changes={"stakeholder_type": "academia", "institute": None, "organization": "Uni"},
        actor=organizer_actor,
    )
    send_emails()

    (message,) = mailoutbox
    assert message.subject == f"A change to your sessions at {event.name}"
    assert "so it has been cancelled:\n- Closed-door briefing\n" in message.body


class CountingBrokenMailServer(BaseEmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        CountingBrokenMailServer.calls += 1
        raise TimeoutError("timed out")


def test_after_commit_delivery_gives_up_at_the_first_failure_and_leaves_the_rest_to_the_worker(
    event, settings, organizer_actor, mailoutbox, django_capture_on_commit_callbacks
):
    """With the mail server down, the organizer waits for one attempt, not one per queued message."""
    delegates = DelegateFactory.create_batch(3, event=event)
    settings.EMAIL_BACKEND = "tests.outputs.test_emails.CountingBrokenMailServer"
    CountingBrokenMailServer.calls = 0

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    assert CountingBrokenMailServer.calls == 1
    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == [
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 1),
    ]
    settings.EMAIL_BACKEND = WORKING
    assert emails.deliver() == (2, 0)  # the worker sends the untried ones at once


class _Stop(Exception):
    pass


def test_the_worker_waits_for_a_database_that_went_away(event, organizer_actor, mailoutbox, monkeypatch):
    """A PostgreSQL restart must not end `send_queued_emails --loop`: it waits, then delivers."""

    DelegateFactory.create_batch(6, event=event)
    services.approve_delegates(delegate_ids=list(event.delegates.values_list("pk", flat=True)), actor=organizer_actor)
    real_deliver, rounds, sleeps = emails.deliver, [], []

    def deliver(**kwargs):
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_deliver(**kwargs)

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise _Stop

    class Connection:  # the broken connection is closed (the test's own stays, inside its transaction)
        closed = 0

        def close(self):
            self.closed += 1

    connection = Connection()
    monkeypatch.setattr(emails, "deliver", deliver)
    monkeypatch.setattr(send_queued_emails.time, "sleep", sleep)
    monkeypatch.setattr(send_queued_emails, "connection", connection)
    with pytest.raises(_Stop):
        call_command("send_queued_emails", "--loop", "--interval", "0.1", stdout=open("/dev/null", "w"))
    assert len(rounds) == 2
    assert connection.closed == 1
    assert len(mailoutbox) == 6


def test_without_loop_a_database_error_is_not_hidden(db, monkeypatch):

    def deliver(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(emails, "deliver", deliver)
    with pytest.raises(OperationalError):
        call_command("send_queued_emails", stdout=open("/dev/null", "w"))


class CountingMailServer(BaseEmailBackend):
    """A mail server that counts the connections opened to it and the messages sent on each; the
    first `fail_first` messages fail (and the server drops that connection)."""

    opened: list[int] = []
    fail_first = 0
    sent: list = []

    def open(self):
        if getattr(self, "_open", False):
            return False
        self._open = True
        CountingMailServer.opened.append(id(self))
        return True

    def close(self):
        self._open = False

    def send_messages(self, email_messages):
        assert self._open, "a message was sent on a connection that was not open"
        if CountingMailServer.fail_first:
            CountingMailServer.fail_first -= 1
            raise ConnectionResetError("connection dropped")
        CountingMailServer.sent.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def counting_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.outputs.test_emails.CountingMailServer"
    CountingMailServer.opened, CountingMailServer.sent, CountingMailServer.fail_first = [], [], 0
    return CountingMailServer


def test_the_worker_sends_a_round_of_emails_on_one_connection(event, organizer_actor, counting_mail_server):
    delegates = DelegateFactory.create_batch(5, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    assert emails.deliver() == (5, 0)
    assert len(counting_mail_server.opened) == 1
    assert len(counting_mail_server.sent) == 5


def test_after_a_failed_send_the_worker_opens_a_new_connection_for_the_next(
    event, organizer_actor, counting_mail_server
):
    delegates = DelegateFactory.create_batch(3, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    counting_mail_server.fail_first = 1

    assert emails.deliver() == (2, 1)
    assert len(counting_mail_server.opened) == 2  # the dropped connection is not used again
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == [
        EmailStatus.PENDING,  # retried after its backoff
        EmailStatus.SENT,
        EmailStatus.SENT,
    ]


def test_the_worker_goes_on_at_once_after_a_full_round_and_pauses_after_a_partial_one(
    event, organizer_actor, mailoutbox, monkeypatch
):
    """A backlog (a registration rush) is drained round after round without the poll interval between."""

    delegates = DelegateFactory.create_batch(5, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    rounds = []
    real_deliver = emails.deliver

    def deliver(**kwargs):
        result = real_deliver(**kwargs)
        rounds.append(result)
        return result

    def sleep(seconds):
        raise _Stop

    monkeypatch.setattr(emails, "deliver", deliver)
    monkeypatch.setattr(send_queued_emails.time, "sleep", sleep)
    with pytest.raises(_Stop):
        call_command("send_queued_emails", "--loop", "--limit", "2", stdout=open("/dev/null", "w"))
    assert rounds == [(2, 0), (2, 0), (1, 0)]  # the first pause comes after the partial round
    assert len(mailoutbox) == 5


# --------------------------------------------------------------------------- batches


def test_the_worker_claims_in_batches_one_transaction_each(event, organizer_actor, mailoutbox, monkeypatch):
    delegates = DelegateFactory.create_batch(7, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    monkeypatch.setattr(emails, "BATCH", 3)
    claims = []
    real_claim = emails._claim

    def claim(ids, count):
        batch, claimed_at = real_claim(ids, count)
        claims.append(len(batch))
        return batch, claimed_at

    monkeypatch.setattr(emails, "_claim", claim)

    assert emails.deliver() == (7, 0)
    assert claims == [3, 3, 1, 0]
    assert len(mailoutbox) == 7
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}


def test_a_claimed_batch_is_not_claimed_again_until_its_claim_expires(event, organizer_actor, settings):
    delegates = DelegateFactory.create_batch(3, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)

    batch, _claimed_at = emails._claim(None, 2)

    assert len(batch) == 2
    assert len(emails._claim(None, 10)[0]) == 1  # the third; the first two are in flight
    assert emails._claim(None, 10)[0] == []
    in_flight = OutboundEmail.objects.filter(pk__in=[e.pk for e in batch])
    assert set(in_flight.values_list("status", "attempts")) == {(EmailStatus.PENDING, 1)}
    assert all(e.next_attempt_at >= timezone.now() + emails.CLAIM_FOR * 0.9 for e in in_flight)


def test_two_failures_in_a_row_release_the_rest_of_the_batch_untried(event, organizer_actor, counting_mail_server):
    """A mail server that is down costs a batch two timeouts, not one per email."""
    delegates = DelegateFactory.create_batch(5, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    counting_mail_server.fail_first = 2

    assert emails.deliver() == (0, 2)
    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == [
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 1),
        (EmailStatus.PENDING, 1),
    ]
    assert emails.deliver() == (3, 0)  # the untried ones are due at once, the failed ones after their backoff


class SlowMailServer(BaseEmailBackend):
    """Each message takes the claim's half: the batch must stop before its claim expires."""

    def send_messages(self, email_messages):
        SlowMailServer.now[0] += emails.CLAIM_FOR / 2
        return len(email_messages)

    now: list = []


def test_a_batch_that_took_half_its_claim_releases_the_rest(event, organizer_actor, settings, monkeypatch):
    delegates = DelegateFactory.create_batch(3, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    settings.EMAIL_BACKEND = "tests.outputs.test_emails.SlowMailServer"
    SlowMailServer.now = [timezone.now()]
    monkeypatch.setattr(emails.timezone, "now", lambda: SlowMailServer.now[0] + timezone.timedelta(seconds=1))

    assert emails.deliver() == (1, 0)
    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == [
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 0),
        (EmailStatus.SENT, 1),
    ]


class ThreadSafeCountingMailServer(BaseEmailBackend):
    """Counts every message sent, whoever sends it (workers in threads)."""

    lock = threading.Lock()
    sent: list = []

    def send_messages(self, email_messages):
        time.sleep(0.002)  # a real server's round trip, so that the workers overlap
        with ThreadSafeCountingMailServer.lock:
            ThreadSafeCountingMailServer.sent.extend(m.to[0] for m in email_messages)
        return len(email_messages)


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_side_by_side_never_send_one_email_twice(settings, monkeypatch):
    settings.EMAIL_SEND_AFTER_COMMIT_MAX = 0
    settings.EMAIL_BACKEND = "tests.outputs.test_emails.ThreadSafeCountingMailServer"
    ThreadSafeCountingMailServer.sent = []
    monkeypatch.setattr(emails, "BATCH", 7)
    event = EventFactory()
    delegates = DelegateFactory.create_batch(120, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=services.Actor.system())
    barrier = threading.Barrier(3)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            while (outcome := emails.deliver(limit=10)) != (0, 0):
                results.append(outcome)
        except Exception as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(ThreadSafeCountingMailServer.sent) == sorted(d.email for d in delegates)
    assert sum(sent for sent, _failed in results) == 120
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}


def _signups(event, session, count):
    for n in range(count):
        services.register_delegate(
            event=event,
            details={
                "given_name": "Batch",
                "family_name": f"Reader {n}",
                "email": f"batch{n}@example.org",
                "stakeholder_type": "academia",
                "organization": "University",
                "job_title": "Researcher",
                "country": "GB",
                "consent_data_processing": True,
            },
            sessions=[session],
        )


@pytest.mark.parametrize("count", [2, 6])
def test_a_batch_reads_its_registrations_and_seats_once_whatever_its_size(event, keynote, settings, count):
    """Queries of a round: the claim, the batch's registrations and seats left, one update per email
    sent, and the empty claim that ends the round."""
    settings.EMAIL_BACKEND = WORKING
    _signups(event, keynote, count)

    with CaptureQueriesContext(connection) as queries:
        assert emails.deliver() == (count, 0)

    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "registrations_outboundemail"')
    ]
    assert len(updates) == 1 + count  # the claim's, then each email marked sent
    # The claim (begin, select, update, commit), the registrations, the seats left, an update per email,
    # the empty claim (begin, select, commit).
    assert len(queries.captured_queries) == 4 + 1 + 1 + count + 3


def test_a_confirmation_in_a_batch_still_says_a_full_session_is_full(event, keynote, mailoutbox):
    """The seats left, read once for the batch, mark the request for a full session (capacity 1, one seat taken)."""
    _signups(event, keynote, 3)
    first = Delegate.objects.order_by("pk").first()
    services.approve_delegates(delegate_ids=[first.pk], actor=services.Actor.system())
    mailoutbox.clear()

    emails.deliver()

    received = [m for m in mailoutbox if m.to[0] != first.email]
    assert len(received) == 2
    assert all(keynote.title in m.body for m in received)
    full = [m for m in received if "already full" in m.body]
    assert len(full) == 2


def test_emails_that_cannot_be_rendered_fail_alone(event, organizer_actor, counting_mail_server, monkeypatch):
    """Two broken emails in a row are not a mail server that is down: the rest of the batch goes out."""
    delegates = DelegateFactory.create_batch(4, event=event)
    services.reject_delegates(delegate_ids=[d.pk for d in delegates], actor=organizer_actor)
    broken = set(OutboundEmail.objects.order_by("pk").values_list("pk", flat=True)[:2])
    real_render = emails.render

    def render(email, reads=None):
        if email.pk in broken:
            raise KeyError("a template's missing context")
        return real_render(email, reads)

    monkeypatch.setattr(emails, "render", render)

    assert emails.deliver() == (2, 2)
    assert len(counting_mail_server.sent) == 2
    assert OutboundEmail.objects.filter(pk__in=broken, status=EmailStatus.PENDING, attempts=1).count() == 2
