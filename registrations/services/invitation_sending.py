"""Invitations on their way: sent and sent again, reminded before they expire (once, by the daily
command), revoked by organizers, expired when their date has passed. Each is one transaction with
its audit entries and outbox emails."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import LIVE_INVITATION_STATUSES, AuditAction, EmailKind, Invitation, InvitationStatus
from registrations.services import public_version, seats
from registrations.services.audit import Actor, Outgoing, commit, record
from registrations.services.invitations import (
    INVITATION_TRANSITIONS,
    REMINDER_BEFORE,
    UNUSABLE_MESSAGES,
    end_invitations,
    lock_invitations,
    move_invitation,
)


@dataclass
class InvitationResult:
    done: list[Invitation] = field(default_factory=list)
    refused: list[tuple[Invitation, str]] = field(default_factory=list)


@transaction.atomic
def send_invitations(*, invitation_ids: Iterable[int], actor: Actor, now: datetime | None = None) -> InvitationResult:
    """Send (or send again) live invitations with places left, through the outbox."""
    now = now or timezone.now()
    result, audit, outgoing = InvitationResult(), [], []
    for invitation in lock_invitations(invitation_ids):
        refusal = rules.invitation_refusal(invitation, now)
        if refusal is not None:
            result.refused.append((invitation, f"{invitation}: {UNUSABLE_MESSAGES[refusal]}"))
            continue
        if not invitation.email:
            result.refused.append((invitation, _("%(name)s: no email address to send it to.") % {"name": invitation}))
            continue
        previous = invitation.status
        to_status = previous if previous == InvitationStatus.REGISTERED else InvitationStatus.SENT
        move_invitation(invitation, to_status)
        invitation.sent_at = now
        audit.append(
            record(
                actor,
                AuditAction.INVITATION_SENT,
                invitation=invitation,
                from_status=previous,
                to_status=invitation.status,
                again=previous != InvitationStatus.DRAFT,
            )
        )
        outgoing.append((EmailKind.INVITATION, invitation, {}))
        result.done.append(invitation)
    Invitation.objects.bulk_update(result.done, ["status", "sent_at"], batch_size=500)
    commit(audit, outgoing, deliver_now=False)
    return result


@transaction.atomic
def remind_invitations(*, invitation_ids: Iterable[int], actor: Actor, now: datetime | None = None) -> InvitationResult:
    """An organizer reminds sent or opened invitations now (whatever their expiry)."""
    now = now or timezone.now()
    result, audit, outgoing = InvitationResult(), [], []
    for invitation in lock_invitations(invitation_ids):
        refusal = rules.invitation_refusal(invitation, now)
        if refusal is not None or invitation.status not in (InvitationStatus.SENT, InvitationStatus.OPENED):
            result.refused.append(
                (
                    invitation,
                    _("%(name)s: only a sent or opened invitation can be reminded (it is %(status)s).")
                    % {"name": invitation, "status": invitation.get_status_display().lower()},
                )
            )
            continue
        invitation.last_reminder_at = now
        audit.append(record(actor, AuditAction.INVITATION_REMINDED, invitation=invitation))
        outgoing.append((EmailKind.INVITATION_REMINDER, invitation, {}))
        result.done.append(invitation)
    Invitation.objects.bulk_update(result.done, ["last_reminder_at"], batch_size=500)
    commit(audit, outgoing, deliver_now=False)
    return result


@transaction.atomic
def send_reminders(*, now: datetime | None = None, before: timedelta = REMINDER_BEFORE) -> int:
    """Remind each sent or opened invitation that expires within `before`, once. Idempotent: running
    it again (or twice at once) sends nothing more. Returns how many were reminded."""
    now = now or timezone.now()
    due = (
        Invitation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status__in=[InvitationStatus.SENT, InvitationStatus.OPENED],
            expires_at__gt=now,
            expires_at__lte=now + before,
            last_reminder_at__isnull=True,
        )
        .exclude(email="")
        .select_related("event")
        .order_by("pk")
    )
    due = list(due)
    system = Actor.system()
    for invitation in due:
        invitation.last_reminder_at = now
    Invitation.objects.bulk_update(due, ["last_reminder_at"], batch_size=500)
    commit(
        [record(system, AuditAction.INVITATION_REMINDED, invitation=i) for i in due],
        [(EmailKind.INVITATION_REMINDER, i, {}) for i in due],
        deliver_now=False,
    )
    return len(due)


@transaction.atomic
def revoke_invitations(*, invitation_ids: Iterable[int], actor: Actor, now: datetime | None = None) -> InvitationResult:
    """Revoke invitations: their links stop working and their held seats go to the waitlists at once.
    Guests who already registered through one keep their registration."""
    now = now or timezone.now()
    result = InvitationResult()
    for invitation in lock_invitations(invitation_ids):
        if InvitationStatus.REVOKED in INVITATION_TRANSITIONS[invitation.status]:
            result.done.append(invitation)
        else:
            result.refused.append(
                (
                    invitation,
                    _("%(name)s is %(status)s already.")
                    % {"name": invitation, "status": invitation.get_status_display().lower()},
                )
            )
    end_invitations(result.done, InvitationStatus.REVOKED, AuditAction.INVITATION_REVOKED, actor, now)
    return result


@transaction.atomic
def expire_invitations(*, now: datetime | None = None) -> int:
    """Mark live invitations past their expiry as expired (fully used ones stay registered) and give
    their held seats to the waitlists. Returns how many expired."""
    now = now or timezone.now()
    ids = (
        Invitation.objects.filter(status__in=LIVE_INVITATION_STATUSES, expires_at__lte=now)
        .exclude(status=InvitationStatus.REGISTERED, uses__gte=F("max_uses"))
        .values_list("pk", flat=True)
    )
    expired = [i for i in lock_invitations(list(ids)) if i.status in LIVE_INVITATION_STATUSES]
    # Held seats of an expired invitation were already free for everyone (the count reads the
    # expiry), but the waitlists move only now.
    audit, sessions = [], set()
    for invitation in expired:
        previous = invitation.status
        move_invitation(invitation, InvitationStatus.EXPIRED)
        audit.append(
            record(
                Actor.system(),
                AuditAction.INVITATION_EXPIRED,
                invitation=invitation,
                from_status=previous,
                to_status=InvitationStatus.EXPIRED,
            )
        )
        if invitation.holds_seats:
            sessions.add(invitation.pk)
    Invitation.objects.bulk_update(expired, ["status"], batch_size=500)
    commit(audit)
    if sessions:
        public_version.seats_changed()
    if sessions:
        outgoing: list[Outgoing] = []
        seats.promote_waitlist(
            Invitation.sessions.through.objects.filter(invitation_id__in=sessions).values_list("session_id", flat=True),
            outgoing,
        )
        commit([], outgoing)
    return len(expired)
