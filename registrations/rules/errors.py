"""The refusals a rule can give. `message` is written for the person who asked for the change."""

from __future__ import annotations


class RegistrationError(Exception):
    """A rule refused the change."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class RegistrationClosed(RegistrationError):
    code = "closed"


class NotEligible(RegistrationError):
    code = "not_eligible"


class InvalidEmail(NotEligible):
    """An address that has no single identity (see `rules.email_key`)."""

    code = "invalid_email"


class SessionClash(RegistrationError):
    """Two sessions asked for at the same time."""

    code = "clash"


class QuotaExceeded(RegistrationError):
    code = "quota"


class InvalidTransition(RegistrationError):
    code = "invalid_transition"


class CapacityBelowConfirmed(RegistrationError):
    code = "capacity"


class RetentionNotOver(RegistrationError):
    code = "retention"


class InUse(RegistrationError):
    """The thing to delete still carries registrations that must be dealt with first."""

    code = "in_use"


class InvitationUnusable(RegistrationError):
    """The invitation cannot be used: `reason` is "revoked", "declined", "expired" or "used"."""

    code = "invitation"

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class NotFocalPoint(RegistrationError):
    """The account is not (or no longer) an active focal point."""

    code = "not_focal_point"
