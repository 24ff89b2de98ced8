"""A cache of work that depends only on bytes, kept between runs: parsed record files, the
records made from them, quotes found in a source's fingerprint and records whose quotes passed.

``minsec build`` validates before it writes, so a ``validate`` then a ``build`` parsed every
file and hashed every quote twice, and those are most of a run. The cache keeps

- the data of each regular file that parsed cleanly, under a hash of its bytes and of the
  parser itself (the code of :mod:`minsec.yaml_loader`, PyYAML's version, whether libyaml
  read it);
- each quote found in a fingerprint, under a hash of the quote, of the fingerprint's content
  and of the code that checks it (:mod:`minsec.fingerprint`);
- each record whose quotes all passed, under a hash of its file's bytes, of what every
  source's quotes are checked against (fingerprint, text or nothing) and of the whole code;
- the records made from each run of consecutive record files (about 300), under a hash of their
  paths and bytes and of the whole code (see :class:`RecordChunks`).

A file whose bytes change is parsed and made into a record again, a file with problems and
a quote not found are never cached, and every other check (set rules, quotes against texts)
runs on every run, unless the same inputs passed them all before (:mod:`minsec.verdicts`
keeps such clean verdicts here too). So the cache can make a run faster, never different.
Entries are trusted like the code: one planted here could make a run report records or a
verdict the files do not give, so the folder must not be shared with anyone untrusted.

It lives outside the repository (``$MINSEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/minsec``,
else ``~/.cache/minsec``), so that a pull request cannot bring entries with it. Set
``MINSEC_CACHE_DIR`` to an empty string to run without a cache; ``minsec cache`` shows what it
holds and ``minsec cache clear`` removes it (:mod:`minsec.cache_contents`). Any problem with
the cache (a read-only home, a locked or damaged file) is not the user's: minsec then runs
without it.
"""

import contextlib
import hashlib
import io
import marshal
import os
import pickle
import sqlite3
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Self

#: Entries of a kind kept beyond those the last run used, before unused ones are dropped.
SPARE_ENTRIES = 10_000
#: New entries written together.
BATCH = 2_000
FILE_NAME = "records.sqlite3"
_PACKAGE = Path(__file__).parent


def cache_dir() -> Path | None:
    """Where the cache lives, or None when ``MINSEC_CACHE_DIR`` is set empty (no cache)."""
    chosen = os.environ.get("MINSEC_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minsec"


def _code_salt(module: ModuleType, extra: str = "") -> bytes | None:
    """A hash of the code that produced the cached results (and anything else they depend on);
    None, and so no cache, if that code cannot be read."""
    try:
        code = Path(module.__file__ or "").read_bytes()
    except OSError:
        return None
    return hashlib.sha256(code + extra.encode("utf-8")).digest()


@cache
def code_digest() -> bytes | None:
    """A hash of every file of the minsec package and of the versions of what it runs on; None
    if a file cannot be read (then no verdict is kept or used)."""
    import pydantic
    import pydantic_core
    import yaml

    files = []
    for current, folders, names in os.walk(_PACKAGE):
        folders[:] = [f for f in folders if f != "__pycache__"]
        files.extend(Path(current) / name for name in names if not name.endswith((".pyc", ".pyo")))
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"{sys.version}|{pydantic.VERSION}|{pydantic_core.__version__}|{yaml.__version__}|".encode())
    try:
        for path in sorted(files):
            digest.update(f"{path.relative_to(_PACKAGE).as_posix()}\0".encode("utf-8", "surrogatepass"))
            digest.update(hashlib.blake2b(path.read_bytes(), digest_size=32).digest())
    except OSError:
        return None
    return digest.digest()


class Store:
    """One kind of entry (one table) for one run: look up, remember new entries, save at the end."""

    #: The table holding this kind's entries, and what each entry is (``minsec cache`` counts them).
    table: str = ""
    holds: str = ""
    #: Tables of this kind's entries left by earlier versions of minsec, dropped when found.
    replaces: tuple[str, ...] = ()
    #: Entries kept beyond those the last whole run used (at most :data:`SPARE_ENTRIES`).
    spare: int = SPARE_ENTRIES
    #: New entries written together (at most :data:`BATCH`).
    batch: int = BATCH

    def __init__(self, folder: Path | None, salt: "bytes | None" = None) -> None:
        self._connection: sqlite3.Connection | None = None
        table = self._table = self.table
        self._new: dict[bytes, bytes] = {}
        self._used: set[bytes] = set()
        self._salt = salt or b""
        #: What a stand-in (see :meth:`recorder`) would have written, for its store to write.
        self._recorded: list[tuple[bytes, bytes]] | None = None
        if folder is None or salt is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(folder / FILE_NAME, timeout=1.0, isolation_level=None)
            # A cache needs no durability: write-ahead log, no sync on commit (an fsync per batch
            # made a first run at 100,000 records wait on the disk for as long as it computed).
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA cache_size=-16384")
            # Rows in the order written, found by an index of their keys: a table ordered by its
            # random keys (WITHOUT ROWID) moved whole rows on every insert, 4x the cost of writing
            # 100,000 parsed files and 2x that of looking them up.
            connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (digest BLOB NOT NULL UNIQUE, data BLOB NOT NULL)")
            for legacy in self.replaces:
                connection.execute(f"DROP TABLE IF EXISTS {legacy}")
            self._connection = connection
        except (OSError, sqlite3.Error):
            self._connection = None  # no cache this run; see the module docstring

    @property
    def active(self) -> bool:
        return self._connection is not None or self._recorded is not None

    def recorder(self) -> "Self":
        """A stand-in for this store in a forked worker (see :mod:`minsec.workers`), which must
        not use its connection: the same keys, nothing found, and what it would write kept
        for :meth:`recorded`, so that this store writes it."""
        stand_in = type(self).__new__(type(self))
        Store.__init__(stand_in, None)
        stand_in._salt = self._salt
        stand_in._recorded = [] if self._connection is not None else None
        return stand_in

    def recorded(self) -> list[tuple[bytes, bytes]]:
        """The (key, entry) pairs a stand-in would have written since this was last asked."""
        if self._recorded is None:
            return []
        found, self._recorded = self._recorded, []
        return found

    @property
    def empty(self) -> bool:
        """Whether no entry of this kind is cached (as on a first run, or a fresh CI machine)."""
        if self._connection is None:
            return True
        try:
            return self._connection.execute(f"SELECT 1 FROM {self._table} LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def key(self, content: bytes) -> bytes:
        return hashlib.blake2b(content, digest_size=20, key=self._salt[:64]).digest()

    def get_many(self, keys: list[bytes]) -> dict[bytes, bytes]:
        """The entries of those of ``keys`` that are cached, in one query."""
        if self._connection is None or not keys:
            return {}
        marks = ",".join("?" * len(keys))
        try:
            rows = self._connection.execute(
                f"SELECT digest, data FROM {self._table} WHERE digest IN ({marks})", keys
            ).fetchall()
        except sqlite3.Error:
            self._connection = None
            return {}
        found = dict(rows)
        self._used.update(found)
        return found

    def keep(self, keys: list[bytes]) -> None:
        """Count ``keys`` as used by this run without looking them up (what they stand for was
        found another way), so that pruning keeps them."""
        self._used.update(keys)

    def put(self, key: bytes, data: bytes) -> None:
        if self._recorded is not None:
            self._recorded.append((key, data))
        elif self._connection is not None:
            self._new[key] = data
            if len(self._new) >= min(BATCH, self.batch):
                self._write_new()

    def _write_new(self) -> None:
        """Write the new entries in one transaction (a batch at a time: 100,000 waiting was 100 MB)."""
        if self._connection is None or not self._new:
            return
        try:
            with self._connection:
                self._connection.execute("BEGIN")
                self._connection.executemany(f"INSERT OR REPLACE INTO {self._table} VALUES (?, ?)", self._new.items())
        except sqlite3.Error:
            self._connection = None
        self._used.update(self._new)
        self._new.clear()

    def save(self, prune: bool = True) -> None:
        """Write the new entries, and drop unused ones once there are many; then close.

        ``prune`` only from a run that looked up every entry it would need (all record files,
        every quote): a run over some of them (``validate FILE``, a vouched run reading only the
        sources) would otherwise drop the entries of all the others."""
        self._write_new()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            (count,) = connection.execute(f"SELECT count(*) FROM {self._table}").fetchone()
            if prune and count > len(self._used) + min(SPARE_ENTRIES, self.spare):
                with connection:
                    connection.execute("BEGIN")
                    connection.execute("CREATE TEMP TABLE kept (digest BLOB PRIMARY KEY)")
                    connection.executemany("INSERT INTO kept VALUES (?)", ((k,) for k in self._used))
                    connection.execute(f"DELETE FROM {self._table} WHERE digest NOT IN (SELECT digest FROM kept)")
        except sqlite3.Error:
            pass  # the cache stays as it was; the run's results do not depend on it
        finally:
            connection.close()
            self._new.clear()
            self._used.clear()


def _parser_salt() -> bytes | None:
    import yaml

    from minsec import yaml_loader

    return _code_salt(yaml_loader, f"|{yaml.__version__}|{yaml_loader.LIBYAML}")


class RecordCache(Store):
    """Parsed record files by their bytes: the data of each, as :func:`minsec.yaml_loader.load_document` gives it."""

    table, holds = "parsed_files", "parsed record files"
    replaces = ("parsed",)

    def __init__(self, folder: Path | None) -> None:
        super().__init__(folder, _parser_salt() if folder is not None else None)

    def get_many_data(self, keys: list[bytes]) -> dict[bytes, dict]:
        """The cached data of those of ``keys`` that are cached, in one query."""
        found = {}
        for key, raw in self.get_many(keys).items():
            try:
                data = marshal.loads(raw)
            except (ValueError, EOFError, TypeError):
                continue
            if type(data) is dict:
                found[key] = data
        return found

    def put_data(self, key: bytes, data: dict) -> None:
        with contextlib.suppress(ValueError):  # not plain data: never cached
            self.put(key, marshal.dumps(data))


class QuoteCache(Store):
    """Quotes found in a fingerprint, by the quote and the fingerprint's content."""

    table, holds = "found_quotes", "quotes found in a fingerprint"
    replaces = ("quotes_found",)

    def __init__(self, folder: Path | None) -> None:
        from minsec import fingerprint

        super().__init__(folder, _code_salt(fingerprint) if folder is not None else None)

    def quote_key(self, fingerprint_digest: bytes, quote: str) -> bytes:
        return self.key(fingerprint_digest + quote.encode("utf-8", "surrogatepass"))

    def remember_found(self, key: bytes) -> None:
        self.put(key, b"")


class QuotedRecords(Store):
    """Records whose every quote passed the quote check, by the record file's bytes and what each
    source's quotes were checked against (see :func:`minsec.evidence.checked_against`), salted
    with the whole code (:func:`code_digest`): a contributor's run after changing one file
    checks that file's quotes, not all of them."""

    table, holds = "quoted_records", "records whose quotes all passed"

    def __init__(self, folder: Path | None) -> None:
        super().__init__(folder, code_digest() if folder is not None else None)


class _RecordTypesOnly(pickle.Unpickler):
    """An unpickler that makes nothing but minsec's record models and vocabularies: an entry
    is the cache's, outside the repository, but whatever it holds builds no other object."""

    def find_class(self, module: str, name: str) -> type:
        from enum import Enum

        from pydantic import BaseModel

        if module in ("minsec.models", "minsec.vocabularies") and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and issubclass(found, (BaseModel, Enum)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a record type")


class RecordChunks(Store):
    """The records of a run of consecutive record files (a chunk: see :func:`minsec.record_files._chunks`),
    by each file's path and bytes and the whole code (:func:`code_digest`): the models as they
    were made, so that a run whose chunk of files is unchanged makes none of them again (the
    models were a third of reading 10,000 files from the cache). A chunk is kept only if every
    file in it made a valid record."""

    table, holds = "record_chunks", "runs of record files made into records"
    #: A chunk holds a few hundred records (about 230 kB): few spare ones are kept, and new
    #: ones are written a few at a time (100,000 records' waiting were 90 MB).
    spare = 64
    batch = 4

    def __init__(self, folder: Path | None) -> None:
        super().__init__(folder, code_digest() if folder is not None else None)

    def chunk_key(self, files: list[tuple[str, bytes]]) -> bytes:
        """The key of the chunk of these (path, file digest) pairs, in order."""
        return self.key(b"".join(path.encode("utf-8", "surrogatepass") + b"\0" + digest for path, digest in files))

    def get_records(self, key: bytes, count: int) -> list | None:
        """The ``count`` records kept under ``key``, or None."""
        raw = self.get_many([key]).get(key)
        if raw is None:
            return None
        try:
            records = _RecordTypesOnly(io.BytesIO(raw)).load()
        except Exception:  # a damaged or foreign entry is no entry
            return None
        if type(records) is not list or len(records) != count:
            return None
        return records

    def put_records(self, key: bytes, records: list) -> None:
        self.put(key, pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
