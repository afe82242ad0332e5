"""services/rules.py: the rules as plain functions (no database writes), and the transition tables
that every status change is checked against."""

from collections import Counter

import pytest

from registrations import rules
from registrations.models import AccessTier, DelegateStatus, SeatStatus, StakeholderType
from registrations.services import InvalidTransition
from tests.factories import DelegateFactory, SessionFactory, institute


def test_every_status_has_a_row_in_the_transition_tables():
    assert set(rules.DELEGATE_TRANSITIONS) == set(DelegateStatus.values)
    assert set(rules.SEAT_TRANSITIONS) == set(SeatStatus.values)
    for table, statuses in (
        (rules.DELEGATE_TRANSITIONS, DelegateStatus.values),
        (rules.SEAT_TRANSITIONS, SeatStatus.values),
    ):
        for to in table.values():
            assert to <= set(statuses)


@pytest.mark.parametrize(
    ("from_status", "to_status", "allowed"),
    [
        (DelegateStatus.PENDING, DelegateStatus.APPROVED, True),
        (DelegateStatus.APPROVED, DelegateStatus.APPROVED, False),
        (DelegateStatus.REJECTED, DelegateStatus.APPROVED, False),
        (DelegateStatus.REJECTED, DelegateStatus.PENDING, True),
        (DelegateStatus.WITHDRAWN, DelegateStatus.PENDING, False),
        (DelegateStatus.WITHDRAWN, DelegateStatus.APPROVED, False),
        (DelegateStatus.APPROVED, DelegateStatus.WITHDRAWN, True),
    ],
)
def test_a_registration_moves_only_as_the_table_allows(from_status, to_status, allowed):
    assert rules.may_move(from_status, to_status) is allowed


def test_a_seat_move_outside_the_table_is_refused_in_words():
    rules.check_seat_move(SeatStatus.WAITLISTED, SeatStatus.CONFIRMED)
    with pytest.raises(InvalidTransition, match=r"A cancelled seat cannot become confirmed\."):
        rules.check_seat_move(SeatStatus.CANCELLED, SeatStatus.CONFIRMED)


def test_a_session_has_a_seat_left_until_its_capacity_is_confirmed(db):
    session = SessionFactory.build(capacity=2)
    assert [rules.has_seat_left(session, confirmed) for confirmed in (0, 1, 2, 3)] == [True, True, False, False]


def test_the_quota_is_reached_at_the_institutes_quota_per_event(db):
    gb = institute("GB")
    gb.delegate_quota = 2
    assert rules.quota_reached(Counter({(1, gb.pk): 1}), 1, gb) is False
    assert rules.quota_reached(Counter({(1, gb.pk): 2}), 1, gb) is True
    assert rules.quota_reached(Counter({(2, gb.pk): 2}), 1, gb) is False  # another event's approvals


@pytest.mark.parametrize(
    ("stakeholder_type", "tier", "allowed"),
    [
        (StakeholderType.GOVERNMENT, AccessTier.GOVERNMENT_ONLY, True),
        (StakeholderType.GOVERNMENT, AccessTier.OPEN, True),
        (StakeholderType.INDUSTRY, AccessTier.GOVERNMENT_ONLY, False),
        (StakeholderType.ACADEMIA, AccessTier.OPEN, True),
    ],
)
def test_the_access_tier(db, stakeholder_type, tier, allowed):
    assert rules.may_attend(stakeholder_type, SessionFactory.build(access_tier=tier)) is allowed


def test_an_affiliation_refusal_belongs_to_the_field_the_person_must_change():
    assert rules.affiliation_error_field(StakeholderType.GOVERNMENT, None) == "institute"
    assert rules.affiliation_error_field(StakeholderType.INDUSTRY, None) == "organization"


def test_a_delegate_is_active_while_pending_or_approved(event):
    statuses = {status: rules.is_active(DelegateFactory.build(event=event, status=status)) for status in DelegateStatus}
    assert statuses == {
        DelegateStatus.PENDING: True,
        DelegateStatus.APPROVED: True,
        DelegateStatus.REJECTED: False,
        DelegateStatus.WITHDRAWN: False,
    }
