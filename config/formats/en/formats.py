"""English formats for the venue's dates and times, beside Django's own (FORMAT_MODULE_PATH).

The names in capitals after Django's are read by `registrations.l10n.local_format`; a language
without a module of its own uses these (with its own month and day names).
"""

# The agenda's day headings: "Saturday 20 November 2027".
DAY_FORMAT = "l j F Y"
# An event's first and last day: "20 November 2027".
EVENT_DATE_FORMAT = "j F Y"
# A session's start and end, in the venue's zone: "Sat 20 Nov, 10:00–11:30 PST".
SESSION_START_FORMAT = "D j M, H:i"
SESSION_END_FORMAT = "H:i T"
# The same start with its year, for emails (read later, maybe in another year): "Sat 20 Nov 2027, 10:00".
DATED_SESSION_START_FORMAT = "D j M Y, H:i"
# A time of day in the venue's zone, as the door says when someone came in: "07:48".
CLOCK_FORMAT = "H:i"
# A moment such as registration opening: "1 October 2027, 09:00 PDT".
MOMENT_FORMAT = "j F Y, H:i T"
# A moment in an admin list column, short: "Tue 01 Dec 2026 07:49 PST".
SHORT_MOMENT_FORMAT = "D d M Y H:i T"
# Django's own format for a moment (the admin's read-only times, a datetime printed as is): the same
# as SHORT_MOMENT_FORMAT, in the active time zone (the venue's on an event's pages), never "6:43 p.m.".
DATETIME_FORMAT = SHORT_MOMENT_FORMAT
SHORT_DATETIME_FORMAT = SHORT_MOMENT_FORMAT
# A day in an admin chart or table: "6 Dec", "Sun 6 Dec", "Sun 6 Dec 2026".
DAY_MONTH_FORMAT = "j M"
SHORT_DAY_FORMAT = "D j M"
SHORT_DAY_YEAR_FORMAT = "D j M Y"
# Whether the zone's name follows the times in brackets ("(heure du Pacifique)"); English puts its
# abbreviation in the time formats above instead, and names the zone by its IANA id.
NAME_THE_ZONE = False
# Spaces around the dash between a start and an end time.
SPACED_RANGE = False
