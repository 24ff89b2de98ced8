"""The gazetteers: reviewable data files beside the code, plus the project's own records.

``data/*.tsv`` hold states (names, short forms, demonyms, capitals), titles and roles,
organisation cues, known organisations, outlets, currencies and commodities. The actors and
commodities already in ``records/`` are read at run time and take precedence, so that a
mention is matched to an existing id (by iso3, name or alias; commodities by name, id or
symbol) rather than proposed twice.
"""

import contextlib
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minsec.record_cache import RecordCache

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    kind: str
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]


@dataclass(frozen=True)
class KnownActor:
    """An actor the project already records."""

    id: str
    name: str
    kind: str
    iso3: str | None
    names: tuple[str, ...]
    affiliation_id: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class CommodityEntry:
    id: str
    name: str
    kind: str
    names: tuple[str, ...]
    existing: bool = False


@dataclass
class Gazetteer:
    countries: dict[str, Country]
    #: phrase as written -> (iso3, how: name|demonym|capital)
    state_phrases: dict[str, tuple[str, str]]
    titles: dict[str, str]
    org_cues: list[tuple[str, str, str]]
    organisations: dict[str, tuple[str, str]]
    outlets: dict[str, tuple[str, str]]
    currencies: list[tuple[str, str, str]]
    not_places: tuple[str, ...]
    commodities: dict[str, CommodityEntry]
    #: lower-cased phrase -> commodity id
    commodity_phrases: dict[str, str]
    #: chemical symbol -> commodity id (an element; the project's one-symbol rows take precedence)
    commodity_symbols: dict[str, str] = field(default_factory=dict)
    actors: dict[str, KnownActor] = field(default_factory=dict)
    #: name or alias as written -> existing actor id
    actor_names: dict[str, str] = field(default_factory=dict)
    taken_ids: set[str] = field(default_factory=set)
    #: existing deals, events, sources and claims (plain data as in their files), to match proposals against
    deals: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    #: id -> the record's fields as in its file, for actors, commodities, deals and events
    existing: dict[str, dict] = field(default_factory=dict)


@cache
def word_list(name: str) -> frozenset[str]:
    """The words of one list in ``data/words.tsv`` (abbreviation, not_name, particle, strong_title, org_word)."""
    return frozenset(word for word, list_name in _rows("words.tsv") if list_name == name)


def _rows(name: str) -> list[list[str]]:
    lines = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        rows.append(cells + [""] * (len(header) - len(cells)))
    return rows


def _list(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


@cache
def _static() -> dict:
    countries = {}
    for iso3, name, aliases, demonyms, capitals, kind in _rows("countries.tsv"):
        countries[iso3] = Country(
            iso3, name, kind or "state", (name, *_list(aliases)), _list(demonyms), _list(capitals)
        )
    commodities = {}
    symbols = {}
    for cid, name, kind, aliases, symbol in _rows("commodities.tsv"):
        commodities[cid] = CommodityEntry(cid, name, kind, (name, *_list(aliases)))
        if symbol:
            symbols[symbol] = cid
    return {
        "countries": countries,
        "titles": {title: kind for title, kind in _rows("titles.tsv")},
        "org_cues": [(cue, position, kind) for cue, position, kind in _rows("org_cues.tsv")],
        "organisations": {
            phrase: (name, kind)
            for name, kind, aliases in _rows("organisations.tsv")
            for phrase in (name, *_list(aliases))
        },
        "outlets": {
            phrase: (name, outlet_type)
            for name, aliases, outlet_type in _rows("outlets.tsv")
            for phrase in (name, *_list(aliases))
        },
        "currencies": sorted(
            ((written, position, code) for written, position, code in _rows("currencies.tsv")), key=lambda r: -len(r[0])
        ),
        "not_places": tuple(row[0] for row in _rows("not_places.tsv")),
        "commodities": commodities,
        "symbols": symbols,
    }


def _state_phrases(countries: dict[str, Country]) -> dict[str, tuple[str, str]]:
    phrases: dict[str, tuple[str, str]] = {}
    for country in countries.values():
        for how, names in (("capital", country.capitals), ("demonym", country.demonyms), ("name", country.names)):
            for phrase in names:
                phrases[phrase] = (country.iso3, how)
                if phrase.startswith("The "):
                    phrases["the " + phrase[4:]] = (country.iso3, how)
    # Shared demonyms are resolved in context ("Congolese": which Congo the article is about).
    return phrases


def _record_files(folder: Path) -> list[Path]:
    """The ``.yaml`` files in ``folder`` that validation reads (hidden ones aside), by name:
    sorting names, not Paths, was a tenth of drafting beside 10,000 records."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    names = sorted(
        e.name for e in entries if e.name.endswith(".yaml") and not e.name.startswith(".") and not e.is_dir()
    )
    return [folder / name for name in names]


#: Record files looked up in the cache at once, or parsed by a worker at once.
_BATCH = 500
#: Batches from which parsing them, with no cache to ask, is shared with workers (:mod:`minsec.workers`).
_BATCHES_SHARED = 2


def _read_records(paths: list[Path], parsed: "RecordCache | None") -> list[dict | None]:
    """Each record file's data as ``minsec validate`` reads it, or None for a file it refuses (a
    link, over the size cap, not plain YAML data), so that an alias bomb or a huge file among the
    records cannot stall drafting. A file a validate or build parsed before is taken from their
    cache of parsed files; others are parsed, not added to it (writing 100,000 entries cost a
    drafter more than half again the time of parsing them). Dates stay the text the file
    writes, as the models read them. ``parsed`` None: parse every file, shared with workers."""
    from minsec import workers

    batches = [paths[start : start + _BATCH] for start in range(0, len(paths), _BATCH)]
    if parsed is None:
        with contextlib.closing(workers.mapped(_parsed, batches, least=_BATCHES_SHARED)) as results:
            return [data for batch in results for data in batch]
    return [data for batch in batches for data in _parsed(batch, parsed)]


def _parsed(paths: list[Path], parsed: "RecordCache | None" = None) -> list[dict | None]:
    """:func:`_read_records` of one batch of files, taking what ``parsed`` holds."""
    from minsec.record_files import file_digest
    from minsec.yaml_loader import YamlError, load_document, read_capped

    raws: list[bytes | None] = []
    for path in paths:
        try:
            raws.append(read_capped(path))
        except (OSError, YamlError):
            raws.append(None)
    keys = [parsed.key(file_digest(raw)) if raw is not None and parsed is not None else b"" for raw in raws]
    found = parsed.get_many_data([key for key in keys if key]) if parsed is not None else {}
    out: list[dict | None] = []
    for raw, key in zip(raws, keys, strict=True):
        data = found.get(key)
        if data is None and raw is not None:
            with contextlib.suppress(YamlError):
                data = load_document(raw).data
        out.append(data)
    return out


def _add_records(gazetteer: Gazetteer, records: Path, parsed: "RecordCache | None") -> None:
    """The project's own records in ``records``: their ids taken, actors and commodities known by
    name, the other kinds kept whole to be matched."""
    listed = {folder.name: _record_files(folder) for folder in records.iterdir() if folder.is_dir()}
    for files in listed.values():
        gazetteer.taken_ids.update(path.stem for path in files)
    actors = listed.pop("actors", [])
    for path, data in zip(actors, _read_records(actors, parsed), strict=True):
        if not data or data.get("withdrawn") or not isinstance(data.get("name"), str):
            continue
        names = tuple(str(a) for a in data.get("aliases") or [] if isinstance(a, str))
        actor = KnownActor(
            id=str(data.get("id", path.stem)),
            name=data["name"],
            kind=str(data.get("kind", "")),
            iso3=data.get("iso3") if isinstance(data.get("iso3"), str) else None,
            names=(data["name"], *names),
            affiliation_id=data.get("affiliation_id"),
            role=data.get("role"),
        )
        gazetteer.actors[actor.id] = actor
        gazetteer.existing[actor.id] = data
        for name in actor.names:
            gazetteer.actor_names.setdefault(name, actor.id)
    commodities = listed.pop("commodities", [])
    for path, data in zip(commodities, _read_records(commodities, parsed), strict=True):
        if not data or data.get("withdrawn") or not isinstance(data.get("name"), str):
            continue
        cid = str(data.get("id", path.stem))
        gazetteer.existing[cid] = data
        known = gazetteer.commodities.get(cid)
        names = (data["name"], cid.replace("-", " "), *(known.names if known else ()))
        gazetteer.commodities[cid] = CommodityEntry(cid, data["name"], str(data.get("kind", "")), names, True)
        symbols = [s for s in data.get("symbols") or [] if isinstance(s, str)]
        if len(symbols) == 1:
            gazetteer.commodity_symbols[symbols[0]] = cid
    for folder, bucket in (
        ("deals", gazetteer.deals),
        ("events", gazetteer.events),
        ("sources", gazetteer.sources),
        ("claims", gazetteer.claims),
    ):
        for data in _read_records(listed.pop(folder, []), parsed):
            if data and not data.get("withdrawn") and isinstance(data.get("id"), str):
                bucket.append(data)
                gazetteer.existing[data["id"]] = data


def load(root: Path | None) -> Gazetteer:
    """The gazetteers, with the project's own actors and commodities from ``root/records`` when given."""
    static = _static()
    gazetteer = Gazetteer(
        countries=static["countries"],
        state_phrases=_state_phrases(static["countries"]),
        titles=static["titles"],
        org_cues=static["org_cues"],
        organisations=dict(static["organisations"]),
        outlets=static["outlets"],
        currencies=static["currencies"],
        not_places=static["not_places"],
        commodities=dict(static["commodities"]),
        commodity_phrases={},
        commodity_symbols=dict(static["symbols"]),
    )
    records = root / "records" if root else None
    if records and records.is_dir():
        from minsec.record_cache import RecordCache, cache_dir

        parsed = RecordCache(cache_dir())
        try:
            # An empty cache (a first run) has nothing to find: the files' hashes are not taken.
            _add_records(gazetteer, records, None if parsed.empty else parsed)
        finally:
            parsed.save(prune=False)  # closes it; a draft adds no entry and must not drop a run's
    for entry in gazetteer.commodities.values():
        for name in entry.names:
            phrase = name.lower()
            current = gazetteer.commodity_phrases.get(phrase)
            if current is None or (entry.existing and not gazetteer.commodities[current].existing):
                gazetteer.commodity_phrases[phrase] = entry.id
    return gazetteer


def phrase_pattern(phrases: list[str], flags: int = 0) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words, longest first (compiled once per list)."""
    return _phrase_pattern(tuple(sorted(set(phrases))), flags)


@cache
def _phrase_pattern(phrases: tuple[str, ...], flags: int) -> re.Pattern[str]:
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    body = "|".join(re.escape(p) for p in ordered)
    # Hyphens and possessives may follow: "US-Danish", "Algeria’s", "lithium-for-arms".
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)
