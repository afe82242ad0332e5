"""Public pages that look the same to every visitor, kept rendered in Django's cache.

Rendering Django forms and templates is most of a public page's time (the 250-option country
select alone), yet the signup form and the agenda look the same to everyone. They are cached per
event, `Event.public_version`, registration open or closed, and language.

Cached pages cannot leak one visitor's data to another by construction: they are rendered without
the request, so no context processor runs (no `user`, `perms`, `request` or `messages`), and those
names are bound to stand-ins that raise `PerVisitorNameInCachedPage` on any use, so a template that
reads them fails loudly (and its tests fail) instead of rendering blank. What differs per visitor
is a slot filled in on every request: the CSRF token, the messages waiting, and the seats left of
the agenda's sessions and of the form's choices (from the seats snapshot, with the event). A form
with errors is never cached (its seats are filled in the same way).

Freshness: the version comes with the event from the seats snapshot (registrations/queries/current.py),
which every `public_version.bump` and every seat write makes stale, before anything the page is
rendered from, so a cached copy is never older than its key; every write to an event, its sessions
or the institutes calls `public_version.bump` in its transaction, and the change shows on the very
next request, whichever app server answers it (with a shared cache). A write without a bump is not
seen until the copy expires (TIMEOUT). The cache is Django's (locmem, or Redis when REDIS_URL is set).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from functools import lru_cache, partial

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.safestring import mark_safe

from registrations import queries
from registrations.models import Event, Session
from registrations.queries import current

# The version decides freshness; the timeout bounds memory and how long a write that forgot to
# call `public_version.bump` stays unseen.
TIMEOUT = 300

# Placeholders rendered into the cached page and replaced on every request. The comment slots
# cannot come from data (text is escaped, so "<!--" never appears in it); the CSRF slot is a value
# attribute, which Django escapes, hence letters only.
_CSRF_SLOT = "csrfTokenSlotQ7fZ3aK9cW2e"
_MESSAGES_SLOT = "<!--messages-->"
# The agenda says "3 of 10 seats left" / "Full · waitlist open"; the form's choices say what
# choosing a full session means ("Full: you will be waitlisted").
_SEATS_SLOT = "<!--seats-left:{}-->"
_CHOICE_SEATS_SLOT = "<!--seats-choice:{}-->"
_SEATS_SLOT_RE = re.compile(r"<!--seats-(left|choice):(\d+)-->")

Seats = dict[int, tuple[int, int]]  # session id: (seats left, capacity)


class PerVisitorNameInCachedPage(Exception):
    """A cached page's template used a per-visitor name: fill it in per request, as a slot."""


class _Refused:
    """Stands for a per-visitor name in a cached page's context: any use of it raises."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def _refuse(self, *args, **kwargs):
        raise PerVisitorNameInCachedPage(
            f"A cached page used '{self._name}', which differs per visitor; cached pages are rendered "
            "without the request. Fill it in per request as a slot (registrations/web/pagecache.py)."
        )

    __getattr__ = __getitem__ = __str__ = __bool__ = __len__ = __iter__ = __contains__ = __html__ = _refuse
    __eq__ = __call__ = _refuse
    __hash__ = None

    def __repr__(self) -> str:
        return f"<refused in cached pages: {self._name}>"


# What the request context processors would provide (auth, request, messages), refused.
_PER_VISITOR = {name: _Refused(name) for name in ("user", "perms", "request", "messages")}


def _key(kind: str, event: Event, registration_open: bool) -> str:
    return (
        f"registrations:page:{kind}:{event.pk}:v{event.public_version}:"
        f"{'open' if registration_open else 'closed'}:{translation.get_language()}"
    )


def _render_cached(template: str, context: dict) -> str:
    """The page as every visitor sees it: no request, per-visitor names refused, slots in place."""
    return render_to_string(
        template,
        {
            **context,
            **_PER_VISITOR,
            "csrf_token": _CSRF_SLOT,
            "messages_slot": mark_safe(_MESSAGES_SLOT),
            "LANGUAGE_CODE": translation.get_language(),
            "LANGUAGE_BIDI": translation.get_language_bidi(),
        },
    )


def _waiting_messages(request):
    """The messages waiting for this visitor. A visitor with neither a messages nor a session cookie,
    for whom nothing was added during this request, has none: their storage is not even built
    (registrations.web.middleware.MessageMiddleware builds it on first use)."""
    stored = getattr(request, "_messages", None)
    untouched = isinstance(stored, SimpleLazyObject) and stored._wrapped is empty
    if untouched and not {CookieStorage.cookie_name, settings.SESSION_COOKIE_NAME} & request.COOKIES.keys():
        return ()
    return get_messages(request)


def _fill_visitor_slots(request, html: str) -> str:
    """This visitor's CSRF token and messages in a cached page (last: a message may contain anything)."""
    if _CSRF_SLOT in html:
        html = html.replace(_CSRF_SLOT, get_token(request))
    messages = _waiting_messages(request)
    waiting = render_to_string("_messages.html", {"messages": messages}) if len(messages) else ""
    return html.replace(_MESSAGES_SLOT, waiting, 1)


# This process's copies of pages it has served: a key names one version of one page, whose text never
# changes, so a copy is as good as the shared cache's (and costs no round trip). A copy is also bound to
# the seats snapshot's generation this request was served under (every write renews it), so no copy
# outlives a write, an emptied cache or a reused event id; kept at most TIMEOUT, the most recent only.
_LOCAL_PAGES: OrderedDict[str, tuple[float, str]] = OrderedDict()
LOCAL_PAGES_MAX = 32


def _page(*, kind: str, event: Event, registration_open: bool, template: str, context: dict) -> str:
    """The page as every visitor sees it, from this process or the cache when a copy of this
    version is there."""
    key = _key(kind, event, registration_open)
    local_key = f"{key}:{current.served_generation()}"
    now = time.monotonic()
    local = _LOCAL_PAGES.get(local_key)
    if local is not None and now < local[0]:
        return local[1]
    html = cache.get(key)
    if html is None:
        html = _render_cached(template, context)
        cache.set(key, html, TIMEOUT)
    _LOCAL_PAGES[local_key] = (now + TIMEOUT, html)
    _LOCAL_PAGES.move_to_end(local_key)
    while len(_LOCAL_PAGES) > LOCAL_PAGES_MAX:
        _LOCAL_PAGES.popitem(last=False)
    return html


# --------------------------------------------------------------------------- signup form


def signup_page(request, event: Event, seats: Seats, stakeholder_type: str | None, context: dict) -> HttpResponse:
    """The signup page with an unbound form, for this event and stakeholder type, with every
    session's seats left as of this request.

    `event` and `seats` come from `queries.current_event_with_seats` (one query); `context["form"]`
    may be lazy: the form is only built when the cache has no current copy of the page.
    """
    html = _page(
        kind=f"signup:{stakeholder_type or 'any'}",
        event=event,
        registration_open=context["registration_open"],
        template="registrations/register.html",
        context=context,
    )
    return HttpResponse(_fill_visitor_slots(request, fill_seats(html, seats)))


# --------------------------------------------------------------------------- agenda


def agenda_page(request, event: Event, seats: Seats) -> HttpResponse:
    """The agenda with every session's seats left as of this request.

    `event` and `seats` come from `queries.current_event_with_seats` (one query).
    """
    registration_open = event.is_registration_open()
    context = {"event": event, "registration_open": registration_open, "days": partial(_agenda_days, event, seats)}
    html = _page(
        kind="agenda",
        event=event,
        registration_open=registration_open,
        template="registrations/home.html",
        context=context,
    )
    return HttpResponse(_fill_visitor_slots(request, fill_seats(html, seats)))


def choice_seats_slot(session_id: int) -> str:
    """The slot a signup form's session choice shows its seats left in (filled by `fill_seats`)."""
    return mark_safe(_CHOICE_SEATS_SLOT.format(int(session_id)))


def fill_seats(html: str, seats: Seats) -> str:
    """Every session's seats left as of this request, in the agenda's and the form's slots.

    A session missing from `seats` (added after they were read) is read on its own."""
    missing = {int(pk) for _kind, pk in _SEATS_SLOT_RE.findall(html)} - seats.keys()
    if missing:
        for session in queries.sessions_with_seats(Session.objects.filter(pk__in=missing)):
            seats[session.pk] = (session.seats_left, session.capacity)
    language = translation.get_language()

    def seats_left(match) -> str:
        left, capacity = seats.get(int(match.group(2)), (0, 0))
        return seats_left_text(left, capacity, language, choice=match.group(1) == "choice")

    return _SEATS_SLOT_RE.sub(seats_left, html)


def _agenda_days(event: Event, seats: Seats):
    """The sessions by day, each with a slot for its seats left (called only to render the page)."""
    sessions = queries.agenda(event)
    for session in sessions:
        session.seats_slot = mark_safe(_SEATS_SLOT.format(session.pk))
        # A session added since the seats were read: its seats from this query.
        seats.setdefault(session.pk, (session.seats_left, session.capacity))
    return queries.by_day(event, sessions)


@lru_cache(maxsize=4096)
def seats_left_text(seats_left: int, capacity: int, language: str | None, *, choice: bool = False) -> str:
    """'3 of 10 seats left', or when full 'Full · waitlist open' (agenda) / 'Full: you will be
    waitlisted' (a choice on the form); rendered once per combination and process."""
    with translation.override(language):
        return render_to_string(
            "registrations/_seats_left.html", {"seats_left": seats_left, "capacity": capacity, "choice": choice}
        ).strip()
