"""Reading ``records/`` into typed models, turning every failure into a Problem."""

import difflib
import hashlib
import os
import pickle
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import cache, cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from minsec import workers
from minsec.draft.marker import MARKER
from minsec.gc_pause import paused_gc
from minsec.models import (
    CODE3_PATTERN,
    ID_PATTERN,
    LANGUAGE_PATTERN,
    MODEL_BY_FOLDER,
    MODELS,
    PLACEHOLDER,
    SHA256_PATTERN,
    URL_PATTERN,
    WIKIDATA_PATTERN,
    Record,
    container_fields,
)
from minsec.paths import PathError, within
from minsec.problems import Problem, explain_yaml, with_article
from minsec.record_cache import RecordCache, RecordChunks, cache_dir
from minsec.yaml_loader import Document, LinkedFile, YamlError, load_document, read_capped

if TYPE_CHECKING:
    from minsec.derive import DerivedStatus, StatusReport

RECORD_SUFFIX = ".yaml"
_MARKER = MARKER.encode("utf-8")


@dataclass(frozen=True)
class Dataset:
    """The records of every kind, as the build and the set-level checks see them.

    The records are grouped by kind once, on first use, and each record is dumped to JSON
    data once, so that a build's tables and JSON files do not rescan or redump them.
    """

    records: tuple[Record, ...]

    @cached_property
    def _by_kind(self) -> dict[type[Record], list[Record]]:
        index: dict[type[Record], list[Record]] = defaultdict(list)
        for record in self.records:
            index[type(record)].append(record)
        return index

    @cached_property
    def _sorted(self) -> dict[type[Record], list[Record]]:
        return {model: sorted(records, key=lambda r: r.id) for model, records in self._by_kind.items()}

    @cached_property
    def _dumps(self) -> dict[int, dict]:
        return {}

    def of(self, model: type[Record]) -> list[Record]:
        """The records of one kind, in the order they were read."""
        return list(self._by_kind.get(model, ()))

    def sorted_of(self, model: type[Record]) -> list[Record]:
        """The records of one kind, by id (shared: do not change the list)."""
        return self._sorted.get(model, [])

    def ids(self, model: type[Record]) -> set[str]:
        return {r.id for r in self._by_kind.get(model, ())}

    def dump(self, record: Record) -> dict:
        """``record.model_dump(mode="json", by_alias=True)``, computed once per record (shared:
        do not change it)."""
        data = self._dumps.get(id(record))
        if data is None:
            data = self._dumps[id(record)] = record.model_dump(mode="json", by_alias=True)
        return data

    def forget_dumps(self, model: type[Record]) -> None:
        """Let the JSON data of one kind's records go (a build is done with it; it is made
        again if asked for): all kinds' data at once was a fifth of a build's memory."""
        for record in self._by_kind.get(model, ()):
            self._dumps.pop(id(record), None)

    @cached_property
    def status_reports(self) -> "dict[str, list[StatusReport]]":
        """Every deal's status reports, oldest first, derived once per dataset."""
        from minsec.derive import status_reports
        from minsec.models import Event

        return status_reports(self.of(Event))  # type: ignore[arg-type]

    @cached_property
    def deal_statuses(self) -> "dict[str, DerivedStatus]":
        """Every deal's derived status (deals without a status event are absent), derived once."""
        from minsec.derive import derive_status

        return {deal_id: derive_status(reports) for deal_id, reports in self.status_reports.items()}  # type: ignore[misc]


@dataclass(frozen=True)
class LoadedRecord:
    """A valid record, with the file it came from and the line of each of its fields."""

    path: str
    record: Record
    document: Document
    #: Whether the file's text holds the review marker of ``minsec draft`` (checked by validate).
    marked: bool = False
    #: A hash of the file's bytes (see :mod:`minsec.verdicts`); empty if not read from a file.
    digest: bytes = b""

    def line_of(self, *field_path: str | int) -> int:
        return self.document.line_of(tuple(field_path))


def _field_name(loc: Sequence[str | int]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _closest(word: object, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f"; did you mean {match[0]!r}?" if match else ""


def _allowed_fields(model: type[Record], loc: Sequence[str | int]) -> list[str]:
    """Field names allowed where ``loc`` points, following nested models."""
    current: type | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        annotation = info.annotation if info else None
        args = getattr(annotation, "__args__", ()) or (annotation,)
        current = next((a for a in args if isinstance(a, type) and hasattr(a, "model_fields")), None)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


#: What a value that does not match a pattern should look like, in words.
PATTERN_HINTS = {
    ID_PATTERN: "is not an id: lowercase letters, digits and single hyphens (e.g. usa-dza-mou-2025)",
    CODE3_PATTERN: "is not a three-letter upper-case code (e.g. DZA for Algeria, USD for US dollars)",
    LANGUAGE_PATTERN: "is not a two-letter lower-case ISO 639-1 language code (e.g. en, fr, ar)",
    URL_PATTERN: "is not an http(s) URL; only http:// and https:// links are allowed",
    SHA256_PATTERN: "is not a SHA-256 digest: 64 lower-case hex digits (run sha256sum on the text file)",
    WIKIDATA_PATTERN: "is not a Wikidata item id: Q followed by digits, no leading zero (e.g. Q262)",
}


def _message(model: type[Record], error: dict) -> str:
    kind, loc, given = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return "required field is missing; add it"
    if given == PLACEHOLDER:
        return f"still the {PLACEHOLDER} placeholder; fill it in (CODEBOOK.md says what goes here)"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "extra_forbidden":
        return "unknown field" + (_closest(loc[-1], _allowed_fields(model, loc)) or "; remove it")
    if kind == "enum":
        allowed = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ").split(", ")
        return f"{given!r} is not allowed{_closest(given, allowed)} (allowed: {', '.join(allowed)})"
    message = error["msg"].removeprefix("Value error, ")
    if kind.endswith("_type"):
        return f"{message}, got {type(given).__name__} {given!r}"[:300]
    context = error.get("ctx", {})
    if kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_HINTS:
        return f"{str(given)[:80]!r} {PATTERN_HINTS[context['pattern']]}"
    if kind in ("string_too_long", "too_long") and isinstance(given, str):
        return f"is {len(given)} characters long, over the limit of {context['max_length']}; shorten it"
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']:g}, not {given!r}; check the number and its unit"
    if kind in ("greater_than", "less_than"):
        bound = "greater than" if kind == "greater_than" else "less than"
        return f"must be {bound} {context.get('gt', context.get('lt')):g}, not {given!r}"
    return message


def parse_record(model: type[Record], document: Document, path: str) -> Record | list[Problem]:
    """Validate one file's data as ``model``; the problems are located by line and field."""
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = _located(model, error)
            problems.append(Problem(path, document.line_of(loc), _field_name(loc), _message(model, error)))
        return problems


def _located(model: type[Record], error: dict) -> tuple[str | int, ...]:
    """Where an error points; a whole-record check whose message opens with a field name points at that field.

    The models' cross-field checks ("date_latest '2025-03' ends before ...") name the field they
    are about first, so the contributor is sent to its line rather than to the top of the file.
    """
    if error["loc"] or error["type"] != "value_error":
        return tuple(error["loc"])
    first = error["msg"].removeprefix("Value error, ").split(" ", 1)[0].split("/", 1)[0].rstrip(",:;")
    fields = {info.alias or name for name, info in model.model_fields.items()}
    return (first,) if first in fields else ()


#: One frozenset for each distinct set of given field names (a few hundred in all).
_FIELD_SETS: dict[frozenset[str], frozenset[str]] = {}


def share_field_sets(model: BaseModel) -> None:
    """Give ``model`` and the models inside it shared frozensets of their given field names.

    pydantic keeps a new ``set`` of the names given on every model object, 370 bytes on
    average: a quarter of the memory of the records read (138 MB at 100,000 records). minsec
    never changes a record once read, so objects that set the same fields can share one; a
    change would fail loudly (a frozenset cannot be added to) rather than leak into others.
    """
    given = frozenset(model.__pydantic_fields_set__)
    shared = _FIELD_SETS.setdefault(given, given) if len(_FIELD_SETS) < 100_000 else given
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    values = model.__dict__
    for name in container_fields(type(model)):
        value = values[name]
        if isinstance(value, BaseModel):
            share_field_sets(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, BaseModel):
                    share_field_sets(item)


@cache
def _field_keys(model: type[Record]) -> frozenset[str] | None:
    """The keys a record of ``model`` may hold (names and aliases), if it refuses any other."""
    if model.model_config.get("extra") != "forbid":
        return None
    return frozenset(name for field, info in model.model_fields.items() for name in (field, info.alias) if name)


def _valid_as(model: type[Record], data: object) -> bool:
    """Whether ``data`` is a valid record of ``model``, without wording its problems (with
    spelling hints for each, that was most of the time of checking thousands of broken files)."""
    keys = _field_keys(model)
    if keys is not None and isinstance(data, dict) and not keys.issuperset(data):
        return False  # a key it refuses
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def _misfiled(document: Document, path: str, model: type[Record]) -> list[Problem]:
    """A problem saying where the file belongs, if it is a valid record of another kind."""
    for other in MODELS:
        if other is not model and _valid_as(other, document.data):
            return [
                Problem(
                    path,
                    1,
                    "",
                    f"this is a valid {other.record_kind.value} record, not "
                    f"{with_article(model.record_kind.value)}; move it to records/{other.folder}/",
                )
            ]
    return []


def _inside(root: Path, path: str, folders_checked: set[str] | None) -> None:
    """:func:`within` for a record file's folders, checking each folder once per run
    (``folders_checked``): three path lookups a file were a tenth of reading it. The file itself
    is checked by the open that reads it (:func:`read_capped` refuses a link)."""
    folder, _, name = path.rpartition("/")
    if folders_checked is None or folder not in folders_checked or name in ("", ".", "..") or "\\" in name:
        within(root, path)
        if folders_checked is not None and folder:
            folders_checked.add(folder)


@dataclass(frozen=True)
class _Read:
    """A record file's bytes, where it is (as a string: ``Path`` objects for 10,000 files were a
    tenth of reading them) and what kind of record it must hold."""

    file: str
    path: str
    model: type[Record]
    #: None if not read: its digest was known, and its data may be cached (see read_records).
    raw: bytes | None

    @property
    def stem(self) -> str:
        return self.path.rpartition("/")[2].removesuffix(RECORD_SUFFIX)


def _linked(path: str) -> list[Problem]:
    message = (
        "is a symbolic link or lies in a linked folder; record files must be regular files, so copy the content in"
    )
    return [Problem(path, 1, "", message)]


def _read_bytes(
    root: Path, file: str | Path, folders_checked: set[str] | None, known: "Mapping[str, bytes] | None" = None
) -> _Read | list[Problem]:
    """A record file below ``root/records`` read (refusing links, misplaced files and oversized
    ones), or its problem; ``folders_checked`` holds the folders of this run already found free
    of links. A file whose path is in ``known`` is located, not read (``raw`` is None)."""
    top = str(root)
    text = str(file)
    # The path below ``root``: cut from the string when it is plainly there (Path.relative_to costs more).
    if os.sep == "/" and text.startswith(top + "/") and top != "/":
        path = text[len(top) + 1 :]
    else:
        path = Path(file).relative_to(root).as_posix()
    try:
        _inside(root, path, folders_checked)
    except PathError:
        return _linked(path)
    parts = path.split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    model = MODEL_BY_FOLDER.get(folder)
    if model is None or len(parts) != 3 or parts[0] != "records":
        folders = ", ".join(f"records/{m.folder}/" for m in MODELS)
        return [Problem(path, 1, "", f"record files belong in one of {folders}; move it")]
    if os.path.splitext(parts[-1])[1] != RECORD_SUFFIX:  # Path.suffix, without a Path
        return [Problem(path, 1, "", f"record files end in {RECORD_SUFFIX}; rename it")]
    if known is not None and path in known:
        return _Read(text, path, model, None)
    try:
        return _Read(text, path, model, read_capped(text))
    except LinkedFile:
        return _linked(path)
    except YamlError as error:
        return [Problem(path, error.line, "", explain_yaml(error.message, b"", error.line))]
    except OSError as error:
        return [Problem(path, 1, "", f"cannot read the file: {error.strerror}")]


def file_digest(raw: bytes) -> bytes:
    """A hash of a record file's bytes: its cache entry's name, and how a later read knows it unchanged."""
    return hashlib.blake2b(raw, digest_size=20).digest()


def _validated(read: _Read, cache: RecordCache, cached: dict | None, digest: bytes) -> LoadedRecord | list[Problem]:
    """The record in ``read``'s bytes (``cached``: their data, parsed on an earlier run; ``digest``:
    :func:`file_digest` of the bytes), or its problems. Bytes not read (``read.raw`` None) come
    with their cached data."""
    path, model, raw = read.path, read.model, read.raw
    try:
        if raw is None:
            document = Document(cached, text=_Reread(read.file, digest))  # type: ignore[arg-type]
        elif cached is not None:
            # The text only if a message needs lines: decoding every file was 6% of reading them.
            document = Document(cached, text=lambda: raw.decode("utf-8"))
        else:
            document = load_document(raw)
            if document.plain:
                cache.put_data(cache.key(digest), document.data)
    except YamlError as error:
        return [Problem(path, error.line, "", explain_yaml(error.message, raw, error.line))]
    result = parse_record(model, document, path)
    if isinstance(result, list):
        return _misfiled(document, path, model) or result
    if result.id != read.stem:
        return [
            Problem(
                path,
                document.line_of(("id",)),
                "id",
                f"id {result.id!r} differs from the file name; "
                f"rename the file to {result.id}{RECORD_SUFFIX} or fix the id",
            )
        ]
    share_field_sets(result)
    # The record holds the data now; keep only what finds the lines (the file, for most files).
    marked = raw is not None and _MARKER in raw
    return LoadedRecord(path, result, document.without_data(_Reread(read.file, digest)), marked, digest)


class _Reread:
    """A record file's text read again to find its lines for a message, if its bytes are still
    those validated (None otherwise). Keeping every text instead was 166 MB at 100,000 records."""

    __slots__ = ("_digest", "_file")

    def __init__(self, file: str, digest: bytes) -> None:
        self._file = file
        self._digest = digest

    def __call__(self) -> str | None:
        try:
            raw = read_capped(self._file)
        except (OSError, YamlError):
            return None
        if file_digest(raw) != self._digest:
            return None
        return raw.decode("utf-8")


#: Files read, then looked up in the cache, together: a chunk (see :func:`_chunks`) holds about this many.
_BATCH = 256
#: A chunk holds at most this many times :data:`_BATCH` files (their bytes are read together).
_MOST_BATCHES_IN_A_CHUNK = 4


def _chunks(paths: list[str]) -> Iterator[list[str]]:
    """``paths`` in consecutive runs cut after each file whose name hashes to a multiple of
    :data:`_BATCH`, or after :data:`_MOST_BATCHES_IN_A_CHUNK` times that many files. Cut by the
    names, not by position, a run of files changes only where a file is added or removed: the
    chunk kept for every other run is still found (cut every 256 files, one file added among
    the actors changed every chunk after it)."""
    start, most = 0, _BATCH * _MOST_BATCHES_IN_A_CHUNK
    for index, path in enumerate(paths):
        name = path[path.rfind(os.sep) + 1 :]
        if zlib.crc32(name.encode("utf-8", "surrogatepass")) % _BATCH == 0 or index + 1 - start >= most:
            yield paths[start : index + 1]
            start = index + 1
    if start < len(paths):
        yield paths[start:]


#: Evidence fingerprints live beside their source records and are not records.
FINGERPRINT_SUFFIX = ".fingerprint"


def record_files(root: Path, below: str = "records") -> list[Path]:
    """Every file or link under ``root/records`` (hidden files and fingerprints aside), sorted;
    ``below`` (``"records/sources"``) lists one folder of it the same way."""
    return [Path(path) for path in _record_paths(root, below)]


def _record_paths(root: Path, below: str = "records") -> list[str]:
    """:func:`record_files` as strings, in the same order."""
    found: list[str] = []
    folders = [str(within(root, below))]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        in_sources = os.path.basename(folder) == "sources"
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif (entry.is_file() or entry.is_symlink()) and not (
                in_sources and entry.name.endswith(FINGERPRINT_SUFFIX)
            ):
                found.append(entry.path)
    # The order of Path comparisons (part by part), without making Paths.
    return sorted(found, key=lambda path: path.split(os.sep))


def file_digests(root: Path) -> list[tuple[str, bytes]] | None:
    """(path, :func:`file_digest`) of every record file, in the order :func:`read_records` reads
    them, without parsing any; None if a file cannot be a record as it is (a link, a misplaced
    file, an unreadable or oversized one) or holds the review marker of ``minsec draft``."""
    found: list[tuple[str, bytes]] = []
    for digests in _digests(root, list(_chunks(_record_paths(root)))):
        if None in digests:
            return None
        found.extend(digests)  # type: ignore[arg-type]
    return found


def _digests(root: Path, cut: list[list[str]]) -> Iterator[list[tuple[str, bytes] | None]]:
    """For each chunk of files, (path, :func:`file_digest`) of each file, or None for one that
    is no record as it is or holds the draft marker; reading and hashing 100,000 files is
    shared with workers (:mod:`minsec.workers`)."""
    with closing(workers.mapped(partial(_chunk_digests, root, set()), cut, least=_DIGESTS_SHARED)) as results:
        yield from results


#: Chunks from which reading and hashing their files is shared with workers: each file takes
#: some 15 us, so below about 10,000 files a fork costs what it saves (measured: no gain at 10,000).
_DIGESTS_SHARED = 40


def _chunk_digests(root: Path, folders_checked: set[str], chunk_paths: list[str]) -> list[tuple[str, bytes] | None]:
    found: list[tuple[str, bytes] | None] = []
    for file in chunk_paths:
        read = _read_bytes(root, file, folders_checked)
        if isinstance(read, list) or _MARKER in read.raw:  # type: ignore[operator]
            found.append(None)
        else:
            found.append((read.path, file_digest(read.raw)))  # type: ignore[arg-type]
    return found


def _digest_of(read: _Read | list[Problem], known: Mapping[str, bytes] | None) -> bytes:
    if isinstance(read, list):
        return b""
    return file_digest(read.raw) if read.raw is not None else known[read.path]  # type: ignore[index]


def _chunk_key(chunks: RecordChunks, reads: list[_Read | list[Problem]], digests: list[bytes]) -> bytes | None:
    """The key of these files' chunk, if the cache is on and each file is a readable record file
    without the draft marker (whose flag the chunk does not keep)."""
    if not chunks.active:
        return None
    files = []
    for read, digest in zip(reads, digests, strict=True):
        if isinstance(read, list) or (read.raw is not None and _MARKER in read.raw):
            return None
        files.append((read.path, digest))
    return chunks.chunk_key(files)


def _from_chunk(reads: list[_Read], digests: list[bytes], records: list[Record] | None) -> list[LoadedRecord] | None:
    """The records of a kept chunk, each with its file's lines found when a message needs them;
    None if there is none, or it does not hold these files' kinds and ids."""
    if records is None or not all(
        type(record) is read.model and record.id == read.stem for record, read in zip(records, reads, strict=True)
    ):
        return None
    return _loaded(records, [(read.file, read.path, digest) for read, digest in zip(reads, digests, strict=True)])


def _loaded(records: list[Record], files: list[tuple[str, str, bytes]]) -> list[LoadedRecord]:
    """Each record with its (file, path, digest), its lines found from the file when a message needs them."""
    return [
        LoadedRecord(path, record, Document({}, None, _Reread(file, digest)), False, digest)
        for record, (file, path, digest) in zip(records, files, strict=True)
    ]


def _made(
    root: Path,
    reads: list[_Read | list[Problem]],
    digests: list[bytes],
    cache: RecordCache,
    folders_checked: set[str],
    problems: list[Problem],
) -> list[LoadedRecord]:
    """The records of a batch of files made one by one, from their cached data where the cache
    has it; the files' problems are added to ``problems``."""
    keys = [cache.key(digest) if digest else b"" for digest in digests]
    found = cache.get_many_data([key for key in keys if key])
    made: list[LoadedRecord] = []
    for read, digest, key in zip(reads, digests, keys, strict=True):
        cached = found.get(key)
        if isinstance(read, _Read) and read.raw is None and cached is None:  # not cached: read it now
            read = _read_bytes(root, read.file, folders_checked)
            digest = file_digest(read.raw) if isinstance(read, _Read) else b""  # type: ignore[arg-type]
        result = read if isinstance(read, list) else _validated(read, cache, cached, digest)
        if isinstance(result, list):
            problems.extend(result)
        else:
            made.append(result)
    return made


def _chunk(
    root: Path,
    chunk_paths: list[str],
    known: Mapping[str, bytes] | None,
    cache: RecordCache,
    chunks: RecordChunks,
    folders_checked: set[str],
    problems: list[Problem],
) -> list[LoadedRecord]:
    """The records of one chunk of files: kept whole in the cache, else made file by file (and
    then kept, if every file made a record); the files' problems are added to ``problems``."""
    reads = [_read_bytes(root, file, folders_checked, known) for file in chunk_paths]
    digests = [_digest_of(read, known) for read in reads]
    chunk = _chunk_key(chunks, reads, digests)
    records = chunks.get_records(chunk, len(reads)) if chunk else None
    kept = _from_chunk(reads, digests, records)  # type: ignore[arg-type]
    if kept is not None:
        cache.keep([cache.key(digest) for digest in digests])  # their parsed data stays
        return kept
    made = _made(root, reads, digests, cache, folders_checked, problems)
    # Kept only if every file made a record from the bytes the key names (a file read
    # again, changed since its digest was taken, may now hold a marker: not kept).
    if chunk and [r.digest for r in made] == digests:
        chunks.put_records(chunk, [r.record for r in made])
    return made


#: Chunks (about 300 files each) from which reading them is shared with workers (:mod:`minsec.workers`).
_CHUNKS_SHARED = 4


class _ChunkRead:
    """One chunk's records and problems, made where the cache could not be asked (a forked
    worker), with what to write to the cache: the parsed files and the chunk's records. Sent
    to the parent, a chunk kept whole travels once, as the pickled records the cache keeps."""

    __slots__ = ("files", "kept", "loaded", "parsed", "problems")

    def __init__(
        self,
        files: list[str],
        loaded: list[LoadedRecord],
        problems: list[Problem],
        parsed: list[tuple[bytes, bytes]],
        kept: tuple[bytes, bytes] | None,
    ) -> None:
        self.files, self.loaded, self.problems, self.parsed, self.kept = files, loaded, problems, parsed, kept

    def __reduce__(self) -> tuple:
        if self.kept is None:
            return _ChunkRead, (self.files, self.loaded, self.problems, self.parsed, None)
        # Kept: every file made a record, in order (see _chunk).
        paths = [(file, r.path, r.digest) for file, r in zip(self.files, self.loaded, strict=True)]
        return _kept_chunk, (paths, self.problems, self.parsed, self.kept)


def _kept_chunk(
    files: list[tuple[str, str, bytes]],
    problems: list[Problem],
    parsed: list[tuple[bytes, bytes]],
    kept: tuple[bytes, bytes],
) -> _ChunkRead:
    records = pickle.loads(kept[1])  # from this process's own fork: no stranger's bytes
    return _ChunkRead([file for file, _, _ in files], _loaded(records, files), problems, parsed, kept)


def _chunk_elsewhere(
    root: Path,
    known: Mapping[str, bytes] | None,
    cache: RecordCache,
    chunks: RecordChunks,
    folders_checked: set[str],
    chunk_paths: list[str],
) -> _ChunkRead:
    """:func:`_chunk` with stand-ins for the caches (see :meth:`minsec.record_cache.Store.recorder`)."""
    problems: list[Problem] = []
    loaded = _chunk(root, chunk_paths, known, cache, chunks, folders_checked, problems)
    kept = chunks.recorded()
    return _ChunkRead(chunk_paths, loaded, problems, cache.recorded(), kept[0] if kept else None)


def read_records(
    root: Path, files: Iterable[Path] | None = None, known: Mapping[str, bytes] | None = None
) -> tuple[list[LoadedRecord], list[Problem]]:
    """Read every record file (or just ``files``); returns the valid records and all problems.

    ``known``: :func:`file_digests` of the files, taken just before (so none holds a draft
    marker): a file whose data is cached under its digest is then not read a second time (a
    ``validate`` that a verdict did not vouch for read every file twice)."""
    loaded: list[LoadedRecord] = []
    problems: list[Problem] = []
    folders_checked: set[str] = set()
    folder = cache_dir()
    cache = RecordCache(folder)
    # Chunks only in a whole run: another list of files would cut them elsewhere.
    chunks = RecordChunks(folder if files is None else None)
    try:
        with paused_gc():
            every = _record_paths(root) if files is None else [str(file) for file in files]
            cut = list(_chunks(every))
            # Shared with workers only when the cache holds nothing to look up (a first run).
            if workers.shared(len(cut), _CHUNKS_SHARED) and cache.empty and chunks.empty:
                read = partial(_chunk_elsewhere, root, known, cache.recorder(), chunks.recorder(), folders_checked)
                with closing(workers.mapped(read, cut, least=_CHUNKS_SHARED)) as results:
                    for result in results:
                        loaded.extend(result.loaded)
                        problems.extend(result.problems)
                        for key, data in result.parsed:
                            cache.put(key, data)
                        if result.kept is not None:
                            chunks.put(*result.kept)
            else:
                for chunk_paths in cut:
                    loaded.extend(_chunk(root, chunk_paths, known, cache, chunks, folders_checked, problems))
    finally:
        cache.save(prune=files is None)
        chunks.save(prune=files is None)
    return loaded, problems
