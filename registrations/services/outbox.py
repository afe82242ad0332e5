"""The outbox: the emails a change causes, written as rows in that change's own transaction.

`queue` writes OutboundEmail rows; nothing is rendered here. When the transaction commits, small
batches (`EMAIL_SEND_AFTER_COMMIT_MAX`) are handed at once to the sender that
`EMAIL_OUTBOX_SENDER` names (`registrations.outputs.emails.deliver`, which renders and sends them);
larger ones are left to `manage.py send_queued_emails`, which also retries failures with backoff.
A rollback never sends a mail, and a mail outage never undoes a decision: the row stays pending
until a delivery succeeds. The sender is named by a setting, as Django names its email backend, so
that the services layer never imports the layer that renders.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from registrations.models import Delegate, EmailKind, FocalPoint, Invitation, OutboundEmail

# An email a change causes: (kind, recipient, context for rendering); the recipient is a delegate,
# an invitation (its invitee) or a focal point.
Outgoing = tuple[EmailKind, Delegate | Invitation | FocalPoint, dict]


def _outbound(kind: EmailKind, recipient, context: dict) -> OutboundEmail:
    if isinstance(recipient, Invitation):
        return OutboundEmail(kind=kind, invitation=recipient, context=context)
    if isinstance(recipient, FocalPoint):
        return OutboundEmail(kind=kind, focal_point=recipient, context=context)
    return OutboundEmail(kind=kind, delegate=recipient, context=context)


def _deliver(ids: list[int]) -> None:
    import_string(settings.EMAIL_OUTBOX_SENDER)(ids=ids)


def queue(outgoing: list[Outgoing], *, deliver_now: bool = True) -> list[OutboundEmail]:
    """Queue (kind, recipient, context) messages in the current transaction.

    With `deliver_now=False` they are left to the worker even when few, e.g. so that a page's
    answer takes no longer when it queued a message than when it did not.
    """
    for kind, _recipient, _context in outgoing:
        if not isinstance(kind, EmailKind):
            raise TypeError(f"email kinds are EmailKind values, not {kind!r}")
    rows = OutboundEmail.objects.bulk_create(
        [_outbound(kind, recipient, context) for kind, recipient, context in outgoing],
        batch_size=500,
    )
    if deliver_now and 0 < len(rows) <= settings.EMAIL_SEND_AFTER_COMMIT_MAX:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _deliver(ids))
    return rows
