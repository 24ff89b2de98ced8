"""Checking the evidence: every quote occurs, whole words, in its source's text.

A quote is checked against the source's text where the text is in the corpus (and the
committed fingerprint is checked against the text), and against the fingerprint
(``minsec.fingerprint``) where it is not, so that the check runs without the texts, in CI.
"""

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from minsec import workers
from minsec.fingerprint import (
    MAX_BYTES,
    NGRAM,
    SUFFIX,
    Fingerprint,
    FingerprintError,
    decode,
    normalise,
    text_sha256,
    token_spans,
)
from minsec.models import Citation, Source, container_fields
from minsec.paths import PathError, read_regular, read_up_to, within
from minsec.problems import Problem
from minsec.record_cache import QuoteCache, QuotedRecords, cache_dir
from minsec.record_files import LoadedRecord

#: The floor below which a quote is not evidence ("ion wit", one word): at least this many
#: words (runs of letters or digits) and characters, and whole words of the text.
MIN_QUOTE_WORDS = NGRAM
MIN_QUOTE_CHARS = 15

#: How a source's quotes were checked.
TEXT, FINGERPRINT, UNCHECKED = "text", "fingerprint", "unchecked"

REGENERATE = "run `minsec fingerprint --corpus DIR` with the folder holding the text, and commit the file"
VERBATIM = "copy the quote verbatim (same apostrophes and dashes; only white space may differ)"


def fingerprint_path(root: Path, source_id: str) -> Path:
    return root / "records" / "sources" / f"{source_id}{SUFFIX}"


def _read_capped(path: Path) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes of ``path``: a hostile file is never read whole."""
    with path.open("rb") as handle:
        return read_up_to(handle.fileno(), MAX_BYTES, os.fstat(handle.fileno()).st_size)


def read_fingerprint(path: Path) -> Fingerprint:
    """The fingerprint in ``path``; FingerprintError if it is a link, too large or damaged."""
    if path.is_symlink():
        raise FingerprintError("is a symbolic link; fingerprints are plain files")
    raw = _read_capped(path)
    if len(raw) > MAX_BYTES:
        raise FingerprintError(f"is over {MAX_BYTES} bytes; regenerate it with `minsec fingerprint --corpus DIR`")
    return Fingerprint.loads(raw.decode("utf-8", errors="replace"))


#: A source text is an article, not a book: a bigger file is a mistake (or an attack on memory).
MAX_TEXT_BYTES = 8 * 1024 * 1024


def find_text(corpus: Sequence[Path], name: str) -> Path | None:
    """The corpus file ``name`` (first folder that has it), checked against links by ``within``."""
    for folder in corpus:
        candidate = within(folder, name)
        if os.path.lexists(candidate):
            return candidate
    return None


def read_text(corpus: Sequence[Path], name: str | None) -> tuple[Path | None, bytes]:
    """(path, bytes) of a source's text in the corpus, ``(None, b"")`` if absent; PathError or
    OSError if it is a link out of the corpus, not a regular file, or over ``MAX_TEXT_BYTES``."""
    path = find_text(corpus, name) if name else None
    return path, (read_regular(path.parent, path.name, MAX_TEXT_BYTES, "source text") if path else b"")


def _unusable(error: Exception) -> str:
    reason = str(error) if isinstance(error, PathError) else f"{error.filename}: {error.strerror}"  # type: ignore[attr-defined]
    return f"cannot use the text: {reason}"


def citations(item: BaseModel, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Citation]]:
    """(field path, citation) for every citation in a record, nested ones included."""
    fields = type(item).model_fields
    for name in container_fields(type(item)):
        value = getattr(item, name)
        key = fields[name].alias or name
        for index, element in enumerate(value) if isinstance(value, list) else ():
            if isinstance(element, Citation):
                yield (*path, key, index), element
            elif isinstance(element, BaseModel):
                yield from citations(element, (*path, key, index))
        if isinstance(value, BaseModel):
            yield from citations(value, (*path, key))


def field_name(path: Sequence[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


#: A word token of fingerprint.TOKEN (its other tokens are single non-word characters).
_WORD = re.compile(r"\w+")


def too_short(quote: str) -> str | None:
    """Why ``quote`` is below the evidence floor, or None."""
    return _too_short(quote, normalise(quote))


#: Matches where a text has at least MIN_QUOTE_WORDS words (found without counting them all).
_ENOUGH_WORDS = re.compile(rf"\w+(?:\W+\w+){{{MIN_QUOTE_WORDS - 1}}}")


def _too_short(quote: str, normalised: str) -> str | None:
    if len(normalised) >= MIN_QUOTE_CHARS and _ENOUGH_WORDS.search(normalised):
        return None
    words = len(_WORD.findall(quote))  # the tokens that are words (TOKEN's \w+ runs)
    length = len(normalised)
    return (
        f"is too short to be evidence ({words} word{'s' * (words != 1)}, {length} characters): quote at least "
        f"{MIN_QUOTE_WORDS} whole words and {MIN_QUOTE_CHARS} characters of the source"
    )


@dataclass
class SourceText:
    """A source's normalised text, with where its tokens start and end."""

    text: str
    starts: frozenset[int] = field(init=False)
    ends: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        spans = token_spans(self.text)
        self.starts = frozenset(s for s, _ in spans)
        self.ends = frozenset(e for _, e in spans)

    def find(self, quote: str) -> int:
        """Where ``quote`` (normalised) occurs starting and ending at word boundaries, or -1."""
        at = self.text.find(quote)
        while at >= 0:
            if at in self.starts and at + len(quote) in self.ends:
                return at
            at = self.text.find(quote, at + 1)
        return -1


def _char(c: str) -> str:
    if c.isalnum():
        return repr(c)
    return f"{c!r} ({unicodedata.name(c, f'U+{ord(c):04X}').lower()})"


def _longest(found: Callable[[int], bool], length: int) -> int:
    """Largest k <= length with found(k) true, found being monotone (true up to some k)."""
    low, high = 0, length
    while low < high:
        middle = (low + high + 1) // 2
        if found(middle):
            low = middle
        else:
            high = middle - 1
    return low


#: Characters a quote must share with the text, at its start or end, to be shown where it differs.
RESEMBLES = 12


def first_difference(quote: str, text: str) -> str:
    """Where ``quote`` first departs from the closest passage of ``text`` (both normalised)."""
    prefix = _longest(lambda k: quote[:k] in text, len(quote))
    if prefix == len(quote):
        at = text.find(quote)
        return (
            f"it occurs only inside longer words of the text (…{text[max(0, at - 15) : at + len(quote) + 15]}…); "
            "quote whole words"
        )
    suffix = _longest(lambda k: quote[len(quote) - k :] in text, len(quote))
    if max(prefix, suffix) < RESEMBLES:
        return "no passage of the text resembles it"
    if prefix >= suffix:
        at = text.find(quote[:prefix]) + prefix
        theirs = text[at : at + 20]
        ours = quote[prefix : prefix + 20]
        where = f"after {quote[max(0, prefix - 25) : prefix]!r}"
        one, other = quote[prefix], text[at : at + 1]
    else:
        cut = len(quote) - suffix
        at = text.find(quote[cut:])
        theirs = text[max(0, at - 20) : at]
        ours = quote[max(0, cut - 20) : cut]
        where = f"before {quote[cut : cut + 25]!r}"
        one, other = quote[cut - 1], text[at - 1 : at]
    detail = f"; the quote has {_char(one)} where the text has {_char(other)}" if other and one != other else ""
    return f"it first differs {where}: the quote has {ours!r} where the text has {theirs!r}{detail}"


@dataclass
class Evidence:
    """What the evidence check found, how each source's quotes were checked, and with what."""

    problems: list[Problem] = field(default_factory=list)
    how: dict[str, str] = field(default_factory=dict)
    checkers: "dict[str, SourceText | Fingerprint]" = field(default_factory=dict)
    #: Quotes found in fingerprints on earlier runs (see :mod:`minsec.record_cache`).
    found: QuoteCache | None = None
    #: Records whose quotes all passed on earlier runs (see :mod:`minsec.record_cache`).
    passed: QuotedRecords | None = None

    def quote_problem(self, source_id: str, quote: str) -> str | None:
        """What is wrong with ``quote`` as evidence from ``source_id``, or None."""
        return self.quote_problems([(source_id, quote)])[0]

    def quote_problems(self, quotes: Sequence[tuple[str, str]]) -> list[str | None]:
        """:meth:`quote_problem` of each (source id, quote) pair, each distinct pair checked once
        (records often cite the same passage: a quarter of the real records' quotes repeat one)."""
        distinct = list(dict.fromkeys(quotes))
        if len(distinct) == len(quotes):
            return self._distinct_problems(distinct)
        problems = dict(zip(distinct, self._distinct_problems(distinct), strict=True))
        return [problems[pair] for pair in quotes]

    def _distinct_problems(self, quotes: Sequence[tuple[str, str]]) -> list[str | None]:
        """:meth:`quote_problems` of distinct pairs, with one cache query per 500 quotes (of
        those checked against a fingerprint) instead of one each."""
        problems: list[str | None] = []
        pending: list[tuple[int, Fingerprint, str, bytes | None]] = []
        cache = self.found if self.found is not None and self.found.active else None
        for source_id, quote in quotes:
            normalised = normalise(quote)
            problem = _too_short(quote, normalised)
            checker = self.checkers.get(source_id)
            if problem is None and isinstance(checker, SourceText) and checker.find(normalised) < 0:
                problem = (
                    f"not found in the text of {source_id!r}; {first_difference(normalised, checker.text)}; {VERBATIM}"
                )
            elif problem is None and isinstance(checker, Fingerprint):
                key = cache.quote_key(checker.digest, normalised) if cache is not None else None
                pending.append((len(problems), checker, normalised, key))
            problems.append(problem)
        known: set[bytes] = set()
        if cache is not None:
            keys = [key for *_, key in pending]
            for start in range(0, len(keys), 500):
                known.update(cache.get_many(keys[start : start + 500]))  # type: ignore[arg-type]
        unknown = [check for check in pending if check[3] not in known]
        checks = [(fingerprint, normalised) for _, fingerprint, normalised, _ in unknown]
        batches = [checks[start : start + _QUOTES_A_BATCH] for start in range(0, len(checks), _QUOTES_A_BATCH)]
        with closing(workers.mapped(_first_missing, batches, least=_QUOTES_SHARED // _QUOTES_A_BATCH)) as results:
            found = [missing for batch in results for missing in batch]
        for (index, fingerprint, _, key), missing in zip(unknown, found, strict=True):
            if missing is None:
                if cache is not None:
                    cache.remember_found(key)  # type: ignore[arg-type]
                continue
            number, run = missing
            problems[index] = (
                f"not found in the text of {quotes[index][0]!r} (checked against its fingerprint): "
                f"the text has no {run!r} (tokens {number + 1}-{number + fingerprint.ngram} of the quote, counting "
                "words and punctuation marks), or the quote does not start and end with whole words; "
                f"{VERBATIM}"
            )
        return problems


#: Quotes from which checking them against fingerprints is shared with workers (:mod:`minsec.workers`),
#: which take them this many at a time.
_QUOTES_SHARED = 1_000
_QUOTES_A_BATCH = 100


def _first_missing(checks: list[tuple[Fingerprint, str]]) -> list[tuple[int, str] | None]:
    return [fingerprint.first_missing(normalised) for fingerprint, normalised in checks]


def _source_problems(root: Path, loaded: LoadedRecord, corpus: Sequence[Path], evidence: Evidence):  # type: ignore[no-untyped-def]
    """Read the text or the fingerprint of one source; returns a SourceText, a Fingerprint or None."""
    source: Source = loaded.record  # type: ignore[assignment]
    fp_path = fingerprint_path(root, source.id)
    fp_rel = fp_path.relative_to(root).as_posix()
    try:
        text_path, raw = read_text(corpus, source.text_file)
    except (PathError, OSError) as error:
        evidence.problems.append(Problem(loaded.path, loaded.line_of("text_file"), "text_file", _unusable(error)))
        return None
    if text_path is not None:
        digest = text_sha256(raw)
        if digest != source.text_sha256:
            evidence.problems.append(
                Problem(
                    loaded.path,
                    loaded.line_of("text_sha256"),
                    "text_sha256",
                    f"does not match {text_path} (sha256 {digest}); the text changed or the hash is wrong",
                )
            )
            return None
        expected = Fingerprint.of_text(source.id, raw).dumps()
        if not fp_path.is_file() or fp_path.is_symlink():
            evidence.problems.append(
                Problem(fp_rel, 1, "", f"missing: the fingerprint of {source.id!r} lets CI check quotes; {REGENERATE}")
            )
        elif _read_capped(fp_path) != expected.encode("utf-8"):
            evidence.problems.append(
                Problem(fp_rel, 1, "", f"stale: it does not match the text {text_path}; {REGENERATE}")
            )
        return SourceText(normalise(decode(raw)))
    if not source.text_sha256:
        evidence.problems.append(
            Problem(
                loaded.path,
                loaded.line_of("id"),
                "text_file",
                "no text_file and text_sha256, so quotes citing this source cannot be verified; add them",
            )
        )
        return None
    if not fp_path.exists() and not fp_path.is_symlink():
        missing = f"text_file {source.text_file!r} is not in the corpus" if corpus else "there is no corpus"
        evidence.problems.append(
            Problem(
                loaded.path,
                loaded.line_of("text_file"),
                "text_file",
                f"{missing} and {fp_rel} is missing, so quotes citing it cannot be verified; {REGENERATE}",
            )
        )
        return None
    try:
        fingerprint = read_fingerprint(fp_path)
    except (FingerprintError, OSError) as error:
        evidence.problems.append(Problem(fp_rel, 1, "", str(error)))
        return None
    if fingerprint.text_sha256 != source.text_sha256 or fingerprint.source_id != source.id:
        evidence.problems.append(
            Problem(
                fp_rel,
                1,
                "",
                f"was made from another text or source ({fingerprint.source_id}, sha256 {fingerprint.text_sha256}) "
                f"than {loaded.path} records; {REGENERATE}",
            )
        )
        return None
    return fingerprint


def check_evidence(
    root: Path, records: Sequence[LoadedRecord], corpus: Sequence[Path] = (), every_record: bool = False
) -> Evidence:
    """Every quote is long enough and occurs in its source's text, or in its fingerprint.
    ``every_record``: ``records`` are all the repository's (the cache may then drop entries no
    record used; see :meth:`minsec.record_cache.Store.save`)."""
    folder = cache_dir()
    evidence = Evidence(found=QuoteCache(folder), passed=QuotedRecords(folder))
    every_quote = False
    try:
        every_quote = _check(root, records, corpus, evidence) and every_record
    finally:
        evidence.found.save(prune=every_quote)  # type: ignore[union-attr]
        evidence.passed.save(prune=every_record)  # type: ignore[union-attr]
    return evidence


def checked_against(source_ids: Iterable[str], checkers: "dict[str, SourceText | Fingerprint]") -> bytes:
    """A hash of what every source's quotes are checked against: its fingerprint, its text or
    nothing. A record's quotes pass or fail alike wherever this and the record's bytes are alike."""
    digest = hashlib.blake2b(digest_size=32)
    for source_id in sorted(source_ids):
        checker = checkers.get(source_id)
        if isinstance(checker, Fingerprint):
            kind, content = b"fingerprint", checker.digest
        elif isinstance(checker, SourceText):
            kind, content = b"text", hashlib.blake2b(checker.text.encode("utf-8", "surrogatepass")).digest()
        else:
            kind, content = b"none", b""
        digest.update(source_id.encode("utf-8", "surrogatepass") + b"\0" + kind + b"\0" + content)
    return digest.digest()


def _unpassed(
    records: Sequence[LoadedRecord], against: bytes, store: QuotedRecords
) -> list[tuple[LoadedRecord, bytes]]:
    """(record, its key in ``store``) for each record not known to pass with these checkers
    (the key is empty where the record has no file bytes to vouch for it). The key holds the
    record's kind too: the same bytes read as another kind could cite other passages."""
    if not store.active:
        return [(loaded, b"") for loaded in records]
    keys = [
        store.key(against + type(loaded.record).__name__.encode() + b"\0" + loaded.digest) if loaded.digest else b""
        for loaded in records
    ]
    known: set[bytes] = set()
    wanted = [key for key in keys if key]
    for start in range(0, len(wanted), 500):
        known.update(store.get_many(wanted[start : start + 500]))
    return [(loaded, key) for loaded, key in zip(records, keys, strict=True) if key not in known]


def _check(root: Path, records: Sequence[LoadedRecord], corpus: Sequence[Path], evidence: Evidence) -> bool:
    """Check every quote of ``records``; returns whether each was looked up in the quote cache
    (none skipped as part of a record known to pass)."""
    checkers = evidence.checkers
    source_ids = set()
    for loaded in records:
        if isinstance(loaded.record, Source):
            source_ids.add(loaded.record.id)
            checker = _source_problems(root, loaded, corpus, evidence)
            evidence.how[loaded.record.id] = (
                TEXT if isinstance(checker, SourceText) else FINGERPRINT if checker else UNCHECKED
            )
            if checker is not None:
                checkers[loaded.record.id] = checker
    folder = root / "records" / "sources"
    for orphan in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else ():
        stem = orphan.name.removesuffix(SUFFIX)
        if stem not in source_ids and not (folder / f"{stem}.yaml").exists():
            where = orphan.relative_to(root).as_posix()
            evidence.problems.append(Problem(where, 1, "", "no source record has this id; remove the file"))
    store = evidence.passed if evidence.passed is not None else QuotedRecords(None)
    todo = _unpassed(records, checked_against(source_ids, checkers), store)
    quoted = [(loaded, path, citation) for loaded, _ in todo for path, citation in citations(loaded.record)]
    messages = evidence.quote_problems([(citation.source_id, citation.quote) for _, _, citation in quoted])
    failed: set[int] = set()
    for (loaded, path, _), message in zip(quoted, messages, strict=True):
        if message:
            failed.add(id(loaded))
            where = (loaded.path, loaded.line_of(*path, "quote"), field_name((*path, "quote")))
            evidence.problems.append(Problem(*where, message))
    for loaded, key in todo:
        if key and id(loaded) not in failed:
            store.put(key, b"")
    return len(todo) == len(records)


@dataclass
class Written:
    """What ``minsec fingerprint`` did: a line per source, and the sources it could not do."""

    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def write_fingerprints(root: Path, records: Sequence[LoadedRecord], corpus: Sequence[Path]) -> Written:
    """Write ``records/sources/<id>.fingerprint`` for every source whose text is in the corpus."""
    from minsec.files import replace_file

    done = Written()
    for loaded in records:
        source = loaded.record
        if not isinstance(source, Source):
            continue
        try:
            text_path, raw = read_text(corpus, source.text_file)
        except (PathError, OSError) as error:
            done.failed.append(source.id)
            done.lines.append(f"{loaded.path}:{loaded.line_of('text_file')}: text_file: {_unusable(error)}")
            continue
        if text_path is None:
            why = f"text_file {source.text_file!r} is not in the corpus" if source.text_file else "no text_file"
            kept = "; its committed fingerprint stays" if fingerprint_path(root, source.id).is_file() else ""
            done.lines.append(f"skipped {source.id}: {why}{kept}")
            continue
        if text_sha256(raw) != source.text_sha256:
            done.failed.append(source.id)
            done.lines.append(
                f"{loaded.path}:{loaded.line_of('text_sha256')}: text_sha256 does not match {text_path} "
                f"(sha256 {text_sha256(raw)}); fix the hash or the text first, nothing written for {source.id}"
            )
            continue
        path = fingerprint_path(root, source.id)
        content = Fingerprint.of_text(source.id, raw).dumps().encode("utf-8")
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and path.read_bytes() == content:
            done.lines.append(f"unchanged {rel}")
            continue
        if path.is_symlink():
            path.unlink()
        replace_file(path, content)
        done.lines.append(f"wrote {rel} ({len(content)} bytes, from {text_path.name})")
    return done
