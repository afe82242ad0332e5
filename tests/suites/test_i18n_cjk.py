"""Japanese and Korean beside English and French: pages, emails, calendar files and formats, for a
delegate whose stored language is ja or ko, and names in each culture's order."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from registrations import services
from registrations.models import AccessTier, Event, Institute, Session, StakeholderType
from registrations.queries import links
from tests.door.test_door import door_staff
from tests.english_words import english_words, page_text, visible_text
from tests.factories import SessionFactory, focal_point
from tests.suites.test_i18n import PUBLIC_URLS, render_every_kind

CONTENT = {
    "ja": {
        "name": "AI安全研究所国際ネットワーク会合",
        "venue": "プレシディオ・ゴールデンゲート・クラブ",
        "practical_information": "毎日8時15分に開場します。",
        "open": "リスク評価の科学",
        "government": "フロンティアモデルの共同テスト",
        "room": "第3会議室",
        "person": ("太郎", "山田", "yamada.taro@ipa.go.jp", "JP"),
        "greeting": "山田 太郎 様",
        "span": "2027年11月20日(土) 10:00–11:30 (米国太平洋時間)",
        "heading": "2027年11月20日(土)",
        "accept": "ja-JP,ja;q=0.9,en;q=0.5",
    },
    "ko": {
        "name": "AI 안전연구소 국제 네트워크 회의",
        "venue": "프레시디오 골든게이트 클럽",
        "practical_information": "매일 오전 8시 15분에 입장을 시작합니다.",
        "open": "위험 평가 과학",
        "government": "프런티어 모델 공동 시험",
        "room": "제3회의실",
        "person": ("민준", "김", "minjun.kim@etri.re.kr", "KR"),
        "greeting": "김민준 님께",
        "span": "2027년 11월 20일 (토) 오전 10:00–11:30 (미 태평양 시간)",
        "heading": "2027년 11월 20일 (토)",
        "accept": "ko-KR,ko;q=0.9,en;q=0.5",
    },
}
LANGUAGES = list(CONTENT)


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def content(language):
    return CONTENT[language]


@pytest.fixture
def local_sessions(event, language, content):
    setattr(event, f"name_{language}", content["name"])
    setattr(event, f"venue_{language}", content["venue"])
    setattr(event, f"practical_information_{language}", content["practical_information"])
    event.practical_information_en = "Doors open at 08:15."
    event.participant_list_visibility = "public"
    event.save()
    open_session = SessionFactory(
        event=event,
        title_en="Risk assessment science",
        description_en="Methods and gaps.",
        room_en="Room 3",
        capacity=3,
        starts_at=datetime(2027, 11, 20, 18, 0, tzinfo=UTC),
        ends_at=datetime(2027, 11, 20, 19, 30, tzinfo=UTC),
        **{f"title_{language}": content["open"], f"room_{language}": content["room"], f"description_{language}": "—"},
    )
    government_session = SessionFactory(
        event=event,
        title_en="Joint testing of frontier models",
        access_tier=AccessTier.GOVERNMENT_ONLY,
        capacity=1,
        **{f"title_{language}": content["government"], f"room_{language}": content["room"]},
    )
    return open_session, government_session


@pytest.fixture
def local_client(content):
    return Client(HTTP_ACCEPT_LANGUAGE=content["accept"])


@pytest.fixture
def local_delegate(local_sessions, language, content):
    open_session, _government = local_sessions
    given, family, email, iso = content["person"]
    return services.register_delegate(
        event=open_session.event,
        details={
            "given_name": given,
            "family_name": family,
            "email": email,
            "stakeholder_type": StakeholderType.GOVERNMENT,
            "institute": Institute.objects.get(iso_code=iso),
            "consent_data_processing": True,
            "language": language,
        },
        sessions=[open_session],
    ).delegate


def test_accept_language_picks_the_language_and_its_content(local_client, local_sessions, language, content):
    page = page_text(local_client.get("/"))

    assert f'<html lang="{language}">' in page
    assert content["open"] in page and content["name"] in page
    assert "Risk assessment science" not in page


def test_dates_and_times_read_as_the_language_writes_them(local_client, local_sessions, content):
    page = re.sub(r"<[^>]+>", "", page_text(local_client.get("/")))

    # The agenda gives the day without its year (the heading has it): "11月20日(土) 10:00–11:30 (…)".
    assert content["span"].replace("2027年", "").replace("2027년 ", "") in page
    assert content["heading"] in page


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "/door/login/", "/institute/login/"])
def test_public_door_and_portal_pages_have_no_english_words(local_client, local_sessions, url):
    response = local_client.get(url)

    assert response.status_code in {200, 404}
    assert english_words(visible_text(response.content.decode())) == []


@pytest.mark.parametrize("suffix", ["", "details/", "withdraw/", "participants/"])
def test_status_pages_have_no_english_words(local_client, local_delegate, suffix):
    response = local_client.get(links.status_path(local_delegate) + suffix)

    assert response.status_code == 200
    assert english_words(visible_text(response.content.decode())) == []


def test_every_email_is_in_the_delegates_language_with_its_greeting(local_delegate, organizer_actor, language, content):
    services.approve_delegates(delegate_ids=[local_delegate.pk], actor=organizer_actor)
    local_delegate.refresh_from_db()
    session = local_delegate.session_registrations.get().session

    with translation.override("en"):  # the organizer's language does not matter
        messages = render_every_kind(local_delegate, session)

    for kind, message in messages.items():
        html = message.alternatives[0][0]
        assert english_words(message.subject) == [], kind
        assert english_words(message.body) == [], kind
        assert english_words(visible_text(html)) == [], kind
        assert f'<html lang="{language}">' in html, kind
    assert messages["approved"].body.startswith(content["greeting"])
    assert content["open"] in messages["approved"].body


def test_the_calendar_file_is_in_the_delegates_language(client, local_delegate, organizer_actor, content):
    services.approve_delegates(delegate_ids=[local_delegate.pk], actor=organizer_actor)

    response = client.get(links.status_path(local_delegate) + "calendar.ics")  # an English browser

    ics = Calendar.from_ical(response.content)
    (entry,) = ics.walk("VEVENT")
    assert str(entry["summary"]) == content["open"]
    assert str(entry["location"]).startswith(content["room"])
    assert str(ics["x-wr-calname"]) == content["name"]


def test_the_portal_in_the_focal_points_language_has_no_english_words(client, local_sessions, language):
    event = local_sessions[0].event
    focal = focal_point("GB", language=language)
    client.force_login(focal.user)
    for url in (
        reverse("registrations:portal"),
        reverse("registrations:portal_event", args=[event.slug]),
        reverse("registrations:portal_nominate", args=[event.slug]),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert english_words(visible_text(response.content.decode())) == [], url


def test_the_demo_speaks_japanese_and_korean(db, language):
    call_command("load_demo", verbosity=0)
    event = Event.objects.get(slug="san-francisco-convening")

    assert getattr(event, f"name_{language}") and getattr(event, f"practical_information_{language}")
    sessions = Session.objects.filter(event=event)
    assert all(getattr(s, f"title_{language}") and getattr(s, f"room_{language}") for s in sessions)


ADMIN_WORDS = {"ja": ("ダッシュボード", "代表者", "会場時間"), "ko": ("대시보드", "대표", "현지 시간")}


def test_organizers_work_in_the_admin_in_japanese_and_korean(organizer_client, local_delegate, language):
    pages = [
        reverse("admin:index"),
        reverse("admin:dashboard"),
        reverse("admin:registrations_delegate_changelist"),
        reverse("admin:registrations_delegate_change", args=[local_delegate.pk]),
    ]
    seen = ""
    for url in pages:
        response = organizer_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode(), url
        seen += page_text(response)
    assert all(word in seen for word in ADMIN_WORDS[language])


def test_the_form_asks_for_the_family_name_first_in_japanese_and_korean(local_client, local_sessions, client):
    page = local_client.get("/register/").content.decode()
    english = client.get("/register/").content.decode()

    assert page.index('name="family_name"') < page.index('name="given_name"')
    assert english.index('name="given_name"') < english.index('name="family_name"')


def test_the_door_pages_in_japanese_and_korean_have_no_english_words(client, local_sessions, language):
    _open, government = local_sessions
    staff = door_staff(f"door-{language}")
    client.force_login(staff)
    event = government.event
    for url in (
        reverse("registrations:door"),
        f"{reverse('registrations:door')}?event={event.pk}",
        f"{reverse('registrations:door')}?event={event.pk}&session={government.pk}&door=Nord",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert english_words(visible_text(response.content.decode())) == [], url
