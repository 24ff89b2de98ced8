"""Cell values typed as the Table Schema says: what every binary writer starts from.

The rows that :mod:`minsec.tables` produces hold dates as ISO text and lists as joined text
(as the CSV files do); here each value becomes the Python value of its column's type.
"""

import datetime as dt
from collections.abc import Mapping

from minsec.record_files import Dataset
from minsec.tables import Column, Row, Table, per_table, tables

Value = str | int | float | bool | dt.date | None


class MissingExtra(Exception):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(module: str, extra: str = "publish"):  # type: ignore[no-untyped-def]
    """Import ``module`` or raise :class:`MissingExtra` naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{module} is not installed; install the {extra} extra: python -m pip install 'minsec[{extra}]'"
        ) from None


def typed(column: Column, value: object) -> Value:
    """``value`` as the Python value of ``column``'s type (None stays None)."""
    if value is None or value == "":
        return None
    if column.type == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if column.type == "integer":
        return int(value)  # type: ignore[call-overload]
    if column.type == "number":
        return float(value)  # type: ignore[arg-type]
    if column.type == "boolean":
        return value if isinstance(value, bool) else str(value) == "true"
    return str(value)


def typed_rows(table: Table, rows: list[Row]) -> list[tuple[Value, ...]]:
    """The rows of ``table`` as tuples of typed values in column order."""
    return [tuple(typed(c, row.get(c.name)) for c in table.columns) for row in rows]


def all_rows(dataset: Dataset) -> dict[str, list[Row]]:
    """Every table's rows (as the CSV files hold them), by table name, in publication order."""
    return {t.name: t.rows(dataset) for t in tables()}


def record_tables(all_tables: tuple[Table, ...]) -> dict[str, Table]:
    """The tables with one row per record (primary key ``id``), by name: each gets a page."""
    return {t.name: t for t in all_tables if t.primary_key == ("id",)}


@per_table
def label_column(table: Table) -> str:
    """The column that names a row of ``table`` for people: name, title, statement or summary."""
    names = {c.name for c in table.columns}
    return next((n for n in ("name", "title", "statement", "summary") if n in names), table.primary_key[0])


def by_id(rows: list[Row]) -> Mapping[str, Row]:
    return {str(r["id"]): r for r in rows}
