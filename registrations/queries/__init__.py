"""The reads: every query shared by the pages, the admin, exports, emails and the services.

- `current`: the current event, its sessions and seats (a snapshot kept in the cache between writes).
- `seats`: seats confirmed, held and left; waitlist positions; the agenda by day.
- `invitations`: the invitations' funnel. `links`: private status and invitation links.
- `door`, `focal_points`, `messages`, `dashboard`, `personal_data`: what each of those reads.

`from registrations import queries` then `queries.agenda(event)`: the names below are re-exported
from `current`, `seats` and `invitations`; the other modules are imported by name.
"""

from registrations.queries.current import (
    Snapshot,
    current_event,
    current_event_with_seats,
    current_event_with_sessions,
    current_events,
    current_institutes,
    invalidate,
    snapshot,
)
from registrations.queries.invitations import (
    FUNNEL_STAGES,
    invitation_funnel,
    seats_on_arrival,
)
from registrations.queries.seats import (
    agenda,
    attendance_count,
    by_day,
    count_per_row,
    delegate_registrations,
    held_seats,
    held_seats_filter,
    mark_full_requests,
    registrations_by_delegate,
    seat_count,
    seats_left,
    seats_left_by_session,
    sessions_with_seats,
    waitlist_position,
)

__all__ = [
    "FUNNEL_STAGES",
    "Snapshot",
    "agenda",
    "attendance_count",
    "by_day",
    "count_per_row",
    "current_event",
    "current_event_with_seats",
    "current_event_with_sessions",
    "current_events",
    "current_institutes",
    "delegate_registrations",
    "held_seats",
    "held_seats_filter",
    "invalidate",
    "invitation_funnel",
    "mark_full_requests",
    "registrations_by_delegate",
    "seat_count",
    "seats_left",
    "seats_left_by_session",
    "seats_on_arrival",
    "sessions_with_seats",
    "snapshot",
    "waitlist_position",
]
