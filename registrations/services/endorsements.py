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
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    AuditEntry,
    Delegate,
    EmailKind,
    Endorsement,
    Event,
    FocalPoint,
    Invitation,
    InvitationKind,
    StakeholderType,
)
from registrations.queries.focal_points import (
    account_taken,
    delegates_of,
    digest_entries,
    nominations_sent_since,
    username_for,
)
from registrations.rules.errors import NotEligible, NotFocalPoint
from registrations.services import invitation_sending, invitations, seats
from registrations.services.audit import Actor, commit, record

MAX_REASON_LENGTH = 1000


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


# --------------------------------------------------------------------------- focal points (organizers)


@transaction.atomic
def create_focal_point(
    *, institute, email: str, given_name: str, family_name: str, language: str, actor: Actor
) -> FocalPoint:
    """A new focal point: a non-staff account without a password, and an activation link by email
    (they set a password there and, where two-factor sign-in is on, enroll an authenticator)."""
    email = rules.normalize_email(email)
    username = username_for(email)
    User = get_user_model()
    if account_taken(email):
        raise NotEligible(_("%(email)s already has an account.") % {"email": email})
    user = User(username=username, email=email, first_name=given_name, last_name=family_name, is_staff=False)
    user.set_unusable_password()
    user.save()
    focal_point = FocalPoint.objects.create(user=user, institute=institute, language=language)
    commit(
        [
            record(
                actor,
                AuditAction.FOCAL_POINT_CHANGED,
                to_status="active",
                focal_point=focal_point.pk,
                institute=institute.pk,
                username=username,
            )
        ],
        [(EmailKind.FOCAL_POINT_ACTIVATION, focal_point, {})],
    )
    return focal_point


@transaction.atomic
def update_focal_point(*, focal_point: FocalPoint, is_active: bool, language: str, actor: Actor) -> FocalPoint:
    """Switch a focal point on or off (off ends their portal access at their next request) or change
    their language."""
    locked = FocalPoint.objects.select_for_update(of=("self",)).get(pk=focal_point.pk)
    before = "active" if locked.is_active else "inactive"
    locked.is_active, locked.language = is_active, language
    locked.save(update_fields=["is_active", "language"])
    commit(
        [
            record(
                actor,
                AuditAction.FOCAL_POINT_CHANGED,
                from_status=before,
                to_status="active" if is_active else "inactive",
                focal_point=locked.pk,
                institute=locked.institute_id,
            )
        ]
    )
    return locked


@transaction.atomic
def send_activation(*, focal_point_ids: Iterable[int], actor: Actor) -> int:
    """Send the activation link again (a new link; the account's password is not touched until it is used)."""
    focal_points = list(FocalPoint.objects.filter(pk__in=set(focal_point_ids), is_active=True))
    commit(
        [
            record(actor, AuditAction.FOCAL_POINT_CHANGED, focal_point=f.pk, institute=f.institute_id, link="sent")
            for f in focal_points
        ],
        [(EmailKind.FOCAL_POINT_ACTIVATION, f, {}) for f in focal_points],
    )
    return len(focal_points)


# --------------------------------------------------------------------------- notices (the digest)


@transaction.atomic
def queue_digests(*, now=None) -> int:
    """Queue one digest per active focal point with news since their last one, at most every
    FOCAL_POINT_DIGEST_MINUTES. Idempotent: the window moves forward under the focal point's lock, so
    two workers never send the same news twice."""
    now = now or timezone.now()
    due_before = now - timedelta(minutes=settings.FOCAL_POINT_DIGEST_MINUTES)
    queued = []
    focal_points = (
        FocalPoint.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(is_active=True, user__is_active=True)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=due_before))
        .order_by("pk")
    )
    for focal_point in focal_points:
        since = focal_point.last_digest_at or focal_point.created_at
        if not digest_entries(focal_point, since, now).exists():
            continue
        queued.append(
            (
                EmailKind.FOCAL_POINT_DIGEST,
                focal_point,
                {"since": since.isoformat(), "until": now.isoformat()},
            )
        )
        focal_point.last_digest_at = now
        focal_point.save(update_fields=["last_digest_at"])
    commit([], queued, deliver_now=False)
    return len(queued)


# --------------------------------------------------------------------------- nominations

# How long a nomination may wait at most (it also ends when registration closes).
NOMINATION_VALID_FOR = timedelta(days=30)


def nomination_refusals(*, focal_point: FocalPoint, email: str, off_domain_confirmed: bool, now=None):
    """`rules.nomination_refusals` with this focal point's count of the last 24 hours and institute's
    domains: what the portal's form shows, and what `nominate` raises (the first)."""
    now = now or timezone.now()
    return list(
        rules.nomination_refusals(
            email_key=rules.email_key(email),
            domains=focal_point.institute.domain_list,
            sent_in_last_day=nominations_sent_since(focal_point, now - timedelta(days=1)),
            daily_limit=settings.FOCAL_POINT_NOMINATIONS_PER_DAY,
            off_domain_confirmed=off_domain_confirmed,
        )
    )


@transaction.atomic
def nominate(
    *,
    focal_point: FocalPoint,
    event: Event,
    email: str,
    name: str,
    language: str,
    off_domain_confirmed: bool = False,
    passport_name: str = "",
) -> Invitation:
    """A focal point nominates a colleague: a personal government invitation bound to their institute,
    covering every session, sent at once. The nominee registers through it, endorsed by the
    nomination; the organizers approve them within the institute's quota as any other delegate.
    At most FOCAL_POINT_NOMINATIONS_PER_DAY in 24 hours (the focal point's row is locked first, so two
    at once cannot both pass), and an address off the institute's domains only when confirmed."""
    focal_point = _lock_focal_point(focal_point)
    now = timezone.now()
    if not event.is_registration_open(now):
        raise NotEligible(_("Registration for %(event)s is not open: nobody can be nominated now.") % {"event": event})
    for _field, code, message in nomination_refusals(
        focal_point=focal_point, email=email, off_domain_confirmed=off_domain_confirmed, now=now
    ):
        raise NotEligible(message, code=code)
    actor = Actor.focal_point(focal_point.user)
    invitation = Invitation(
        event=event,
        kind=InvitationKind.PERSONAL,
        email=email,
        name=name.strip(),
        passport_name=" ".join(passport_name.split()),
        organization=focal_point.institute.name,
        stakeholder_type=StakeholderType.GOVERNMENT,
        institute=focal_point.institute,
        nominated_by=focal_point,
        pre_approved=False,
        holds_seats=False,
        expires_at=min(event.registration_closes_at, now + NOMINATION_VALID_FOR),
        language=language or settings.LANGUAGE_CODE,
    )
    invitations.create_invitation(invitation=invitation, sessions=list(event.sessions.all()), actor=actor)
    invitation_sending.send_invitations(invitation_ids=[invitation.pk], actor=actor, now=now)
    commit([record(actor, AuditAction.NOMINATED, invitation=invitation, institute=focal_point.institute_id)])
    return invitation
