"""Release artifacts: a zip of ``datapackage/`` that is byte-identical for the same data.

Everything that zip tools usually take from the machine is fixed instead: members in
sorted order under one top folder ``minsec-<version>/``, the timestamp from the package's
``created`` date, permissions 0644, deflate at level 9, no directory entries or comments.
(Deflate output is fixed for a given zlib; the release check compares contents, not zip
bytes, so a different zlib cannot make a release look changed.)
"""

import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

from minsec.files import replace_file
from minsec.paths import read_regular, regular_files
from minsec.release_files import SUMS, top_folder, zip_name

COMPRESSLEVEL = 9
#: No file of a built package comes near this; a bigger one is not what the build wrote.
MAX_PUBLISHED_BYTES = 256 * 1024 * 1024
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can store


def package_tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (a built ``datapackage/``), relative posix path to bytes, sorted.

    Only regular files: a symbolic link (say ``json/env.json -> /proc/self/environ``) or a
    device is refused, never followed into the release."""
    if not (folder / "datapackage.json").is_file():
        raise FileNotFoundError(f"{folder}: no datapackage.json here; run `minsec build` first")
    files = {relative: read_regular(folder, relative, MAX_PUBLISHED_BYTES) for relative, _ in regular_files(folder)}
    return dict(sorted(files.items()))


def _timestamp(created: str | None) -> tuple[int, int, int, int, int, int]:
    try:
        year, month, day = (int(part) for part in (created or "")[:10].split("-"))
    except ValueError:
        return _EPOCH
    return max(_EPOCH, (min(year, 2107), month, day, 0, 0, 0))


def zip_bytes(files: Mapping[str, bytes]) -> tuple[str, bytes]:
    """The release zip of a package's files (as :func:`package_tree` gives them): (file name, bytes)."""
    descriptor = json.loads(files["datapackage.json"].decode("utf-8"))
    version = descriptor.get("version") or "unversioned"
    when = _timestamp(descriptor.get("created"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top_folder(version)}/{path}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the machine, so that the mode bits mean the same
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path], compresslevel=COMPRESSLEVEL)
    return zip_name(version), buffer.getvalue()


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """A ``SHA256SUMS`` file (``sha256sum -c`` reads it) for ``files``, name to bytes."""
    lines = [f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(files.items())]
    return "".join(lines).encode("utf-8")


def release_artifacts(package_folder: Path) -> dict[str, bytes]:
    """The files a release publishes, name to bytes: the zip and its ``SHA256SUMS``."""
    name, archive = zip_bytes(package_tree(package_folder))
    return {name: archive, SUMS: sha256sums({name: archive})}


def write_artifacts(out: Path, artifacts: Mapping[str, bytes]) -> list[Path]:
    """Write ``artifacts`` into ``out`` (created if need be), each file atomically; a failure
    removes the folders this call created, so nothing half-made is left."""
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    out.mkdir(parents=True, exist_ok=True)
    try:
        for name, content in artifacts.items():
            replace_file(out / name, content)
    except BaseException:
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [out / name for name in artifacts]


def unzip_tree(data: bytes) -> dict[str, bytes]:
    """The files of a release zip without its top folder: the inverse of :func:`zip_bytes`,
    read within the caps of :mod:`minsec.package_files`."""
    from minsec.package_files import unzip

    files = {name.split("/", 1)[-1]: content for name, content in unzip(data, "release zip").items()}
    return dict(sorted(files.items()))
