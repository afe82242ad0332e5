"""French formats for the venue's dates and times, beside Django's own (see ../en/formats.py).

"samedi 20 novembre 2027, 10 h 00 – 11 h 30 (heure du Pacifique)", as French and Canadian
government services write them.
"""

DAY_FORMAT = "l j F Y"
EVENT_DATE_FORMAT = "j F Y"
SESSION_START_FORMAT = r"l j F Y, G \h i"
SESSION_END_FORMAT = r"G \h i"
DATED_SESSION_START_FORMAT = SESSION_START_FORMAT
MOMENT_FORMAT = r"l j F Y, G \h i"
# No-break spaces: "7 h 48" never breaks over two lines (the door's big message wraps).
CLOCK_FORMAT = "G\u00a0\\h\u00a0i"
# A moment in an admin list column: "mar 1 déc 2026, 7 h 49 (heure du Pacifique)".
SHORT_MOMENT_FORMAT = r"D j b Y, G \h i"
# Django's own format for a moment (the admin's read-only times): "dim 6 déc 2026, 18 h 44 PST".
DATETIME_FORMAT = r"D j b Y, G \h i T"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# A day in an admin chart or table: "6 déc", "dim 6 déc", "dim 6 déc 2026" (French writes months in
# lower case: Django's "M" gives "Déc", "b" gives "déc").
DAY_MONTH_FORMAT = "j b"
SHORT_DAY_FORMAT = "D j b"
SHORT_DAY_YEAR_FORMAT = "D j b Y"
NAME_THE_ZONE = True
SPACED_RANGE = True
# The CLDR locale that names the zones: Canadian French says "heure du Pacifique" and "heure de
# l'Est" where CLDR's French says "heure du Pacifique nord-américain"; European zones read the same.
TIME_ZONE_NAME_LOCALE = "fr_CA"
