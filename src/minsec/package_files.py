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
    for resource in descriptor["resources"]:
        if isinstance(resource, dict) and "schema" in resource:
            resource["schema"] = _table_schema(resource["schema"], f"{where}: table {resource.get('name')!r}")
    return descriptor


def _names(value: object) -> list[str] | None:
    """A Table Schema list of field names, which may also be written as one name."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _table_schema(schema: object, where: str) -> dict:
    """``schema`` if it has the shape the diff reads, with one-name keys written as lists.

    A descriptor edited by hand or by another tool gets a message, not a traceback.
    """

    def refuse(what: str) -> PackageNotFound:
        return PackageNotFound(f"{where}: {what} (not a Table Schema minsec can compare)")

    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise refuse("schema needs a list of fields")
    for column in schema["fields"]:
        if not isinstance(column, dict) or not isinstance(column.get("name"), str):
            raise refuse("every field needs a name")
        if not isinstance(column.get("type", "any"), str):
            raise refuse(f"field {column['name']!r} has a type that is not a string")
        column.setdefault("type", "any")
        constraints = column.get("constraints", {})
        if not isinstance(constraints, dict) or not isinstance(constraints.get("enum", []), list):
            raise refuse(f"field {column['name']!r} has malformed constraints")
    if "primaryKey" in schema:
        schema["primaryKey"] = _names(schema["primaryKey"])
        if schema["primaryKey"] is None:
            raise refuse("primaryKey is not a field name or a list of them")
    foreign_keys = schema.get("foreignKeys", [])
    if not isinstance(foreign_keys, list):
        raise refuse("foreignKeys is not a list")
    for foreign_key in foreign_keys:
        reference = foreign_key.get("reference") if isinstance(foreign_key, dict) else None
        if (
            not isinstance(reference, dict)
            or _names(foreign_key.get("fields")) is None
            or _names(reference.get("fields")) is None
            or not isinstance(reference.get("resource", ""), str)
        ):
            raise refuse("a foreign key needs fields and a reference to a resource's fields")
        foreign_key["fields"] = _names(foreign_key["fields"])
        reference["fields"] = _names(reference["fields"])
        reference.setdefault("resource", "")
    return schema


def _safe_path(resource: object, where: str) -> str:
    """The resource's path, if it is a relative POSIX path that stays inside the package.

    Frictionless forbids absolute paths and ``..``; a descriptor that breaks the rule could
    otherwise make ``minsec diff`` read, and print, any file on the machine.
    """
    name = resource.get("name") if isinstance(resource, dict) else None
    path = resource.get("path") if isinstance(resource, dict) else None
    if not isinstance(name, str) or not isinstance(path, str):
        raise PackageNotFound(f"{where}: every resource needs a name and a path")
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or ":" in parts[0] or ".." in parts:
        raise PackageNotFound(f"{where}: table {name!r} has the unsafe path {path!r}; paths stay inside the package")
    return path


def _tables(descriptor: dict, read: Callable[[str], bytes | None], where: str) -> dict[str, bytes]:
    tables = {}
    for resource in descriptor["resources"]:
        content = read(_safe_path(resource, where))
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
