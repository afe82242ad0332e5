"""A delegate as organizers create and change them: the same normalization, identity, affiliation and
domain checks as a signup, the institute's quota, and the seats a new type no longer allows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    CancelReason,
    Delegate,
    DelegateStatus,
    EmailKind,
    Endorsement,
    Institute,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.queries.decisions import approved_counts
from registrations.rules.errors import NotEligible, QuotaExceeded
from registrations.services import seats
from registrations.services.audit import Actor, commit, record
from registrations.services.delegates import (
    DELEGATE_DETAIL_FIELDS,
    SELF_EDITABLE_FIELDS,
    check_details,
    email_taken,
    set_email,
)


def check_institute_quota(*, delegate: Delegate, institute: Institute | None) -> None:
    """Refuse moving an approved delegate to an institute whose quota for the event is already used up.

    The delegate, then the institute, are locked (the lock order of every decision) so two edits
    cannot both take the last place. The delegate's row still names their old institute here, so
    the count is of the others.
    """
    if institute is None or delegate.pk is None or delegate.status != DelegateStatus.APPROVED:
        return
    seats.lock_delegates([delegate.pk])
    institute = seats.lock_institutes([institute.pk])[institute.pk]
    refusal = rules.quota_refusal(
        delegate, institute, approved_counts([delegate.event_id], [institute.pk]), joining=True
    )
    if refusal is not None:
        raise QuotaExceeded(refusal)


@transaction.atomic
def create_delegate(*, delegate: Delegate, actor: Actor) -> Delegate:
    """An organizer registers a delegate (an unsaved instance, pending, no sessions yet): the same
    normalization, affiliation and official-domain checks as a signup, audited with the organizer as
    actor. No email is sent: the organizer decides next."""
    if delegate.pk is not None:
        raise ValueError("create_delegate takes a new delegate")
    details = {name: getattr(delegate, name) for name in DELEGATE_DETAIL_FIELDS}
    check_details(details)
    set_email(delegate, delegate.email)
    delegate.status = DelegateStatus.PENDING
    if delegate.is_government:
        delegate.organization = ""
    delegate.email_domain_verified = rules.email_domain_matches(delegate.email, delegate.institute)
    if email_taken(event_id=delegate.event_id, email=delegate.email):
        raise NotEligible(_("A delegate with this email is already registered for this event."))
    delegate.save()
    commit([record(actor, AuditAction.REGISTERED, delegate=delegate, to_status=DelegateStatus.PENDING)])
    return delegate


@dataclass
class DelegateUpdate:
    delegate: Delegate
    changed: list[str]
    cancelled: int = 0  # seats the delegate may no longer hold


# What only an organizer may change, beyond the delegate's own fields.
ORGANIZER_EDITABLE_FIELDS = (
    *SELF_EDITABLE_FIELDS,
    "email",
    "stakeholder_type",
    "institute",
    "consent_data_processing",
    "is_sample",
)


@transaction.atomic
def update_delegate(*, delegate: Delegate, changes: dict, actor: Actor) -> DelegateUpdate:
    """An organizer changes a delegate's details (a validated form's changed values).

    Checked before anything is written: the affiliation, consent, the institute's quota (for an
    approved delegate) and, for an address, that no other delegate of the event has it. Then the
    email domain is verified again and seats the delegate may no longer hold (a government-only
    session after leaving the government type) are cancelled, the delegate told. Audited with the
    names of the fields changed (no personal data in the log).
    """
    (locked,) = seats.lock_delegates([delegate.pk])
    changes = {name: value for name, value in changes.items() if name in ORGANIZER_EDITABLE_FIELDS}
    if "email" in changes:
        changes["email"] = rules.normalize_email(changes["email"])
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return DelegateUpdate(delegate=locked, changed=[])
    after = {name: changed.get(name, getattr(locked, name)) for name in ORGANIZER_EDITABLE_FIELDS}
    if not after["consent_data_processing"] and locked.anonymized_at is None:
        raise NotEligible(
            _(
                "A delegate can only be registered with consent to data processing. If they withdrew it, "
                "withdraw or reject the registration instead."
            )
        )
    rules.check_affiliation(
        stakeholder_type=after["stakeholder_type"], institute=after["institute"], organization=after["organization"]
    )
    if "institute" in changed:
        check_institute_quota(delegate=locked, institute=after["institute"])
    if "email" in changed and email_taken(event_id=locked.event_id, email=after["email"], exclude_pk=locked.pk):
        raise NotEligible(_("A delegate with this email is already registered for this event."))
    if after["stakeholder_type"] == StakeholderType.GOVERNMENT:
        changed["organization"] = ""
    for name, value in changed.items():
        setattr(locked, name, value)
    if "email" in changed:
        set_email(locked, changed["email"])
    locked.email_domain_verified = rules.email_domain_matches(locked.email, locked.institute)
    # Another institute (or type) is another institute's word: an endorsement does not carry over.
    if {"stakeholder_type", "institute"} & set(changed) and locked.endorsement != Endorsement.PENDING:
        locked.endorsement, locked.endorsement_reason, locked.endorsement_at = Endorsement.PENDING, "", None
    locked.save()
    commit([record(actor, AuditAction.DETAILS_CHANGED, delegate=locked, fields=sorted(changed))])
    result = DelegateUpdate(delegate=locked, changed=sorted(changed))
    if {"stakeholder_type", "institute"} & set(changed):
        result.cancelled = _cancel_barred_seats(locked, actor)
    return result


def _cancel_barred_seats(delegate: Delegate, actor: Actor) -> int:
    active = list(
        SessionRegistration.objects.filter(delegate=delegate)
        .exclude(status=SeatStatus.CANCELLED)
        .select_related("session")
    )
    barred = [r for r in active if not rules.may_attend(delegate, r.session)]
    if not barred:
        return 0
    sessions = seats.lock_sessions({r.session_id for r in barred})
    # Read the barred seats again under the session locks: one may have been promoted meanwhile.
    barred = list(
        SessionRegistration.objects.filter(pk__in=[r.pk for r in barred]).exclude(status=SeatStatus.CANCELLED)
    )
    if not barred:
        return 0
    for r in barred:
        r.delegate = delegate
        r.session = sessions[r.session_id]
    _changes, outgoing = seats.release(
        barred,
        actor,
        CancelReason.INELIGIBLE,
        _("Government-only session; the delegate is no longer registered as government."),
    )
    outgoing.append((EmailKind.SEATS_CANCELLED, delegate, {"sessions": [r.session_id for r in barred]}))
    commit([], outgoing)
    return len(barred)
