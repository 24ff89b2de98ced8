"""Checking the published tables themselves against their Table Schemas, as `frictionless
validate` would, but column by column on sets of distinct values.

What is checked, for every resource of ``datapackage.json``: its bytes and hash, the header,
the number of cells in each row, required cells, types (integer, number, boolean, date),
enums, patterns, unique primary keys and resolving foreign keys. A problem's ``line`` is the
row number in the CSV (the header is row 1), which is the line unless a cell spans lines.

Tables are read by pyarrow's CSV reader when pyarrow is installed: its cells stay in arrow
memory and only each column's distinct values become Python strings. It is used only where
it reads exactly what Python's ``csv`` module reads (no carriage return, blank line or byte
order mark, an unquoted header, every row as wide as the header: pyarrow refuses the
others); any other table, and every table without pyarrow, is read by the ``csv`` module,
which also names the misshapen rows.
"""

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

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
    """One resource's columns, read once: a Python list of cells per column (read by the
    ``csv`` module) or a pyarrow column, whose cells become Python strings only when a
    problem has to be placed. Distinct values are worked out once per column."""

    def __init__(self, path: str, resource: dict, header: list[str], columns: list, rows: int) -> None:
        self.path = path
        self.schema = resource.get("schema", {})
        self.names = [f["name"] for f in self.schema.get("fields", [])]
        self.header = header
        self.columns = columns
        self.rows = rows
        self.row_numbers: Sequence[int] = range(2, rows + 2)
        #: Rows whose number of cells is not the header's: (row number, cells).
        self.misshapen: list[tuple[int, int]] = []
        self.missing = set(self.schema.get("missingValues", [""]))
        self._distinct: dict[str, set[str]] = {}
        self._unique: dict[str, Any] = {}  # pyarrow columns' distinct values, as arrow arrays

    @classmethod
    def from_text(cls, path: str, resource: dict, text: str) -> "_Table":
        """The table as Python's ``csv`` module reads it, misshapen rows set aside."""
        names = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, [])
        width = len(names)
        whole = list(rows)
        misshapen: list[tuple[int, int]] = []
        row_numbers: Sequence[int] = range(2, len(whole) + 2)
        if set(map(len, whole)) - {width}:
            misshapen = [(n, len(r)) for n, r in enumerate(whole, start=2) if len(r) != width]
            row_numbers = [n for n, r in enumerate(whole, start=2) if len(r) == width]
            whole = [r for r in whole if len(r) == width]
        columns = [list(c) for c in zip(*whole, strict=True)] or [[] for _ in names]
        table = cls(path, resource, header, columns, len(whole))
        table.misshapen, table.row_numbers = misshapen, row_numbers
        return table

    def keep(self, names: set[str]) -> None:
        """Forget every column but ``names`` (and the distinct values of the others)."""
        self.columns = [c if n in names else [] for n, c in zip(self.names, self.columns, strict=True)]
        self._distinct = {n: d for n, d in self._distinct.items() if n in names}
        self._unique = {n: d for n, d in self._unique.items() if n in names}

    def _column(self, name: str) -> Any:
        return self.columns[self.names.index(name)]

    def values(self, name: str) -> Sequence[str]:
        column = self._column(name)
        return column if isinstance(column, list) else column.to_pylist()

    def distinct(self, name: str) -> set[str]:
        if name not in self._distinct:
            column = self._column(name)
            self._distinct[name] = set(column) if isinstance(column, list) else set(self.arrow_unique(name).to_pylist())
        return self._distinct[name]

    def arrow_unique(self, name: str) -> Any:
        """A pyarrow column's distinct values, as an arrow array."""
        if name not in self._unique:
            self._unique[name] = self._column(name).unique()
        return self._unique[name]

    def present_text(self, name: str) -> tuple[str, int]:
        """The column's distinct values that are not missing, joined by line breaks, and how
        many they are: to be matched by one regular expression search, not one a value."""
        column = self._column(name)
        if isinstance(column, list) or name in self._distinct:
            present = self.distinct(name) - self.missing
            return "\n".join(present), len(present)
        import pyarrow as pa
        import pyarrow.compute as pc

        distinct = self.arrow_unique(name)
        present = distinct.filter(pc.invert(pc.is_in(distinct, value_set=pa.array(sorted(self.missing), pa.string()))))
        offsets = pa.array([0, len(present)], pa.int32())
        return pc.binary_join(pa.ListArray.from_arrays(offsets, present), "\n")[0].as_py(), len(present)

    def occurring(self, name: str, values: set[str]) -> set[str]:
        """Which of ``values`` (a few) occur in column ``name``: without its distinct values,
        which a column of long texts would make costly."""
        column = self._column(name)
        if isinstance(column, list) or name in self._distinct:
            return values & self.distinct(name)
        import pyarrow.compute as pc

        found = set()
        for value in values:
            if value == "":  # the usual one: an empty cell is a length of 0, no string compared
                if len(column) and pc.min(pc.binary_length(column)).as_py() == 0:
                    found.add(value)
            elif pc.any(pc.equal(column, value)).as_py():
                found.add(value)
        return found

    def within(self, name: str, target: "_Table", target_name: str) -> bool:
        """Whether every value of column ``name`` but the missing ones is one of the values of
        ``target``'s column ``target_name`` (False: maybe not; the caller looks closer)."""
        column, other = self._column(name), target._column(target_name)
        if isinstance(column, list) or isinstance(other, list):
            return not (self.distinct(name) - target.distinct(target_name) - self.missing)
        import pyarrow as pa
        import pyarrow.compute as pc

        known = pa.chunked_array([target.arrow_unique(target_name), pa.array(sorted(self.missing), pa.string())])
        return bool(pc.all(pc.is_in(self.arrow_unique(name), value_set=known.combine_chunks())).as_py())

    def keys(self, names: list[str]) -> list[tuple[str, ...]]:
        return list(zip(*(self.values(n) for n in names), strict=True)) if names else []

    def unique(self, names: list[str]) -> bool:
        """Whether no two rows hold the same values in the columns ``names``."""
        columns = [self._column(n) for n in names]
        if any(isinstance(c, list) for c in columns):
            return len(set(self.keys(names))) == self.rows
        if len(names) == 1 and names[0] in self._distinct:
            return len(self._distinct[names[0]]) == self.rows
        import pyarrow.compute as pc

        if len(columns) == 1:
            return len(self.arrow_unique(names[0])) == self.rows
        # Each row's key as one integer: the codes of its cells, combined column by column
        # (and coded again after each, so that the integers stay small).
        codes = None
        for column in columns:
            encoded = column.combine_chunks().dictionary_encode()
            cells = encoded.indices.to_numpy().astype("int64")
            codes = cells if codes is None else codes * len(encoded.dictionary) + cells
            codes = pc.dictionary_encode(codes).indices.to_numpy().astype("int64")
        return codes is None or int(codes.max(initial=-1)) + 1 == self.rows


#: Constructs that would let a pattern see past the line it matches in ``_all_match``.
_LOOKAROUNDS = re.compile(r"\(\?(?:=|!|<=|<!|\()")


def _all_match(pattern: str, text: str, count: int) -> bool:
    """Whether each of the ``count`` lines of ``text`` (values joined by line breaks) matches
    ``pattern`` entirely, as ``re.fullmatch`` would; False means "perhaps not".

    One search over all the values instead of one a value (100,000 ids: 60 ms, not 160):
    in multiline mode every match of ``^(?:pattern)$`` starts where a line starts, and as
    matches do not overlap, as many matches as lines means every line matched whole. A line
    break inside a value, or a lookaround (which could see the next line), or a pattern that
    does not compile embedded, answers False."""
    if count == 0:
        return True
    if text.count("\n") != count - 1 or _LOOKAROUNDS.search(pattern):
        return False
    try:
        embedded = re.compile(f"(?m:^(?:{pattern})$)")
    except re.error:
        return False
    return sum(1 for _ in embedded.finditer(text)) == count


def _arrow_columns(raw: bytes, width: int) -> "tuple[list[str], list, int] | None":
    """The header, the columns and the number of rows of a table that pyarrow reads exactly
    as the ``csv`` module would; ``None`` for any other (or without pyarrow)."""
    if width < 2 or raw.startswith(b"\xef\xbb\xbf") or b"\r" in raw or b"\n\n" in raw:
        return None  # what pyarrow reads differently: byte order marks, carriage returns, blank lines
    end = raw.find(b"\n")
    first = raw if end < 0 else raw[:end]
    if b'"' in first:
        return None
    try:
        header = first.decode("utf-8").split(",")
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except (UnicodeDecodeError, ImportError):
        return None
    if len(header) != width:
        return None
    labels = [f"c{i}" for i in range(width)]  # not the header's names, which may repeat
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(raw),
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=labels, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(labels, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, ValueError):  # a row not as wide as the header, bad UTF-8, ...
        return None
    return header, [table.column(i) for i in range(width)], table.num_rows


#: Packages of at least this many bytes of tables are read by pyarrow (when installed): below,
#: importing it (0.2 s) costs more than it saves over the ``csv`` module (30 ms a MB).
ARROW_FROM_BYTES = 12_000_000


def _read_table(path: str, resource: dict, raw: bytes, arrow: bool) -> _Table:
    """``raw`` as a table, read by pyarrow if ``arrow`` and it can vouch for the table, else by
    the ``csv`` module (which raises UnicodeDecodeError on bad UTF-8)."""
    width = len(resource.get("schema", {}).get("fields", []))
    read = _arrow_columns(raw, width) if arrow else None
    if read is not None:
        return _Table(path, resource, *read)
    return _Table.from_text(path, resource, raw.decode("utf-8"))


def _problems_at(
    table: _Table, values: "Sequence | Callable[[], Sequence]", bad: set, field: str, message: Callable[[Any], str]
) -> Iterator[Problem]:
    """A problem for each row whose value is in ``bad`` (the first few named, the rest
    counted); ``values`` (the column's or a function giving them) are read only if needed."""
    if not bad:
        return
    if callable(values):
        values = values()
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


class _Checker:
    """The checks of one package. Values a pattern or type accepted are remembered, so that
    an id referred to from many tables is matched once."""

    def __init__(self) -> None:
        self.accepted: dict[object, set[str]] = {}

    def rejected(self, values: set[str], key: object, accepts: Callable[[str], object]) -> set[str]:
        """The ``values`` that ``accepts`` refuses."""
        known = self.accepted.setdefault(key, set())
        todo = values - known
        wrong = {v for v in todo if not accepts(v)}
        known |= todo - wrong
        return wrong

    def fields(self, table: _Table) -> Iterator[Problem]:
        for field in table.schema.get("fields", []):
            name = field["name"]
            constraints = field.get("constraints", {})
            check = _TYPE_CHECKS.get(field.get("type", "string"))
            enum, pattern = constraints.get("enum"), constraints.get("pattern")
            values = partial(table.values, name)
            if check is None and enum is None:  # a string column: its empty cells, its pattern
                if constraints.get("required"):
                    empty = table.occurring(name, table.missing)
                    yield from _problems_at(table, values, empty, name, lambda v: "required but empty")
                if pattern is not None and not _all_match(pattern, *table.present_text(name)):
                    present = table.distinct(name) - table.missing
                    unmatched = self.rejected(present, ("pattern", pattern), re.compile(pattern).fullmatch)
                    yield from _problems_at(
                        table, values, unmatched, name, lambda v, p=pattern: f"{v!r} does not match the pattern {p}"
                    )
                continue
            distinct = table.distinct(name)
            present = distinct - table.missing
            if constraints.get("required") and distinct & table.missing:
                yield from _problems_at(table, values, distinct & table.missing, name, lambda v: "required but empty")
            if check is not None:
                kind = field["type"]
                wrong = self.rejected(present, ("type", kind), check)
                yield from _problems_at(table, values, wrong, name, lambda v, k=kind: f"{v!r} is not a valid {k}")
                present -= wrong
            if enum is not None:
                outside = present - set(map(str, enum))
                yield from _problems_at(
                    table, values, outside, name, lambda v: f"{v!r} is not one of the allowed values"
                )
            if pattern is not None:
                unmatched = self.rejected(present, ("pattern", pattern), re.compile(pattern).fullmatch)
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
    has_empty = any(table.occurring(n, table.missing) for n in names)
    if table.unique(names) and not has_empty:
        return
    keys = table.keys(names)
    label = ", ".join(names)
    unique = len(set(keys)) == len(keys)
    duplicated = set() if unique else {k for k, count in Counter(keys).items() if count > 1}
    yield from _problems_at(table, keys, duplicated, label, lambda k: f"primary key {_key(k)} is not unique")
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
        if len(names) == 1 and len(target_names) == 1 and table.within(names[0], target, target_names[0]):
            continue  # every value found (compared as strings, not 1-tuples of them)
        values = table.keys(names)
        known = set(target.keys(target_names))
        dangling = {k for k in set(values) - known if not all(v in table.missing for v in k)}
        where = f"{reference.get('resource') or table.path}.{', '.join(target_names)}"
        yield from _problems_at(table, values, dangling, label, lambda k, w=where: f"{_key(k)} is not in {w}")


def _tables_bytes(folder: Path, descriptor: dict) -> int:
    total = 0
    for resource in descriptor.get("resources", []):
        path = resource.get("path")
        with contextlib.suppress(OSError):  # said when the table is read
            total += (folder / path).stat().st_size if isinstance(path, str) and path else 0
    return total


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
    checker = _Checker()
    arrow = _tables_bytes(folder, descriptor) >= ARROW_FROM_BYTES
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
            table = _read_table(path, resource, raw, arrow)
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(path, 1, "", f"cannot be read as UTF-8 text ({error})"))
            continue
        if "bytes" in resource and resource["bytes"] != len(raw):
            problems.append(Problem(path, 1, "", f"is {len(raw)} bytes; datapackage.json says {resource['bytes']}"))
        if "hash" in resource:
            digest = "sha256:" + hashlib.sha256(raw).hexdigest()
            if resource["hash"] != digest:
                problems.append(Problem(path, 1, "", f"has hash {digest}; datapackage.json says {resource['hash']}"))
        del raw
        if table.header != table.names:
            problems.append(Problem(path, 1, "", f"header {table.header} is not the schema's fields {table.names}"))
            continue
        width = len(table.names)
        problems.extend(
            Problem(path, n, "", f"has {cells} cells; the header has {width}") for n, cells in table.misshapen
        )
        problems.extend(checker.fields(table))
        problems.extend(_check_primary_key(table))
        name = resource.get("name", path)
        table.keep(keys.get(name, set()))  # only the columns foreign keys need, from here on
        tables[name] = table
    for table in tables.values():
        problems.extend(_check_foreign_keys(table, tables))
    return problems
