"""A focal point declines while an organizer approves the same delegate, at once (PostgreSQL).

Both take the delegate's row lock (`seats.lock_delegates`), so one waits for the other: either the
decline lands first and the approval is refused, or the approval lands first and the decline is
refused. Never both, and the audit trail holds exactly the one that happened.
"""

import pytest

from registrations import services
from registrations.models import AuditAction, AuditEntry, Delegate, DelegateStatus, Endorsement
from registrations.services import endorsements
from tests.conftest import requires_postgres
from tests.factories import DelegateFactory, EventFactory, focal_point, organizer
from tests.suites.test_concurrency import run_at_once

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROUNDS = 6


def test_decline_and_approval_at_once_leave_one_consistent_state(settings):
    settings.EMAIL_SEND_AFTER_COMMIT_MAX = 0
    event = EventFactory(endorsement_required=True)
    gb = focal_point("GB")
    actor = services.Actor.organizer(organizer())
    delegates = [DelegateFactory(event=event, government=True) for _ in range(ROUNDS)]
    endorsements.endorse(focal_point=gb, delegate_ids=[d.pk for d in delegates])

    for delegate in delegates:
        run_at_once(
            [
                lambda d=delegate: endorsements.decline(focal_point=gb, delegate_ids=[d.pk], reason="Not ours"),
                lambda d=delegate: services.approve_delegates(delegate_ids=[d.pk], actor=actor),
            ]
        )

    for delegate in Delegate.objects.filter(pk__in=[d.pk for d in delegates]):
        trail = set(
            AuditEntry.objects.filter(
                delegate=delegate, action__in=[AuditAction.APPROVED, AuditAction.ENDORSEMENT_DECLINED]
            ).values_list("action", flat=True)
        )
        if delegate.status == DelegateStatus.APPROVED:
            assert (delegate.endorsement, trail) == (Endorsement.ENDORSED, {AuditAction.APPROVED})
        else:
            assert (delegate.status, delegate.endorsement, delegate.endorsement_reason) == (
                DelegateStatus.PENDING,
                Endorsement.DECLINED,
                "Not ours",
            )
            assert trail == {AuditAction.ENDORSEMENT_DECLINED}
