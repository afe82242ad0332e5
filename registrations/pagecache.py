"""Public pages that look the same to every visitor, kept rendered in Django's cache.

Rendering Django forms and templates is most of a public page's time (the 250-option country
select alone), yet the signup form and the agenda look the same to everyone. They are cached per
event, language and *version*; the version is read from the database on every request, in the
same single query that fetches the event, so a change to the event, its sessions or the
institutes shows on the very next request, whichever app server answers it. What differs per
request is never cached: the CSRF token and the seats left are filled in on every request (the
seats come from that same query), a visitor with messages waiting gets a fresh render, and a form
with errors is never cached. The cache is Django's (locmem, or Redis when REDIS_URL is set).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache, partial

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from . import selectors
from .models import Event

# Versions decide freshness; the timeout only bounds what nothing versions (an institute renamed
# in place keeps its count and id, so its new name shows within this many seconds).
TIMEOUT = 300

# Placeholders rendered into the cached page and replaced on every request. The seats slot cannot
# come from data (titles are escaped, so "<!--" never appears in them); the CSRF slot is a value
# attribute, which Django escapes, hence letters only.
_CSRF_SLOT = "csrfTokenSlotQ7fZ3aK9cW2e"
_SEATS_SLOT = "<!--seats-left:{}-->"
_SEATS_SLOT_RE = re.compile(r"<!--seats-left:(\d+)-->")

Seats = dict[int, tuple[int, int, str]]  # session id: (seats left, capacity, last change)


def _key(kind: str, event: Event, version) -> str:
    event_state = tuple(getattr(event, f.attname) for f in event._meta.concrete_fields)
    raw = repr((translation.get_language(), event_state, version)).encode()
    return f"registrations:page:{kind}:{event.pk}:{hashlib.sha256(raw).hexdigest()}"


def _messages_waiting(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _page(request, *, kind: str, event: Event, version, template: str, context: dict) -> str:
    """The rendered page, from the cache when a copy of this version is there."""
    context = {**context, "csrf_token": _CSRF_SLOT}
    if _messages_waiting(request):
        return render_to_string(template, context, request)
    key = _key(kind, event, version)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, context, request)
        cache.set(key, html, TIMEOUT)
    return html


# --------------------------------------------------------------------------- signup form


def signup_page(request, event: Event, stakeholder_type: str | None, context: dict) -> HttpResponse:
    """The signup page with an unbound form, for this event and stakeholder type.

    `event` comes from `selectors.current_event_with_form_version`; `context["form"]` may be lazy:
    the form is only built when the cache has no current copy of the page.
    """
    version = (event.form_version, context["registration_open"])
    kind = f"signup:{stakeholder_type or 'any'}"
    html = _page(
        request, kind=kind, event=event, version=version, template="registrations/register.html", context=context
    )
    return HttpResponse(html.replace(_CSRF_SLOT, get_token(request)))


# --------------------------------------------------------------------------- agenda


def agenda_page(request, event: Event, seats: Seats) -> HttpResponse:
    """The agenda with every session's seats left as of this request.

    `event` and `seats` come from `selectors.current_event_with_seats` (one query); the sessions'
    last changes in it are the version of the cached titles, times, rooms and tiers.
    """
    version = (sorted((pk, changed) for pk, (_left, _capacity, changed) in seats.items()), event.is_registration_open())
    context = {"event": event, "days": partial(_agenda_days, event, seats)}
    html = _page(
        request, kind="agenda", event=event, version=version, template="registrations/home.html", context=context
    )
    language = translation.get_language()

    def seats_left(match) -> str:
        left, capacity, _changed = seats.get(int(match.group(1)), (0, 0, ""))
        return seats_left_text(left, capacity, language)

    return HttpResponse(_SEATS_SLOT_RE.sub(seats_left, html))


def _agenda_days(event: Event, seats: Seats):
    """The sessions by day, each with a slot for its seats left (called only to render the page)."""
    sessions = selectors.agenda(event)
    for session in sessions:
        session.seats_slot = mark_safe(_SEATS_SLOT.format(session.pk))
        # A session added since the seats were read: its seats from this query.
        seats.setdefault(session.pk, (session.seats_left, session.capacity, ""))
    return selectors.by_day(event, sessions)


@lru_cache(maxsize=4096)
def seats_left_text(seats_left: int, capacity: int, language: str | None) -> str:
    """'3 of 10 seats left' or 'Full · waitlist open' (rendered once per combination and process)."""
    with translation.override(language):
        return render_to_string(
            "registrations/_seats_left.html", {"seats_left": seats_left, "capacity": capacity}
        ).strip()
