"""The badge desk's writes (the pass and ID office): an identity document checked once activates the
badge in its holder's hands; a lost badge is reissued and the new one activated at the same time (the
old one is refused at every door from then on). What the desk may not do is `rules.activation_refusals`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import rules
from registrations.models import AuditAction, Delegate, IdentityDocument
from registrations.rules.errors import NotEligible
from registrations.services import door, seats
from registrations.services.audit import Actor, commit, record


def activate(*, delegate: Delegate, document: str, actor: Actor, reissue: bool = False) -> Delegate:
    """Record that `document` was checked against its holder and activate their badge (a reissued
    one first, with `reissue`): one transaction, audited."""
    if document not in IdentityDocument.values:
        raise NotEligible(_("Choose the identity document you checked."), code="document")
    with transaction.atomic():
        if reissue:
            door.reissue_badge(delegate=delegate, actor=actor)
        delegate = seats.lock_delegate(delegate)
        refusals = rules.activation_refusals(delegate)
        if refusals:
            raise NotEligible(refusals[0][1], code="not_activatable")
        if delegate.badge_activated:
            raise NotEligible(
                _("This badge is already activated. %(when)s") % {"when": rules.activation_summary(delegate)}
            )
        delegate.badge_activated_version = delegate.badge_version
        delegate.identity_checked_at = timezone.now()
        delegate.identity_checked_by_name = actor.name
        delegate.identity_document = document
        delegate.save(
            update_fields=[
                "badge_activated_version",
                "identity_checked_at",
                "identity_checked_by_name",
                "identity_document",
                "updated_at",
            ]
        )
        commit(
            [
                record(
                    actor,
                    AuditAction.BADGE_ACTIVATED,
                    delegate=delegate,
                    to_status=str(delegate.badge_version),
                    document=document,
                )
            ]
        )
    return delegate
