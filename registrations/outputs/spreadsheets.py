"""XLSX files from the export rows (`exports.delegate_rows` / `session_rows` with `TypedLabels`).

Typed cells (numbers, dates and times in the venue's zone), one sheet, a bold frozen header row, an
autofilter over the data and column widths taken from the header and the first rows.

Written with XlsxWriter in `constant_memory` mode rather than openpyxl's write-only mode:
- memory stays flat: each row goes to a temporary file as soon as the next one starts, and strings
  are written inline, whereas openpyxl keeps a shared-strings table in memory that grows with every
  distinct name, email and organization;
- no cell can become a formula: with `strings_to_formulas`, `strings_to_numbers` and
  `strings_to_urls` off, every str is a text cell holding exactly what was typed. "=cmd|' /C calc'!A0"
  or "+41 44 668 18 00" is text, shown as typed, without the apostrophe the CSV needs (openpyxl
  turns any str that starts with "=" into a formula unless each cell is wrapped by hand). A text cell
  that begins with a formula character (`csv_safe.begins_with_a_trigger`, the CSV's rule) is also
  written with Excel's own quote prefix (`quotePrefix`, XlsxWriter's `quote_prefix` format): shown
  as typed, with no apostrophe in the text, and still text after someone edits it and presses Enter,
  which would otherwise turn "=1+2" into a formula;
- it is about twice as fast for this job (see `make bench`: xlsx_export_rows_per_s).
openpyxl stays the reader (invitation imports, the tests).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from typing import BinaryIO

import xlsxwriter

from registrations.outputs.csv_safe import begins_with_a_trigger

SAMPLE_ROWS = 200  # rows read ahead to size the columns
MIN_WIDTH, MAX_WIDTH = 6, 50
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATETIME_WIDTH = 17
_SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _width(value) -> int:
    if isinstance(value, datetime | date):
        return DATETIME_WIDTH
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(rows: Iterable[list], handle: BinaryIO, *, sheet_name: str) -> int:
    """Write the header (the first row) and the data rows to `handle`; return the number of data rows."""
    rows = iter(rows)
    header = next(rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    workbook = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATETIME_FORMAT,
        },
    )
    sheet = workbook.add_worksheet(sheet_name.translate(_SHEET_NAME_FORBIDDEN)[:31])
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(header):
        widest = max([_width(title) + 2, *(_width(row[column]) for row in sample)])  # +2: the filter arrow
        sheet.set_column(column, column, max(MIN_WIDTH, min(MAX_WIDTH, widest + 1)))
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    text = workbook.add_format({"quote_prefix": True})
    count = 0
    for count, row in enumerate(itertools.chain(sample, rows), start=1):
        if not any(isinstance(value, str) and begins_with_a_trigger(value) for value in row):
            sheet.write_row(count, 0, row)
            continue
        for column, value in enumerate(row):
            if isinstance(value, str) and begins_with_a_trigger(value):
                sheet.write_string(count, column, value, text)
            else:
                sheet.write(count, column, value)
    sheet.autofilter(0, 0, max(count, 1), len(header) - 1)
    workbook.close()
    return count
