"""services/decisions.py: approval (seats, waitlist, quotas), rejection, withdrawal, return to pending."""

import pytest

from registrations import queries, services
from registrations.models import (
    AuditEntry,
    Delegate,
    DelegateStatus,
    Institute,
    SeatStatus,
    SessionRegistration,
)
from tests.factories import DelegateFactory, EventFactory, approved, ask, emails_queued, institute, seats

# --------------------------------------------------------------------------- approval, seats and waitlist


def test_approval_confirms_while_seats_remain_and_waitlists_the_rest_by_request_time(
    event, open_session, academics, organizer_actor
):
    ana, ben, chloe, dev, emi = academics
    # Request order differs from creation order: the waitlist follows request time.
    for delegate, minute in [(ana, 5), (ben, 1), (chloe, 4), (dev, 2), (emi, 3)]:
        ask(delegate, open_session, minute)

    result = approved(academics, organizer_actor)

    assert (len(result.done), result.confirmed, result.waitlisted, result.refused) == (5, 3, 2, [])
    assert seats(open_session) == {"confirmed": ["Ben", "Dev", "Emi"], "waitlisted": ["Chloe", "Ana"]}
    positions = {
        r.delegate.given_name: r.position
        for r in SessionRegistration.objects.filter(session=open_session, status=SeatStatus.WAITLISTED)
        .select_related("delegate")
        .annotate(position=queries.waitlist_position())
    }
    assert positions == {"Chloe": 1, "Ana": 2}
    assert set(Delegate.objects.values_list("status", flat=True)) == {DelegateStatus.APPROVED}
    assert [kind for kind, _name, _context in emails_queued()] == ["approved"] * 5


def test_approval_in_separate_decisions_fills_seats_in_decision_order(event, open_session, academics, organizer_actor):
    ana, ben, chloe, dev, _emi = academics
    for delegate, minute in [(ana, 1), (ben, 2), (chloe, 3), (dev, 4)]:
        ask(delegate, open_session, minute)
    approved([dev, chloe, ben], organizer_actor)

    result = approved([ana], organizer_actor)

    assert (result.confirmed, result.waitlisted) == (0, 1)
    assert seats(open_session) == {"confirmed": ["Ben", "Chloe", "Dev"], "waitlisted": ["Ana"]}


def test_approval_places_each_requested_session_separately(event, open_session, government_session, organizer_actor):
    gov = [DelegateFactory(event=event, government=True, given_name=n) for n in ["Gia", "Hal", "Ivo"]]
    for minute, delegate in enumerate(gov):
        ask(delegate, government_session, minute)
        ask(delegate, open_session, minute)

    result = approved(gov, organizer_actor)

    assert (result.confirmed, result.waitlisted) == (5, 1)
    assert seats(government_session) == {"confirmed": ["Gia", "Hal"], "waitlisted": ["Ivo"]}
    assert seats(open_session) == {"confirmed": ["Gia", "Hal", "Ivo"]}


def test_only_pending_delegates_can_be_approved(event, open_session, academics, organizer_actor):
    ana = academics[0]
    ask(ana, open_session, 1)
    approved([ana], organizer_actor)

    result = approved([ana], organizer_actor)

    assert result.done == []
    assert [message for _d, message in result.refused] == ["Ana Delegate is approved, not pending."]
    assert seats(open_session) == {"confirmed": ["Ana"]}


# --------------------------------------------------------------------------- institute quota


def quota_message(name, quota=2):
    return (
        f"{name} was not approved: {institute('GB')} has reached its quota of {quota} approved delegates "
        "for Convening of the International Network of AI Safety Institutes."
    )


def test_bulk_approval_beyond_the_institute_quota_is_refused_naming_institute_and_quota(
    event, open_session, organizer_actor
):
    Institute.objects.filter(iso_code="GB").update(delegate_quota=2)
    officials = [DelegateFactory(event=event, government=True, given_name=n, family_name="Official") for n in "ABC"]
    for minute, delegate in enumerate(officials):
        ask(delegate, open_session, minute)

    result = approved(officials, organizer_actor)

    assert [d.given_name for d in result.done] == ["A", "B"]
    assert [(d.given_name, message) for d, message in result.refused] == [("C", quota_message("C Official"))]
    assert Delegate.objects.get(given_name="C").status == DelegateStatus.PENDING
    assert seats(open_session) == {"confirmed": ["A", "B"], "requested": ["C"]}


def test_single_approval_beyond_the_institute_quota_is_refused(event, organizer_actor):
    Institute.objects.filter(iso_code="GB").update(delegate_quota=1)
    first = DelegateFactory(event=event, government=True)
    approved([first], organizer_actor)
    second = DelegateFactory(event=event, government=True, given_name="Zoe", family_name="Quota")

    result = approved([second], organizer_actor)

    assert (result.done, [m for _d, m in result.refused]) == ([], [quota_message("Zoe Quota", quota=1)])
    assert AuditEntry.objects.filter(delegate=second).count() == 0


def test_institute_quota_counts_per_event(event, organizer_actor):
    Institute.objects.filter(iso_code="GB").update(delegate_quota=1)
    approved([DelegateFactory(government=True, event=EventFactory())], organizer_actor)
    here = DelegateFactory(event=event, government=True)

    result = approved([here], organizer_actor)

    assert (len(result.done), result.refused) == (1, [])


# --------------------------------------------------------------------------- freeing seats


def test_reject_frees_the_seat_and_promotes_the_first_waitlisted(full_session, academics, organizer_actor):
    ben = academics[1]

    result = services.reject_delegates(
        delegate_ids=[ben.pk], actor=organizer_actor, reason="Duplicate of another entry"
    )

    assert (len(result.done), result.cancelled) == (1, 1)
    assert seats(full_session) == {
        "confirmed": ["Ana", "Chloe", "Dev"],
        "cancelled": ["Ben"],
        "waitlisted": ["Emi"],
    }
    assert Delegate.objects.get(pk=ben.pk).status == DelegateStatus.REJECTED
    assert emails_queued() == [
        ("rejected", "Ben", {"reason": "Duplicate of another entry"}),
        ("promoted", "Dev", {"session": full_session.pk}),
    ]
    assert list(
        AuditEntry.objects.order_by("action", "pk").values_list(
            "actor_kind",
            "actor_user",
            "action",
            "delegate__given_name",
            "session",
            "from_status",
            "to_status",
            "reason",
        )
    ) == [
        (
            "organizer",
            organizer_actor.user.pk,
            "rejected",
            "Ben",
            None,
            "approved",
            "rejected",
            "Duplicate of another entry",
        ),
        (
            "organizer",
            organizer_actor.user.pk,
            "seat_cancelled",
            "Ben",
            full_session.pk,
            "confirmed",
            "cancelled",
            "Duplicate of another entry",
        ),
        (
            "system",
            None,
            "seat_confirmed",
            "Dev",
            full_session.pk,
            "waitlisted",
            "confirmed",
            "Promoted from the waitlist",
        ),
    ]


def test_withdraw_frees_the_seat_promotes_and_revokes_the_link(full_session, academics):
    ana = academics[0]

    result = services.withdraw_delegate(delegate=ana, actor=services.Actor.delegate())

    ana.refresh_from_db()
    assert (ana.status, ana.link_secret, result.freed) == (DelegateStatus.WITHDRAWN, "", 1)
    assert seats(full_session) == {"cancelled": ["Ana"], "confirmed": ["Ben", "Chloe", "Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == [
        ("withdrawn", "Ana", {"seats_freed": 1}),
        ("promoted", "Dev", {"session": full_session.pk}),
    ]
    assert list(
        AuditEntry.objects.order_by("action", "pk").values_list("actor_kind", "action", "from_status", "to_status")
    ) == [
        ("delegate", "seat_cancelled", "confirmed", "cancelled"),
        ("system", "seat_confirmed", "waitlisted", "confirmed"),
        ("delegate", "withdrawn", "approved", "withdrawn"),
    ]


def test_withdrawing_twice_is_refused(full_session, academics):
    services.withdraw_delegate(delegate=academics[0], actor=services.Actor.delegate())

    with pytest.raises(services.InvalidTransition) as refusal:
        services.withdraw_delegate(delegate=academics[0], actor=services.Actor.delegate())

    assert refusal.value.message == "Ana Delegate is withdrawn already."


def test_rejecting_a_pending_delegate_cancels_requests_without_promoting(event, full_session, organizer_actor):
    fay = DelegateFactory(event=event, given_name="Fay")
    ask(fay, full_session, 9)

    services.reject_delegates(delegate_ids=[fay.pk], actor=organizer_actor)

    assert seats(full_session)["cancelled"] == ["Fay"]
    assert seats(full_session)["waitlisted"] == ["Dev", "Emi"]
    assert emails_queued() == [("rejected", "Fay", {})]


# --------------------------------------------------------------------------- return to pending


def test_return_to_pending_frees_seats_requests_them_again_and_promotes(full_session, academics, organizer_actor):
    ana = academics[0]

    result = services.return_to_pending(delegate_ids=[ana.pk], actor=organizer_actor, reason="Check the affiliation")

    assert len(result.done) == 1
    assert Delegate.objects.get(pk=ana.pk).status == DelegateStatus.PENDING
    assert seats(full_session) == {"requested": ["Ana"], "confirmed": ["Ben", "Chloe", "Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == [("under_review", "Ana", {}), ("promoted", "Dev", {"session": full_session.pk})]
    assert list(
        AuditEntry.objects.order_by("action", "pk").values_list(
            "actor_kind", "action", "delegate__given_name", "from_status", "to_status", "reason"
        )
    ) == [
        ("organizer", "returned_to_pending", "Ana", "approved", "pending", "Check the affiliation"),
        ("system", "seat_confirmed", "Dev", "waitlisted", "confirmed", "Promoted from the waitlist"),
        ("organizer", "seat_requested", "Ana", "confirmed", "requested", "Check the affiliation"),
    ]


def test_return_to_pending_restores_the_requests_a_rejection_cancelled(full_session, academics, organizer_actor):
    ana = academics[0]
    services.reject_delegates(delegate_ids=[ana.pk], actor=organizer_actor)

    services.return_to_pending(delegate_ids=[ana.pk], actor=organizer_actor)

    assert SessionRegistration.objects.get(delegate=ana).status == SeatStatus.REQUESTED
    assert Delegate.objects.get(pk=ana.pk).status == DelegateStatus.PENDING


def test_return_to_pending_refuses_pending_and_withdrawn(event, full_session, academics, organizer_actor):
    services.withdraw_delegate(delegate=academics[0], actor=services.Actor.delegate())
    pending = DelegateFactory(event=event, given_name="Fay")

    result = services.return_to_pending(delegate_ids=[academics[0].pk, pending.pk], actor=organizer_actor)

    assert result.done == []
    assert sorted(m for _d, m in result.refused) == [
        "Ana Delegate is withdrawn; only approved or rejected delegates can return to pending.",
        "Fay Delegate is pending; only approved or rejected delegates can return to pending.",
    ]
