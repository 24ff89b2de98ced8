"""``minsec validate FILE ...``: the named files' problems and every set-level problem that
involves them, the same as the whole dataset's check reports, without reading the rest."""

import json
import re
import shutil
from pathlib import Path

import pytest

from minsec.record_files import read_records
from minsec.validate import _subject, validate, validate_files
from test_malformed import EXPECTED, make_repo, run

#: Cases whose problem is between records (set-level), and two file-level ones.
SET_CASES = sorted(
    c
    for c in EXPECTED
    if c.startswith(("dangling", "duplicate-id", "likely-duplicate", "status", "deal-", "withdrawn"))
    or c in ("missing-required-field", "id-not-file-name")
)


def _expected(root: Path, named: Path) -> set:
    """What the whole check reports that involves ``named``: its problems, and the set-level
    problems of other records that name its id."""
    _, own = read_records(root)
    whole = validate(root).problems
    path = named.relative_to(root).as_posix()
    word = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(named.stem)}(?![A-Za-z0-9_-])")
    return {p for p in whole if p.path == path or (p not in own and word.search(_subject(p.message)))}


def test_set_cases_are_there() -> None:
    assert len(SET_CASES) >= 10


@pytest.mark.parametrize("case", SET_CASES)
def test_each_file_gets_what_the_whole_check_says_about_it(case: str, tmp_path: Path) -> None:
    root = make_repo(case, tmp_path)
    files = sorted((root / "records").rglob("*.yaml"))
    involved = 0
    for named in files:
        expected = _expected(root, named)
        assert set(validate_files(root, [named]).problems) == expected, named
        involved += bool(expected)
    assert involved, "the case's problem involves at least one file"


def test_a_problem_in_another_file_that_names_the_file_is_reported(tmp_path: Path) -> None:
    """Withdrawing an actor that a deal still names: validating the actor's file reports the
    deal's reference, which the whole check reports at the deal."""
    root = make_repo("dangling-deal-party", tmp_path)
    shutil.rmtree(root / "records")
    make_repo("missing-required-field", tmp_path)  # the base again, untouched but for one source
    actor = root / "records" / "actors" / "usa.yaml"
    actor.write_text(actor.read_text(encoding="utf-8") + "withdrawn: true\n", encoding="utf-8")
    code, out, _ = run("validate", "--root", str(root), str(actor))
    assert code == 1, out
    assert "records/deals/usa-cobalt-deal-2025.yaml:" in out
    assert "actor 'usa' is withdrawn" in out
    assert "records/sources/no-outlet.yaml" not in out, "a problem of an unrelated file"
    last = out.splitlines()[-1]
    assert last.startswith("1 file checked, ")
    assert "only the named files" in last and "run without files to check the whole dataset" in last


def test_json_report_says_what_was_checked(tmp_path: Path) -> None:
    root = make_repo("dangling-deal-party", tmp_path)
    deal = next((root / "records" / "deals").glob("*.yaml"))
    _, out, _ = run("validate", "--root", str(root), "--format", "json", str(deal))
    report = json.loads(out)
    assert report["files_checked"] == 1
    assert any("only the named files" in note for note in report["notes"])
