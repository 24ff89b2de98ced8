"""One version number everywhere, and the release documents that a citation relies on."""

import re
import subprocess
import tomllib
from pathlib import Path

import minsec
from minsec._version import RELEASE_DATE

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_takes_its_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" in project["dynamic"]
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["version"]["path"] == (
        "src/minsec/_version.py"
    )


def test_datapackage_citation_and_changelog_share_the_version() -> None:
    import json

    descriptor = json.loads((ROOT / "datapackage" / "datapackage.json").read_text())
    citation = (ROOT / "CITATION.cff").read_text()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert descriptor["version"] == minsec.__version__
    assert descriptor["created"].startswith(RELEASE_DATE)
    assert re.search(rf"^version: {re.escape(minsec.__version__)}$", citation, re.M)
    assert re.search(rf"^date-released: {RELEASE_DATE}$", citation, re.M)
    assert f"## [{minsec.__version__}] - {RELEASE_DATE}" in changelog


def test_ci_runs_the_readme_test_command() -> None:
    extracted = subprocess.run(
        [
            "bash",
            "-c",
            "awk '/<!-- test-command -->/{found=1; next} found && /^```sh/{inblock=1; next} "
            "inblock && /^```/{exit} inblock{print}' README.md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted.startswith('python -m pip install -e ".[test]"')
    assert "python -m pytest" in extracted
    assert "README.md" in (ROOT / ".ci" / "run").read_text()
