"""Checking the records: each file on its own, then the set as a whole, then the evidence.

The set-level checks are a list of rules, each a small function from the loaded records
to problems, so that a reader can see every rule at a glance and add one in one place.
"""

import datetime as dt
import difflib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from pydantic import BaseModel

from minsec.dates import parse_partial_date
from minsec.derive import PROGRESSION, StatusReport, derive_status, status_reports
from minsec.evidence import check_evidence
from minsec.gc_pause import paused_gc
from minsec.models import MODELS, Actor, Deal, Event, Record, Source, container_fields
from minsec.problems import Problem, with_article
from minsec.record_cache import cache_dir
from minsec.record_files import Dataset, LoadedRecord, file_digests, read_records, record_files
from minsec.unloaded import unloaded_problems
from minsec.verdicts import Verdicts, inputs_digest
from minsec.vocabularies import ActorKind, DerivedDealStatus
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
    #: How each source's quotes were checked: "text", "fingerprint" or "unchecked".
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @cached_property
    def dataset(self) -> Dataset:
        """The records as one Dataset, made once (a build renders from it)."""
        return Dataset(tuple(r.record for r in self.records))


def _by_id(records: Iterable[LoadedRecord]) -> dict[str, list[LoadedRecord]]:
    index: dict[str, list[LoadedRecord]] = defaultdict(list)
    for loaded in records:
        index[loaded.record.id].append(loaded)
    return index


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, object], ...]:
    """(attribute, key as written, referenced table or None) of each field of ``model`` that
    can hold a reference (a foreign key, or a list or model that may hold one), read once."""
    nested = container_fields(model)
    found = []
    for name, info in model.model_fields.items():
        table = (info.json_schema_extra or {}).get("foreign_key")  # type: ignore[union-attr]
        if table or name in nested:
            found.append((name, info.alias or name, table))
    return tuple(found)


def references(item: BaseModel, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str, str]]:
    """(field path, referenced table, id) for every foreign key value in a record."""
    for name, key, table in _fields(type(item)):
        value = getattr(item, name)
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
            if found is None and f"records/{table}/{target}.yaml" in unloaded:
                continue
            if found is not None and not (found.withdrawn and not loaded.record.withdrawn):  # type: ignore[attr-defined]
                continue
            where = (loaded.path, loaded.line_of(*path), _field_name(path))
            kind = folders[table].record_kind.value
            if found is None:
                close = difflib.get_close_matches(target, list(ids[table]), n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {close[0]!r}?" if close else f"; add records/{table}/{target}.yaml or fix the id"
                )
                yield Problem(*where, f"{target!r} is not {with_article(kind)} id{hint}")
            elif found.withdrawn and not loaded.record.withdrawn:  # type: ignore[attr-defined]
                yield Problem(*where, f"{kind} {target!r} is withdrawn; point to the record that replaces it")


#: The Dataset of the records the set rules are running over (by the id of their list), so that
#: the three status rules derive the status reports once per run; see :func:`_run_set_rules`.
_RUNNING: dict[int, tuple[Sequence[LoadedRecord], Dataset]] = {}


def _status_reports(records: Sequence[LoadedRecord]) -> dict[str, list[StatusReport]]:
    running = _RUNNING.get(id(records))
    if running is not None and running[0] is records:
        return running[1].status_reports
    return status_reports(r.record for r in records if isinstance(r.record, Event))  # type: ignore[misc]


def rule_deals_have_status(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A deal's status is derived from its events, so every deal needs one that sets it."""
    reported = _status_reports(records)
    broken_events = any(path.startswith("records/events/") for path in unloaded)
    hint = " (if one exists, fix its own problems first)" if broken_events else ""
    for loaded in records:
        deal = loaded.record
        if isinstance(deal, Deal) and not deal.withdrawn and deal.id not in reported:
            yield Problem(
                loaded.path,
                loaded.line_of("id"),
                "",
                f"deal {deal.id!r} has no status event; add an event with deal_id: {deal.id} "
                f"and the deal_status it reached (proposed, negotiating, signed, ...){hint}",
            )


def rule_status_moves_forward(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A status event that certainly comes after a further stage (signed, then negotiating) must say why in note.

    Events are ordered by their windows: a month-precision event is not "after" a day in that month.
    """
    loaded_by_event = {id(r.record): r for r in records if isinstance(r.record, Event)}
    for reports in _status_reports(records).values():
        events = list({id(r.event): r.event for r in reports if r.status in PROGRESSION}.values())
        for event in events:
            if event.note:
                continue
            stage = PROGRESSION.index(event.deal_status)  # type: ignore[arg-type]
            earlier = [
                e
                for e in events
                if e.window.before(event.window) and PROGRESSION.index(e.deal_status) > stage  # type: ignore[arg-type]
            ]
            if earlier:
                furthest = max(earlier, key=lambda e: (PROGRESSION.index(e.deal_status), e.id))  # type: ignore[arg-type]
                loaded = loaded_by_event[id(event)]
                yield Problem(
                    loaded.path,
                    loaded.line_of("deal_status"),
                    "deal_status",
                    f"goes back from {furthest.deal_status.value!r} ({furthest.id}, "  # type: ignore[union-attr]
                    f"{furthest.date or 'bounded'}) to {event.deal_status.value!r}; "  # type: ignore[union-attr]
                    "if the sources say so, explain in note",
                )


def rule_one_source_does_not_contradict_itself(
    records: Sequence[LoadedRecord], unloaded: frozenset[str]
) -> Iterator[Problem]:
    """A deal whose status is disputed by one source alone (signed and collapsed, unordered) is a
    curation gap: bounds from the text usually order the two events."""
    deals = {r.record.id: r for r in records if isinstance(r.record, Deal)}
    for deal_id, reports in _status_reports(records).items():
        derived = derive_status(reports)
        loaded = deals.get(deal_id)
        if derived is None or loaded is None or derived.status is not DerivedDealStatus.disputed:
            continue
        if len({r.source_id for r in derived.current}) != 1:
            continue
        events = sorted({r.event.id for r in derived.current})
        note = loaded.record.note or ""  # type: ignore[attr-defined]
        if any(event_id in note for event_id in events):
            continue
        what = ", ".join(f"{r.status.value} ({r.event.id})" for r in derived.current)
        yield Problem(
            loaded.path,
            loaded.line_of("id"),
            "",
            f"source {derived.current[0].source_id!r} alone reports {what} with no order between them; "
            "give the events dates or bounds from the text that order them, or name the events in the deal's note",
        )


def _fingerprint(record: Record) -> tuple | None:
    """What makes two records of a kind likely the same thing, or None if it cannot tell."""
    if isinstance(record, Event):
        return ("event", record.event_type, frozenset(a.actor_id for a in record.actors))
    if isinstance(record, Deal):
        return (
            "deal",
            frozenset(p.actor_id for p in record.parties),
            frozenset(c.commodity_id for c in record.commodities),
            record.deal_type,
        )
    return None


def _same_time(a: Record, b: Record) -> bool:
    """Events may be one thing only if their windows overlap (undated events overlap everything)."""
    return not isinstance(a, Event) or a.window.overlaps(b.window)  # type: ignore[attr-defined]


def rule_no_likely_duplicates(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """Two events of the same type and actors whose dates or bounds overlap, or two deals with the same
    parties, commodities and type, are probably one thing recorded twice, unless a note says otherwise."""
    groups: dict[tuple, list[LoadedRecord]] = defaultdict(list)
    for loaded in sorted(records, key=lambda r: r.record.id):
        key = _fingerprint(loaded.record)
        if key is None or loaded.record.withdrawn:  # type: ignore[attr-defined]
            continue
        group = groups[key]
        first = next((g for g in group if _same_time(g.record, loaded.record)), None)
        group.append(loaded)
        if first is None:
            continue
        record = loaded.record
        notes = f"{getattr(record, 'note', '') or ''} {getattr(first.record, 'note', '') or ''}"
        if record.id in notes or first.record.id in notes:
            continue
        what = (
            "type and actors, and dates that may coincide"
            if key[0] == "event"
            else "parties, commodities and deal_type"
        )
        yield Problem(
            loaded.path,
            loaded.line_of("id"),
            "",
            f"looks like a duplicate of {first.record.id!r} (same {what}); merge them, or if "
            f"they are distinct name {first.record.id!r} in note and say how they differ",
        )


def _state_of(actor_id: str, actors: dict[str, Actor]) -> str | None:
    """The state or territory an actor acts for, following affiliations (person -> body -> state)."""
    seen: set[str] = set()
    current = actors.get(actor_id)
    while current is not None and current.id not in seen:
        if current.actor_kind in (ActorKind.state, ActorKind.territory):
            return current.id
        seen.add(current.id)
        current = actors.get(current.affiliation_id) if current.affiliation_id else None
    return None


def rule_events_list_the_states_of_their_people(
    records: Sequence[LoadedRecord], unloaded: frozenset[str]
) -> Iterator[Problem]:
    """An event in which a person acts for a state lists that state too (CONTRIBUTING: states beside
    their people), so that a query by state finds it; a note naming the state explains an exception."""
    actors = {r.record.id: r.record for r in records if isinstance(r.record, Actor)}
    for loaded in records:
        event = loaded.record
        if not isinstance(event, Event) or event.withdrawn:
            continue
        listed = {a.actor_id for a in event.actors}
        for index, part in enumerate(event.actors):
            person = actors.get(part.actor_id)
            if person is None or person.actor_kind is not ActorKind.person:
                continue
            state = _state_of(person.id, actors)
            if state is None or state in listed or state in (event.note or ""):
                continue
            listed.add(state)
            yield Problem(
                loaded.path,
                loaded.line_of("actors", index, "actor_id"),
                f"actors[{index}].actor_id",
                f"{person.id!r} acts for {state!r}, which the event does not list; add {state} with the same "
                f"role ({part.role.value}), or say in note why {state} is not a party to it",
            )


def rule_affiliations_acyclic(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """An actor acts for someone else: not for itself, and not round a circle of actors."""
    actors = {r.record.id: r for r in records if isinstance(r.record, Actor)}
    for actor_id, loaded in actors.items():
        chain = [actor_id]
        current = loaded.record.affiliation_id  # type: ignore[attr-defined]
        while current in actors and current not in chain:
            chain.append(current)
            current = actors[current].record.affiliation_id  # type: ignore[attr-defined]
        if current != actor_id:
            continue
        message = (
            "is the actor itself; name the organisation, state or person it acts for, or remove it"
            if len(chain) == 1
            else f"goes round in a circle ({' -> '.join([*chain, actor_id])}); one of them acts for "
            "someone outside the circle, or for no one: fix or remove one affiliation_id"
        )
        yield Problem(loaded.path, loaded.line_of("affiliation_id"), "affiliation_id", message)


def rule_terms_between_parties(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A term flows from a party of the deal to another actor."""
    for loaded in records:
        deal = loaded.record
        if not isinstance(deal, Deal):
            continue
        parties = {party.actor_id for party in deal.parties}
        for number, term in enumerate(deal.terms):
            if term.provider_id == term.recipient_id:
                yield Problem(
                    loaded.path,
                    loaded.line_of("terms", number, "recipient_id"),
                    f"terms[{number}].recipient_id",
                    f"is the provider too ({term.provider_id!r}); a term flows from one actor to another",
                )
            if term.provider_id not in parties:
                yield Problem(
                    loaded.path,
                    loaded.line_of("terms", number, "provider_id"),
                    f"terms[{number}].provider_id",
                    f"{term.provider_id!r} is not a party of this deal; add it to parties or name a party",
                )


#: Dates before this are implausible for the dataset unless a note explains them.
EARLIEST_PLAUSIBLE = dt.date(1800, 1, 1)


def today() -> dt.date:
    """The day validation runs (UTC), or $SOURCE_DATE_EPOCH's for a reproducible check."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else dt.datetime.now(dt.UTC)
    return when.date()


def rule_dates_plausible(records: Sequence[LoadedRecord], unloaded: frozenset[str]) -> Iterator[Problem]:
    """A date after today, or before 1800, is a typo unless the record's note explains it
    (a scheduled event, a forecast, a historical treaty)."""
    now = today()
    for loaded in records:
        record = loaded.record
        if getattr(record, "note", None):
            continue
        for name in record.date_fields:
            value = getattr(record, name)
            if value is None:
                continue
            first_day = parse_partial_date(value)[0]
            if first_day > now:
                why = f"is after today ({now.isoformat()})"
            elif first_day < EARLIEST_PLAUSIBLE:
                why = f"is before {EARLIEST_PLAUSIBLE.year}"
            else:
                continue
            yield Problem(
                loaded.path,
                loaded.line_of(name),
                name,
                f"{value} {why}; fix it, or if the sources date it so, explain in note",
            )


#: The checks of the set as a whole, run in this order.
SET_RULES: tuple[Callable[[Sequence[LoadedRecord], frozenset[str]], Iterator[Problem]], ...] = (
    rule_unique_ids,
    rule_references_resolve,
    rule_deals_have_status,
    rule_status_moves_forward,
    rule_one_source_does_not_contradict_itself,
    rule_no_likely_duplicates,
    rule_events_list_the_states_of_their_people,
    rule_affiliations_acyclic,
    rule_terms_between_parties,
    rule_dates_plausible,
)


def check_draft_markers(root: Path, paths: Iterable[str]) -> Iterator[Problem]:
    """A file ``minsec draft --write`` wrote is a proposal until a person reviews it and deletes the marker."""
    from minsec.draft.marker import marker_line, pending_checks

    for path in sorted(set(paths)):
        file = root / path
        if file.suffix != ".yaml" or file.is_symlink() or not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        line = marker_line(text)
        if line is not None:
            checks = pending_checks(text, line)
            listed = f"; check: {'; '.join(checks)}" if checks else ""
            yield Problem(
                path,
                line,
                "",
                "unreviewed draft from `minsec draft`: review it against the article, fix the fields marked "
                f"'guessed', then delete the minsec-draft comment lines{listed}",
            )


def _run_set_rules(
    root: Path,
    loaded: list[LoadedRecord],
    problems: list[Problem],
    corpus: Sequence[Path],
    unread: Iterable[str] = (),
    dataset: Dataset | None = None,
    every_record: bool = False,
) -> tuple[list[Problem], dict[str, str]]:
    """The set-level rules, the evidence (quotes against texts or fingerprints) and what can still be
    checked in files that failed their own checks; returns the problems and how each source was checked.
    ``dataset``, if given, holds the records of ``loaded`` in that order (its status reports are then
    derived once); ``every_record``: ``loaded`` and ``problems`` cover every record file."""
    unreadable = list(problems)
    unloaded = frozenset(p.path for p in problems)
    found = list(problems)
    _RUNNING[id(loaded)] = (loaded, dataset or Dataset(tuple(r.record for r in loaded)))
    try:
        with paused_gc():  # the rules make many objects and no cycles, like reading (see paused_gc)
            for rule in SET_RULES:
                # Files left unread exist: a reference to one is not dangling (and needs no spelling hint).
                found.extend(
                    rule(loaded, unloaded | frozenset(unread) if rule is rule_references_resolve else unloaded)
                )
    finally:
        del _RUNNING[id(loaded)]
    evidence = check_evidence(root, loaded, corpus, every_record=every_record)
    found.extend(evidence.problems)
    found.extend(unloaded_problems(root, unreadable, loaded, evidence))
    return found, evidence.how


def validate(
    root: Path, corpus: Sequence[Path] = (), files: Iterable[Path] | None = None, records: bool = True
) -> Report:
    """Check every record under ``root/records``, the set they form and the quotes; with ``files``,
    only those files and the set-level problems that involve them (see :func:`validate_files`).
    With ``records`` false, a clean run's report may hold no records: when a clean verdict
    (:mod:`minsec.verdicts`) vouches for every file as it is, none is read into a model."""
    if files is not None:
        return validate_files(root, files, corpus)
    known = None
    if not records:
        vouched, known = _vouched(root, corpus)
        if vouched is not None:
            return vouched
    loaded, problems = read_records(root, known=known)
    # A valid record's file is read again only if its bytes held the marker when it was read.
    markers = list(check_draft_markers(root, [r.path for r in loaded if r.marked] + [p.path for p in problems]))
    dataset = Dataset(tuple(r.record for r in loaded))
    verdicts = Verdicts(cache_dir() if not problems and not markers else None)
    try:
        sources = [r.record for r in loaded if isinstance(r.record, Source)]
        inputs = (
            inputs_digest(root, [(r.path, r.digest) for r in loaded], sources, corpus, today().isoformat())
            if verdicts.active
            else None
        )
        how = verdicts.clean(inputs, sources)
        if how is None:  # not known to be clean: run the set rules and the quote check
            found, how = _run_set_rules(root, loaded, problems, corpus, dataset=dataset, every_record=True)
            if not found and not markers:
                verdicts.remember(inputs, how)
        else:
            found = []
    finally:
        verdicts.save()
    problems = found + markers
    checked = len(loaded) + len({p.path for p in problems} - {r.path for r in loaded})
    report = Report(sorted(set(problems)), loaded, checked, corpus_checked=bool(corpus), evidence=how)
    report.__dict__["dataset"] = dataset  # the rules' Dataset, its status reports derived already
    return report


def _vouched(root: Path, corpus: Sequence[Path]) -> tuple[Report | None, dict[str, bytes] | None]:
    """The report of a clean run, if a clean verdict vouches for every record file as it is
    (the verdict's hash covers each file's path and bytes, so each file's own checks would pass
    again too); only the sources are read into models, for the texts they name. None otherwise.
    Also each file's digest, if every file could be read and holds no draft marker (for
    :func:`read_records`, which then need not read them again)."""
    verdicts = Verdicts(cache_dir())
    try:
        # No verdict at all (a first run): none can vouch, and the files are read once, to parse them.
        if not verdicts.active or verdicts.empty or (files := file_digests(root)) is None:
            return None, None
        known = dict(files)
        sources_read = [root / path for path, _ in files if path.startswith("records/sources/")]
        loaded, problems = read_records(root, sources_read, known)
        if problems:
            return None, known
        sources = [r.record for r in loaded if isinstance(r.record, Source)]
        how = verdicts.clean(inputs_digest(root, files, sources, corpus, today().isoformat()), sources)
    finally:
        verdicts.save()
    if how is None:
        return None, known
    return Report([], [], len(files), corpus_checked=bool(corpus), evidence=how), known


def _word(tokens: Iterable[str]) -> "re.Pattern[bytes]":
    """Matches any of ``tokens`` as a whole id (not inside a longer id)."""
    tokens = set(tokens)
    if not tokens:
        return re.compile(rb"(?!)")
    alternatives = b"|".join(re.escape(t.encode("utf-8")) for t in sorted(set(tokens), key=len, reverse=True))
    return re.compile(rb"(?<![A-Za-z0-9_-])(?:" + alternatives + rb")(?![A-Za-z0-9_-])")


def _involvement(stems: set[str], groups: list[set[str]]) -> Callable[[bytes], bool]:
    """A test of a record file's bytes: does it name one of ``stems`` as a whole id, or every id
    of one of ``groups``? (A plain substring test first: most files name none of them.)"""
    names_named = _word(stems)
    plain_stems = [stem.encode("utf-8") for stem in stems]
    all_of = [[(target.encode("utf-8"), _word([target])) for target in group] for group in groups]

    def involves(raw: bytes) -> bool:
        for stem in plain_stems:
            if stem in raw:
                if names_named.search(raw):
                    return True
                break
        for group in all_of:
            for plain, word in group:
                if plain not in raw or not word.search(raw):
                    break
            else:
                return True
        return False

    return involves


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
    markers = list(check_draft_markers(root, named_paths))
    stems = {file.stem for _, file in named} | {r.record.id for r in loaded}
    targets: set[tuple[str, str]] = set()
    groups: list[set[str]] = []
    for item in loaded:
        by_field: dict[str | int, set[str]] = defaultdict(set)
        for path, table, target in references(item.record):
            targets.add((table, target))
            by_field[path[0]].add(target)
        groups.extend(by_field.values())
    involves = _involvement(stems, groups)
    others: list[Path] = []
    unread: set[str] = set()
    records_folder = len(root.as_posix()) + 1
    # A named file that failed its own checks has references the search cannot know: read everything.
    read_all = any(p.path in named_paths for p in problems)
    for file in record_files(root):
        path = file.as_posix()[records_folder:]
        if path in named_paths:
            continue
        if read_all:
            others.append(file)
            continue
        folder, _, name = path.rpartition("/")
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name  # Path(name).stem, without making a Path
        if stem in stems or (folder.rpartition("/")[2], stem) in targets:
            others.append(file)
            continue
        try:
            raw = read_capped(file)
        except (YamlError, OSError):
            unread.add(path)
            continue  # its own problem, not one of the named files'
        if involves(raw):
            others.append(file)
        else:
            unread.add(path)
    more, more_problems = read_records(root, others)
    in_file_order = sorted(loaded + more, key=lambda r: Path(r.path).parts)  # as the whole check reads them
    # A file not read is there, like a file that failed its own checks: a reference to it is not dangling.
    found, how = _run_set_rules(root, in_file_order, problems + more_problems, corpus, unread)
    found += markers
    own = set(more_problems)
    mentions = re.compile(_word(stems).pattern.decode("utf-8"))
    kept = {p for p in found if p.path in named_paths or (p not in own and mentions.search(_subject(p.message)))}
    note = (
        f"only the named files, and the problems of other records that involve them, were checked "
        f"({len(more)} other records read); run without files to check the whole dataset"
    )
    return Report(sorted(kept), loaded, len(named), corpus_checked=bool(corpus), notes=[note], evidence=how)
