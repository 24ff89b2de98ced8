"""The Croissant description (ML Commons, version 1.0) of the CSV tables.

One ``FileObject`` per CSV file (with its SHA-256, as in ``datapackage.json``) and one
``RecordSet`` per table whose fields read that file's columns, with the primary key as
``key`` and foreign keys as ``references`` (but for a table's references to itself, such as
``actors.affiliation_id``, which mlcroissant reads as a cycle). The JSON-LD ``@context`` is the one the
Croissant 1.0 specification gives, kept verbatim in ``croissant-context.json``.
File URLs are relative to the folder holding ``croissant.json`` and ``data/``.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import resources

from minsec import descriptor
from minsec._version import RELEASE_DATE, __version__
from minsec.publish.jsonld import creator, url
from minsec.tables import Column, Table

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
FILE_NAME = "croissant.json"
DATA_TYPES = {
    "date": "sc:Date",
    "number": "sc:Float",
    "integer": "sc:Integer",
    "boolean": "sc:Boolean",
}


def context() -> dict:
    text = resources.files("minsec.publish").joinpath("croissant-context.json").read_text(encoding="utf-8")
    return json.loads(text)


def cite_as() -> str:
    """How to cite this version, in words."""
    year, licence = RELEASE_DATE[:4], descriptor.LICENSE["name"]
    return f"minsec contributors ({year}). {descriptor.TITLE}, version {__version__}. {licence}."


def _field(table: Table, column: Column) -> dict:
    field: dict = {
        "@type": "cr:Field",
        "@id": f"{table.name}/{column.name}",
        "name": column.name,
        "description": column.description,
        "dataType": DATA_TYPES.get(column.type, "sc:Text"),
        "source": {"fileObject": {"@id": f"{table.name}.csv"}, "extract": {"column": column.name}},
    }
    if column.foreign_key and column.foreign_key != table.name:
        field["references"] = {"field": {"@id": f"{column.foreign_key}/id"}}
    return field


def croissant(all_tables: Sequence[Table], csv_files: Mapping[str, bytes], base_url: str | None = None) -> dict:
    """The Croissant metadata of ``all_tables``; ``csv_files`` maps table name to the CSV's bytes."""
    out: dict = {
        "@context": context(),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": descriptor.NAME,
        "description": descriptor.DESCRIPTION,
        "citeAs": cite_as(),
        "creator": creator(),
        "datePublished": RELEASE_DATE,
        "keywords": descriptor.KEYWORDS,
        "license": descriptor.LICENSE["path"],
        "version": __version__,
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": f"{t.name}.csv",
                "name": f"{t.name}.csv",
                "description": t.description,
                "contentUrl": url(base_url, f"data/{t.name}.csv"),
                "encodingFormat": "text/csv",
                "sha256": hashlib.sha256(csv_files[t.name]).hexdigest(),
            }
            for t in all_tables
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": t.name,
                "name": t.name,
                "description": t.description,
                "key": [{"@id": f"{t.name}/{k}"} for k in t.primary_key],
                "field": [_field(t, c) for c in t.columns],
            }
            for t in all_tables
        ],
    }
    if base_url:
        out["url"] = base_url
    return out
