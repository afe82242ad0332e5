"""Private status links: signed, unguessable, bound to one delegate.

A link carries the delegate's public UUID and a random secret that is stored with the delegate and
rotated (emptied) on withdrawal, so a withdrawn delegate's old link stops working. Links also stop
working once the event's retention period is over and the data has been purged.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from registrations.models import Delegate, DelegateStatus, Invitation

SALT = "registrations.status-link"


class InvalidLink(Exception):
    """The link was tampered with, revoked or has expired. `reason` is safe to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def make_token(delegate: Delegate) -> str:
    return signing.Signer(salt=SALT).sign(f"{delegate.public_id.hex}.{delegate.link_secret}")


def status_path(delegate: Delegate) -> str:
    return reverse("registrations:status", kwargs={"token": make_token(delegate)})


def status_url(delegate: Delegate) -> str:
    return settings.SITE_URL + status_path(delegate)


def delegate_for_token(token: str, *, queryset=None) -> Delegate:
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        public_hex, secret = value.split(".", 1)
    except (signing.BadSignature, ValueError):
        raise InvalidLink("tampered") from None
    queryset = queryset if queryset is not None else Delegate.objects.select_related("event", "institute")
    delegate = queryset.filter(public_id=public_hex if len(public_hex) == 32 else None).first()
    if delegate is None or not secret or delegate.link_secret != secret:
        raise InvalidLink("revoked")
    if delegate.status == DelegateStatus.WITHDRAWN or delegate.anonymized_at is not None:
        raise InvalidLink("revoked")
    if timezone.now() >= delegate.event.retention_ends_at:
        raise InvalidLink("expired")
    return delegate


# --------------------------------------------------------------------------- invitation links

INVITATION_SALT = "registrations.invitation-link"


def invitation_token(invitation) -> str:
    """The invitation's signed token: its public UUID and its random secret, never its numeric id."""
    return signing.Signer(salt=INVITATION_SALT).sign(f"{invitation.public_id.hex}.{invitation.secret}")


def invitation_url(invitation) -> str:
    return settings.SITE_URL + reverse("registrations:invitation", kwargs={"token": invitation_token(invitation)})


def invitation_decline_url(invitation) -> str:
    return settings.SITE_URL + reverse(
        "registrations:decline_invitation", kwargs={"token": invitation_token(invitation)}
    )


def invitation_for_token(token: str, *, for_update: bool = False):
    """The invitation a link names, or InvalidLink("tampered") for a forged or mangled one.

    Whether the invitation can still be used (revoked, expired, used, declined) is the rules' to say.
    """

    try:
        value = signing.Signer(salt=INVITATION_SALT).unsign(token)
        public_hex, secret = value.split(".", 1)
    except (signing.BadSignature, ValueError):
        raise InvalidLink("tampered") from None
    if len(public_hex) != 32 or not secret:
        raise InvalidLink("tampered")
    queryset = Invitation.objects.select_related("event")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(public_id=public_hex).first()
    if invitation is None or invitation.secret != secret:
        raise InvalidLink("tampered")
    return invitation
