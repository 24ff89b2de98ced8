"""Rows of text as ``csv.writer(..., lineterminator="\\n")`` writes them, byte for byte, in a third of the time.

The csv module copies every character through its quoting state machine, about 30 MB/s: the
CSV files were a third of a build's rendering. Most columns hold no character that needs
quoting, so each column is searched once (a regular expression over its joined text) and only
the cells of the columns that need it are quoted; the rows are then joined by ``str.join``.

Which characters make the csv module quote a cell differs between Python versions (3.11
leaves a carriage return bare, for one), so it is asked once, character by character, rather
than assumed. A batch holding a character it does something else with goes to the csv module.
"""

import csv
import io
import re
from functools import cache

#: Characters whose treatment is asked of the csv module: everything it could single out
#: (the delimiter, the quote, line ends and other controls, separators). Others are copied.
_CANDIDATES = "".join(map(chr, range(0x20))) + ",\"' ;\\\x7f\x85\u2028\u2029"


def _written(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


@cache
def _rules() -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """(characters that make a cell quoted, characters the csv module does anything else with)."""
    quoted, other = [], []
    for char in _CANDIDATES:
        try:
            written = _written([f"a{char}b", "c"])
        except csv.Error:
            other.append(char)
            continue
        if written == f"{_quoted(f'a{char}b')},c\n":
            quoted.append(char)
        elif written != f"a{char}b,c\n":
            other.append(char)
    quote = re.compile("[" + re.escape("".join(quoted)) + "]")
    return quote, (re.compile("[" + re.escape("".join(other)) + "]") if other else None)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def rows_text(rows: list[tuple]) -> str:
    """The CSV lines of ``rows`` (each ending in a line break), whose cells are all ``str`` or
    None (an empty cell), as the csv module writes them."""
    if not rows:
        return ""
    quote, other = _rules()
    columns = list(zip(*rows, strict=True))
    if len(columns) < 2:  # a lone empty cell is written as "" (an empty line would be no row)
        return _by_csv_module(rows)
    for index, column in enumerate(columns):
        if None in column:
            column = ["" if cell is None else cell for cell in column]
        whole = "".join(column)
        if other is not None and other.search(whole):
            return _by_csv_module(rows)
        if quote.search(whole):
            column = [_quoted(cell) if quote.search(cell) else cell for cell in column]
        columns[index] = column
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _by_csv_module(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
