"""Every command turns every operating-system error into one line, never a traceback
(issue 11): a read-only tree, unreadable files, a full disk, not-a-folder, is-a-folder,
exists, and names too long for the file system.

Permissions are real: the commands run in a child process, and when the tests run as root
(who may read and write anything) the child first drops the capabilities that let root
ignore file modes. The full disk is simulated by making ``os.write``, through which every
byte minsec writes goes (``minsec.files``), fail with ENOSPC.
"""

import ctypes
import errno
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import DEAL_ID, MiniRepo, copy_mini_repo
from forkserver import ForkServer
from test_build import generated

TRACEBACK = ("Traceback", 'File "', "Error:")

#: Every subcommand, run in the repository ``R`` (its corpus ``C``, an output folder ``O``).
COMMANDS = {
    "validate": ["validate", "--root", "R", "--corpus", "C"],
    "validate-file": ["validate", "--root", "R", f"R/records/deals/{DEAL_ID}.yaml"],
    "build": ["build", "--root", "R", "--corpus", "C"],
    "build-check": ["build", "--check", "--root", "R"],
    "new": ["new", "--root", "R", "deal", "a-new-deal"],
    "info": ["info"],
    "cache": ["cache"],
    "diff": ["diff", "--root", "R", "R/datapackage", "R/datapackage"],
    "changelog": ["changelog", "--root", "R"],
    "release-snapshot": ["release", "snapshot", "--root", "R"],
    "release-check": ["release", "check", "--root", "R"],
    "export": ["export", "--root", "R", "--zip", "O"],
    "draft": ["draft", "--root", "R", "C/mini-article.txt"],
    "draft-write": ["draft", "--root", "R", "--write", "C/mini-article.txt"],
    "fingerprint": ["fingerprint", "--root", "R", "--corpus", "C"],
    "check-tables": ["check-tables", "--root", "R"],
    "site": ["site", "--root", "R", "O"],
}
#: Commands that must write to succeed.
WRITERS = {"build", "new", "release-snapshot", "export"}


def _drop_root_privileges() -> None:  # pragma: no cover - runs in the child
    """Remove CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so that root,
    after exec, obeys file modes like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


#: What each unprivileged child runs: the command line, in a process of its own.
COMMAND_LINE = "import sys; from minsec.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture(scope="module")
def can_drop_privileges() -> None:
    if os.geteuid() != 0:
        return
    try:
        result = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_root_privileges, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot drop root's file-mode override here")
    if result.returncode != 0:
        pytest.skip("cannot drop root's file-mode override here")


@pytest.fixture(scope="module")
def run_unprivileged(can_drop_privileges: None) -> Iterator[Callable[[list[str]], tuple[int, str, str]]]:
    """Run ``minsec ARGS`` in a child process that obeys file modes; returns (exit code, stdout,
    stderr). The children are forked from one server started without root's override (when
    root), which has imported minsec but run nothing, so each command starts as a fresh
    process would, without the half second of imports."""
    env = {k: v for k, v in os.environ.items() if k != "MINSEC_CORPUS"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    server = ForkServer(env, preexec_fn=_drop_root_privileges if os.geteuid() == 0 else None)
    yield lambda args: server.run(COMMAND_LINE, *args, timeout=300)
    server.close()


@pytest.fixture
def repo(built_mini_template: MiniRepo, tmp_path: Path) -> MiniRepo:
    """A built repository (a copy of the session's build), whose records have changed since (so build writes)."""
    repo = copy_mini_repo(built_mini_template, tmp_path)
    repo.rewrite("usa", lambda d: d.update(name="United States of America"))
    return repo


def _args(name: str, repo: MiniRepo, out: Path) -> list[str]:
    values = {"R": str(repo.root), "C": str(repo.corpus), "O": str(out)}
    return [
        values.get(a, a.replace("R/", f"{repo.root}/", 1).replace("C/", f"{repo.corpus}/", 1)) for a in COMMANDS[name]
    ]


def _one_clean_line(code: int, out: str, err: str) -> None:
    for marker in TRACEBACK:
        assert marker not in err and "Traceback" not in out, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("minsec: "), err


def _chmod_tree(top: Path, remove: int) -> None:
    for path in [top, *top.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~remove)


def _restore(top: Path) -> None:
    for path in [top, *top.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IRWXU)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_read_only_tree(name: str, repo: MiniRepo, tmp_path: Path, run_unprivileged) -> None:
    before = generated(repo.root)
    out = tmp_path / "read-only-out"
    out.mkdir()
    for top in (repo.root, out):
        _chmod_tree(top, stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    try:
        code, stdout, stderr = run_unprivileged(_args(name, repo, out))
    finally:
        for top in (repo.root, out):
            _restore(top)
    _one_clean_line(code, stdout, stderr)
    if name in WRITERS:
        assert code == 2, stdout + stderr
        assert "read-only" in stderr or "Permission denied" in stderr, stderr
    assert generated(repo.root) == before
    assert not list(out.iterdir())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_unreadable_files(name: str, repo: MiniRepo, tmp_path: Path, run_unprivileged) -> None:
    unreadable = [
        repo.path("deals", DEAL_ID),
        repo.corpus / "mini-article.txt",
        repo.root / "datapackage" / "data" / "actors.csv",
        repo.root / "README.md",
    ]
    for path in unreadable:
        path.chmod(0)
    try:
        code, stdout, stderr = run_unprivileged(_args(name, repo, tmp_path / "out"))
    finally:
        for path in unreadable:
            path.chmod(0o644)
    _one_clean_line(code, stdout, stderr)
    assert code in (0, 1, 2)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_unreadable_folder(name: str, repo: MiniRepo, tmp_path: Path, run_unprivileged) -> None:
    _one_clean_line(*_with_unreadable(repo.root / "records" / "events", name, repo, tmp_path, run_unprivileged))


def _with_unreadable(folder: Path, name: str, repo: MiniRepo, tmp_path: Path, run_unprivileged) -> tuple[int, str, str]:
    """Command ``name`` run while ``folder`` may not be listed or entered."""
    folder.chmod(0)
    try:
        return run_unprivileged(_args(name, repo, tmp_path / "out"))
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_full_disk(name: str, repo: MiniRepo, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    before = generated(repo.root)

    def no_space(descriptor: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", no_space)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(*_args(name, repo, out))
    monkeypatch.undo()
    _one_clean_line(code, stdout, stderr)
    if name in WRITERS:
        assert code == 2, stdout + stderr
        assert "the disk is full" in stderr, stderr
    assert generated(repo.root) == before
    assert sorted(p.name for p in repo.root.iterdir()) == [
        ".zenodo.json",
        "CODEBOOK.md",
        "README.md",
        "datapackage",
        "records",
        "schemas",
    ]
    assert not out.exists() or not list(out.iterdir())


def test_export_into_a_path_under_a_file(repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, _, err = run_cli("export", "--root", repo.root, "--zip", tmp_path / "afile" / "sub")
    assert code == 2
    assert "afile/sub: Not a directory; a part of the path is a file, not a folder" in err
    _one_clean_line(code, "", err)


def test_new_onto_a_folder(repo: MiniRepo, run_cli) -> None:
    (repo.root / "records" / "deals" / "a-new-deal.yaml").mkdir()
    code, _, err = run_cli("new", "--root", repo.root, "deal", "a-new-deal")
    assert code == 2
    assert "a-new-deal.yaml: File exists" in err or "Is a directory" in err, err
    _one_clean_line(code, "", err)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--root", "R" + "/x" * 200],
        ["validate", "--root", "R", "R/records/sources/" + "a" * 300 + ".yaml"],
        ["validate", "--root", "R", "--corpus", "C/" + "b" * 300],
        ["build", "--root", "R", "--corpus", "C/" + "b" * 300],
        ["new", "--root", "R", "deal", "a" * 300],
        ["export", "--root", "R", "--zip", "O/" + "c" * 300],
        ["diff", "--root", "R", "R/" + "d" * 300, "R/datapackage"],
        ["diff", "--root", "R", "R/" + "d" * 300 + ".zip", "R/datapackage"],
        ["release", "check", "--root", "R/" + "e" * 300],
    ],
)
def test_names_too_long(args: list[str], repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    values = {"R": str(repo.root), "C": str(repo.corpus), "O": str(tmp_path)}
    for key, value in values.items():
        args = [a.replace(key, value, 1) if a.startswith(key) else a for a in args]
    code, out, err = run_cli(*args)
    _one_clean_line(code, out, err)
    assert code in (1, 2), out + err


def test_long_text_file_is_a_problem(repo: MiniRepo, run_cli) -> None:
    """A text_file of 300 characters is reported on its line, not raised by Path.is_file()."""
    repo.rewrite("mini-article", lambda d: d.update(text_file="a" * 300 + ".txt"))
    code, out, err = run_cli("validate", "--root", repo.root, "--corpus", repo.corpus)
    assert code == 1, out + err
    assert "records/sources/mini-article.yaml" in out and "text_file" in out
    _one_clean_line(code, out, err)


def test_real_size_limit_in_a_child(repo: MiniRepo, tmp_path: Path) -> None:
    """A real write failure (the file-size limit, EFBIG) during a build: one line, files whole."""
    before = generated(repo.root)
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000)); "
        "from minsec.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", code, "build", "--root", str(repo.root)], capture_output=True, text=True, env=env
    )
    _one_clean_line(result.returncode, result.stdout, result.stderr)
    assert result.returncode == 2, result.stderr
    assert generated(repo.root) == before
    assert not (repo.root / ".minsec-build").exists()
    shutil.rmtree(repo.root / "datapackage")


@pytest.mark.parametrize("name", ["draft", "draft-write"])
def test_drafting_beside_an_unreadable_records_folder(
    name: str, repo: MiniRepo, tmp_path: Path, run_unprivileged
) -> None:
    """A drafter that cannot list ``records/`` says so and stops, rather than proposing again
    every record it cannot see (the test above makes one of its folders unreadable)."""
    folder = repo.root / "records"
    code, stdout, stderr = _with_unreadable(folder, name, repo, tmp_path, run_unprivileged)
    _one_clean_line(code, stdout, stderr)
    assert code == 2 and f"{folder}: Permission denied" in stderr and not stdout, stderr
