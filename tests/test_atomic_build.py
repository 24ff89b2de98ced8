"""`minsec build` replaces its generated files as one set, whatever interrupts it and
whatever runs beside it (issue 11: data loss and atomicity).

The interruptions are placed, not timed: ``minsec.swap._checkpoint`` runs before every
change the build makes to the disk, and the tests replace it to raise or to kill the
process (SIGKILL, in a child process) at exactly the n-th step.
"""

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest

from conftest import MiniRepo, cli_quietly, copy_mini_repo
from forkserver import ForkServer
from minsec import swap
from minsec.build import GENERATED_DIRS, GENERATED_FILES
from test_build import generated

GENERATED = (*GENERATED_DIRS, *GENERATED_FILES)

#: A child ``minsec`` whose n-th step kills it (``kill``) or waits for a file (``pause``).
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from minsec import cli, swap

    mode, target, flag = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    steps = []

    def checkpoint(step):
        steps.append(step)
        if len(steps) != target:
            return
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        (flag / "ready").write_text(step)
        while not (flag / "go").exists():
            time.sleep(0.01)

    swap._checkpoint = checkpoint
    sys.exit(cli.main(sys.argv[4:]))
    """
)


def child(mode: str, step: int, flag: Path, *args: object, **popen: object) -> subprocess.Popen:
    flag.mkdir(exist_ok=True)
    command = [sys.executable, "-c", CHILD, mode, str(step), str(flag), *map(str, args)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MINSEC_CORPUS", None)
    return subprocess.Popen(command, env=env, **popen)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def killer() -> Iterator[Callable[..., int]]:
    """``killer(step, *args)`` runs ``minsec ARGS`` in a child process that SIGKILLs itself at
    its ``step``-th step; returns the child's exit status. The children are forked from a
    server that has imported minsec but run nothing (see forkserver.py), which saves the half
    second of a fresh interpreter's imports at each kill."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MINSEC_CORPUS", None)
    server = ForkServer(env)
    yield lambda step, *args: server.run(CHILD, "kill", step, Path.cwd(), *args, timeout=120)[0]
    server.close()


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name not in (*GENERATED, "records"))


def make_older(root: Path) -> None:
    """Generated files as an older minsec would have written them: CODEBOOK, .zenodo.json and a schema differ."""
    (root / "CODEBOOK.md").write_text("# an older codebook\n", encoding="utf-8")
    (root / ".zenodo.json").write_text("{}\n", encoding="utf-8")
    (root / "schemas" / "records" / "deal.schema.json").write_text("{}\n", encoding="utf-8")


def reset(root: Path, pristine: Path) -> None:
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)


@pytest.fixture(scope="module")
def old_and_new_template(
    built_mini_template: MiniRepo, tmp_path_factory: pytest.TempPathFactory
) -> tuple[MiniRepo, dict[str, str], dict[str, str]]:
    """A repository holding an old build that differs in every one of the generated items from
    what its records build now; returns (repo, old hashes, new hashes). Made once: copy it."""
    mini_repo = copy_mini_repo(built_mini_template, tmp_path_factory.mktemp("old-and-new"))
    root = mini_repo.root
    make_older(root)
    old = generated(root)
    mini_repo.rewrite("usa", lambda d: d.update(name="United States of America"))
    extra = mini_repo.data("cobalt")
    extra.update(id="copper", name="Copper", symbols=["Cu"])
    mini_repo.write("commodities", extra)  # one more row: README's contents table changes
    copy = root.parent / "new-build"
    shutil.copytree(root, copy)
    assert cli_quietly("build", "--root", copy)[0] == 0
    new = generated(copy)
    shutil.rmtree(copy)
    changed = {p.split("/")[0] for p in set(old) | set(new) if old.get(p) != new.get(p)}
    # The small repository has no CHANGELOG.md (its [Unreleased] block compares with a release).
    assert changed == set(GENERATED) - {"CHANGELOG.md"}, "the new build must change every item"
    return mini_repo, old, new


@pytest.fixture
def old_and_new(old_and_new_template, tmp_path: Path) -> tuple[MiniRepo, dict[str, str], dict[str, str]]:
    """A fresh copy of ``old_and_new_template``: (repo, old hashes, new hashes)."""
    template, old, new = old_and_new_template
    return copy_mini_repo(template, tmp_path), old, new


def build_steps(root: Path, run_cli) -> list[str]:
    """The steps a build of ``root`` takes, recorded from a build of a copy."""
    steps: list[str] = []
    copy = root.parent / "steps-copy"
    shutil.copytree(root, copy)
    with mock.patch.object(swap, "_checkpoint", steps.append):
        assert run_cli("build", "--root", copy)[0] == 0
    shutil.rmtree(copy)
    return steps


def test_the_build_steps_are_the_documented_ones(old_and_new, run_cli) -> None:
    repo, _, _ = old_and_new
    steps = build_steps(repo.root, run_cli)
    assert steps[0] == "make staging" and steps[-2:] == ["remove commit mark", "remove staging"]
    assert "commit" in steps
    moves = steps[steps.index("commit") + 1 : -2]
    assert moves == [
        "move datapackage aside",
        "move new datapackage in",
        "move schemas aside",
        "move new schemas in",
        "replace CODEBOOK.md",
        "replace README.md",
        "replace .zenodo.json",
    ]


def _kill_points(steps: list[str]) -> list[int]:
    """Every step but the file writes, and of those the first, one in the middle and the last."""
    writes = [n for n, s in enumerate(steps, start=1) if s.startswith("write ")]
    keep = {writes[0], writes[len(writes) // 2], writes[-1]}
    return [n for n, s in enumerate(steps, start=1) if not s.startswith("write ") or n in keep]


def test_killed_at_each_step_leaves_the_old_set_or_the_new(old_and_new, run_cli, killer, tmp_path: Path) -> None:
    """SIGKILL at every rename and step: the next command finds all old or all new files,
    README and CODEBOOK included, and nothing else."""
    repo, old, new = old_and_new
    root = repo.root
    steps = build_steps(root, run_cli)
    commit = steps.index("commit") + 1
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine, symlinks=True)
    for point in _kill_points(steps):
        reset(root, pristine)
        assert killer(point, "build", "--root", root) == -signal.SIGKILL, steps[point - 1]
        code, out, err = run_cli("build", "--check", "--root", root)
        expected = new if point > commit else old
        assert generated(root) == expected, f"killed before {steps[point - 1]!r}"
        assert code == (0 if expected is new else 1), out + err
        assert leftovers(root) == [], f"killed before {steps[point - 1]!r}"
        assert run_cli("build", "--root", root)[0] == 0
        assert generated(root) == new


@pytest.mark.parametrize("point_of", [lambda steps: steps.index("commit"), lambda steps: len(steps) - 1])
def test_other_commands_finish_an_interrupted_build_first(
    old_and_new, run_cli, killer, tmp_path: Path, point_of: Callable[[list[str]], int]
) -> None:
    """`minsec export` after a build killed mid-swap packs a whole set, never a mix."""
    repo, old, new = old_and_new
    point = point_of(build_steps(repo.root, run_cli)) + 1
    assert killer(point, "build", "--root", repo.root) == -signal.SIGKILL
    code, out, err = run_cli("export", "--root", repo.root, "--zip", tmp_path / "out")
    assert code == 0, out + err
    assert generated(repo.root) in (old, new)
    assert leftovers(repo.root) == []


def test_interrupted_at_each_step(old_and_new, run_cli) -> None:
    """Ctrl-C at every step: the message says truly what is on disk, which is a whole set."""
    repo, old, new = old_and_new
    root = repo.root
    steps = build_steps(root, run_cli)
    commit = steps.index("commit") + 1
    pristine = root.parent / "pristine"
    shutil.copytree(root, pristine, symlinks=True)
    for point in range(1, len(steps) + 1):
        seen: list[str] = []

        def interrupt(step: str, point: int = point, seen: list[str] = seen) -> None:
            seen.append(step)
            if len(seen) == point:
                raise KeyboardInterrupt

        with mock.patch.object(swap, "_checkpoint", interrupt):
            code, _, err = run_cli("build", "--root", root)
        assert code == 130, (point, steps[point - 1], err)
        if point > commit:
            assert "the build is complete" in err and generated(root) == new, steps[point - 1]
        else:
            assert "unchanged" in err and generated(root) == old, steps[point - 1]
        assert leftovers(root) == []
        reset(root, pristine)


def test_concurrent_builds_exclude_each_other(old_and_new, run_cli, tmp_path: Path) -> None:
    """A second build waits for the first, never removes its staging, and the last build's
    records are what ends up on disk, whole."""
    repo, old, _ = old_and_new
    root = repo.root
    flags = tmp_path / "flags"
    first = child("pause", 3, flags, "build", "--root", root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not (flags / "ready").exists():
            assert first.poll() is None, first.communicate()
            time.sleep(0.01)
        staging = sorted(p.relative_to(root).as_posix() for p in (root / swap.STATE).rglob("*"))
        assert staging, "the first build is paused with its staging half written"
        repo.rewrite("cod", lambda d: d.update(name="Congo-Kinshasa"))  # the second build's records
        second = child("run", 0, flags, "build", "--root", root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert second.stderr is not None
        assert "waiting" in second.stderr.readline().decode()  # blocks until the second build waits
        assert sorted(p.relative_to(root).as_posix() for p in (root / swap.STATE).rglob("*")) == staging
        assert generated(root) == old
    finally:
        (flags / "go").write_text("")
    assert first.wait(timeout=120) == 0, first.communicate()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, out + err
    assert leftovers(root) == []
    code, out_, err_ = run_cli("build", "--check", "--root", root)
    assert code == 0, out_ + err_
    assert "Congo-Kinshasa" in (root / "datapackage" / "data" / "actors.csv").read_text(encoding="utf-8")


def test_readers_share_the_lock_and_a_build_waits_for_them(old_and_new, tmp_path: Path) -> None:
    """Commands reading the generated files run beside each other without waiting (two readers
    waited for each other before, and said so); a build waits until every reader is done."""
    repo, old, new = old_and_new
    root = repo.root
    flags = tmp_path / "flags"
    with swap.locked(root, shared=True):  # a reader that is still reading
        reader = child("run", 0, flags, "export", "--root", root, "--zip", tmp_path / "out", stderr=subprocess.PIPE)
        _, err = reader.communicate(timeout=120)
        assert (reader.returncode, err.decode()) == (0, "")
        build = child("run", 0, flags, "build", "--root", root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert build.stderr is not None
        assert "waiting" in build.stderr.readline().decode()  # blocks until the build waits
        assert generated(root) == old
    out, err = build.communicate(timeout=120)
    assert build.returncode == 0, out + err
    assert generated(root) == new


@pytest.mark.parametrize(
    "leftover", [f"{swap.STATE}/new", "datapackage.old-1", "schemas.tmp-2", ".README.md.tmp", ".CODEBOOK.md.x"]
)
def test_what_an_interrupted_build_left_is_seen_and_recovered(old_and_new, leftover: str) -> None:
    """Readers take the lock alone only when something is left to recover: what
    ``interrupted`` looks for is what ``recover`` removes."""
    root = old_and_new[0].root
    assert not swap.interrupted(root)
    (root / leftover).mkdir(parents=True)
    assert swap.interrupted(root)
    swap.recover(root)
    assert not swap.interrupted(root)
    assert not (root / leftover).exists()


def test_read_only_generated_folder_is_not_replaced(old_and_new, run_cli) -> None:
    repo, old, _ = old_and_new
    root = repo.root
    folders = [root / "datapackage", *(p for p in (root / "datapackage").rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(folder.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        code, out, err = run_cli("build", "--root", root)
    finally:
        for folder in folders:
            folder.chmod(folder.stat().st_mode | stat.S_IWUSR)
    assert code == 2, out + err
    assert "read-only" in err and "chmod -R u+w" in err and len(err.splitlines()) == 1
    assert generated(root) == old
    assert leftovers(root) == []


def test_leftover_temporary_files_are_cleaned(old_and_new, run_cli) -> None:
    """An orphan from an earlier minsec killed while replacing README.md goes at the next build."""
    repo, _, new = old_and_new
    (repo.root / ".README.md.k2j4h1").write_text("half", encoding="utf-8")
    (repo.root / ".CODEBOOK.md.abc").write_text("half", encoding="utf-8")
    assert run_cli("build", "--root", repo.root)[0] == 0
    assert generated(repo.root) == new
    assert leftovers(repo.root) == []


def test_generated_folder_that_is_a_link_is_refused(old_and_new, run_cli, tmp_path: Path) -> None:
    repo, _, _ = old_and_new
    outside = tmp_path / "elsewhere"
    (repo.root / "schemas").rename(outside)
    (repo.root / "schemas").symlink_to(outside)
    code, _, err = run_cli("build", "--root", repo.root)
    assert code == 2 and "symbolic link" in err
    assert (outside / "records" / "deal.schema.json").read_text(encoding="utf-8") == "{}\n"


@pytest.mark.parametrize("command", ["export", "snapshot"])
def test_publishing_refuses_links_inside_the_package(command: str, repo_root: Path, tmp_path: Path, run_cli) -> None:
    """A link ``datapackage/json/env.json -> /proc/self/environ`` never reaches a release zip."""
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "datapackage", root / "datapackage")
    shutil.copytree(repo_root / "src" / "minsec", root / "src" / "minsec", ignore=shutil.ignore_patterns("*.pyc"))
    secret = tmp_path / "environ"
    secret.write_text("TOKEN=s3cr3t\n", encoding="utf-8")
    (root / "datapackage" / "json" / "env.json").symlink_to(secret)
    if command == "export":
        code, out, err = run_cli("export", "--root", root, "--zip", tmp_path / "out")
        written = list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else []
    else:
        code, out, err = run_cli("release", "snapshot", "--root", root)
        written = list((root / "releases").rglob("*")) if (root / "releases").exists() else []
    assert code == 2, out + err
    assert "env.json: is a symbolic link" in err and len(err.splitlines()) == 1
    assert written == []


def test_publishing_refuses_a_linked_folder(repo_root: Path, tmp_path: Path, run_cli) -> None:
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "datapackage", root / "datapackage")
    os.symlink(tmp_path, root / "datapackage" / "more")
    code, _, err = run_cli("export", "--root", root, "--zip", tmp_path / "out")
    assert code == 2 and "more: is a symbolic link" in err


@pytest.mark.parametrize("command", ["export", "check-tables"])
def test_readers_wait_for_a_build_in_the_middle_of_its_swap(command: str, old_and_new, run_cli, tmp_path: Path) -> None:
    """A reader that starts while a build is half way through swapping waits, then reads the
    new set: `export` packs it, `check-tables` finds it whole."""
    repo, _, new = old_and_new
    root = repo.root
    steps = build_steps(root, run_cli)
    flags = tmp_path / "flags"
    point = steps.index("move new schemas in") + 1  # datapackage is new, schemas not yet
    builder = child("pause", point, flags, "build", "--root", root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = tmp_path / "out"
    args = ["export", "--root", root, "--zip", out] if command == "export" else ["check-tables", "--root", root]
    try:
        while not (flags / "ready").exists():
            assert builder.poll() is None, builder.communicate()
            time.sleep(0.01)
        reader = child("run", 0, flags, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert reader.stderr is not None
        assert "waiting" in reader.stderr.readline().decode()
    finally:
        (flags / "go").write_text("")
    assert builder.wait(timeout=120) == 0
    stdout, stderr = reader.communicate(timeout=120)
    assert reader.returncode == 0, stdout + stderr
    assert generated(root) == new
    if command == "check-tables":
        assert stdout.decode().endswith("0 problems found in the tables of datapackage/\n")
        return
    from minsec.export import unzip_tree

    (archive,) = out.glob("*.zip")
    packed = unzip_tree(archive.read_bytes())
    assert packed == {p: (root / "datapackage" / p).read_bytes() for p in packed}


def test_publishing_refuses_a_hard_link(repo_root: Path, tmp_path: Path, run_cli) -> None:
    """A hard link's content may be a file elsewhere (a key, a password file): not published."""
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "datapackage", root / "datapackage")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=s3cr3t\n", encoding="utf-8")
    os.link(secret, root / "datapackage" / "json" / "secret.json")
    code, _, err = run_cli("export", "--root", root, "--zip", tmp_path / "out")
    assert code == 2 and "secret.json: is a hard link" in err
    assert not (tmp_path / "out").exists()
