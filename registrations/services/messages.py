"""Messages from the organizers to a group of delegates, and saved views of the delegate list.

An organizer writes a subject and a body with placeholders, previews it as one recipient will read
it, confirms the number of recipients and sends. `send_message` is one transaction: the message
row, its recipients, one audit entry (who, the filter, the count) and one outbox email per
recipient, rendered at delivery with their own names, sessions and private link (`emails.py`). The
form's idempotency key makes a second submit of the same form a no-op, so nobody gets it twice.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations.models import (
    AuditAction,
    Delegate,
    DelegateMessage,
    EmailKind,
    Event,
    SavedView,
)
from registrations.queries.messages import (
    PLACEHOLDERS,
    recipients,
    unknown_placeholders,
)
from registrations.rules.errors import RegistrationError
from registrations.services.audit import Actor, commit, record

MAX_SUBJECT = 200


class MessageRefused(RegistrationError):
    code = "message"


class GroupChanged(RegistrationError):
    """The group no longer has the number of recipients the organizer confirmed."""

    code = "group_changed"

    def __init__(self, message: str, count: int):
        super().__init__(message)
        self.count = count


def event_of(group: QuerySet[Delegate]) -> Event:
    """The one event a group belongs to; a group across events is refused (placeholders and the
    audit trail are per event)."""
    events = list(Event.objects.filter(pk__in=group.values("event")).order_by("pk")[:2])
    if len(events) != 1:
        if not events:
            raise MessageRefused(_("Nobody to write to: the group is empty."))
        raise MessageRefused(_("The group spans several events. Filter the list by event first."))
    return events[0]


def check_text(*, subject: str, body: str) -> None:
    for field, text in ((_("subject"), subject), (_("message"), body)):
        unknown = unknown_placeholders(text)
        if unknown:
            raise MessageRefused(
                _("Unknown placeholder in the %(field)s: %(names)s. Use %(known)s.")
                % {
                    "field": field,
                    "names": ", ".join("{" + n + "}" for n in unknown),
                    "known": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
                }
            )


@dataclass
class SendResult:
    message: DelegateMessage
    created: bool  # False: this form had already been sent; nothing was queued again


def send_message(
    *,
    actor: Actor,
    group: QuerySet[Delegate],
    subject: str,
    body: str,
    idempotency_key: uuid.UUID,
    scope: dict,
    expected_count: int | None = None,
) -> SendResult:
    """Write `subject`/`body` to every delegate of `group` (less withdrawn and erased): one
    transaction, one audit entry, one outbox email each. A key already used returns its message."""
    check_text(subject=subject, body=body)
    with transaction.atomic():
        existing = DelegateMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return SendResult(existing, created=False)
        event = event_of(group)
        people = list(recipients(group).only("pk", "event_id"))
        if not people:
            raise MessageRefused(_("Nobody to write to: the group is empty."))
        if expected_count is not None and len(people) != expected_count:
            raise GroupChanged(
                ngettext(
                    "The group changed since the preview: it now has %(count)d recipient. Check and confirm again.",
                    "The group changed since the preview: it now has %(count)d recipients. Check and confirm again.",
                    len(people),
                )
                % {"count": len(people)},
                count=len(people),
            )
        try:
            with transaction.atomic():  # a concurrent submit of the same form: one of them wins
                message = DelegateMessage.objects.create(
                    event=event,
                    subject=subject,
                    body=body,
                    idempotency_key=idempotency_key,
                    sent_by=actor.user,
                    sent_by_name=actor.name[:150],
                    scope=scope,
                    recipient_count=len(people),
                )
        except IntegrityError:
            return SendResult(DelegateMessage.objects.get(idempotency_key=idempotency_key), created=False)
        Through = DelegateMessage.recipients.through
        Through.objects.bulk_create(
            [Through(delegatemessage_id=message.pk, delegate_id=d.pk) for d in people], batch_size=1000
        )
        entry = record(
            actor,
            AuditAction.MESSAGE_SENT,
            event=event,
            reason=subject,
            message=message.pk,
            filter=scope,
            count=len(people),
        )
        commit([entry], [(EmailKind.ORGANIZER_MESSAGE, d, {"message": message.pk}) for d in people])
    return SendResult(message, created=True)


# --------------------------------------------------------------------------- saved views

# The delegate changelist's own parameters that a saved view may carry (filters, search, order).
SAVED_VIEW_PARAMS = re.compile(
    r"^(q|o|session|seat|tier|domain|institute__id__exact|institute__isnull|event__id__exact"
    r"|(status|stakeholder_type|endorsement|needs_visa_letter|language|is_sample)__(exact|isnull)"
    r"|created_at__(gte|lt|day|month|year))$"
)


def clean_querystring(value: str) -> str:
    """A delegate changelist querystring, from a pasted address or a bare querystring; refused if it
    names anything the delegate list does not filter on."""
    value = (value or "").strip()
    if "://" in value or value.startswith("/"):  # a pasted address
        parts = urlsplit(value)
        if not parts.path.rstrip("/").endswith("/registrations/delegate"):
            raise MessageRefused(
                _("Save a filter of the delegate list: its address ends with /registrations/delegate/.")
            )
        value = parts.query
    value = value.lstrip("?")
    pairs = parse_qsl(value, keep_blank_values=True)
    if not pairs:
        raise MessageRefused(_("Filter the delegate list first: this view would show everyone."))
    bad = sorted({key for key, _value in pairs if not SAVED_VIEW_PARAMS.match(key)})
    if bad:
        raise MessageRefused(_("Not a filter of the delegate list: %(names)s.") % {"names": ", ".join(bad)})
    return urlencode(pairs)


def save_view(*, owner, name: str, querystring: str, shared: bool = False) -> SavedView:
    """Save (or replace) the owner's view called `name`."""
    name = (name or "").strip()
    if not name:
        raise MessageRefused(_("Give the view a name."))
    cleaned = clean_querystring(querystring)
    view, _created = SavedView.objects.update_or_create(
        owner=owner, name=name[:100], defaults={"querystring": cleaned, "shared": shared}
    )
    return view


def saved_views_for(user) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner").order_by("name", "pk")


def delete_views(*, user, views: QuerySet[SavedView]) -> int:
    """Delete the user's own views among `views` (a shared view is its owner's to delete)."""
    deleted, _by_model = views.filter(owner=user).delete()
    return deleted
