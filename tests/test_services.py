"""The rules of registration (registrations/services.py): seats, waitlist, tiers, quotas, decisions, audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registrations import selectors, services
from registrations.models import (
    AccessTier,
    AuditEntry,
    CancelReason,
    Delegate,
    DelegateStatus,
    Institute,
    OutboundEmail,
    SeatStatus,
    Session,
    SessionRegistration,
    StakeholderType,
)
from tests.factories import DelegateFactory, EventFactory, SessionFactory, institute

T0 = timezone.now() - timedelta(days=1)


def ask(delegate, session, minute: int) -> SessionRegistration:
    """The delegate asked for the session `minute` minutes after T0."""
    return SessionRegistration.objects.create(
        delegate=delegate, session=session, requested_at=T0 + timedelta(minutes=minute)
    )


def seats(session) -> dict[str, list[str]]:
    """Who holds which status in the session, ordered by request time."""
    result: dict[str, list[str]] = {}
    for r in (
        SessionRegistration.objects.filter(session=session).order_by("requested_at", "pk").select_related("delegate")
    ):
        result.setdefault(r.status, []).append(r.delegate.given_name)
    return result


def status_of(registration) -> tuple[str, str]:
    registration.refresh_from_db()
    return registration.status, registration.cancel_reason


def emails_queued() -> list[tuple[str, str, dict]]:
    return [
        (e.kind, e.delegate.given_name, e.context)
        for e in OutboundEmail.objects.select_related("delegate").order_by("pk")
    ]


def approved(delegates, actor):
    return services.approve_delegates(delegate_ids=[d.pk for d in delegates], actor=actor)


@pytest.fixture
def academics(event):
    return [DelegateFactory(event=event, given_name=name) for name in ["Ana", "Ben", "Chloe", "Dev", "Emi"]]


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
        .annotate(position=selectors.waitlist_position())
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


@pytest.fixture
def full_session(event, open_session, academics, organizer_actor):
    """Ana, Ben, Chloe confirmed; Dev then Emi waitlisted (Emi asked first but was approved later)."""
    ana, ben, chloe, dev, emi = academics
    for delegate, minute in [(ana, 1), (ben, 2), (chloe, 3), (dev, 4), (emi, 5)]:
        ask(delegate, open_session, minute)
    approved(academics, organizer_actor)
    OutboundEmail.objects.all().delete()
    AuditEntry.objects.all().delete()
    return open_session


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

    services.withdraw_delegate(delegate=ana, actor=services.Actor.delegate())

    ana.refresh_from_db()
    assert (ana.status, ana.link_secret) == (DelegateStatus.WITHDRAWN, "")
    assert seats(full_session) == {"cancelled": ["Ana"], "confirmed": ["Ben", "Chloe", "Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == [("withdrawn", "Ana", {}), ("promoted", "Dev", {"session": full_session.pk})]
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


def test_drop_session_frees_the_seat_and_promotes(full_session, academics):
    services.drop_session(delegate=academics[2], session=full_session, actor=services.Actor.delegate())

    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Dev"], "cancelled": ["Chloe"], "waitlisted": ["Emi"]}
    assert emails_queued() == [("promoted", "Dev", {"session": full_session.pk})]
    assert SessionRegistration.objects.get(delegate=academics[2]).cancel_reason == CancelReason.DROPPED


def test_dropping_a_waitlisted_seat_promotes_nobody(full_session, academics):
    services.drop_session(delegate=academics[3], session=full_session, actor=services.Actor.delegate())

    assert seats(full_session) == {"confirmed": ["Ana", "Ben", "Chloe"], "cancelled": ["Dev"], "waitlisted": ["Emi"]}
    assert emails_queued() == []


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
