"""Releases: keep each published version in ``releases/<version>/`` and check that the
version number says how much the data changed since the last one.

``prepare`` makes a release in one step (version, CHANGELOG, CITATION.cff, README, build,
snapshot); ``snapshot`` writes the current ``datapackage/`` as a release; ``check`` compares
the current build with the latest release and fails if the version in
``src/minsec/_version.py`` is lower than the bump the diff requires (under the 0.x policy of
``versioning``), or CHANGELOG.md has no section for it. Between releases,
CHANGELOG.md's ``[Unreleased]`` section shows the data changes (``unreleased``, written by
the build), so a pull request never touches the version.
"""

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from minsec import release_files
from minsec.changelog import (
    UNRELEASED,
    first_section,
    merge_notes,
    section,
    split_unreleased,
    unreleased_block,
    with_unreleased,
)
from minsec.diff import diff
from minsec.export import package_tree, release_artifacts, unzip_tree, write_artifacts
from minsec.files import replace_file
from minsec.package_files import DESCRIPTOR, MAX_PACKAGE_BYTES, PackageFiles, from_folder, from_release
from minsec.paths import read_regular, within
from minsec.versioning import Bump, Version, bump_between

VERSION_FILE = "src/minsec/_version.py"
IMMUTABLE = "published releases are immutable"


class ReleaseError(Exception):
    """A release step that must not go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Current:
    """The version the repository is at, from its ``_version.py``."""

    version: str
    release_date: str


def current(root: Path) -> Current:
    """The version and release date in ``root``'s ``_version.py`` (this package's, if it has none)."""
    path = within(root, VERSION_FILE)
    if not path.is_file():
        from minsec._version import RELEASE_DATE, __version__

        return Current(__version__, RELEASE_DATE)
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return Current(str(values.get("__version__")), str(values.get("RELEASE_DATE")))


def current_package(root: Path) -> PackageFiles:
    folder = within(root, "datapackage")
    if not (folder / DESCRIPTOR).is_file():
        raise FileNotFoundError(f"{folder}: no {DESCRIPTOR}; run `minsec build` first")
    return from_folder(folder, "datapackage/")


def released(root: Path) -> dict[str, Path]:
    """The releases kept in ``root/releases``, oldest first."""
    return release_files.available(root, bundled=False)


def _parse(version: str, where: str) -> Version:
    try:
        return Version.parse(version)
    except ValueError as error:
        raise ReleaseError(f"{where}: {error}") from None


def hash_problems(package: PackageFiles) -> list[str]:
    """Tables whose bytes differ from the size and hash the descriptor states."""
    problems = []
    for name, raw in package.tables.items():
        resource = package.resource(name)
        if resource.get("hash") != f"sha256:{hashlib.sha256(raw).hexdigest()}" or resource.get("bytes") != len(raw):
            problems.append(f"{package.label}: {resource['path']} does not match its hash in {DESCRIPTOR}")
    return problems


def verify_release(folder: Path) -> list[str]:
    """What is wrong with a kept release: its zip against SHA256SUMS, its descriptor copy, its tables."""
    version = folder.name
    name = release_files.zip_name(version)
    archive = read_regular(folder, name, MAX_PACKAGE_BYTES, "release zip")
    where = f"{release_files.FOLDER}/{version}"
    problems = []
    sums = within(folder, release_files.SUMS)
    expected = f"{hashlib.sha256(archive).hexdigest()}  {name}"
    if not sums.is_file() or expected not in sums.read_text(encoding="utf-8").splitlines():
        problems.append(f"{where}: {name} does not match {release_files.SUMS}")
    package = from_release(folder)
    if package.version != version:
        problems.append(f"{where}: the zip holds version {package.version}")
    copy = within(folder, DESCRIPTOR)
    if not copy.is_file() or copy.read_bytes() != unzip_tree(archive).get(DESCRIPTOR):
        problems.append(f"{where}: {DESCRIPTOR} differs from the one in {name}")
    return problems + hash_problems(package)


def snapshot(root: Path, force: bool = False) -> str:
    """Write ``releases/<current version>/`` from ``datapackage/``; returns what was done."""
    version = current(root).version
    _parse(version, VERSION_FILE)
    package = current_package(root)
    if package.version != version:
        raise ReleaseError(
            f"datapackage/ is version {package.version} but {VERSION_FILE} says {version}: run `minsec build` first"
        )
    problems = hash_problems(package)
    if problems:
        raise ReleaseError("\n".join([*problems, "datapackage/ is not a whole build: run `minsec build` first"]))
    artifacts = release_artifacts(within(root, "datapackage"))
    artifacts[DESCRIPTOR] = unzip_tree(artifacts[release_files.zip_name(version)])[DESCRIPTOR]
    target = within(root, f"{release_files.FOLDER}/{version}")
    where = f"{release_files.FOLDER}/{version}"
    zip_name = release_files.zip_name(version)
    if (target / zip_name).is_file():
        same = unzip_tree(read_regular(target, zip_name, MAX_PACKAGE_BYTES, "release zip")) == unzip_tree(
            artifacts[zip_name]
        ) and ((target / DESCRIPTOR).is_file() and (target / DESCRIPTOR).read_bytes() == artifacts[DESCRIPTOR])
        if same and not verify_release(target):
            return f"{where} already holds this build; nothing written"
        if not same and not force:
            raise ReleaseError(
                f"{where} already holds a different {version}, and {IMMUTABLE}: bump the version in "
                f"{VERSION_FILE} (`minsec release check` says by how much). Only if {version} was never "
                "published, replace it with `minsec release snapshot --force`."
            )
    write_artifacts(target, artifacts)
    return f"wrote {where}/: {', '.join(sorted(artifacts))}"


@dataclass
class CheckReport:
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _other_files_changed(root: Path, release: Path) -> list[str]:
    """Files of ``datapackage/`` (the nested JSON, say) that differ from the release's, tables aside."""
    kept = unzip_tree(read_regular(release, release_files.zip_name(release.name), MAX_PACKAGE_BYTES, "release zip"))
    now = package_tree(within(root, "datapackage"))
    return sorted(p for p in set(kept) | set(now) if kept.get(p) != now.get(p) and not p.startswith("data/"))


def _compare(report: CheckReport, version: Version, latest: str, package: PackageFiles, root: Path) -> None:
    changes = diff(from_release(released(root)[latest]), package)
    required = changes.required
    have = bump_between(Version.parse(latest), version)
    if version == Version.parse(latest):
        if changes.changed:
            report.problems.append(
                f"datapackage/ differs from release {latest} ({IMMUTABLE}): the changes require a "
                f"{required.label} bump, to {Version.parse(latest).bumped(required)} at least; "
                f"`minsec diff {latest} datapackage/` shows them"
            )
        elif stray := _other_files_changed(root, released(root)[latest]):
            report.problems.append(
                f"datapackage/ differs from release {latest} ({IMMUTABLE}) in {', '.join(stray)}: "
                f"bump the version to {Version.parse(latest).bumped(Bump.PATCH)} at least"
            )
        else:
            report.notes.append(f"datapackage/ equals release {latest}")
    elif have < required:
        report.problems.append(
            f"version {version} after release {latest} allows {have.label} changes, but the changes require a "
            f"{required.label} bump: use {Version.parse(latest).bumped(required)} or higher "
            f"(`minsec diff {latest} datapackage/` shows why)"
        )
    else:
        wanted = "no bump" if required is Bump.NONE else f"a {required.label} bump"
        report.notes.append(
            f"version {version} after release {latest} allows {have.label} changes; the changes need {wanted}"
        )


def check(root: Path) -> CheckReport:
    """Is the current version at least the bump the changes since the latest release require?"""
    report = CheckReport()
    text = current(root).version
    version = _parse(text, VERSION_FILE)
    package = current_package(root)
    if package.version != text:
        report.problems.append(
            f"datapackage/ is version {package.version} but {VERSION_FILE} says {text}: run `minsec build`"
        )
    releases = released(root)
    for folder in releases.values():
        report.problems += verify_release(folder)
    if not releases:
        report.notes.append(f"no release in {release_files.FOLDER}/ yet: {text} will be the first")
    else:
        latest = list(releases)[-1]
        report.notes.append(f"version {text}; latest release {latest}")
        if version < Version.parse(latest):
            report.problems.append(f"version {text} is lower than the latest release {latest}")
        else:
            _compare(report, version, latest, package, root)
    changelog = within(root, "CHANGELOG.md")
    heading = f"## [{text}]"
    if not changelog.is_file() or not any(
        line.startswith(heading) for line in changelog.read_text(encoding="utf-8").splitlines()
    ):
        report.problems.append(
            f"CHANGELOG.md has no section `{heading} - <date>`: add the output of `minsec changelog`"
        )
    else:
        report.notes.append(f"CHANGELOG.md has a section for {text}")
    return report


def changelog(root: Path) -> str:
    """The CHANGELOG section of the current version (the diff from the release before it), or
    ``[Unreleased]`` as the build writes it when the data changed since the current version's release."""
    now = current(root)
    version = _parse(now.version, VERSION_FILE)
    package = current_package(root)
    releases = released(root)
    if now.version in releases and diff(from_release(releases[now.version]), package).changed:
        return f"{UNRELEASED}\n\n{unreleased(root, package)}\n"
    earlier = [v for v in released(root) if Version.parse(v) < version]
    if not earlier:
        return first_section(now.version, now.release_date, package)
    return section(now.version, now.release_date, diff(from_release(released(root)[earlier[-1]]), package))


# --- between releases: CHANGELOG's [Unreleased] ---------------------------------------------


def package_of(files: Mapping[str, bytes]) -> PackageFiles:
    """The Data Package among a build's rendered files (path -> bytes)."""
    descriptor = json.loads(files[f"datapackage/{DESCRIPTOR}"])
    tables = {r["name"]: files[f"datapackage/{r['path']}"] for r in descriptor["resources"]}
    return PackageFiles("datapackage/", descriptor, tables)


def unreleased(root: Path, package: PackageFiles) -> str:
    """The generated part of CHANGELOG.md's ``[Unreleased]``: ``package`` against the latest release."""
    releases = released(root)
    if not releases:
        return "No release yet: the first release will hold every table (`minsec release prepare`)."
    latest = list(releases)[-1]
    changes = diff(from_release(releases[latest]), package)
    return unreleased_block(changes, str(Version.parse(latest).bumped(changes.required)))


def changelog_file(root: Path, files: Mapping[str, bytes]) -> bytes | None:
    """CHANGELOG.md with its ``[Unreleased]`` block for the build ``files``; None if it has no block."""
    path = within(root, "CHANGELOG.md")
    if not path.is_file():
        return None
    text = with_unreleased(path.read_text(encoding="utf-8"), unreleased(root, package_of(files)))
    return text.encode("utf-8") if text is not None else None


# --- making a release -------------------------------------------------------------------------


def _replace_line(path: Path, pattern: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, line, text, count=1, flags=re.M)
    if count != 1:
        raise ReleaseError(f"{path.name}: no line matching {pattern!r} to set; restore it")
    replace_file(path, new.encode("utf-8"))


def set_version(root: Path, version: Version, date: str) -> list[str]:
    """Write ``version`` and ``date`` everywhere they are written down; returns the files."""
    _replace_line(root / VERSION_FILE, r'^__version__ = ".*"$', f'__version__ = "{version}"')
    _replace_line(root / VERSION_FILE, r'^RELEASE_DATE = ".*"$', f'RELEASE_DATE = "{date}"')
    written = [VERSION_FILE]
    if (root / "CITATION.cff").is_file():
        _replace_line(root / "CITATION.cff", r"^version: .*$", f"version: {version}")
        _replace_line(root / "CITATION.cff", r"^date-released: .*$", f"date-released: {date}")
        written.append("CITATION.cff")
    readme = root / "README.md"
    if readme.is_file() and re.search(r"^- Version \d+\.\d+\.\d+,", readme.read_text(encoding="utf-8"), re.M):
        _replace_line(readme, r"^- Version \d+\.\d+\.\d+,", f"- Version {version},")
        written.append("README.md")
    return written


def plan(root: Path, date: str, version: str | None = None) -> tuple[Version, str]:
    """The next release's version and its CHANGELOG section, from ``datapackage/`` and the latest release."""
    package = current_package(root)
    releases = released(root)
    if not releases:
        new = _parse(version or current(root).version, "--version")
        return new, first_section(str(new), date, package)
    latest = list(releases)[-1]
    changes = diff(from_release(releases[latest]), package)
    if not changes.changed and not _other_files_changed(root, releases[latest]):
        raise ReleaseError(f"datapackage/ equals release {latest}: there is nothing to release")
    minimum = Version.parse(latest).bumped(max(changes.required, Bump.PATCH))
    new = _parse(version, "--version") if version else minimum
    if new < minimum:
        raise ReleaseError(f"--version {new} is below {minimum}, which the changes since {latest} require")
    return new, section(str(new), date, changes)


def build(root: Path) -> str:
    """``minsec build`` of ``root`` with ``root``'s own code (its version is the one to build)."""
    env = dict(os.environ)
    if (root / "src" / "minsec").is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-m", "minsec.cli", "build", "--root", str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise ReleaseError(f"minsec build failed:\n{done.stdout}{done.stderr}".rstrip())
    return done.stdout


def prepare(root: Path, date: str, version: str | None = None) -> list[str]:
    """Make the next release: build, bump, CHANGELOG section, build again, snapshot, check."""
    lines = [line for line in build(root).splitlines() if line.startswith("built ")]
    new, generated = plan(root, date, version)
    lines.append(f"version {current(root).version} -> {new} ({date})")
    lines.append("set the version in " + ", ".join(set_version(root, new, date)))
    path = root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else f"# Changelog\n\n{UNRELEASED}\n"
    if UNRELEASED not in text:
        raise ReleaseError(f"CHANGELOG.md has no `{UNRELEASED}` section; add one above the releases")
    head, notes, rest = split_unreleased(text)
    replace_file(path, f"{head}\n\n{merge_notes(generated, notes)}\n{rest}".encode())
    lines.append(f"CHANGELOG.md: section [{new}] - {date}, with the [Unreleased] notes merged in")
    build(root)
    lines.append(snapshot(root))
    build(root)
    report = check(root)
    lines += report.notes + [f"problem: {p}" for p in report.problems]
    if not report.ok:
        raise ReleaseError("\n".join([*lines, "release check failed"]))
    lines.append(f"release {new} prepared: review and commit it, then tag it v{new}")
    return lines
