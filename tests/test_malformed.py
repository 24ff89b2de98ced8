"""Hostile and careless record files: each is reported as a problem, never a traceback.

Every case under ``tests/malformed/<case>/records/`` is laid over a small valid repository
(``tests/malformed/_base/records/``) so that the case's file is the only thing wrong, and
``tests/malformed/expected.json`` says where the problem is reported and what it says.
"""

import contextlib
import io
import json
import os
import re
import shutil
import traceback
from pathlib import Path
from unittest import mock

import pytest

from minsec.cli import main
from minsec.problems import one_line
from minsec.yaml_loader import MAX_FILE_BYTES

MALFORMED = Path(__file__).parent / "malformed"
BASE = MALFORMED / "_base" / "records"
EXPECTED: dict[str, dict] = json.loads((MALFORMED / "expected.json").read_text(encoding="utf-8"))
CASES = sorted(EXPECTED)

PROBLEM_LINE = re.compile(r"^records/[^:]+:\d+: ")
SUMMARY = re.compile(r"^(\d+) files? checked, (\d+) problems? found; quotes ")
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "', "Error:", "Exception")


def _generate(case: str, root: Path) -> None:
    """Cases too big or too silly to store as files."""
    if case == "file-over-64-kib":
        note = "x" * (MAX_FILE_BYTES + 1)
        text = f"id: oversize\ntitle: A test source\noutlet: Test Outlet\noutlet_type: news\nnote: {note}\n"
        (root / "records" / "sources" / "oversize.yaml").write_text(text, encoding="utf-8")
    elif case == "symlink-to-outside":
        secret = root / "secret.txt"
        secret.write_text("s3cr3t-token: value\n", encoding="utf-8")
        (root / "records" / "sources" / "link.yaml").symlink_to(secret)
    elif case == "symlink-dangling":
        (root / "records" / "sources" / "gone.yaml").symlink_to(root / "no-such-file.yaml")
    else:  # pragma: no cover - a generated case without a generator
        raise AssertionError(f"no generator for {case}")


def make_repo(case: str, root: Path) -> Path:
    """A copy of the base repository with ``case`` laid over it; returns the root."""
    shutil.copytree(BASE, root / "records")
    expected = EXPECTED[case]
    if expected.get("generated"):
        _generate(case, root)
    else:
        shutil.copytree(MALFORMED / case / "records", root / "records", dirs_exist_ok=True)
    placeholder = expected.get("pwned_placeholder")
    if placeholder:
        file = root / expected["path"]
        file.write_bytes(file.read_bytes().replace(placeholder.encode(), str(root / "pwned").encode()))
    return root


def run(*args: str) -> tuple[int, str, str]:
    """``minsec ARGS`` in-process, without $MINSEC_CORPUS; an escaping exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        os.environ.pop("MINSEC_CORPUS", None)
        try:
            code = main(list(args))
        except BaseException:
            pytest.fail(f"minsec {' '.join(args)} raised:\n{traceback.format_exc()}")
    return code, out.getvalue(), err.getvalue()


#: Each case's repository, made once: both tests validate it, and validate only reads.
_REPOS: dict[str, Path] = {}


def case_repo(case: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if case not in _REPOS:
        _REPOS[case] = make_repo(case, tmp_path_factory.mktemp(f"malformed-{case}"))
    return _REPOS[case]


#: ``minsec validate`` of each case's repository, run once: two tests read its text report.
_TEXT_REPORTS: dict[str, tuple[Path, int, str, str]] = {}


def text_report(case: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """(root, exit code, stdout, stderr) of ``minsec validate`` on the case's repository,
    run by the first test that asks (the repository is left as validate left it)."""
    if case not in _TEXT_REPORTS:
        root = case_repo(case, tmp_path_factory)
        _TEXT_REPORTS[case] = (root, *run("validate", "--root", str(root)))
    return _TEXT_REPORTS[case]


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    stored = [c for c in CASES if not EXPECTED[c].get("generated")]
    assert all((MALFORMED / c / "records").is_dir() for c in stored)
    on_disk = {p.name for p in MALFORMED.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert on_disk == set(stored), "every case folder needs an entry in expected.json and vice versa"


def test_base_repository_is_valid(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "records")
    code, out, err = run("validate", "--root", str(tmp_path))
    assert (code, err) == (0, ""), out
    assert " 0 problems found" in out


@pytest.mark.parametrize("case", CASES)
def test_malformed_case_is_reported(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = EXPECTED[case]
    root, code, out, err = text_report(case, tmp_path_factory)
    for marker in TRACEBACK_MARKERS:
        assert marker not in err
    assert "Traceback" not in out
    assert code == 1, out
    where = f"{expected['path']}:" if expected["line"] is None else f"{expected['path']}:{expected['line']}: "
    if expected["field"]:
        where += f"{one_line(expected['field'])}: "
    assert where in out, out
    assert expected["contains"] in out[out.index(where) :], out
    summary = SUMMARY.match(out.splitlines()[-1])
    assert summary, out
    assert int(summary[2]) == expected["problems"], out
    assert not (root / "pwned").exists(), "a YAML tag ran code"
    assert "s3cr3t" not in out, "a link made validate quote a file outside the repository"


@pytest.mark.parametrize("case", CASES)
def test_malformed_case_as_json(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same problem, exactly located, in the machine-readable report."""
    expected = EXPECTED[case]
    root = case_repo(case, tmp_path_factory)
    code, out, err = run("validate", "--root", str(root), "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert report["ok"] is False
    assert len(report["problems"]) == expected["problems"]
    matches = [
        p
        for p in report["problems"]
        if p["path"] == expected["path"]
        and (expected["line"] is None or p["line"] == expected["line"])
        and p["field"] == expected["field"]
        and expected["contains"] in p["message"]
    ]
    assert matches, report["problems"]


def _one_line_params() -> list:
    params = []
    for case in CASES:
        bug = EXPECTED[case].get("one_line_bug")
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        params.append(pytest.param(case, marks=marks, id=case))
    return params


@pytest.mark.parametrize("case", _one_line_params())
def test_one_line_per_problem(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each problem is one ``path:line:`` line, then the summary; a file cannot forge lines."""
    _, _, out, _ = text_report(case, tmp_path_factory)
    *problems, last = out.splitlines()
    summary = SUMMARY.match(last)
    assert summary, out
    assert all(PROBLEM_LINE.match(line) for line in problems), out
    assert len(problems) == int(summary[2]), out


@pytest.mark.parametrize(
    "case",
    [
        "python-object-tag",
        "billion-laughs",
        "wrong-folder",
        "dangling-deal-party",
        "status-goes-backwards",
        "non-utf8-bytes",
        "quote-too-long",
        "file-over-64-kib",
    ],
)
def test_build_writes_nothing(case: str, tmp_path: Path) -> None:
    root = make_repo(case, tmp_path)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    code, out, err = run("build", "--root", str(root))
    assert code == 1, out
    assert "nothing was written" in err
    assert "Traceback" not in out + err
    assert not (root / "datapackage").exists()
    assert not (root / "schemas").exists()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert not (root / "pwned").exists()
