"""Replacing the generated files as one set: the old set or the new one, never a mix.

``minsec build`` writes ``datapackage/``, ``schemas/``, ``CODEBOOK.md`` and ``README.md``.
A build that is interrupted at any step (Ctrl-C, a kill, a full disk, a crash) or that runs
beside another must leave either all the old files or all the new ones. The steps:

1. take an exclusive lock on the repository root (a second build waits for the first, and so
   does a command reading the generated files; readers share the lock among themselves);
2. finish or undo what an earlier, interrupted build left (:func:`recover`);
3. write every new file under ``.minsec-build/new/`` (nothing in the repository changes);
4. write ``.minsec-build/COMMIT`` naming what to replace: the commit point;
5. move each old item into ``.minsec-build/old/`` and the new one into its place;
6. remove ``COMMIT``, then ``.minsec-build/``.

Recovery after an interruption: without ``COMMIT`` the repository still holds the whole
old set, and ``.minsec-build/`` is removed; with it, step 5 is finished (each move is
done at most once, so it can be repeated) and the new set is whole. Only a process that
holds the lock recovers, so a build never removes another live build's work.
"""

import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from minsec.files import replace_file, write_file
from minsec.paths import PathError, within

STATE = ".minsec-build"
COMMIT = "COMMIT"
#: Folder names that builds before 0.2 used beside the generated folders while swapping.
_LEGACY = ("datapackage", "schemas")
#: What an interrupted build by those earlier versions could leave in the root.
_LEGACY_LEFTOVERS = (
    *(f"{folder}.{kind}-*" for folder in _LEGACY for kind in ("old", "tmp")),
    *(f".{name}.*" for name in ("README.md", "CODEBOOK.md")),
)


class CommittedInterrupt(KeyboardInterrupt):
    """Interrupted after the commit point: the new set of files was put in place first."""


def _checkpoint(step: str) -> None:
    """Called before every change to the disk; tests replace it to interrupt at each step."""


@contextmanager
def locked(root: Path, on_wait: Callable[[], None] | None = None, *, shared: bool = False) -> Iterator[None]:
    """Hold the repository's build lock (an ``flock`` on the root folder) while inside: a build
    holds it alone; readers (``shared``) hold it together, so they wait for a build and a build
    waits for them, but they never wait for each other. A reader finishes or undoes an
    interrupted build (:func:`recover`) before reading, alone while it does (so after waiting
    for the readers already in)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock (Windows): builds must not overlap
        if shared:
            recover(root)
        yield
        return
    descriptor = os.open(root, os.O_RDONLY)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(descriptor, mode)
        if shared and interrupted(root):
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # not atomic: a build may come and go first
            recover(root)
            fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)


def _remove_tree(path: Path) -> None:
    """Remove ``path`` (ours: staging or an old set), making read-only folders writable first."""

    def retry(function: Callable[..., object], failed: str, _error: object) -> None:
        parent = Path(failed).parent
        parent.chmod(parent.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR)
        function(failed)

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        handler = {"onexc": retry} if sys.version_info >= (3, 12) else {"onerror": retry}
        shutil.rmtree(path, **handler)  # type: ignore[arg-type]


def _committed_items(root: Path) -> list[str]:
    return [line for line in (root / STATE / COMMIT).read_text(encoding="utf-8").splitlines() if line]


def _roll_forward(root: Path) -> None:
    """Step 5, from wherever it stopped; each move happens at most once."""
    state = root / STATE
    for item in _committed_items(root):
        new, target, old = state / "new" / item, root / item, state / "old" / item
        if not os.path.lexists(new):
            continue  # already moved into place
        if new.is_dir():
            if os.path.lexists(target):
                _checkpoint(f"move {item} aside")
                os.rename(target, old)
            _checkpoint(f"move new {item} in")
            os.rename(new, target)
        else:
            _checkpoint(f"replace {item}")
            os.replace(new, target)


def _clean(root: Path) -> None:
    state = root / STATE
    if (state / COMMIT).exists():
        _checkpoint("remove commit mark")
        (state / COMMIT).unlink()
    _checkpoint("remove staging")
    _remove_tree(state)


def _recover_legacy(root: Path) -> None:
    """Leftovers of an interrupted build by an earlier minsec, which swapped folder by folder."""
    for folder in _LEGACY:
        backups = sorted(root.glob(f"{folder}.old-*"))
        if not os.path.lexists(root / folder) and backups:
            os.rename(backups[-1], root / folder)
    for pattern in _LEGACY_LEFTOVERS:
        for leftover in root.glob(pattern):
            _remove_tree(leftover)


def recover(root: Path) -> None:
    """Leave the whole old set or the whole new one, and nothing else; call with the lock held."""
    state = root / STATE
    if os.path.lexists(state):
        if state.is_symlink() or not state.is_dir():
            raise PathError(f"{state}: not a folder minsec made; remove it")
        if (state / COMMIT).exists():
            _roll_forward(root)
        _clean(root)
    _recover_legacy(root)


def interrupted(root: Path) -> bool:
    """Whether an interrupted build left anything under ``root`` for :func:`recover`."""
    if os.path.lexists(root / STATE):
        return True
    return any(next(root.glob(pattern), None) is not None for pattern in _LEGACY_LEFTOVERS)


def _entries(path: Path) -> Iterator[Path]:
    """``path`` and everything below it, links not followed."""
    yield path
    if path.is_dir() and not path.is_symlink():
        for current, folders, files in os.walk(path):
            for name in [*folders, *files]:
                yield Path(current) / name


def _refuse_unwritable(root: Path, items: list[str]) -> None:
    """An item someone made read-only is not replaced: say so before writing anything.
    (``within`` refuses an item that is itself a link; links inside go with the old set.)"""
    for item in items:
        path = within(root, item)
        if not os.path.lexists(path):
            continue
        for entry in _entries(path):
            mode = os.lstat(entry).st_mode
            if not stat.S_ISLNK(mode) and not mode & stat.S_IWUSR:
                raise PathError(
                    f"{entry}: is read-only, so the build will not replace it; make it writable "
                    f"(chmod -R u+w {path}) and build again"
                )


def replace(root: Path, files: Mapping[str, bytes], items: list[str]) -> None:
    """Replace each of ``items`` (top-level names such as ``datapackage`` or ``README.md``)
    under ``root`` by the ``files`` below it, all or none; call with the lock held, after
    :func:`recover`."""
    if not items:
        return
    _refuse_unwritable(root, items)
    state = root / STATE
    committed = False
    try:
        _checkpoint("make staging")
        (state / "new").mkdir(parents=True)
        (state / "old").mkdir()
        for relative, content in files.items():
            if relative.split("/", 1)[0] in items:
                path = state / "new" / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                _checkpoint(f"write {relative}")
                write_file(path, content)
        _checkpoint("commit")
        replace_file(state / COMMIT, "".join(f"{item}\n" for item in items).encode("utf-8"))
        committed = True
        _roll_forward(root)
        _clean(root)
    except KeyboardInterrupt:
        recover(root)  # undo before the commit point, finish after it
        if committed:
            raise CommittedInterrupt from None
        raise
    except BaseException:
        if not committed:
            _clean(root)
        raise
