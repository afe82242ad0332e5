"""Who changed what: the actor of a change, audit entries and the emails a change causes.

Every state change writes its audit entries and queues its emails through `record`/`commit` in the
same transaction, so a rollback leaves neither behind. Actions and email kinds are the enums of
`registrations.models` (`AuditAction`, `EmailKind`): renaming a status cannot silently change the
audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from registrations.models import ActorKind, AuditAction, AuditEntry
from registrations.services import outbox
from registrations.services.outbox import Outgoing


@dataclass(frozen=True)
class Actor:
    """Who made a change: an organizer (a user), door staff (a user), an institute's focal point (a user),
    the delegate themselves, or the system."""

    kind: str
    user: AbstractBaseUser | None = None

    @classmethod
    def organizer(cls, user) -> Actor:
        return cls(ActorKind.ORGANIZER, user)

    @classmethod
    def delegate(cls) -> Actor:
        return cls(ActorKind.DELEGATE)

    @classmethod
    def door_staff(cls, user) -> Actor:
        return cls(ActorKind.DOOR_STAFF, user)

    @classmethod
    def badge_desk(cls, user) -> Actor:
        """Badge-desk staff, who check an identity document once and activate the badge."""
        return cls(ActorKind.BADGE_DESK, user)

    @classmethod
    def focal_point(cls, user) -> Actor:
        """A focal point acting for their institute in the institute portal."""
        return cls(ActorKind.FOCAL_POINT, user)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return self.kind


def record(
    actor: Actor,
    action: AuditAction,
    *,
    delegate=None,
    session=None,
    event=None,
    invitation=None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    **details,
) -> AuditEntry:
    """An audit entry, not yet saved (`commit` saves a batch of them in one statement)."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit actions are AuditAction values, not {action!r}")
    return AuditEntry(
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_name=actor.name,
        action=action,
        event_id=event.pk
        if event is not None
        else (delegate.event_id if delegate is not None else getattr(invitation, "event_id", None)),
        delegate=delegate,
        invitation=invitation,
        session=session,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details,
    )


def commit(entries: Iterable[AuditEntry], outgoing: Iterable[Outgoing] = (), *, deliver_now: bool = True) -> None:
    """Save audit entries and queue emails in the caller's transaction (emails leave after commit)."""
    entries, outgoing = list(entries), list(outgoing)
    if entries:
        AuditEntry.objects.bulk_create(entries, batch_size=500)
    if outgoing:
        outbox.queue(outgoing, deliver_now=deliver_now)
