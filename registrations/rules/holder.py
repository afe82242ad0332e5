"""The badge bound to its holder: when the name as in the passport is required, whether a badge may be
issued (a photo first, where the event asks), and what the badge desk needs before it activates one.

Each answer is (field, message) pairs, so a form puts them on its fields and a service raises the first.
"""

from __future__ import annotations

import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _

from registrations import l10n
from registrations.models import DelegateStatus, Event


def in_latin_letters(text: str) -> bool:
    """Every letter of `text` is a Latin one (accents allowed): "Amélie", "O'Neil"; not "山田", "김"."""
    return all("LATIN" in unicodedata.name(c, "") for c in text if c.isalpha())


def passport_name_needed(event: Event, given_name: str, family_name: str) -> bool:
    """Where the event checks identities, a name not in Latin letters needs its passport spelling: door
    staff and the badge desk compare it with the document."""
    return event.badge_activation_required and not in_latin_letters(given_name + family_name)


def passport_name_refusals(event: Event, given_name: str, family_name: str, passport_name: str) -> list[tuple]:
    if passport_name.strip() or not passport_name_needed(event, given_name, family_name):
        return []
    return [
        (
            "passport_name",
            _("Your name is not in Latin letters: write it as your passport prints it (e.g. YAMADA Taro)."),
        )
    ]


def badge_refusal(delegate) -> str:
    """Why this delegate may not have their badge yet (empty: they may). Approved delegates only;
    where the event asks for a photo, once they have one (not refused)."""
    if delegate.status != DelegateStatus.APPROVED:
        return _("Your badge is ready once your registration is approved.")
    if delegate.event.photo_required and not delegate.photo:
        if delegate.photo_refusal:
            return _("Your photo was not accepted: add another to get your badge.")
        return _("Add your photo to get your badge: door staff compare it with you.")
    return ""


def activation_refusals(delegate) -> list[tuple[str, str]]:
    """What stops the badge desk activating this delegate's badge, as (field, message) pairs."""
    refusals = []
    if delegate.anonymized_at is not None:
        return [("", _("This registration's personal data has been erased."))]
    if delegate.status != DelegateStatus.APPROVED:
        refusals.append(
            (
                "",
                _("Only an approved registration has a badge (this one is %(status)s).")
                % {"status": delegate.get_status_display().lower()},
            )
        )
    if delegate.event.photo_required and not delegate.photo:
        refusals.append(("", _("No photo yet: the delegate adds one on their status page, then comes back.")))
    if passport_name_needed(delegate.event, delegate.given_name, delegate.family_name) and not delegate.passport_name:
        refusals.append(
            ("", _("The name as in the passport is missing: an organizer adds it from the document, then activate."))
        )
    return refusals


def activation_summary(delegate) -> str:
    """ "Activated at 09:12 on 20 November by alice (passport)": when a badge already is."""
    when = timezone.localtime(delegate.identity_checked_at, delegate.event.tz)
    return _("Activated on %(date)s at %(time)s by %(name)s (%(document)s).") % {
        "date": l10n.date_format(when.date(), "DAY_MONTH_FORMAT"),
        "time": l10n.clock(delegate.identity_checked_at, delegate.event.tz),
        "name": delegate.identity_checked_by_name,
        "document": delegate.get_identity_document_display().lower(),
    }


def may_print_at_desk(delegate) -> bool:
    """The badge desk prints a badge once nothing stops its activation and, where the event asks for
    identity checks, once the badge is activated."""
    if activation_refusals(delegate):
        return False
    return delegate.badge_activated or not delegate.event.badge_activation_required


# What the badge desk compared with the person and their document: a change to any of them after the
# check means the badge is no longer bound to what was checked.
CHECKED_FIELDS = frozenset({"given_name", "family_name", "passport_name", "photo"})


def activation_voided(delegate, changed) -> bool:
    """Whether these changes (field names) undo the activation of this delegate's badge."""
    return delegate.badge_activated_version is not None and bool(CHECKED_FIELDS & set(changed))
