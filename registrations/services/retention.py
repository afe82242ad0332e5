"""Personal data over time: the retention purge and erasure at a delegate's request (GDPR).

What counts as personal data is one list, `models.PERSONAL_DATA_FIELDS`: the purge empties exactly
those fields, and "download my data" returns them. Copies elsewhere go too (`forget`): the admin's
change history (Django writes the delegate's name into `django_admin_log`), audit entries (the
delegate's own, and exports whose search or file name could name them), the outbox, lost-link
requests, login lockout records under their address, admin messages waiting in a session, and
the passport details of a visa-letter request (`services.visa`; an erasure deletes the request).
Cached pages hold no personal data (the agenda and signup form are the same for everyone; the
rate-limit counters are keyed by a hash).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as WebSession
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    PERSONAL_DATA_FIELDS,
    AuditAction,
    AuditEntry,
    Delegate,
    EmailStatus,
    Event,
    Invitation,
    InvitationKind,
    LostLinkRequest,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    new_link_secret,
)
from registrations.queries.personal_data import registration_counts
from registrations.rules.errors import RetentionNotOver
from registrations.services import photos, public_version, seats, visa
from registrations.services.audit import Actor, commit, record

ERASED_EMAIL_DOMAIN = "erased.invalid"
# What the admin's history says of a delegate once their data is gone (and of any delegate deleted).
ERASED_REPR = "Erased delegate"
ERASED_INVITATION_REPR = "Erased invitation"
# What an export's audit entry keeps of a search or file name that could name someone.
REDACTED = "[redacted]"
# Values shorter than this are not searched for in free text (they would match everywhere).
MIN_VALUE_LENGTH = 3


@dataclass
class PurgeResult:
    erased: int
    already_erased: int
    counts: dict


def erased_value(delegate: Delegate, name: str):
    """What an erased delegate's field holds: empty, false, or for the email a unique placeholder."""
    if name == "email":
        return f"erased-{delegate.public_id.hex}@{ERASED_EMAIL_DOMAIN}"
    if name == "email_key":
        return rules.email_key(erased_value(delegate, "email"))
    field = Delegate._meta.get_field(name)
    return False if isinstance(field, models.BooleanField) else ""


@transaction.atomic
def purge_personal_data(*, event: Event, actor: Actor, now=None) -> PurgeResult:
    """Anonymize every delegate of an event whose retention period is over; keep only counts.

    Delegate rows and their session registrations stay, with status, stakeholder type, institute and
    sessions, so the counts per institute, stakeholder type and session survive. Every personal
    field is emptied, the email becomes a unique placeholder, the private link is revoked, and the
    personal data in the outbox and in the audit trail of these delegates is cleared. The purge
    itself is recorded in the audit trail with the counts it kept.
    """
    now = now or timezone.now()
    if now < event.retention_ends_at:
        raise RetentionNotOver(
            _("The retention period of %(event)s ends on %(date)s; its personal data is kept until then.")
            % {"event": event, "date": event.retention_ends_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M %Z")}
        )

    delegates = list(Delegate.objects.select_for_update().filter(event=event).order_by("pk"))
    to_erase = [d for d in delegates if d.anonymized_at is None]
    forget(to_erase)
    photos.erase(to_erase)
    for delegate in to_erase:
        for name in (*PERSONAL_DATA_FIELDS, "email_key"):
            setattr(delegate, name, erased_value(delegate, name))
        delegate.link_secret = new_link_secret()
        delegate.anonymized_at = now
        delegate.updated_at = now
    Delegate.objects.bulk_update(
        to_erase, [*PERSONAL_DATA_FIELDS, "email_key", "link_secret", "anonymized_at", "updated_at"], batch_size=500
    )
    outbox = OutboundEmail.objects.filter(delegate__event=event)
    outbox.filter(status=EmailStatus.PENDING).update(status=EmailStatus.FAILED)
    outbox.update(context={}, last_error="")
    AuditEntry.objects.filter(delegate__event=event).update(reason="", details={})
    LostLinkRequest.objects.filter(event=event).delete()
    visa.erase_for_event(event)
    _erase_invitees(event)
    counts = registration_counts(event)
    already_erased = len(delegates) - len(to_erase)
    commit(
        [
            record(
                actor,
                AuditAction.PERSONAL_DATA_PURGED,
                event=event,
                erased=len(to_erase),
                already_erased=already_erased,
                counts=counts,
            )
        ]
    )
    return PurgeResult(erased=len(to_erase), already_erased=already_erased, counts=counts)


def _erase_invitees(event: Event) -> None:
    """Invitations keep their counts (kind, type, sessions, status) and lose who they were for."""
    _erase_invitations(Invitation.objects.filter(event=event))


def _erase_invitations(invitations) -> None:
    """These invitations lose who they were for (name, address, link), and so do their emails."""
    invitations = list(invitations.select_for_update().order_by("pk"))
    for invitation in invitations:
        invitation.name = invitation.passport_name = ""
        invitation.email = f"erased-{invitation.public_id.hex}@{ERASED_EMAIL_DOMAIN}" if invitation.is_personal else ""
        invitation.secret = new_link_secret()
    Invitation.objects.bulk_update(invitations, ["name", "passport_name", "email", "secret"], batch_size=500)
    invitee_mail = OutboundEmail.objects.filter(invitation__in=invitations)
    invitee_mail.filter(status=EmailStatus.PENDING).update(status=EmailStatus.FAILED)
    invitee_mail.update(context={}, last_error="")
    AuditEntry.objects.filter(invitation__in=invitations).update(reason="")
    content_type = ContentType.objects.get_for_model(Invitation, for_concrete_model=False)
    LogEntry.objects.filter(content_type=content_type, object_id__in=[str(i.pk) for i in invitations]).update(
        object_repr=ERASED_INVITATION_REPR, change_message=""
    )


@transaction.atomic
def erase_delegates(*, delegate_ids: Iterable[int], actor: Actor, reason: str = "") -> int:
    """Delete delegates at an organizer's request (e.g. a GDPR erasure request).

    Their seats are freed and the waitlists move up first; the audit trail keeps who erased how
    many, and no personal data. Returns how many were erased.
    """
    delegates = seats.lock_delegates(delegate_ids)
    if not delegates:
        return 0
    by_id = {d.pk: d for d in delegates}
    active = list(SessionRegistration.objects.filter(delegate_id__in=by_id).exclude(status=SeatStatus.CANCELLED))
    sessions = seats.lock_sessions({r.session_id for r in active})
    freed = {r.session_id for r in active if r.status == SeatStatus.CONFIRMED}
    events = {d.event_id: d.event for d in delegates}
    # Their audit entries stay (who decided what, when) but lose what could name the person.
    AuditEntry.objects.filter(delegate_id__in=by_id).update(reason="", details={})
    # A personal invitation holds their name and address too (a code for an organization does not).
    _erase_invitations(Invitation.objects.filter(delegates__in=by_id, kind=InvitationKind.PERSONAL))
    forget(delegates)
    photos.erase(delegates)
    Delegate.objects.filter(pk__in=by_id).delete()  # their check-ins, seats and emails go with them
    public_version.seats_changed()
    outgoing: list = []
    seats.promote_waitlist(freed, outgoing)
    commit(
        [
            record(
                actor,
                AuditAction.ERASED,
                event=event,
                reason=reason,
                delegates=sum(d.event_id == event.pk for d in delegates),
                sessions_freed=sorted(s for s in freed if sessions[s].event_id == event.pk),
            )
            for event in events.values()
        ],
        outgoing,
    )
    return len(delegates)


# --------------------------------------------------------------------------- copies elsewhere


def personal_values(delegates: Iterable[Delegate]) -> set[str]:
    """The delegates' personal text values (names, address, organization ...) worth searching for."""
    values: set[str] = set()
    for delegate in delegates:
        texts = [delegate.full_name, delegate.email, delegate.email_key]
        texts += [getattr(delegate, name) for name in PERSONAL_DATA_FIELDS]
        values.update(t for t in texts if isinstance(t, str) and len(t.strip()) >= MIN_VALUE_LENGTH)
    return values


def forget(delegates: list[Delegate]) -> None:
    """Remove the copies of these delegates' personal data outside their own row (see the module's
    docstring), in the caller's transaction, before their row is emptied or deleted."""
    if not delegates:
        return
    values = personal_values(delegates)
    content_type = ContentType.objects.get_for_model(Delegate, for_concrete_model=False)
    LogEntry.objects.filter(content_type=content_type, object_id__in=[str(d.pk) for d in delegates]).update(
        object_repr=ERASED_REPR, change_message=""
    )
    LostLinkRequest.objects.filter(email_key__in={d.email_key for d in delegates}).delete()
    _scrub_export_entries(values)
    _forget_lockouts({d.email for d in delegates} | {d.email_key for d in delegates})
    _scrub_sessions(values)


def mentions(text: str, values: set[str]) -> bool:
    folded = text.casefold()
    return any(value.casefold() in folded for value in values)


def has_search_text(details: dict) -> bool:
    """Whether an export's audit details carry a free-text search (`q`) that is not yet redacted."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "q" and value not in ("", REDACTED):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(details)
    return bool(found)


def redact_search(node):
    """Filters (or audit details) with every free-text search (`q`) replaced by a marker: an
    organizer's search is typically a name, and the audit trail keeps only that there was one."""
    if isinstance(node, dict):
        return {key: (REDACTED if key == "q" and value != "" else redact_search(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [redact_search(item) for item in node]
    return node


def redact_export_details(details: dict) -> dict:
    """An export's audit details without anything typed or derived from data: filter keys stay."""
    kept = redact_search(details)
    for key in ("scope", "file"):
        if key in kept:
            kept[key] = REDACTED
    return kept


def _scrub_export_entries(values: set[str]) -> None:
    """Export entries that searched for text (entries written before searches were redacted) or
    whose text names one of these delegates lose their search, scope and file name."""
    scrubbed = []
    for entry in AuditEntry.objects.filter(action=AuditAction.EXPORT).only("pk", "reason", "details").iterator():
        text = entry.reason + json.dumps(entry.details, ensure_ascii=False)
        if has_search_text(entry.details) or mentions(text, values):
            entry.details = redact_export_details(entry.details)
            entry.reason = _("Export (details redacted when personal data was erased)")
            scrubbed.append(entry)
    AuditEntry.objects.bulk_update(scrubbed, ["reason", "details"], batch_size=500)


def _forget_lockouts(addresses: set[str]) -> None:
    """Login failures recorded under a delegate's address (django-axes), e.g. someone trying it on
    the admin login."""

    if not addresses:
        return
    match = Q()
    for address in addresses:
        match |= Q(username__iexact=address)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(match).delete()


def _scrub_sessions(values: set[str]) -> None:
    """Admin messages naming a delegate ("The delegate “…” was changed") that wait in a stored
    session (Django keeps messages there when they overflow the cookie)."""
    for stored in WebSession.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = stored.get_decoded()
        if "_messages" in data and mentions(_messages_text(data["_messages"]), values):
            del data["_messages"]
            stored.session_data = WebSession.objects.encode(data)
            stored.save(update_fields=["session_data"])


def _messages_text(stored) -> str:
    """The stored messages as readable text (the session keeps them as JSON with escaped letters)."""
    text = json.dumps(stored, ensure_ascii=False)
    if isinstance(stored, str):
        try:
            text += json.dumps(json.loads(stored), ensure_ascii=False)
        except ValueError:
            pass
    return text
