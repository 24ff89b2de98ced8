"""minsec's own check of the published tables catches each kind of bad row, with its row."""

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from minsec.load import data_dir
from minsec.table_check import check_package

Rows = list[list[str]]


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


def test_the_bundled_tables_pass(tmp_path: Path) -> None:
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
def test_each_kind_of_bad_row_is_caught(tmp_path: Path, table: str, change: Callable, expected: str) -> None:
    folder = _copy(tmp_path)
    _damage(folder, table, change)
    problems = [str(p) for p in check_package(folder)]
    assert any(expected in p for p in problems), problems


def test_a_changed_file_is_caught_by_its_hash(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _damage(folder, "claims", _set("statement", "Something else."), rehash=False)
    problems = [str(p) for p in check_package(folder)]
    assert any("data/claims.csv:1: has hash sha256:" in p for p in problems), problems
    assert any("datapackage.json says" in p and "bytes" in p for p in problems), problems


def test_many_bad_rows_are_counted_not_all_named(tmp_path: Path) -> None:
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


def test_unreadable_files_are_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
