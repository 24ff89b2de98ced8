"""`minsec build` on a small repository: complete, reproducible, atomic, and checkable."""

import hashlib
import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import frictionless
import pytest

import minsec
from conftest import CLAIM_ID, DEAL_ID, EVENT_ID, MiniRepo, copy_mini_repo, read_csv, tree_hashes
from minsec.build import GENERATED_DIRS, GENERATED_FILES
from minsec.models import MODELS
from minsec.tables import tables

TABLES = [t.name for t in tables()]


def generated(root: Path) -> dict[str, str]:
    """Hashes of every generated file: datapackage/, schemas/, CODEBOOK.md, README.md, .zenodo.json."""
    hashes = tree_hashes(*(root / d for d in GENERATED_DIRS if (root / d).is_dir()))
    for name in GENERATED_FILES:
        if (root / name).is_file():
            hashes[name] = hashlib.sha256((root / name).read_bytes()).hexdigest()
    return hashes


@pytest.fixture
def built(built_mini_template: MiniRepo, tmp_path: Path) -> MiniRepo:
    """The small repository as ``minsec build --corpus`` leaves it: a copy of the session's build."""
    return copy_mini_repo(built_mini_template, tmp_path)


def test_build_writes_every_file(built) -> None:
    root = built.root
    package = root / "datapackage"
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == TABLES
    for table in tables():
        path = package / "data" / f"{table.name}.csv"
        assert path.is_file()
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [c.name for c in table.columns]
        assert (root / "schemas" / "tables" / f"{table.name}.schema.json").is_file()
    for model in MODELS:
        records = json.loads((package / "json" / f"{model.folder}.json").read_text(encoding="utf-8"))
        assert sorted(r["id"] for r in records) == sorted(
            rid for rid, (folder, _) in built.records.items() if folder == model.folder
        )
        schema = json.loads((root / "schemas" / "records" / f"{model.record_kind.value}.schema.json").read_text())
        assert schema["additionalProperties"] is False
    assert (root / "CODEBOOK.md").is_file()
    assert not list(root.glob("datapackage.*")) and not list(root.glob("schemas.*"))


def test_csv_rows_match_records(built) -> None:
    root = built.root
    assert [r["id"] for r in read_csv(root, "actors")] == ["cod", "jane-doe", "usa"]
    assert read_csv(root, "deal_parties") == [
        {"deal_id": DEAL_ID, "actor_id": "usa", "role": "party"},
        {"deal_id": DEAL_ID, "actor_id": "cod", "role": "party"},
        {"deal_id": DEAL_ID, "actor_id": "jane-doe", "role": "broker"},
    ]
    assert [(r["term_no"], r["kind"], r["commodity_id"]) for r in read_csv(root, "deal_terms")] == [
        ("1", "mineral_access", "cobalt"),
        ("2", "military_aid", ""),
    ]
    assert read_csv(root, "deal_commodities") == [{"deal_id": DEAL_ID, "commodity_id": "cobalt", "basis": "named"}]
    source = read_csv(root, "sources")[0]
    assert (source["published"], source["published_precision"], source["withdrawn"]) == ("2025-03-09", "day", "false")
    claim = read_csv(root, "claims")[0]
    assert (claim["value"], claim["unit"], claim["as_of"], claim["as_of_precision"]) == ("70", "percent", "", "unknown")
    commodity = read_csv(root, "commodities")[0]
    assert (commodity["symbols"], commodity["usgs_critical_2022"], commodity["eu_critical_2024"]) == ("Co", "true", "")
    citations = read_csv(root, "citations")
    assert len(citations) == 7
    assert {(c["record_kind"], c["record_id"], c["quote_no"]) for c in citations} >= {("deal", DEAL_ID, "1")}


def test_readme_contents_table(built) -> None:
    readme = (built.root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# mini\n") and readme.endswith("The end.\n")
    assert re.search(r"^\| `actors` \| 3 \|", readme, re.M)
    assert re.search(r"^\| `citations` \| 7 \|", readme, re.M)


def test_readme_row_count_with_multiline_text(mini_repo, run_cli) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(note="First line.\nSecond line."))
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert len(read_csv(mini_repo.root, "claims")) == 1
    readme = (mini_repo.root / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\| `claims` \| 1 \|", readme, re.M)


def test_two_builds_are_byte_identical(built, run_cli) -> None:
    root = built.root
    first = generated(root)
    assert len(first) > 30
    code, out, _ = run_cli("build", "--root", root)
    assert code == 0 and "; 0 changed" in out
    assert generated(root) == first
    for folder in ("datapackage", "schemas"):
        shutil.rmtree(root / folder)
    (root / "CODEBOOK.md").unlink()
    assert run_cli("build", "--root", root)[0] == 0
    assert generated(root) == first


def test_check_after_build_is_clean(built, run_cli) -> None:
    code, out, _ = run_cli("build", "--check", "--root", built.root)
    assert code == 0, out
    assert "up to date" in out


def _edit_record(repo) -> str:
    repo.rewrite("jane-doe", lambda d: d.update(role="Special envoy"))
    return "changed: datapackage/data/actors.csv"


def _edit_csv(repo) -> str:
    path = repo.root / "datapackage" / "data" / "deals.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("signed", "in_force"), encoding="utf-8")
    return "changed: datapackage/data/deals.csv"


def _stray_file(repo) -> str:
    (repo.root / "datapackage" / "data" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    return "not generated (remove it): datapackage/data/extra.csv"


def _deleted_file(repo) -> str:
    (repo.root / "schemas" / "records" / "claim.schema.json").unlink()
    return "missing: schemas/records/claim.schema.json"


@pytest.mark.parametrize("change", [_edit_record, _edit_csv, _stray_file, _deleted_file])
def test_check_names_the_stale_file(built, run_cli, change) -> None:
    expected = change(built)
    before = generated(built.root)
    code, out, err = run_cli("build", "--check", "--root", built.root)
    assert code == 1
    assert expected in out.splitlines()
    assert "stale" in err
    assert generated(built.root) == before, "--check must write nothing"
    assert run_cli("build", "--root", built.root)[0] == 0
    assert run_cli("build", "--check", "--root", built.root)[0] == 0
    assert not (built.root / "datapackage" / "data" / "extra.csv").exists()


@pytest.mark.parametrize("corpus", [False, True])
def test_failed_build_leaves_previous_files(built, run_cli, corpus) -> None:
    before = generated(built.root)
    if corpus:  # valid records, but a quote the text does not hold
        built.rewrite("usa", lambda d: d["citations"][0].update(quote="The United Kingdom"))
        args = ("--corpus", built.corpus)
    else:
        built.rewrite(CLAIM_ID, lambda d: d.update(subject_id="nobody"))
        args = ()
    code, _, err = run_cli("build", "--root", built.root, *args)
    assert code == 1
    assert "nothing was written" in err
    assert generated(built.root) == before


def test_interrupted_swap_is_recovered(built, run_cli) -> None:
    root = built.root
    before = generated(root)
    # Interrupted between moving the old folder aside and moving the new one in:
    (root / "datapackage").rename(root / "datapackage.old-123")
    staging = root / "datapackage.tmp-abc"
    (staging / "data").mkdir(parents=True)
    (staging / "data" / "actors.csv").write_text("half written", encoding="utf-8")
    code, out, err = run_cli("build", "--root", root)
    assert code == 0, out + err
    assert generated(root) == before
    assert sorted(p.name for p in root.iterdir()) == [
        ".zenodo.json",
        "CODEBOOK.md",
        "README.md",
        "datapackage",
        "records",
        "schemas",
    ]


def test_interrupted_swap_without_backup_rebuilds(built, run_cli) -> None:
    root = built.root
    before = generated(root)
    shutil.rmtree(root / "datapackage")
    (root / "schemas").rename(root / "schemas.old-7")
    assert run_cli("build", "--root", root)[0] == 0
    assert generated(root) == before
    assert not list(root.glob("*.old-*"))


def test_versions_agree(built, repo_root) -> None:
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    if "version" in project:
        declared = project["version"]
    else:
        assert "version" in project.get("dynamic", [])
        version_file = repo_root / pyproject["tool"]["hatch"]["version"]["path"]
        declared = re.search(r'^__version__ = "([^"]+)"', version_file.read_text(encoding="utf-8"), re.M).group(1)
    descriptor = json.loads((built.root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == minsec.__version__ == declared


def test_descriptor_describes_the_files(built) -> None:
    package = built.root / "datapackage"
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        raw = (package / resource["path"]).read_bytes()
        assert resource["bytes"] == len(raw)
        assert resource["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert [s["title"] for s in descriptor["sources"]] == ["Test Gazette: Cobalt for Security: A Test Article"]


def test_built_package_is_valid_for_frictionless(mini_repo, run_cli) -> None:
    mini_repo.rewrite("mini-article", lambda d: d.pop("url"))
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    report = frictionless.validate(str(mini_repo.root / "datapackage" / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "type", "fieldName", "note"])


def test_package_with_a_source_url_is_valid_for_frictionless(built) -> None:
    report = frictionless.validate(str(built.root / "datapackage" / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "type", "fieldName", "note"])


def test_withdrawn_deal_builds_a_valid_package(mini_repo, run_cli) -> None:
    mini_repo.rewrite("mini-article", lambda d: d.pop("url"))
    mini_repo.write(
        "deals",
        {
            **mini_repo.data(DEAL_ID),
            "id": "old-deal",
            "deal_type": "trade",
            "withdrawn": True,
            "note": "Recorded in error.",
        },
    )
    code, out, _ = run_cli("build", "--root", mini_repo.root)
    assert code == 0, out
    report = frictionless.validate(str(mini_repo.root / "datapackage" / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "type", "fieldName", "note"])


def test_generated_files_respect_umask(built) -> None:
    mask = os.umask(0)
    os.umask(mask)
    for name, full in (("README.md", 0o666), ("CODEBOOK.md", 0o666), ("datapackage", 0o777), ("schemas", 0o777)):
        assert (built.root / name).stat().st_mode & 0o777 == full & ~mask, name


# --- derived columns ----------------------------------------------------------------------------


def _status_event(repo, event_id: str, status: str, date: str | None, event_type: str, **extra) -> None:
    data = repo.data(EVENT_ID)
    data.update(id=event_id, deal_status=status, event_type=event_type, **extra)
    if date is None:
        data.pop("date")
    else:
        data["date"] = date
    repo.write("events", data)


def _deal_row(repo) -> tuple[str, str, str]:
    row = next(r for r in read_csv(repo.root, "deals") if r["id"] == DEAL_ID)
    return row["status"], row["status_as_of"], row["status_as_of_precision"]


def _deal_json(repo) -> dict:
    deals = json.loads((repo.root / "datapackage" / "json" / "deals.json").read_text(encoding="utf-8"))
    return next(d for d in deals if d["id"] == DEAL_ID)["derived"]


def test_status_from_single_event(built) -> None:
    assert _deal_row(built) == ("signed", "2025-03-09", "day")
    assert _deal_json(built) == {"status": "signed", "status_as_of": "2025-03-09", "status_as_of_precision": "day"}
    reports = read_csv(built.root, "deal_status_reports")
    assert [(r["deal_id"], r["event_id"], r["source_id"], r["status"], r["current"]) for r in reports] == [
        (DEAL_ID, EVENT_ID, "mini-article", "signed", "true")
    ]
    assert (reports[0]["date_start"], reports[0]["date_end"]) == ("2025-03-09", "2025-03-09")


def test_status_is_latest_by_date_not_by_id(mini_repo, run_cli) -> None:
    # "zz-" sorts after the signing event by id but happened before it.
    _status_event(mini_repo, "zz-offer", "proposed", "2025-01", "offer")
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert _deal_row(mini_repo) == ("signed", "2025-03-09", "day")
    # A later dated event wins; its month is stored as the first day with month precision.
    _status_event(mini_repo, "aa-in-force", "in_force", "2025-06", "other")
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert _deal_row(mini_repo) == ("in_force", "2025-06-01", "month")
    assert _deal_json(mini_repo) == {"status": "in_force", "status_as_of": "2025-06", "status_as_of_precision": "month"}
    current = {r["event_id"]: r["current"] for r in read_csv(mini_repo.root, "deal_status_reports")}
    assert current == {"zz-offer": "false", EVENT_ID: "false", "aa-in-force": "true"}


def test_undated_status_event_does_not_outrank_a_dated_one(mini_repo, run_cli) -> None:
    """0.1.0 ranked an undated collapse above a dated signing; nothing orders them, so they conflict."""
    _status_event(mini_repo, "aa-collapse", "collapsed", None, "agreement_collapsed")
    assert run_cli("build", "--root", mini_repo.root)[0] == 1  # one source contradicting itself is reported
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(note="The text reports aa-collapse without a date."))
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert _deal_row(mini_repo) == ("disputed", "2025-03-09", "day")
    assert _deal_json(mini_repo) == {
        "status": "disputed",
        "status_as_of": "2025-03-09",
        "status_as_of_precision": "day",
    }


def test_bounds_order_an_otherwise_undated_event(mini_repo, run_cli) -> None:
    _status_event(
        mini_repo,
        "aa-collapse",
        "collapsed",
        None,
        "agreement_collapsed",
        date_earliest="2025-04",
        date_basis="After the signing, as the text says.",
    )
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert _deal_row(mini_repo) == ("collapsed", "2025-04-01", "month")
    events = {r["id"]: r for r in read_csv(mini_repo.root, "events")}
    assert (events["aa-collapse"]["date_start"], events["aa-collapse"]["date_end"]) == ("2025-04-01", "")
    assert events["aa-collapse"]["date_earliest_precision"] == "month"


def test_withdrawn_status_event_is_ignored(mini_repo, run_cli) -> None:
    _status_event(
        mini_repo, "aa-collapse", "collapsed", "2025-04-01", "agreement_collapsed", withdrawn=True, note="Misreported."
    )
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    assert _deal_row(mini_repo) == ("signed", "2025-03-09", "day")


def test_coverage_end_is_the_latest_supported_date(built) -> None:
    descriptor = json.loads((built.root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["coverage_end"] == "2025-03-09"
    assert "Status as reported by sources up to **2025-03-09**" in (built.root / "README.md").read_text("utf-8")


def test_plover_type_column(mini_repo, run_cli) -> None:
    statement = mini_repo.data(EVENT_ID)
    for key in ("deal_id", "deal_status"):
        statement.pop(key)
    statement.update(id="a-statement", event_type="statement", date="2025")
    mini_repo.write("events", statement)
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    events = {r["id"]: r for r in read_csv(mini_repo.root, "events")}
    assert events[EVENT_ID]["plover_type"] == "COOPERATE"
    assert events["a-statement"]["plover_type"] == ""
    assert (events["a-statement"]["date"], events["a-statement"]["date_precision"]) == ("2025-01-01", "year")
    header = (mini_repo.root / "datapackage" / "data" / "events.csv").read_text().splitlines()[0].split(",")
    assert header.index("plover_type") == header.index("event_type") + 1


def test_dump_json_is_json_dumps_in_slices() -> None:
    """The sliced encoding writes exactly what one ``json.dumps`` wrote (generated files stay byte-identical)."""
    import json

    from minsec.build import dump_json

    data = {
        "text": 'é \u2013 \u2028 "q"',
        "rows": [{"n": i, "x": i / 3, "ok": i % 2 == 0, "none": None} for i in range(20000)],
    }
    assert dump_json(data) == (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def test_render_runs_without_cyclic_collection(mini_repo, monkeypatch) -> None:
    """Rendering makes many objects and no cycles: the collector is paused (and resumed after)."""
    import gc

    import minsec.build
    from minsec.validate import validate

    seen = []
    real = minsec.build.render_csv
    monkeypatch.setattr(minsec.build, "render_csv", lambda *args: seen.append(gc.isenabled()) or real(*args))
    assert gc.isenabled()
    minsec.build.render(validate(mini_repo.root).dataset)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_large_files_wait_on_disk_and_the_build_is_the_same(mini_repo, monkeypatch, tmp_path) -> None:
    """Rendered files over the spill size wait in a temporary folder (memory at 100,000 records),
    with the same bytes; where that folder cannot be made, they wait in memory."""
    import tempfile

    import minsec.build
    import minsec.rendered
    from minsec.validate import validate

    dataset = validate(mini_repo.root).dataset
    in_memory = minsec.build.render(dataset)
    assert not in_memory.spilled()
    monkeypatch.setattr(minsec.rendered, "SPILL_BYTES", 0)
    spilled = minsec.build.render(dataset)
    assert spilled.spilled() == sorted(in_memory)
    assert dict(spilled) == dict(in_memory) and list(spilled) == list(in_memory)
    folder = Path(spilled._folder.name)
    assert sorted(p.name for p in folder.iterdir())
    spilled.close()
    assert not folder.exists()

    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(blocker))  # no temporary folder can be made
    fallback = minsec.build.render(dataset)
    assert not fallback.spilled() and dict(fallback) == dict(in_memory)


def test_csv_encoded_in_batches_is_the_whole_text() -> None:
    import csv
    import io

    from minsec.build import render_csv

    rows = [{"id": f"r{i}", "text": f'line "{i}"\nü,' * (i % 3), "n": i / 2} for i in range(9000)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "text", "n"])
    for row in rows:
        writer.writerow([row["id"], row["text"], str(int(row["n"])) if row["n"].is_integer() else str(row["n"])])
    assert render_csv(["id", "text", "n"], rows) == buffer.getvalue().encode("utf-8")


def test_a_command_runs_without_cyclic_collection_and_resumes_it(mini_repo, monkeypatch) -> None:
    """Between the phases of a command (after reading, before rendering) the collector would
    walk every record again: a command runs with it paused, and leaves it as it found it."""
    import gc

    import minsec.validate
    from minsec import cli

    seen = []
    real = minsec.validate.Verdicts
    monkeypatch.setattr(minsec.validate, "Verdicts", lambda *args: seen.append(gc.isenabled()) or real(*args))
    assert gc.isenabled()
    assert cli.main(["build", "--root", str(mini_repo.root)]) == 0
    assert seen == [False], "outside the reading and the rules, where they pause it themselves"
    assert gc.isenabled()
    gc.disable()
    try:
        assert cli.main(["validate", "--root", str(mini_repo.root)]) == 0
        assert not gc.isenabled(), "left paused, as the caller had it"
    finally:
        gc.enable()
