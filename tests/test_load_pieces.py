"""A large table is read by pyarrow in pieces cut at the ends of rows: the cuts are where
pyarrow's own parser ends rows, on any CSV (hostile ones too), or there are none and the
table is read whole; the frames are the whole read's. Every table here is invented."""

import csv
import importlib
import io
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minsec import load_pieces
from minsec.load import data_dir, read_table, table_names
from test_load_engines import DESCRIPTOR, assert_identical

pa = pytest.importorskip("pyarrow")
pa_csv = pytest.importorskip("pyarrow.csv")

load_module = importlib.import_module("minsec.load")  # the module; minsec.load is the function


def quoted_breaks(data: bytes) -> set[int]:
    """Offsets of the line breaks (CR, LF) inside quoted cells, as pyarrow's CSV parser reads
    ``data`` (a plain transcription of its state machine, ``arrow/csv/parser.cc``): a quote
    opens a quoted cell only at the start of a cell; inside one, two quotes are a quote and
    one quote ends it (what follows, to the next comma or line end, is unquoted text, where
    quotes are text); a byte order mark at the very start is dropped."""
    found: set[int] = set()
    quoted, at_start = False, True
    i = 3 if data.startswith(load_pieces.BOM) else 0
    while i < len(data):
        c = data[i : i + 1]
        if quoted:
            if c == b'"':
                if data[i + 1 : i + 2] == b'"':
                    i += 2
                    continue
                quoted = False
            elif c in (b"\r", b"\n"):
                found.add(i)
        elif at_start and c == b'"':
            quoted = True
        at_start = not quoted and c in (b",", b"\r", b"\n")
        i += 1
    return found


def by_count(data: bytes, end: int | None = None) -> set[int] | None:
    """The same offsets before ``end`` as told by counting the quotes before it, when
    ``load_pieces`` vouches for the count."""
    end = len(data) if end is None else end
    array = np.frombuffer(data, np.uint8)
    quotes = load_pieces.quote_positions(array, 0, end)
    if not load_pieces.quotes_counted(array, quotes):
        return None
    breaks = [i for i, c in enumerate(data[:end]) if c in b"\r\n"]
    return {i for i, before in zip(breaks, np.searchsorted(quotes, breaks), strict=True) if before % 2}


# Bytes that matter to the count: quotes, commas, line ends, a byte order mark, text.
TOKENS = st.sampled_from([b'"', b'""', b",", b"\n", b"\r", b"\r\n", b"a", b"bc", b" ", load_pieces.BOM, "é".encode()])


@settings(max_examples=600)
@given(st.lists(TOKENS, max_size=40).map(b"".join), st.integers(0, 100))
@example(b'a"b,"x\ny"\n', 4)  # a quote inside an unquoted cell: counting would put the line feed outside
@example(b'"a"x"\n"\n', 5)  # text after a closing quote
@example(b'"""\n"""\n', 4)  # doubled quotes at a cell's start and end
@example(load_pieces.BOM + b'"a\nb"\n', 5)  # pyarrow drops the mark, then the quote opens a cell
def test_counting_quotes_is_right_whenever_it_vouches(data: bytes, end: int) -> None:
    """Also for the quotes up to some offset only, and what is before it."""
    inside = quoted_breaks(data)
    for stop in (len(data), min(end, len(data))):
        counted = by_count(data, stop)
        if counted is not None:
            assert counted == {i for i in inside if i < stop}


def test_counting_vouches_for_what_csv_writers_write() -> None:
    rows = [["a", 'say "hi"', "x\ny", ""], ['"', "\r\n", ",", '""'], ["", "", "", "plain"]]
    for terminator in ("\n", "\r\n"):
        text = io.StringIO()
        csv.writer(text, lineterminator=terminator).writerows(rows)
        data = text.getvalue().encode()
        assert by_count(data) == quoted_breaks(data) != set()


@pytest.mark.parametrize(
    "data",
    [b'a"b,"x\ny"\n', b'"a"x\n', b'x,y"\n', load_pieces.BOM + b'"a"\n', b'"a"b"\n', b'"a\n"b'],
)
def test_counting_refuses_quotes_that_do_not_open_or_close_cells(data: bytes) -> None:
    assert by_count(data) is None


@settings(max_examples=300)
@given(
    st.lists(TOKENS, max_size=60).map(b"".join),
    st.integers(0, 10),
    st.integers(1, 8),
    st.sampled_from([0.5, 1.0, 1.25, 3.0]),
)
def test_cuts_are_rows_ends(data: bytes, start: int, pieces: int, last: float) -> None:
    """Cuts made knowing the quotes follow a line feed outside quotes, with no byte order
    mark after it; guessed ones are checked by ``outside_quotes``, which agrees with pyarrow."""
    array = np.frombuffer(data, np.uint8)
    quotes = load_pieces.quote_positions(array)
    if not load_pieces.quotes_counted(array, quotes):
        return
    inside = quoted_breaks(data)
    start = min(start, len(data))
    for known in (quotes, None):
        cuts = load_pieces.cuts(array, start, pieces, known, last)
        assert cuts[0] == start and cuts == sorted(set(cuts)) and len(cuts) <= pieces
        assert all(data[c - 1 : c] == b"\n" and not data[c:].startswith(load_pieces.BOM) for c in cuts[1:])
        assert all(c < len(data) for c in cuts[1:])
        right = all(c - 1 not in inside for c in cuts[1:])
        assert load_pieces.outside_quotes(quotes, cuts[1:]) == right
        if known is not None:
            assert right


# --- read_table: the pieces read as the whole ------------------------------------------

FIELDS = [{"name": n, "type": "string"} for n in ("id", "note", "more")]
TYPED = [
    {"name": "id", "type": "string"},
    {"name": "n", "type": "integer"},
    {"name": "day", "type": "date"},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
    {"name": "note", "type": "string"},
]


@pytest.fixture
def in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table of 256 bytes or more read in four pieces, four threads at once, on any machine."""
    monkeypatch.setattr(load_module, "_LARGE", 0)
    monkeypatch.setattr(load_module, "_PIECE", 64)
    monkeypatch.setattr(load_module, "_threads", lambda: 4)


def whole(data: bytes, fields: list[dict]) -> pd.DataFrame:
    """``data`` read as pyarrow reads a table whole (no pieces)."""
    saved = load_module._read_arrow_pieces
    load_module._read_arrow_pieces = lambda *args: None
    try:
        return read_table(io.BytesIO(data), fields, "pyarrow")
    finally:
        load_module._read_arrow_pieces = saved


def pieces(data: bytes, fields: list[dict]) -> "pa.Table | None":
    """What the pieces' reader makes of ``data`` (``None``: it leaves it to the whole read)."""
    options, parsing, plan = load_module._arrow_plan(load_module._fields_key(fields))
    names = [name for name, _kind, _enum in plan]
    return load_module._read_arrow_pieces(io.BytesIO(data), len(data), options, parsing, names)


CELLS = st.sampled_from(["", "a", "b c", "x,y", 'say "hi"', '"', "\n", "\r\n", "\r", "two\nlines", "é ✓", " "])
ROWS = st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=120)


def written(rows: list[list[str]], terminator: str) -> bytes:
    """``rows`` as a CSV writer writes them: a cell holding a comma, a quote or a line break
    quoted, its quotes doubled (the ``csv`` module leaves a carriage return alone unquoted
    unless it ends lines, and pyarrow reads it as a line end)."""

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text

    return "".join(",".join(map(cell, row)) + terminator for row in rows).encode()


@settings(max_examples=150)
@given(rows=ROWS, terminator=st.sampled_from(["\n", "\r\n"]), size=st.integers(1, 400), threads=st.integers(2, 5))
def test_tables_a_csv_writer_writes_read_as_the_csv_module_reads_them(
    rows: list[list[str]], terminator: str, size: int, threads: int
) -> None:
    """Line breaks in cells at random places, against pieces of random sizes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load_module, "_LARGE", 0)
        patch.setattr(load_module, "_PIECE", size)
        patch.setattr(load_module, "_threads", lambda: threads)
        data = written([[f["name"] for f in FIELDS], *rows], terminator)
        frame = read_table(io.BytesIO(data), FIELDS, "pyarrow")
        if len(rows) > 20 * threads and size < len(data) // threads:  # rows enough to cut among
            assert pieces(data, FIELDS) is not None  # read in pieces, not left to the whole read
    parsed = list(csv.reader(io.StringIO(data.decode(), newline="")))[1:]
    parsed = [row for row in parsed if row]  # pyarrow skips empty lines
    expected = [[cell if cell != "" else None for cell in row] for row in parsed]
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == expected
    assert_identical(whole(data, FIELDS), frame)


@settings(max_examples=300)
@given(body=st.lists(TOKENS, max_size=80).map(b"".join), size=st.integers(1, 200), threads=st.integers(2, 5))
@example(body=b'a,"b\nc",d\n' * 20, size=9, threads=2)  # every guessed cut inside a quoted cell
@example(body=b'a"b,"x\ny"\n' * 20, size=7, threads=3)  # quotes that counting cannot follow
@example(body=b"a,b,c\n" + load_pieces.BOM + b"x,y,z\n", size=3, threads=2)  # a mark after a cut
@example(body=b"a,b,c\r\rx,y,z\r", size=2, threads=2)  # carriage returns alone
def test_any_bytes_read_in_pieces_as_they_read_whole(body: bytes, size: int, threads: int) -> None:
    """Hostile tables: unbalanced quotes, quotes inside cells, rows of other widths, lone
    carriage returns, byte order marks: the same frame, or the same refusal."""
    data = b"id,note,more\n" + body
    try:
        expected: pd.DataFrame | None = whole(data, FIELDS)
    except (pa.ArrowInvalid, ValueError):
        expected = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load_module, "_LARGE", 0)
        patch.setattr(load_module, "_PIECE", size)
        patch.setattr(load_module, "_threads", lambda: threads)
        if expected is None:
            with pytest.raises((pa.ArrowInvalid, ValueError)):
                read_table(io.BytesIO(data), FIELDS, "pyarrow")
        else:
            assert_identical(expected, read_table(io.BytesIO(data), FIELDS, "pyarrow"))


def test_a_cut_inside_a_quoted_cell_is_moved_past_it(in_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"id,note,more\n" + b'a,"b\nc\nd\ne",f\n' * 40
    guessed: list[list[int]] = []
    real_cuts = load_pieces.cuts

    def cuts(*args: object, **kwargs: object) -> list[int]:
        found = real_cuts(*args, **kwargs)  # type: ignore[arg-type]
        guessed.append(found)
        return found

    monkeypatch.setattr(load_pieces, "cuts", cuts)
    table = pieces(data, FIELDS)
    assert table is not None and table.num_rows == 40
    assert len(guessed) == 2  # guessed, found inside quotes, made again knowing them
    assert set(table.column("note").to_pylist()) == {"b\nc\nd\ne"}
    assert_identical(whole(data, FIELDS), read_table(io.BytesIO(data), FIELDS, "pyarrow"))


@pytest.mark.parametrize(
    "data",
    [
        b'id,note,more\na"b,"x\ny",z\n' * 30,  # a quote inside an unquoted cell
        b'"id",note,more\na,b,c\n' * 30,  # a quoted header
        b"more,note,id\na,b,c\n" * 30,  # the columns in another order
        load_pieces.BOM + b"id,note,more\na,b,c\n" * 30,  # a byte order mark
        b'id,note,more\na,"b\n' + b"c,d,e\n" * 30,  # a quote never closed
    ],
)
def test_tables_it_cannot_vouch_for_are_read_whole(in_pieces: None, data: bytes) -> None:
    assert pieces(data, FIELDS) is None
    try:
        expected = whole(data, FIELDS)
    except (pa.ArrowInvalid, ValueError, KeyError) as error:
        with pytest.raises(type(error)):
            read_table(io.BytesIO(data), FIELDS, "pyarrow")
    else:
        assert_identical(expected, read_table(io.BytesIO(data), FIELDS, "pyarrow"))


def test_a_bad_cell_in_a_piece_is_reported_as_the_whole_read_reports_it(in_pieces: None) -> None:
    data = b"id,n,day,kind,note\n" + b"x,1,2025-03-09,a,ok\n" * 40 + b"y,one,2025-03-09,b,ok\n" + b"z,2,,c,\n" * 40
    with pytest.raises(pa.ArrowInvalid) as in_pieces_error:
        read_table(io.BytesIO(data), TYPED, "pyarrow")
    with pytest.raises(pa.ArrowInvalid) as whole_error:
        whole(data, TYPED)
    assert str(in_pieces_error.value) == str(whole_error.value)


def test_typed_columns_read_in_pieces_as_whole(in_pieces: None) -> None:
    """Enums arrive with a dictionary per piece, dates as timestamps, integers nullable."""
    generator = random.Random(7)
    lines = ["id,n,day,kind,note"]
    for i in range(500):
        lines.append(
            ",".join(
                [
                    f"r{i}",
                    generator.choice(["", str(generator.randint(-99, 99))]),
                    generator.choice(["", "2025-03-09", "1962-01-01"]),
                    generator.choice(["", "a", "b", "c", "zz"]),
                    generator.choice(["", '"two\nlines, ""quoted"""', "plain"]),
                ]
            )
        )
    data = ("\n".join(lines) + "\n").encode()
    table = pieces(data, TYPED)
    assert table is not None and table.column("kind").num_chunks == 4
    assert_identical(whole(data, TYPED), read_table(io.BytesIO(data), TYPED, "pyarrow"))


def test_a_file_on_disk_is_read_in_pieces_and_left_unchanged(in_pieces: None, tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    data = b"id,note,more\n" + b'a,"b\nc",d\n' * 100
    path.write_bytes(data)
    options, parsing, _plan = load_module._arrow_plan(load_module._fields_key(FIELDS))
    assert load_module._read_arrow_pieces(path, len(data), options, parsing, ["id", "note", "more"]) is not None
    assert_identical(whole(data, FIELDS), read_table(path, FIELDS, "pyarrow"))
    assert path.read_bytes() == data


def test_an_open_file_is_left_at_its_end_and_writable_after(in_pieces: None) -> None:
    source = io.BytesIO(b"skipped" + b"id,note,more\n" + b"a,b,c\n" * 100)
    source.seek(len(b"skipped"))
    frame = read_table(source, FIELDS, "pyarrow")
    assert len(frame) == 100 and source.tell() == len(source.getvalue())
    source.write(b"x,y,z\n")  # no buffer of it is still held


@pytest.mark.parametrize("name", table_names())
def test_the_bundled_tables_read_in_pieces_as_the_c_reader_reads_them(in_pieces: None, name: str) -> None:
    resource = next(r for r in DESCRIPTOR["resources"] if r["name"] == name)
    path, fields = data_dir() / resource["path"], resource["schema"]["fields"]
    expected = read_table(path, fields, "c")
    if len(expected) >= 10:  # read in pieces, not left to the whole read
        assert pieces(path.read_bytes(), fields) is not None
    assert_identical(expected, read_table(path, fields, "pyarrow"))


@pytest.mark.parametrize("first", [True, False])
def test_a_byte_order_mark_starting_a_row_stays_in_its_cell(in_pieces: None, first: bool) -> None:
    """pyarrow drops a byte order mark at the start of what it reads: no piece may start
    with one (the first row after the header, or any other row a cut would fall before)."""
    mark = "\ufeff".encode()
    rows = [(mark if (i == 0) == first else b"") + b"r%d,b,c\n" % i for i in range(60)]
    data = b"id,note,more\n" + b"".join(rows)
    frame = read_table(io.BytesIO(data), FIELDS, "pyarrow")
    assert_identical(whole(data, FIELDS), frame)
    assert (frame["id"].str.startswith("\ufeff") == [(i == 0) == first for i in range(60)]).all()
    if not first:
        assert pieces(data, FIELDS) is None  # every line feed but one has a mark after it
