"""The rules of registration, as plain functions of their inputs: no database writes, no locks.

One module per question, each asked by every path that can break it (form, signup, status page,
admin, waitlist, door, exports):

- `access`: who may attend what (the access tier; an invitation's sessions).
- `signup`: what a signup needs (guests' setting, invitation scope, affiliation), `signup_refusals`.
- `clashes`: sessions that overlap in time.
- `capacity`: seats left and institute quotas.
- `transitions`: allowed status moves, "active", endorsement.
- `nominations`: a focal point's daily cap and off-domain addresses.
- `admission`: the door's verdict. `identity`: one key per email address. `badges`: signed badge codes.
- `holder`: the badge bound to its holder (passport name, a photo first, the badge desk's activation).
- `errors`: the refusals a rule gives.

`from registrations import rules` then `rules.may_attend(...)`: the names below are the rules' one address.
"""

from registrations.rules.access import (
    allowed_sessions,
    check_session_access,
    may_attend,
    refusal_of_session,
    sessions_open_to,
)
from registrations.rules.admission import (
    DoorRefusal,
    InsideElsewhere,
    Verdict,
    admission,
    badge_for_other_event,
    unknown_badge,
)
from registrations.rules.capacity import (
    approval_refusal,
    has_seat_left,
    quota_left,
    quota_reached,
    quota_refusal,
    seat_on_approval,
)
from registrations.rules.clashes import (
    check_no_clash,
    clash_message,
    find_clash,
    first_clash,
    session_when,
    sessions_overlap,
)
from registrations.rules.errors import (
    CapacityBelowConfirmed,
    InUse,
    InvalidEmail,
    InvalidTransition,
    InvitationUnusable,
    NotEligible,
    NotFocalPoint,
    QuotaExceeded,
    RegistrationClosed,
    RegistrationError,
    RetentionNotOver,
    SessionClash,
)
from registrations.rules.holder import (
    activation_refusals,
    activation_summary,
    activation_voided,
    badge_refusal,
    may_print_at_desk,
    passport_name_needed,
    passport_name_refusals,
)
from registrations.rules.identity import (
    MAX_EMAIL_LENGTH,
    domain_key,
    email_domain_matches,
    email_key,
    normalize_email,
    on_domains,
)
from registrations.rules.nominations import OFF_DOMAIN, nomination_refusals
from registrations.rules.signup import (
    CONSENT_REFUSAL,
    Refusal,
    affiliation_error_field,
    check_affiliation,
    check_guest_registration,
    check_invitation_sessions,
    details_refusals,
    invitation_details_refusals,
    invitation_email_matches,
    invitation_live,
    invitation_refusal,
    invitation_required,
    invitation_session_refusal,
    signup_refusals,
)
from registrations.rules.transitions import (
    APPROVABLE_ENDORSEMENTS,
    DELEGATE_TRANSITIONS,
    SEAT_TRANSITIONS,
    check_seat_move,
    endorsement_move_refusal,
    endorsement_refusal,
    is_active,
    may_endorse,
    may_move,
    may_move_seat,
    needs_endorsement,
    refusal_for,
)

__all__ = [
    "APPROVABLE_ENDORSEMENTS",
    "CONSENT_REFUSAL",
    "DELEGATE_TRANSITIONS",
    "MAX_EMAIL_LENGTH",
    "OFF_DOMAIN",
    "SEAT_TRANSITIONS",
    "CapacityBelowConfirmed",
    "DoorRefusal",
    "InUse",
    "InsideElsewhere",
    "InvalidEmail",
    "InvalidTransition",
    "InvitationUnusable",
    "NotEligible",
    "NotFocalPoint",
    "QuotaExceeded",
    "Refusal",
    "RegistrationClosed",
    "RegistrationError",
    "RetentionNotOver",
    "SessionClash",
    "Verdict",
    "activation_refusals",
    "activation_summary",
    "activation_voided",
    "admission",
    "affiliation_error_field",
    "allowed_sessions",
    "approval_refusal",
    "badge_for_other_event",
    "badge_refusal",
    "check_affiliation",
    "check_guest_registration",
    "check_invitation_sessions",
    "check_no_clash",
    "check_seat_move",
    "check_session_access",
    "clash_message",
    "details_refusals",
    "domain_key",
    "email_domain_matches",
    "email_key",
    "endorsement_move_refusal",
    "endorsement_refusal",
    "find_clash",
    "first_clash",
    "has_seat_left",
    "invitation_details_refusals",
    "invitation_email_matches",
    "invitation_live",
    "invitation_refusal",
    "invitation_required",
    "invitation_session_refusal",
    "is_active",
    "may_attend",
    "may_endorse",
    "may_move",
    "may_move_seat",
    "may_print_at_desk",
    "needs_endorsement",
    "nomination_refusals",
    "normalize_email",
    "on_domains",
    "passport_name_needed",
    "passport_name_refusals",
    "quota_left",
    "quota_reached",
    "quota_refusal",
    "refusal_for",
    "refusal_of_session",
    "seat_on_approval",
    "session_when",
    "sessions_open_to",
    "sessions_overlap",
    "signup_refusals",
    "unknown_badge",
]
