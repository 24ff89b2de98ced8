"""Snapshots of the text of every published CSV table in datapackage/data/.

The snapshots change whenever the records do: after reviewing the difference, regenerate
them with ``pytest tests/test_snapshots.py --force-regen``.
"""

from pathlib import Path

import pytest

from minsec.tables import tables


@pytest.mark.parametrize("table", [t.name for t in tables()])
def test_csv_snapshot(table: str, repo_root: Path, file_regression) -> None:
    path = repo_root / "datapackage" / "data" / f"{table}.csv"
    text = path.read_bytes().decode("utf-8")
    assert "\r" not in text, f"{path} has CR line endings"
    file_regression.check(text, basename=table, extension=".csv", newline="\n")
