"""The download formats: Parquet read by DuckDB, SQLite read by sqlite3, Datasette metadata,
Croissant validated by mlcroissant, schema.org JSON-LD, .zenodo.json; all deterministic."""

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import minsec
from minsec.publish import datasette
from minsec.publish.downloads import catalogue
from minsec.site.render import site_files
from minsec.tables import tables
from minsec.validate import validate

DUCKDB_TYPES = {"date": "DATE", "number": "DOUBLE", "integer": "BIGINT", "boolean": "BOOLEAN", "string": "VARCHAR"}
SQLITE_TYPES = {"date": "TEXT", "number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT"}


@pytest.fixture(scope="module")
def site(real_site: Path) -> Path:
    """The site of the repository's records, written to a folder (conftest's ``real_site``, once per session)."""
    return real_site


@pytest.fixture(scope="module")
def download(site: Path) -> Path:
    return site / "download"


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_two_builds_are_byte_identical(repo_root: Path, site: Path) -> None:
    """A second build of the site, in this process, is the first (the session's, on disk) byte for byte."""
    first = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    second = site_files(repo_root, validate(repo_root, []).dataset)
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []
    assert any(p.endswith(".parquet") for p in first) and "download/minsec.sqlite" in first


def test_download_folder_holds_the_data_package_as_built(repo_root: Path, download: Path) -> None:
    for path in (repo_root / "datapackage").rglob("*"):
        if path.is_file():
            relative = path.relative_to(repo_root / "datapackage")
            assert (download / relative).read_bytes() == path.read_bytes(), relative
    for entry in catalogue(tables()):
        assert (download / entry.path).is_file(), entry.path
    check = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=download, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = {line.split("  ", 1)[1] for line in (download / "SHA256SUMS").read_text().splitlines()}
    assert listed == {p.relative_to(download).as_posix() for p in download.rglob("*") if p.is_file()} - {"SHA256SUMS"}


def test_parquet_read_by_duckdb_has_the_rows_and_types(download: Path) -> None:
    con = duckdb.connect()
    for table in tables():
        path = download / "data" / f"{table.name}.parquet"
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        assert count == len(csv_rows(download / "data" / f"{table.name}.csv")), table.name
        described = {
            row[0]: row[1] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        }
        assert list(described) == [c.name for c in table.columns]
        for column in table.columns:
            assert described[column.name] == DUCKDB_TYPES[column.type], (table.name, column.name)


def test_parquet_enums_are_dictionaries_and_nullability_follows_required(download: Path) -> None:
    import pyarrow as pa

    for table in tables():
        schema = pq.read_schema(download / "data" / f"{table.name}.parquet")
        for column in table.columns:
            field = schema.field(column.name)
            assert field.nullable is (not column.required), (table.name, column.name)
            if column.vocabulary is not None:
                assert pa.types.is_dictionary(field.type), (table.name, column.name)
                assert (
                    pq.read_table(download / "data" / f"{table.name}.parquet")
                    .column(column.name)
                    .chunk(0)
                    .dictionary.to_pylist()
                    == column.vocabulary.values()
                )
            assert field.metadata[b"description"].decode() == column.description


def test_parquet_values_are_typed(download: Path) -> None:
    con = duckdb.connect()
    deals = str(download / "data" / "deals.parquet")
    amounts = con.execute(f"SELECT value_amount FROM read_parquet('{deals}') ORDER BY id").fetchall()
    assert None in [a[0] for a in amounts] and any(isinstance(a[0], float) for a in amounts)
    events = str(download / "data" / "events.parquet")
    (first,) = con.execute(f"SELECT min(date) FROM read_parquet('{events}')").fetchone()
    assert first.isoformat() == min(r["date"] for r in csv_rows(download / "data" / "events.csv") if r["date"])


def test_parquet_join_with_duckdb(download: Path) -> None:
    data = download / "data"
    joined = duckdb.sql(
        f"SELECT t.deal_id, p.name AS provider, r.name AS recipient FROM '{data}/deal_terms.parquet' t "
        f"JOIN '{data}/actors.parquet' p ON p.id = t.provider_id "
        f"JOIN '{data}/actors.parquet' r ON r.id = t.recipient_id"
    ).fetchall()
    assert len(joined) == len(csv_rows(data / "deal_terms.csv")) and all(row[1] and row[2] for row in joined)


@pytest.fixture
def db(download: Path):  # type: ignore[no-untyped-def]
    con = sqlite3.connect(f"file:{download / 'minsec.sqlite'}?mode=ro", uri=True)
    yield con
    con.close()


def test_sqlite_has_every_table_with_its_rows_types_and_keys(db: sqlite3.Connection, download: Path) -> None:
    for table in tables():
        assert db.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0] == len(
            csv_rows(download / "data" / f"{table.name}.csv")
        )
        info = {row[1]: row for row in db.execute(f'PRAGMA table_info("{table.name}")')}
        assert list(info) == [c.name for c in table.columns]
        for column in table.columns:
            _, _, kind, notnull, _, pk = info[column.name]
            assert kind == SQLITE_TYPES[column.type]
            assert bool(notnull) is column.required or column.name in table.primary_key
            assert (pk > 0) is (column.name in table.primary_key)
        keys = {(row[3], row[2], row[4]) for row in db.execute(f'PRAGMA foreign_key_list("{table.name}")')}
        assert keys == {(c.name, c.foreign_key, "id") for c in table.columns if c.foreign_key}
        indexed = {
            db.execute(f'PRAGMA index_info("{index[1]}")').fetchone()[2]
            for index in db.execute(f'PRAGMA index_list("{table.name}")')
        }
        assert {c.name for c in table.columns if c.foreign_key} <= indexed
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sqlite_types_and_checks(db: sqlite3.Connection) -> None:
    kinds = dict(db.execute("SELECT typeof(value_amount), count(*) FROM deals GROUP BY 1").fetchall())
    assert set(kinds) <= {"real", "null"} and "real" in kinds
    assert set(dict(db.execute("SELECT typeof(withdrawn), 1 FROM deals").fetchall())) == {"integer"}
    schema = db.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    assert '"date" = date("date")' in schema and "'agreement_signed'" in schema


def test_sqlite_join(db: sqlite3.Connection) -> None:
    rows = db.execute(
        "SELECT d.title, a.name FROM deal_parties p JOIN deals d ON d.id = p.deal_id JOIN actors a ON a.id = p.actor_id"
    ).fetchall()
    assert len(rows) == db.execute("SELECT count(*) FROM deal_parties").fetchone()[0] > 0


def test_datasette_metadata_describes_every_table_and_its_canned_queries_run(
    db: sqlite3.Connection, download: Path
) -> None:
    metadata = json.loads((download / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["license"] == "CC-BY-4.0" and metadata["license_url"].startswith("https://")
    assert metadata["source"]
    database = metadata["databases"]["minsec"]
    for table in tables():
        described = database["tables"][table.name]
        assert described["description"] == table.description
        assert described["columns"] == {c.name: c.description for c in table.columns}
    queries = database["queries"]
    titles = {q["title"] for q in queries.values()}
    assert {"Deals with who gives what", "Events of a deal with quotes"} <= titles
    deal = db.execute("SELECT deal_id FROM events WHERE deal_id IS NOT NULL ORDER BY deal_id LIMIT 1").fetchone()[0]
    record = db.execute("SELECT record_id FROM citations LIMIT 1").fetchone()[0]
    for name, query in queries.items():
        params = {p: {"deal_id": deal, "record_id": record}[p] for p in re.findall(r":(\w+)", query["sql"])}
        assert db.execute(query["sql"], params).fetchall(), name
    assert queries == datasette.canned_queries()


def test_datasette_serves_the_database_with_its_metadata(download: Path) -> None:
    import asyncio

    from datasette.app import Datasette

    metadata = json.loads((download / "metadata.json").read_text(encoding="utf-8"))

    async def fetch(*paths: str) -> list:  # type: ignore[type-arg]
        app = Datasette([str(download / "minsec.sqlite")], metadata=metadata)
        return [await app.client.get(path) for path in paths]

    deal = "usa-ukr-minerals-agreement-2025"
    terms, events, page = asyncio.run(
        fetch(
            "/minsec/deals-with-who-gives-what.json?_shape=array",
            f"/minsec/events-of-a-deal-with-quotes.json?_shape=array&deal_id={deal}",
            "/minsec/deal_terms",
        )
    )
    assert terms.status_code == events.status_code == page.status_code == 200
    assert len(terms.json()) == len(csv_rows(download / "data" / "deal_terms.csv"))
    assert events.json() and all(row["quote"] for row in events.json())
    assert "The quid pro quo" in page.text  # the table's description


def test_croissant_is_valid_for_mlcroissant_and_reads_every_row(download: Path, tmp_path: Path) -> None:
    mlc = pytest.importorskip("mlcroissant")
    metadata = json.loads((download / "croissant.json").read_text(encoding="utf-8"))
    dataset = mlc.Dataset(jsonld=download / "croissant.json")
    assert not dataset.metadata.ctx.issues.errors and not dataset.metadata.ctx.issues.warnings
    keys = {rs["name"]: [k["@id"] for k in rs["key"]] for rs in metadata["recordSet"]}
    assert keys["deals"] == ["deals/id"]
    references = {
        f["@id"]: f["references"]["field"]["@id"]
        for rs in metadata["recordSet"]
        for f in rs["field"]
        if "references" in f
    }
    assert references["deal_terms/provider_id"] == "actors/id"
    # mlcroissant 1.1 fails on a join through a table that itself refers to another (its
    # operation graph passes a generator where a frame is due), so rows are read without references.
    for record_set in metadata["recordSet"]:
        for field in record_set["field"]:
            field.pop("references", None)
    copy = download / "croissant-plain.json"
    copy.write_text(json.dumps(metadata), encoding="utf-8")
    try:
        plain = mlc.Dataset(jsonld=copy)
        for table in tables():
            records = list(plain.records(record_set=table.name))
            assert len(records) == len(csv_rows(download / "data" / f"{table.name}.csv")), table.name
    finally:
        copy.unlink()


def test_jsonld_in_the_home_page(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@type"] == "Dataset" and data["version"] == minsec.__version__
    for key in ("name", "description", "license", "creator", "keywords", "temporalCoverage", "variableMeasured"):
        assert data[key], key
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}", data["temporalCoverage"])
    descriptor = json.loads((site / "download" / "datapackage.json").read_text(encoding="utf-8"))
    assert data["temporalCoverage"].endswith(f"/{descriptor['coverage_end']}")
    names = {v["name"] for v in data["variableMeasured"]}
    assert {f"{t.name}.{c.name}" for t in tables() for c in t.columns} == names
    for item in data["distribution"]:
        assert item["@type"] == "DataDownload" and item["encodingFormat"]
        assert (site / item["contentUrl"]).is_file(), item["contentUrl"]
    formats = {d["encodingFormat"] for d in data["distribution"]}
    assert {"text/csv", "application/vnd.apache.parquet", "application/vnd.sqlite3"} <= formats


def test_metadata_urls_are_absolute_under_a_base_url() -> None:
    from minsec.publish.croissant import croissant
    from minsec.publish.jsonld import Download, dataset_jsonld

    base = "https://example.org/minsec/"
    data = dataset_jsonld(tables(), {"events": []}, [Download("download/data/deals.csv", "text/csv", "Deals.")], base)
    assert data["url"] == base and data["distribution"][0]["contentUrl"] == f"{base}download/data/deals.csv"
    assert "temporalCoverage" not in data  # no dated events, no coverage claimed
    described = croissant(tables(), {t.name: b"" for t in tables()}, f"{base}download")
    assert described["url"] == f"{base}download"
    assert described["distribution"][0]["contentUrl"] == f"{base}download/data/{tables()[0].name}.csv"


def test_zenodo_json_is_generated_from_the_descriptor(repo_root: Path) -> None:
    zenodo = json.loads((repo_root / ".zenodo.json").read_text(encoding="utf-8"))
    descriptor = json.loads((repo_root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert zenodo["version"] == descriptor["version"] == minsec.__version__
    assert zenodo["upload_type"] == "dataset" and zenodo["license"] == "cc-by-4.0"
    assert zenodo["keywords"] == descriptor["keywords"] and zenodo["title"] == descriptor["title"]


def test_build_check_finds_a_stale_zenodo_json(mini_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    zenodo = mini_repo.root / ".zenodo.json"
    assert json.loads(zenodo.read_text(encoding="utf-8"))["version"] == minsec.__version__
    zenodo.write_text(zenodo.read_text(encoding="utf-8").replace(minsec.__version__, "9.9.9"), encoding="utf-8")
    code, out, _ = run_cli("build", "--check", "--root", mini_repo.root)
    assert code == 1 and "changed: .zenodo.json" in out


BLOCK_HEAVY = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"pyarrow", "duckdb", "mlcroissant", "jinja2"}:
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, Block())
import minsec
deals = minsec.load_table("deals")
assert len(deals) > 0
print("ok")
"""


def test_loading_needs_no_publishing_extra() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCK_HEAVY], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
