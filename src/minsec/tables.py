"""Records to normalised tables: the columns of every CSV and the rows that fill them.

Columns are generated from the models' JSON Schemas, so a field's type, constraint and
description are written once, in ``models.py``. Nested lists become child tables.
"""

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache, wraps

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from minsec.dates import parse_partial_date
from minsec.models import (
    Actor,
    Citation,
    Claim,
    Commodity,
    Deal,
    DealCommodity,
    DealParty,
    DealTerm,
    Event,
    EventActor,
    Record,
    Relay,
    Source,
)
from minsec.record_files import Dataset
from minsec.textfragment import fragment_link
from minsec.vocabularies import DatePrecision, DealStatus, DerivedDealStatus, PloverType, RecordKind, Vocabulary

LIST_SEPARATOR = "; "
Row = dict[str, str | int | float | bool | None]


@dataclass(frozen=True)
class Column:
    """One CSV column: its Table Schema type, constraints and meaning."""

    name: str
    type: str
    description: str
    required: bool = False
    vocabulary: type[Vocabulary] | None = None
    pattern: str | None = None
    foreign_key: str | None = None


@dataclass(frozen=True)
class Table:
    """One CSV table: its columns, keys, and how its rows come from the records."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Dataset], list[Row]] = field(repr=False, compare=False)
    #: The kind of record whose JSON data (``Dataset.dump``) the rows are made from, if one.
    dumped: "type[Record] | None" = field(default=None, repr=False, compare=False)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_Derived = typing.TypeVar("_Derived")


def per_table(function: Callable[[Table], _Derived]) -> Callable[[Table], _Derived]:
    """``function(table)`` worked out once per Table object, for what pages ask of a table once
    per cell. Tables never change; hashing one (as ``functools.cache`` would) hashes every column,
    so the results are kept by the table's identity, each beside the table it was made from."""
    found: dict[int, tuple[Table, _Derived]] = {}

    @wraps(function)
    def cached(table: Table) -> _Derived:
        entry = found.get(id(table))
        if entry is None or entry[0] is not table:
            entry = found[id(table)] = (table, function(table))
        return entry[1]

    return cached


def vocabulary_of(annotation: object) -> type[Vocabulary] | None:
    """The Vocabulary enum inside a field's annotation (``DealStatus | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Vocabulary):
        return annotation
    for arg in typing.get_args(annotation):
        found = vocabulary_of(arg)
        if found:
            return found
    return None


def _non_null(prop: dict) -> tuple[dict, bool]:
    """The property's schema without its null alternative, and whether null was allowed."""
    options = prop.get("anyOf")
    if not options:
        return prop, False
    rest = {k: v for k, v in prop.items() if k != "anyOf"}
    kept = [o for o in options if o.get("type") != "null"]
    nullable = len(kept) < len(options)
    if len(kept) == 1:
        inner, inner_nullable = _non_null(kept[0])
        return {**inner, **rest}, nullable or inner_nullable
    types = {o.get("type") for o in kept}
    return {"type": "number" if types <= {"integer", "number"} else "string", **rest}, nullable


def model_columns(model: type[BaseModel], *, skip: tuple[str, ...] = ()) -> list[Column]:
    """The scalar columns of ``model``: every field but nested lists of objects."""
    schema = model.model_json_schema(by_alias=True)
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    date_fields: tuple[str, ...] = getattr(model, "date_fields", ())
    columns = []
    for name, raw in schema["properties"].items():
        if name in skip:
            continue
        info = fields[name]
        prop, nullable = _non_null(raw)
        always_filled = not nullable and info.default not in (None, PydanticUndefined)
        is_precision = name.endswith("_precision") and name.removesuffix("_precision") in date_fields
        required = info.is_required() or always_filled or is_precision
        common = {
            "name": name,
            "description": info.description or "",
            "required": required,
            "foreign_key": (info.json_schema_extra or {}).get("foreign_key"),  # type: ignore[union-attr]
        }
        vocabulary = vocabulary_of(info.annotation)
        if name in date_fields:
            columns.append(Column(type="date", **common))
        elif vocabulary is not None:
            columns.append(Column(type="string", vocabulary=vocabulary, **common))
        elif prop.get("type") == "array":
            if prop["items"].get("type") == "string" and not common["foreign_key"]:
                columns.append(Column(type="string", **common))
        elif prop.get("type") in ("integer", "number"):
            columns.append(Column(type="number", **common))
        elif prop.get("type") == "boolean":
            columns.append(Column(type="boolean", **common))
        elif prop.get("format") == "date":
            columns.append(Column(type="date", **common))
        else:
            columns.append(Column(type="string", pattern=prop.get("pattern"), **common))
    return columns


def _row_maker(columns: typing.Iterable[Column]) -> Callable[[dict], Row]:
    """How a row is made from a record's (or an item's) JSON data, for these columns: their
    names and date columns found once (a look at every column's type for every row was a
    fifth of making the tables)."""
    names = [column.name for column in columns]
    dates = frozenset(column.name for column in columns if column.type == "date")

    def row(data: dict) -> Row:
        made: Row = {}
        for name in names:
            value = data.get(name)
            if isinstance(value, list):
                value = LIST_SEPARATOR.join(value) if value else None
            elif value is not None and name in dates:
                value = _first_day(value)
            made[name] = value
        return made

    return row


def _parent(kind: str, table: str) -> Column:
    return Column(f"{kind}_id", "string", f"The {kind} (fk {table}.id).", required=True, foreign_key=table)


def _record_table(
    model: type[Record],
    description: str,
    extra: dict[str, list[Column]] | None = None,
    fill: Callable[[Dataset, Record], Row] | None = None,
) -> Table:
    """A table with one row per record; ``extra`` inserts derived columns after a column."""
    columns: list[Column] = []
    for column in model_columns(model):
        columns.append(column)
        columns.extend((extra or {}).get(column.name, []))

    row_of = _row_maker(columns)

    def rows(dataset: Dataset) -> list[Row]:
        if fill is None:
            return [row_of(dataset.dump(r)) for r in dataset.sorted_of(model)]
        return [{**row_of(dataset.dump(r)), **fill(dataset, r)} for r in dataset.sorted_of(model)]

    return Table(model.folder, description, tuple(columns), ("id",), rows, model)


def _child_table(
    name: str,
    parent: type[Record],
    attribute: str,
    child: type[BaseModel],
    description: str,
    key: tuple[str, ...],
    number: str | None = None,
) -> Table:
    """A table with one row per item of ``parent.<attribute>``, numbered from 1 if asked."""
    kind = parent.record_kind.value
    columns = [_parent(kind, parent.folder)]
    if number:
        columns.append(Column(number, "integer", f"Position in the {kind}'s {attribute} list, from 1.", required=True))
    columns += model_columns(child)
    key_of_items = parent.model_fields[attribute].alias or attribute

    parent_column = f"{kind}_id"
    row_of = _row_maker(columns[2:] if number else columns[1:])

    def rows(dataset: Dataset) -> list[Row]:
        out = []
        for record in dataset.sorted_of(parent):
            for position, item in enumerate(dataset.dump(record)[key_of_items], start=1):
                head: Row = {parent_column: record.id, number: position} if number else {parent_column: record.id}
                head.update(row_of(item))
                out.append(head)
        return out

    return Table(name, description, tuple(columns), key, rows, parent)


@lru_cache(maxsize=65_536)
def _first_day(value: str | None) -> str | None:
    """The first day of a partial date, ISO-written (the same dates recur across records)."""
    return parse_partial_date(value)[0].isoformat() if value else None


def _deal_status_fill(dataset: Dataset, deal: Record) -> Row:
    derived = dataset.deal_statuses.get(deal.id)
    if derived is None:
        return {"status": None, "status_as_of": None, "status_as_of_precision": None}
    return {
        "status": derived.status.value,
        "status_as_of": _first_day(derived.as_of),
        "status_as_of_precision": derived.as_of_precision.value,
    }


def _event_fill(dataset: Dataset, event: Record) -> Row:
    plover = event.plover_type  # type: ignore[attr-defined]
    window = event.window  # type: ignore[attr-defined]
    return {
        "plover_type": plover.value if plover else None,
        "date_start": window.start.isoformat() if window.start else None,
        "date_end": window.end.isoformat() if window.end else None,
    }


_STATUS_COLUMNS = [
    Column(
        "status",
        "string",
        (
            "Derived from deal_status_reports by the rules in CODEBOOK.md (Deal status): the status the current "
            "reports give, the furthest stage where they progress, or disputed where sources conflict unordered."
        ),
        vocabulary=DerivedDealStatus,
    ),
    Column(
        "status_as_of",
        "date",
        "Derived: the status is known to hold from this date, the start of the latest report that gives it; "
        "empty when those reports are undated.",
    ),
    Column("status_as_of_precision", "string", "Derived: precision of status_as_of.", vocabulary=DatePrecision),
]
_EVENT_COLUMNS = [
    Column(
        "plover_type",
        "string",
        "Derived: the PLOVER top-level event type event_type maps to; empty where PLOVER has none.",
        vocabulary=PloverType,
    )
]
_WINDOW_COLUMNS = [
    Column(
        "date_start",
        "date",
        "Derived: the first day the event may have happened (from date and its precision, or date_earliest); "
        "empty when open. Sort by this, not by date.",
    ),
    Column(
        "date_end",
        "date",
        "Derived: the last day the event may have happened (end of date's period, or of date_latest); empty when open.",
    ),
]


def _status_report_rows(dataset: Dataset) -> list[Row]:
    rows: list[Row] = []
    for deal_id in sorted(dataset.status_reports):
        reports = dataset.status_reports[deal_id]
        current = {id(r) for r in dataset.deal_statuses[deal_id].current}
        for report in reports:
            event = report.event
            rows.append(
                {
                    "deal_id": deal_id,
                    "event_id": event.id,
                    "source_id": report.source_id,
                    "status": report.status.value,
                    "date": _first_day(event.date),
                    "date_precision": event.date_precision.value,  # type: ignore[union-attr]
                    "date_earliest": _first_day(event.date_earliest),
                    "date_latest": _first_day(event.date_latest),
                    "date_latest_precision": event.date_latest_precision.value,  # type: ignore[union-attr]
                    "date_earliest_precision": event.date_earliest_precision.value,  # type: ignore[union-attr]
                    "date_start": report.window.start.isoformat() if report.window.start else None,
                    "date_end": report.window.end.isoformat() if report.window.end else None,
                    "current": id(report) in current,
                    "reporting": event.reporting.value,
                    "quote": report.quote,
                }
            )
    return rows


def _status_report_table() -> Table:
    event_columns = {c.name: c for c in model_columns(Event)}
    window = {c.name: c for c in _WINDOW_COLUMNS}
    columns = (
        _parent("deal", "deals"),
        Column("event_id", "string", "The status event (fk events.id).", True, foreign_key="events"),
        Column("source_id", "string", "The source that reports it (fk sources.id).", True, foreign_key="sources"),
        Column("status", "string", "The status the source reports the deal reached.", True, DealStatus),
        *(
            event_columns[name]
            for name in (
                "date",
                "date_precision",
                "date_earliest",
                "date_earliest_precision",
                "date_latest",
                "date_latest_precision",
            )
        ),
        window["date_start"],
        window["date_end"],
        Column(
            "current",
            "boolean",
            "Whether no other report of the deal certainly comes later: the current reports determine deals.status.",
            True,
        ),
        event_columns["reporting"],
        Column("quote", "string", "The first quote of this source among the event's citations.", True),
    )
    return Table(
        "deal_status_reports",
        "Status as reported: one row per deal status event and source citing it, with when it holds.",
        columns,
        ("deal_id", "event_id", "source_id"),
        _status_report_rows,
    )


def _term_citation_rows(dataset: Dataset) -> list[Row]:
    return [
        {"deal_id": deal.id, "term_no": term_no, "quote_no": quote_no, **citation.model_dump(mode="json")}
        for deal in sorted(dataset.of(Deal), key=lambda r: r.id)
        for term_no, term in enumerate(deal.terms, start=1)  # type: ignore[attr-defined]
        for quote_no, citation in enumerate(term.citations, start=1)
    ]


def _broader_rows(dataset: Dataset) -> list[Row]:
    return [
        {"commodity_id": commodity.id, "broader_id": broader}
        for commodity in sorted(dataset.of(Commodity), key=lambda r: r.id)
        for broader in commodity.broader  # type: ignore[attr-defined]
    ]


def _citation_rows(dataset: Dataset) -> list[Row]:
    urls = {source.id: source.url for source in dataset.of(Source)}  # type: ignore[attr-defined]
    rows: list[Row] = []
    for model in (Actor, Commodity, Deal, Event, Claim):
        for record in dataset.sorted_of(model):
            for number, citation in enumerate(record.citations, start=1):  # type: ignore[attr-defined]
                rows.append(
                    {
                        "record_kind": model.record_kind.value,
                        "record_id": record.id,
                        "quote_no": number,
                        "source_id": citation.source_id,
                        "quote": citation.quote,
                        "link": fragment_link(url, citation.quote) if (url := urls.get(citation.source_id)) else None,
                    }
                )
    return sorted(rows, key=lambda r: (str(r["record_kind"]), str(r["record_id"]), int(r["quote_no"])))  # type: ignore[arg-type]


@cache
def tables() -> tuple[Table, ...]:
    """Every table of the Data Package, in publication order."""
    citation_columns = (
        Column("record_kind", "string", "Kind of the record the quote supports.", True, RecordKind),
        Column("record_id", "string", "Id of the record the quote supports (in the table of its kind).", True),
        Column("quote_no", "integer", "Position of the citation in the record's citations list, from 1.", True),
        *model_columns(Citation),
        Column(
            "link",
            "string",
            "The source's url with a text fragment (#:~:text=) that opens the page with the quote highlighted, "
            "where the source has a url.",
            False,
        ),
    )
    return (
        _record_table(Source, "Publications cited as evidence, with the hash of the text quotes were checked against."),
        _child_table(
            "source_relays",
            Source,
            "reports_from",
            Relay,
            "The chain of outlets each source relays, nearest first (a republication of Press TV relaying the FT).",
            ("source_id", "relay_no"),
            number="relay_no",
        ),
        _record_table(Actor, "States, territories, bodies, organisations, companies, armed groups and persons."),
        _record_table(Commodity, "Minerals, elements and resources the sources name, with critical-list flags."),
        Table(
            "commodity_broader",
            "Which commodity terms are wider than which (SKOS broader): include broader terms in a commodity query.",
            (
                Column(
                    "commodity_id",
                    "string",
                    "The narrower commodity (fk commodities.id).",
                    True,
                    foreign_key="commodities",
                ),
                Column(
                    "broader_id",
                    "string",
                    "A wider term that includes it (fk commodities.id).",
                    True,
                    foreign_key="commodities",
                ),
            ),
            ("commodity_id", "broader_id"),
            _broader_rows,
        ),
        _record_table(
            Deal,
            "Deals and proposed deals; status is derived from the status reports of the deal's events.",
            extra={"summary": _STATUS_COLUMNS},
            fill=_deal_status_fill,
        ),
        _status_report_table(),
        _child_table(
            "deal_parties",
            Deal,
            "parties",
            DealParty,
            "The actors in each deal and their parts.",
            ("deal_id", "actor_id"),
        ),
        _child_table(
            "deal_commodities",
            Deal,
            "commodities",
            DealCommodity,
            "The commodities each deal concerns, and how the sources tie each to the deal.",
            ("deal_id", "commodity_id"),
        ),
        _child_table(
            "deal_terms",
            Deal,
            "terms",
            DealTerm,
            "The quid pro quo: one row per thing that flows from one actor to another under a deal.",
            ("deal_id", "term_no"),
            number="term_no",
        ),
        Table(
            "deal_term_citations",
            "The quotes behind each deal term: who gives what to whom, in the source's words.",
            (
                _parent("deal", "deals"),
                Column("term_no", "integer", "The term (deal_terms.term_no of the deal).", True),
                Column("quote_no", "integer", "Position of the citation in the term's citations list, from 1.", True),
                *model_columns(Citation),
            ),
            ("deal_id", "term_no", "quote_no"),
            _term_citation_rows,
        ),
        _record_table(
            Event,
            "Dated or datable events; those naming a deal_status form the deal's status history.",
            extra={"event_type": _EVENT_COLUMNS, "date_basis": _WINDOW_COLUMNS},
            fill=_event_fill,
        ),
        _child_table(
            "event_actors",
            Event,
            "actors",
            EventActor,
            "The actors in each event and their parts.",
            ("event_id", "actor_id"),
        ),
        _record_table(Claim, "Numbers and judgements the sources attribute to someone: claims, not facts."),
        Table(
            "citations",
            "Every quote behind every record: the evidence for any row.",
            citation_columns,
            ("record_kind", "record_id", "quote_no"),
            _citation_rows,
        ),
    )


def table(name: str) -> Table:
    for candidate in tables():
        if candidate.name == name:
            return candidate
    raise KeyError(f"no table named {name!r}; tables: {', '.join(t.name for t in tables())}")


def iter_foreign_keys(t: Table) -> Iterator[tuple[str, str]]:
    """(column, referenced table) for every foreign key of ``t``."""
    for column in t.columns:
        if column.foreign_key:
            yield column.name, column.foreign_key
