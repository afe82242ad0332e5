"""What an organizer's message says to one recipient: the placeholders, each recipient's values for
them (names, sessions, private link) and who a group message reaches. Read by the compose page's
preview, the outbox's rendering and the delegate's own data."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registrations import l10n
from registrations.models import Delegate, DelegateStatus, SeatStatus

PLACEHOLDERS = {
    "given_name": gettext_lazy("the recipient's given name"),
    "family_name": gettext_lazy("the recipient's family name"),
    "status_link": gettext_lazy("the recipient's private registration page (their own link)"),
    "sessions": gettext_lazy("the recipient's sessions and their status, one per line"),
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def sessions_text(delegate: Delegate, registrations: list) -> str:
    """One line per session the delegate holds, asked for or waits for, in the venue's time and zone,
    in the active language (the recipient's, when an email is rendered)."""
    labels = dict(SeatStatus.choices)
    tz = delegate.event.tz
    lines = []
    for reg in registrations:
        if reg.status == SeatStatus.CANCELLED:
            continue
        label = str(labels[reg.status])
        if reg.status == SeatStatus.WAITLISTED and getattr(reg, "position", None):
            label = _("%(status)s, position %(position)d") % {"status": label, "position": reg.position}
        when = l10n.session_span(reg.session.starts_at, reg.session.ends_at, tz, dated=True)
        lines.append(f"- {reg.session.title}, {when} ({label})")
    return "\n".join(lines) or _("(no sessions)")


def personalize(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced; anything else in braces is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholder_values(delegate: Delegate, registrations: list, status_link: str) -> dict[str, str]:
    return {
        "given_name": delegate.given_name,
        "family_name": delegate.family_name,
        "status_link": status_link,
        "sessions": sessions_text(delegate, registrations),
    }


def recipients(delegates: QuerySet[Delegate]) -> QuerySet[Delegate]:
    """Who a group message reaches: the group, less withdrawn and erased delegates, by id."""
    return (
        Delegate.objects.filter(pk__in=delegates.values("pk"))
        .exclude(status=DelegateStatus.WITHDRAWN)
        .filter(anonymized_at__isnull=True)
        .order_by("pk")
    )


def recipient_languages(people: QuerySet[Delegate]) -> list[tuple[str, int]]:
    """(language name, recipients) for a group, most read first: the compose page says who reads what."""
    names = dict(settings.LANGUAGES)
    counts = people.order_by().values("language").annotate(n=Count("pk")).values_list("language", "n")
    tally: dict[str, int] = {}
    for code, n in counts:
        name = str(names.get(code or settings.LANGUAGE_CODE, names[settings.LANGUAGE_CODE]))
        tally[name] = tally.get(name, 0) + n
    return sorted(tally.items(), key=lambda item: (-item[1], item[0]))
