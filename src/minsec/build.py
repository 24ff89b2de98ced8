"""Building the published files from valid records: in memory first, then one atomic swap.

Everything generated (``datapackage/``, ``schemas/``, ``CODEBOOK.md``) is rendered to bytes
before anything touches the disk, so ``--check`` compares exactly what a build would
write, and a failed or interrupted build leaves the previous files whole.
"""

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from minsec.codebook import codebook
from minsec.derive import deal_status
from minsec.models import MODELS, Deal, Event, Record
from minsec.package import descriptor, table_schema
from minsec.records import Dataset
from minsec.schemas import record_schema
from minsec.tables import Row, tables
from minsec.vocabularies import PLOVER_BY_EVENT_TYPE, EventType

#: Folders that a build owns entirely, and single files it owns.
GENERATED_DIRS = ("datapackage", "schemas")
GENERATED_FILES = ("CODEBOOK.md",)


def dump_json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_csv(columns: list[str], rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _derived(dataset: Dataset, record: Record) -> dict | None:
    if isinstance(record, Deal):
        status = deal_status(dataset.of(Event), record.id)  # type: ignore[arg-type]
        return {
            "status": status.status.value if status else None,
            "status_date": status.date if status else None,
            "status_date_precision": status.date_precision.value if status else None,
        }
    if isinstance(record, Event):
        return {"plover_type": record.plover_type.value if record.plover_type else None}
    return None


def record_json(dataset: Dataset, model: type[Record]) -> list[dict]:
    """The records of one kind as written, plus a ``derived`` object where the build adds values."""
    out = []
    for record in sorted(dataset.of(model), key=lambda r: r.id):
        data = record.model_dump(mode="json", by_alias=True)
        derived = _derived(dataset, record)
        out.append({**data, "derived": derived} if derived is not None else data)
    return out


def render(dataset: Dataset) -> dict[str, bytes]:
    """Every generated file, path relative to the repository root to its exact bytes."""
    all_tables = tables()
    files: dict[str, bytes] = {}
    csv_files = {t.name: render_csv([c.name for c in t.columns], t.rows(dataset)) for t in all_tables}
    for name, content in csv_files.items():
        files[f"datapackage/data/{name}.csv"] = content
    for model in MODELS:
        files[f"datapackage/json/{model.folder}.json"] = dump_json(record_json(dataset, model))
        files[f"schemas/records/{model.record_kind.value}.schema.json"] = dump_json(record_schema(model))
    for table in all_tables:
        files[f"schemas/tables/{table.name}.schema.json"] = dump_json(table_schema(table))
    files["datapackage/datapackage.json"] = dump_json(descriptor(dataset, csv_files, all_tables))
    plover = {t.value: (PLOVER_BY_EVENT_TYPE[t].value if t in PLOVER_BY_EVENT_TYPE else None) for t in EventType}
    files["CODEBOOK.md"] = codebook(all_tables, plover).encode("utf-8")
    return dict(sorted(files.items()))


def _on_disk(root: Path) -> dict[str, bytes]:
    found = {}
    for folder in GENERATED_DIRS:
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    found[path.relative_to(root).as_posix()] = path.read_bytes()
    for name in GENERATED_FILES:
        if (root / name).is_file():
            found[name] = (root / name).read_bytes()
    return found


@dataclass(frozen=True)
class Staleness:
    """How the files on disk differ from a fresh build."""

    changed: list[str]
    missing: list[str]
    extra: list[str]

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.missing or self.extra)

    def lines(self) -> list[str]:
        return (
            [f"changed: {p}" for p in self.changed]
            + [f"missing: {p}" for p in self.missing]
            + [f"not generated (remove it): {p}" for p in self.extra]
        )


def compare(root: Path, files: Mapping[str, bytes]) -> Staleness:
    disk = _on_disk(root)
    return Staleness(
        changed=sorted(p for p in files if p in disk and disk[p] != files[p]),
        missing=sorted(p for p in files if p not in disk),
        extra=sorted(p for p in disk if p not in files),
    )


def _recover(root: Path) -> None:
    """Finish a swap that an interrupted build left half done."""
    for folder in GENERATED_DIRS:
        target = root / folder
        backups = sorted(root.glob(f"{folder}.old-*"))
        if not target.exists() and backups:
            backups[-1].rename(target)
        for leftover in [*root.glob(f"{folder}.old-*"), *root.glob(f"{folder}.tmp-*")]:
            shutil.rmtree(leftover, ignore_errors=True)


def _swap_dir(root: Path, folder: str, files: Mapping[str, bytes]) -> None:
    """Write ``files`` under a temporary folder, then rename it over ``root/folder``."""
    staging = Path(tempfile.mkdtemp(prefix=f"{folder}.tmp-", dir=root))
    for relative, content in files.items():
        path = staging / relative.removeprefix(f"{folder}/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    target = root / folder
    if target.exists():
        backup = root / f"{folder}.old-{os.getpid()}"
        target.rename(backup)
        staging.rename(target)
        shutil.rmtree(backup)
    else:
        staging.rename(target)


def _replace_file(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, path)


def write(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Replace the generated files under ``root`` with ``files``; returns what changed."""
    _recover(root)
    staleness = compare(root, files)
    touched = {p.split("/", 1)[0] for p in staleness.changed + staleness.missing + staleness.extra}
    for folder in GENERATED_DIRS:
        if folder in touched:
            _swap_dir(root, folder, {p: c for p, c in files.items() if p.startswith(f"{folder}/")})
    for name in GENERATED_FILES:
        if name in touched:
            _replace_file(root / name, files[name])
    return staleness.changed + staleness.missing + staleness.extra
