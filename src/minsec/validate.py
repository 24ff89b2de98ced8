"""Checking the records: each file on its own, then the set as a whole, then the evidence.

The set-level checks are a list of rules, each a small function from the loaded records
to problems, so that a reader can see every rule at a glance and add one in one place.
"""

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from minsec.derive import status_events
from minsec.models import MODELS, Deal, Event, Record, Source
from minsec.problems import Problem, with_article
from minsec.record_files import Dataset, LoadedRecord, read_records, record_files
from minsec.vocabularies import DealStatus
from minsec.yaml_loader import YamlError, read_capped

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Report:
    """What ``validate`` found: the problems, and what it looked at."""

    problems: list[Problem]
    records: list[LoadedRecord]
    files_checked: int
    corpus_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def dataset(self) -> Dataset:
        return Dataset(tuple(r.record for r in self.records))


def _by_id(records: Iterable[LoadedRecord]) -> dict[str, list[LoadedRecord]]:
    index: dict[str, list[LoadedRecord]] = defaultdict(list)
    for loaded in records:
        index[loaded.record.id].append(loaded)
    return index


def references(item: BaseModel, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str, str]]:
    """(field path, referenced table, id) for every foreign key value in a record."""
    for name, info in type(item).model_fields.items():
        value = getattr(item, name)
        key = info.alias or name
        table = (info.json_schema_extra or {}).get("foreign_key")  # type: ignore[union-attr]
        if table and isinstance(value, str):
            yield path + (key,), str(table), value
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if table and isinstance(element, str):
                    yield path + (key, index), str(table), element
                elif isinstance(element, BaseModel):
                    yield from references(element, path + (key, index))


def _field_name(path: FieldPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


def rule_unique_ids(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """An id names one record, whatever its kind: joins and citations depend on it."""
    for record_id, holders in _by_id(records).items():
        if len(holders) > 1:
            paths = ", ".join(h.path for h in holders)
            for holder in holders:
                yield Problem(
                    holder.path,
                    holder.line_of("id"),
                    "id",
                    f"id {record_id!r} is used by {len(holders)} records ({paths}); give each its own id",
                )


def rule_references_resolve(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """Every foreign key points at an existing record of the right kind that is not withdrawn.

    ``unloaded`` holds the paths of record files that exist but failed their own checks;
    a reference to one of them is reported there, not as dangling.
    """
    folders = {model.folder: model for model in MODELS}
    ids = {
        folder: {r.record.id: r.record for r in records if type(r.record) is model} for folder, model in folders.items()
    }
    for loaded in records:
        for path, table, target in references(loaded.record):
            found = ids[table].get(target)
            where = (loaded.path, loaded.line_of(*path), _field_name(path))
            kind = folders[table].record_kind.value
            if found is None and f"records/{table}/{target}.yaml" in unloaded:
                continue
            if found is None:
                close = difflib.get_close_matches(target, list(ids[table]), n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {close[0]!r}?" if close else f"; add records/{table}/{target}.yaml or fix the id"
                )
                yield Problem(*where, f"{target!r} is not {with_article(kind)} id{hint}")
            elif found.withdrawn and not loaded.record.withdrawn:  # type: ignore[attr-defined]
                yield Problem(*where, f"{kind} {target!r} is withdrawn; point to the record that replaces it")


def rule_deals_have_status(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A deal's status is derived from its events, so every deal needs one that sets it."""
    events = [r.record for r in records if isinstance(r.record, Event)]
    broken_events = any(path.startswith("records/events/") for path in unloaded)
    hint = " (if one exists, fix its own problems first)" if broken_events else ""
    for loaded in records:
        deal = loaded.record
        if isinstance(deal, Deal) and not deal.withdrawn and not status_events(events, deal.id):  # type: ignore[arg-type]
            yield Problem(
                loaded.path,
                loaded.line_of("id"),
                "",
                f"deal {deal.id!r} has no status event; add an event with deal_id: {deal.id} "
                f"and the deal_status it reached (proposed, negotiating, signed, ...){hint}",
            )


#: A deal moves forward through these; collapsed and suspended may follow any of them.
PROGRESSION = (DealStatus.proposed, DealStatus.negotiating, DealStatus.signed, DealStatus.in_force)


def rule_status_moves_forward(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A dated status event that goes back (signed, then negotiating) must say why in note."""
    events = [r for r in records if isinstance(r.record, Event)]
    by_event = {id(r.record): r for r in events}
    for deal_id in {e.record.deal_id for e in events if e.record.deal_id}:  # type: ignore[attr-defined]
        history = [e for e in status_events([r.record for r in events], deal_id) if e.date]  # type: ignore[arg-type]
        furthest: Event | None = None
        for event in history:
            status = event.deal_status
            if status not in PROGRESSION:
                continue
            if (
                furthest is not None
                and PROGRESSION.index(status) < PROGRESSION.index(furthest.deal_status)
                and not event.note
            ):  # type: ignore[arg-type]
                loaded = by_event[id(event)]
                yield Problem(
                    loaded.path,
                    loaded.line_of("deal_status"),
                    "deal_status",
                    f"goes back from {furthest.deal_status.value!r} ({furthest.id}, {furthest.date}) "  # type: ignore[union-attr]
                    f"to {status.value!r}; if the sources say so, explain in note",
                )
            if furthest is None or PROGRESSION.index(status) > PROGRESSION.index(furthest.deal_status):  # type: ignore[arg-type]
                furthest = event


def _fingerprint(record: Record) -> tuple | None:
    """What makes two records of a kind likely the same thing, or None if it cannot tell."""
    if isinstance(record, Event) and record.date:
        return ("event", record.date, record.event_type, frozenset(a.actor_id for a in record.actors))
    if isinstance(record, Deal):
        return ("deal", frozenset(p.actor_id for p in record.parties), frozenset(record.commodities), record.deal_type)
    return None


def rule_no_likely_duplicates(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """Two events with the same date, type and actors, or two deals with the same parties,
    commodities and type, are probably one thing recorded twice, unless a note says otherwise."""
    seen: dict[tuple, LoadedRecord] = {}
    for loaded in sorted(records, key=lambda r: r.record.id):
        record = loaded.record
        key = _fingerprint(record)
        if key is None or record.withdrawn:  # type: ignore[attr-defined]
            continue
        first = seen.setdefault(key, loaded)
        if first is loaded:
            continue
        notes = f"{getattr(record, 'note', '') or ''} {getattr(first.record, 'note', '') or ''}"
        if record.id in notes or first.record.id in notes:
            continue
        what = "date, type and actors" if key[0] == "event" else "parties, commodities and deal_type"
        yield Problem(
            loaded.path,
            loaded.line_of("id"),
            "",
            f"looks like a duplicate of {first.record.id!r} (same {what}); merge them, or if "
            f"they are distinct name {first.record.id!r} in note and say how they differ",
        )


#: The checks of the set as a whole, run in this order.
SET_RULES: tuple[Callable[[Sequence[LoadedRecord], frozenset[str]], Iterator[Problem]], ...] = (
    rule_unique_ids,
    rule_references_resolve,
    rule_deals_have_status,
    rule_status_moves_forward,
    rule_no_likely_duplicates,
)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def find_text(corpus: Sequence[Path], name: str) -> Path | None:
    for folder in corpus:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def check_evidence(records: Sequence[LoadedRecord], corpus: Sequence[Path]) -> Iterator[Problem]:
    """Each source's text matches its hash, and every quote occurs in its source's text."""
    texts: dict[str, str] = {}
    for loaded in records:
        source = loaded.record
        if not isinstance(source, Source):
            continue
        path = find_text(corpus, source.text_file) if source.text_file else None
        if path is None:
            what = f"text_file {source.text_file!r} is not in the corpus" if source.text_file else "no text_file"
            yield Problem(
                loaded.path,
                loaded.line_of("text_file"),
                "text_file",
                f"{what}, so quotes citing it cannot be verified; add the text to the corpus",
            )
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != source.text_sha256:
            yield Problem(
                loaded.path,
                loaded.line_of("text_sha256"),
                "text_sha256",
                f"does not match {path} (sha256 {digest}); the text changed or the hash is wrong",
            )
            continue
        texts[source.id] = normalise_space(raw.decode("utf-8", errors="replace"))
    for loaded in records:
        for number, citation in enumerate(getattr(loaded.record, "citations", [])):
            text = texts.get(citation.source_id)
            if text is not None and normalise_space(citation.quote) not in text:
                yield Problem(
                    loaded.path,
                    loaded.line_of("citations", number, "quote"),
                    f"citations[{number}].quote",
                    f"not found in the text of {citation.source_id!r}; copy the quote verbatim "
                    "(same apostrophes and dashes; only white space may differ)",
                )


def _run_set_rules(
    loaded: list[LoadedRecord], problems: list[Problem], corpus: Sequence[Path], unread: Iterable[str] = ()
) -> list[Problem]:
    unloaded = frozenset(p.path for p in problems)
    found = list(problems)
    for rule in SET_RULES:
        # Files left unread exist: a reference to one is not dangling (and needs no spelling hint).
        found.extend(rule(loaded, unloaded | frozenset(unread) if rule is rule_references_resolve else unloaded))
    if corpus:
        found.extend(check_evidence(loaded, corpus))
    return found


def validate(root: Path, corpus: Sequence[Path] = (), files: Iterable[Path] | None = None) -> Report:
    """Check every record under ``root/records`` and the set they form; with ``files``, only
    those files and the set-level problems that involve them (see :func:`validate_files`)."""
    if files is not None:
        return validate_files(root, files, corpus)
    loaded, problems = read_records(root)
    problems = _run_set_rules(loaded, problems, corpus)
    checked = len(loaded) + len({p.path for p in problems} - {r.path for r in loaded})
    return Report(sorted(set(problems)), loaded, checked, corpus_checked=bool(corpus))


def _word(tokens: Iterable[str]) -> "re.Pattern[bytes]":
    """Matches any of ``tokens`` as a whole id (not inside a longer id)."""
    tokens = set(tokens)
    if not tokens:
        return re.compile(rb"(?!)")
    alternatives = b"|".join(re.escape(t.encode("utf-8")) for t in sorted(set(tokens), key=len, reverse=True))
    return re.compile(rb"(?<![A-Za-z0-9_-])(?:" + alternatives + rb")(?![A-Za-z0-9_-])")


_HINT = re.compile(r"; did you mean '[^']*'\?")


def _subject(message: str) -> str:
    """A problem's message without its spelling hint (which names a record it is not about)."""
    return _HINT.sub("", message)


def validate_files(root: Path, files: Iterable[Path], corpus: Sequence[Path] = ()) -> Report:
    """The problems of ``files`` and every set-level problem that involves them, without
    reading the whole dataset.

    The set-level rules run over the named records and the records that can share a problem
    with them, found by a text search of every record file (no YAML parsing): files that
    name a named record's id (references to it), files with the same name in another folder
    (the same id), the files of the records it names, and files that name every id one of
    its fields names (the same deal's other events; a likely duplicate has the same actors,
    or parties and commodities). Reported: every problem of the named files, and the
    problems of those other records whose message names a named record.
    """
    named = sorted({file.relative_to(root).as_posix(): file for file in files}.items())
    named_paths = {path for path, _ in named}
    loaded, problems = read_records(root, [file for _, file in named])
    stems = {file.stem for _, file in named} | {r.record.id for r in loaded}
    targets: set[tuple[str, str]] = set()
    groups: list[set[str]] = []
    for item in loaded:
        by_field: dict[str | int, set[str]] = defaultdict(set)
        for path, table, target in references(item.record):
            targets.add((table, target))
            by_field[path[0]].add(target)
        groups.extend(by_field.values())
    names_named = _word(stems)
    plain_stems = [stem.encode("utf-8") for stem in stems]
    all_of = [[(target.encode("utf-8"), _word([target])) for target in group] for group in groups]
    others: list[Path] = []
    unread: set[str] = set()
    records_folder = len(root.as_posix()) + 1
    for file in record_files(root):
        path = file.as_posix()[records_folder:]
        if path in named_paths:
            continue
        if file.stem in stems or (file.parent.name, file.stem) in targets:
            others.append(file)
            continue
        try:
            raw = read_capped(file)
        except (YamlError, OSError):
            unread.add(path)
            continue  # its own problem, not one of the named files'
        if (any(stem in raw for stem in plain_stems) and names_named.search(raw)) or any(
            all(plain in raw and word.search(raw) for plain, word in group) for group in all_of
        ):
            others.append(file)
        else:
            unread.add(path)
    more, more_problems = read_records(root, others)
    in_file_order = sorted(loaded + more, key=lambda r: Path(r.path).parts)  # as the whole check reads them
    # A file not read is there, like a file that failed its own checks: a reference to it is not dangling.
    found = _run_set_rules(in_file_order, problems + more_problems, corpus, unread)
    own = set(more_problems)
    mentions = re.compile(_word(stems).pattern.decode("utf-8"))
    kept = {p for p in found if p.path in named_paths or (p not in own and mentions.search(_subject(p.message)))}
    note = (
        f"only the named files, and the problems of other records that involve them, were checked "
        f"({len(more)} other records read); run without files to check the whole dataset"
    )
    return Report(sorted(kept), loaded, len(named), corpus_checked=bool(corpus), notes=[note])
