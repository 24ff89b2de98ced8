"""The whole site as relative paths and exact bytes, written to a folder in one swap.

``site_contents`` makes the download folder with every format, then each page in turn;
``write_site`` writes each file as it comes into a temporary folder beside the target and
renames that into place only once all are written, so a failed build leaves the old site
whole, and only one page is held in memory at a time.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from minsec._version import __version__
from minsec.files import umask, write_file
from minsec.publish.downloads import FOLDER, download_files
from minsec.publish.typed import all_rows
from minsec.record_files import Dataset
from minsec.release_files import available
from minsec.site.changes import Release, release_notes
from minsec.site.pages import Site
from minsec.tables import tables

#: A file that marks a folder as a minsec site, so that ``minsec site`` only ever replaces its own output.
MARKER = ".minsec-site"


class SiteError(Exception):
    """The site cannot be written where asked; the message says why and what to do."""


def latest_release(root: Path) -> Release | None:
    """The newest release kept under ``root/releases`` with its CHANGELOG.md section, if any."""
    releases = available(root, bundled=False)
    if not releases:
        return None
    version = list(releases)[-1]
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
    return release_notes(text, version)


def site_contents(root: Path, dataset: Dataset, base_url: str | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the site for the valid records ``dataset`` of the repository at ``root``, as
    (relative path, bytes): the downloads and the marker first, then the pages as they are made."""
    from minsec.build import render

    all_tables = tables()
    rows = all_rows(dataset)
    package = {k.removeprefix("datapackage/"): v for k, v in render(dataset).items() if k.startswith("datapackage/")}
    downloads = download_files(all_tables, rows, package, base_url)
    coverage_end = json.loads(package["datapackage.json"]).get("coverage_end")
    sizes = {k: len(v) for k, v in downloads.items()}
    for name in list(downloads):
        yield f"{FOLDER}/{name}", downloads.pop(name)
    yield MARKER, f"minsec {__version__} site; `minsec site` replaces this folder whole\n".encode()
    yield from Site(all_tables, rows, latest_release(root), sizes, base_url, coverage_end).pages()


def site_files(root: Path, dataset: Dataset, base_url: str | None = None) -> dict[str, bytes]:
    """:func:`site_contents` as one mapping, by path (for reading the site without writing it)."""
    return dict(sorted(site_contents(root, dataset, base_url)))


def write_site(out: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Replace the folder ``out`` with ``files`` (relative path, bytes), written as they come into a
    temporary folder beside it that is then renamed into place: readers see the old site or the
    new, never half, and a failure while the files are made leaves the old site as it was.
    Returns how many files were written."""
    out = out.absolute()
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: not a folder; name a folder for the site")
    if out.is_dir() and not os.access(out, os.W_OK):
        raise SiteError(f"{out}: the folder is read-only; make it writable or name another folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(f"{out}: a folder that is not empty and holds no minsec site; name a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    count = 0
    try:
        staging.chmod(0o777 & ~umask())
        for relative, content in files:
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, content)
            path.chmod(0o666 & ~umask())
            count += 1
        for folder in sorted({p.parent for p in staging.rglob("*")} - {staging.parent}):
            folder.chmod(0o777 & ~umask())
        if out.exists():
            backup = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(backup)
            staging.rename(out)
            shutil.rmtree(backup)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count
