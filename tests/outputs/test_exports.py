"""Attendee CSV exports: parsed back with the csv module and compared with the database.

Covers both shapes, formula neutralization, line breaks, non-ASCII with the byte-order mark, the
filtered changelist, session and institute pages, the command, permissions, the audit trail and
constant query counts.
"""

import codecs
import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from registrations import queries
from registrations.models import (
    AuditEntry,
    Delegate,
    DelegateStatus,
    SeatStatus,
    SessionRegistration,
    StakeholderType,
)
from registrations.outputs import csv_safe, exports
from tests.factories import (
    DelegateFactory,
    SessionFactory,
    SessionRegistrationFactory,
    UserFactory,
    institute,
)

CHANGELIST = "admin:registrations_delegate_changelist"
EXPORT = "admin:registrations_delegate_export"


# --------------------------------------------------------------------------- helpers


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(codecs.BOM_UTF8), "the file must start with a UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def consume(response) -> bytes:
    assert response.status_code == 200, response.content if not response.streaming else response.status_code
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def download(client, url, data=None) -> list[dict]:
    return read_csv(consume(client.get(url, data or {})))


def venue_time(moment, event) -> str:
    return moment.astimezone(event.tz).isoformat(timespec="seconds")


def expected_delegate(d: Delegate) -> dict:
    """What a delegate's columns must say, computed from the model's own API."""
    return {
        "Delegate ID": str(d.pk),
        "Given name": d.given_name,
        "Family name": d.family_name,
        "Email": d.email,
        "Stakeholder type": d.get_stakeholder_type_display(),
        "Institute": d.institute.name if d.institute_id else "",
        "Member": d.institute.member if d.institute_id else "",
        "Organization": d.organization,
        "Job title": d.job_title,
        "Country": d.country.name,
        "Registration status": d.get_status_display(),
        "Endorsement": d.get_endorsement_display() if d.institute_id else "",
        "Email domain": ("verified" if d.email_domain_verified else "unverified") if d.institute_id else "",
        "Dietary needs": d.dietary_needs,
        "Accessibility needs": d.accessibility_needs,
        "Visa support letter": "yes" if d.needs_visa_letter else "no",
        "Listed as participant": "yes" if d.consent_participant_list else "no",
        "Registered at": venue_time(d.created_at, d.event),
        "Event": d.event.name,
    }


def expected_sessions(d: Delegate) -> str:
    parts = []
    for reg in queries.delegate_registrations(d):
        if reg.status == SeatStatus.CANCELLED:
            continue
        label = reg.get_status_display()
        if reg.status == SeatStatus.WAITLISTED:
            label += f", position {reg.position}"
        parts.append(f"{reg.session.title} ({label})")
    return "; ".join(parts)


def expected_per_delegate(delegates) -> list[dict]:
    ordered = delegates.select_related("event", "institute").order_by("pk")  # the order they registered
    return [{**expected_delegate(d), "Sessions": expected_sessions(d)} for d in ordered]


def expected_seat(reg: SessionRegistration, position=None) -> dict:
    d, s = reg.delegate, reg.session
    return {
        **expected_delegate(d),
        "Session": s.title,
        "Session starts": venue_time(s.starts_at, s.event),
        "Session ends": venue_time(s.ends_at, s.event),
        "Room": s.room,
        "Tier": s.get_access_tier_display(),
        "Seat status": reg.get_status_display(),
        "Waitlist position": "" if position is None else str(position),
        "Requested at": venue_time(reg.requested_at, s.event),
    }


def staff_without_export(username="helpdesk"):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="view_delegate"))
    return user


@pytest.fixture
def agenda(event, open_session, government_session):
    """Three delegates with seats in both sessions, including a waitlist and a cancelled seat."""
    now = timezone.now()
    gov = DelegateFactory(event=event, government=True, given_name="Haruto", family_name="Sato", status="approved")
    academic = DelegateFactory(event=event, given_name="Ana", family_name="Lima", status="approved")
    pending = DelegateFactory(event=event, given_name="Ben", family_name="Okafor")
    SessionRegistrationFactory(delegate=gov, session=government_session, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(delegate=gov, session=open_session, status=SeatStatus.WAITLISTED, requested_at=now)
    SessionRegistrationFactory(delegate=academic, session=open_session, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(
        delegate=pending, session=open_session, status=SeatStatus.WAITLISTED, requested_at=now - timedelta(hours=1)
    )
    SessionRegistrationFactory(
        delegate=academic, session=government_session, status=SeatStatus.CANCELLED, cancel_reason="ineligible"
    )
    return [gov, academic, pending]


# --------------------------------------------------------------------------- format


def test_changelist_export_per_delegate_matches_database(organizer_client, agenda):
    rows = download(organizer_client, reverse(EXPORT))

    assert rows == expected_per_delegate(Delegate.objects.all())
    assert (
        rows[0]["Sessions"]
        == "Joint testing of frontier models (Confirmed); Risk assessment science (Waitlisted, position 2)"
    )
    assert rows[0]["Stakeholder type"] == "Government"


def test_changelist_export_per_session_matches_database(organizer_client, agenda, open_session, government_session):
    rows = download(organizer_client, reverse(EXPORT), {"shape": "session"})

    gov, academic, pending = agenda
    reg = {(r.delegate_id, r.session_id): r for r in SessionRegistration.objects.select_related("delegate__event")}
    # By start time; in a session: confirmed, then the waitlist in order.
    assert rows == [
        expected_seat(reg[gov.pk, government_session.pk]),
        expected_seat(reg[academic.pk, open_session.pk]),
        expected_seat(reg[pending.pk, open_session.pk], position=1),
        expected_seat(reg[gov.pk, open_session.pk], position=2),
    ]
    assert [(r["Session"], r["Seat status"], r["Waitlist position"]) for r in rows] == [
        ("Joint testing of frontier models", "Confirmed", ""),
        ("Risk assessment science", "Confirmed", ""),
        ("Risk assessment science", "Waitlisted", "1"),
        ("Risk assessment science", "Waitlisted", "2"),
    ]
    assert rows[0]["Tier"] == "Government only"
    assert rows[0]["Session starts"].endswith("-08:00")  # the venue's zone (Pacific), ISO 8601


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_evaluate_are_neutralized(organizer_client, event, prefix):
    dangerous = f'{prefix}HYPERLINK("http://evil.example","x")'
    d = DelegateFactory(event=event, given_name=dangerous, job_title="+41 22 730 11 11", dietary_needs="-")

    rows = download(organizer_client, reverse(EXPORT))

    assert rows[0]["Given name"] == "'" + dangerous
    assert rows[0]["Job title"] == "'+41 22 730 11 11"  # a phone number stays readable
    assert rows[0]["Dietary needs"] == "'-"
    assert rows[0]["Family name"] == d.family_name  # harmless text is untouched


def test_neutralize_keeps_safe_text_and_prefixes_only_formula_triggers():
    assert [csv_safe.neutralize(v) for v in ["", "Sato", "41", "a=b", "=1+1", "@SUM(A1)", "\rx"]] == [
        "",
        "Sato",
        "41",
        "a=b",
        "'=1+1",
        "'@SUM(A1)",
        "'\rx",
    ]


SPLIT_FORMULAS = [
    "x;=1+1;y",
    "x,=1+1,y",
    "x\t=1+1\ty",
    'x;"=1+1";y',
    "x; =1+1",
    "x;+41 22 730 11 11",
    "x;-1",
    "x,@SUM(A1)",
    "x;\t=1",
    "x\r\n=1+1",
    '";=1',
    "=1;=2,=3",
]


def pieces(body: bytes) -> list[str]:
    """Every piece of the file a spreadsheet (or a line-by-line tool) could take for a cell: each line
    cut at commas, semicolons and tabs, surrounding quotes and spaces stripped."""
    text = body.decode("utf-8-sig")
    result = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for separator in (",", ";", "\t"):
            result.extend(piece.strip('" ') for piece in line.split(separator))
    return result


@pytest.mark.parametrize("shape", ["delegate", "session"])
def test_no_piece_of_an_exported_cell_starts_a_formula_whatever_the_list_separator(
    organizer_client, event, open_session, shape
):
    open_session.title = "Panel;=HYPERLINK(1)"
    open_session.save()
    for value in SPLIT_FORMULAS:
        d = DelegateFactory(event=event, given_name=value, organization=value, dietary_needs=value)
        SessionRegistrationFactory(delegate=d, session=open_session, status=SeatStatus.REQUESTED)

    body = consume(organizer_client.get(reverse(EXPORT), {"shape": shape}))

    starts = [piece for piece in pieces(body) if piece[:1] in csv_safe.FORMULA_TRIGGERS]
    assert starts == []
    rows = read_csv(body)
    assert sorted(row["Given name"] for row in rows) == sorted(csv_safe.neutralize(v) for v in SPLIT_FORMULAS)
    assert csv_safe.neutralize("x;=1+1;y") == "x;'=1+1;y"  # the text is kept, the formula is not
    assert all(field.startswith('"') for field in body.decode("utf-8-sig").split("\r\n")[0].split(","))


def test_a_cell_holding_the_row_joiner_is_neutralized_in_place():
    row = ["a", "b\x1f=1", "=2", ""]
    assert csv_safe.neutralize_row(row) == ["a", "b\x1f'=1", "'=2", ""]
    assert csv_safe.neutralize_row([]) == []


def test_neutralize_prefixes_each_piece_that_would_start_a_formula():
    assert [csv_safe.neutralize(v) for v in ["x;=1+1;y", "a,b", "a; =1", "Jean-Pierre", "a, -1", "a;b=c"]] == [
        "x;'=1+1;y",
        "a,b",
        "a;' =1",
        "Jean-Pierre",
        "a,' -1",
        "a;b=c",
    ]


def test_line_breaks_commas_and_quotes_inside_cells_round_trip(organizer_client, event):
    needs = 'Wheelchair access,\nstep-free route\r\nand a "quiet" room'
    DelegateFactory(event=event, accessibility_needs=needs, organization="Smith, Jones & Co")

    body = consume(organizer_client.get(reverse(EXPORT)))
    rows = read_csv(body)

    assert len(rows) == 1
    assert rows[0]["Accessibility needs"] == needs
    assert rows[0]["Organization"] == "Smith, Jones & Co"
    assert body.count(b"\r\n") >= 2  # rows end with CRLF; the break inside the cell is quoted


def test_non_ascii_names_round_trip_with_byte_order_mark(organizer_client, event):
    DelegateFactory(
        event=event,
        government=True,
        institute=institute("JP"),
        given_name="日本",
        family_name="山田",
        email="yamada@cao.go.jp",
    )
    DelegateFactory(event=event, given_name="한국", family_name="김", organization="서울대학교")
    DelegateFactory(event=event, given_name="Élodie", family_name="Tremblay", organization="Université Laval")

    body = consume(organizer_client.get(reverse(EXPORT)))

    assert body[:3] == codecs.BOM_UTF8
    assert body.count(codecs.BOM_UTF8) == 1
    rows = read_csv(body)
    assert {(r["Given name"], r["Family name"]) for r in rows} == {
        ("日本", "山田"),
        ("한국", "김"),
        ("Élodie", "Tremblay"),
    }
    assert "서울대학교" in {r["Organization"] for r in rows}
    assert rows == expected_per_delegate(Delegate.objects.all())


# --------------------------------------------------------------------------- where


def test_changelist_export_equals_the_filter_across_all_pages(organizer_client, event):
    Delegate.objects.bulk_create(
        [
            Delegate(
                event=event,
                given_name=f"Given{i}",
                family_name="Academic",
                email=f"a{i}@example.edu",
                email_key=f"a{i}@example.edu",
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="University",
                status=DelegateStatus.APPROVED if i % 3 else DelegateStatus.PENDING,
                consent_data_processing=True,
            )
            for i in range(150)
        ]
    )
    DelegateFactory(event=event, stakeholder_type=StakeholderType.INDUSTRY, organization="Corp", status="approved")
    params = {"status__exact": "approved", "stakeholder_type__exact": "academia"}

    rows = download(organizer_client, reverse(EXPORT), params)

    expected = Delegate.objects.filter(status="approved", stakeholder_type="academia")
    assert expected.count() == 100  # more than one changelist page (list_per_page is 100)
    assert sorted(int(r["Delegate ID"]) for r in rows) == sorted(expected.values_list("pk", flat=True))
    assert {r["Registration status"] for r in rows} == {"Approved"}


def test_changelist_export_follows_search_and_session_filter(organizer_client, agenda, open_session):
    rows = download(organizer_client, reverse(EXPORT), {"q": "lima"})
    assert [r["Family name"] for r in rows] == ["Lima"]

    rows = download(organizer_client, reverse(EXPORT), {"session": str(open_session.pk), "status__exact": "approved"})
    assert [r["Family name"] for r in rows] == ["Sato", "Lima"]


def test_changelist_export_with_bad_parameters_is_a_clear_400(organizer_client, agenda):
    response = organizer_client.get(reverse(EXPORT), {"shape": "spreadsheet"})
    assert response.status_code == 400
    assert b"shape=delegate" in response.content

    response = organizer_client.get(reverse(EXPORT), {"no_such_field__exact": "1"})
    assert response.status_code == 400
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_changelist_shows_export_links_with_the_current_filters(organizer_client, agenda):
    response = organizer_client.get(reverse(CHANGELIST), {"status__exact": "approved"})

    content = response.content.decode()
    assert f'href="{reverse(EXPORT)}?status__exact=approved"' in content
    assert ">Export CSV</a>" in content
    assert f'href="{reverse(EXPORT)}?status__exact=approved&amp;shape=session"' in content


def test_export_selected_action_asks_the_shape_then_exports_only_the_selected(organizer_client, agenda):
    gov, academic, _pending = agenda
    data = {"action": "export_selected", "index": "0", "_selected_action": [gov.pk, academic.pk]}

    choice = organizer_client.post(reverse(CHANGELIST), data)
    assert choice.status_code == 200
    assert b"2 delegates will be exported" in choice.content

    rows = read_csv(consume(organizer_client.post(reverse(CHANGELIST), {**data, "shape": "delegate"})))
    assert rows == expected_per_delegate(Delegate.objects.filter(pk__in=[gov.pk, academic.pk]))
    entry = AuditEntry.objects.get(action="export")
    assert entry.details["scope"] == "selected"
    assert sorted(entry.details["filter"]["selected"]) == sorted([str(gov.pk), str(academic.pk)])
    assert entry.details["rows"] == 2


def test_session_export_lists_confirmed_then_waitlisted_with_position(organizer_client, agenda, open_session):
    response = organizer_client.get(reverse("admin:registrations_session_export", args=[open_session.pk]))
    rows = read_csv(consume(response))

    assert [(r["Family name"], r["Seat status"], r["Waitlist position"]) for r in rows] == [
        ("Lima", "Confirmed", ""),
        ("Okafor", "Waitlisted", "1"),
        ("Sato", "Waitlisted", "2"),
    ]
    gov, academic, pending = agenda
    regs = {r.delegate_id: r for r in open_session.registrations.select_related("delegate__event", "session__event")}
    assert rows == [
        expected_seat(regs[academic.pk]),
        expected_seat(regs[pending.pk], position=1),
        expected_seat(regs[gov.pk], position=2),
    ]
    assert f"_session-{open_session.pk}-risk-assessment-science-by-session_" in response["Content-Disposition"]


def test_session_page_links_to_its_export(organizer_client, open_session):
    response = organizer_client.get(reverse("admin:registrations_session_change", args=[open_session.pk]))
    assert reverse("admin:registrations_session_export", args=[open_session.pk]).encode() in response.content


def test_institute_export_lists_its_delegates(organizer_client, event):
    gb = DelegateFactory(event=event, government=True, family_name="Clarke")
    DelegateFactory(event=event, government=True, institute=institute("JP"), email="a@cao.go.jp")
    DelegateFactory(event=event)

    response = organizer_client.get(reverse("admin:registrations_institute_export", args=[institute("GB").pk]))
    rows = read_csv(consume(response))

    assert rows == expected_per_delegate(Delegate.objects.filter(pk=gb.pk))
    today = timezone.localdate(timezone=event.tz).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}_institute-gb_{today}.csv"'
    page = organizer_client.get(reverse("admin:registrations_institute_change", args=[institute("GB").pk]))
    assert reverse("admin:registrations_institute_export", args=[institute("GB").pk]).encode() in page.content


def test_file_name_says_event_scope_and_date(organizer_client, agenda, event):
    response = organizer_client.get(
        reverse(EXPORT), {"status__exact": "approved", "stakeholder_type__exact": "academia"}
    )
    consume(response)
    today = timezone.localdate(timezone=event.tz).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}_approved-academia_{today}.csv"'


# --------------------------------------------------------------------------- command


def test_command_writes_the_file_and_records_the_export(tmp_path, agenda, event, open_session):
    target = tmp_path / "confirmed.csv"

    call_command("export_attendees", event=event.slug, status="confirmed", output=str(target), stderr=io.StringIO())

    rows = read_csv(target.read_bytes())
    confirmed = Delegate.objects.filter(session_registrations__status=SeatStatus.CONFIRMED).distinct()
    assert rows == expected_per_delegate(confirmed)
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor_kind, entry.details["rows"], entry.details["filter"]) == (
        "system",
        2,
        {"event": event.slug, "status": "confirmed"},
    )
    assert entry.actor_name.startswith("export_attendees command")


def test_command_session_shape_to_stdout(agenda, open_session):
    out = io.StringIO()
    call_command("export_attendees", session=str(open_session.pk), shape="session", stdout=out, stderr=io.StringIO())

    rows = read_csv(out.getvalue().encode())
    assert [(r["Family name"], r["Waitlist position"]) for r in rows] == [("Lima", ""), ("Okafor", "1"), ("Sato", "2")]


def test_command_filters_by_institute_and_status(agenda, event):
    DelegateFactory(event=event, government=True, family_name="Pending", status="pending")
    out = io.StringIO()

    call_command("export_attendees", institute="gb", status="approved", stdout=out, stderr=io.StringIO())

    assert [r["Family name"] for r in read_csv(out.getvalue().encode())] == ["Sato"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"event": "nope"}, "No event with slug 'nope'"),
        ({"session": "abc"}, "takes a session id"),
        ({"session": "999999"}, "No session with id 999999"),
        ({"institute": "ZZ"}, "No institute with ISO code 'ZZ'"),
    ],
)
def test_command_refuses_bad_input_with_a_clear_message(db, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_attendees", stdout=io.StringIO(), **options)
    assert AuditEntry.objects.count() == 0


# --------------------------------------------------------------------------- permissions and audit


def test_staff_without_the_export_permission_gets_403(client, agenda, open_session):
    client.force_login(staff_without_export())
    urls = [
        reverse(EXPORT),
        reverse("admin:registrations_session_export", args=[open_session.pk]),
        reverse("admin:registrations_institute_export", args=[institute("GB").pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]

    changelist = client.get(reverse(CHANGELIST))
    assert b"export_selected" not in changelist.content
    assert b">Export CSV<" not in changelist.content
    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_selected", "index": "0", "_selected_action": [agenda[0].pk], "shape": "delegate"},
    )
    assert not response.streaming
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_anonymous_users_are_sent_to_login(client, agenda):
    response = client.get(reverse(EXPORT))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_organizers_can_export_and_the_audit_trail_records_it(organizer_client, organizer_user, agenda, event):
    params = {"status__exact": "approved", "q": "a"}

    rows = download(organizer_client, reverse(EXPORT), params)

    entry = AuditEntry.objects.get(action="export")
    assert entry.actor_user == organizer_user
    assert entry.actor_name == organizer_user.username
    assert entry.event == event
    # The search text (typically a name) is not kept: only that there was a search.
    assert entry.details == {
        "scope": "approved-search",
        "shape": "delegate",
        "filter": {"status__exact": "approved", "q": "[redacted]"},
        "rows": len(rows),
        "complete": True,
        "file": f"{event.slug}_approved-search_{timezone.localdate(timezone=event.tz).isoformat()}.csv",
    }
    assert len(rows) == 2


def test_an_abandoned_download_is_still_recorded(organizer_actor, agenda):
    stream = exports.AttendeeExport(delegates=Delegate.objects.all()).stream(organizer_actor)
    assert next(stream) == csv_safe.BOM
    stream.close()  # what a WSGI server does when the client goes away

    entry = AuditEntry.objects.get(action="export")
    assert (entry.details["complete"], entry.details["rows"]) == (False, 0)


# --------------------------------------------------------------------------- scale


def seed(event, sessions, delegates: int, seats_each: int):
    people = Delegate.objects.bulk_create(
        [
            Delegate(
                event=event,
                given_name=f"Given{i}",
                family_name=f"Family{i:05d}",
                email=f"d{i}@example.org",
                email_key=f"d{i}@example.org",
                stakeholder_type=StakeholderType.ACADEMIA,
                organization="University",
                country="JP",
                consent_data_processing=True,
            )
            for i in range(delegates)
        ]
    )
    statuses = [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED, SeatStatus.REQUESTED]
    SessionRegistration.objects.bulk_create(
        [
            SessionRegistration(delegate=d, session=s, status=statuses[(i + j) % 3])
            for i, d in enumerate(people)
            for j, s in enumerate(sessions[:seats_each])
        ]
    )


def export_queries(client, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(consume(client.get(reverse(EXPORT), params)))
    return len(queries), len(rows)


@pytest.mark.parametrize(("shape", "seats_each"), [("delegate", 2), ("session", 10)])
def test_same_query_count_at_10_and_1000_rows(organizer_client, event, shape, seats_each):
    sessions = [SessionFactory(event=event, title=f"Session {n:02d}") for n in range(10)]
    per_delegate = 1 if shape == "delegate" else seats_each

    seed(event, sessions, 10 // per_delegate, seats_each)
    small = export_queries(organizer_client, {"shape": shape})
    Delegate.objects.all().delete()
    seed(event, sessions, 1000 // per_delegate, seats_each)
    large = export_queries(organizer_client, {"shape": shape})

    assert (small[1], large[1]) == (10, 1000)
    assert small[0] == large[0]


def test_export_queries_are_few_and_fixed(organizer_actor, agenda, django_assert_num_queries):
    # Per delegate: the event (for the file name), the delegates, their seats, the audit entry
    # (written in its own atomic block: a savepoint inside the test's transaction).
    export = exports.AttendeeExport(delegates=Delegate.objects.all())
    with django_assert_num_queries(6 if connection.features.uses_savepoints else 4):
        body = "".join(export.stream(organizer_actor))
        export.file_name()
    assert len(read_csv(body.encode())) == 3


def test_namesakes_keep_their_own_sessions(organizer_client, event, open_session, government_session):
    # The per-delegate shape merges two sorted streams; equal names must not swap seats.
    first = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    second = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    nobody = DelegateFactory(event=event, given_name="Ana", family_name="Lima")
    SessionRegistrationFactory(delegate=second, session=open_session, status=SeatStatus.CONFIRMED)
    SessionRegistrationFactory(delegate=first, session=government_session, status=SeatStatus.REQUESTED)

    rows = download(organizer_client, reverse(EXPORT))

    assert [(r["Delegate ID"], r["Sessions"]) for r in rows] == [
        (str(first.pk), "Joint testing of frontier models (Requested)"),
        (str(second.pk), "Risk assessment science (Confirmed)"),
        (str(nobody.pk), ""),
    ]


def test_select_across_exports_the_whole_filtered_list(organizer_client, agenda):
    gov = agenda[0]
    data = {
        "action": "export_selected",
        "index": "0",
        "_selected_action": [gov.pk],
        "select_across": "1",
        "shape": "session",
    }

    url = reverse(CHANGELIST) + "?status__exact=approved"
    rows = read_csv(consume(organizer_client.post(url, data)))

    assert sorted({r["Family name"] for r in rows}) == ["Lima", "Sato"]
    assert len(rows) == 3  # Sato: two seats, Lima: one (the cancelled seat is left out)
    entry = AuditEntry.objects.get(action="export")
    assert entry.details["filter"] == {
        "changelist": {"status__exact": "approved"},
        "select_across": True,
        "selected": [],
    }


def test_an_empty_or_blank_cell_before_a_formula_like_one_is_left_as_it_is():
    assert csv_safe.neutralize_row(["a", "", "=1+2", "b"]) == ["a", "", "'=1+2", "b"]
    assert csv_safe.neutralize_row(["a", " ", "-5"]) == ["a", " ", "'-5"]
    assert csv_safe.neutralize_row(["", "", "@x"]) == ["", "", "'@x"]


def test_full_width_formula_characters_are_neutralized_like_the_ascii_ones():
    assert csv_safe.neutralize_row(["＝1+1", "＋1", "－1", "＠SUM(1)", "x;＝1", "　＝1"]) == [
        "'＝1+1",
        "'＋1",
        "'－1",
        "'＠SUM(1)",
        "x;'＝1",
        "'　＝1",
    ]


SEPARATORS = ",;\t\r\n\x1f"  # the list separators, line breaks and the row joiner


@given(st.lists(st.text(alphabet='ab =+-@＝ ;,"\t\x1f', max_size=8), max_size=6))
def test_only_cells_or_pieces_that_begin_with_a_trigger_change_and_only_by_an_apostrophe(row):
    out = csv_safe.neutralize_row(row)
    assert len(out) == len(row)
    for before, after in zip(row, out, strict=True):
        # Removing the apostrophes the guard added gives the cell back.
        if "\x1f" not in before:
            assert after.replace("'", "") == before.replace("'", "")
        # The cell, and what follows each separator in it (a tab is both a separator and a trigger).
        starts = [before, *(before[i + 1 :] for i, c in enumerate(before) if c in SEPARATORS)]
        if not any(csv_safe.begins_with_a_trigger(s) for s in starts):
            assert after == before
        if set(before) <= {" "}:  # empty, or spaces only
            assert after == before
        if csv_safe.begins_with_a_trigger(before):
            assert after.startswith("'")
