"""The convening's documents: visa-letter requests (the passport details encrypted at rest) and
their letters, verified by consulates at `/verify/<reference>/`."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models.delegates import Delegate
from registrations.models.encrypted import EncryptedTextField


class VisaStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


def new_reference() -> str:
    """A letter's reference: 128 random bits, so nobody finds a letter by trying references."""
    return secrets.token_urlsafe(16)


# The passport details a consulate needs: encrypted, erased with the request's end.
VISA_DATA_FIELDS = ("nationality", "passport_number", "passport_expiry", "date_of_birth", "consulate")


class VisaRequest(models.Model):
    """A delegate's request for a visa support letter, and the letter once issued.

    Written only through `services.visa` (request, issue, decline, revoke, erase: each audited).
    The name as in the passport is copied here (and onto the delegate) when asked; the rest is here,
    encrypted (`models.encrypted`). Once issued, nothing printed on the letter changes.
    """

    delegate = models.OneToOneField(
        Delegate, on_delete=models.CASCADE, related_name="visa_request", verbose_name=_("delegate")
    )
    status = models.CharField(_("status"), max_length=16, choices=VisaStatus, default=VisaStatus.REQUESTED)
    reference = models.CharField(_("reference"), max_length=32, unique=True, default=new_reference, editable=False)
    nationality = EncryptedTextField(_("nationality"), blank=True)
    passport_number = EncryptedTextField(_("passport number"), blank=True)
    passport_expiry = EncryptedTextField(_("passport expiry date"), blank=True)
    date_of_birth = EncryptedTextField(_("date of birth"), blank=True)
    consulate = EncryptedTextField(_("consulate where the visa is applied for"), blank=True)
    # The name as in the passport when the request was made: the letter and its verification print
    # this one, so a name changed on the delegate later cannot appear on a letter already issued.
    passport_name = models.CharField(_("name as in the passport"), max_length=200, blank=True, editable=False)
    decision_reason = models.TextField(_("reason given"), blank=True, editable=False)
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("visa letter request")
        verbose_name_plural = _("visa letter requests")
        permissions = [
            ("view_visa_data", "Can see passport details and decide on visa letters"),
        ]

    def __str__(self):
        return f"{self.delegate} ({self.get_status_display()})"
