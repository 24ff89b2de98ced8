"""Where published releases are kept and what their files are called.

Every release stays in the repository as ``releases/<version>/`` (its ``datapackage.json``,
the ``minsec-<version>.zip`` that ``minsec export --zip`` wrote, and ``SHA256SUMS``), and
the wheel carries the same folder as ``minsec/releases``: past versions load offline, from
a clean clone or an installed package, without git tags.
"""

from pathlib import Path

from minsec.versioning import Version, is_version

FOLDER = "releases"
SUMS = "SHA256SUMS"
_HERE = Path(__file__).resolve().parent


def zip_name(version: str) -> str:
    return f"minsec-{version}.zip"


def top_folder(version: str) -> str:
    """The one folder at the top of a release zip, holding the ``datapackage/`` tree."""
    return f"minsec-{version}"


def release_roots(root: Path | None = None, *, bundled: bool = True) -> list[Path]:
    """Folders that may hold releases: ``root/releases`` first, then (if ``bundled``) the
    installed package's or this checkout's."""
    candidates = [root / FOLDER] if root is not None else []
    if bundled:
        candidates += [_HERE / FOLDER, _HERE.parent.parent / FOLDER]
    seen: list[Path] = []
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_dir() and resolved not in seen:
            seen.append(resolved)
    return seen


def available(root: Path | None = None, *, bundled: bool = True) -> dict[str, Path]:
    """Every release found, version to its folder, oldest first (compared as numbers)."""
    found: dict[str, Path] = {}
    for releases in release_roots(root, bundled=bundled):
        for folder in releases.iterdir():
            if is_version(folder.name) and (folder / zip_name(folder.name)).is_file():
                found.setdefault(folder.name, folder)
    return {v: found[v] for v in sorted(found, key=Version.parse)}


def unknown_version(version: str, known: list[str]) -> str:
    """The message for a version that has no release."""
    listed = ", ".join(known) if known else "none"
    return f"no release {version!r} of minsec is available here; releases: {listed}"
