"""services/seats.py: the access tier at seat time (placing, promoting, asking for one more session)."""

from datetime import timedelta

import pytest

from registrations import services
from registrations.models import (
    CancelReason,
    DelegateStatus,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from tests.factories import (
    T0,
    DelegateFactory,
    approved,
    ask,
    emails_queued,
    seats,
    status_of,
)

# --------------------------------------------------------------------------- the access tier


def test_approval_never_confirms_a_government_only_session_for_a_non_government_delegate(
    event, government_session, organizer_actor
):
    guest = DelegateFactory(event=event, stakeholder_type=StakeholderType.INDUSTRY, organization="Model Systems")
    crafted = ask(guest, government_session, 1)  # written behind the rules' back

    result = approved([guest], organizer_actor)

    assert (result.confirmed, result.waitlisted) == (0, 0)
    assert status_of(crafted) == (SeatStatus.CANCELLED, CancelReason.INELIGIBLE)


def test_promotion_skips_a_non_government_delegate_on_a_government_only_waitlist(
    event, government_session, organizer_actor
):
    holders = [DelegateFactory(event=event, government=True, given_name=n) for n in ["Gia", "Hal"]]
    for minute, delegate in enumerate(holders):
        ask(delegate, government_session, minute)
    approved(holders, organizer_actor)
    guest = DelegateFactory(event=event, given_name="Kai", status=DelegateStatus.APPROVED)
    crafted = SessionRegistration.objects.create(
        delegate=guest, session=government_session, status=SeatStatus.WAITLISTED, requested_at=T0 + timedelta(minutes=5)
    )
    official = DelegateFactory(event=event, government=True, given_name="Lea")
    ask(official, government_session, 6)
    approved([official], organizer_actor)
    OutboundEmail.objects.all().delete()

    services.reject_delegates(delegate_ids=[holders[0].pk], actor=organizer_actor)

    assert status_of(crafted) == (SeatStatus.CANCELLED, CancelReason.INELIGIBLE)
    assert seats(government_session) == {"cancelled": ["Gia", "Kai"], "confirmed": ["Hal", "Lea"]}
    assert emails_queued() == [("rejected", "Gia", {}), ("promoted", "Lea", {"session": government_session.pk})]


def test_add_session_refuses_a_government_only_session_to_a_non_government_delegate(
    event, government_session, academics, organizer_actor
):
    ana = academics[0]
    approved([ana], organizer_actor)

    with pytest.raises(services.NotEligible) as refusal:
        services.add_session(delegate=ana, session=government_session, actor=services.Actor.delegate())

    assert (
        refusal.value.message
        == "“Joint testing of frontier models” is open to government delegates of member institutes only."
    )
    assert SessionRegistration.objects.filter(delegate=ana).count() == 0


def test_add_session_confirms_for_an_approved_delegate_while_seats_remain_then_waitlists(
    event, open_session, academics, organizer_actor
):
    approved(academics, organizer_actor)

    for delegate in academics:
        services.add_session(delegate=delegate, session=open_session, actor=services.Actor.delegate())

    assert seats(open_session) == {"confirmed": ["Ana", "Ben", "Chloe"], "waitlisted": ["Dev", "Emi"]}


def test_add_session_for_a_pending_delegate_only_requests(event, open_session, academics):
    registration = services.add_session(delegate=academics[0], session=open_session, actor=services.Actor.delegate())

    assert status_of(registration) == (SeatStatus.REQUESTED, "")
