"""Template tags for the venue's dates and times in the active language (see registrations/l10n.py)."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from registrations import l10n

register = template.Library()


@register.filter
def local_date(value, format_name: str):
    """`{{ day|local_date:"DAY_FORMAT" }}`: a date in one of our per-language formats (a moment in the
    active time zone: the venue's on pages rendered in it)."""
    if not value:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return l10n.date_format(value, l10n.local_format(format_name))


@register.simple_tag
def zone_name(event):
    """The event's time zone as the active language names it."""
    return l10n.zone_name(event.time_zone)


@register.simple_tag
def venue_moment(value, event):
    """A moment (registration opens ...) in the venue's zone, zone named."""
    return l10n.moment(value, event.tz)


@register.simple_tag
def session_times(session, event, dash="–"):
    """The session's start and end in the venue's zone as <time> elements, zone named."""
    tz = event.tz
    start, end, suffix = l10n.session_times(session.starts_at, session.ends_at, tz)
    return format_html(
        '<time datetime="{}">{}</time>{}<time datetime="{}">{}</time>{}',
        session.starts_at.astimezone(tz).isoformat(),
        start,
        l10n.range_dash(dash),
        session.ends_at.astimezone(tz).isoformat(),
        end,
        suffix,
    )


@register.simple_tag
def session_span(session, event, dash="–"):
    """The session's times as plain text, its date with the year (emails: read later, maybe in another year)."""
    return l10n.session_span(session.starts_at, session.ends_at, event.tz, dash, dated=True)


@register.filter
def before_full_stop(value) -> str:
    """A name that ends a sentence, without its own final full stop ("Frontier Lab Inc." + "." reads "..").

    An ellipsis stays as it is."""
    text = str(value).rstrip()
    if text.endswith(".") and not text.endswith(".."):
        return text[:-1]
    return text
