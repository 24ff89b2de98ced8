"""What the cache kept between runs holds, and removing it (``minsec cache``).

The cache (see :mod:`minsec.record_cache`) grows with the dataset: some 36 MB at 10,000
records and 220 MB at 100,000. Users asked where it is, what it holds and how to free it
without guessing which files are minsec's: removing it only makes the next run slower.
"""

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from minsec.record_cache import FILE_NAME, QuoteCache, QuotedRecords, RecordCache, RecordChunks, Store, cache_dir

__all__ = ["FILE_NAME", "CacheContents", "clear", "contents", "human_size", "kinds", "located"]

#: The database and the files SQLite keeps beside it; nothing else in the folder is minsec's.
CACHE_FILES = (FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm", f"{FILE_NAME}-journal")


def kinds() -> tuple[type[Store], ...]:
    """Every kind of entry, in the order a run makes them."""
    from minsec.verdicts import Verdicts

    return (RecordCache, RecordChunks, QuoteCache, QuotedRecords, Verdicts)


def located() -> Path | None:
    """Where runs keep the cache (:func:`cache_dir`), absolute: a relative ``MINSEC_CACHE_DIR``
    is the current folder's, as for a run. None when the cache is turned off."""
    folder = cache_dir()
    return None if folder is None else folder.absolute()


@dataclass(frozen=True)
class CacheContents:
    """The cache in ``folder``: its files' total size, and the entries of each kind by what
    they hold, or ``unreadable`` with SQLite's reason."""

    folder: Path
    size: int = 0
    entries: dict[str, int] = field(default_factory=dict)
    unreadable: str | None = None

    @property
    def exists(self) -> bool:
        return self.size > 0


def _sizes(folder: Path) -> dict[Path, int]:
    """The cache's files that exist, by path (links counted as themselves, never followed)."""
    sizes = {}
    for name in CACHE_FILES:
        path = folder / name
        try:
            sizes[path] = os.lstat(path).st_size
        except FileNotFoundError:
            continue
    return sizes


def _count(database: Path) -> dict[str, int]:
    """Entries of each kind. Opened for writing where it may be: SQLite then removes the files
    it keeps beside the database when this last connection closes, as after any run; a
    read-only connection would leave them behind."""
    try:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=rw", uri=True, timeout=1.0)
    except sqlite3.OperationalError:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=1.0)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            kind.holds: connection.execute(f"SELECT count(*) FROM {kind.table}").fetchone()[0]
            for kind in kinds()
            if kind.table in tables
        }
    finally:
        connection.close()


def contents(folder: Path) -> CacheContents:
    """What the cache in ``folder`` (see :func:`located`) holds."""
    database = folder / FILE_NAME
    entries: dict[str, int] = {}
    unreadable = None
    if os.path.lexists(database):
        try:
            entries = _count(database)
        except sqlite3.Error as error:
            unreadable = str(error)
    return CacheContents(folder, sum(_sizes(folder).values()), entries, unreadable)


def clear(folder: Path) -> int:
    """Remove the cache's files in ``folder`` (and nothing else there); returns the bytes they
    held. A run using the cache meanwhile keeps going: it only loses what it would have kept."""
    freed = 0
    # The database last: a stopped clear leaves it whole, without the log of its latest entries.
    for path, size in reversed(_sizes(folder).items()):
        try:
            path.unlink()
        except FileNotFoundError:  # removed by another clear meanwhile
            continue
        freed += size
    return freed


def human_size(size: int) -> str:
    """``size`` bytes in decimal units, as file managers show them: "412 kB", "18.6 MB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}" if size < 100 * scale else f"{size / scale:.0f} {unit}"
    return f"{size} bytes"
