"""A :class:`~minsec.diff.Diff` for people (text, Markdown) and for bots (JSON, stable sorted keys)."""

import json

from minsec.diff import Diff, RowChange, SchemaChange, TableDiff, key_text
from minsec.problems import one_line, safe_json
from minsec.versioning import Bump, Version, is_version, release_bump

FORMATS = ("text", "markdown", "json")


def _bump_sentence(diff: Diff) -> str:
    if not diff.changed:
        return "no changes: no version bump needed"
    why = {Bump.MAJOR: "breaking changes", Bump.MINOR: "additions", Bump.PATCH: "corrections"}[diff.required]
    sentence = f"required version bump: {diff.required.label} ({why})"
    old = diff.old.version or ""
    if is_version(old) and release_bump(diff.required, Version.parse(old)) is not diff.required:
        release = release_bump(diff.required, Version.parse(old))
        sentence += f"; while the major version is 0, a {release.label} bump (0.x policy)"
    return sentence


def _value(text: str) -> str:
    return json.dumps(text, ensure_ascii=False) if text else "(empty)"


def _change_tag(change: SchemaChange) -> str:
    return "breaking" if change.breaking else change.bump.label


def _counts(table: TableDiff) -> str:
    parts = [
        f"{len(table.added)} added",
        f"{len(table.removed)} removed",
        f"{len(table.withdrawn)} withdrawn",
        f"{len(table.corrected)} changed",
    ]
    return ", ".join(parts) + f" (rows {table.rows_old} -> {table.rows_new})"


def _row_lines(change: RowChange, indent: str) -> list[str]:
    head = f"{indent}{'withdrawn' if change.withdrawn else 'changed'} {key_text(change.key)}"
    return [head] + [f"{indent}    {v.column}: {_value(v.old)} -> {_value(v.new)}" for v in change.values]


def text(diff: Diff) -> str:
    lines = [f"minsec diff: {diff.old.label} ({diff.old.version}) -> {diff.new.label} ({diff.new.version})"]
    lines.append(_bump_sentence(diff))
    if diff.schema:
        lines += ["", "schema changes:"]
        lines += [f"  [{_change_tag(c)}] {c.message}" for c in diff.schema]
    if diff.tables:
        lines += ["", "records:"]
    for table in diff.tables:
        lines.append(f"  {table.name}: {_counts(table)}")
        if table.note:
            lines.append(f"    {table.note}")
        lines += [f"    added {key_text(k)}" for k in table.added]
        lines += [f"    removed {key_text(k)}" for k in table.removed]
        for change in table.changed:
            lines += _row_lines(change, "    ")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(diff: Diff) -> str:
    lines = [f"# minsec diff: {diff.old.label} ({diff.old.version}) -> {diff.new.label} ({diff.new.version})", ""]
    lines += [f"**{_bump_sentence(diff).capitalize()}.**", ""]
    if diff.schema:
        lines += ["## Schema changes", "", "| change | kind | what |", "| --- | --- | --- |"]
        lines += [f"| {_change_tag(c)} | `{c.kind}` | {_md(c.message)} |" for c in diff.schema]
        lines.append("")
    if diff.tables:
        lines += [
            "## Records",
            "",
            "| table | added | removed | withdrawn | changed | rows |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for t in diff.tables:
            counts = [len(t.added), len(t.removed), len(t.withdrawn), len(t.corrected)]
            lines.append(f"| `{t.name}` | {' | '.join(map(str, counts))} | {t.rows_old} -> {t.rows_new} |")
        lines.append("")
    for t in diff.tables:
        lines += [f"### `{t.name}`", ""]
        if t.note:
            lines += [t.note, ""]
        lines += [f"- added `{key_text(k)}`" for k in t.added]
        lines += [f"- removed `{key_text(k)}`" for k in t.removed]
        for change in t.changed:
            verb = "withdrawn" if change.withdrawn else "changed"
            lines.append(f"- {verb} `{key_text(change.key)}`")
            lines += [f"  - `{v.column}`: {_md(_value(v.old))} -> {_md(_value(v.new))}" for v in change.values]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def as_dict(diff: Diff) -> dict:
    """The diff as plain data; keys are a stable interface."""
    return {
        "old": {"label": diff.old.label, "version": diff.old.version},
        "new": {"label": diff.new.label, "version": diff.new.version},
        "changed": diff.changed,
        "required_bump": diff.required.label,
        "schema_changes": [
            {
                "kind": c.kind,
                "bump": c.bump.label,
                "breaking": c.breaking,
                "table": c.table,
                "column": c.column,
                "old": c.old,
                "new": c.new,
                "message": c.message,
            }
            for c in diff.schema
        ],
        "tables": {
            t.name: {
                "primary_key": list(t.primary_key),
                "rows_old": t.rows_old,
                "rows_new": t.rows_new,
                "bump": t.bump.label,
                "note": t.note,
                "added": [list(k) for k in t.added],
                "removed": [list(k) for k in t.removed],
                "withdrawn": [list(c.key) for c in t.withdrawn],
                "changed": [
                    {
                        "key": list(c.key),
                        "withdrawn": c.withdrawn,
                        "values": {v.column: {"old": v.old, "new": v.new} for v in c.values},
                    }
                    for c in t.changed
                ],
            }
            for t in diff.tables
        },
    }


def to_json(diff: Diff) -> str:
    return safe_json(as_dict(diff), indent=2, sort_keys=True) + "\n"


def render(diff: Diff, fmt: str) -> str:
    """The report in ``fmt``; names and values from the packages, which may be hostile, have
    their control and invisible characters escaped (see :func:`minsec.problems.one_line`)."""
    if fmt == "json":
        return to_json(diff)
    report = {"text": text, "markdown": markdown}[fmt](diff)
    return "\n".join(one_line(line) for line in report.split("\n"))
