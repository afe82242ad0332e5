"""Visa support letters: a delegate's request, the organizers' decisions, revocation and erasure.

Each public function is one transaction with its audit entries and emails. The passport details are
encrypted at rest (`models.encrypted`) and never written to the audit trail, an email's context or a
log line: the audit says *that* a request was made or decided, not what it held. They are erased
when the letter's use ends: the delegate withdraws or is rejected (`end_for_delegates`, called by
`services.decisions`), the retention purge and an erasure (`services.retention`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    VISA_DATA_FIELDS,
    AuditAction,
    AuditEntry,
    Delegate,
    EmailKind,
    VisaRequest,
    VisaStatus,
)
from registrations.rules import documents
from registrations.rules.errors import InvalidTransition, RegistrationError
from registrations.services import seats
from registrations.services.audit import Actor, commit, record

MAX_REASON_LENGTH = 2000


class IncompleteVisaRequest(RegistrationError):
    code = "incomplete_visa_request"

    def __init__(self, message: str, field_name: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class VisaResult:
    done: list[VisaRequest] = field(default_factory=list)
    refused: list[tuple[VisaRequest, str]] = field(default_factory=list)


@transaction.atomic
def request_visa_letter(*, delegate: Delegate, details: dict, actor: Actor) -> VisaRequest:
    """Ask for a visa support letter, or correct a pending request: the passport name goes on the
    delegate, the rest (encrypted) on the request. Refused once a letter is issued."""
    (locked,) = seats.lock_delegates([delegate.pk])
    if not rules.is_active(locked):
        raise InvalidTransition(_("This registration can no longer be changed."))
    details = {**details, "passport_number": documents.normalize_passport_number(details.get("passport_number", ""))}
    for name, message in documents.visa_request_refusals(
        details, event_ends_on=locked.event.ends_on, today=timezone.localdate()
    ):
        raise IncompleteVisaRequest(message, name)
    visa = VisaRequest.objects.select_for_update().filter(delegate=locked).first()
    if visa is not None and visa.status in (VisaStatus.ISSUED, VisaStatus.REVOKED):
        raise InvalidTransition(_("Your letter has been issued: write to the organizers to change it."))
    from_status = visa.status if visa is not None else ""
    visa = visa or VisaRequest(delegate=locked)
    for name in VISA_DATA_FIELDS:
        value = details[name]
        setattr(visa, name, value.isoformat() if hasattr(value, "isoformat") else str(value).strip())
    visa.status, visa.decision_reason, visa.requested_at, visa.erased_at = (
        VisaStatus.REQUESTED,
        "",
        timezone.now(),
        None,
    )
    visa.passport_name = details["passport_name"]
    visa.save()
    changed = ["passport_name"] if locked.passport_name != details["passport_name"] else []
    locked.passport_name = details["passport_name"]
    locked.needs_visa_letter = True
    if rules.activation_voided(locked, changed):  # the badge desk checked the old spelling
        locked.badge_activated_version = None
    locked.save(update_fields=["passport_name", "needs_visa_letter", "badge_activated_version", "updated_at"])
    commit(
        [
            record(
                actor,
                AuditAction.VISA_LETTER_REQUESTED,
                delegate=locked,
                from_status=from_status,
                to_status=VisaStatus.REQUESTED,
            )
        ]
    )
    return visa


def _lock(request_ids: Iterable[int]) -> list[VisaRequest]:
    ids = set(request_ids)
    delegate_ids = VisaRequest.objects.filter(pk__in=ids).values_list("delegate_id", flat=True)
    delegates = {d.pk: d for d in seats.lock_delegates(delegate_ids)}  # the lock order: delegates first
    requests = list(VisaRequest.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for visa in requests:
        visa.delegate = delegates[visa.delegate_id]
    return requests


def _decide(request_ids, to_status: str, actor: Actor, reason: str = "") -> tuple[VisaResult, list[AuditEntry]]:
    result, audit = VisaResult(), []
    action = {
        VisaStatus.ISSUED: AuditAction.VISA_LETTER_ISSUED,
        VisaStatus.DECLINED: AuditAction.VISA_LETTER_DECLINED,
        VisaStatus.REVOKED: AuditAction.VISA_LETTER_REVOKED,
    }[to_status]
    now = timezone.now()
    for visa in _lock(request_ids):
        refusal = documents.visa_decision_refusal(visa.delegate.status, visa.status, to_status)
        if refusal is not None:
            result.refused.append((visa, refusal))
            continue
        audit.append(
            record(actor, action, delegate=visa.delegate, from_status=visa.status, to_status=to_status, reason=reason)
        )
        visa.status = to_status
        if to_status == VisaStatus.ISSUED:
            visa.issued_at, visa.decision_reason = now, ""
        elif to_status == VisaStatus.REVOKED:
            visa.revoked_at = now
        else:
            visa.decision_reason = reason
        result.done.append(visa)
    VisaRequest.objects.bulk_update(result.done, ["status", "issued_at", "revoked_at", "decision_reason"])
    return result, audit


@transaction.atomic
def issue_visa_letters(*, request_ids: Iterable[int], actor: Actor) -> VisaResult:
    """Issue the letters of approved delegates; each is emailed theirs, signed, in their language."""
    result, audit = _decide(request_ids, VisaStatus.ISSUED, actor)
    commit(audit, [(EmailKind.VISA_LETTER_ISSUED, visa.delegate, {}) for visa in result.done])
    return result


@transaction.atomic
def decline_visa_letters(*, request_ids: Iterable[int], actor: Actor, reason: str) -> VisaResult:
    """Decline requests with a reason, which the delegate is emailed."""
    reason = reason.strip()[:MAX_REASON_LENGTH]
    result, audit = _decide(request_ids, VisaStatus.DECLINED, actor, reason)
    commit(audit, [(EmailKind.VISA_LETTER_DECLINED, visa.delegate, {"reason": reason}) for visa in result.done])
    return result


@transaction.atomic
def revoke_visa_letters(*, request_ids: Iterable[int], actor: Actor, reason: str = "") -> VisaResult:
    """Revoke issued letters: the verification page says "revoked" from now on."""
    result, audit = _decide(request_ids, VisaStatus.REVOKED, actor, reason.strip()[:MAX_REASON_LENGTH])
    commit(audit)
    return result


def erase_visa_data(requests: list[VisaRequest], now=None) -> None:
    """Empty the passport details of these requests (the caller holds their rows)."""
    now = now or timezone.now()
    for visa in requests:
        for name in (*VISA_DATA_FIELDS, "passport_name"):
            setattr(visa, name, "")
        visa.erased_at = now
    VisaRequest.objects.bulk_update(requests, [*VISA_DATA_FIELDS, "passport_name", "erased_at"], batch_size=500)


def end_for_delegates(delegates: list[Delegate], actor: Actor) -> list[AuditEntry]:
    """The delegates withdrew or were rejected (their rows locked by the caller): issued letters are
    revoked, every request's passport details erased. The audit entries, for the caller to commit."""
    requests = list(
        VisaRequest.objects.select_for_update().filter(delegate__in=delegates, erased_at__isnull=True).order_by("pk")
    )
    by_id = {d.pk: d for d in delegates}
    audit, now = [], timezone.now()
    for visa in requests:
        delegate = by_id[visa.delegate_id]
        if visa.status == VisaStatus.ISSUED:
            audit.append(
                record(
                    actor,
                    AuditAction.VISA_LETTER_REVOKED,
                    delegate=delegate,
                    from_status=VisaStatus.ISSUED,
                    to_status=VisaStatus.REVOKED,
                )
            )
            visa.status, visa.revoked_at = VisaStatus.REVOKED, now
        audit.append(record(actor, AuditAction.VISA_DATA_ERASED, delegate=delegate))
    VisaRequest.objects.bulk_update(requests, ["status", "revoked_at"])
    erase_visa_data(requests, now)
    return audit


def erase_for_event(event) -> int:
    """The retention purge: every request of the event loses its passport details (letters stay
    verifiable as revoked)."""
    requests = list(VisaRequest.objects.select_for_update().filter(delegate__event=event).order_by("pk"))
    now = timezone.now()
    for visa in requests:
        if visa.status == VisaStatus.ISSUED:
            visa.status, visa.revoked_at = VisaStatus.REVOKED, now
    VisaRequest.objects.bulk_update(requests, ["status", "revoked_at"])
    erase_visa_data(requests, now)
    return len(requests)


ENCRYPTED_FIELDS = ("nationality", "passport_number", "passport_expiry", "date_of_birth", "consulate")


@transaction.atomic
def reencrypt_visa_data() -> int:
    """Re-encrypt every request's passport details with the first key of VISA_DATA_KEYS (after a new
    key was put first); the old keys can then be removed. Returns how many requests."""
    requests = list(VisaRequest.objects.select_for_update().order_by("pk"))
    VisaRequest.objects.bulk_update(requests, ENCRYPTED_FIELDS, batch_size=500)  # read decrypted, written encrypted
    return len(requests)
