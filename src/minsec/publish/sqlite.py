"""One SQLite database with every table, its primary and foreign keys and indexes.

Types follow the Table Schema: dates are ISO ``TEXT`` checked to be real dates, numbers
``REAL``, integers ``INTEGER``, booleans ``INTEGER`` 0/1, vocabularies ``TEXT`` checked
against their values; required columns are ``NOT NULL``. Every foreign-key column has an
index. The database is built in memory and written with ``VACUUM INTO`` to a temporary
file with a fixed page size, so that its bytes depend only on the data and the SQLite
library (whose version the file header records).
"""

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path

from minsec.publish.typed import typed_rows
from minsec.tables import Column, Row, Table

PAGE_SIZE = 4096
FILE_NAME = "minsec.sqlite"


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _column_sql(column: Column) -> str:
    name = quote_name(column.name)
    kind = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}.get(column.type, "TEXT")
    parts = [name, kind]
    if column.required:
        parts.append("NOT NULL")
    checks = []
    if column.type == "date":
        checks.append(f"{name} = date({name})")
    elif column.type == "boolean":
        checks.append(f"{name} IN (0, 1)")
    if column.vocabulary is not None:
        checks.append(f"{name} IN ({', '.join(_literal(v) for v in column.vocabulary.values())})")
    parts += [f"CHECK ({c})" for c in checks]
    return " ".join(parts)


def create_table_sql(table: Table) -> str:
    """The ``CREATE TABLE`` statement of ``table``, with its keys."""
    lines = [_column_sql(c) for c in table.columns]
    lines.append(f"PRIMARY KEY ({', '.join(quote_name(k) for k in table.primary_key)})")
    lines += [
        f"FOREIGN KEY ({quote_name(c.name)}) REFERENCES {quote_name(c.foreign_key)} (id)"
        for c in table.columns
        if c.foreign_key
    ]
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote_name(table.name)} (\n  {body}\n)"


def index_sql(table: Table) -> list[str]:
    """An index on every foreign-key column of ``table`` (the primary key has its own)."""
    return [
        f"CREATE INDEX {quote_name(f'{table.name}_{c.name}')} ON {quote_name(table.name)} ({quote_name(c.name)})"
        for c in table.columns
        if c.foreign_key and (c.name,) != table.primary_key[:1]
    ]


def _sql_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def sqlite_bytes(all_tables: tuple[Table, ...], rows: Mapping[str, list[Row]]) -> bytes:
    """The database holding ``all_tables`` filled with ``rows`` (table name to rows)."""
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        with memory:  # keys are checked once every table is filled (actors refer to actors)
            for table in all_tables:
                memory.execute(create_table_sql(table))
                for statement in index_sql(table):
                    memory.execute(statement)
            for table in all_tables:
                marks = ", ".join("?" for _ in table.columns)
                memory.executemany(
                    f"INSERT INTO {quote_name(table.name)} VALUES ({marks})",
                    [tuple(_sql_value(v) for v in row) for row in typed_rows(table, rows[table.name])],
                )
        problems = memory.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise ValueError(f"foreign keys broken in the database: {problems[:5]}")
        with tempfile.TemporaryDirectory(prefix="minsec-sqlite-") as folder:
            path = Path(folder) / FILE_NAME
            memory.execute("VACUUM INTO ?", (str(path),))
            return path.read_bytes()
    finally:
        memory.close()
