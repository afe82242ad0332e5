"""services/sessions.py: a session's capacity and its move to government-only."""

import pytest

from registrations import services
from registrations.models import (
    AccessTier,
    AuditEntry,
    OutboundEmail,
    Session,
)
from tests.factories import DelegateFactory, SessionFactory, approved, ask, emails_queued, seats

# --------------------------------------------------------------------------- capacity


def test_raising_capacity_promotes_the_waitlist_in_order(full_session, organizer_actor):
    promoted = services.change_capacity(session=full_session, capacity=4, actor=organizer_actor)

    assert promoted == 1
    assert Session.objects.get(pk=full_session.pk).capacity == 4
    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Chloe", "Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == [("promoted", "Dev", {"session": full_session.pk})]
    assert list(
        AuditEntry.objects.order_by("action", "pk").values_list(
            "actor_kind", "action", "session", "from_status", "to_status"
        )
    ) == [
        ("organizer", "capacity_changed", full_session.pk, "3", "4"),
        ("system", "seat_confirmed", full_session.pk, "waitlisted", "confirmed"),
    ]


@pytest.mark.parametrize("capacity", [2, 0, -1, None])
def test_capacity_below_confirmed_or_below_one_is_refused(full_session, organizer_actor, capacity):
    with pytest.raises(services.CapacityBelowConfirmed):
        services.change_capacity(session=full_session, capacity=capacity, actor=organizer_actor)

    assert Session.objects.get(pk=full_session.pk).capacity == 3
    assert AuditEntry.objects.count() == 0


def test_capacity_refusal_names_the_confirmed_count(full_session, organizer_actor):
    with pytest.raises(services.CapacityBelowConfirmed) as refusal:
        services.change_capacity(session=full_session, capacity=2, actor=organizer_actor)

    assert refusal.value.message == (
        "“Risk assessment science” already has 3 confirmed seats; capacity cannot go below that."
    )


def test_capacity_equal_to_confirmed_is_allowed(full_session, organizer_actor):
    services.change_capacity(session=full_session, capacity=5, actor=organizer_actor)

    promoted = services.change_capacity(session=full_session, capacity=5, actor=organizer_actor)

    assert promoted == 0
    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Chloe", "Dev", "Emi"]}


# --------------------------------------------------------------------------- tier change of a session


def test_making_a_session_government_only_cancels_non_government_seats(event, academics, organizer_actor):
    session = SessionFactory(event=event, capacity=2)
    official = DelegateFactory(event=event, government=True, given_name="Gia")
    ask(academics[0], session, 1)
    ask(academics[1], session, 2)
    ask(official, session, 3)
    approved([academics[0], academics[1], official], organizer_actor)
    OutboundEmail.objects.all().delete()
    Session.objects.filter(pk=session.pk).update(access_tier=AccessTier.GOVERNMENT_ONLY)
    session.refresh_from_db()

    cancelled = services.enforce_session_tier(session=session, actor=organizer_actor)

    assert cancelled == 2
    assert seats(session) == {"cancelled": ["Ana", "Ben"], "confirmed": ["Gia"]}
    assert sorted(emails_queued()) == [
        ("promoted", "Gia", {"session": session.pk}),
        ("seats_cancelled", "Ana", {"sessions": [session.pk]}),
        ("seats_cancelled", "Ben", {"sessions": [session.pk]}),
    ]
