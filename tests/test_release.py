"""Releases kept in ``releases/``, the release check and the changelog it asks for.

Each test works in a small repository in a temporary folder: a copy of the committed
``datapackage/`` released as 0.1.0, its own ``_version.py`` and CHANGELOG.md."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PackageCopy, tree_hashes
from minsec import release_files
from minsec.changelog import UNRELEASED_END, UNRELEASED_START, merge_notes, with_unreleased
from minsec.diff import read_rows
from minsec.release import ReleaseError, check, plan, verify_release

DATE = "2026-11-22"


@dataclass
class ReleaseRepo:
    root: Path
    package: PackageCopy

    def set_version(self, version: str, date: str = DATE, changelog: bool = True) -> None:
        """What a maintainer does for a new version: ``_version.py``, a build, a CHANGELOG section."""
        path = self.root / "src" / "minsec" / "_version.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'__version__ = "{version}"\nRELEASE_DATE = "{date}"\n', encoding="utf-8")
        self.package.set_version(version)
        log = self.root / "CHANGELOG.md"
        text = log.read_text(encoding="utf-8") if log.is_file() else "# Changelog\n"
        if changelog:
            log.write_text(text.replace("# Changelog\n", f"# Changelog\n\n## [{version}] - {date}\n"), encoding="utf-8")


@pytest.fixture
def repo(package_copy: PackageCopy, tmp_path: Path, run_cli) -> ReleaseRepo:
    repo = ReleaseRepo(tmp_path, package_copy)
    repo.set_version("0.1.0")
    code, out, err = run_cli("release", "snapshot", "--root", tmp_path)
    assert code == 0, err
    assert out == "wrote releases/0.1.0/: SHA256SUMS, datapackage.json, minsec-0.1.0.zip\n"
    return repo


def first_live_claim(package: PackageCopy) -> int:
    header, rows = package.rows("claims")
    return next(i for i, row in enumerate(rows) if row[header.index("withdrawn")] == "false")


def test_snapshot_holds_the_build(repo: ReleaseRepo) -> None:
    release = repo.root / "releases" / "0.1.0"
    assert sorted(p.name for p in release.iterdir()) == ["SHA256SUMS", "datapackage.json", "minsec-0.1.0.zip"]
    assert (release / "datapackage.json").read_bytes() == (repo.package.folder / "datapackage.json").read_bytes()
    digest = hashlib.sha256((release / "minsec-0.1.0.zip").read_bytes()).hexdigest()
    assert (release / "SHA256SUMS").read_text() == f"{digest}  minsec-0.1.0.zip\n"


def test_unchanged_build_passes(repo: ReleaseRepo, run_cli) -> None:
    code, out, err = run_cli("release", "check", "--root", repo.root)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "version 0.1.0; latest release 0.1.0",
        "datapackage/ equals release 0.1.0",
        "CHANGELOG.md has a section for 0.1.0",
        "release check passed",
    ]


def test_changed_data_without_a_bump_fails(repo: ReleaseRepo, run_cli) -> None:
    repo.package.set_value("actors", "role", "A corrected role")
    code, out, err = run_cli("release", "check", "--root", repo.root)
    assert code == 1
    assert err == "release check failed\n"
    assert (
        "problem: datapackage/ differs from release 0.1.0 (published releases are immutable): the changes require "
        "a patch bump, to 0.1.1 at least" in out
    )


def test_a_big_enough_bump_passes(repo: ReleaseRepo, run_cli) -> None:
    repo.package.set_value("actors", "role", "A corrected role")
    repo.set_version("0.1.1")
    code, out, _ = run_cli("release", "check", "--root", repo.root)
    assert code == 0, out
    assert "version 0.1.1 after release 0.1.0 allows minor changes; the changes need a patch bump" in out


@pytest.mark.parametrize(("version", "ok"), [("0.1.1", False), ("0.2.0", True), ("1.0.0", True), ("2.0.0", True)])
def test_a_withdrawal_needs_a_major_bump(repo: ReleaseRepo, run_cli, version: str, ok: bool) -> None:
    """Under the 0.x policy a breaking change grows the minor number: 0.2.0, not 1.0.0."""
    repo.package.set_value("claims", "withdrawn", "true", row=first_live_claim(repo.package))
    repo.set_version(version)
    code, out, _ = run_cli("release", "check", "--root", repo.root)
    assert code == (0 if ok else 1), out
    if not ok:
        assert "but the changes require a major bump: use 0.2.0 or higher" in out


def test_changelog_section_is_required(repo: ReleaseRepo, run_cli) -> None:
    repo.package.set_value("actors", "role", "A corrected role")
    repo.set_version("0.1.1", changelog=False)
    code, out, _ = run_cli("release", "check", "--root", repo.root)
    assert code == 1
    assert "problem: CHANGELOG.md has no section `## [0.1.1] - <date>`" in out
    assert "the changes need a patch bump" in out  # the version itself is fine


def test_version_below_the_latest_release_fails(repo: ReleaseRepo) -> None:
    repo.set_version("0.0.9")
    report = check(repo.root)
    assert report.problems == ["version 0.0.9 is lower than the latest release 0.1.0"]


def test_build_older_than_version_file_fails(repo: ReleaseRepo) -> None:
    repo.set_version("0.1.1")
    repo.package.set_version("0.1.0")
    assert check(repo.root).problems == [
        "datapackage/ is version 0.1.0 but src/minsec/_version.py says 0.1.1: run `minsec build`"
    ]


def test_tampered_release_fails(repo: ReleaseRepo) -> None:
    sums = repo.root / "releases" / "0.1.0" / "SHA256SUMS"
    sums.write_text("0" * 64 + "  minsec-0.1.0.zip\n")
    assert check(repo.root).problems == ["releases/0.1.0: minsec-0.1.0.zip does not match SHA256SUMS"]


def test_versions_are_compared_as_numbers(repo: ReleaseRepo, run_cli) -> None:
    for version in ("0.9.0", "0.10.0"):
        repo.set_version(version)
        assert run_cli("release", "snapshot", "--root", repo.root)[0] == 0
    assert list(release_files.available(repo.root, bundled=False)) == ["0.1.0", "0.9.0", "0.10.0"]
    report = check(repo.root)
    assert report.ok, report.problems
    assert "version 0.10.0; latest release 0.10.0" in report.notes


def test_snapshot_never_silently_replaces_a_release(repo: ReleaseRepo, run_cli) -> None:
    release = repo.root / "releases" / "0.1.0"
    before = tree_hashes(release)
    code, out, _ = run_cli("release", "snapshot", "--root", repo.root)
    assert (code, out) == (0, "releases/0.1.0 already holds this build; nothing written\n")

    repo.package.set_value("actors", "role", "A corrected role")
    code, out, err = run_cli("release", "snapshot", "--root", repo.root)
    assert (code, out) == (1, "")
    assert "already holds a different 0.1.0, and published releases are immutable" in err
    assert "minsec release snapshot --force" in err
    assert tree_hashes(release) == before

    code, _, _ = run_cli("release", "snapshot", "--force", "--root", repo.root)
    assert code == 0
    assert tree_hashes(release) != before
    assert check(repo.root).ok


def test_snapshot_refuses_a_stale_build(repo: ReleaseRepo, run_cli) -> None:
    repo.set_version("0.2.0")
    repo.package.set_version("0.1.0")
    code, _, err = run_cli("release", "snapshot", "--root", repo.root)
    assert code == 1
    assert "datapackage/ is version 0.1.0 but src/minsec/_version.py says 0.2.0: run `minsec build` first" in err
    assert not (repo.root / "releases" / "0.2.0").exists()


def test_the_committed_releases_are_intact(repo_root: Path) -> None:
    """Every kept release matches its checksums. Whether the version is high enough for the data
    is checked where a release is made (``minsec release check`` on a tag or release branch),
    not here: a data pull request passes the suite without touching the version."""
    releases = release_files.available(repo_root, bundled=False)
    assert releases
    for folder in releases.values():
        assert verify_release(folder) == []


# --- changelog ----------------------------------------------------------------------------------


def test_first_release_changelog_counts_rows(repo: ReleaseRepo, run_cli) -> None:
    code, out, _ = run_cli("changelog", "--root", repo.root)
    assert code == 0
    counts = {path.stem: len(read_rows(path.read_bytes())[1]) for path in (repo.package.folder / "data").glob("*.csv")}
    lines = out.splitlines()
    assert lines[:3] == [f"## [0.1.0] - {DATE}", "", "### Added"]
    assert len(lines) == 4
    assert lines[3].startswith(f"- First release: {len(counts)} tables, {sum(counts.values())} rows: ")
    for name, rows in counts.items():
        assert f"`{name}` ({rows})" in lines[3]


def test_changelog_lists_schema_changes_first_then_ids(repo: ReleaseRepo, run_cli) -> None:
    package = repo.package
    corrected = package.set_value("deals", "title", "A corrected title")
    withdrawn = package.set_value("claims", "withdrawn", "true", row=first_live_claim(package))
    package.add_row("actors", "new-test-actor")
    package.remove_column("events", "location")
    repo.set_version("1.0.0", date="2027-01-15")
    code, out, _ = run_cli("changelog", "--root", repo.root)
    assert code == 0
    assert out == (
        "## [1.0.0] - 2027-01-15\n"
        "\n"
        "Compared with 0.1.0: 1 schema change (1 breaking); rows 1 added, 1 corrected, 1 withdrawn, 0 removed. "
        "Required version bump: major (a minor bump while the major version is 0).\n"
        "\n"
        "### Added\n"
        "- `actors`: 1 record added: `new-test-actor`.\n"
        "\n"
        "### Changed\n"
        f"- `deals`: 1 record corrected: `{corrected}` (title).\n"
        "\n"
        "### Removed\n"
        "- **Breaking:** Column events.location removed (or renamed).\n"
        f"- **Breaking:** `claims`: 1 record withdrawn (rows kept, `withdrawn` true): `{withdrawn}`.\n"
    )
    assert run_cli("release", "check", "--root", repo.root)[0] == 0


def test_changelog_of_a_released_version_compares_with_the_one_before(repo: ReleaseRepo, run_cli) -> None:
    key = repo.package.set_value("actors", "role", "A corrected role")
    repo.set_version("0.1.1", date="2027-02-01")
    assert run_cli("release", "snapshot", "--root", repo.root)[0] == 0
    code, out, _ = run_cli("changelog", "--root", repo.root)
    assert code == 0
    assert out.startswith("## [0.1.1] - 2027-02-01\n\nCompared with 0.1.0: 0 schema changes (0 breaking); ")
    assert f"- `actors`: 1 record corrected: `{key}` (role).\n" in out


def test_changelog_of_the_repository_is_in_changelog_md(repo_root: Path, run_cli) -> None:
    code, out, _ = run_cli("changelog", "--root", repo_root)
    assert code == 0
    assert out.splitlines()[0] in (repo_root / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()


def test_a_changed_json_file_is_a_change_too(repo: ReleaseRepo) -> None:
    path = repo.package.folder / "json" / "deals.json"
    path.write_text(path.read_text(encoding="utf-8").replace("minerals", "Minerals", 1), encoding="utf-8")
    assert check(repo.root).problems == [
        "datapackage/ differs from release 0.1.0 (published releases are immutable) in json/deals.json: "
        "bump the version to 0.1.1 at least"
    ]


@pytest.mark.parametrize(
    ("old", "bump", "new"),
    [
        ("0.1.0", "MAJOR", "0.2.0"),
        ("0.1.0", "MINOR", "0.1.1"),
        ("0.1.3", "PATCH", "0.1.4"),
        ("1.2.3", "MAJOR", "2.0.0"),
        ("1.2.3", "MINOR", "1.3.0"),
        ("1.2.3", "PATCH", "1.2.4"),
    ],
)
def test_zero_x_policy_then_strict_semver(old: str, bump: str, new: str) -> None:
    from minsec.versioning import Bump, Version, bump_between

    grown = Version.parse(old).bumped(Bump[bump])
    assert str(grown) == new
    assert bump_between(Version.parse(old), grown) >= Bump[bump]


def test_release_section_merges_the_hand_written_unreleased_notes() -> None:
    generated = "## [0.1.1] - 2027-01-05\n\nCompared with 0.1.0: ...\n\n### Added\n- `actors`: 1 record added: `x`.\n"
    notes = "### Added\n- A command,\n  wrapped.\n\n### Fixed\n- A bug.\n"
    assert merge_notes(generated, notes) == (
        "## [0.1.1] - 2027-01-05\n\nCompared with 0.1.0: ...\n\n### Added\n- `actors`: 1 record added: `x`.\n"
        "- A command,\n  wrapped.\n\n### Fixed\n- A bug.\n"
    )
    assert merge_notes(generated, "") == generated


def test_the_unreleased_block_is_replaced_between_its_markers() -> None:
    text = f"# Changelog\n\n## [Unreleased]\n\n{UNRELEASED_START}\nold\n{UNRELEASED_END}\n\n### Added\n- x\n"
    assert with_unreleased(text, "new") == text.replace("\nold\n", "\nnew\n")
    assert with_unreleased("# Changelog\n", "new") is None


def test_prepare_refuses_when_nothing_changed(repo: ReleaseRepo) -> None:
    with pytest.raises(ReleaseError, match=r"datapackage/ equals release 0\.1\.0: there is nothing to release"):
        plan(repo.root, "2027-01-05")
