"""Snapshots of every table as the build writes it, from the small test repository of
conftest.py (invented records), not from records/: a data pull request never touches them;
a change to the code that changes what the build writes does.

When a snapshot differs on purpose (a new column, say), refresh them all with
``python -m pytest tests/test_snapshots.py --force-regen`` and review the diff before
committing; the failure message says so too.
"""

from pathlib import Path

import pytest

from conftest import make_mini_repo
from minsec.cli import main
from minsec.tables import tables

REFRESH = "python -m pytest tests/test_snapshots.py --force-regen"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_mini_repo(tmp_path_factory.mktemp("snapshots"))
    assert main(["build", "--root", str(repo.root), "--corpus", str(repo.corpus)]) == 0
    return repo.root / "datapackage" / "data"


@pytest.mark.parametrize("table", [t.name for t in tables()])
def test_csv_snapshot(table: str, built: Path, file_regression) -> None:
    path = built / f"{table}.csv"
    text = path.read_bytes().decode("utf-8")
    assert "\r" not in text, f"{path} has CR line endings"
    try:
        file_regression.check(text, basename=table, extension=".csv", newline="\n")
    except AssertionError as error:
        raise AssertionError(
            f"{error}\n\nThe {table} table built from the test records of tests/conftest.py changed. "
            f"If the change is intended, refresh the snapshots with `{REFRESH}` and review their diff."
        ) from None
