"""services/delegates.py: signup called directly, organizers' edits of a delegate, dropping a session."""

import pytest

from registrations import services
from registrations.models import (
    AccessTier,
    AuditEntry,
    CancelReason,
    Delegate,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from tests.factories import DelegateFactory, SessionFactory, approved, ask, emails_queued, institute, seats, status_of

# --------------------------------------------------------------------------- organizer edits of eligibility


def test_changing_stakeholder_type_cancels_government_only_seats_tells_the_delegate_and_promotes(
    event, open_session, government_session, organizer_actor
):
    gia, hal, ivo = (DelegateFactory(event=event, government=True, given_name=n) for n in ["Gia", "Hal", "Ivo"])
    for minute, delegate in enumerate([gia, hal, ivo]):
        ask(delegate, government_session, minute)
    gia_open = ask(gia, open_session, 10)
    approved([gia, hal, ivo], organizer_actor)
    OutboundEmail.objects.all().delete()
    AuditEntry.objects.all().delete()
    cancelled = services.update_delegate(
        delegate=gia,
        changes={
            "stakeholder_type": StakeholderType.ACADEMIA,
            "institute": None,
            "organization": "University of Testing",
        },
        actor=organizer_actor,
    ).cancelled

    assert cancelled == 1
    assert seats(government_session) == {"cancelled": ["Gia"], "confirmed": ["Hal", "Ivo"]}
    assert status_of(gia_open) == (SeatStatus.CONFIRMED, "")
    assert emails_queued() == [
        ("promoted", "Ivo", {"session": government_session.pk}),
        ("seats_cancelled", "Gia", {"sessions": [government_session.pk]}),
    ]
    assert list(
        AuditEntry.objects.order_by("action", "pk").values_list(
            "actor_kind", "actor_name", "action", "delegate__given_name", "from_status", "to_status", "reason"
        )
    ) == [
        ("organizer", "organizer", "details_changed", "Gia", "", "", ""),
        (
            "organizer",
            "organizer",
            "seat_cancelled",
            "Gia",
            "confirmed",
            "cancelled",
            "Government-only session; the delegate is no longer registered as government.",
        ),
        ("system", "system", "seat_confirmed", "Ivo", "waitlisted", "confirmed", "Promoted from the waitlist"),
    ]


def test_changing_institute_rechecks_the_email_domain_and_keeps_seats(event, government_session, organizer_actor):
    official = DelegateFactory(event=event, government=True, given_name="Gia")
    ask(official, government_session, 1)
    approved([official], organizer_actor)
    cancelled = services.update_delegate(
        delegate=official, changes={"institute": institute("US")}, actor=organizer_actor
    ).cancelled

    official.refresh_from_db()
    assert (cancelled, official.email_domain_verified) == (0, False)
    assert seats(government_session) == {"confirmed": ["Gia"]}


def test_drop_session_frees_the_seat_and_promotes(full_session, academics):
    services.drop_session(delegate=academics[2], session=full_session, actor=services.Actor.delegate())

    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Dev"], "cancelled": ["Chloe"], "waitlisted": ["Emi"]}
    assert emails_queued() == [("promoted", "Dev", {"session": full_session.pk})]
    assert SessionRegistration.objects.get(delegate=academics[2]).cancel_reason == CancelReason.DROPPED


def test_dropping_a_waitlisted_seat_promotes_nobody(full_session, academics):
    services.drop_session(delegate=academics[3], session=full_session, actor=services.Actor.delegate())

    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Chloe"], "cancelled": ["Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == []


# --------------------------------------------------------------------------- signup, called directly


def details(**overrides):
    values = {
        "given_name": "James",
        "family_name": "Anderson",
        "email": "james@modelsystems.example",
        "stakeholder_type": StakeholderType.INDUSTRY,
        "institute": None,
        "organization": "Model Systems Ltd",
        "consent_data_processing": True,
    }
    return {**values, **overrides}


def test_register_delegate_refuses_a_government_only_session_for_a_guest_whoever_calls_it(event):
    session = SessionFactory(event=event, access_tier=AccessTier.GOVERNMENT_ONLY)
    with pytest.raises(services.NotEligible, match="open to government delegates of member institutes only"):
        services.register_delegate(event=event, details=details(), sessions=[session])
    assert Delegate.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent_data_processing": False}, "consent"),
        ({"organization": ""}, "Please give your organization."),
        ({"institute": "GB"}, "Only government delegates register with an institute"),
        ({"stakeholder_type": StakeholderType.GOVERNMENT, "organization": ""}, "must choose their institute"),
    ],
)
def test_register_delegate_refuses_bad_affiliation_or_no_consent_with_a_message(event, overrides, message):
    if overrides.get("institute"):
        overrides["institute"] = institute(overrides["institute"])
    session = SessionFactory(event=event)
    with pytest.raises(services.NotEligible, match=message):
        services.register_delegate(event=event, details=details(**overrides), sessions=[session])
    assert Delegate.objects.count() == 0


def test_a_second_signup_is_audited_and_writes_no_row(event):
    session = SessionFactory(event=event)
    first = services.register_delegate(event=event, details=details(), sessions=[session])
    second = services.register_delegate(event=event, details=details(email="JAMES@modelsystems.example"), sessions=[])
    assert (second.created, second.delegate.pk) == (False, first.delegate.pk)
    assert AuditEntry.objects.filter(delegate=first.delegate, action="duplicate_signup").count() == 1


def test_changing_the_email_rechecks_the_institute_domain(event, organizer_actor):
    delegate = DelegateFactory(event=event, government=True, email="ops@dsit.gov.uk")
    services.update_delegate(delegate=delegate, changes={"email": "ops@gmail.example"}, actor=organizer_actor)
    delegate.refresh_from_db()
    assert delegate.email_domain_verified is False
