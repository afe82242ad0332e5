"""Rendered page parts that are the same for every visitor, kept in Django's cache.

Rendering Django forms and templates is most of a public page's time (the 250-option country
select alone), yet the signup form and the agenda look the same to everyone. They are cached per
event, language and *version*; the version is read from the database on every request (one cheap
query), so a change to the event, its sessions or the institutes shows on the very next request.
What differs per request is never cached: the CSRF token, the seats left (one aggregate query per
request) and a form with errors. The cache is Django's (locmem, or Redis when REDIS_URL is set).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from . import selectors
from .models import Event

# Versions decide freshness; the timeout only bounds what nothing versions (an institute renamed
# in place keeps its count and id, so a new name shows within this many seconds).
TIMEOUT = 300

_SEATS_SLOT = "<!--seats-left:{}-->"
_SEATS_SLOT_RE = re.compile(r"<!--seats-left:(\d+)-->")


def _key(kind: str, event: Event, version) -> str:
    event_state = tuple(getattr(event, f.attname) for f in event._meta.concrete_fields)
    raw = repr((translation.get_language(), event_state, version)).encode()
    return f"registrations:{kind}:{event.pk}:{hashlib.sha256(raw).hexdigest()}"


# --------------------------------------------------------------------------- signup form


def signup_form_html(event: Event, stakeholder_type: str | None, form) -> SafeString:
    """The rendered fields of the unbound signup form for this event and stakeholder type.

    `event` comes from `selectors.current_event_with_form_version`. `form` may be lazy: it is only
    built (and rendered) when the cache has no current copy.
    """
    key = _key(f"signup-form:{stakeholder_type or 'any'}", event, event.form_version)
    html = cache.get(key)
    if html is None:
        html = render_signup_fields(form)
        cache.set(key, str(html), TIMEOUT)
    return mark_safe(html)


def render_signup_fields(form) -> SafeString:
    return render_to_string("registrations/_register_fields.html", {"form": form})


# --------------------------------------------------------------------------- agenda


def agenda_html(event: Event, seats: dict[int, tuple[int, int, str]]) -> SafeString:
    """The agenda with every session's seats left as of this request.

    The sessions' titles, times, rooms and tiers are cached with a slot for the seats; the seats
    come from one aggregate query on every request (`selectors.current_event_with_seats`), and that
    query's last-change times are the version of the cached part.
    """
    key = _key("agenda", event, sorted((pk, changed) for pk, (_left, _capacity, changed) in seats.items()))
    parts = cache.get(key)
    if parts is None:
        sessions = selectors.agenda(event)
        for session in sessions:
            session.seats_slot = mark_safe(_SEATS_SLOT.format(session.pk))
        html = render_to_string(
            "registrations/_agenda.html", {"event": event, "days": selectors.by_day(event, sessions)}
        )
        parts = _SEATS_SLOT_RE.split(html)  # text, session id, text, session id, ..., text
        cache.set(key, parts, TIMEOUT)
        # Sessions added since the seats were read: take their seats from the render's query.
        seats = {s.pk: (s.seats_left, s.capacity, "") for s in sessions} | seats
    language = translation.get_language()
    out = [parts[0]]
    for index in range(1, len(parts), 2):
        seats_left, capacity, _changed = seats.get(int(parts[index]), (0, 0, ""))
        out.append(seats_left_text(seats_left, capacity, language))
        out.append(parts[index + 1])
    return mark_safe("".join(out))


@lru_cache(maxsize=4096)
def seats_left_text(seats_left: int, capacity: int, language: str | None) -> str:
    """'3 of 10 seats left' or 'Full · waitlist open' (rendered once per combination and process)."""
    with translation.override(language):
        return render_to_string(
            "registrations/_seats_left.html", {"seats_left": seats_left, "capacity": capacity}
        ).strip()
