"""load_table reads with pyarrow when it is installed and with pandas' C reader otherwise;
both give the same frame. Dates the tables cannot hold are refused in the records."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from minsec.dates import FIRST_DAY, LAST_DAY, parse_partial_date
from minsec.load import _has_pyarrow, data_dir, read_table, table_names

pytest.importorskip("pyarrow")

DESCRIPTOR = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", table_names())
def test_both_readers_give_identical_frames(name: str) -> None:
    resource = next(r for r in DESCRIPTOR["resources"] if r["name"] == name)
    path, fields = data_dir() / resource["path"], resource["schema"]["fields"]
    arrow, c = read_table(path, fields, "pyarrow"), read_table(path, fields, "c")
    pd.testing.assert_frame_equal(arrow, c, check_exact=True)
    assert len(arrow) > 0


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
    pd.testing.assert_frame_equal(arrow, c, check_exact=True)
    assert arrow["note"][0] == 'two\nlines, a comma and "quotes"'
    assert arrow["kind"].isna().tolist() == [False, True, False, False, True]  # empty cells are missing
    assert arrow["day"][2] == pd.Timestamp(LAST_DAY)
    assert str(arrow["day"].dtype) == "datetime64[ns]"
    assert arrow["n"].dtype == pd.Int64Dtype() and arrow["flag"].dtype == pd.BooleanDtype()


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
