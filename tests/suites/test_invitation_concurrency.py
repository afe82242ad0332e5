"""Invitations under concurrent signups, on PostgreSQL with real transactions and connections (see
tests/suites/test_concurrency.py: each thread has its own connection and commits its own transaction)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from registrations import services
from registrations.models import (
    Delegate,
    DelegateStatus,
    Invitation,
    InvitationKind,
    InvitationStatus,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.services import invitations
from tests.conftest import requires_postgres
from tests.factories import DelegateFactory, EventFactory, InvitationFactory, SessionFactory, UserFactory
from tests.suites.test_concurrency import run_at_once

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 20


@pytest.fixture
def setting(settings):
    settings.EMAIL_SEND_AFTER_COMMIT_MAX = 0
    event = EventFactory(guest_registration="invitation_only")
    session = SessionFactory(event=event, capacity=50)
    return event, session


def details(email: str, organization: str) -> dict:
    return {
        "given_name": "Guest",
        "family_name": "Racer",
        "email": email,
        "stakeholder_type": StakeholderType.ACADEMIA,
        "institute": None,
        "organization": organization,
        "consent_data_processing": True,
    }


def signup_job(invitation, email, session):
    def job():
        try:
            return services.register_delegate(
                event=invitation.event,
                details=details(email, invitation.organization),
                sessions=[session],
                invitation=Invitation.objects.get(pk=invitation.pk),
            ).created
        except services.RegistrationError as refusal:
            return refusal.code

    return job


def test_twenty_threads_racing_one_personal_invitation_make_one_registration(setting):
    event, session = setting
    invitation = InvitationFactory(event=event, email="ada@engines.example", sessions=[session])

    results = run_at_once([signup_job(invitation, "ada@engines.example", session) for _ in range(THREADS)])

    assert Delegate.objects.count() == 1
    assert sorted(results, key=str) == sorted([True] + ["invitation"] * (THREADS - 1), key=str)
    invitation.refresh_from_db()
    assert (invitation.uses, invitation.status) == (1, InvitationStatus.REGISTERED)
    assert SessionRegistration.objects.get().status == SeatStatus.CONFIRMED


def test_an_organization_code_with_three_uses_makes_exactly_three(setting):
    event, session = setting
    code = InvitationFactory(
        event=event, kind=InvitationKind.ORGANIZATION, email="", max_uses=3, organization="Lab", sessions=[session]
    )

    results = run_at_once([signup_job(code, f"person{i}@lab.example", session) for i in range(THREADS)])

    assert Delegate.objects.count() == 3
    assert results.count(True) == 3
    assert results.count("invitation") == THREADS - 3
    code.refresh_from_db()
    assert code.uses == 3


def test_control_without_the_invitation_lock_a_code_is_overused(setting, monkeypatch):
    """Shows the test above can fail: without the row lock, signups count the same free places."""
    event, session = setting
    code = InvitationFactory(
        event=event, kind=InvitationKind.ORGANIZATION, email="", max_uses=3, organization="Lab", sessions=[session]
    )

    def read_without_lock(ids):
        found = list(Invitation.objects.select_related("event").filter(pk__in=set(ids)).order_by("pk"))
        time.sleep(0.05)  # widen the window between reading and writing
        return found

    monkeypatch.setattr(invitations, "lock_invitations", read_without_lock)
    run_at_once([signup_job(code, f"person{i}@lab.example", session) for i in range(THREADS)])

    assert Delegate.objects.count() > 3


def test_held_seats_survive_a_storm_of_approvals(setting):
    event, _ = setting
    session = SessionFactory(event=event, capacity=5)
    code = InvitationFactory(
        event=event,
        kind=InvitationKind.ORGANIZATION,
        email="",
        max_uses=2,
        holds_seats=True,
        organization="Lab",
        sessions=[session],
        expires_at=timezone.now() + timedelta(days=3),
    )
    others = DelegateFactory.create_batch(10, event=event)
    for delegate in others:
        SessionRegistration.objects.create(delegate=delegate, session=session)
    actor = services.Actor.organizer(UserFactory(username="storm-organizer"))

    run_at_once(
        [lambda pk=d.pk: services.approve_delegates(delegate_ids=[pk], actor=actor) for d in others]
        + [signup_job(code, f"guest{i}@lab.example", session) for i in range(2)]
    )

    confirmed = SessionRegistration.objects.filter(session=session, status=SeatStatus.CONFIRMED)
    assert confirmed.count() == 5
    assert confirmed.filter(delegate__invitation=code).count() == 2
    assert Delegate.objects.filter(status=DelegateStatus.APPROVED).count() == 12
