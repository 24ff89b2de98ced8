"""Records to normalised tables: the columns of every CSV and the rows that fill them.

Columns are generated from the models' JSON Schemas, so a field's type, constraint and
description are written once, in ``models.py``. Nested lists become child tables.
"""

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from minsec.dates import parse_partial_date
from minsec.derive import deal_status
from minsec.models import (
    Actor,
    Citation,
    Claim,
    Commodity,
    Deal,
    DealParty,
    DealTerm,
    Event,
    EventActor,
    Record,
    Source,
)
from minsec.record_files import Dataset
from minsec.vocabularies import DatePrecision, DealStatus, PloverType, RecordKind, Vocabulary

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

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


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
        else:
            columns.append(Column(type="string", pattern=prop.get("pattern"), **common))
    return columns


def _scalar_row(data: dict, columns: typing.Iterable[Column]) -> Row:
    """A row from a record's (or an item's) JSON data."""
    row: Row = {}
    for column in columns:
        value = data.get(column.name)
        if isinstance(value, list):
            value = LIST_SEPARATOR.join(value) if value else None
        elif column.type == "date" and value is not None:
            value = parse_partial_date(value)[0].isoformat()
        row[column.name] = value
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

    def rows(dataset: Dataset) -> list[Row]:
        return [
            {**_scalar_row(dataset.dump(r), columns), **(fill(dataset, r) if fill else {})}
            for r in dataset.sorted_of(model)
        ]

    return Table(model.folder, description, tuple(columns), ("id",), rows)


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

    def rows(dataset: Dataset) -> list[Row]:
        out = []
        for record in dataset.sorted_of(parent):
            for position, item in enumerate(dataset.dump(record)[key_of_items], start=1):
                head: Row = {f"{kind}_id": record.id, **({number: position} if number else {})}
                out.append({**head, **_scalar_row(item, columns[len(head) :])})
        return out

    return Table(name, description, tuple(columns), key, rows)


def _deal_status_fill(dataset: Dataset, deal: Record) -> Row:
    derived = deal_status(dataset.of(Event), deal.id)  # type: ignore[arg-type]
    if derived is None:
        return {"status": None, "status_date": None, "status_date_precision": None}
    date = parse_partial_date(derived.date)[0].isoformat() if derived.date else None
    return {"status": derived.status.value, "status_date": date, "status_date_precision": derived.date_precision.value}


def _plover_fill(dataset: Dataset, event: Record) -> Row:
    plover = event.plover_type  # type: ignore[attr-defined]
    return {"plover_type": plover.value if plover else None}


_STATUS_COLUMNS = [
    Column(
        "status",
        "string",
        "Derived: the latest deal_status among the deal's events; empty only for a withdrawn deal without one.",
        vocabulary=DealStatus,
    ),
    Column("status_date", "date", "Derived: the date of the event that set status; empty when undated."),
    Column("status_date_precision", "string", "Derived: precision of status_date.", vocabulary=DatePrecision),
]
_PLOVER_COLUMN = Column(
    "plover_type",
    "string",
    "Derived: the PLOVER top-level event type event_type maps to; empty where PLOVER has none.",
    vocabulary=PloverType,
)


def _citation_rows(dataset: Dataset) -> list[Row]:
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
    )
    return (
        _record_table(Source, "Publications cited as evidence, with the hash of the text quotes were checked against."),
        _record_table(Actor, "States, territories, bodies, organisations, companies, armed groups and persons."),
        _record_table(Commodity, "Minerals, elements and resources the sources name, with critical-list flags."),
        _record_table(
            Deal,
            "Deals and proposed deals; status is derived from the deal's events.",
            extra={"summary": _STATUS_COLUMNS},
            fill=_deal_status_fill,
        ),
        _child_table(
            "deal_parties",
            Deal,
            "parties",
            DealParty,
            "The actors in each deal and their parts.",
            ("deal_id", "actor_id"),
        ),
        Table(
            "deal_commodities",
            "The commodities each deal concerns.",
            (
                _parent("deal", "deals"),
                Column(
                    "commodity_id",
                    "string",
                    "A commodity the deal concerns (fk commodities.id).",
                    True,
                    foreign_key="commodities",
                ),
            ),
            ("deal_id", "commodity_id"),
            lambda ds: [{"deal_id": d.id, "commodity_id": c} for d in ds.sorted_of(Deal) for c in d.commodities],
        ),  # type: ignore[attr-defined]
        _child_table(
            "deal_terms",
            Deal,
            "terms",
            DealTerm,
            "The quid pro quo: one row per thing that flows from one actor to another under a deal.",
            ("deal_id", "term_no"),
            number="term_no",
        ),
        _record_table(
            Event,
            "Dated or datable events; those naming a deal_status form the deal's status history.",
            extra={"event_type": [_PLOVER_COLUMN]},
            fill=_plover_fill,
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
