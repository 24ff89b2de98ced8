"""Checking the published tables themselves against their Table Schemas, as `frictionless
validate` would, but column by column on sets of distinct values (8x faster at 100,000
records, more on smaller packages).

What is checked, for every resource of ``datapackage.json``: its bytes and hash, the header,
the number of cells in each row, required cells, types (integer, number, boolean, date),
enums, patterns, unique primary keys and resolving foreign keys. A problem's ``line`` is the
row number in the CSV (the header is row 1), which is the line unless a cell spans lines.
"""

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from minsec.problems import Problem

#: How many rows are named for one kind of problem in one column; the rest are counted.
MAX_ROWS_NAMED = 20

_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Table Schema's default true and false values.
_BOOLEANS = frozenset({"true", "True", "TRUE", "1", "false", "False", "FALSE", "0"})


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value and "_" not in value


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_TYPE_CHECKS: dict[str, Callable[[str], bool]] = {
    "integer": lambda v: bool(_INTEGER.fullmatch(v)),
    "number": _is_number,
    "boolean": lambda v: v in _BOOLEANS,
    "date": _is_date,
}


class _Table:
    """One resource's rows, read once, and its columns."""

    def __init__(self, path: str, resource: dict, text: str) -> None:
        self.path = path
        self.schema = resource.get("schema", {})
        self.names = [f["name"] for f in self.schema.get("fields", [])]
        rows = csv.reader(io.StringIO(text, newline=""))
        self.header = next(rows, [])
        width = len(self.names)
        #: Rows whose number of cells is not the header's: (row number, cells).
        self.misshapen: list[tuple[int, int]] = []
        whole = list(rows)
        count = len(whole)
        self.row_numbers: Sequence[int] = range(2, count + 2)
        if set(map(len, whole)) - {width}:
            self.misshapen = [(n, len(r)) for n, r in enumerate(whole, start=2) if len(r) != width]
            self.row_numbers = [n for n, r in enumerate(whole, start=2) if len(r) == width]
            whole = [r for r in whole if len(r) == width]
        self.columns = [list(c) for c in zip(*whole, strict=True)] or [[] for _ in self.names]
        del whole
        self.missing = set(self.schema.get("missingValues", [""]))

    def keep(self, names: set[str]) -> None:
        """Forget every column but ``names``."""
        self.columns = [c if n in names else [] for n, c in zip(self.names, self.columns, strict=True)]

    def column(self, name: str) -> list[str]:
        return self.columns[self.names.index(name)]

    def keys(self, names: list[str]) -> list[tuple[str, ...]]:
        return list(zip(*(self.column(n) for n in names), strict=True)) if names else []


def _problems_at(
    table: _Table, values: list, bad: set, field: str, message: Callable[[object], str]
) -> Iterator[Problem]:
    """A problem for each row whose value is in ``bad`` (the first few named, the rest counted)."""
    if not bad:
        return
    rows = [i for i, v in enumerate(values) if v in bad]
    for i in rows[:MAX_ROWS_NAMED]:
        yield Problem(table.path, table.row_numbers[i], field, message(values[i]))
    if len(rows) > MAX_ROWS_NAMED:
        yield Problem(
            table.path,
            table.row_numbers[rows[MAX_ROWS_NAMED]],
            field,
            f"and {len(rows) - MAX_ROWS_NAMED} more rows like these",
        )


def _check_fields(table: _Table) -> Iterator[Problem]:
    for field in table.schema.get("fields", []):
        name = field["name"]
        values = table.column(name)
        distinct = set(values)
        constraints = field.get("constraints", {})
        present = distinct - table.missing
        if constraints.get("required") and distinct & table.missing:
            yield from _problems_at(table, values, distinct & table.missing, name, lambda v: "required but empty")
        check = _TYPE_CHECKS.get(field.get("type", "string"))
        if check is not None:
            wrong = {v for v in present if not check(v)}
            kind = field["type"]
            yield from _problems_at(table, values, wrong, name, lambda v, k=kind: f"{v!r} is not a valid {k}")
            present -= wrong
        enum = constraints.get("enum")
        if enum is not None:
            outside = present - set(map(str, enum))
            yield from _problems_at(table, values, outside, name, lambda v: f"{v!r} is not one of the allowed values")
        pattern = constraints.get("pattern")
        if pattern is not None:
            regex = re.compile(pattern)
            unmatched = {v for v in present if not regex.fullmatch(v)}
            yield from _problems_at(
                table, values, unmatched, name, lambda v, p=pattern: f"{v!r} does not match the pattern {p}"
            )


def _key(values: tuple) -> str:
    return repr(values[0]) if len(values) == 1 else repr(values)


def _check_primary_key(table: _Table) -> Iterator[Problem]:
    names = table.schema.get("primaryKey") or []
    names = [names] if isinstance(names, str) else list(names)
    if not names or any(n not in table.names for n in names):
        return
    keys = table.keys(names)
    label = ", ".join(names)
    unique = len(set(keys)) == len(keys)
    duplicated = set() if unique else {k for k, count in Counter(keys).items() if count > 1}
    yield from _problems_at(table, keys, duplicated, label, lambda k: f"primary key {_key(k)} is not unique")
    has_empty = any(table.missing & set(table.column(n)) for n in names)
    empty = {k for k in set(keys) if any(v in table.missing for v in k)} if has_empty else set()
    yield from _problems_at(
        table, keys, empty - duplicated, label, lambda k: f"primary key {_key(k)} has an empty part"
    )


def _check_foreign_keys(table: _Table, tables: dict[str, _Table]) -> Iterator[Problem]:
    for key in table.schema.get("foreignKeys", []):
        names = [key["fields"]] if isinstance(key["fields"], str) else list(key["fields"])
        reference = key.get("reference", {})
        target_names = reference.get("fields", [])
        target_names = [target_names] if isinstance(target_names, str) else list(target_names)
        target = tables.get(reference["resource"]) if reference.get("resource") else table
        label = ", ".join(names)
        if (
            target is None
            or any(n not in target.names for n in target_names)
            or any(n not in table.names for n in names)
        ):
            yield Problem(
                table.path,
                1,
                label,
                f"foreign key to {reference.get('resource')!r} cannot be checked: no such table or field",
            )
            continue
        if len(names) == 1 and len(target_names) == 1:  # compare the strings, not 1-tuples of them
            outside = set(table.column(names[0])) - set(target.column(target_names[0])) - table.missing
            if not outside:
                continue
        values = table.keys(names)
        known = set(target.keys(target_names))
        dangling = {k for k in set(values) - known if not all(v in table.missing for v in k)}
        where = f"{reference.get('resource') or table.path}.{', '.join(target_names)}"
        yield from _problems_at(table, values, dangling, label, lambda k, w=where: f"{_key(k)} is not in {w}")


def check_package(folder: Path) -> list[Problem]:
    """Every problem of the tables of the Data Package in ``folder`` (holding datapackage.json)."""
    enabled = gc.isenabled()
    gc.disable()  # millions of cells and no cycles: the collector would only walk them again and again
    try:
        return _check_package(folder)
    finally:
        if enabled:
            gc.enable()


def _check_package(folder: Path) -> list[Problem]:
    try:
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{folder / 'datapackage.json'}: cannot be read as JSON ({error})") from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources", []), list):
        raise ValueError(f"{folder / 'datapackage.json'}: not a Data Package descriptor")
    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    keys: dict[str, set[str]] = {}  # the columns each table's foreign keys, or others', use
    for resource in descriptor.get("resources", []):
        for key in resource.get("schema", {}).get("foreignKeys", []):
            fields, reference = key.get("fields", []), key.get("reference", {})
            keys.setdefault(resource.get("name", ""), set()).update([fields] if isinstance(fields, str) else fields)
            target, target_fields = reference.get("resource") or resource.get("name", ""), reference.get("fields", [])
            keys.setdefault(target, set()).update([target_fields] if isinstance(target_fields, str) else target_fields)
    for resource in descriptor.get("resources", []):
        path = resource.get("path", "")
        if not isinstance(path, str) or not path or Path(path).is_absolute() or ".." in Path(path).parts:
            problems.append(Problem(str(path), 1, "", "resource path must be relative, inside the package"))
            continue
        try:
            raw = (folder / path).read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(path, 1, "", f"cannot be read as UTF-8 text ({error})"))
            continue
        if "bytes" in resource and resource["bytes"] != len(raw):
            problems.append(Problem(path, 1, "", f"is {len(raw)} bytes; datapackage.json says {resource['bytes']}"))
        if "hash" in resource:
            digest = "sha256:" + hashlib.sha256(raw).hexdigest()
            if resource["hash"] != digest:
                problems.append(Problem(path, 1, "", f"has hash {digest}; datapackage.json says {resource['hash']}"))
        table = _Table(path, resource, text)
        if table.header != table.names:
            problems.append(Problem(path, 1, "", f"header {table.header} is not the schema's fields {table.names}"))
            continue
        width = len(table.names)
        problems.extend(
            Problem(path, n, "", f"has {cells} cells; the header has {width}") for n, cells in table.misshapen
        )
        problems.extend(_check_fields(table))
        problems.extend(_check_primary_key(table))
        name = resource.get("name", path)
        table.keep(keys.get(name, set()))  # only the columns foreign keys need, from here on
        tables[name] = table
    for table in tables.values():
        problems.extend(_check_foreign_keys(table, tables))
    return problems
