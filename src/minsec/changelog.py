"""The CHANGELOG.md section of a version, written from the diff against the previous release.

Keep a Changelog headings (Added, Changed, Removed); under each, schema changes come first,
then per table the number of rows and their ids: added, corrected, withdrawn or removed.
"""

from minsec.diff import Diff, SchemaChange, TableDiff, key_text, read_rows
from minsec.package_files import PackageFiles

_ADDED_KINDS = {"table_added", "column_added", "enum_values_added"}
_REMOVED_KINDS = {"table_removed", "column_removed", "enum_values_removed", "foreign_key_removed"}


def heading(version: str, date: str) -> str:
    return f"## [{version}] - {date}"


def _schema_line(change: SchemaChange) -> str:
    text = change.message[0].upper() + change.message[1:]
    return f"- **Breaking:** {text}." if change.breaking else f"- {text}."


def _ids(keys: list[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def _rows(count: int, what: str) -> str:
    return f"{count} {what}{'s' * (count != 1)}"


def _table_lines(table: TableDiff) -> dict[str, list[str]]:
    """This table's lines under each heading."""
    noun = "record" if table.primary_key == ("id",) else "row"
    lines: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
    name = f"`{table.name}`"
    if table.added:
        keys = [key_text(k) for k in table.added]
        lines["Added"].append(f"- {name}: {_rows(len(keys), noun)} added: {_ids(keys)}.")
    if table.corrected:
        parts = [f"`{key_text(c.key)}` ({', '.join(v.column for v in c.values)})" for c in table.corrected]
        lines["Changed"].append(f"- {name}: {_rows(len(parts), noun)} corrected: {', '.join(parts)}.")
    if table.note:
        lines["Changed"].append(f"- {name}: {table.note}.")
    if table.withdrawn:
        keys = [key_text(c.key) for c in table.withdrawn]
        lines["Removed"].append(
            f"- **Breaking:** {name}: {_rows(len(keys), noun)} withdrawn (rows kept, `withdrawn` true): {_ids(keys)}."
        )
    if table.removed:
        keys = [key_text(k) for k in table.removed]
        lines["Removed"].append(f"- **Breaking:** {name}: {_rows(len(keys), noun)} removed: {_ids(keys)}.")
    return lines


def _summary(diff: Diff) -> str:
    added = sum(len(t.added) for t in diff.tables)
    corrected = sum(len(t.corrected) for t in diff.tables)
    withdrawn = sum(len(t.withdrawn) for t in diff.tables)
    removed = sum(len(t.removed) for t in diff.tables)
    breaking = sum(c.breaking for c in diff.schema)
    since = diff.old.version or diff.old.label
    return (
        f"Compared with {since}: {len(diff.schema)} schema change{'s' * (len(diff.schema) != 1)} "
        f"({breaking} breaking); rows {added} added, {corrected} corrected, {withdrawn} withdrawn, "
        f"{removed} removed. Required version bump: {diff.required.label}."
    )


def section(version: str, date: str, diff: Diff) -> str:
    """The changelog section of ``version``: what changed since the release ``diff.old``."""
    blocks: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
    for change in diff.schema:
        where = "Added" if change.kind in _ADDED_KINDS else "Removed" if change.kind in _REMOVED_KINDS else "Changed"
        blocks[where].append(_schema_line(change))
    for table in diff.tables:
        for where, lines in _table_lines(table).items():
            blocks[where].extend(lines)
    out = [heading(version, date), "", _summary(diff)]
    for where, lines in blocks.items():
        if lines:
            out += ["", f"### {where}", *lines]
    if not diff.changed:
        out += ["", "No changes to the data or its schema."]
    return "\n".join(out) + "\n"


def first_section(version: str, date: str, package: PackageFiles) -> str:
    """The changelog section of the first release: every table and its row count."""
    counts = {name: len(read_rows(raw)[1]) for name, raw in package.tables.items()}
    tables = ", ".join(f"`{name}` ({rows})" for name, rows in counts.items())
    total = sum(counts.values())
    return f"{heading(version, date)}\n\n### Added\n- First release: {len(counts)} tables, {total} rows: {tables}.\n"
