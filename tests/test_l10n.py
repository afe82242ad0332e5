"""`registrations/l10n.py`: names in their own culture's order (one rule for every output)."""

import zoneinfo
from datetime import datetime

import pytest
from django.utils import translation

from registrations import l10n
from tests.factories import DelegateFactory


@pytest.mark.parametrize(
    ("given", "family", "shown"),
    [
        ("Taro", "Yamada", "Taro Yamada"),  # Latin script: given name first
        ("Élodie", "Tremblay", "Élodie Tremblay"),
        ("太郎", "山田", "山田 太郎"),  # kanji: family name first, a space between
        ("はなこ", "さとう", "さとう はなこ"),  # kana
        ("タロウ", "ヤマダ", "ヤマダ タロウ"),  # katakana
        ("민준", "김", "김민준"),  # hangul: family name first, no space
        ("Min-jun", "Kim", "Min-jun Kim"),  # a Korean name in Latin letters keeps the Latin order
        ("太郎", "Yamada", "Yamada 太郎"),  # mixed scripts: the East Asian order
        ("Ada", "", "Ada"),
        ("", "Lovelace", "Lovelace"),
        ("  Ada ", " Lovelace ", "Ada Lovelace"),
    ],
)
def test_a_name_is_shown_in_its_cultures_order(given, family, shown):
    assert l10n.person_name(given, family) == shown


def test_every_output_takes_the_delegates_full_name_from_the_one_rule(db):
    assert DelegateFactory(given_name="太郎", family_name="山田").full_name == "山田 太郎"
    assert DelegateFactory(given_name="민준", family_name="김").full_name == "김민준"
    assert DelegateFactory(given_name="Taro", family_name="Yamada").full_name == "Taro Yamada"


@pytest.mark.parametrize(
    ("language", "span"),
    [
        ("en", "Sat 20 Nov 2027, 10:00–11:30 PST"),
        ("fr", "samedi 20 novembre 2027, 10 h 00 – 11 h 30 (heure du Pacifique)"),
        ("ja", "2027年11月20日(土) 10:00–11:30 (米国太平洋時間)"),
        ("ko", "2027년 11월 20일 (토) 오전 10:00–11:30 (미 태평양 시간)"),
    ],
)
def test_a_sessions_times_read_as_each_language_writes_them(language, span):
    tz = zoneinfo.ZoneInfo("America/Los_Angeles")
    starts, ends = datetime(2027, 11, 20, 10, 0, tzinfo=tz), datetime(2027, 11, 20, 11, 30, tzinfo=tz)
    with translation.override(language):
        assert l10n.session_span(starts, ends, tz, dated=True) == span


def test_korean_says_the_half_of_the_day_again_when_it_changes():
    tz = zoneinfo.ZoneInfo("America/Los_Angeles")
    starts, ends = datetime(2027, 11, 20, 11, 0, tzinfo=tz), datetime(2027, 11, 20, 13, 30, tzinfo=tz)
    with translation.override("ko"):
        assert l10n.session_span(starts, ends, tz, dated=True).startswith("2027년 11월 20일 (토) 오전 11:00–오후 1:30")
