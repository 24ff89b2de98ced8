"""The published Data Package: valid for frictionless, and its Table Schema really enforced.

The committed ``datapackage/`` is checked as it is. The tamper tests work on a fresh build
of the real records in a temporary folder, so that they always have rows to tamper with.
"""

import copy
import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import frictionless
import pytest

import minsec
from minsec.build import render_repository, write
from minsec.tables import tables
from minsec.validate import validate

TABLES = [t.name for t in tables()]


def errors_of(descriptor: Path, table: str | None = None) -> list[list]:
    """frictionless's errors for the package, or for one of its tables (checked in the
    package, so its foreign keys are resolved against the other tables).

    What frictionless reads is the descriptor's JSON and the bytes of the files beside it: a
    package equal to one already checked in both has its errors (the committed package, the
    fresh build and its untampered copy are, when the committed package is up to date, which
    saves two of three 1-second validations)."""
    folder = descriptor.parent
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p != descriptor)
    contents = [(p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    parsed = json.loads(descriptor.read_text(encoding="utf-8"))
    key = (json.dumps(parsed, sort_keys=True), tuple(contents), table)
    if key not in _ERRORS:
        if table is None:
            report = frictionless.validate(str(descriptor))
        else:
            report = frictionless.Package(str(descriptor)).get_resource(table).validate()
        _ERRORS[key] = report.flatten(["resourceName", "type", "fieldName", "note"])
    return copy.deepcopy(_ERRORS[key])


_ERRORS: dict[tuple[str, tuple[tuple[str, str], ...], str | None], list[list]] = {}


@pytest.fixture(scope="session")
def committed_package(repo_root: Path) -> Path:
    package = repo_root / "datapackage"
    if not (package / "datapackage.json").is_file():
        pytest.fail(f"{package}/datapackage.json is missing: run `minsec build`")
    return package


@pytest.fixture(scope="session")
def fresh_build(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the real records, made in a temporary copy of the repository."""
    root = tmp_path_factory.mktemp("real-build")
    shutil.copytree(repo_root / "records", root / "records")
    if (repo_root / "README.md").is_file():
        shutil.copy2(repo_root / "README.md", root / "README.md")
    report = validate(root)
    if not report.ok:
        pytest.fail("the real records do not validate:\n" + "\n".join(map(str, report.problems)))
    write(root, render_repository(root, report.dataset))
    return root / "datapackage"


def test_committed_package_is_valid(committed_package: Path) -> None:
    errors = errors_of(committed_package / "datapackage.json")
    assert errors == []


def test_fresh_build_of_real_records_is_valid(fresh_build: Path) -> None:
    assert errors_of(fresh_build / "datapackage.json") == []


def test_committed_descriptor_matches_files(committed_package: Path) -> None:
    descriptor = json.loads((committed_package / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == TABLES
    assert descriptor["version"] == minsec.__version__
    for resource in descriptor["resources"]:
        raw = (committed_package / resource["path"]).read_bytes()
        assert resource["bytes"] == len(raw), resource["name"]
        assert resource["hash"] == f"sha256:{hashlib.sha256(raw).hexdigest()}", resource["name"]
        header = raw.decode("utf-8").splitlines()[0].split(",")
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]


# --- tampering ----------------------------------------------------------------------------------

Rows = list[list[str]]


def tampered(
    fresh_build: Path, tmp_path: Path, table: str, change: Callable[[Rows], None], fix_hash: bool = True
) -> Path:
    """A copy of the package with ``change`` applied to one table's rows; returns the descriptor."""
    package = tmp_path / "datapackage"
    shutil.copytree(fresh_build, package)
    path = package / "data" / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    if len(rows) < 2:
        pytest.skip(f"table {table} has no rows to tamper with")
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    raw = buffer.getvalue().encode("utf-8")
    path.write_bytes(raw)
    descriptor_path = package / "datapackage.json"
    if fix_hash:  # so that the only thing wrong is the change itself
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        for resource in descriptor["resources"]:
            if resource["name"] == table:
                resource["bytes"] = len(raw)
                resource["hash"] = f"sha256:{hashlib.sha256(raw).hexdigest()}"
        descriptor_path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return descriptor_path


def set_cell(column: str, value: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[1][rows[0].index(column)] = value

    return change


def duplicate_first_row(rows: Rows) -> None:
    rows.append(list(rows[1]))


def test_untampered_copy_is_valid(fresh_build: Path, tmp_path: Path) -> None:
    assert errors_of(tampered(fresh_build, tmp_path, "actors", lambda rows: None)) == []


@pytest.mark.parametrize(
    ("table", "change", "error", "field"),
    [
        ("actors", set_cell("kind", "planet"), "constraint-error", "kind"),
        ("events", set_cell("event_type", "coup"), "constraint-error", "event_type"),
        ("deals", set_cell("status", "finished"), "constraint-error", "status"),
        ("citations", set_cell("record_kind", "rumour"), "constraint-error", "record_kind"),
        ("actors", duplicate_first_row, "primary-key", None),
        ("deal_parties", duplicate_first_row, "primary-key", None),
        ("citations", duplicate_first_row, "primary-key", None),
        ("deal_parties", set_cell("actor_id", "nobody-at-all"), "foreign-key", None),
        ("event_actors", set_cell("event_id", "no-such-event"), "foreign-key", None),
        ("claims", set_cell("subject_id", "nobody-at-all"), "foreign-key", None),
        ("citations", set_cell("source_id", "no-such-source"), "foreign-key", None),
        ("actors", set_cell("name", ""), "constraint-error", "name"),
        ("events", set_cell("date_precision", ""), "constraint-error", "date_precision"),
        ("deal_terms", set_cell("description", ""), "constraint-error", "description"),
        ("actors", set_cell("id", "Not An Id"), "constraint-error", "id"),
        ("deal_terms", set_cell("term_no", "first"), "type-error", "term_no"),
        ("sources", set_cell("withdrawn", "maybe"), "type-error", "withdrawn"),
        # the vocabularies and tables added in 0.2.0
        ("events", set_cell("reporting", "rumoured"), "constraint-error", "reporting"),
        ("deal_terms", set_cell("timing", "someday"), "constraint-error", "timing"),
        ("deal_terms", set_cell("reporting", "rumoured"), "constraint-error", "reporting"),
        ("deal_commodities", set_cell("basis", "vibes"), "constraint-error", "basis"),
        ("deals", set_cell("status", "contested"), "constraint-error", "status"),
        ("deal_status_reports", set_cell("status", "disputed"), "constraint-error", "status"),
        ("deal_status_reports", set_cell("event_id", "no-such-event"), "foreign-key", None),
        ("deal_status_reports", duplicate_first_row, "primary-key", None),
        ("claims", set_cell("attribution", "rumour"), "constraint-error", "attribution"),
        ("claims", set_cell("unit", "furlong"), "constraint-error", "unit"),
        ("commodity_broader", set_cell("broader_id", "no-such-commodity"), "foreign-key", None),
        ("deal_term_citations", set_cell("source_id", "no-such-source"), "foreign-key", None),
        ("source_relays", set_cell("outlet_type", "blog"), "constraint-error", "outlet_type"),
        ("events", set_cell("date_start", "9 March"), "type-error", "date_start"),
    ],
)
def test_tampered_package_is_invalid(
    fresh_build: Path, tmp_path: Path, table: str, change, error: str, field: str | None
) -> None:
    # Only the tampered table is checked (20x faster): the others are the untampered copies,
    # which test_untampered_copy_is_valid checks whole.
    errors = errors_of(tampered(fresh_build, tmp_path, table, change), table)
    assert errors, "frictionless accepted a row the Table Schema forbids"
    assert {(e[1], e[2]) for e in errors} == {(error, field)}, errors


def test_changed_file_fails_hash_check(fresh_build: Path, tmp_path: Path) -> None:
    descriptor = tampered(fresh_build, tmp_path, "actors", set_cell("role", "Someone else"), fix_hash=False)
    assert "hash-count" in {e[1] for e in errors_of(descriptor, "actors")}
