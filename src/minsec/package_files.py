"""A Data Package as bytes in memory, read from wherever a version of it lives.

``minsec diff`` and the release check compare two of these. A package can come from a
folder, a ``datapackage.json`` path, a release zip, a ``releases/<version>`` folder or bare
version, or a git ref of the repository; :func:`resolve` tries them in that order.
"""

import io
import json
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minsec import release_files
from minsec.versioning import is_version

DESCRIPTOR = "datapackage.json"


class PackageNotFound(Exception):
    """A name that is no Data Package this module can read; the message says what was tried."""


@dataclass(frozen=True)
class PackageFiles:
    """A package's descriptor and the CSV bytes of each table, under a label for people."""

    label: str
    descriptor: dict
    tables: dict[str, bytes]

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")

    def resource(self, name: str) -> dict:
        return next(r for r in self.descriptor.get("resources", []) if r["name"] == name)


def _parse_descriptor(raw: bytes, where: str) -> dict:
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageNotFound(f"{where}: not a readable datapackage.json ({error})") from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageNotFound(f"{where}: a datapackage.json needs a list of resources")
    return descriptor


def _tables(descriptor: dict, read: Callable[[str], bytes | None], where: str) -> dict[str, bytes]:
    tables = {}
    for resource in descriptor["resources"]:
        content = read(resource["path"])
        if content is None:
            raise PackageNotFound(f"{where}: table {resource['name']!r} has no file {resource['path']}")
        tables[resource["name"]] = content
    return tables


def from_folder(folder: Path, label: str | None = None) -> PackageFiles:
    """The package whose ``datapackage.json`` is in ``folder``, tables beside it."""
    label = label or str(folder)
    descriptor = _parse_descriptor((folder / DESCRIPTOR).read_bytes(), label)

    def read(path: str) -> bytes | None:
        file = folder / path
        return file.read_bytes() if file.is_file() else None

    return PackageFiles(label, descriptor, _tables(descriptor, read, label))


def from_zip(data: bytes, label: str) -> PackageFiles:
    """The package inside a release zip: one top folder holding ``datapackage.json``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PackageNotFound(f"{label}: not a zip file") from None
    with archive:
        names = set(archive.namelist())
        found = sorted(n for n in names if n == DESCRIPTOR or n.endswith(f"/{DESCRIPTOR}"))
        if len(found) != 1 or found[0].count("/") > 1:
            raise PackageNotFound(f"{label}: expected one {DESCRIPTOR}, at the top of the zip or in its one top folder")
        prefix = found[0].removesuffix(DESCRIPTOR)
        descriptor = _parse_descriptor(archive.read(found[0]), label)

        def read(path: str) -> bytes | None:
            return archive.read(prefix + path) if prefix + path in names else None

        return PackageFiles(label, descriptor, _tables(descriptor, read, label))


def from_release(folder: Path) -> PackageFiles:
    """A ``releases/<version>/`` folder: the package in its zip."""
    version = folder.resolve().name
    return from_zip((folder / release_files.zip_name(version)).read_bytes(), f"release {version}")


def from_git(root: Path, ref: str, folder: str = "datapackage") -> PackageFiles | None:
    """The package committed at ``ref`` in the git repository at ``root``; None if ``ref`` is not a commit."""

    def show(path: str) -> bytes | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(root), "show", f"{ref}:./{folder}/{path}"], capture_output=True, timeout=60
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout if result.returncode == 0 else None

    if ref.startswith("-"):
        return None
    try:
        verified = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if verified.returncode != 0:
        return None
    label = f"git {ref}"
    raw = show(DESCRIPTOR)
    if raw is None:
        raise PackageNotFound(f"{label}: has no {folder}/{DESCRIPTOR}")
    descriptor = _parse_descriptor(raw, label)
    return PackageFiles(label, descriptor, _tables(descriptor, show, label))


def _is_release(folder: Path) -> bool:
    """A ``releases/<version>/`` folder keeps its tables in the zip, not beside the descriptor."""
    return (folder / release_files.zip_name(folder.resolve().name)).is_file() and not (folder / "data").is_dir()


def resolve(spec: str, root: Path) -> PackageFiles:
    """Read the package ``spec`` names, trying in order: a folder holding ``datapackage.json``,
    a ``datapackage.json`` path, a release zip, a ``releases/<version>`` folder, a version
    kept under ``releases/``, a git ref of the repository at ``root``."""
    path = Path(spec)
    if path.is_dir() and (path / DESCRIPTOR).is_file() and not _is_release(path):
        return from_folder(path, spec)
    if path.is_file() and path.name.endswith(".json"):
        return from_release(path.parent) if _is_release(path.parent) else from_folder(path.parent, spec)
    if path.is_file() and path.name.endswith(".zip"):
        return from_zip(path.read_bytes(), spec)
    if path.is_dir() and _is_release(path):
        return from_release(path)
    releases = release_files.available(root)
    if is_version(spec) and spec.strip() in releases:
        return from_release(releases[spec.strip()])
    committed = from_git(root, spec)
    if committed is not None:
        return committed
    known = ", ".join(releases) or "none"
    raise PackageNotFound(
        f"{spec}: not a folder holding {DESCRIPTOR}, a {DESCRIPTOR} file, a release zip, "
        f"a released version (releases: {known}) or a git ref of {root}"
    )
