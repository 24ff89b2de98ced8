"""What changed between two versions of the Data Package, and the version bump it requires.

Schemas and tables are compared as data (no pandas, no frictionless): rows are matched by
the table's primary key (composite where the table's is), and values compared as the CSV
text, so that nothing a reader sees can change unreported.

The rule behind every classification: a change after which something valid under the old
schema is no longer valid, or something a user could rely on is gone, is breaking (MAJOR);
an addition or loosening is MINOR; a correction of values or descriptions is PATCH.
Withdrawing a record (``withdrawn`` false -> true) or removing a row breaks joins: MAJOR.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from minsec.package_files import PackageFiles
from minsec.versioning import Bump

#: Package properties that change with every release or with the data, not with its meaning.
_VOLATILE_PACKAGE_KEYS = {"version", "created", "resources"}
#: Resource properties that describe the file's bytes; the rows themselves are compared instead.
_DATA_RESOURCE_KEYS = {"name", "bytes", "hash", "schema"}
_DESCRIPTIVE_KEYS = {"description", "title"}
_TYPE_ANY_VALUE_FITS = "string"
WITHDRAWN = "withdrawn"

Key = tuple[str, ...]


@dataclass(frozen=True)
class SchemaChange:
    """One change of the package's structure; ``kind`` is a stable name for bots."""

    kind: str
    bump: Bump
    message: str
    table: str | None = None
    column: str | None = None
    old: object = None
    new: object = None

    @property
    def breaking(self) -> bool:
        return self.bump is Bump.MAJOR


@dataclass(frozen=True)
class ValueChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    """An existing row whose values changed; ``withdrawn`` if its ``withdrawn`` went false -> true."""

    key: Key
    values: tuple[ValueChange, ...]
    withdrawn: bool = False


@dataclass(frozen=True)
class TableDiff:
    """The rows of one table present in both versions: added, removed and changed, by key."""

    name: str
    primary_key: tuple[str, ...]
    rows_old: int
    rows_new: int
    added: tuple[Key, ...] = ()
    removed: tuple[Key, ...] = ()
    changed: tuple[RowChange, ...] = ()
    note: str | None = None

    @property
    def withdrawn(self) -> tuple[RowChange, ...]:
        return tuple(c for c in self.changed if c.withdrawn)

    @property
    def corrected(self) -> tuple[RowChange, ...]:
        return tuple(c for c in self.changed if not c.withdrawn)

    @property
    def bump(self) -> Bump:
        if self.removed or self.withdrawn:
            return Bump.MAJOR
        if self.added:
            return Bump.MINOR
        return Bump.PATCH if self.changed or self.note else Bump.NONE


@dataclass(frozen=True)
class Diff:
    old: PackageFiles = field(repr=False)
    new: PackageFiles = field(repr=False)
    schema: tuple[SchemaChange, ...]
    tables: tuple[TableDiff, ...]

    @property
    def required(self) -> Bump:
        """The smallest version bump that these changes require."""
        return max([Bump.NONE, *(c.bump for c in self.schema), *(t.bump for t in self.tables)])

    @property
    def changed(self) -> bool:
        return self.required is not Bump.NONE


def key_text(key: Key) -> str:
    """A row's key for people: the id, or the parts of a composite key joined by ``/``."""
    return "/".join(key)


# --- schemas ------------------------------------------------------------------------------------


def _by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


def _changed_keys(old: dict, new: dict, skip: set[str]) -> Iterator[str]:
    for key in sorted((set(old) | set(new)) - skip):
        if old.get(key) != new.get(key):
            yield key


def _field_changes(table: str, old: dict, new: dict) -> Iterator[SchemaChange]:
    name = new["name"]
    where = {"table": table, "column": name}
    if old["type"] != new["type"]:
        # Only a change to string keeps every old value valid; any other type change (even
        # integer -> number, which alters parsed values) is treated as narrowing: breaking.
        widening = new["type"] == _TYPE_ANY_VALUE_FITS
        yield SchemaChange(
            "type_changed",
            Bump.MINOR if widening else Bump.MAJOR,
            f"column {table}.{name}: type {old['type']} -> {new['type']}",
            old=old["type"],
            new=new["type"],
            **where,
        )
    old_c, new_c = old.get("constraints", {}), new.get("constraints", {})
    if "enum" in old_c and "enum" in new_c:
        removed = [v for v in old_c["enum"] if v not in new_c["enum"]]
        added = [v for v in new_c["enum"] if v not in old_c["enum"]]
        if removed:
            text = ", ".join(map(str, removed))
            yield SchemaChange(
                "enum_values_removed",
                Bump.MAJOR,
                f"column {table}.{name}: values removed: {text}",
                old=removed,
                **where,
            )
        if added:
            text = ", ".join(map(str, added))
            yield SchemaChange(
                "enum_values_added", Bump.MINOR, f"column {table}.{name}: values added: {text}", new=added, **where
            )
    if old_c.get("required", False) != new_c.get("required", False):
        now = bool(new_c.get("required"))
        yield SchemaChange(
            "required_added" if now else "required_removed",
            Bump.MAJOR if now else Bump.MINOR,
            f"column {table}.{name}: {'now required' if now else 'no longer required'}",
            old=not now,
            new=now,
            **where,
        )
    for key in _changed_keys(old_c, new_c, {"required"} | ({"enum"} if "enum" in old_c and "enum" in new_c else set())):
        gone = key not in new_c
        yield SchemaChange(
            "constraint_removed" if gone else ("constraint_added" if key not in old_c else "constraint_changed"),
            Bump.MINOR if gone else Bump.MAJOR,
            f"column {table}.{name}: constraint {key} {'removed' if gone else 'now ' + repr(new_c[key])}",
            old=old_c.get(key),
            new=new_c.get(key),
            **where,
        )
    if old.get("description") != new.get("description"):
        yield SchemaChange(
            "description_changed",
            Bump.PATCH,
            f"column {table}.{name}: description changed",
            old=old.get("description"),
            new=new.get("description"),
            **where,
        )
    for key in _changed_keys(old, new, {"name", "type", "constraints", "description"}):
        yield SchemaChange(
            "column_property_changed",
            Bump.MAJOR,
            f"column {table}.{name}: {key} {old.get(key)!r} -> {new.get(key)!r}",
            old=old.get(key),
            new=new.get(key),
            **where,
        )


def _foreign_keys(schema: dict) -> dict[str, dict]:
    return {",".join(fk["fields"]): fk["reference"] for fk in schema.get("foreignKeys", [])}


def _table_schema_changes(table: str, old: dict, new: dict) -> Iterator[SchemaChange]:
    old_fields, new_fields = _by_name(old.get("fields", [])), _by_name(new.get("fields", []))
    for name in old_fields:
        if name not in new_fields:
            yield SchemaChange(
                "column_removed", Bump.MAJOR, f"column {table}.{name} removed (or renamed)", table=table, column=name
            )
    for name in new_fields:
        if name not in old_fields:
            yield SchemaChange("column_added", Bump.MINOR, f"column {table}.{name} added", table=table, column=name)
    common_old = [n for n in old_fields if n in new_fields]
    common_new = [n for n in new_fields if n in old_fields]
    if common_old != common_new:
        yield SchemaChange(
            "columns_reordered",
            Bump.MINOR,
            f"table {table}: columns reordered",
            table=table,
            old=common_old,
            new=common_new,
        )
    for name in common_new:
        yield from _field_changes(table, old_fields[name], new_fields[name])
    if old.get("primaryKey") != new.get("primaryKey"):
        yield SchemaChange(
            "primary_key_changed",
            Bump.MAJOR,
            f"table {table}: primary key {old.get('primaryKey')} -> {new.get('primaryKey')}",
            table=table,
            old=old.get("primaryKey"),
            new=new.get("primaryKey"),
        )
    old_fk, new_fk = _foreign_keys(old), _foreign_keys(new)
    for columns in sorted(set(old_fk) | set(new_fk)):
        if old_fk.get(columns) == new_fk.get(columns):
            continue
        if columns not in new_fk and not set(columns.split(",")) <= set(new_fields):
            continue  # gone with its column(s), reported above
        if columns not in old_fk and not set(columns.split(",")) <= set(old_fields):
            continue  # came with a new column
        gone = columns not in new_fk
        yield SchemaChange(
            "foreign_key_removed" if gone else "foreign_key_added" if columns not in old_fk else "foreign_key_changed",
            Bump.MINOR if gone else Bump.MAJOR,
            f"table {table}: foreign key ({columns}) {'removed' if gone else '-> ' + str(new_fk[columns]['resource'])}",
            table=table,
            column=columns,
            old=old_fk.get(columns),
            new=new_fk.get(columns),
        )
    for key in _changed_keys(old, new, {"fields", "primaryKey", "foreignKeys"}):
        yield SchemaChange(
            "schema_property_changed",
            Bump.MAJOR,
            f"table {table}: schema {key} {old.get(key)!r} -> {new.get(key)!r}",
            table=table,
            old=old.get(key),
            new=new.get(key),
        )


def schema_changes(old: dict, new: dict) -> list[SchemaChange]:
    """Every structural change between two ``datapackage.json`` descriptors."""
    changes: list[SchemaChange] = []
    for key in _changed_keys(old, new, _VOLATILE_PACKAGE_KEYS):
        changes.append(
            SchemaChange(
                "package_metadata_changed", Bump.PATCH, f"package {key} changed", old=old.get(key), new=new.get(key)
            )
        )
    old_res, new_res = _by_name(old["resources"]), _by_name(new["resources"])
    for name in old_res:
        if name not in new_res:
            changes.append(SchemaChange("table_removed", Bump.MAJOR, f"table {name} removed (or renamed)", table=name))
    for name in new_res:
        if name not in old_res:
            changes.append(SchemaChange("table_added", Bump.MINOR, f"table {name} added", table=name))
    for name in new_res:
        if name not in old_res:
            continue
        before, after = old_res[name], new_res[name]
        for key in _changed_keys(before, after, _DATA_RESOURCE_KEYS):
            descriptive = key in _DESCRIPTIVE_KEYS
            changes.append(
                SchemaChange(
                    "table_description_changed" if descriptive else "table_property_changed",
                    Bump.PATCH if descriptive else Bump.MAJOR,
                    f"table {name}: {key} changed"
                    + ("" if descriptive else f": {before.get(key)!r} -> {after.get(key)!r}"),
                    table=name,
                    old=before.get(key),
                    new=after.get(key),
                )
            )
        changes.extend(_table_schema_changes(name, before.get("schema", {}), after.get("schema", {})))
    return changes


# --- rows ---------------------------------------------------------------------------------------


#: Rows of one table a diff reads (the dataset has hundreds); more is not a minsec table.
MAX_ROWS = 50_000
#: Characters of one cell (the csv module's default limit, which other libraries raise).
MAX_CELL = 128 * 1024


def read_rows(raw: bytes, where: str = "table") -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV file, every value as its text; ValueError with a message
    for text that is not UTF-8, a cell over 128 KiB or too many rows."""
    try:
        reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        header = next(reader, [])
        rows = []
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise ValueError(f"{where}: over {MAX_ROWS} rows, minsec's cap for a table")
            if any(len(cell) > MAX_CELL for cell in row):
                raise ValueError(f"{where}: not a readable CSV file (a cell is over {MAX_CELL} characters)")
            rows.append(dict(zip(header, row, strict=False)))
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not UTF-8 (byte {error.start})") from None
    except csv.Error as error:
        raise ValueError(f"{where}: not a readable CSV file ({error})") from None
    return header, rows


def _keyed(rows: list[dict[str, str]], key: list[str], where: str) -> dict[Key, dict[str, str]]:
    keyed: dict[Key, dict[str, str]] = {}
    for row in rows:
        k = tuple(row.get(c, "") for c in key)
        if k in keyed:
            raise ValueError(f"{where}: primary key {key_text(k)} occurs twice")
        keyed[k] = row
    return keyed


def _comparable_key(old: dict, new: dict, old_header: list[str], new_header: list[str]) -> list[str] | None:
    """The primary key rows are matched by: the old one if both files have its columns, else the new one."""
    for key in (old.get("primaryKey"), new.get("primaryKey")):
        if key and set(key) <= set(old_header) and set(key) <= set(new_header):
            return list(key)
    return None


def table_diff(name: str, old: PackageFiles, new: PackageFiles) -> TableDiff:
    """Rows of ``name`` added, removed and changed, comparing only columns both versions have."""
    old_header, old_rows = read_rows(old.tables[name], f"{old.label}: table {name!r}")
    new_header, new_rows = read_rows(new.tables[name], f"{new.label}: table {name!r}")
    old_schema, new_schema = old.resource(name).get("schema", {}), new.resource(name).get("schema", {})
    key = _comparable_key(old_schema, new_schema, old_header, new_header)
    counts = {"rows_old": len(old_rows), "rows_new": len(new_rows)}
    if key is None:
        note = None if old.tables[name] == new.tables[name] else "rows not compared: no primary key in both versions"
        return TableDiff(name, (), note=note, **counts)
    before = _keyed(old_rows, key, f"{old.label}: {name}")
    after = _keyed(new_rows, key, f"{new.label}: {name}")
    columns = [c for c in new_header if c in old_header]
    changed = []
    for k in sorted(before.keys() & after.keys()):
        values = tuple(
            ValueChange(c, before[k].get(c, ""), after[k].get(c, ""))
            for c in columns
            if before[k].get(c, "") != after[k].get(c, "")
        )
        if values:
            withdrawn = before[k].get(WITHDRAWN) != "true" and after[k].get(WITHDRAWN) == "true"
            changed.append(RowChange(k, values, withdrawn and WITHDRAWN in columns))
    return TableDiff(
        name,
        tuple(key),
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(changed),
        **counts,
    )


def diff(old: PackageFiles, new: PackageFiles) -> Diff:
    """Everything that changed from ``old`` to ``new``: schema changes and, per table kept, rows."""
    new_names = {r["name"] for r in new.descriptor["resources"]}
    tables = [table_diff(r["name"], old, new) for r in old.descriptor["resources"] if r["name"] in new_names]
    return Diff(old, new, tuple(schema_changes(old.descriptor, new.descriptor)), tuple(t for t in tables if t.bump))
