"""Nobody can be in two rooms at once: which sessions overlap, and the refusal that says so."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from registrations import l10n
from registrations.models import (
    Session,
)
from registrations.rules.errors import SessionClash

# --------------------------------------------------------------------------- clashing sessions
#
# Nobody can be in two rooms at once: a delegate never asks for, waits for or holds seats in two
# sessions that overlap. Times are half-open intervals [starts_at, ends_at): a session ending at 11:00
# does not clash with one starting at 11:00. Signup and "add a session" refuse a clash; placing seats
# (approval, the waitlist) keeps the earlier request and cancels the later one with notice.


def sessions_overlap(a: Session, b: Session) -> bool:
    """Whether two different sessions overlap in time (a session never clashes with itself)."""
    return a.pk != b.pk and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def find_clash(session: Session, others: Iterable[Session]) -> Session | None:
    """The first of `others` that overlaps `session`, or None."""
    return next((other for other in others if sessions_overlap(session, other)), None)


def first_clash(sessions: Iterable[Session], held: Iterable[Session] = ()) -> tuple[Session, Session] | None:
    """The first overlapping pair: (one of `sessions`, one `held`), or two of `sessions` in agenda order."""
    held, taken = list(held), []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.pk)):
        if (other := find_clash(session, held)) is not None:
            return session, other
        if (other := find_clash(session, taken)) is not None:
            return other, session
        taken.append(session)
    return None


def session_when(session: Session, tz: ZoneInfo) -> str:
    """ "Tue 3 Mar, 10:00–11:30 PST" (in French "mardi 3 mars, 10 h 00 – 11 h 30 ..."): the venue's
    zone, in the active language, as the form's session labels say it."""
    return l10n.session_span(session.starts_at, session.ends_at, tz)


def clash_message(session: Session, other: Session, tz: ZoneInfo) -> str:
    return _(
        "“%(title)s” (%(when)s) is at the same time as “%(other)s” (%(other_when)s): you can attend only one of them."
    ) % {
        "title": session.title,
        "when": session_when(session, tz),
        "other": other.title,
        "other_when": session_when(other, tz),
    }


def check_no_clash(sessions: Iterable[Session], held: Iterable[Session] = (), *, tz: ZoneInfo) -> None:
    """Raise SessionClash naming the first two sessions that overlap: two of `sessions`, or one of
    them and one of `held` (the delegate's seats that are not cancelled). Times in `tz` (the venue's)."""
    clash = first_clash(sessions, held)
    if clash is not None:
        raise SessionClash(clash_message(*clash, tz))
