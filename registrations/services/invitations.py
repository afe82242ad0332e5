"""Invitations: organizers invite named guests (or give an organization a code for a few people) to
named sessions; the guests register through the link.

Every change is one transaction with its audit entries; invitations and reminders go through the
outbox. Seats an invitation holds (`Invitation.holds_seats`: one per covered session and unused
place) count against capacity on every path (`seats.taken_counts`); when the invitation is used,
declined, revoked or expires, they are released to the waitlist under the sessions' locks.

Lock order: invitations (by id), then what the decisions lock (delegates, institutes, sessions).
The invitee's side (open, decline, use) is `invitees`; sending, reminding, revoking and expiring
are `invitation_sending`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    GUEST_TYPES,
    LIVE_INVITATION_STATUSES,
    AuditAction,
    Delegate,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Session,
    StakeholderType,
)
from registrations.rules.errors import InvalidTransition, NotEligible
from registrations.services import public_version, seats
from registrations.services.audit import Actor, Outgoing, commit, record

# A reminder goes out this long before an unanswered invitation expires (once).
REMINDER_BEFORE = timedelta(days=3)

# The allowed moves of an invitation (from -> to); the rest of the lifecycle is refused.
INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    # A draft's link may have been handed over by hand.
    InvitationStatus.DRAFT: frozenset(
        {
            InvitationStatus.SENT,
            InvitationStatus.REGISTERED,
            InvitationStatus.DECLINED,
            InvitationStatus.REVOKED,
            InvitationStatus.EXPIRED,
        }
    ),
    InvitationStatus.SENT: frozenset(
        {
            InvitationStatus.SENT,
            InvitationStatus.OPENED,
            InvitationStatus.REGISTERED,
            InvitationStatus.DECLINED,
            InvitationStatus.REVOKED,
            InvitationStatus.EXPIRED,
        }
    ),
    InvitationStatus.OPENED: frozenset(
        {
            InvitationStatus.SENT,
            InvitationStatus.REGISTERED,
            InvitationStatus.DECLINED,
            InvitationStatus.REVOKED,
            InvitationStatus.EXPIRED,
        }
    ),
    # An organization code stays in use while places remain.
    InvitationStatus.REGISTERED: frozenset(
        {InvitationStatus.REGISTERED, InvitationStatus.REVOKED, InvitationStatus.EXPIRED}
    ),
    InvitationStatus.DECLINED: frozenset(),
    InvitationStatus.EXPIRED: frozenset(),
    InvitationStatus.REVOKED: frozenset(),
}

UNUSABLE_MESSAGES = {
    "revoked": _("This invitation has been withdrawn by the organizers."),
    "declined": _("This invitation has been declined."),
    "expired": _("This invitation has expired."),
    "used": _("This invitation has already been used."),
}


def lock_invitations(ids: Iterable[int]) -> list[Invitation]:
    return list(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(pk__in=set(ids))
        .order_by("pk")
    )


def move_invitation(invitation: Invitation, to_status: str) -> None:
    if to_status not in INVITATION_TRANSITIONS.get(invitation.status, frozenset()):
        raise InvalidTransition(
            _("A %(from)s invitation cannot become %(to)s.")
            % {
                "from": InvitationStatus(invitation.status).label.lower(),
                "to": InvitationStatus(to_status).label.lower(),
            }
        )
    invitation.status = to_status


def release_held_seats(invitation: Invitation, session_ids: Iterable[int] | None = None) -> list[Outgoing]:
    """Give seats the invitation no longer holds to the waitlists (its covered sessions, or
    `session_ids`), under the sessions' locks. Call after the change that released them is saved."""
    if not invitation.holds_seats and session_ids is None:
        return []
    outgoing: list[Outgoing] = []
    ids = set(session_ids) if session_ids is not None else set(invitation.sessions.values_list("pk", flat=True))
    seats.promote_waitlist(ids, outgoing)
    commit([], outgoing)
    return outgoing


# --------------------------------------------------------------------------- organizers: create and edit


def _check_holds(invitation: Invitation, sessions: Sequence[Session], previous: dict | None) -> None:
    """Held seats must be free: under the sessions' locks, the invitation's places fit in each session."""
    if not invitation.holds_seats:
        return
    locked = seats.lock_sessions(s.pk for s in sessions)
    taken = seats.taken_counts(locked)
    if previous and previous["holds"]:
        for session_id in previous["sessions"]:
            taken[session_id] -= previous["places"]
    needed = invitation.places_left
    for session in locked.values():
        left = max(session.capacity - taken[session.pk], 0)
        if left < needed:
            raise NotEligible(
                _("“%(title)s” has %(left)d seats left: the invitation cannot hold %(needed)d.")
                % {"title": session.title, "left": left, "needed": needed}
            )


def _check_invitation(invitation: Invitation, sessions: Sequence[Session]) -> None:
    nomination = invitation.institute_id is not None
    if nomination:
        # An institute's nomination: a personal government invitation for that institute.
        if invitation.stakeholder_type != StakeholderType.GOVERNMENT or invitation.kind != InvitationKind.PERSONAL:
            raise NotEligible(_("A nomination is a personal invitation for a government delegate."))
    elif invitation.stakeholder_type not in GUEST_TYPES:
        raise NotEligible(_("Invitations are for civil society, academia and industry participants."))
    if not invitation.organization.strip():
        raise NotEligible(_("Please give the invitee's organization."))
    rules.check_invitation_sessions(event=invitation.event, sessions=sessions, government=nomination)
    if invitation.kind == InvitationKind.PERSONAL:
        if not invitation.email:
            raise NotEligible(_("A personal invitation needs the invitee's email address."))
        invitation.email = rules.normalize_email(invitation.email)
        invitation.max_uses = 1
        others = Invitation.objects.filter(
            event_id=invitation.event_id, kind=InvitationKind.PERSONAL, email__iexact=invitation.email
        ).exclude(pk=invitation.pk)
        if others.exists():
            raise NotEligible(_("%(email)s already has an invitation to this event.") % {"email": invitation.email})
        delegates = Delegate.objects.filter(event_id=invitation.event_id, email_key=rules.email_key(invitation.email))
        if invitation.pk is None and delegates.exists():
            raise NotEligible(_("%(email)s is already registered for this event.") % {"email": invitation.email})
    elif invitation.email:
        invitation.email = rules.normalize_email(invitation.email)
    if invitation.max_uses < max(invitation.uses, 1):
        raise NotEligible(
            _("The invitation has been used %(n)d times; it cannot allow fewer.") % {"n": invitation.uses}
        )


def check_invitation(*, invitation: Invitation, sessions: Sequence[Session]) -> None:
    """What `create_invitation` and `update_invitation` check, for a form to show before saving
    (the saved row is not changed; the services check again under their locks)."""
    candidate = copy(invitation)
    previous = None
    if invitation.pk is not None:
        saved = Invitation.objects.get(pk=invitation.pk)
        previous = {
            "holds": saved.holds_seats and rules.invitation_live(saved, timezone.now()),
            "places": saved.places_left,
            "sessions": set(saved.sessions.values_list("pk", flat=True)),
        }
        if saved.uses and previous["sessions"] - {s.pk for s in sessions}:
            raise NotEligible(
                _("Someone has registered through this invitation: it cannot stop covering a session they may attend.")
            )
    _check_invitation(candidate, list(sessions))
    _check_holds(candidate, list(sessions), previous)


@transaction.atomic
def create_invitation(*, invitation: Invitation, sessions: Sequence[Session], actor: Actor) -> Invitation:
    """A new invitation (an unsaved instance, e.g. a validated form's) covering these sessions; a draft
    until it is sent."""
    if invitation.pk is not None:
        raise ValueError("create_invitation takes a new invitation")
    sessions = list(sessions)
    _check_invitation(invitation, sessions)
    _check_holds(invitation, sessions, None)
    invitation.status = InvitationStatus.DRAFT
    invitation.created_by = actor.user
    invitation.save()
    invitation.sessions.set(sessions)
    if invitation.holds_seats:
        public_version.seats_changed()
    commit(
        [
            record(
                actor,
                AuditAction.INVITATION_CREATED,
                invitation=invitation,
                to_status=invitation.status,
                sessions=[s.pk for s in sessions],
            )
        ]
    )
    return invitation


# What an organizer may change on an invitation.
EDITABLE_FIELDS = (
    "kind",
    "email",
    "email_domains",
    "name",
    "organization",
    "stakeholder_type",
    "max_uses",
    "holds_seats",
    "pre_approved",
    "expires_at",
    "is_sample",
)
# What is fixed once someone has registered through the invitation.
FIXED_ONCE_USED = ("kind", "email", "stakeholder_type", "organization")


@transaction.atomic
def update_invitation(
    *, invitation: Invitation, changes: dict, sessions: Sequence[Session] | None, actor: Actor
) -> list[str]:
    """Change a live invitation (a validated form's changed values, and its sessions if given).

    Once used, who it is for is fixed and it cannot stop covering a session (its guests' seats
    depend on it). Seats it no longer holds go to the waitlists. Returns the changed field names.
    """
    (locked,) = lock_invitations([invitation.pk])
    if locked.status not in LIVE_INVITATION_STATUSES:
        raise InvalidTransition(
            _("A %(status)s invitation cannot be changed.") % {"status": locked.get_status_display().lower()}
        )
    before_sessions = set(locked.sessions.values_list("pk", flat=True))
    previous = {
        "holds": locked.holds_seats and rules.invitation_live(locked, timezone.now()),
        "places": locked.places_left,
        "sessions": before_sessions,
    }
    changed = {n: v for n, v in changes.items() if n in EDITABLE_FIELDS and getattr(locked, n) != v}
    new_sessions = list(sessions) if sessions is not None else list(locked.sessions.all())
    new_ids = {s.pk for s in new_sessions}
    if locked.uses:
        if set(changed) & set(FIXED_ONCE_USED):
            raise NotEligible(_("Someone has registered through this invitation: who it is for can no longer change."))
        if before_sessions - new_ids:
            raise NotEligible(
                _("Someone has registered through this invitation: it cannot stop covering a session they may attend.")
            )
    for name, value in changed.items():
        setattr(locked, name, value)
    _check_invitation(locked, new_sessions)
    if "expires_at" in changed and locked.expires_at <= timezone.now():
        raise NotEligible(_("The expiry must be in the future."))
    _check_holds(locked, new_sessions, previous)
    fields = sorted(set(changed) | ({"email", "max_uses"} & set(changes)))
    sessions_changed = new_ids != before_sessions
    if not changed and not sessions_changed:
        return []
    locked.save()
    public_version.seats_changed()  # its holds, sessions or expiry may have changed
    if sessions_changed:
        locked.sessions.set(new_sessions)
    commit(
        [
            record(
                actor,
                AuditAction.INVITATION_CHANGED,
                invitation=locked,
                fields=sorted(set(fields) | ({"sessions"} if sessions_changed else set())),
                sessions=sorted(new_ids),
            )
        ]
    )
    if previous["holds"]:
        release_held_seats(locked, before_sessions | new_ids)
    return sorted(set(changed) | ({"sessions"} if sessions_changed else set()))


def end_invitations(
    invitations: list[Invitation],
    to_status: str,
    action: AuditAction,
    actor: Actor,
    now: datetime,
    *,
    reason: str = "",
    **extra,
):
    audit, held = [], set()
    for invitation in invitations:
        previous = invitation.status
        if invitation.holds_seats and rules.invitation_live(invitation, now):
            held.add(invitation.pk)
        move_invitation(invitation, to_status)
        for name, value in extra.items():
            setattr(invitation, name, value)
        audit.append(
            record(actor, action, invitation=invitation, from_status=previous, to_status=to_status, reason=reason)
        )
    Invitation.objects.bulk_update(invitations, ["status", *extra], batch_size=500)
    commit(audit)
    if held:
        public_version.seats_changed()
    if held:
        sessions = set(
            Invitation.sessions.through.objects.filter(invitation_id__in=held).values_list("session_id", flat=True)
        )
        outgoing: list[Outgoing] = []
        seats.promote_waitlist(sessions, outgoing)
        commit([], outgoing)
