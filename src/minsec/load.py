"""The public loading API: the bundled tables as DataFrames, records as models, the package.

pandas and frictionless are imported inside the functions that need them, so that
``import minsec`` stays cheap. Tables are read with explicit dtypes from the Table Schema,
never by inference: dates are datetime64, enums categorical, numbers nullable.
"""

import json
import os
import sys
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import frictionless
    import numpy
    import pandas
    import pyarrow

    from minsec.models import Record
    from minsec.package_files import PackageFiles

_HERE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder holding ``datapackage.json``: inside the installed package, or the checkout's."""
    for candidate in (_HERE / "datapackage", _HERE.parent.parent / "datapackage"):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise FileNotFoundError("minsec's data is missing: reinstall minsec, or run `minsec build` in a checkout")


@cache
def _descriptor() -> dict:
    return json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


def table_names() -> list[str]:
    """Names of the tables, in publication order."""
    return [r["name"] for r in _descriptor()["resources"]]


def _resource(name: str) -> dict:
    for resource in _descriptor()["resources"]:
        if resource["name"] == name:
            return resource
    raise KeyError(f"no table named {name!r}; tables: {', '.join(table_names())}")


def data_path(name: str) -> Path:
    """Path of a bundled file: a table's CSV (``"deals"``), a kind's JSON (``"deals.json"``),
    or ``"datapackage.json"``."""
    if name == "datapackage.json":
        return data_dir() / name
    if name.endswith(".json"):
        from minsec.models import MODELS

        folders = [m.folder for m in MODELS]
        if name.removesuffix(".json") not in folders:
            raise KeyError(f"no JSON file {name!r}; choose one of {', '.join(f + '.json' for f in folders)}")
        return data_dir() / "json" / name
    return data_dir() / _resource(name)["path"]


#: A Table Schema's fields as a hashable key: (name, type, enum or None) per field.
_FieldsKey = tuple[tuple[str, str, "tuple[str, ...] | None"], ...]


def _fields_key(fields: list[dict]) -> _FieldsKey:
    return tuple(
        (f["name"], f["type"], None if (e := f.get("constraints", {}).get("enum")) is None else tuple(e))
        for f in fields
    )


def _has_pyarrow() -> bool:
    if "pyarrow" in sys.modules:
        return sys.modules["pyarrow"] is not None
    return _pyarrow_findable()


@cache
def _pyarrow_findable() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("pyarrow") is not None
    except (ImportError, ValueError):
        return False


def read_table(source: "Path | IO[bytes]", fields: list[dict], engine: str | None = None) -> "pandas.DataFrame":
    """A CSV table (a path or an open binary file) as a DataFrame with the dtypes ``fields`` declare.

    Read by pyarrow's CSV reader when pyarrow is installed (as fast as ``pandas.read_csv``
    with pyarrow), else by pandas' C reader; ``engine`` (``"pyarrow"`` or ``"c"``) forces one.
    Both give identical frames: strings ``string``, integers ``Int64``, numbers ``Float64``,
    booleans ``boolean``, dates ``datetime64[ns]``, enums categoricals of the enum's values
    (a value outside the enum is missing), empty cells missing.
    """
    if engine is None:
        engine = "pyarrow" if _has_pyarrow() else "c"
    key = _fields_key(fields)
    if engine == "pyarrow":
        return _read_arrow(source, key)
    return _read_c(source, key)


# What is pure is worked out once per process and per schema: the dtypes, the reader's
# options, the enums' lookups. What remains per call is the reading and one pass per column.


@cache
def _enum(values: "tuple[str, ...]") -> "tuple[pandas.CategoricalDtype, dict[str, int], type]":
    """An enum's categorical dtype, the code of each of its values, and the codes' integer type."""
    import numpy as np
    import pandas as pd

    dtype = pd.CategoricalDtype(list(values))
    return dtype, {v: i for i, v in enumerate(values)}, np.int8 if len(values) < 127 else np.int32


#: Up to this many cells, a Python loop beats pandas' per-call costs (tens of microseconds,
#: which are most of the time on tables of a few hundred rows); past it, pandas' C loops win.
_SMALL = 4000


def _categorical(values: "tuple[str, ...]", cells: "numpy.ndarray") -> "pandas.Categorical":
    """The categorical of enum ``values`` holding ``cells`` (strings, NaN where empty); a cell
    outside the enum is missing."""
    import numpy as np
    import pandas as pd

    dtype, code, integer = _enum(values)
    if len(cells) <= _SMALL:
        codes = np.fromiter(map(code.get, cells, repeat(-1)), integer, len(cells))  # type: ignore[attr-defined]
    else:  # the distinct cells looked up, by their positions (-1, the last, where empty)
        positions, distinct = pd.factorize(cells)
        codes = np.array([code.get(c, -1) for c in distinct] + [-1], integer)[positions]  # type: ignore[attr-defined]
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


@cache
def _c_plan(key: _FieldsKey) -> "tuple[dict[str, object], dict[str, tuple]]":
    """``pandas.read_csv``'s dtypes for the C reader, and what becomes of each column after:
    ("enum", values) or ("date",). Enums and dates are read as plain strings and converted by
    lookups and numpy, far cheaper than the reader's categorical and ``to_datetime``; the
    dtypes are instances, not names, which pandas would look up on every call."""
    import numpy as np
    import pandas as pd

    plain = {"integer": pd.Int64Dtype(), "number": pd.Float64Dtype(), "boolean": pd.BooleanDtype()}
    string, cells = pd.StringDtype(), np.dtype(object)
    dtypes: dict[str, object] = {}
    after: dict[str, tuple] = {}
    for name, kind, enum in key:
        if enum is not None:
            dtypes[name] = cells
            after[name] = ("enum", enum)
        elif kind == "date":
            dtypes[name] = cells
            after[name] = ("date",)
        else:
            dtypes[name] = plain.get(kind, string)
    return dtypes, after


#: The dates a ``datetime64[ns]`` column holds, as days since 1970 (1677-09-22 to
#: 2262-04-11, the bounds ``minsec.dates`` keeps records within).
_DAYS = (-106_751, 106_751)


def _dates(columns: "list[numpy.ndarray]") -> "list[numpy.ndarray]":
    """Columns of ``YYYY-MM-DD`` cells (NaN where empty) as ``datetime64[ns]``, in one go.

    ``pandas.to_datetime`` costs a quarter of a millisecond a call; on small tables numpy
    parses them instead. But numpy also reads "2025" or "2025-03" and wraps past 2262
    silently, so unless every cell is an exact date of 10 characters within the bounds,
    ``pandas.to_datetime`` has the last word, and refuses what it should (as before)."""
    import numpy as np
    import pandas as pd

    cells = np.stack(columns)  # a copy: the parsed frame is left as it was
    missing = pd.isna(cells)
    if cells.size <= _SMALL and all(len(c) == 10 for c in cells[~missing]):
        cells[missing] = ""  # numpy's NaT (None would be too, but 20 times slower)
        try:
            days = cells.astype("datetime64[D]")
        except ValueError:
            days = None
        if days is not None:
            known = days[~missing].view(np.int64)
            if not len(known) or (_DAYS[0] <= known.min() and known.max() <= _DAYS[1]):
                return list(days.astype("datetime64[ns]"))
        cells[missing] = np.nan
    parsed = pd.to_datetime(cells.ravel(), format="%Y-%m-%d").astype("datetime64[ns]")
    return list(parsed.to_numpy().reshape(cells.shape))


def _frame(columns: "list[str]", arrays: list, rows: int) -> "pandas.DataFrame":
    """A frame of ``arrays`` (numpy or pandas arrays of the final dtypes, no inference needed),
    built from its blocks: one per pandas array, one for all the numpy columns of a dtype
    (the dates), as pandas itself lays them out. Half the cost of ``pandas.DataFrame(dict)``."""
    import numpy as np
    import pandas as pd

    try:
        from pandas.api.internals import create_dataframe_from_blocks  # pandas >= 3.0
    except ImportError:  # pragma: no cover - older pandas
        return pd.DataFrame(dict(zip(columns, arrays, strict=True)), copy=False)
    blocks: list = []
    plain: dict[object, list[int]] = {}
    for i, array in enumerate(arrays):
        if isinstance(array, np.ndarray):
            plain.setdefault(array.dtype, []).append(i)
        else:
            blocks.append((array, np.array([i], np.intp)))
    for where in plain.values():
        blocks.append((np.stack([arrays[i] for i in where]), np.array(where, np.intp)))
    return create_dataframe_from_blocks(blocks, pd.RangeIndex(rows), pd.Index(columns))


#: Tables of at least this many bytes are read by pandas' public reader, which reads them in
#: parallel (from 5 MiB, as pandas 3.1 does), and by pyarrow in parallel; smaller ones by
#: the C reader's engine directly, or by pyarrow in one thread, where threads cost more than
#: they save.
_LARGE = 5 * 1024 * 1024


def _size(source: "Path | IO[bytes]") -> int | None:
    """The bytes ``source`` holds from where it stands, if that is known cheaply."""
    if isinstance(source, (str, Path)):
        try:
            return os.stat(source).st_size
        except OSError:
            return None  # pandas says what is wrong
    buffer = getattr(source, "getbuffer", None)  # io.BytesIO
    return len(buffer()) - source.tell() if buffer is not None else None


def _read_c(source: "Path | IO[bytes]", key: _FieldsKey) -> "pandas.DataFrame":
    import pandas as pd

    dtypes, after = _c_plan(key)
    options = {
        "dtype": dtypes,
        "keep_default_na": False,
        "na_values": [""],
        "true_values": ["true"],
        "false_values": ["false"],
        "encoding": "utf-8",
    }
    size = _size(source)
    if size is not None and size < _LARGE:
        parsed = _parse_small(source, options)
        if parsed is not None:
            return _converted(*parsed, after)
    frame = pd.read_csv(source, **options)  # type: ignore[call-overload]
    if not after:
        return frame
    # Each column's array without a Series around it (pandas' own accessor, in every pandas
    # minsec supports; the public way costs 15 us a column, as much as reading 100 rows).
    column = getattr(frame, "_get_column_array", None) or (lambda i: frame.iloc[:, i].array)
    return _converted(list(frame.columns), [column(i) for i in range(frame.shape[1])], len(frame), after)


def _parse_small(source: "Path | IO[bytes]", options: dict) -> "tuple[list[str], list, int] | None":
    """A small table's column names, arrays and row count, from the C reader's engine itself.

    ``pandas.read_csv`` wraps every column in a Series when dtypes are given and builds a
    frame that ``read_table`` would only take apart again: on a table of a few hundred rows
    that is half the time. Its engine returns the arrays. The engine is not public API, so
    whatever it returns is checked, and ``None`` (with the source rewound) sends the table to
    ``pandas.read_csv``; so does a header that is not exactly the schema's columns."""
    import pandas as pd

    start = None if isinstance(source, (str, Path)) else source.tell()
    with pd.read_csv(source, low_memory=False, iterator=True, **options) as reader:
        read = getattr(getattr(reader, "_engine", None), "read", None)
        result = read() if read is not None else None
    if (
        isinstance(result, tuple)
        and len(result) == 3
        and result[0] is None
        and isinstance(result[2], dict)
        and list(result[1]) == list(result[2])
        and sorted(result[2]) == sorted(options["dtype"])
    ):
        names, data = list(result[1]), result[2]
        arrays = list(data.values())
        return names, arrays, len(arrays[0]) if arrays else 0
    if start is not None:
        source.seek(start)  # type: ignore[union-attr]
    return None


def _converted(names: list[str], arrays: list, rows: int, after: dict[str, tuple]) -> "pandas.DataFrame":
    """The frame of the parsed ``arrays``, enums and dates converted as ``after`` says."""
    dates = []
    for i, name in enumerate(names):
        how = after.get(name)
        if how is None:
            continue
        if how[0] == "enum":
            arrays[i] = _categorical(how[1], arrays[i])
        else:
            dates.append(i)
    if dates:
        for i, column in zip(dates, _dates([arrays[i] for i in dates]), strict=True):
            arrays[i] = column
    return _frame(names, arrays, rows)


@cache
def _arrow_plan(key: _FieldsKey) -> "tuple[object, object, _FieldsKey]":
    """pyarrow's convert and parse options for the schema, and the fields (how each column
    becomes a pandas array)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    types: dict[str, object] = {}
    for name, kind, enum in key:
        if enum is not None:
            types[name] = pa.dictionary(pa.int32(), pa.string())
        else:
            types[name] = {
                "integer": pa.int64(),
                "number": pa.float64(),
                "boolean": pa.bool_(),
                "date": pa.timestamp("ns"),
            }.get(kind, pa.large_string())
    options = pa_csv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        true_values=["true"],
        false_values=["false"],
    )
    # A quoted cell may hold a line break: without this, pyarrow cuts a table of more than
    # one block (1 MB) at any line break, and one inside a cell breaks the read.
    parsing = pa_csv.ParseOptions(newlines_in_values=True)
    return options, parsing, key


@cache
def _arrow_dtypes() -> "dict[str, object]":
    import pandas as pd

    return {
        "integer": pd.Int64Dtype(),
        "number": pd.Float64Dtype(),
        "boolean": pd.BooleanDtype(),
        "string": pd.StringDtype(),
    }


def _arrow_categorical(values: "tuple[str, ...]", column: "object") -> "pandas.Categorical":
    """A dictionary-encoded arrow column as the categorical of enum ``values``, by its codes:
    each chunk's dictionary is looked up once, its indices mapped by numpy."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    dtype, code, integer = _enum(values)
    parts = []
    for chunk in column.chunks:  # type: ignore[attr-defined]
        dictionary = chunk.dictionary.to_pylist()
        lookup = np.array([code.get(v, -1) for v in dictionary] + [-1], integer)
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(dictionary))  # the -1 at the end
        parts.append(lookup[indices.to_numpy()])
    codes = parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.zeros(0, integer)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


#: A large table is read in as many pieces as pyarrow has threads, one each, of at least this
#: many bytes: each read costs a few milliseconds more than its bytes, so pieces smaller or
#: more numerous cost more than they save.
_PIECE = 2 * 1024 * 1024

#: The last piece is this many times as large as the others: its quotes are not searched for.
_LAST = 1.25


def _threads() -> int:
    """Threads to read a large table with: pyarrow's (``pyarrow.set_cpu_count`` sets them)."""
    import pyarrow as pa

    return pa.cpu_count()


def _buffer(source: "Path | IO[bytes]") -> "pyarrow.Buffer | None":
    """``source``'s bytes from where it stands, as a pyarrow buffer not copying them (the file
    memory-mapped, the ``io.BytesIO``'s own buffer), or ``None``."""
    import pyarrow as pa

    if isinstance(source, (str, Path)):
        try:
            with pa.memory_map(str(source)) as mapped:
                return mapped.read_buffer()
        except OSError:  # pyarrow's IO errors are OSErrors; the whole read will say what is wrong
            return None
    view = getattr(source, "getbuffer", None)
    try:
        return pa.py_buffer(view()).slice(source.tell()) if view is not None else None
    except (ValueError, BufferError):  # closed, say: the whole read will say what is wrong
        return None


def _read_arrow_pieces(
    source: "Path | IO[bytes]", size: int | None, options: object, parsing: object, names: list[str]
) -> "pyarrow.Table | None":
    """A large table read by pyarrow in pieces cut at the ends of rows, at once (see
    ``minsec.load_pieces``), or ``None``, ``source`` as it was, when there are too few bytes
    or cutting it is not certainly right: a header other than the plain names, a quote that
    does not open or close a cell. Should a piece fail, ``None`` too: the whole read says why.

    Each piece is read in a thread of its own by pyarrow in that thread, which also finds the
    piece's quotes; only then are the cuts known to be right (an even number of quotes before
    each, all of them opening or closing cells). A cut inside a quoted cell (a cell holding
    line breaks) is moved past it and the pieces read again."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from minsec import load_pieces

    threads = _threads()
    pieces = min(threads, (size or 0) // _PIECE)
    if pieces < 2 or any(c in name for name in names for c in ',"\r\n'):
        return None
    buffer = _buffer(source)
    if buffer is None:
        return None
    data = np.frombuffer(buffer, np.uint8)
    header = ",".join(names).encode("utf-8")
    line = data[: len(header) + 2].tobytes()
    start = next((len(header + end) for end in (b"\n", b"\r\n") if line.startswith(header + end)), None)
    if start is None or data[start : start + 3].tobytes() == load_pieces.BOM:  # pyarrow would drop it
        return None
    reading = pa_csv.ReadOptions(column_names=names, use_threads=False)

    def read(piece: tuple[int, int, bool]) -> "tuple[pyarrow.Table | None, numpy.ndarray | None]":
        """A piece's table (``None`` if pyarrow refuses it) and, if asked, its quotes."""
        begin, end, scan = piece
        try:
            part = pa.BufferReader(buffer.slice(begin, end - begin))
            table = pa_csv.read_csv(part, read_options=reading, convert_options=options, parse_options=parsing)
        except Exception:  # whatever it is, the whole read will say it, as before
            table = None
        return table, load_pieces.quote_positions(data, begin, end) if scan else None

    def read_all(cuts: list[int], scan: bool) -> "list[tuple[pyarrow.Table | None, numpy.ndarray | None]]":
        """The pieces between ``cuts``; the quotes of all but the last if ``scan``."""
        from concurrent.futures import ThreadPoolExecutor

        ends = [*cuts[1:], len(data)]
        spans = [(begin, end, scan and end < len(data)) for begin, end in zip(cuts, ends, strict=True)]
        with ThreadPoolExecutor(min(threads, len(spans))) as pool:
            return list(pool.map(read, spans))

    # The last piece's quotes are not needed: it is made larger, to take as long to read as
    # the others take to read and search for quotes.
    cuts = load_pieces.cuts(data, start, pieces, last=_LAST)
    if len(cuts) < 2:
        return None
    done = read_all(cuts, scan=True)
    quotes = np.concatenate([found for _table, found in done[:-1]])  # type: ignore[misc]
    if not load_pieces.quotes_counted(data, quotes):
        return None
    if not load_pieces.outside_quotes(quotes, cuts):  # a guess fell in a cell holding line breaks
        quotes = np.concatenate([quotes, load_pieces.quote_positions(data, cuts[-1])])
        if not load_pieces.quotes_counted(data, quotes):
            return None
        cuts = load_pieces.cuts(data, start, pieces, quotes)
        if len(cuts) < 2:
            return None
        done = read_all(cuts, scan=False)
    tables = [table for table, _found in done]
    if any(table is None for table in tables):
        return None
    if not isinstance(source, (str, Path)):
        source.seek(0, os.SEEK_END)  # read to the end, as a whole read leaves it
    return pa.concat_tables(tables)


def _read_arrow(source: "Path | IO[bytes]", key: _FieldsKey) -> "pandas.DataFrame":
    """``read_table`` by pyarrow: enums arrive dictionary-encoded and become categoricals by
    their codes, strings stay arrow strings (what pandas' string dtype holds with pyarrow),
    dates arrive as nanosecond timestamps."""
    import pyarrow.csv as pa_csv

    options, parsing, plan = _arrow_plan(key)
    size = _size(source)
    if size is None or size >= _LARGE:
        table = _read_arrow_pieces(source, size, options, parsing, [name for name, _kind, _enum in plan])
        if table is None:
            table = pa_csv.read_csv(source, convert_options=options, parse_options=parsing)
    else:
        # A small table is read here, from its bytes, by pyarrow's streaming reader in this
        # thread: its table reader hands the work to other threads even when told not to
        # use them, and on a busy machine waiting for them costs more than the parsing
        # (1k deals: a median of 7 ms against 0.8 ms).
        import pyarrow as pa

        data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
        reading = pa_csv.ReadOptions(use_threads=False, block_size=max(len(data), 1))
        stream = pa_csv.open_csv(
            pa.BufferReader(data), read_options=reading, parse_options=parsing, convert_options=options
        )
        table = stream.read_all()
    dtypes = _arrow_dtypes()
    arrays = []
    for name, kind, enum in plan:
        column = table.column(name)
        if enum is not None:
            arrays.append(_arrow_categorical(enum, column))
        elif kind == "date":
            arrays.append(column.to_numpy())
        else:
            arrays.append(dtypes.get(kind, dtypes["string"]).__from_arrow__(column))
    return _frame([name for name, _kind, _enum in plan], arrays, table.num_rows)


def versions() -> list[str]:
    """Versions ``load_table(name, version=...)`` accepts, oldest first: every release kept in
    ``releases/`` (in the installed package or the checkout) and the bundled version."""
    from minsec.release_files import available
    from minsec.versioning import Version

    return sorted(set(available()) | {_descriptor()["version"]}, key=Version.parse)


def _is_released(version: str) -> bool:
    from minsec.release_files import available

    return version in available()


@cache
def _release(version: str) -> "PackageFiles":
    """Release ``version`` as kept in ``releases/``: its own descriptor and table bytes."""
    from minsec.package_files import from_release
    from minsec.release_files import available, unknown_version

    releases = available()
    if version not in releases:
        raise KeyError(unknown_version(version, versions()))
    return from_release(releases[version])


def _release_table(name: str, version: str) -> "pandas.DataFrame":
    import io

    release = _release(version)
    if name not in release.tables:
        raise KeyError(f"no table named {name!r} in minsec {version}; tables: {', '.join(release.tables)}")
    return read_table(io.BytesIO(release.tables[name]), release.resource(name)["schema"]["fields"])


def load_table(name: str, version: str | None = None) -> "pandas.DataFrame":
    """One table as a DataFrame with the dtypes its Table Schema declares.

    ``version`` pins a release (``"0.1.0"``): the table exactly as that version published it,
    with that version's own schema, read from the release kept in the package. Without it,
    the bundled data.
    """
    if version is not None:
        if _is_released(version):
            return _release_table(name, version)
        if version != _descriptor()["version"]:
            from minsec.release_files import unknown_version

            raise KeyError(unknown_version(version, versions()))
    return read_table(data_path(name), _resource(name)["schema"]["fields"])


def load(version: str | None = None) -> "dict[str, pandas.DataFrame]":
    """Every table, by name; ``version`` as for :func:`load_table`."""
    released = version is not None and _is_released(version)
    names = list(_release(version).tables) if released else table_names()  # type: ignore[arg-type]
    return {name: load_table(name, version) for name in names}


def records(kind: str) -> "list[Record]":
    """The records of one kind (``"deals"`` or ``"deal"``) as validated Pydantic models."""
    from minsec.models import MODELS

    by_name = {m.folder: m for m in MODELS} | {m.record_kind.value: m for m in MODELS}
    if kind not in by_name:
        raise KeyError(f"no record kind {kind!r}; choose one of {', '.join(m.folder for m in MODELS)}")
    model = by_name[kind]
    raw = json.loads(data_path(f"{model.folder}.json").read_text(encoding="utf-8"))
    return [model.model_validate({k: v for k, v in item.items() if k != "derived"}) for item in raw]


def package() -> "frictionless.Package":
    """The Data Package as a frictionless Package, for validation or conversion."""
    import frictionless

    return frictionless.Package(str(data_path("datapackage.json")))
