"""minsec's own check of the published tables catches each kind of bad row, with its row,
whichever reader reads the tables (pyarrow, which large packages use when it is installed,
or Python's csv module): both give the same problems."""

import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minsec import table_check
from minsec.load import data_dir
from minsec.table_check import _all_match, _arrow_columns, check_package

Rows = list[list[str]]

READERS = ["csv", "arrow"]


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test using this runs once with each reader; with pyarrow, it must really read."""
    if request.param == "arrow":
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(table_check, "ARROW_FROM_BYTES", 0)
        read = []
        real = table_check._arrow_columns

        def counting(raw: bytes, width: int) -> object:
            result = real(raw, width)
            read.append(result is not None)
            return result

        monkeypatch.setattr(table_check, "_arrow_columns", counting)
        yield request.param
        assert any(read), "pyarrow read no table"
    else:
        monkeypatch.setattr(table_check, "ARROW_FROM_BYTES", 10**18)
        yield request.param


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "datapackage"
    shutil.copytree(data_dir(), folder)
    return folder


def _damage(folder: Path, name: str, change: Callable[[Rows], None], *, rehash: bool = True) -> None:
    """Rewrite table ``name`` with ``change`` applied to its rows (header first); the
    descriptor's bytes and hash follow unless ``rehash`` is False."""
    descriptor_path = folder / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    path = folder / resource["path"]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    raw = buffer.getvalue().encode("utf-8")
    path.write_bytes(raw)
    if rehash:
        resource["bytes"] = len(raw)
        resource["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
        descriptor_path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _set(column: str, value: str, row: int = 1) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[row][rows[0].index(column)] = value

    return change


def test_the_bundled_tables_pass(reader: str) -> None:
    assert check_package(data_dir()) == []


CASES = [
    ("deals", _set("title", ""), "data/deals.csv:2: title: required but empty"),
    ("deal_terms", _set("term_no", "one"), "data/deal_terms.csv:2: term_no: 'one' is not a valid integer"),
    ("events", _set("date", "2025-02-30"), "data/events.csv:2: date: '2025-02-30' is not a valid date"),
    ("events", _set("withdrawn", "yes"), "data/events.csv:2: withdrawn: 'yes' is not a valid boolean"),
    ("deals", _set("deal_type", "swap"), "data/deals.csv:2: deal_type: 'swap' is not one of the allowed values"),
    ("deal_terms", _set("provider_id", "Not An Id"), "provider_id: 'Not An Id' does not match the pattern"),
    ("actors", _set("id", "usa", 2), "data/actors.csv:3: id: primary key 'usa' is not unique"),
    (
        "deal_parties",
        _set("actor_id", "atlantis"),
        "data/deal_parties.csv:2: actor_id: 'atlantis' is not in actors.id",
    ),
    ("deal_parties", lambda rows: rows[1].pop(), "data/deal_parties.csv:2: has 2 cells; the header has 3"),
    ("sources", lambda rows: rows[0].reverse(), "data/sources.csv:1: header"),
]


@pytest.mark.parametrize(("table", "change", "expected"), CASES, ids=[c[2].split(": ")[-1][:30] for c in CASES])
def test_each_kind_of_bad_row_is_caught(
    tmp_path: Path, reader: str, table: str, change: Callable, expected: str
) -> None:
    folder = _copy(tmp_path)
    _damage(folder, table, change)
    problems = [str(p) for p in check_package(folder)]
    assert any(expected in p for p in problems), problems


MORE_CASES = [
    *CASES,
    ("deal_parties", lambda rows: rows.append(list(rows[1])), "deal_parties.csv:"),  # a composite key twice
    ("citations", _set("quote", "", 3), "citations.csv:4: quote: required but empty"),
    ("sources", _set("id", "", 1), "sources.csv:2: id:"),
    ("deal_terms", _set("provider_id", "ab--c"), "provider_id: 'ab--c' does not match the pattern"),
    ("events", _set("deal_id", "no-such-deal"), "events.csv:2: deal_id: 'no-such-deal' is not in deals.id"),
    ("deals", lambda rows: rows.insert(2, []), "deals.csv:3: has 0 cells; the header has"),
    ("deals", lambda rows: rows[2].append("x"), "deals.csv:3: has"),
    ("events", _set("summary", 'two\nlines, "quoted"'), None),  # not a problem: a cell spanning lines
]


@pytest.mark.parametrize(("table", "change", "expected"), MORE_CASES, ids=[str(i) for i in range(len(MORE_CASES))])
def test_both_readers_find_the_same_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, change: Callable, expected: str | None
) -> None:
    pytest.importorskip("pyarrow")
    folder = _copy(tmp_path)
    _damage(folder, table, change)
    monkeypatch.setattr(table_check, "ARROW_FROM_BYTES", 10**18)
    by_csv = [str(p) for p in check_package(folder)]
    monkeypatch.setattr(table_check, "ARROW_FROM_BYTES", 0)
    assert [str(p) for p in check_package(folder)] == by_csv
    if expected is None:
        assert by_csv == []
    else:
        assert any(expected in p for p in by_csv), by_csv


def test_a_composite_primary_key_twice_is_named(tmp_path: Path, reader: str) -> None:
    folder = _copy(tmp_path)
    _damage(folder, "deal_parties", lambda rows: rows.append(list(rows[1])))
    problems = [str(p) for p in check_package(folder)]
    assert any(
        "deal_parties.csv:" in p and "deal_id, actor_id: primary key (" in p and "not unique" in p for p in problems
    )


def test_a_changed_file_is_caught_by_its_hash(tmp_path: Path, reader: str) -> None:
    folder = _copy(tmp_path)
    _damage(folder, "claims", _set("statement", "Something else."), rehash=False)
    problems = [str(p) for p in check_package(folder)]
    assert any("data/claims.csv:1: has hash sha256:" in p for p in problems), problems
    assert any("datapackage.json says" in p and "bytes" in p for p in problems), problems


def test_many_bad_rows_are_counted_not_all_named(tmp_path: Path, reader: str) -> None:
    folder = _copy(tmp_path)

    def blank_every_quote(rows: Rows) -> None:
        column = rows[0].index("quote")
        rows.extend([list(rows[1]) for _ in range(40)])
        for row in rows[1:]:
            row[column] = ""

    _damage(folder, "citations", blank_every_quote)
    quote_problems = [p for p in check_package(folder) if p.field == "quote"]
    assert len(quote_problems) == 21
    assert "more rows like these" in quote_problems[-1].message


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from minsec.cli import main

    folder = _copy(tmp_path)
    assert main(["check-tables", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "0 problems found in the tables of datapackage/\n"
    _damage(folder, "deals", _set("deal_type", "swap"))
    assert main(["check-tables", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("datapackage/data/deals.csv:2: deal_type: 'swap' is not one of")
    assert out[-1] == "1 problem found in the tables of datapackage/"


def test_unreadable_files_are_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str], reader: str) -> None:
    from minsec.cli import main

    folder = _copy(tmp_path)
    (folder / "data" / "deals.csv").write_bytes(b"id\n\xff\n")
    (folder / "data" / "claims.csv").unlink()
    messages = [str(p) for p in check_package(folder)]
    assert any(m.startswith("data/deals.csv:1: cannot be read as UTF-8 text") for m in messages), messages
    assert any(m.startswith("data/claims.csv:1: cannot be read") for m in messages), messages
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = "../../outside.csv"
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert "../../outside.csv:1: resource path must be relative, inside the package" in map(str, check_package(folder))
    (folder / "datapackage.json").write_text("{not json", encoding="utf-8")
    assert main(["check-tables", "--root", str(tmp_path)]) == 2
    assert "cannot be read as JSON" in capsys.readouterr().err


CELLS = st.sampled_from(["a", "b", " ", "é", ",", '"', '""', "\n", "x y", ""])
ODD = st.sampled_from(["", "", "", "", "\r", "\r\n", "\ufeff", "\n\n"])


@settings(max_examples=300)  # about one in 14 is a table pyarrow reads
@given(
    header=st.lists(st.sampled_from(["h", "i", "j", "h h", "k", "l", '"h"']), min_size=2, max_size=4),
    rows=st.lists(st.lists(st.lists(CELLS, max_size=4).map("".join), max_size=5), max_size=6),
    flags=st.lists(st.booleans(), max_size=40),
    odd=ODD,
)
def test_pyarrow_reads_a_table_as_the_csv_module_does_or_not_at_all(
    header: list[str], rows: list[list[str]], flags: list[bool], odd: str
) -> None:
    """Invented tables, canonical or not (quotes in odd places, carriage returns, blank
    lines, ragged rows, byte order marks): what pyarrow returns equals what the csv module
    reads."""
    pytest.importorskip("pyarrow")
    flag = iter(flags + [False] * 100)
    lines = []
    for i, row in enumerate([header, *rows]):
        if i and not next(flag):  # most rows as wide as the header
            row = (row + [""] * len(header))[: len(header)]
        cells = [f'"{c.replace(chr(34), chr(34) * 2)}"' if next(flag) else c for c in row]
        lines.append(",".join(cells))
    text = "\n".join(lines) + odd
    expected = list(csv.reader(io.StringIO(text, newline="")))
    read = _arrow_columns(text.encode("utf-8"), len(expected[0]) if expected else 0)
    if read is not None:
        names, columns, count = read
        assert [names, *(list(r) for r in zip(*(c.to_pylist() for c in columns), strict=True))] == expected
        assert count == len(expected) - 1


PATTERNS = [
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    r"[a-z]+",
    r"^https?://\S+$",
    r"a|b\s*c",
    r"\Aa\Z",
    r"a(?=\nb)",
    r"a(?=\nb)|b",
    r"(?i)A",
    r"(?<=\n)b",
    r"\bb",
    r"[^x]+",
    r"(",
    r"",
]


@given(
    values=st.sets(st.text(st.sampled_from("ab c-\nAxé:/"), max_size=6), max_size=8),
    pattern=st.sampled_from(PATTERNS),
)
@example(values={"\na", "b"}, pattern="[a-z]+")  # a line break inside a value shifts the lines
@example(values={"a", "b"}, pattern="a(?=\nb)|b")  # a lookahead sees the next value
def test_matching_all_values_at_once_agrees_with_one_at_a_time(values: set[str], pattern: str) -> None:
    try:
        regex = re.compile(pattern)
    except re.error:
        assert not _all_match(pattern, "\n".join(sorted(values)), len(values)) or not values
        return
    if _all_match(pattern, "\n".join(sorted(values)), len(values)):
        assert all(regex.fullmatch(v) for v in values)
    elif all("\n" not in v for v in values) and pattern in PATTERNS[:3]:  # the schemas' kind
        assert not all(regex.fullmatch(v) for v in values)  # decided exactly, no second look needed
