"""The organizers' desk, in the Django admin.

- `site`: the two-factor admin site (django-otp) and django-axes' username rule.
- `events`: events and member institutes.
- `sessions`: sessions, their seats, waitlists and attendees.
- `delegates`: the delegate list, decisions (approve, reject, return to pending) and edits.
- `invitations`: invitations (create, edit, import, send, remind, revoke) and their funnel.
- `attendance`: check-ins and their export, the badge actions (print, reissue).
- `focal_points`: institutes' focal points (create with an activation link, switch off).
- `documents`: visa-letter requests (issue, decline, revoke) and the list of participants.
- `records`: the audit trail and the email outbox (read-only).
- `exports`: the CSV exports of the delegate, session and institute pages.
- `common`: what they share (times in each event's zone, the form-to-service bridge).

Every save, deletion and decision goes through `registrations.services`.
"""

from registrations.admin import (
    attendance,
    delegates,
    documents,
    events,
    focal_points,
    invitations,
    records,
    sessions,
)

__all__ = ["attendance", "delegates", "documents", "events", "focal_points", "invitations", "records", "sessions"]
