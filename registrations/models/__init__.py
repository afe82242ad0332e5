"""The registration domain, one module per aggregate: events and sessions, delegates and their seats,
invitations and focal points, the door, the documents (visa letters), the audit trail, the outbox and messages.

Models hold fields, choices and database constraints only. Every state change (approval, seats,
waitlist, withdrawal) goes through `registrations.services`, which writes the audit trail.
`from registrations.models import X` names every model and choice; migrations name the validators
and defaults by their place here (`registrations.models.validate_time_zone`, `new_link_secret`).
"""

from registrations.models.audit import (
    ActorKind,
    AuditAction,
    AuditEntry,
)
from registrations.models.delegates import (
    ACTIVE_DELEGATE_STATUSES,
    ACTIVE_SEAT_STATUSES,
    PERSONAL_DATA_FIELDS,
    CancelReason,
    Delegate,
    DelegateStatus,
    Endorsement,
    IdentityDocument,
    SeatStatus,
    SessionRegistration,
    new_link_secret,
    photo_storage,
)
from registrations.models.documents import (
    VISA_DATA_FIELDS,
    VisaRequest,
    VisaStatus,
)
from registrations.models.door import (
    CheckIn,
)
from registrations.models.events import (
    DIRECTION_CONTROLS,
    AccessTier,
    Event,
    GuestRegistration,
    Institute,
    ParticipantListVisibility,
    Session,
    StakeholderType,
    government_only,
    validate_latin_name,
    validate_no_direction_controls,
    validate_time_zone,
)
from registrations.models.invitations import (
    GUEST_TYPES,
    LIVE_INVITATION_STATUSES,
    FocalPoint,
    Invitation,
    InvitationKind,
    InvitationStatus,
)
from registrations.models.outbox import (
    DelegateMessage,
    EmailKind,
    EmailStatus,
    LostLinkRequest,
    OutboundEmail,
    SavedView,
)

__all__ = [
    "ACTIVE_DELEGATE_STATUSES",
    "ACTIVE_SEAT_STATUSES",
    "DIRECTION_CONTROLS",
    "GUEST_TYPES",
    "LIVE_INVITATION_STATUSES",
    "PERSONAL_DATA_FIELDS",
    "VISA_DATA_FIELDS",
    "AccessTier",
    "ActorKind",
    "AuditAction",
    "AuditEntry",
    "CancelReason",
    "CheckIn",
    "Delegate",
    "DelegateMessage",
    "DelegateStatus",
    "EmailKind",
    "EmailStatus",
    "Endorsement",
    "Event",
    "FocalPoint",
    "GuestRegistration",
    "IdentityDocument",
    "Institute",
    "Invitation",
    "InvitationKind",
    "InvitationStatus",
    "LostLinkRequest",
    "OutboundEmail",
    "ParticipantListVisibility",
    "SavedView",
    "SeatStatus",
    "Session",
    "SessionRegistration",
    "StakeholderType",
    "VisaRequest",
    "VisaStatus",
    "government_only",
    "new_link_secret",
    "photo_storage",
    "validate_latin_name",
    "validate_no_direction_controls",
    "validate_time_zone",
]
