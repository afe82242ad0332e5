"""The invitee's side of an invitation: whether it can still be used, opened, declined, and used by
a registration (under the invitation's lock, so its places hold under concurrency)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    Delegate,
    Event,
    Invitation,
    InvitationStatus,
)
from registrations.rules.errors import InvalidTransition, InvitationUnusable, NotEligible

# A reminder goes out this long before an unanswered invitation expires (once).
from registrations.services import invitations, public_version
from registrations.services.audit import Actor, commit, record


def check_usable(invitation: Invitation, now: datetime | None = None) -> None:
    refusal = rules.invitation_refusal(invitation, now or timezone.now())
    if refusal is not None:
        raise InvitationUnusable(invitations.UNUSABLE_MESSAGES[refusal], refusal)


@transaction.atomic
def mark_opened(*, invitation: Invitation, now: datetime | None = None) -> None:
    """The invitee opened the link: counted once, for the funnel."""
    now = now or timezone.now()
    if invitation.opened_at is not None or invitation.status != InvitationStatus.SENT:
        return
    (locked,) = invitations.lock_invitations([invitation.pk])
    if locked.opened_at is not None or locked.status != InvitationStatus.SENT:
        return
    previous = locked.status
    invitations.move_invitation(locked, InvitationStatus.OPENED)
    locked.opened_at = now
    locked.save(update_fields=["status", "opened_at"])
    invitation.status, invitation.opened_at = locked.status, locked.opened_at
    commit(
        [
            record(
                Actor.delegate(),
                AuditAction.INVITATION_OPENED,
                invitation=locked,
                from_status=previous,
                to_status=locked.status,
            )
        ]
    )


@transaction.atomic
def decline_invitation(*, invitation: Invitation, reason: str = "", now: datetime | None = None) -> Invitation:
    """The invitee declines: the link stops working, held seats go to the waitlists at once, and the
    organizers see it (the invitation's status and the audit trail)."""
    now = now or timezone.now()
    (locked,) = invitations.lock_invitations([invitation.pk])
    check_usable(locked, now)
    if locked.uses:
        raise InvalidTransition(
            _(
                "Someone has registered through this invitation already; to cancel a registration, "
                "withdraw it from its status page."
            )
        )
    invitations.end_invitations(
        [locked],
        InvitationStatus.DECLINED,
        AuditAction.INVITATION_DECLINED,
        Actor.delegate(),
        now,
        reason=reason,
        declined_at=now,
    )
    return locked


def lock_usable_invitation(invitation: Invitation, *, event: Event, now: datetime) -> Invitation:
    """Lock the invitation a signup uses and check it can still be used (call inside the signup's
    transaction: the lock makes its uses hold when many sign up at once)."""
    (locked,) = invitations.lock_invitations([invitation.pk])
    if locked.event_id != event.pk:
        raise NotEligible(_("This invitation is for another convening."))
    check_usable(locked, now)
    return locked


def use_invitation(*, invitation: Invitation, delegate: Delegate, now: datetime) -> None:
    """Count a registration against its (locked) invitation; the caller releases its held seats."""
    previous = invitation.status
    if invitation.status != InvitationStatus.REGISTERED:
        invitations.move_invitation(invitation, InvitationStatus.REGISTERED)
    invitation.uses += 1
    invitation.save(update_fields=["status", "uses"])
    if invitation.holds_seats:
        public_version.seats_changed()
    commit(
        [
            record(
                Actor.delegate(),
                AuditAction.INVITATION_USED,
                invitation=invitation,
                delegate=delegate,
                from_status=previous,
                to_status=invitation.status,
                uses=invitation.uses,
            )
        ]
    )
