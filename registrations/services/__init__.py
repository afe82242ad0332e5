"""Every write, in one place: `from registrations import services`.

Each public function that changes state is one transaction that asks `registrations.rules` first,
checks the current state under its locks, writes an audit entry for every change and queues the
emails it causes as outbox rows (they are rendered and sent only after the transaction commits, by
`registrations.outputs.emails`). Forms, views, the admin and management commands call these; none of
them writes a model itself. Reads they share are in `registrations.queries`.

Where things are:
- `seats`: locks (delegates, then institutes, then sessions), placing requests on seats or the
  waitlist, promoting the waitlist, cancelling seats.
- `decisions`: approve, reject, return to pending, withdraw.
- `delegates`: signup and a delegate's own changes; `organizer_edits`: a delegate added or edited by
  organizers; `status_links`: the private link.
- `sessions`: creating, editing (capacity, tier) and deleting sessions; `events`: events and institutes.
- `invitations`: create, edit, end; `invitees`: the invitee opens, declines or uses one;
  `invitation_sending`: send, remind, revoke, expire; `invitation_import`: CSV and XLSX import.
- `door`: checking in (`rules.admission` decides), undoing a check-in, reissuing a badge, the replay
  of offline scans.
- `endorsements`: focal points endorse, decline and nominate; the organizers' override; digests.
- `visa`: visa-letter requests, issue, decline, revoke, erasure of the passport details;
  `participants`: heads of delegation, the list's final mark, its downloads.
- `retention`: the retention purge and erasure; `messages`: organizers' messages, saved views.
- `audit`: `Actor`, `record` and `commit`; `outbox`: `queue`; `public_version`: what makes cached
  pages and the seats snapshot stale.

The rules' refusals (`RegistrationError` and its kinds) and a few rules are re-exported here for
the callers that catch or ask them beside a write (`services.NotEligible`, `services.may_attend`).
"""

from registrations.rules import (
    allowed_sessions,
    check_affiliation,
    check_no_clash,
    check_session_access,
    email_domain_matches,
    email_key,
    may_attend,
    normalize_email,
    sessions_open_to,
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
from registrations.services.audit import Actor, commit, record
from registrations.services.decisions import (
    DecisionResult,
    approve_delegates,
    reject_delegates,
    return_to_pending,
    withdraw_delegate,
)
from registrations.services.delegates import (
    DELEGATE_DETAIL_FIELDS,
    SELF_EDITABLE_FIELDS,
    SignupOutcome,
    add_session,
    drop_session,
    email_taken,
    register_delegate,
    update_delegate_details,
)
from registrations.services.events import check_event_deletable, delete_events, save_event, save_institute
from registrations.services.organizer_edits import (
    DelegateUpdate,
    check_institute_quota,
    create_delegate,
    update_delegate,
)
from registrations.services.participants import (
    mark_participants_list,
    record_participants_list_download,
    set_head_of_delegation,
)
from registrations.services.retention import (
    ERASED_EMAIL_DOMAIN,
    ERASED_REPR,
    PurgeResult,
    erase_delegates,
    purge_personal_data,
)
from registrations.services.sessions import (
    SessionUpdate,
    change_capacity,
    check_capacity,
    create_session,
    delete_sessions,
    enforce_session_tier,
    sessions_with_active_seats,
    update_session,
)
from registrations.services.status_links import (
    replace_status_link,
    request_status_link,
    resolve_lost_link_requests,
    send_status_link,
)
from registrations.services.visa import (
    IncompleteVisaRequest,
    VisaResult,
    decline_visa_letters,
    issue_visa_letters,
    request_visa_letter,
    revoke_visa_letters,
)

__all__ = [
    "DELEGATE_DETAIL_FIELDS",
    "ERASED_EMAIL_DOMAIN",
    "ERASED_REPR",
    "SELF_EDITABLE_FIELDS",
    "Actor",
    "CapacityBelowConfirmed",
    "DecisionResult",
    "DelegateUpdate",
    "InUse",
    "IncompleteVisaRequest",
    "InvalidEmail",
    "InvalidTransition",
    "InvitationUnusable",
    "NotEligible",
    "NotFocalPoint",
    "PurgeResult",
    "QuotaExceeded",
    "RegistrationClosed",
    "RegistrationError",
    "RetentionNotOver",
    "SessionClash",
    "SessionUpdate",
    "SignupOutcome",
    "VisaResult",
    "add_session",
    "allowed_sessions",
    "approve_delegates",
    "change_capacity",
    "check_affiliation",
    "check_capacity",
    "check_event_deletable",
    "check_institute_quota",
    "check_no_clash",
    "check_session_access",
    "commit",
    "create_delegate",
    "create_session",
    "decline_visa_letters",
    "delete_events",
    "delete_sessions",
    "drop_session",
    "email_domain_matches",
    "email_key",
    "email_taken",
    "enforce_session_tier",
    "erase_delegates",
    "issue_visa_letters",
    "mark_participants_list",
    "may_attend",
    "normalize_email",
    "purge_personal_data",
    "record",
    "record_participants_list_download",
    "register_delegate",
    "reject_delegates",
    "replace_status_link",
    "request_status_link",
    "request_visa_letter",
    "resolve_lost_link_requests",
    "return_to_pending",
    "revoke_visa_letters",
    "save_event",
    "save_institute",
    "send_status_link",
    "sessions_open_to",
    "sessions_overlap",
    "sessions_with_active_seats",
    "set_head_of_delegation",
    "update_delegate",
    "update_delegate_details",
    "update_session",
    "withdraw_delegate",
]
