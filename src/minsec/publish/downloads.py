"""Every download file of a release, relative path to exact bytes.

The Data Package (``datapackage.json`` and ``data/*.csv``, exactly as ``minsec build``
writes them), one Parquet file per table beside each CSV, the SQLite database with its
Datasette ``metadata.json``, the Croissant description, and ``SHA256SUMS`` of them all. Paths are relative to the
download folder (``download/`` in the site, whose home page embeds the schema.org JSON-LD).
"""

import json
from collections.abc import Mapping

from minsec.export import sha256sums
from minsec.publish import croissant, datasette, jsonld, parquet, sqlite
from minsec.publish.jsonld import Download
from minsec.tables import Row, Table

DATASETTE_METADATA = "metadata.json"
FOLDER = "download"
SUMS = "SHA256SUMS"


def dump(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def folder_url(base_url: str | None) -> str | None:
    """The absolute URL of the download folder under the site's ``base_url``, if there is one."""
    return jsonld.url(base_url, FOLDER) if base_url else None


def catalogue(all_tables: tuple[Table, ...]) -> list[Download]:
    """What the download folder holds, in the order the site lists it."""
    files = [
        Download("datapackage.json", "application/json", "Frictionless Data Package descriptor of the CSV tables."),
        Download(sqlite.FILE_NAME, "application/vnd.sqlite3", "Every table in one SQLite database, with keys."),
        Download(DATASETTE_METADATA, "application/json", "Datasette metadata for minsec.sqlite."),
        Download(croissant.FILE_NAME, "application/ld+json", "Croissant description of the CSV tables."),
        Download(SUMS, "text/plain", "SHA-256 of every file here (check with sha256sum -c SHA256SUMS)."),
    ]
    for t in all_tables:
        files.append(Download(f"data/{t.name}.csv", "text/csv", t.description))
        files.append(Download(f"data/{t.name}.parquet", "application/vnd.apache.parquet", t.description))
    return files


def download_files(
    all_tables: tuple[Table, ...],
    rows: Mapping[str, list[Row]],
    package_files: Mapping[str, bytes],
    base_url: str | None = None,
) -> dict[str, bytes]:
    """The download folder: ``package_files`` are the built ``datapackage/`` files, relative to it."""
    files = dict(package_files)
    csv_files = {t.name: package_files[f"data/{t.name}.csv"] for t in all_tables}
    for t in all_tables:
        files[f"data/{t.name}.parquet"] = parquet.parquet_bytes(t, rows[t.name])
    files[sqlite.FILE_NAME] = sqlite.sqlite_bytes(all_tables, rows)
    files[DATASETTE_METADATA] = dump(datasette.metadata(all_tables, base_url))
    files[croissant.FILE_NAME] = dump(croissant.croissant(all_tables, csv_files, folder_url(base_url)))
    files[SUMS] = sha256sums(files)
    return dict(sorted(files.items()))
