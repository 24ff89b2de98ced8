"""A cache of parsed record files between runs, keyed by each file's exact bytes.

``minsec build`` validates before it writes, so a ``validate`` then a ``build`` parsed every
file twice, and parsing is most of reading. The cache keeps the data of each regular file
that parsed cleanly, under a hash of its bytes and of the parser itself (the code of
:mod:`minsec.yaml_loader`, PyYAML's version, whether libyaml read it): a file whose bytes
change is parsed again, a file with problems is never cached, and every check after parsing
(models, set rules, quotes) runs on every run. So the cache can make a run faster, never
different.

It lives outside the repository (``$MINSEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/minsec``,
else ``~/.cache/minsec``), so that a pull request cannot bring entries with it. Set
``MINSEC_CACHE_DIR`` to an empty string to read without a cache. Any problem with the cache
(a read-only home, a locked or damaged file) is not the user's: minsec then reads without it.
"""

import contextlib
import hashlib
import marshal
import os
import sqlite3
from pathlib import Path

#: Entries kept beyond those the last run used, before unused ones are dropped.
SPARE_ENTRIES = 10_000
#: New entries written together.
BATCH = 2_000
_SCHEMA = "CREATE TABLE IF NOT EXISTS parsed (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"


def cache_dir() -> Path | None:
    """Where the cache lives, or None when ``MINSEC_CACHE_DIR`` is set empty (no cache)."""
    chosen = os.environ.get("MINSEC_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minsec"


def _parser_salt() -> bytes:
    """What else decides a file's data besides its bytes: the loader's code and PyYAML's build."""
    import yaml

    from minsec import yaml_loader

    code = Path(yaml_loader.__file__).read_bytes()
    return hashlib.sha256(code + f"|{yaml.__version__}|{yaml_loader.LIBYAML}".encode()).digest()


class RecordCache:
    """One run's use of the cache: look files up by their bytes, remember the new ones, save at the end."""

    def __init__(self, folder: Path | None) -> None:
        self._connection: sqlite3.Connection | None = None
        self._new: dict[bytes, bytes] = {}
        self._used: set[bytes] = set()
        self._salt = b""
        if folder is None:
            return
        try:
            self._salt = _parser_salt()
            folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(folder / "records.sqlite3", timeout=1.0, isolation_level=None)
            connection.execute(_SCHEMA)
            self._connection = connection
        except (OSError, sqlite3.Error):
            self._connection = None  # no cache this run; see the module docstring

    def key(self, raw: bytes) -> bytes:
        return hashlib.blake2b(raw, digest_size=20, key=self._salt[:64]).digest()

    def get(self, key: bytes) -> dict | None:
        """The cached data of the file whose key is ``key``, if any."""
        if self._connection is None:
            return None
        try:
            row = self._connection.execute("SELECT data FROM parsed WHERE digest = ?", (key,)).fetchone()
            data = marshal.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            self._connection = None
            return None
        if type(data) is not dict:
            return None
        self._used.add(key)
        return data

    def put(self, key: bytes, data: dict) -> None:
        if self._connection is not None:
            with contextlib.suppress(ValueError):  # not plain data: never cached
                self._new[key] = marshal.dumps(data)
            if len(self._new) >= BATCH:
                self._write_new()

    def _write_new(self) -> None:
        """Write the new entries in one transaction (a batch at a time: 100,000 waiting was 100 MB)."""
        if self._connection is None or not self._new:
            return
        try:
            with self._connection:
                self._connection.execute("BEGIN")
                self._connection.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)", self._new.items())
        except sqlite3.Error:
            self._connection = None
        self._used.update(self._new)
        self._new.clear()

    def save(self) -> None:
        """Write the new entries, and drop unused ones once there are many; then close."""
        self._write_new()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            (count,) = connection.execute("SELECT count(*) FROM parsed").fetchone()
            if count > len(self._used) + SPARE_ENTRIES:
                keep = self._used
                with connection:
                    connection.execute("BEGIN")
                    connection.execute("CREATE TEMP TABLE kept (digest BLOB PRIMARY KEY)")
                    connection.executemany("INSERT INTO kept VALUES (?)", ((k,) for k in keep))
                    connection.execute("DELETE FROM parsed WHERE digest NOT IN (SELECT digest FROM kept)")
        except sqlite3.Error:
            pass  # the cache stays as it was; the run's results do not depend on it
        finally:
            connection.close()
            self._new.clear()
            self._used.clear()
