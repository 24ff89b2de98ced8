"""The public loading API: the bundled tables as DataFrames, records as models, the package.

pandas and frictionless are imported inside the functions that need them, so that
``import minsec`` stays cheap. Tables are read with explicit dtypes from the Table Schema,
never by inference: dates are datetime64, enums categorical, numbers nullable.
"""

import json
import sys
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import frictionless
    import pandas

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


def _dtypes(fields: list[dict]) -> "tuple[dict[str, object], list[str]]":
    """The pandas dtype of every column of a Table Schema, and the date columns to parse."""
    import pandas as pd

    dtypes: dict[str, object] = {}
    dates = []
    for f in fields:
        enum = f.get("constraints", {}).get("enum")
        if enum is not None:
            dtypes[f["name"]] = pd.CategoricalDtype(enum)
        elif f["type"] == "integer":
            dtypes[f["name"]] = "Int64"
        elif f["type"] == "number":
            dtypes[f["name"]] = "Float64"
        elif f["type"] == "boolean":
            dtypes[f["name"]] = "boolean"
        else:
            dtypes[f["name"]] = "string"
            if f["type"] == "date":
                dates.append(f["name"])
    return dtypes, dates


def _has_pyarrow() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("pyarrow") is not None and sys.modules.get("pyarrow", True) is not None
    except (ImportError, ValueError):
        return False


def read_table(source: "Path | IO[bytes]", fields: list[dict], engine: str | None = None) -> "pandas.DataFrame":
    """A CSV table (a path or an open binary file) as a DataFrame with the dtypes ``fields`` declare.

    Read by pyarrow's CSV reader when pyarrow is installed (as fast as ``pandas.read_csv``
    with pyarrow), else by pandas' C reader; ``engine`` (``"pyarrow"`` or ``"c"``) forces one.
    Both give identical frames.
    """
    if engine is None:
        engine = "pyarrow" if _has_pyarrow() else "c"
    if engine == "pyarrow":
        return _read_arrow(source, fields)
    import pandas as pd

    dtypes, dates = _dtypes(fields)
    frame = pd.read_csv(
        source,
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
        true_values=["true"],
        false_values=["false"],
        encoding="utf-8",
    )
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d").astype("datetime64[ns]")
    return frame


@cache
def _categories(enum: tuple) -> "pandas.CategoricalDtype":
    import pandas as pd

    return pd.CategoricalDtype(list(enum))


def _read_arrow(source: "Path | IO[bytes]", fields: list[dict]) -> "pandas.DataFrame":
    """``read_table`` by pyarrow: enums arrive dictionary-encoded and become categoricals by
    their codes, strings stay arrow strings (what pandas' string dtype holds with pyarrow)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    types: dict[str, object] = {}
    enums: dict[str, tuple] = {}
    for f in fields:
        enum = f.get("constraints", {}).get("enum")
        if enum is not None:
            types[f["name"]] = pa.dictionary(pa.int32(), pa.string())
            enums[f["name"]] = tuple(enum)
        else:
            types[f["name"]] = {
                "integer": pa.int64(),
                "number": pa.float64(),
                "boolean": pa.bool_(),
                "date": pa.timestamp("ns"),
            }.get(f["type"], pa.large_string())
    options = pa_csv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        true_values=["true"],
        false_values=["false"],
    )
    table = pa_csv.read_csv(source, convert_options=options)
    mapping = {
        pa.large_string(): pd.StringDtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    plain = table.drop_columns(list(enums)).to_pandas(types_mapper=mapping.get)
    columns: dict[str, object] = {}
    for f in fields:
        name = f["name"]
        if name not in enums:
            columns[name] = plain[name]
            continue
        # The enum's codes straight from arrow's dictionary; a value outside it is NaN.
        chunks = table.column(name)
        column = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()
        position = pc.index_in(column.dictionary, value_set=pa.array(enums[name], pa.string()))
        codes = pc.fill_null(pc.take(position, column.indices), -1).to_numpy(zero_copy_only=False)
        columns[name] = pd.Categorical.from_codes(codes, dtype=_categories(enums[name]))
    return pd.DataFrame(columns, copy=False)


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
