"""The organizers' dashboard: figures per institute, stakeholder type, session and day, each linked
to the changelist it counts; the queues; the SVG chart without inline code; a query count that does
not grow with the number of delegates."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registrations.models import (
    CheckIn,
    Delegate,
    DelegateStatus,
    EmailKind,
    EmailStatus,
    Institute,
    OutboundEmail,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.queries import dashboard
from tests.factories import DelegateFactory, SessionFactory, SessionRegistrationFactory, UserFactory, institute
from tests.inline_code import inline_code

DASHBOARD = "admin:dashboard"


def changelist_ids(client, url) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "?e=" not in response.get("Location", ""), url
    return sorted(obj.pk for obj in response.context_data["cl"].queryset)


@pytest.fixture
def busy(event, open_session):
    """GB: 2 approved (quota 1: over), 1 pending with an unverified domain; JP: 1 pending; one academic."""
    gb = institute("GB")
    Institute.objects.filter(pk=gb.pk).update(delegate_quota=1)
    approved = [DelegateFactory(event=event, government=True, status=DelegateStatus.APPROVED) for _ in range(2)]
    unverified = DelegateFactory(event=event, government=True, email="someone@gmail.com", email_domain_verified=False)
    japanese = DelegateFactory(event=event, government=True, institute=institute("JP"), email="a@cao.go.jp")
    academic = DelegateFactory(event=event, status=DelegateStatus.REJECTED)
    SessionRegistrationFactory(delegate=approved[0], session=open_session, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(delegate=approved[1], session=open_session, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(delegate=academic, session=open_session, status=SeatStatus.CANCELLED)
    SessionRegistrationFactory(delegate=japanese, session=open_session, status=SeatStatus.WAITLISTED)
    SessionRegistrationFactory(delegate=unverified, session=open_session, status=SeatStatus.WAITLISTED)
    OutboundEmail.objects.create(kind=EmailKind.APPROVED, delegate=approved[0], status=EmailStatus.FAILED)
    OutboundEmail.objects.create(kind=EmailKind.APPROVED, delegate=approved[1], status=EmailStatus.SENT)
    return {"approved": approved, "unverified": unverified, "japanese": japanese, "academic": academic}


def test_institute_figures_flag_over_quota_and_link_to_their_delegates(organizer_client, event, busy):
    board = dashboard.build(event)

    rows = {row["iso_code"]: row for row in board.institutes}
    gb, jp = rows["GB"], rows["JP"]
    assert {k: gb[k] for k in ("registered", "pending", "approved", "rejected", "withdrawn", "quota_left")} == {
        "registered": 3,
        "pending": 1,
        "approved": 2,
        "rejected": 0,
        "withdrawn": 0,
        "quota_left": 0,
    }
    assert (gb["over_quota"], gb["waiting"], jp["over_quota"], jp["waiting"]) == (True, True, False, True)
    assert len(board.institutes) == Institute.objects.count()  # every member, even without delegates
    assert changelist_ids(organizer_client, gb["links"]["approved"]) == sorted(d.pk for d in busy["approved"])
    assert changelist_ids(organizer_client, gb["links"]["pending"]) == [busy["unverified"].pk]
    assert changelist_ids(organizer_client, jp["links"]["registered"]) == [busy["japanese"].pk]


def test_stakeholder_totals_and_links(organizer_client, event, busy):
    board = dashboard.build(event)

    rows = {row["label"]: row for row in board.stakeholders}
    government = rows[StakeholderType.GOVERNMENT.label]
    assert (government["registered"], government["pending"], government["approved"]) == (4, 2, 2)
    assert rows[StakeholderType.ACADEMIA.label]["rejected"] == 1
    assert board.totals == {
        "registered": 5,
        "pending": 2,
        "approved": 2,
        "rejected": 1,
        "withdrawn": 0,
        "unverified": 1,
    }
    assert changelist_ids(organizer_client, government["links"]["pending"]) == sorted(
        [busy["unverified"].pk, busy["japanese"].pk]
    )
    assert changelist_ids(organizer_client, board.links["unverified"]) == [busy["unverified"].pk]


def test_sessions_show_seats_and_highlight_the_nearly_full(organizer_client, event, busy, open_session):
    roomy = SessionFactory(event=event, title="Roomy", capacity=100, starts_at=open_session.ends_at)

    board = dashboard.build(event)

    rows = {row["pk"]: row for row in board.sessions}
    full = rows[open_session.pk]
    assert (full["confirmed_count"], full["capacity"], full["waitlisted_count"], full["held_count"]) == (2, 3, 2, 0)
    assert (full["nearly_full"], full["full"]) == (False, False)  # 2 of 3 is 67%
    assert (rows[roomy.pk]["nearly_full"], rows[roomy.pk]["percent"]) == (False, 0)
    assert changelist_ids(organizer_client, full["links"]["confirmed"]) == sorted(d.pk for d in busy["approved"])
    assert changelist_ids(organizer_client, full["links"]["waitlisted"]) == sorted(
        [busy["japanese"].pk, busy["unverified"].pk]
    )

    SessionRegistrationFactory(delegate=DelegateFactory(event=event), session=open_session, status=SeatStatus.CONFIRMED)
    full = {row["pk"]: row for row in dashboard.build(event).sessions}[open_session.pk]
    assert (full["nearly_full"], full["full"], full["percent"]) == (True, True, 100)
    page = organizer_client.get(reverse(DASHBOARD)).content.decode()
    assert '<tr class="full">' in page


def test_seat_filter_alone_lists_delegates_holding_such_a_seat(organizer_client, busy):
    url = reverse("admin:registrations_delegate_changelist") + "?seat=waitlisted"
    assert changelist_ids(organizer_client, url) == sorted([busy["japanese"].pk, busy["unverified"].pk])


def test_queues_list_the_oldest_pending_the_unverified_and_failed_emails(event, busy):
    Delegate.objects.filter(pk=busy["japanese"].pk).update(created_at=timezone.now() - timedelta(days=3))

    board = dashboard.build(event)

    assert [d.pk for d in board.oldest_pending] == [busy["japanese"].pk, busy["unverified"].pk]
    assert board.oldest_pending[0].age >= timedelta(days=3)
    assert [d.pk for d in board.unverified] == [busy["unverified"].pk]
    assert board.failed_email_count == 1
    assert [e.delegate_id for e in board.failed_emails] == [busy["approved"][0].pk]


def test_registrations_per_day_in_venue_time_with_links(organizer_client, event, busy):
    now = timezone.now()
    Delegate.objects.filter(pk=busy["academic"].pk).update(created_at=now - timedelta(days=2))

    board = dashboard.build(event)

    today = timezone.localdate(now, timezone=event.tz)
    assert [(d["day"], d["count"]) for d in board.per_day] == [
        (today - timedelta(days=2), 1),
        (today - timedelta(days=1), 0),
        (today, 4),
    ]
    assert board.per_day[-1]["total"] == 5
    assert changelist_ids(organizer_client, board.per_day[0]["link"]) == [busy["academic"].pk]
    assert len(board.chart["bars"]) == 3
    assert board.chart["bars"][1]["height"] == 0


def test_page_has_no_inline_code_and_the_numbers_in_a_table(organizer_client, event, busy):
    response = organizer_client.get(reverse(DASHBOARD), {"event": event.pk})

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    html = response.content.decode()
    assert inline_code(html) == []
    assert '<svg class="dashboard-chart"' in html
    assert 'class="dashboard-per-day-table"' in html
    assert "over quota" in html
    assert busy["unverified"].full_name in html


def test_index_links_to_the_dashboard_first(organizer_client):
    html = organizer_client.get(reverse("admin:index")).content.decode()
    assert html.index(reverse(DASHBOARD)) < html.index(reverse("admin:registrations_delegate_changelist"))


def test_staff_who_may_not_view_delegates_get_403(client, event):
    user = UserFactory(username="helper")
    user.user_permissions.add(Permission.objects.get(codename="view_session", content_type__app_label="registrations"))
    client.force_login(user)
    assert client.get(reverse(DASHBOARD)).status_code == 403


def test_unknown_event_is_404_and_bad_id_falls_back(organizer_client, event):
    assert organizer_client.get(reverse(DASHBOARD), {"event": "999999"}).status_code == 404
    assert organizer_client.get(reverse(DASHBOARD), {"event": "x"}).status_code == 200


def seed(event, sessions, count: int, start: int = 0) -> None:

    gb, jp = institute("GB"), institute("JP")
    people = Delegate.objects.bulk_create(
        [
            Delegate(
                event=event,
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                email=f"d{n}@example.org",
                email_key=f"d{n}@example.org",
                stakeholder_type=StakeholderType.GOVERNMENT if n % 3 == 0 else StakeholderType.ACADEMIA,
                institute=(gb if n % 2 else jp) if n % 3 == 0 else None,
                organization="" if n % 3 == 0 else "University",
                country="JP",
                consent_data_processing=True,
                status=[DelegateStatus.PENDING, DelegateStatus.APPROVED, DelegateStatus.REJECTED][n % 3],
            )
            for n in range(start, start + count)
        ],
        batch_size=1000,
    )
    SessionRegistration.objects.bulk_create(
        [
            SessionRegistration(
                delegate=d, session=sessions[i % len(sessions)], status=[SeatStatus.CONFIRMED, "waitlisted"][i % 2]
            )
            for i, d in enumerate(people)
        ],
        batch_size=1000,
    )
    if start:  # spread the later ones over earlier days: more days would mean more rows, not queries
        Delegate.objects.filter(pk__in=[d.pk for d in people[::7]]).update(
            created_at=timezone.now() - timedelta(days=5)
        )


def dashboard_queries(client, event) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(DASHBOARD), {"event": event.pk})
    assert response.status_code == 200
    return len(queries)


def test_same_number_of_queries_at_100_and_10000_delegates(organizer_client, event, open_session, government_session):
    sessions = [open_session, government_session]
    seed(event, sessions, 100)
    small = dashboard_queries(organizer_client, event)
    seed(event, sessions, 9_900, start=100)
    assert Delegate.objects.filter(event=event).count() == 10_000
    large = dashboard_queries(organizer_client, event)

    assert small == large


def test_sessions_count_standing_check_ins_and_link_to_them(organizer_client, event, busy, open_session):

    first, second = busy["approved"]
    CheckIn.objects.create(event=event, delegate=first, session=open_session, door="Main hall")
    CheckIn.objects.create(
        event=event, delegate=second, session=open_session, door="Main hall", undone_at=timezone.now()
    )

    (row,) = [s for s in dashboard.build(event).sessions if s["pk"] == open_session.pk]

    assert row["checked_in_count"] == 1
    response = organizer_client.get(row["links"]["checked_in"])
    assert [c.delegate_id for c in response.context_data["cl"].queryset] == [first.pk]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_charts_coordinates_are_numbers_in_every_language(organizer_client, event, busy, language):
    now = timezone.now()
    Delegate.objects.filter(pk=busy["academic"].pk).update(created_at=now - timedelta(days=2))
    organizer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = organizer_client.get(reverse(DASHBOARD), {"event": event.pk}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    svg = re.search(r"<svg class=\"dashboard-chart\".*?</svg>", html, re.S).group(0)
    view_box = re.search(r'viewBox="([^"]*)"', svg).group(1)
    coordinates = re.findall(r'\s(?:x|y|x1|y1|x2|y2|width|height)="([^"]*)"', svg)
    assert len(coordinates) > 10
    for value in [*view_box.split(), *coordinates]:
        float(value)  # "83,2" (a French decimal comma) would raise here
