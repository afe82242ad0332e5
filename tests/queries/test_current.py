"""The seats snapshot: the current event, its sessions and their seats, served from the cache with no
query while no write has changed them, and read again after every write that has."""

import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from registrations import queries, services
from registrations.models import InvitationKind, SeatStatus
from registrations.queries import current
from registrations.services import invitations, public_version
from tests.factories import DelegateFactory, InvitationFactory, SessionFactory, SessionRegistrationFactory

HOME = "/"


def test_a_warm_snapshot_reads_no_database(event, open_session, django_assert_num_queries):
    with django_assert_num_queries(2):  # the sessions with their seats and their event, in one; the institutes
        cold = current.snapshot()
    with django_assert_num_queries(0):
        warm = current.snapshot()
    assert (warm.event, warm.seats, [s.pk for s in warm.sessions]) == (event, cold.seats, [open_session.pk])
    assert warm.sessions[0].event is warm.event


def test_a_seat_taken_through_the_services_makes_the_snapshot_stale(event, open_session, organizer_actor):
    assert queries.current_event_with_seats()[1] == {open_session.pk: (3, 3)}
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert queries.current_event_with_seats()[1] == {open_session.pk: (2, 3)}


def test_seats_held_by_a_new_invitation_show_at_once(event, open_session, organizer_actor):
    queries.current_event_with_seats()
    invitation = InvitationFactory.build(
        event=event,
        kind=InvitationKind.ORGANIZATION,
        holds_seats=True,
        max_uses=2,
        email="",
        email_domains="x.example",
        status="draft",
    )
    invitations.create_invitation(invitation=invitation, sessions=[open_session], actor=organizer_actor)
    assert queries.current_event_with_seats()[1] == {open_session.pk: (1, 3)}


def test_a_hold_that_lapses_by_the_clock_is_seen_without_a_write(event, open_session):
    InvitationFactory(
        event=event,
        holds_seats=True,
        max_uses=1,
        sessions=[open_session],
        expires_at=timezone.now() + timedelta(seconds=1),
    )
    assert queries.current_event_with_seats()[1] == {open_session.pk: (2, 3)}
    time.sleep(1.2)  # no row changes: the snapshot's timeout ended with the hold
    assert queries.current_event_with_seats()[1] == {open_session.pk: (3, 3)}


def test_the_timeout_ends_at_the_next_hold_the_day_or_the_setting(settings):
    settings.SEATS_SNAPSHOT_TIMEOUT = 60
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    assert current._timeout(now.date(), now + timedelta(seconds=7), now) == 7
    assert current._timeout(now.date(), None, now) == 60
    late = now.replace(hour=23, minute=59, second=30)
    assert current._timeout(late.date(), None, late) == 30


def test_a_snapshot_computed_before_a_write_is_never_served_after_it(event, open_session, organizer_actor):
    """A reader that read the database before a write committed stores its snapshot under the old
    generation: the write's renewal after commit makes it unusable."""
    before = current.snapshot()
    current.renew_generation()  # the write's commit
    cache.set(current.SNAPSHOT_KEY, before, 60)  # the slow reader stores what it read before
    SessionFactory(event=event, title="Added meanwhile")
    assert sorted(s.title for s in current.snapshot().sessions) == ["Added meanwhile", "Risk assessment science"]


def test_a_lost_generation_never_matches_an_old_snapshot(event, open_session):
    old = current.snapshot()
    cache.delete(current.GENERATION_KEY)  # evicted, or the cache restarted
    cache.set(current.SNAPSHOT_KEY, old, 60)
    assert current.snapshot().generation != old.generation


def test_every_bump_makes_the_snapshot_stale(event, open_session):
    first = current.snapshot()
    public_version.bump(event_ids=[event.pk])
    assert current.snapshot().generation != first.generation


def test_the_agenda_and_the_signup_form_read_no_database_when_warm(
    client, event, open_session, django_assert_num_queries
):
    client.get(HOME)
    client.get("/register/")
    with django_assert_num_queries(0):
        assert client.get(HOME).status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/register/").status_code == 200


def test_a_cancelled_seat_frees_the_seat_on_the_agenda_at_once(event, open_session, organizer_actor):
    delegate = DelegateFactory(event=event)
    SessionRegistrationFactory(delegate=delegate, session=open_session, status=SeatStatus.REQUESTED)
    services.approve_delegates(delegate_ids=[delegate.pk], actor=organizer_actor)
    assert queries.current_event_with_seats()[1] == {open_session.pk: (2, 3)}
    services.withdraw_delegate(delegate=delegate, actor=services.Actor.delegate())
    assert queries.current_event_with_seats()[1] == {open_session.pk: (3, 3)}
