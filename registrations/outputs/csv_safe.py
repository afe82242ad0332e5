"""CSV that opens cleanly in Excel (UTF-8 with a byte-order mark) and cannot carry a formula, in
comma and semicolon locales alike."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

ROWS_PER_WRITE = 500  # rows joined into one chunk of the HTTP response or file
BOM = "\ufeff"

# A spreadsheet evaluates a cell that starts with one of these (OWASP "CSV injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
# Where a spreadsheet may cut a cell in pieces: the comma, the semicolon (the list separator of Excel
# in France, Germany and the EU institutions), tab, and line breaks for tools that read line by line.
# A piece that starts with a trigger (after spaces or quotes) gets the apostrophe too:
# "x;=1+1;y" becomes "x;'=1+1;y". A row is neutralized in one pass: its cells joined by CELL_START
# (so the start of a cell is one more place where a piece starts), then split again.
CELL_START = "\x1f"
_PIECE_STARTING_WITH_A_TRIGGER = re.compile(r"""([\x1f,;\t\r\n])(?=[\s"]*[=+\-@\t\r])""")


def neutralize_row(row: list[str]) -> list[str]:
    """Keep a spreadsheet from evaluating any cell, or any piece of one cut at a comma, semicolon,
    tab or line break: an apostrophe before each piece that would start a formula; the text is kept."""
    joined = CELL_START + CELL_START.join(row)
    if joined.count(CELL_START) != len(row):  # a cell holds the joiner itself: one at a time
        return [neutralize(cell) for cell in row]
    return _PIECE_STARTING_WITH_A_TRIGGER.sub(r"\1'", joined)[1:].split(CELL_START)


def neutralize(value: str) -> str:
    """One cell, as `neutralize_row` does it."""
    return _PIECE_STARTING_WITH_A_TRIGGER.sub(r"\1'", CELL_START + value)[1:]


# --------------------------------------------------------------------------- CSV


class _PseudoBuffer:
    """What csv.writer writes into: it keeps the lines until the caller takes them."""

    def __init__(self):
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


def csv_chunks(rows: Iterable[list[str]], rows_per_chunk: int = ROWS_PER_WRITE) -> Iterator[str]:
    """CSV text in chunks, byte-order mark first; every cell is neutralized on its way out.

    Every cell is quoted (RFC 4180, CRLF rows), so a spreadsheet whose list separator is the
    semicolon keeps "a;b" in one cell as one whose separator is the comma keeps "a,b".
    """
    buffer = _PseudoBuffer()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    yield BOM
    for row in rows:
        writer.writerow(neutralize_row(row))
        if len(buffer.lines) >= rows_per_chunk:
            yield "".join(buffer.lines)
            buffer.lines.clear()
    if buffer.lines:
        yield "".join(buffer.lines)
