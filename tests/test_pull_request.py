"""A whole data pull request, replayed on a scratch repository with no article corpus in CI.

A contributor drafts the records of the invented example article (docs/example/) with
``minsec draft --write``, reviews them (the reviewed files of CONTRIBUTING.md's worked
example), writes the fingerprint with the article at hand, builds and commits, without
touching the version. The
workflow's own steps then run exactly as .github/workflows/validate.yml lists them (but for
checkout, install and the test suite itself), without the article: they pass, and the job
summary shows the data change. The same pull request with one word of one quote changed
fails, naming the file and line. A maintainer then makes the release with
``minsec release prepare``, and the workflow's release check passes on its tag.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import line_containing
from minsec.release import current
from minsec.versioning import Bump, Version
from test_contributing import example_records

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "*.egg-info", "dist", "build", ".venv"
)
SOURCE = "example-gazette-cobalt-offer-2026"
DEAL = "usa-zmb-cobalt-offer-2026"
#: Seconds after which a step is taken to hang (a deadlock), not to be slow: fail, do not wait forever.
HANG = 600
#: The version the repository is at, and the release that adding records makes (0.x policy: a patch).
RELEASED = current(ROOT).version
NEXT = str(Version.parse(RELEASED).bumped(Bump.MINOR))
EVENT = "records/events/2026-06-03-zmb-usa-cobalt-offer.yaml"
#: The conditions the workflow's steps use, and when each holds in the replay.
CONDITIONS = {
    "github.event_name == 'pull_request'": lambda event: event["GITHUB_EVENT_NAME"] == "pull_request",
    "startsWith(github.ref, 'refs/tags/v') || startsWith(github.ref, 'refs/heads/release/')": lambda event: event[
        "GITHUB_REF"
    ].startswith(("refs/tags/v", "refs/heads/release/")),
}


class Scratch:
    """A copy of the working tree as a git repository of its own, run with its own code."""

    def __init__(self, root: Path, summary: Path) -> None:
        self.root = root
        self.summary = summary
        self.env = {
            **os.environ,
            "PYTHONPATH": str(root / "src"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "GIT_AUTHOR_NAME": "Contributor",
            "GIT_AUTHOR_EMAIL": "contributor@example.org",
            "GIT_COMMITTER_NAME": "Contributor",
            "GIT_COMMITTER_EMAIL": "contributor@example.org",
        }
        self.env.pop("MINSEC_CORPUS", None)
        # The scratch is a throwaway checkout: its commands cache their bytecode in it, as in any
        # checkout, where PYTHONDONTWRITEBYTECODE (the development machine) would have each of
        # the some twenty compile minsec again (3 s of this test's 9 s of CPU).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def sh(self, command: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run(
                ["bash", "-e", "-c", command],
                cwd=self.root,
                env={**self.env, **env},
                capture_output=True,
                text=True,
                check=False,
                timeout=HANG,
            )
        except subprocess.TimeoutExpired as error:
            pytest.fail(f"$ {command}\nstill running after {HANG} s: a lock held twice? {error.stdout}{error.stderr}")
        if check:
            assert done.returncode == 0, f"$ {command}\n{done.stdout}{done.stderr}"
        return done

    def workflow(self, **event: str) -> list[tuple[str, subprocess.CompletedProcess]]:
        """Run the workflow's steps as listed; returns (name, result) of each step run, stopping at a failure."""
        steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["validate"]["steps"]
        env = {"GITHUB_STEP_SUMMARY": str(self.summary), **event}
        results = []
        for step in steps:
            command = step.get("run")
            if command is None or command.startswith(("python -m pip install", "python -m pytest")):
                continue  # checkout, setup-python, install (this venv runs the scratch's code), the suite itself
            condition = step.get("if")
            if condition is not None:
                assert condition in CONDITIONS, f"the replay does not know the condition {condition!r}; add it"
                if not CONDITIONS[condition](env):
                    continue
            done = self.sh(command, check=False, **env)
            results.append((step["name"], done))
            if done.returncode != 0:
                break
        return results


@pytest.fixture
def scratch(tmp_path: Path) -> Scratch:
    if shutil.which("git") is None:
        pytest.skip("git is needed to replay a pull request")
    root = tmp_path / "minsec"
    shutil.copytree(ROOT, root, ignore=IGNORE)
    repo = Scratch(root, tmp_path / "summary.md")
    repo.sh("git init -q -b main && git add -A && git commit -q -m base && git remote add origin .")
    return repo


def test_a_data_pull_request_from_start_to_release(scratch: Scratch, tmp_path: Path) -> None:
    # The contributor: records drafted from the article, reviewed (the guide's reviewed files),
    # the fingerprint written with the article at hand, a build.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "docs" / "example" / "example-article.txt", corpus)
    scratch.sh("git checkout -q -b contributor")
    scratch.sh(f"minsec draft {corpus}/example-article.txt --source-id {SOURCE} --write")
    assert scratch.sh(f"minsec validate --corpus {corpus}", check=False).returncode == 1, "unreviewed drafts"
    reviewed = example_records()
    drafted = set(scratch.sh("git status --porcelain --untracked-files=all records").stdout.split()[1::2])
    assert drafted == set(reviewed), "the review covers exactly the files the drafter wrote"
    for path, text in reviewed.items():
        (scratch.root / path).write_text(text, encoding="utf-8")
    scratch.sh(f"minsec fingerprint --corpus {corpus}")
    checked = scratch.sh(f"minsec validate --corpus {corpus}").stdout
    assert (
        "0 problems found; quotes checked against the text of 1 (example-gazette-cobalt-offer-2026) "
        "and against the fingerprint of 4 (" in checked
    ), "the sources whose text the contributor lacks are checked against their fingerprints"
    scratch.sh("minsec build")
    scratch.sh("git add -A && git commit -q -m 'Add the Zambian cobalt offer'")
    changed = scratch.sh("git diff --name-only main HEAD").stdout.split()
    allowed = ("records/", "datapackage/", "schemas/", "README.md", "CHANGELOG.md", "CODEBOOK.md")
    assert changed and all(p.startswith(allowed) for p in changed), changed
    assert "records/sources/example-gazette-cobalt-offer-2026.fingerprint" in changed
    assert "src/minsec/_version.py" not in changed and "CITATION.cff" not in changed
    assert not any(p.endswith(".txt") for p in changed), "the article text is never committed"
    changelog = (scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"`{DEAL}`" in changelog.split(f"## [{RELEASED}]")[0], "the Unreleased section lists the new records"
    assert f"Next release: {NEXT} (`minsec release prepare`)." in changelog

    # CI, without the article: every step of the workflow passes and the summary shows the change.
    shutil.rmtree(corpus)
    pull_request = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/1/merge", "GITHUB_BASE_REF": "main"}
    results = scratch.workflow(**pull_request)
    assert [done.returncode for _, done in results] == [0, 0, 0], results
    validate = results[0][1].stdout
    assert "0 problems found; quotes checked against the fingerprint of 5 (" in validate
    summary = scratch.summary.read_text(encoding="utf-8")
    assert f"# minsec diff: git origin/main ({RELEASED}) -> datapackage/ ({RELEASED})" in summary
    assert f"- added `{DEAL}`" in summary
    assert "**Required version bump: minor (additions); while the major version is 0, a patch bump" in summary
    assert "- `records/sources/example-gazette-cobalt-offer-2026.fingerprint`" in summary

    # The same pull request with one word of one quote changed fails, naming file and line.
    event = scratch.root / EVENT
    event.write_text(event.read_text(encoding="utf-8").replace("Ana Kestrel said", "Ana Kestrel stated"))
    scratch.sh("git commit -q -am 'Reword a quote'")
    results = scratch.workflow(**pull_request)
    name, failed = results[-1]
    assert failed.returncode == 1 and name.startswith("Validate every record"), results
    line = line_containing(event, "Ana Kestrel stated")
    assert f"{EVENT}:{line}: citations[0].quote: not found in the text of 'example-gazette-cobalt-offer-2026'" in (
        failed.stdout
    )
    scratch.sh("git reset -q --hard HEAD~1")

    # The maintainer merges, then makes the release in one step; the tag's workflow passes.
    scratch.sh("git checkout -q main && git merge -q --ff-only contributor")
    prepared = scratch.sh("minsec release prepare --date 2027-01-05").stdout
    assert f"version {RELEASED} -> {NEXT} (2027-01-05)" in prepared and f"release {NEXT} prepared" in prepared
    version_file = (scratch.root / "src" / "minsec" / "_version.py").read_text(encoding="utf-8")
    assert f'__version__ = "{NEXT}"' in version_file and 'RELEASE_DATE = "2027-01-05"' in version_file
    citation = (scratch.root / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version: {NEXT}\n" in citation and "date-released: 2027-01-05\n" in citation
    assert f"- Version {NEXT}," in (scratch.root / "README.md").read_text(encoding="utf-8")
    changelog = (scratch.root / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased, released = changelog.split(f"## [{NEXT}] - 2027-01-05\n", 1)
    assert f"No changes to the data or its schema since release {NEXT}." in unreleased
    section = released.split(f"## [{RELEASED}]")[0]
    assert f"`{DEAL}`" in section and "Evidence fingerprints" in section, "generated lines and the notes, merged"
    assert sorted(p.name for p in (scratch.root / "releases" / NEXT).iterdir()) == [
        "SHA256SUMS",
        "datapackage.json",
        f"minsec-{NEXT}.zip",
    ]
    scratch.sh(f"git add -A && git commit -q -m 'Release {NEXT}' && git tag v{NEXT}")
    results = scratch.workflow(GITHUB_EVENT_NAME="push", GITHUB_REF=f"refs/tags/v{NEXT}")
    assert [name.split(" (")[0] for name, _ in results][-1] == "Release check"
    assert all(done.returncode == 0 for _, done in results), results
    assert "release check passed" in results[-1][1].stdout
