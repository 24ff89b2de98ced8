"""``minsec new``: a record file with every field present and explained, ready to fill in.

The skeleton is generated from the model, so it lists exactly the fields the validator
accepts. Required fields hold a ``TODO`` that fails validation until replaced; optional
fields are present and empty, which the validator reads as "not given".
"""

import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from minsec.models import MODELS, PLACEHOLDER, Record
from minsec.record_files import RECORD_SUFFIX
from minsec.tables import vocabulary_of


def model_for(kind: str) -> type[Record]:
    """The model for ``kind``, given as ``deal`` or ``deals``; KeyError names the choices."""
    for model in MODELS:
        if kind in (model.record_kind.value, model.folder):
            return model
    raise KeyError(f"unknown record kind {kind!r}; choose one of {', '.join(m.record_kind.value for m in MODELS)}")


def _nested_model(info: FieldInfo) -> type[BaseModel] | None:
    for arg in typing.get_args(info.annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _is_list(info: FieldInfo) -> bool:
    annotation = info.annotation
    options = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Union else (annotation,)
    return any(typing.get_origin(a) is list for a in options)


def _comment(name: str, info: FieldInfo, model: type[BaseModel]) -> str:
    required = info.is_required() or any(getattr(m, "min_length", 0) for m in info.metadata)
    parts = ["required" if required else "optional"]
    if _nested_model(info) is not None:
        parts.append("one item per entry; copy the item for more" + ("" if required else ", delete it for none"))
    vocabulary = vocabulary_of(info.annotation)
    if vocabulary is not None:
        parts.append("one of " + ", ".join(vocabulary.values()))
    if name.endswith("_precision"):
        parts.append(f"derived from {name.removesuffix('_precision')}; leave empty")
    date_fields = getattr(model, "date_fields", ())
    if name in date_fields:
        parts.append("2025, 2025-03 or 2025-03-09; leave empty when the sources give no date")
    return f"# {name} ({'; '.join(parts)}): {info.description or ''}".rstrip()


def _lines(model: type[BaseModel], record_id: str | None, indent: str) -> list[str]:
    lines: list[str] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        lines.append(indent + _comment(key, info, model))
        nested = _nested_model(info)
        if key == "id" and record_id is not None:
            lines.append(f"{indent}id: {record_id}")
        elif nested is not None:
            item = _lines(nested, None, indent + "  ")
            first = item.index(next(line for line in item if not line.lstrip().startswith("#")))
            item[first] = indent + "- " + item[first][len(indent) + 2 :]
            lines.append(f"{indent}{key}:")
            lines.extend(item)
        elif _is_list(info):
            lines.append(f"{indent}{key}: []")
        elif info.is_required():
            lines.append(f"{indent}{key}: {PLACEHOLDER}")
        elif isinstance(info.default, bool):
            lines.append(f"{indent}{key}: {str(info.default).lower()}")
        elif isinstance(info.default, str):
            lines.append(f"{indent}{key}: {info.default}")
        else:
            lines.append(f"{indent}{key}:")
    return lines


def skeleton(model: type[Record], record_id: str) -> str:
    """The text of a new record file of ``model``'s kind."""
    kind = model.record_kind.value
    header = [
        f"# yaml-language-server: $schema=../../schemas/records/{kind}.schema.json",
        f"# A new {kind} record: {(model.__doc__ or '').strip()}",
        f"# Replace every {PLACEHOLDER}, fill what the sources support, leave the rest empty,",
        "# then run `minsec validate`. CODEBOOK.md explains every field and allowed value.",
    ]
    return "\n".join(header + _lines(model, record_id, "")) + "\n"


def new_record_path(root: Path, model: type[Record], record_id: str) -> Path:
    return root / "records" / model.folder / f"{record_id}{RECORD_SUFFIX}"
