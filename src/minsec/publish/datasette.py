"""The ``metadata.json`` Datasette reads beside ``minsec.sqlite``.

Titles, licence and source come from the Data Package descriptor, table and column
descriptions from the table definitions, and the canned queries from ``queries.toml``
beside this module (a list people curate). Run ``datasette minsec.sqlite -m metadata.json``.
"""

import tomllib
from importlib import resources
from pathlib import PurePosixPath

from minsec import descriptor
from minsec.publish.sqlite import FILE_NAME
from minsec.tables import Table

DATABASE = PurePosixPath(FILE_NAME).stem
SOURCE = "minsec records (YAML, one file per record), built by minsec build"


def canned_queries() -> dict[str, dict[str, str]]:
    """The canned queries of ``queries.toml``: URL name to title, description and SQL."""
    text = resources.files("minsec.publish").joinpath("queries.toml").read_text(encoding="utf-8")
    return {name: {k: v.strip() for k, v in query.items()} for name, query in tomllib.loads(text).items()}


def metadata(all_tables: tuple[Table, ...], source_url: str | None = None) -> dict:
    """Datasette metadata for the database of ``all_tables``."""
    out: dict = {
        "title": descriptor.TITLE,
        "description": descriptor.DESCRIPTION,
        "license": descriptor.LICENSE["name"],
        "license_url": descriptor.LICENSE["path"],
        "source": SOURCE,
    }
    if source_url:
        out["source_url"] = source_url
    out["databases"] = {
        DATABASE: {
            "description": descriptor.DESCRIPTION,
            "tables": {
                t.name: {
                    "description": t.description,
                    "columns": {c.name: c.description for c in t.columns},
                }
                for t in all_tables
            },
            "queries": canned_queries(),
        }
    }
    return out
