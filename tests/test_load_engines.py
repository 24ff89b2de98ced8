"""load_table reads with pyarrow when it is installed and with pandas' C reader otherwise;
both give the same frame, whichever way each reads a table (small or large, with pandas'
fast paths or without). Dates the tables cannot hold are refused in the records."""

import importlib
import io
import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from minsec.dates import FIRST_DAY, LAST_DAY, parse_partial_date
from minsec.load import _has_pyarrow, data_dir, read_table, table_names

pytest.importorskip("pyarrow")

load_module = importlib.import_module("minsec.load")  # the module; minsec.load is the function
DESCRIPTOR = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


def assert_identical(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """The same frame: values, dtypes, categories (and their dtype), codes, columns, index."""
    pd.testing.assert_frame_equal(left, right, check_exact=True)
    assert [repr(t) for t in left.dtypes] == [repr(t) for t in right.dtypes]
    assert left.columns.dtype == right.columns.dtype
    assert type(left.index) is type(right.index) and left.index.equals(right.index)
    for name in left.columns:
        if isinstance(left[name].dtype, pd.CategoricalDtype):
            assert repr(left[name].cat.categories) == repr(right[name].cat.categories), name
            assert np.array_equal(left[name].cat.codes.to_numpy(), right[name].cat.codes.to_numpy()), name


def _table(name: str) -> tuple[Path, list[dict]]:
    resource = next(r for r in DESCRIPTOR["resources"] if r["name"] == name)
    return data_dir() / resource["path"], resource["schema"]["fields"]


@pytest.mark.parametrize("name", table_names())
def test_both_readers_give_identical_frames(name: str) -> None:
    path, fields = _table(name)
    arrow, c = read_table(path, fields, "pyarrow"), read_table(path, fields, "c")
    assert_identical(arrow, c)
    assert len(arrow) > 0
    assert_identical(arrow, read_table(io.BytesIO(path.read_bytes()), fields, "pyarrow"))
    assert_identical(c, read_table(io.BytesIO(path.read_bytes()), fields, "c"))


def _force_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table read as a large one: pandas' public reader, pandas' own date parser and
    factorize for enums."""
    monkeypatch.setattr(load_module, "_LARGE", 0)
    monkeypatch.setattr(load_module, "_SMALL", -1)


def _force_numpy_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates parsed by numpy and enums coded by a loop, whatever the table's size."""
    monkeypatch.setattr(load_module, "_SMALL", 10**9)


def _no_engine_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas' reader engine returning something unexpected the first time it is asked: the
    small-table path must notice, rewind and read through ``pandas.read_csv``."""
    from pandas.io.parsers.c_parser_wrapper import CParserWrapper

    real, calls = CParserWrapper.read, []

    def read(self: CParserWrapper, nrows: int | None = None) -> object:
        calls.append(nrows)
        return "unexpected" if len(calls) == 1 else real(self, nrows)

    monkeypatch.setattr(CParserWrapper, "read", read)


def _no_pandas_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pandas without the block constructor (before 3.0) or the column accessor."""
    _force_large(monkeypatch)
    try:
        import pandas.api.internals as internals
    except ImportError:  # pandas before 3.0: read_table does without it already
        pass
    else:
        monkeypatch.delattr(internals, "create_dataframe_from_blocks")
    monkeypatch.delattr(pd.DataFrame, "_get_column_array")


def _in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table of 16 kB or more read by pyarrow in four pieces, four threads at once,
    whatever the machine's processors (``minsec.load_pieces``)."""
    monkeypatch.setattr(load_module, "_LARGE", 0)
    monkeypatch.setattr(load_module, "_PIECE", 4096)
    monkeypatch.setattr(load_module, "_threads", lambda: 4)


WAYS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "large": _force_large,
    "pieces": _in_pieces,
    "numpy-dates": _force_numpy_dates,
    "engine-fallback": _no_engine_results,
    "no-internals": _no_pandas_internals,
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", ["sources", "deals", "events", "claims", "citations", "deal_parties"])
def test_every_way_of_reading_gives_the_same_frame(monkeypatch: pytest.MonkeyPatch, way: str, name: str) -> None:
    path, fields = _table(name)
    expected = read_table(path, fields, "c")
    WAYS[way](monkeypatch)
    assert_identical(expected, read_table(path, fields, "c"))
    assert_identical(expected, read_table(io.BytesIO(path.read_bytes()), fields, "c"))
    assert_identical(expected, read_table(path, fields, "pyarrow"))


FIELDS = [
    {"name": "id", "type": "string"},
    {"name": "n", "type": "integer"},
    {"name": "x", "type": "number"},
    {"name": "flag", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b", "c"]}},
    {"name": "note", "type": "string"},
]
EDGES = (
    "id,n,x,flag,day,kind,note\n"
    'a,1,1.5,true,2025-03-09,a,"two\nlines, a comma and ""quotes"""\n'
    "b,,,,,,\n"
    f"c,-7,0,false,{LAST_DAY},c, leading space\n"
    f"d,123456789012,1e-3,true,{FIRST_DAY},b,é ünïcode ✓\n"
    "e,0,2,false,1962-01-01,,\n"
)


def test_both_readers_agree_on_edge_cases() -> None:
    arrow = read_table(io.BytesIO(EDGES.encode()), FIELDS, "pyarrow")
    c = read_table(io.BytesIO(EDGES.encode()), FIELDS, "c")
    assert_identical(arrow, c)
    assert arrow["note"][0] == 'two\nlines, a comma and "quotes"'
    assert arrow["kind"].isna().tolist() == [False, True, False, False, True]  # empty cells are missing
    assert arrow["day"][2] == pd.Timestamp(LAST_DAY)
    assert str(arrow["day"].dtype) == "datetime64[ns]"
    assert arrow["n"].dtype == pd.Int64Dtype() and arrow["flag"].dtype == pd.BooleanDtype()


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An invented table of 60,000 rows (about 3 MB: pyarrow reads it in several chunks, whose
    dictionaries differ), with empty cells, values outside the enum and dates at the bounds."""
    generator = random.Random(12)
    days = pd.date_range("1962-01-01", "2030-12-31").strftime("%Y-%m-%d").tolist()
    days += [str(FIRST_DAY), str(LAST_DAY)]
    lines = ["id,n,x,flag,day,kind,note"]
    for i in range(60_000):
        kind = generator.choice(["a", "b", "c", "", "z"] if i > 30_000 else ["c", "b", ""])
        lines.append(
            ",".join(
                [
                    f"row-{i}",
                    generator.choice(["", str(generator.randint(-(10**12), 10**12))]),
                    generator.choice(["", "1e-3", str(generator.random())]),
                    generator.choice(["", "true", "false"]),
                    generator.choice(["", *generator.sample(days, 3)]),
                    kind,
                    generator.choice(["", '"a, ""quoted""\nnote"', "é ✓"]),
                ]
            )
        )
    path = tmp_path_factory.mktemp("large") / "large.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("way", [None, *WAYS])
def test_a_large_table_reads_the_same_every_way(monkeypatch: pytest.MonkeyPatch, large_csv: Path, way: str) -> None:
    import pyarrow.csv as pa_csv

    parse = pa_csv.ParseOptions(newlines_in_values=True)  # without it pyarrow fails on this file
    assert pa_csv.read_csv(large_csv, parse_options=parse).column("id").num_chunks > 1
    expected = read_table(large_csv, FIELDS, "pyarrow")
    assert expected["kind"].isna().sum() > 0 and set(expected["kind"].dropna()) == {"a", "b", "c"}
    if way is not None:
        WAYS[way](monkeypatch)
    if way == "pieces":  # its cells' line breaks do not keep it from being cut
        options, parsing, _plan = load_module._arrow_plan(load_module._fields_key(FIELDS))
        names = [f["name"] for f in FIELDS]
        assert load_module._read_arrow_pieces(large_csv, 3_000_000, options, parsing, names) is not None
    assert_identical(expected, read_table(large_csv, FIELDS, "c"))
    assert_identical(expected, read_table(large_csv, FIELDS, "pyarrow"))


@pytest.mark.parametrize("engine", ["pyarrow", "c"])
@pytest.mark.parametrize("way", [None, "large", "numpy-dates"])
@pytest.mark.parametrize("value", ["2025", "2025-03", "2025-02-30", "2263-01-01", "1677-09-21", "+025-03-09", "1e5"])
def test_a_cell_that_is_no_date_is_refused(monkeypatch: pytest.MonkeyPatch, engine: str, way: str, value: str) -> None:
    """numpy reads "2025" as 2025-01-01 and wraps dates past 2262 around: never silently."""
    if way is not None:
        WAYS[way](monkeypatch)
    text = f"day,kind\n2025-03-09,a\n{value},b\n,c\n"
    with pytest.raises(ValueError):  # pandas' OutOfBoundsDatetime and pyarrow's ArrowInvalid are ValueErrors
        read_table(io.BytesIO(text.encode()), [FIELDS[4], FIELDS[5]], engine)


@pytest.mark.parametrize("way", [None, "large", "numpy-dates"])
def test_a_value_outside_the_enum_is_missing_in_both_readers(monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    if way is not None:
        WAYS[way](monkeypatch)
    text = "id,kind\nx,a\ny,zz\nz,\nw,c\n"
    arrow = read_table(io.BytesIO(text.encode()), [FIELDS[0], FIELDS[5]], "pyarrow")
    c = read_table(io.BytesIO(text.encode()), [FIELDS[0], FIELDS[5]], "c")
    assert_identical(arrow, c)
    assert c["kind"].isna().tolist() == [False, True, True, False]
    assert list(c["kind"].cat.categories) == ["a", "b", "c"]


def test_empty_table_reads_the_same() -> None:
    header = "id,n,x,flag,day,kind,note\n"
    arrow = read_table(io.BytesIO(header.encode()), FIELDS, "pyarrow")
    c = read_table(io.BytesIO(header.encode()), FIELDS, "c")
    assert list(arrow.columns) == list(c.columns)
    assert len(arrow) == len(c) == 0
    assert [str(t) for t in arrow.dtypes] == [str(t) for t in c.dtypes]


def test_pyarrow_is_used_when_present_and_not_otherwise() -> None:
    assert _has_pyarrow()
    code = "import sys; sys.modules['pyarrow'] = None; from minsec.load import _has_pyarrow; print(_has_pyarrow())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_date_bounds_are_the_ones_pandas_holds() -> None:
    assert pd.Timestamp(FIRST_DAY) >= pd.Timestamp.min
    assert pd.Timestamp(LAST_DAY) <= pd.Timestamp.max
    assert (pd.Timestamp.max - pd.Timestamp(LAST_DAY)).days == 0
    assert (pd.Timestamp(FIRST_DAY) - pd.Timestamp.min).days == 0


@pytest.mark.parametrize("text", ["2263", "2262-05", "2262-04-12", "9999-12-31", "1677-09-21", "0001"])
def test_dates_the_tables_cannot_hold_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="the dates the published tables can hold"):
        parse_partial_date(text)


@pytest.mark.parametrize("text", ["2262", "2262-04", "2262-04-11", "1677-09-22", "1962"])
def test_dates_up_to_the_bounds_are_read(text: str) -> None:
    parse_partial_date(text)
