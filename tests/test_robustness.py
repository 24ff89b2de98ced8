"""Guarantees that hold for any input: no traceback, no half-written output, nothing executed.

The property tests take the valid base repository of the malformed corpus, damage one of its
files the way careless or hostile contributors do (delete, duplicate or retype a key,
truncate the file, inject bytes) and check that ``minsec validate`` and ``minsec build``
answer with a clean report or a clean pass, never an exception.
"""

import contextlib
import csv
import hashlib
import importlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minsec
from minsec import swap
from minsec.cli import main

#: The module, not the function ``minsec.load`` that the package exports under the same name.
loading = importlib.import_module("minsec.load")

BASE = Path(__file__).parent / "malformed" / "_base" / "records"
BASE_FILES = sorted(p.relative_to(BASE).as_posix() for p in BASE.rglob("*.yaml"))
PROBLEM_LINE = re.compile(r"^records/[^:]+:\d+: \S")
SUMMARY = re.compile(r"^(\d+) files? checked, (\d+) problems? found; quotes ")

#: Values a contributor might write in the wrong place, or an attacker on purpose.
ODD_VALUES = [
    "123", "-1", "0", "1e400", ".nan", "[]", "{}", "[a, b]", "{a: 1}", "null", "~", "true", "'x'",
    '"\\x07"', "2025-02-30", "!!binary aGk=", "!!python/object/apply:os.system ['true']", "*alias",
    "&anchor x", "'=cmd|calc'", "<<: {a: 1}", "|\n  multi\n  line", "'   '", "TODO", "'e\u0301'",
]  # fmt: skip


def _lines(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def damaged_repository(draw: st.DrawFn) -> tuple[str, bytes]:
    """(path below records/, new bytes) for one base file damaged in one to three ways."""
    name = draw(st.sampled_from(BASE_FILES))
    raw = (BASE / name).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        text = raw.decode("utf-8", errors="replace")
        lines = _lines(text)
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        how = draw(st.sampled_from(["delete", "duplicate", "retype", "rekey", "truncate", "inject", "indent"]))
        if how == "delete":
            del lines[index]
        elif how == "duplicate":
            lines.insert(index, lines[index])
        elif how == "retype" and ":" in lines[index]:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(ODD_VALUES))}"
        elif how == "rekey" and ":" in lines[index]:
            value = lines[index].split(":", 1)[1]
            new_key = draw(st.sampled_from(["titel", "Id", "id", "citations", "- x", "? k", "'a\\nb'", "1", "ünï"]))
            lines[index] = f"{new_key}:{value}"
        elif how == "indent":
            lines[index] = " " * draw(st.integers(1, 5)) + lines[index]
        if how in ("truncate", "inject"):
            encoded = "\n".join(lines).encode("utf-8", errors="surrogateescape")
            at = draw(st.integers(0, len(encoded)))
            if how == "truncate":
                raw = encoded[:at]
            else:
                raw = encoded[:at] + draw(st.binary(min_size=1, max_size=6)) + encoded[at:]
        else:
            raw = "\n".join(lines).encode("utf-8", errors="surrogateescape")
    return name, raw


@contextlib.contextmanager
def repository(name: str, raw: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(BASE, root / "records")
        (root / "records" / name).write_bytes(raw)
        yield root


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        os.environ.pop("MINSEC_CORPUS", None)
        code = main(list(args))  # any exception escaping here fails the test with its traceback
    return code, out.getvalue(), err.getvalue()


def assert_clean_report(code: int, out: str) -> None:
    *problems, summary = out.splitlines()
    counted = SUMMARY.match(summary)
    assert counted, out
    assert code == (1 if problems else 0), out
    assert len(problems) == int(counted[2]), out
    for line in problems:
        assert PROBLEM_LINE.match(line), line


@contextlib.contextmanager
def damaged(base: Path, name: str, raw: bytes) -> Iterator[Path]:
    """``base`` (a copy of the base repository) with ``name`` damaged, then restored: for
    commands that only read, which then need no copy of their own at every example."""
    path = base / "records" / name
    whole = path.read_bytes()
    path.write_bytes(raw)
    try:
        yield base
    finally:
        path.write_bytes(whole)


@pytest.fixture(scope="module")
def base_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("robustness")
    shutil.copytree(BASE, root / "records")
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage=damaged_repository())
def test_validate_never_crashes(base_copy: Path, damage: tuple[str, bytes]) -> None:
    with damaged(base_copy, *damage) as root:
        code, out, err = run("validate", "--root", str(root))
        assert err == ""
        assert_clean_report(code, out)
        code, out, err = run("validate", "--root", str(root), "--format", "json")
        report = json.loads(out)
        assert code == (0 if report["ok"] else 1)
        assert all(set(p) == {"path", "line", "field", "message"} for p in report["problems"])
    assert _tree(base_copy / "records") == _tree(BASE), "validate wrote in the repository"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_repository())
def test_build_never_crashes_and_writes_nothing_when_invalid(damage: tuple[str, bytes]) -> None:
    with repository(*damage) as root:
        code, out, err = run("build", "--root", str(root))
        assert code in (0, 1), out + err
        if code == 1:
            assert "nothing was written" in err
            assert sorted(p.name for p in root.iterdir()) == ["records"]
        else:
            assert (root / "datapackage" / "datapackage.json").is_file()


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_interrupted_while_writing_leaves_previous_files_whole(mini_repo, run_cli) -> None:
    """Ctrl-C (or a full disk) halfway through writing the new files: the old ones stay whole."""
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    before = {folder: _tree(mini_repo.root / folder) for folder in ("datapackage", "schemas")}
    mini_repo.rewrite("usa", lambda d: d.update(name="United States of America"))
    steps: list[str] = []

    def write_then_fail(step: str) -> None:
        if step.startswith("write") and len(steps) == 3:
            raise KeyboardInterrupt
        steps.append(step)

    with mock.patch.object(swap, "_checkpoint", write_then_fail):
        code, _, err = run_cli("build", "--root", mini_repo.root)
    assert code == 130
    assert "unchanged" in err
    assert any(s.startswith("write") for s in steps), "the interruption came after some files were written"
    assert {folder: _tree(mini_repo.root / folder) for folder in ("datapackage", "schemas")} == before
    code, out, _ = run_cli("build", "--root", mini_repo.root)
    assert code == 0, out
    assert "United States of America" in (mini_repo.root / "datapackage" / "data" / "actors.csv").read_text("utf-8")
    assert not [
        p.name for p in mini_repo.root.iterdir() if ".tmp-" in p.name or ".old-" in p.name or p.name == swap.STATE
    ]


HOSTILE_CELLS = [
    "=cmd|' /C calc'!A0",
    "__import__('os').system('touch pwned')",
    "!!python/object/apply:os.system ['touch pwned']",
    "{{7*7}}",
    "$(touch pwned)",
]


@pytest.fixture
def hostile_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled data whose actor names and JSON are code-shaped strings."""
    data = tmp_path / "datapackage"
    shutil.copytree(loading.data_dir(), data)
    actors = data / "data" / "actors.csv"
    lines = actors.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    name_at = header.index("name")
    for number, cell in enumerate(HOSTILE_CELLS, start=1):
        row = next(iter(csv.reader([lines[number]])))
        row[name_at] = cell
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(row)
        lines[number] = buffer.getvalue()
    actors.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = json.loads((data / "json" / "actors.json").read_text(encoding="utf-8"))
    for record, cell in zip(records, HOSTILE_CELLS, strict=False):
        record["name"] = cell.lstrip("=")
    (data / "json" / "actors.json").write_text(json.dumps(records), encoding="utf-8")
    monkeypatch.setattr(loading, "data_dir", lambda: data)
    monkeypatch.chdir(tmp_path)
    loading._descriptor.cache_clear()
    yield data
    loading._descriptor.cache_clear()


def test_loading_never_executes_anything_from_the_data(hostile_data: Path) -> None:
    """Cells and fields are data: read as strings, never handed to anything that runs code.

    Every function that runs code or a shell is wrapped; imports may still use them, but a
    call whose arguments carry any of the hostile strings fails the test.
    """
    targets = ["builtins.eval", "builtins.exec", "builtins.compile", "os.system", "subprocess.Popen",
               "pickle.loads", "yaml.load", "yaml.unsafe_load"]  # fmt: skip
    tainted: list[str] = []

    def guarded(target: str, real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            if any(cell in repr(arg) for arg in (*args, *kwargs.values()) for cell in HOSTILE_CELLS):
                tainted.append(target)
                raise AssertionError(f"{target} was called with data from the package")
            return real(*args, **kwargs)

        return call

    with contextlib.ExitStack() as stack:
        for target in targets:
            module, name = target.rsplit(".", 1)
            real = getattr(importlib.import_module(module), name)
            stack.enter_context(mock.patch(target, guarded(target, real)))
        names = minsec.load_table("actors")["name"].tolist()
        tables = minsec.load()
        actors = minsec.records("actors")
    assert tainted == []
    assert names[: len(HOSTILE_CELLS)] == HOSTILE_CELLS
    assert tables["actors"]["name"].tolist() == names
    assert [a.name for a in actors[: len(HOSTILE_CELLS)]] == [c.lstrip("=") for c in HOSTILE_CELLS]
    assert not (hostile_data.parent / "pwned").exists()
