"""Korean formats for the venue's dates and times (see ../en/formats.py for the names).

"2027년 11월 20일 (토) 오전 10:00–11:30 (미 태평양 시간)", as Korean government notices write a
schedule: year, month, day, the one-syllable weekday in brackets, 오전/오후 once when both times are in
the same half of the day; the zone named by CLDR.
"""

DAY_FORMAT = "Y년 n월 j일 (D)"
EVENT_DATE_FORMAT = "Y년 n월 j일"
SESSION_START_FORMAT = "n월 j일 (D) A g:i"
SESSION_END_FORMAT = "A g:i"
SESSION_END_SAME_HALF_FORMAT = "g:i"
DATED_SESSION_START_FORMAT = "Y년 n월 j일 (D) A g:i"
CLOCK_FORMAT = "H:i"
MOMENT_FORMAT = "Y년 n월 j일 (D) A g:i"
SHORT_MOMENT_FORMAT = "Y. n. j. (D) H:i"
DATETIME_FORMAT = SHORT_MOMENT_FORMAT
SHORT_DATETIME_FORMAT = SHORT_MOMENT_FORMAT
DAY_MONTH_FORMAT = "n월 j일"
SHORT_DAY_FORMAT = "n월 j일 (D)"
SHORT_DAY_YEAR_FORMAT = "Y년 n월 j일 (D)"
# Django's "D" gives the whole weekday (토요일); Korean dates bracket its first syllable, Monday first.
SHORT_WEEKDAYS = ("월", "화", "수", "목", "금", "토", "일")
NAME_THE_ZONE = True
SPACED_RANGE = False
