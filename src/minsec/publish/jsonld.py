"""The schema.org ``Dataset`` description (JSON-LD) that dataset search engines read.

Name, description, licence, keywords and creator come from the Data Package descriptor's
constants, the variables from the table definitions, the temporal coverage from the
events' dates and the descriptor's ``coverage_end``, and one ``DataDownload`` per published file.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from minsec import descriptor
from minsec._version import RELEASE_DATE, __version__
from minsec.publish.periods import coverage
from minsec.tables import Row, Table


@dataclass(frozen=True)
class Download:
    """One published file: where it lies (relative to the download folder) and what it is."""

    path: str
    encoding_format: str
    description: str


def url(base_url: str | None, path: str) -> str:
    """``path`` under ``base_url`` (absolute), or as given (relative) when there is no base."""
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def creator() -> dict:
    return {"@type": "Organization", "name": "minsec contributors"}


def temporal_coverage(rows: Mapping[str, list[Row]], coverage_end: str | None = None) -> str | None:
    """ISO 8601 interval from the first day the events cover to ``coverage_end`` (the latest date
    any source supports, from ``datapackage.json``), or to the last day the events cover."""
    span = coverage(rows.get("events", []))
    if span is None:
        return None
    end = coverage_end or span[1].isoformat()
    return f"{span[0].isoformat()}/{end}"


def dataset_jsonld(
    all_tables: Sequence[Table],
    rows: Mapping[str, list[Row]],
    downloads: Sequence[Download],
    base_url: str | None = None,
    coverage_end: str | None = None,
) -> dict:
    """The schema.org Dataset; file URLs are relative to the site root unless ``base_url`` is given."""
    out: dict = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": descriptor.TITLE,
        "alternateName": descriptor.NAME,
        "description": descriptor.DESCRIPTION,
        "version": __version__,
        "datePublished": RELEASE_DATE,
        "license": descriptor.LICENSE["path"],
        "isAccessibleForFree": True,
        "creator": creator(),
        "keywords": descriptor.KEYWORDS,
    }
    if base_url:
        out["url"] = base_url
    span = temporal_coverage(rows, coverage_end)
    if span:
        out["temporalCoverage"] = span
    out["variableMeasured"] = [
        {"@type": "PropertyValue", "name": f"{t.name}.{c.name}", "description": c.description}
        for t in all_tables
        for c in t.columns
    ]
    out["distribution"] = [
        {
            "@type": "DataDownload",
            "name": d.path.rsplit("/", 1)[-1],
            "description": d.description,
            "encodingFormat": d.encoding_format,
            "contentUrl": url(base_url, d.path),
        }
        for d in downloads
    ]
    return out
