"""The loading API on the bundled data: real dtypes, typed records, file paths, cheap import."""

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

import minsec
from minsec.load import package, records
from minsec.models import Deal, Event, Source

DESCRIPTOR_TABLES = minsec.table_names()


def schema_fields(name: str) -> list[dict]:
    descriptor = json.loads(minsec.data_path("datapackage.json").read_text(encoding="utf-8"))
    return next(r for r in descriptor["resources"] if r["name"] == name)["schema"]["fields"]


def csv_rows(name: str) -> list[dict[str, str]]:
    with minsec.data_path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", DESCRIPTOR_TABLES)
def test_table_has_schema_dtypes(name: str) -> None:
    frame = minsec.load_table(name)
    fields = schema_fields(name)
    assert list(frame.columns) == [f["name"] for f in fields]
    for f in fields:
        dtype = frame[f["name"]].dtype
        enum = f.get("constraints", {}).get("enum")
        where = f"{name}.{f['name']}: {dtype}"
        if enum is not None:
            assert isinstance(dtype, pd.CategoricalDtype), where
            assert list(dtype.categories) == enum, where
        elif f["type"] == "date":
            assert dtype == "datetime64[ns]", where
        elif f["type"] == "integer":
            assert dtype == pd.Int64Dtype(), where
        elif f["type"] == "number":
            assert dtype == pd.Float64Dtype(), where
        elif f["type"] == "boolean":
            assert dtype == pd.BooleanDtype(), where
        else:
            assert isinstance(dtype, pd.StringDtype), where


@pytest.mark.parametrize("name", DESCRIPTOR_TABLES)
def test_table_values_match_csv(name: str) -> None:
    frame = minsec.load_table(name)
    rows = csv_rows(name)
    assert len(frame) == len(rows)
    fields = {f["name"]: f for f in schema_fields(name)}
    for index, row in enumerate(rows):
        for column, text in row.items():
            value = frame[column].iloc[index]
            if text == "":
                assert pd.isna(value), (name, column, index)
            elif fields[column]["type"] == "date":
                assert value == pd.Timestamp(text), (name, column, index)
            elif fields[column]["type"] == "boolean":
                assert bool(value) is (text == "true"), (name, column, index)
            elif fields[column]["type"] in ("integer", "number"):
                assert value == float(text), (name, column, index)
            else:
                assert str(value) == text, (name, column, index)


def test_load_gives_every_table() -> None:
    tables = minsec.load()
    assert list(tables) == DESCRIPTOR_TABLES
    assert all(isinstance(frame, pd.DataFrame) for frame in tables.values())


def test_table_names_are_the_contract() -> None:
    assert DESCRIPTOR_TABLES == [
        "sources",
        "source_relays",
        "actors",
        "commodities",
        "commodity_broader",
        "deals",
        "deal_status_reports",
        "deal_parties",
        "deal_commodities",
        "deal_terms",
        "deal_term_citations",
        "events",
        "event_actors",
        "claims",
        "citations",
    ]


@pytest.mark.parametrize(
    ("kind", "model", "table"),
    [("deals", Deal, "deals"), ("deal", Deal, "deals"), ("events", Event, "events"), ("sources", Source, "sources")],
)
def test_records_are_models(kind: str, model: type, table: str) -> None:
    # minsec.records as bound in minsec/__init__.py (see test_public_functions_survive_submodule_imports)
    loaded = records(kind)
    assert all(type(r) is model for r in loaded)
    assert sorted(r.id for r in loaded) == sorted(row["id"] for row in csv_rows(table))


def test_records_unknown_kind() -> None:
    with pytest.raises(KeyError, match="deals"):
        records("treaties")


def test_data_paths_exist() -> None:
    assert minsec.data_path("datapackage.json").name == "datapackage.json"
    assert minsec.data_path("deals").name == "deals.csv"
    assert minsec.data_path("deals.json").name == "deals.json"
    for name in ("datapackage.json", "deals", "deals.json", "citations", "claims.json"):
        assert minsec.data_path(name).is_file(), name


def test_unknown_table_raises_helpful_key_error() -> None:
    with pytest.raises(KeyError) as info:
        minsec.load_table("treaties")
    message = info.value.args[0]
    assert "'treaties'" in message
    assert all(name in message for name in DESCRIPTOR_TABLES)
    with pytest.raises(KeyError, match="treaties"):
        minsec.data_path("treaties")
    with pytest.raises(KeyError, match=r"deals\.json"):
        minsec.data_path("treaties.json")


def test_package_is_a_frictionless_package() -> None:
    assert package().resource_names == DESCRIPTOR_TABLES


def test_import_is_cheap() -> None:
    code = (
        "import sys, minsec\n"
        "minsec.table_names(); minsec.data_path('deals'); minsec.__version__\n"
        "heavy = sorted(m for m in ('pandas', 'frictionless', 'numpy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_public_api_in_a_fresh_interpreter() -> None:
    code = (
        "import minsec\n"
        "from minsec.models import Deal\n"
        "deals = minsec.records('deals')\n"
        "assert deals and all(type(d) is Deal for d in deals)\n"
        "assert minsec.package().resource_names == minsec.table_names()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_public_functions_survive_submodule_imports() -> None:
    code = (
        "import minsec\n"
        "import minsec.validate, minsec.build\n"
        "assert callable(minsec.records), minsec.records\n"
        "assert callable(minsec.package), minsec.package\n"
        "minsec.records('deals')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_info_command(run_cli) -> None:
    code, out, _ = run_cli("info")
    assert code == 0
    assert out.startswith(f"minsec {minsec.__version__} (data {minsec.__version__}")
    for name in DESCRIPTOR_TABLES:
        assert f"  {name} " in out
