"""One Parquet file per table, typed like its Table Schema.

Dates are ``date32``, numbers ``float64``, integers ``int64``, booleans ``bool``; a column
with a closed vocabulary is a dictionary-encoded string whose dictionary is the whole
vocabulary in codebook order (so readers see every allowed value, used or not). Nullability
follows the schema's ``required``. Descriptions travel as field and schema metadata.

Writer options are fixed (no statistics that depend on the writer's defaults, one row
group, zstd at a fixed level), so the bytes depend only on the data and on the pyarrow
version, which names itself in the file's ``created_by``.
"""

import io

from minsec.publish.typed import require, typed_rows
from minsec.tables import Column, Row, Table

COMPRESSION = "zstd"
COMPRESSION_LEVEL = 9


def _arrow_type(column: Column):  # type: ignore[no-untyped-def]
    pa = require("pyarrow")
    if column.vocabulary is not None:
        return pa.dictionary(pa.int16(), pa.string())
    return {
        "date": pa.date32(),
        "number": pa.float64(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
    }.get(column.type, pa.string())


def arrow_schema(table: Table):  # type: ignore[no-untyped-def]
    """The Arrow schema of ``table``: types, nullability and descriptions from its columns."""
    pa = require("pyarrow")
    fields = [
        pa.field(c.name, _arrow_type(c), nullable=not c.required, metadata={"description": c.description})
        for c in table.columns
    ]
    return pa.schema(
        fields,
        metadata={"name": table.name, "description": table.description, "primary_key": ",".join(table.primary_key)},
    )


def _column_array(column: Column, values: list):  # type: ignore[no-untyped-def,type-arg]
    pa = require("pyarrow")
    if column.vocabulary is None:
        return pa.array(values, type=_arrow_type(column))
    vocabulary = column.vocabulary.values()
    index = {v: i for i, v in enumerate(vocabulary)}
    indices = pa.array([None if v is None else index[v] for v in values], type=pa.int16())
    return pa.DictionaryArray.from_arrays(indices, pa.array(vocabulary, type=pa.string()))


def parquet_bytes(table: Table, rows: list[Row]) -> bytes:
    """The Parquet file of ``table`` holding ``rows`` (as :meth:`Table.rows` gives them)."""
    pa = require("pyarrow")
    pq = require("pyarrow.parquet")
    values = typed_rows(table, rows)
    arrays = [_column_array(c, [row[i] for row in values]) for i, c in enumerate(table.columns)]
    arrow_table = pa.Table.from_arrays(arrays, schema=arrow_schema(table))
    buffer = io.BytesIO()
    pq.write_table(
        arrow_table,
        buffer,
        row_group_size=max(1, len(rows)),
        version="2.6",
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=True,
        write_statistics=True,
        data_page_version="1.0",
        store_schema=True,
        write_page_index=False,
        write_page_checksum=False,
    )
    return buffer.getvalue()
