"""A delegate's own data and the participant list: what self-service shows, what the GDPR access
request returns, and the anonymous counts the retention purge keeps."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from registrations.models import (
    PERSONAL_DATA_FIELDS,
    VISA_DATA_FIELDS,
    AuditEntry,
    Delegate,
    DelegateStatus,
    Event,
    OutboundEmail,
    ParticipantListVisibility,
    SeatStatus,
    SessionRegistration,
    VisaRequest,
)
from registrations.queries import messages
from registrations.queries.seats import delegate_registrations


def participant_list_visible(event: Event, delegate: Delegate | None = None) -> bool:
    """Whether the event's participant list may be shown: to anyone, or to a delegate through their link.

    Through a link it is shown to approved delegates only: anyone can register, and a pending
    registration has not been vetted to see who the government delegates are.
    """
    if event.participant_list_visibility == ParticipantListVisibility.PUBLIC:
        return True
    if event.participant_list_visibility == ParticipantListVisibility.LINK_ONLY:
        return delegate is not None and delegate.status == DelegateStatus.APPROVED
    return False


def participant_list(event: Event) -> list[Delegate]:
    """Approved delegates who agreed to be listed, by family name: only their name and affiliation are read."""
    return list(
        event.delegates.filter(
            status=DelegateStatus.APPROVED, consent_participant_list=True, anonymized_at__isnull=True
        )
        .select_related("institute")
        .only(
            "event",
            "given_name",
            "family_name",
            "stakeholder_type",
            "organization",
            "institute__name",
            "institute__member",
        )
        .order_by("family_name", "given_name", "pk")
    )


def delegate_personal_data(delegate: Delegate) -> dict:
    """Everything held about one delegate, for their "download my data" file (GDPR access right).

    Organizers' user names are left out: they are the organizers' data, not the delegate's. Times
    are in the venue's zone (`event.time_zone`), as on the agenda, with their offset.
    """
    event = delegate.event
    registrations = delegate_registrations(delegate)
    tz = event.tz

    def local(moment):
        return moment.astimezone(tz) if moment is not None else None

    return {
        "generated_at": local(timezone.now()),
        "event": {
            "name": event.name,
            "venue": event.venue,
            "address": event.address,
            "time_zone": event.time_zone,
            "starts_on": event.starts_on,
            "ends_on": event.ends_on,
            "personal_data_kept_until": local(event.retention_ends_at),
        },
        "delegate": {
            "public_id": delegate.public_id,
            **{name: _personal_value(delegate, name) for name in PERSONAL_DATA_FIELDS},
            # The photo itself is on the status page; here, when it was added.
            "photo_added_at": local(delegate.photo_added_at) if delegate.photo_added_at else None,
            "identity_checked_at": local(delegate.identity_checked_at) if delegate.identity_checked_at else None,
            "identity_document": delegate.identity_document,
            "stakeholder_type": delegate.stakeholder_type,
            "institute": str(delegate.institute) if delegate.institute_id else None,
            "language": delegate.language,
            "status": delegate.status,
            "endorsement": delegate.endorsement,
            "email_domain_verified": delegate.email_domain_verified,
            "registered_at": local(delegate.created_at),
            "updated_at": local(delegate.updated_at),
        },
        "session_registrations": [
            {
                "session": r.session.title,
                "starts_at": local(r.session.starts_at),
                "ends_at": local(r.session.ends_at),
                "room": r.session.room,
                "access_tier": r.session.access_tier,
                "status": r.status,
                "cancel_reason": r.cancel_reason,
                "requested_at": local(r.requested_at),
                "waitlist_position": r.position if r.status == SeatStatus.WAITLISTED else None,
            }
            for r in registrations
        ],
        "audit_trail": [
            {
                "at": local(entry.created_at),
                "by": entry.actor_kind,
                "action": entry.action,
                "session": entry.session.title if entry.session_id else None,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "reason": entry.reason,
                "details": entry.details,
            }
            for entry in AuditEntry.objects.filter(delegate=delegate)
            .select_related("session")
            .order_by("created_at", "pk")
        ],
        "emails": [
            {
                "kind": email.kind,
                "status": email.status,
                "queued_at": local(email.created_at),
                "sent_at": local(email.sent_at),
            }
            for email in OutboundEmail.objects.filter(delegate=delegate).order_by("created_at", "pk")
        ],
        "messages_from_the_organizers": _messages_received(delegate, registrations),
        # Where and when a door let them in (door staff's user names left out, as organizers' are).
        "check_ins": [
            {
                "session": check_in.session.title if check_in.session_id else None,
                "door": check_in.door,
                "at": check_in.scanned_at,
                "offline": check_in.offline,
                "undone_at": check_in.undone_at,
                "why_undone": check_in.undo_reason,
            }
            for check_in in delegate.check_ins.select_related("session").order_by("scanned_at", "pk")
        ],
        "visa_letter_request": _visa_request(delegate),
    }


def _visa_request(delegate: Delegate) -> dict | None:
    """Their visa-letter request with the passport details they gave (decrypted: they are theirs)."""
    visa = VisaRequest.objects.filter(delegate=delegate).first()
    if visa is None:
        return None
    return {
        "status": visa.status,
        "requested_at": visa.requested_at,
        "issued_at": visa.issued_at,
        "revoked_at": visa.revoked_at,
        "passport_details_erased_at": visa.erased_at,
        "name_as_in_the_passport": visa.passport_name,
        **{name: getattr(visa, name) for name in VISA_DATA_FIELDS},
    }


def _messages_received(delegate: Delegate, registrations: list) -> list[dict]:
    """The organizers' group messages to this delegate, as written to them (their private link
    itself is left out of the file)."""

    values = messages.placeholder_values(delegate, registrations, status_link="[your private link]")
    return [
        {
            "sent_at": message.created_at,
            "subject": messages.personalize(message.subject, values),
            "body": messages.personalize(message.body, values),
        }
        for message in delegate.messages_received.order_by("created_at", "pk")
    ]


def _personal_value(delegate: Delegate, name: str):
    value = getattr(delegate, name)
    return value.code or "" if name == "country" else value


def registration_counts(event: Event) -> dict:
    """Anonymous counts of an event's registrations: what the retention purge keeps."""
    delegates = Delegate.objects.filter(event=event).order_by()
    by_session: dict[str, dict[str, int]] = {}
    for session_id, title, status, n in (
        SessionRegistration.objects.filter(session__event=event)
        .order_by()
        .values_list("session_id", "session__title", "status")
        .annotate(n=Count("pk"))
    ):
        by_session.setdefault(f"{title} (#{session_id})", {})[status] = n
    return {
        "delegates": delegates.count(),
        "by_status": dict(delegates.values_list("status").annotate(n=Count("pk"))),
        "by_stakeholder_type": dict(delegates.values_list("stakeholder_type").annotate(n=Count("pk"))),
        "by_institute": dict(
            delegates.filter(institute__isnull=False).values_list("institute__iso_code").annotate(n=Count("pk"))
        ),
        "by_session": by_session,
    }
