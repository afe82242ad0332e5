"""Japanese formats for the venue's dates and times (see ../en/formats.py for the names).

"2027年11月20日(土) 10:00–11:30 (米国太平洋時間)", as Japanese ministries write a schedule: year, month,
day, the weekday in brackets, a 24-hour clock; the zone named by CLDR.
"""

DAY_FORMAT = "Y年n月j日(D)"
EVENT_DATE_FORMAT = "Y年n月j日"
SESSION_START_FORMAT = "n月j日(D) H:i"
SESSION_END_FORMAT = "H:i"
DATED_SESSION_START_FORMAT = "Y年n月j日(D) H:i"
CLOCK_FORMAT = "H:i"
MOMENT_FORMAT = "Y年n月j日(D) H:i"
SHORT_MOMENT_FORMAT = "Y/m/d(D) H:i"
DATETIME_FORMAT = SHORT_MOMENT_FORMAT
SHORT_DATETIME_FORMAT = SHORT_MOMENT_FORMAT
DAY_MONTH_FORMAT = "n月j日"
SHORT_DAY_FORMAT = "n月j日(D)"
SHORT_DAY_YEAR_FORMAT = "Y年n月j日(D)"
NAME_THE_ZONE = True
SPACED_RANGE = False
