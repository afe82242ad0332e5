"""Institutes' focal points: endorsing or declining their government delegates, and the organizers'
override.

Where an event requires it (`Event.endorsement_required`), a government delegate is approved only
once a focal point of their institute has endorsed them (`rules.endorsement_refusal`, asked by
`decisions.approve_delegates`). A decline is the institute's recommendation: it shows to the
organizers, who keep the last word (they reject, using its reason, or override). Each write is one
transaction that locks the delegates (the same lock as the decisions, so a focal point's decline and
an organizer's approval of the same delegate are serialized) and writes an audit entry per change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditAction, AuditEntry, Delegate, Endorsement, FocalPoint, StakeholderType
from . import rules, seats
from .audit import Actor, commit, record
from .errors import NotEligible, NotFocalPoint

MAX_REASON_LENGTH = 1000


def delegates_of(focal_point: FocalPoint) -> QuerySet[Delegate]:
    """The delegates a focal point may see and act on: their institute's government delegates only."""
    return Delegate.objects.filter(
        institute_id=focal_point.institute_id, stakeholder_type=StakeholderType.GOVERNMENT, anonymized_at__isnull=True
    )


def active_focal_point(user) -> FocalPoint | None:
    """The user's focal point if it may act now (an active account and an active focal point), else None."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return None
    focal_point = FocalPoint.objects.select_related("institute").filter(user=user, is_active=True).first()
    return focal_point


@dataclass
class EndorsementResult:
    done: list[Delegate] = field(default_factory=list)
    refused: list[tuple[Delegate, str]] = field(default_factory=list)


def _lock_focal_point(focal_point: FocalPoint) -> FocalPoint:
    """The focal point, re-read under a lock: deactivation ends their access even mid-request."""
    locked = (
        FocalPoint.objects.select_for_update(of=("self",))
        .select_related("user", "institute")
        .filter(pk=focal_point.pk, is_active=True, user__is_active=True)
        .first()
    )
    if locked is None:
        raise NotFocalPoint(_("This focal point account is not active."))
    return locked


def _set(
    *, focal_point: FocalPoint, delegate_ids: Iterable[int], to: str, action: AuditAction, reason: str
) -> EndorsementResult:
    focal_point = _lock_focal_point(focal_point)
    actor = Actor.focal_point(focal_point.user)
    scope = set(delegates_of(focal_point).filter(pk__in=set(delegate_ids)).values_list("pk", flat=True))
    result, audit = EndorsementResult(), []
    for delegate in seats.lock_delegates(scope):
        if not rules.may_endorse(delegate):
            result.refused.append((delegate, rules.endorsement_move_refusal(delegate)))
            continue
        if delegate.endorsement == to and delegate.endorsement_reason == reason:
            result.done.append(delegate)
            continue
        audit.append(
            record(
                actor,
                action,
                delegate=delegate,
                from_status=delegate.endorsement,
                to_status=to,
                reason=reason,
                institute=focal_point.institute_id,
            )
        )
        delegate.endorsement, delegate.endorsement_reason = to, reason
        result.done.append(delegate)
    changed = [entry.delegate_id for entry in audit]
    if changed:
        Delegate.objects.filter(pk__in=changed).update(
            endorsement=to, endorsement_reason=reason, endorsement_at=timezone.now(), updated_at=timezone.now()
        )
        commit(audit)
    return result


@transaction.atomic
def endorse(*, focal_point: FocalPoint, delegate_ids: Iterable[int]) -> EndorsementResult:
    """The focal point endorses pending government delegates of their institute (ids outside it are ignored)."""
    return _set(
        focal_point=focal_point,
        delegate_ids=delegate_ids,
        to=Endorsement.ENDORSED,
        action=AuditAction.ENDORSED,
        reason="",
    )


@transaction.atomic
def decline(*, focal_point: FocalPoint, delegate_ids: Iterable[int], reason: str) -> EndorsementResult:
    """The focal point declines to endorse: a recommendation, with a reason, that the organizers act on."""
    reason = (reason or "").strip()
    if not reason:
        raise NotEligible(_("Please give a reason for declining: the organizers and the delegate's file show it."))
    if len(reason) > MAX_REASON_LENGTH:
        raise NotEligible(_("Please keep the reason under %(n)d characters.") % {"n": MAX_REASON_LENGTH})
    return _set(
        focal_point=focal_point,
        delegate_ids=delegate_ids,
        to=Endorsement.DECLINED,
        action=AuditAction.ENDORSEMENT_DECLINED,
        reason=reason,
    )


def override(delegates: list[Delegate], actor: Actor, reason: str) -> list[AuditEntry]:
    """Mark locked delegates approved without endorsement (called by `decisions.approve_delegates` in its
    transaction); returns the audit entries to commit with the approval."""
    audit = [
        record(
            actor,
            AuditAction.ENDORSEMENT_OVERRIDDEN,
            delegate=d,
            from_status=d.endorsement,
            to_status=Endorsement.OVERRIDDEN,
            reason=reason,
        )
        for d in delegates
    ]
    for d in delegates:
        d.endorsement, d.endorsement_reason = Endorsement.OVERRIDDEN, reason
    Delegate.objects.filter(pk__in=[d.pk for d in delegates]).update(
        endorsement=Endorsement.OVERRIDDEN, endorsement_reason=reason, endorsement_at=timezone.now()
    )
    return audit
