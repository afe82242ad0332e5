"""The venue's dates and times in the active language.

Formats come from Django's per-language format modules (FORMAT_MODULE_PATH = config/formats), so a
new language brings its own module or falls back to English's; zone names come from CLDR (Babel):
"heure du Pacifique", "Pacific Time".
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, tzinfo
from functools import lru_cache

from babel.dates import get_timezone_name
from django.utils import formats, translation

_MISSING = object()


def local_format(name: str, language: str | None = None, default=_MISSING):
    """A format of ours (DAY_FORMAT, SESSION_START_FORMAT ...) in the active language, else English's."""
    language = language or translation.get_language() or "en"
    for candidate in (language, "en"):
        for module in formats.get_format_modules(candidate):
            if hasattr(module, name):
                return getattr(module, name)
    if default is _MISSING:
        raise LookupError(name)
    return default


@lru_cache(maxsize=256)
def _zone_name(time_zone: str, language: str) -> str:
    if time_zone in {"UTC", "Etc/UTC"}:
        return "UTC"
    if not local_format("NAME_THE_ZONE", language):
        return time_zone
    locale = local_format("TIME_ZONE_NAME_LOCALE", language, None) or translation.to_locale(language)
    try:
        return get_timezone_name(zoneinfo.ZoneInfo(time_zone), "long", zone_variant="generic", locale=locale)
    except (LookupError, ValueError):
        return time_zone


def zone_name(time_zone: str) -> str:
    """The venue's zone as the active language names it: "heure du Pacifique"; English keeps the IANA id."""
    return _zone_name(time_zone, translation.get_language() or "en")


def _zone_suffix(tz: tzinfo) -> str:
    if not local_format("NAME_THE_ZONE"):
        return ""
    return f" ({zone_name(str(tz))})"


def date_format(value, format_string: str) -> str:
    """Django's date_format, with a language's own short weekdays where its format module names
    them (SHORT_WEEKDAYS, Monday first: Korean writes "(토)" where Django's "D" gives "토요일")."""
    weekdays = local_format("SHORT_WEEKDAYS", default=None)
    if weekdays and "D" in format_string:
        literal = "".join("\\" + char for char in weekdays[value.weekday()])
        format_string = re.sub(r"(?<!\\)D", lambda _match: literal, format_string)
    return formats.date_format(value, format_string)


def moment(value: datetime, tz: tzinfo) -> str:
    """A moment in the venue's zone, e.g. "vendredi 1 octobre 2027, 9 h 00 (heure du Pacifique)"."""
    return date_format(value.astimezone(tz), local_format("MOMENT_FORMAT")) + _zone_suffix(tz)


def clock(value: datetime, tz: tzinfo) -> str:
    """A time of day in the venue's zone: "07:48" / "7 h 48"."""
    return formats.time_format(value.astimezone(tz), local_format("CLOCK_FORMAT"))


def short_moment(value: datetime, tz: tzinfo) -> str:
    """A moment in an admin list column: "Tue 01 Dec 2026 07:49 PST", "mar 1 déc 2026, 7 h 49 (heure du Pacifique)"."""
    return date_format(value.astimezone(tz), local_format("SHORT_MOMENT_FORMAT")) + _zone_suffix(tz)


def session_times(starts_at: datetime, ends_at: datetime, tz: tzinfo, *, dated: bool = False) -> tuple[str, str, str]:
    """(start, end, zone suffix) of a session in the venue's zone, formatted for the active language;
    `dated`: the start with its year (emails)."""
    start_format = local_format("DATED_SESSION_START_FORMAT" if dated else "SESSION_START_FORMAT")
    start = date_format(starts_at.astimezone(tz), start_format)
    end_format = local_format("SESSION_END_FORMAT")
    same_half = (starts_at.astimezone(tz).hour < 12) == (ends_at.astimezone(tz).hour < 12)
    if same_half and local_format("SESSION_END_SAME_HALF_FORMAT", default=None):
        end_format = local_format("SESSION_END_SAME_HALF_FORMAT")  # "오전 10:00–11:30": 오전 said once
    end = formats.time_format(ends_at.astimezone(tz), end_format)
    return start, end, _zone_suffix(tz)


def range_dash(dash: str = "–") -> str:
    return f" {dash} " if local_format("SPACED_RANGE") else dash


def session_span(starts_at: datetime, ends_at: datetime, tz: tzinfo, dash: str = "–", *, dated: bool = False) -> str:
    """ "Sat 20 Nov, 10:00–11:30 PST" / "samedi 20 novembre 2027, 10 h 00 – 11 h 30 (heure du Pacifique)";
    `dated`: "Sat 20 Nov 2027, 10:00–11:30 PST"."""
    start, end, suffix = session_times(starts_at, ends_at, tz, dated=dated)
    return f"{start}{range_dash(dash)}{end}{suffix}"


# --------------------------------------------------------------------------- names


def _is_east_asian(char: str) -> bool:
    """Han (CJK ideographs), kana (hiragana, katakana) or hangul."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana extensions
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x1100 <= code <= 0x11FF  # hangul jamo
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0x3130 <= code <= 0x318F  # hangul compatibility jamo
        or 0x20000 <= code <= 0x3134F  # CJK extensions B-G
    )


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def family_name_first(given: str, family: str) -> bool:
    """Whether a name is written in Han, kana or hangul, where the family name comes first."""
    return any(_is_east_asian(c) for c in given + family)


def person_name(given: str, family: str) -> str:
    """A person's name in its own culture's order, whatever the page's language: the one rule for
    pages, emails, badges, exports and the door.

    Written in Han, kana or hangul: family name first ("山田 太郎"), and hangul alone without a space
    ("김민준"), as Korean writes a name; in Latin (or any other) script: given name first ("Taro Yamada").
    """
    given, family = given.strip(), family.strip()
    if not given or not family:
        return given or family
    if not family_name_first(given, family):
        return f"{given} {family}"
    if all(_is_hangul(c) for c in given + family if not c.isspace()):
        return f"{family}{given}"
    return f"{family} {given}"
