"""The Frictionless Data Package descriptor: what the published files are and mean.

Only Table Schema features that frictionless 5 really enforces are used: enums are
``constraints.enum``, uniqueness is ``primaryKey``; see DESIGN.md's known pitfalls.
"""

import hashlib
from collections.abc import Mapping

from minsec._version import RELEASE_DATE, __version__
from minsec.derive import coverage_end
from minsec.models import Source
from minsec.record_files import Dataset
from minsec.tables import Column, Table

NAME = "minsec"
TITLE = "minsec: minerals-for-security deals and diplomatic events"
DESCRIPTION = (
    "An open, versioned dataset of minerals-for-security deals (access to minerals or their "
    "revenues traded for military aid, security guarantees, arms or security cooperation, and "
    "the resource deals around them) and the diplomatic events that make and break them. "
    "Every actor, deal, event and claim cites a verbatim quote from a source (table citations). "
    "Dates carry their precision. Nested per-kind JSON lies beside the CSV tables in json/."
)
KEYWORDS = [
    "critical minerals",
    "rare earth elements",
    "minerals for security",
    "military aid",
    "security cooperation",
    "diplomacy",
    "event data",
    "PLOVER",
]
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
CREATED = f"{RELEASE_DATE}T00:00:00Z"


def field_descriptor(column: Column) -> dict:
    """A Table Schema field for ``column``."""
    descriptor: dict = {"name": column.name, "type": column.type, "description": column.description}
    if column.type == "date":
        descriptor["format"] = "default"
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.vocabulary is not None:
        constraints["enum"] = column.vocabulary.values()
    if column.pattern is not None:
        constraints["pattern"] = column.pattern
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def table_schema(table: Table) -> dict:
    """The Table Schema of one table, with its primary and foreign keys."""
    schema: dict = {
        "fields": [field_descriptor(c) for c in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    foreign_keys = [
        {"fields": [c.name], "reference": {"resource": c.foreign_key, "fields": ["id"]}}
        for c in table.columns
        if c.foreign_key
    ]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def resource_descriptor(table: Table, csv_bytes: bytes) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": f"data/{table.name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(csv_bytes),
        "hash": f"sha256:{hashlib.sha256(csv_bytes).hexdigest()}",
        "description": table.description,
        "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "header": True},
        "schema": table_schema(table),
    }


def _source_entry(source: Source) -> dict:
    entry: dict = {"title": f"{source.outlet}: {source.title}"}
    if source.url:
        entry["path"] = source.url
    return entry


def _coverage_end(dataset: Dataset) -> str | None:
    end = coverage_end(dataset.records)
    return end.isoformat() if end else None


def descriptor(dataset: Dataset, csv_files: Mapping[str, bytes], tables: tuple[Table, ...]) -> dict:
    """The whole ``datapackage.json``; ``csv_files`` maps table name to the CSV's bytes."""
    sources = sorted(
        (s for s in dataset.of(Source) if not s.withdrawn),
        key=lambda s: s.id,  # type: ignore[attr-defined]
    )
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": __version__,
        "coverage_end": _coverage_end(dataset),
        "created": CREATED,
        "licenses": [LICENSE],
        "keywords": KEYWORDS,
        "contributors": [{"title": "minsec contributors", "roles": ["creator"]}],
        "sources": [_source_entry(s) for s in sources],  # type: ignore[arg-type]
        "resources": [resource_descriptor(t, csv_files[t.name]) for t in tables],
    }
