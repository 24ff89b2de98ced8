"""A Data Package as bytes in memory, read from wherever a version of it lives.

``minsec diff`` and the release check compare two of these. A package can come from a
folder, a ``datapackage.json`` path, a release zip, a ``releases/<version>`` folder or bare
version, or a git ref of the repository; :func:`resolve` tries them in that order.
"""

import io
import json
import os
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minsec import release_files
from minsec.paths import PathError, read_regular, within
from minsec.problems import one_line
from minsec.versioning import is_version

DESCRIPTOR = "datapackage.json"

# What a package may make minsec read, wherever it comes from (a folder, a zip, git). A
# real one is well under a megabyte; the caps stop a hostile file (a zip bomb, a 100,000-deep
# descriptor) from taking the machine's memory, with a message instead of a MemoryError.
#: Bytes of one file of a package, unpacked; the descriptor has its own, smaller cap.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DESCRIPTOR_BYTES = 8 * 1024 * 1024
#: Bytes of all the files read from one package together.
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
#: Unpacked to packed size of a zip member over 1 MiB (CSV and JSON deflate 5 to 20 times).
MAX_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
#: Nesting of arrays and objects in a descriptor (a Data Package needs about 6).
MAX_NESTING = 64


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


def _check_json(value: object, where: str) -> None:
    """Refuse nesting deeper than ``MAX_NESTING`` and text that is not valid Unicode (a lone
    surrogate, which JSON can escape but no output can print)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            raise PackageNotFound(f"{where}: datapackage.json is nested over {MAX_NESTING} levels deep")
        if isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise PackageNotFound(f"{where}: datapackage.json holds text that is not valid Unicode") from None
        elif isinstance(item, dict):
            stack.extend((x, depth + 1) for pair in item.items() for x in pair)
        elif isinstance(item, list):
            stack.extend((x, depth + 1) for x in item)


def _parse_descriptor(raw: bytes, where: str) -> dict:
    if len(raw) > MAX_DESCRIPTOR_BYTES:
        raise PackageNotFound(f"{where}: datapackage.json is over the {MAX_DESCRIPTOR_BYTES}-byte cap")
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageNotFound(f"{where}: not a readable datapackage.json ({error})") from None
    except RecursionError:
        raise PackageNotFound(f"{where}: datapackage.json is nested over {MAX_NESTING} levels deep") from None
    _check_json(descriptor, where)
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
    total = 0
    for resource in descriptor["resources"]:
        content = read(_safe_path(resource, where))
        if content is None:
            raise PackageNotFound(f"{where}: table {resource['name']!r} has no file {resource['path']}")
        total += len(content)
        if len(content) > MAX_FILE_BYTES or total > MAX_PACKAGE_BYTES:
            raise PackageNotFound(f"{where}: {resource['path']} takes the package over minsec's size caps")
        tables[resource["name"]] = content
    return tables


def from_folder(folder: Path, label: str | None = None) -> PackageFiles:
    """The package whose ``datapackage.json`` is in ``folder``, tables beside it (regular files
    inside ``folder``, no links: see :mod:`minsec.paths`)."""
    label = label or str(folder)

    def capped(path: str, cap: int) -> bytes | None:
        try:
            if not os.path.lexists(within(folder, path)):
                return None
            return read_regular(folder, path, cap, "package file")
        except PathError as error:
            raise PackageNotFound(f"{label}: {error}") from None

    raw = capped(DESCRIPTOR, MAX_DESCRIPTOR_BYTES)
    if raw is None:
        raise PackageNotFound(f"{label}: no {DESCRIPTOR} here")
    descriptor = _parse_descriptor(raw, label)

    def read(path: str) -> bytes | None:
        return capped(path, MAX_FILE_BYTES)

    return PackageFiles(label, descriptor, _tables(descriptor, read, label))


class _Zip:
    """A release zip read within the caps: every way a zip can be damaged, encrypted, packed
    with an unknown method or built to explode becomes a :class:`PackageNotFound`."""

    def __init__(self, data: bytes, label: str):
        self.label = label
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            self.members = {info.filename: info for info in self.archive.infolist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError):
            raise PackageNotFound(f"{label}: not a zip file, or a damaged one") from None
        if len(self.members) > MAX_ZIP_MEMBERS:
            raise PackageNotFound(f"{label}: over {MAX_ZIP_MEMBERS} files; not a minsec release zip")

    def read(self, name: str, cap: int | None = None) -> bytes:
        cap = MAX_FILE_BYTES if cap is None else cap
        info = self.members[name]
        where = f"{self.label}: {one_line(name)}"
        if info.flag_bits & 0x1:
            raise PackageNotFound(f"{where}: is encrypted; a release zip is not")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageNotFound(f"{where}: packed with compression method {info.compress_type}; use deflate")
        if info.file_size > cap:
            raise PackageNotFound(f"{where}: unpacks to {info.file_size} bytes, over minsec's cap of {cap}")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageNotFound(f"{where}: unpacks over {MAX_RATIO} times its packed size; refused as a zip bomb")
        try:
            with self.archive.open(info) as member:
                content = member.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
            raise PackageNotFound(f"{where}: damaged ({one_line(str(error))}); get the zip again") from None
        if len(content) > cap:
            raise PackageNotFound(f"{where}: unpacks to over minsec's cap of {cap} bytes")
        return content

    def close(self) -> None:
        self.archive.close()


def from_zip(data: bytes, label: str) -> PackageFiles:
    """The package inside a release zip: one top folder holding ``datapackage.json``."""
    archive = _Zip(data, label)
    try:
        names = set(archive.members)
        found = sorted(n for n in names if n == DESCRIPTOR or n.endswith(f"/{DESCRIPTOR}"))
        if len(found) != 1 or found[0].count("/") > 1:
            raise PackageNotFound(f"{label}: expected one {DESCRIPTOR}, at the top of the zip or in its one top folder")
        prefix = found[0].removesuffix(DESCRIPTOR)
        descriptor = _parse_descriptor(archive.read(found[0], MAX_DESCRIPTOR_BYTES), label)

        def read(path: str) -> bytes | None:
            return archive.read(prefix + path) if prefix + path in names else None

        return PackageFiles(label, descriptor, _tables(descriptor, read, label))
    finally:
        archive.close()


def zip_file_bytes(path: Path, label: str) -> bytes:
    """The bytes of a zip file on disk, if it is under the package cap."""
    if path.stat().st_size > MAX_PACKAGE_BYTES:
        raise PackageNotFound(f"{label}: the zip is over minsec's cap of {MAX_PACKAGE_BYTES} bytes")
    return path.read_bytes()


def unzip(data: bytes, label: str) -> dict[str, bytes]:
    """Every file of a zip, path to bytes, read within the caps."""
    archive = _Zip(data, label)
    try:
        total, files = 0, {}
        for name, info in archive.members.items():
            if not info.is_dir():
                files[name] = archive.read(name)
                total += len(files[name])
                if total > MAX_PACKAGE_BYTES:
                    raise PackageNotFound(f"{label}: unpacks to over minsec's cap of {MAX_PACKAGE_BYTES} bytes")
        return files
    finally:
        archive.close()


def from_release(folder: Path) -> PackageFiles:
    """A ``releases/<version>/`` folder: the package in its zip."""
    version = folder.resolve().name
    label = f"release {version}"
    try:
        data = read_regular(folder, release_files.zip_name(version), MAX_PACKAGE_BYTES, "release zip")
    except PathError as error:
        raise PackageNotFound(f"{label}: {error}") from None
    return from_zip(data, label)


def from_git(root: Path, ref: str, folder: str = "datapackage") -> PackageFiles | None:
    """The package committed at ``ref`` in the git repository at ``root``; None if ``ref`` is not a commit."""

    def show(path: str) -> bytes | None:
        """The committed file, read no further than the file cap."""
        command = ["git", "-C", str(root), "show", f"{ref}:./{folder}/{path}"]
        try:
            with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
                assert process.stdout is not None
                content = process.stdout.read(MAX_FILE_BYTES + 1)
                if len(content) > MAX_FILE_BYTES:
                    process.kill()
                    raise PackageNotFound(f"git {ref}: {folder}/{path} is over minsec's cap of {MAX_FILE_BYTES} bytes")
                code = process.wait(timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
        return content if code == 0 else None

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
        return from_zip(zip_file_bytes(path, spec), spec)
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
