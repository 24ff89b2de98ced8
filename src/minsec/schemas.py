"""JSON Schemas of the record files, generated from the models for editors and reviewers."""

from functools import cache

from minsec._version import __version__
from minsec.models import Record

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def record_schema(model: type[Record]) -> dict:
    """The JSON Schema a record file of ``model``'s kind must satisfy (made once per process
    and shared: do not change it).

    Editors that speak the yaml-language-server protocol pick it up from the first line
    of every record file. The model still has the last word: a few checks (codes against
    ISO lists, dates that exist, cross-field rules) live only in the validator.
    """
    kind = model.record_kind.value
    schema = model.model_json_schema(by_alias=True)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"minsec/{__version__}/records/{kind}.schema.json",
        "title": f"minsec {kind} record",
        "description": (model.__doc__ or "").strip(),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
