"""XLSX exports: opened with openpyxl and compared with the CSV of the same scope and the database.

Typed cells (numbers, dates in the venue's zone with the zone in the header), text that a
spreadsheet would evaluate kept as text exactly as typed, no formula anywhere, non-Latin names,
frozen header and autofilter, the changelist, session and institute pages, the action, the command,
the audit trail and constant query counts.
"""

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registrations.models import AuditEntry, Delegate
from registrations.outputs import csv_safe, exports
from tests.factories import DelegateFactory, SessionFactory, institute
from tests.outputs import test_exports
from tests.outputs.test_exports import (
    CHANGELIST,
    EXPORT,
    download,
    expected_per_delegate,
    seed,
)

agenda = test_exports.agenda  # the same three delegates and seats as the CSV tests

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_of(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content if not response.streaming else response.status_code
    assert response["Content-Type"] == XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(workbook) -> tuple[list[str], list[dict]]:
    (sheet,) = workbook.worksheets  # one sheet per shape
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, [dict(zip(header, (cell.value for cell in row), strict=True)) for row in rows[1:]]


def assert_no_formula(workbook) -> None:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate} holds a formula: {cell.value!r}"
                # Excel's quote prefix (no apostrophe in the text) exactly on text a spreadsheet would
                # take for a formula once the cell is edited: the CSV's rule (csv_safe).
                starts_formula = isinstance(cell.value, str) and csv_safe.begins_with_a_trigger(cell.value)
                assert bool(cell.quotePrefix) == starts_formula, f"{cell.coordinate}: {cell.value!r}"


def naive_venue_time(moment, event) -> datetime:
    return moment.astimezone(event.tz).replace(tzinfo=None)


def same_moment(cell: datetime, expected: datetime) -> bool:
    return abs(cell - expected) < timedelta(milliseconds=2)  # a spreadsheet keeps milliseconds


def test_changelist_xlsx_has_typed_cells_in_the_venue_zone(organizer_client, agenda, event):
    workbook = workbook_of(organizer_client.get(reverse(EXPORT), {"format": "xlsx"}))

    header, rows = sheet_rows(workbook)
    registered = f"Registered at ({event.time_zone})"
    assert header[:3] == ["Delegate ID", "Given name", "Family name"]
    assert registered in header
    delegates = list(Delegate.objects.select_related("event").order_by("pk"))
    assert [row["Delegate ID"] for row in rows] == [d.pk for d in delegates]
    for row, delegate in zip(rows, delegates, strict=True):
        assert same_moment(row[registered], naive_venue_time(delegate.created_at, event))
    assert all(isinstance(row[registered], datetime) for row in rows)
    # Every other column says what the CSV says, cell for cell.
    csv_rows = download(organizer_client, reverse(EXPORT))
    for row, csv_row in zip(rows, csv_rows, strict=True):
        for column, value in csv_row.items():
            if column not in {"Delegate ID", "Registered at"}:
                assert (row[column] or "") == value, column
    assert rows[0]["Sessions"] == (
        "Joint testing of frontier models (Confirmed); Risk assessment science (Waitlisted, position 2)"
    )
    assert_no_formula(workbook)


def test_xlsx_has_a_frozen_header_an_autofilter_and_sized_columns(organizer_client, agenda):
    workbook = workbook_of(organizer_client.get(reverse(EXPORT), {"format": "xlsx"}))

    (sheet,) = workbook.worksheets
    assert sheet.title == "Delegates"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    assert sheet["A1"].font.b
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
    assert 6 <= min(widths.values()) and max(widths.values()) <= 51  # XlsxWriter adds 0.71 of padding
    assert widths["A"] < widths["Q"]  # "Delegate ID" is narrower than a date and time with its zone


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","x")',
        "=1+1",
        "+41 44 668 18 00",
        "-2",
        "@SUM(A1)",
        "0041446681800",
        "007",
        "1e5",
    ],
)
def test_text_a_spreadsheet_would_evaluate_stays_text_as_typed(organizer_client, event, text):
    DelegateFactory(event=event, given_name=text, job_title=text, organization="+41 44 668 18 00")

    workbook = workbook_of(organizer_client.get(reverse(EXPORT), {"format": "xlsx"}))

    (sheet,) = workbook.worksheets
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    for column in ("Given name", "Job title"):
        assert (row[column].value, row[column].data_type) == (text, "s")
        assert bool(row[column].quotePrefix) == (text[0] in "=+-@")
    assert (row["Organization"].value, row["Organization"].data_type) == ("+41 44 668 18 00", "s")
    assert row["Organization"].quotePrefix
    assert_no_formula(workbook)


def test_japanese_korean_and_accented_names_round_trip(organizer_client, event):
    DelegateFactory(
        event=event, government=True, institute=institute("JP"), given_name="日本", family_name="山田",
        email="yamada@cao.go.jp",
    )  # fmt: skip
    DelegateFactory(event=event, given_name="한국", family_name="김", organization="서울대학교")
    DelegateFactory(event=event, given_name="Élodie", family_name="Tremblay", organization="Université Laval")

    _header, rows = sheet_rows(workbook_of(organizer_client.get(reverse(EXPORT), {"format": "xlsx"})))

    assert [(r["Given name"], r["Family name"], r["Organization"]) for r in rows] == [
        ("日本", "山田", None),
        ("한국", "김", "서울대학교"),
        ("Élodie", "Tremblay", "Université Laval"),
    ]


def test_session_xlsx_lists_confirmed_then_waitlist_with_numeric_positions(organizer_client, agenda, open_session):
    response = organizer_client.get(
        reverse("admin:registrations_session_export", args=[open_session.pk]), {"format": "xlsx"}
    )
    workbook = workbook_of(response)

    _header, rows = sheet_rows(workbook)
    assert workbook.worksheets[0].title == "Delegates by session"
    assert [(r["Family name"], r["Seat status"], r["Waitlist position"]) for r in rows] == [
        ("Lima", "Confirmed", None),
        ("Okafor", "Waitlisted", 1),
        ("Sato", "Waitlisted", 2),
    ]
    starts = f"Session starts ({open_session.event.time_zone})"
    assert {r[starts] for r in rows} == {naive_venue_time(open_session.starts_at, open_session.event)}
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert_no_formula(workbook)


def test_institute_xlsx_lists_its_delegates(organizer_client, event):
    gb = DelegateFactory(event=event, government=True, family_name="Clarke")
    DelegateFactory(event=event, government=True, institute=institute("JP"), email="a@cao.go.jp")

    response = organizer_client.get(
        reverse("admin:registrations_institute_export", args=[institute("GB").pk]), {"format": "xlsx"}
    )

    _header, rows = sheet_rows(workbook_of(response))
    assert [r["Delegate ID"] for r in rows] == [gb.pk]
    today = timezone.localdate(timezone=event.tz).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}_institute-gb_{today}.xlsx"'


def test_xlsx_export_follows_the_changelist_filters_and_is_audited(organizer_client, organizer_user, agenda):
    response = organizer_client.get(reverse(EXPORT), {"status__exact": "approved", "format": "xlsx"})

    _header, rows = sheet_rows(workbook_of(response))
    assert sorted(r["Delegate ID"] for r in rows) == sorted(
        Delegate.objects.filter(status="approved").values_list("pk", flat=True)
    )
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor_user, entry.details["rows"], entry.details["complete"]) == (organizer_user, 2, True)
    assert entry.details["filter"] == {"status__exact": "approved"}
    assert entry.details["file"].endswith(".xlsx")


def test_unknown_format_is_a_clear_400(organizer_client, agenda, open_session):
    for url in (reverse(EXPORT), reverse("admin:registrations_session_export", args=[open_session.pk])):
        response = organizer_client.get(url, {"format": "ods"})
        assert response.status_code == 400
        assert b"format=xlsx" in response.content
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_changelist_offers_xlsx_first_and_explains_the_csv(organizer_client, agenda):
    content = organizer_client.get(reverse(CHANGELIST), {"status__exact": "approved"}).content.decode()

    xlsx = f'href="{reverse(EXPORT)}?status__exact=approved&amp;format=xlsx"'
    assert xlsx in content
    assert content.index(xlsx) < content.index(">Export CSV</a>")
    assert "LibreOffice" in content and "Unicode (UTF-8)" in content


def test_export_selected_action_writes_the_chosen_format(organizer_client, agenda):
    gov, academic, _pending = agenda
    data = {"action": "export_selected", "index": "0", "_selected_action": [gov.pk, academic.pk]}

    choice = organizer_client.post(reverse(CHANGELIST), data)
    assert b'name="format" value="xlsx"' in choice.content

    response = organizer_client.post(reverse(CHANGELIST), {**data, "shape": "delegate", "format": "xlsx"})
    _header, rows = sheet_rows(workbook_of(response))
    assert [r["Delegate ID"] for r in rows] == sorted([gov.pk, academic.pk])


def test_command_writes_xlsx(tmp_path, agenda, event):
    target = tmp_path / "confirmed.xlsx"

    call_command("export_attendees", "--format", "xlsx", event=event.slug, output=str(target), stderr=io.StringIO())

    _header, rows = sheet_rows(openpyxl.load_workbook(target))
    assert [str(r["Delegate ID"]) for r in rows] == [
        d["Delegate ID"] for d in expected_per_delegate(Delegate.objects.all())
    ]
    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor_kind, entry.details["rows"], entry.details["file"][-5:]) == ("system", 3, ".xlsx")


def test_command_refuses_xlsx_to_standard_output(db):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_attendees", "--format", "xlsx", stdout=io.StringIO(), stderr=io.StringIO())


def xlsx_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        _header, rows = sheet_rows(workbook_of(client.get(reverse(EXPORT), {"format": "xlsx", "shape": "session"})))
    return len(queries), len(rows)


def test_xlsx_same_query_count_at_10_and_1000_rows(organizer_client, event):
    sessions = [SessionFactory(event=event, title=f"Session {n:02d}") for n in range(10)]
    seed(event, sessions, 1, 10)
    small = xlsx_queries(organizer_client)
    Delegate.objects.all().delete()
    seed(event, sessions, 100, 10)
    large = xlsx_queries(organizer_client)

    assert (small[1], large[1]) == (10, 1000)
    assert small[0] == large[0]


def test_typed_labels_name_the_zone_or_say_venue_time():
    assert exports.TypedLabels("Asia/Tokyo").heading("Registered at", "created_at") == "Registered at (Asia/Tokyo)"
    assert exports.TypedLabels(None).heading("Registered at", "created_at") == "Registered at (venue time)"
    assert exports.TypedLabels("Asia/Tokyo").heading("Email", "email") == "Email"
