"""The delegate's private link: sent again on request (the same link; the lost-link form writes one
request row whatever the address, the email worker resolves it) and replaced on the delegate's demand."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import (
    AuditAction,
    Delegate,
    DelegateStatus,
    EmailKind,
    Event,
    LostLinkRequest,
    new_link_secret,
)
from registrations.rules.errors import InvalidEmail, InvalidTransition
from registrations.services import seats
from registrations.services.audit import Actor, commit, record


def request_status_link(*, event: Event, email: str) -> None:
    """Someone asked for the private link of `email` (the lost-link form): write the request, only.

    The same single insert whatever the address, so the answer takes as long for a registered
    address as for an unknown one (no timing oracle); the worker resolves it
    (`resolve_lost_link_requests`). Raises InvalidEmail for an address without one identity.
    """
    LostLinkRequest.objects.create(event=event, email_key=rules.email_key(email))


def resolve_lost_link_requests(*, limit: int = 200) -> int:
    """The worker's half of the lost-link form: send each requested link, or drop the request.

    Each request is deleted once handled (it holds an address, possibly of someone who never
    registered). Several requests for one address in a batch send one link. Returns how many links
    were sent.
    """
    sent = 0
    with transaction.atomic():
        requests = list(
            LostLinkRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .order_by("created_at", "pk")[:limit]
        )
        handled = set()
        for request in requests:
            if (request.event_id, request.email_key) in handled:
                continue
            handled.add((request.event_id, request.email_key))
            sent += send_status_link(event=request.event, email=request.email_key, actor=Actor.delegate())
        LostLinkRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return sent


@transaction.atomic
def send_status_link(*, event: Event, email: str, actor: Actor) -> bool:
    """Send the private link again to the delegate registered for `event` with this address.

    The link is the same one: anyone may ask for it to be sent, so asking must not break the
    delegate's bookmarked link. Returns whether a link was queued. Withdrawn and erased
    registrations, events past their retention period and addresses without one identity get
    nothing. (The lost-link form does not call this during the request: see `request_status_link`.)
    """
    try:
        key = rules.email_key(email)
    except InvalidEmail:
        return False
    delegate = (
        Delegate.objects.filter(event=event, email_key=key, anonymized_at__isnull=True)
        .exclude(status=DelegateStatus.WITHDRAWN)
        .exclude(link_secret="")
        .first()
    )
    if delegate is None or timezone.now() >= event.retention_ends_at:
        return False
    commit(
        [record(actor, AuditAction.LINK_RESENT, delegate=delegate)],
        [(EmailKind.LOST_LINK, delegate, {})],
        deliver_now=False,
    )
    return True


@transaction.atomic
def replace_status_link(*, delegate: Delegate, actor: Actor) -> None:
    """Revoke the delegate's private link and email them a new one (e.g. after sharing it by mistake)."""
    (locked,) = seats.lock_delegates([delegate.pk])
    if not locked.link_secret:
        raise InvalidTransition(_("This registration has no link to replace."))
    locked.link_secret = new_link_secret()
    locked.save(update_fields=["link_secret", "updated_at"])
    commit([record(actor, AuditAction.LINK_REPLACED, delegate=locked)], [(EmailKind.LOST_LINK, locked, {})])
