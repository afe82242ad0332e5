"""CSV that opens cleanly in Excel (UTF-8 with a byte-order mark) and cannot carry a formula, in
comma and semicolon locales alike."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

ROWS_PER_WRITE = 500  # rows joined into one chunk of the HTTP response or file
BOM = "\ufeff"

# A spreadsheet evaluates a cell that starts with one of these (OWASP "CSV injection"), and their
# full-width forms (＝ ＋ － ＠), which Excel with a Japanese or Korean input method takes as the ASCII
# operators when a cell is entered or edited: neutralized too, since a false alarm costs an apostrophe
# and a miss costs a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Where a spreadsheet may cut a cell in pieces: the comma, the semicolon (the list separator of Excel
# in France, Germany and the EU institutions), tab, and line breaks for tools that read line by line.
# A piece that starts with a trigger (after spaces or quotes) gets the apostrophe too:
# "x;=1+1;y" becomes "x;'=1+1;y". A row is neutralized in one pass: its cells joined by CELL_START
# (so the start of a cell is one more place where a piece starts), then split again.
CELL_START = "\x1f"
# What may stand before the trigger within the same piece: spaces (ASCII, no-break, ideographic) and
# quotes, never a separator: an empty cell before a formula-like one stays empty.
_PAD = ' "\u00a0\u3000'
_PIECE_STARTING_WITH_A_TRIGGER = re.compile(
    "([\x1f,;\t\r\n])(?=[" + _PAD + "]*[" + re.escape("".join(sorted(FORMULA_TRIGGERS))) + "])"
)


_CELL_STARTING_WITH_A_TRIGGER = re.compile("[" + _PAD + "]*[" + re.escape("".join(sorted(FORMULA_TRIGGERS))) + "]")
_MAY_START_A_TRIGGER = frozenset(_PAD) | FORMULA_TRIGGERS


def begins_with_a_trigger(value: str) -> bool:
    """Whether a spreadsheet would take this text, as a whole cell, for a formula once edited."""
    return value[:1] in _MAY_START_A_TRIGGER and _CELL_STARTING_WITH_A_TRIGGER.match(value) is not None


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
