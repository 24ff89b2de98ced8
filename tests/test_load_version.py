"""Loading a past release: ``minsec.load_table(name, version=...)`` reads the release kept in
``releases/`` with that release's own schema."""

import importlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import minsec
from conftest import PackageCopy
from minsec import release_files
from minsec.export import release_artifacts
from minsec.package_files import from_release

FIRST = "0.1.0"
load_module = importlib.import_module("minsec.load")  # the module; minsec.load is the function


def release_fields(version: str) -> dict[str, list[dict]]:
    descriptor = json.loads((release_files.available()[version] / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r["schema"]["fields"] for r in descriptor["resources"]}


def assert_dtypes_follow(frame: pd.DataFrame, fields: list[dict]) -> None:
    assert list(frame.columns) == [f["name"] for f in fields]
    for f in fields:
        dtype, enum = frame[f["name"]].dtype, f.get("constraints", {}).get("enum")
        if enum is not None:
            assert isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == enum, f["name"]
        else:
            expected = {"date": "datetime64[ns]", "integer": pd.Int64Dtype(), "number": pd.Float64Dtype()}
            expected |= {"boolean": pd.BooleanDtype()}
            assert dtype == expected.get(f["type"], pd.StringDtype()), f["name"]


@pytest.mark.parametrize("name", sorted(release_fields(FIRST)))
def test_first_release_loads_with_its_dtypes(name: str) -> None:
    assert_dtypes_follow(minsec.load_table(name, version=FIRST), release_fields(FIRST)[name])


@pytest.mark.parametrize("name", minsec.table_names())
def test_the_current_release_equals_the_bundled_data(name: str) -> None:
    """The release of the bundled version, loaded from its zip, is the bundled data frame for frame."""
    if minsec.__version__ not in minsec.versions():
        pytest.skip(f"version {minsec.__version__} is not released yet")
    released = from_release(release_files.available()[minsec.__version__]).resource(name)
    bundled = json.loads(minsec.data_path("datapackage.json").read_text(encoding="utf-8"))
    if released.get("hash") != next(r for r in bundled["resources"] if r["name"] == name).get("hash"):
        pytest.skip(f"{name} has changes since release {minsec.__version__} (CHANGELOG.md's [Unreleased])")
    pd.testing.assert_frame_equal(minsec.load_table(name, version=minsec.__version__), minsec.load_table(name))


def test_versions_lists_releases_and_the_bundled_version() -> None:
    assert FIRST in minsec.versions()
    assert minsec.__version__ in minsec.versions()


def test_unknown_version_names_the_releases() -> None:
    with pytest.raises(KeyError) as info:
        minsec.load_table("deals", version="9.9.9")
    assert (
        info.value.args[0]
        == f"no release '9.9.9' of minsec is available here; releases: {', '.join(minsec.versions())}"
    )


@pytest.fixture
def older_release(package_copy: PackageCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Release 0.0.9, whose events table still had no ``location`` and whose first deal had another title,
    as the only release the loader finds."""
    package_copy.remove_column("events", "location")
    key = package_copy.set_value("deals", "title", "The title 0.0.9 published")
    package_copy.set_version("0.0.9")
    release = tmp_path / "releases" / "0.0.9"
    release.mkdir(parents=True)
    for name, content in release_artifacts(package_copy.folder).items():
        (release / name).write_bytes(content)
    shutil.copy2(package_copy.folder / "datapackage.json", release)
    shutil.rmtree(package_copy.folder)  # only the zip is left to read from
    monkeypatch.setattr(release_files, "release_roots", lambda root=None, bundled=True: [tmp_path / "releases"])
    load_module._release.cache_clear()
    yield key
    load_module._release.cache_clear()


def test_an_older_release_is_read_from_its_zip(older_release: str) -> None:
    assert minsec.versions() == ["0.0.9", minsec.__version__]
    events = minsec.load_table("events", version="0.0.9")
    assert "location" not in events.columns
    assert "location" in minsec.load_table("events").columns
    deals = minsec.load_table("deals", version="0.0.9").set_index("id")
    assert deals.loc[older_release, "title"] == "The title 0.0.9 published"
    assert list(minsec.load(version="0.0.9")) == minsec.table_names()
