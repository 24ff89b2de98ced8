"""What can still be checked in a record file that failed its own checks.

A file with a schema error (an unknown field, a value outside an enum) is not a record, so
the set-level rules never see it; but its references and quotes can still be read from the
YAML, so one run reports every problem a contributor can fix, not one layer at a time.
"""

import difflib
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from minsec.evidence import Evidence, field_name
from minsec.models import ID_PATTERN, MODEL_BY_FOLDER, MODELS
from minsec.paths import PathError, within
from minsec.problems import Problem, with_article
from minsec.record_files import RECORD_SUFFIX, LoadedRecord
from minsec.yaml_loader import YamlError, load_document, read_capped

FieldPath = tuple[str | int, ...]


def _nested_model(annotation: object) -> type[BaseModel] | None:
    """The model inside ``annotation`` (``list[Party]``, ``Citation | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            found = _nested_model(argument)
            if found is not None:
                return found
    return None


def raw_references(model: type[BaseModel], data: object, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str, str]]:
    """(field path, table, id) for every foreign key written in ``data``, read as ``model``."""
    if not isinstance(data, dict):
        return
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        value = data[key]
        table = (info.json_schema_extra or {}).get("foreign_key")  # type: ignore[union-attr]
        nested = _nested_model(info.annotation)
        if table and isinstance(value, str):
            yield (*path, key), str(table), value
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if table and isinstance(element, str):
                    yield (*path, key, index), str(table), element
                elif nested is not None:
                    yield from raw_references(nested, element, (*path, key, index))
        elif nested is not None:
            yield from raw_references(nested, value, (*path, key))


def raw_citations(data: object, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str, str]]:
    """(path, source_id, quote) for every mapping in ``data`` holding a source_id and a quote."""
    if isinstance(data, dict):
        if isinstance(data.get("source_id"), str) and isinstance(data.get("quote"), str):
            yield path, data["source_id"], data["quote"]
        for key, value in data.items():
            yield from raw_citations(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from raw_citations(value, (*path, index))


def unloaded_problems(
    root: Path, found: Sequence[Problem], records: Sequence[LoadedRecord], evidence: Evidence
) -> Iterator[Problem]:
    """The reference and quote problems of the record files with ``found`` problems that are readable
    YAML (a quote whose field already has a problem is not checked again)."""
    unloaded = frozenset(p.path for p in found)
    flagged = {(p.path, p.field) for p in found}
    folders = {model.folder: model for model in MODELS}
    ids = {folder: {r.record.id for r in records if type(r.record) is model} for folder, model in folders.items()}
    for where in sorted(unloaded):
        file = root / where
        model = MODEL_BY_FOLDER.get(file.parent.name)
        if model is None or file.suffix != RECORD_SUFFIX or file.parent.parent != root / "records":
            continue
        try:
            within(root, where)
            document = load_document(read_capped(file))
        except (PathError, YamlError, OSError):
            continue  # its own problem says why it cannot be read
        for path, table, target in raw_references(model, document.data):
            if not re.match(ID_PATTERN, target) or target in ids[table] or f"records/{table}/{target}.yaml" in unloaded:
                continue  # a malformed id is the schema's problem; an existing one is fine
            close = difflib.get_close_matches(target, sorted(ids[table]), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; add records/{table}/{target}.yaml or fix the id"
            kind = folders[table].record_kind.value
            yield Problem(
                where, document.line_of(path), field_name(path), f"{target!r} is not {with_article(kind)} id{hint}"
            )
        for path, source_id, quote in raw_citations(document.data):
            if (where, field_name((*path, "quote"))) in flagged or source_id not in evidence.checkers:
                continue
            message = evidence.quote_problem(source_id, quote)
            if message:
                yield Problem(where, document.line_of((*path, "quote")), field_name((*path, "quote")), message)
