"""iCalendar files of a delegate's confirmed sessions (RFC 5545, via the icalendar package).

Always in the delegate's own language (`Delegate.language`), whoever asks for the file: titles,
descriptions and the venue come from the translated fields, the labels from the catalog.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from registrations.models import Delegate, Session
from registrations.queries import links


def sessions_calendar(delegate: Delegate, sessions: Iterable[Session]) -> bytes:
    with translation.override(delegate.language or settings.LANGUAGE_CODE):
        return _sessions_calendar(delegate, sessions)


def _sessions_calendar(delegate: Delegate, sessions: Iterable[Session]) -> bytes:
    event = delegate.event
    calendar = Calendar()
    calendar.add("prodid", "-//International Network of AI Safety Institutes//Registration//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", event.name)
    calendar.add("x-wr-caldesc", _("Your confirmed sessions at %(event)s") % {"event": event.name})
    calendar.add("x-wr-timezone", event.time_zone)
    tz = event.tz
    # Each event leads back to the delegate's status page (a withdrawn delegate's link is gone).
    status_url = links.status_url(delegate) if delegate.link_secret else ""
    for session in sessions:
        entry = CalendarEvent()
        entry.add("uid", f"session-{session.pk}-{delegate.public_id}@{settings.SITE_URL.split('//')[-1]}")
        entry.add("summary", session.title)
        entry.add("dtstart", session.starts_at.astimezone(tz))
        entry.add("dtend", session.ends_at.astimezone(tz))
        entry.add("location", ", ".join(part for part in (session.room, event.venue, event.address) if part))
        description = [session.description] if session.description else []
        if session.is_government_only:
            description.append(_("Government delegates only."))
        if status_url:
            entry.add("url", status_url)
            description.append(_("Your registration: %(url)s") % {"url": status_url})
        if description:
            entry.add("description", "\n\n".join(description))
        entry.add("dtstamp", session.updated_at)
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()
