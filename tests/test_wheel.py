"""The wheel works on its own: built, installed in a fresh virtual environment, loaded offline."""

import csv
import email.parser
import importlib.metadata
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import minsec

pytestmark = pytest.mark.slow

CHECK = textwrap.dedent(
    """
    import csv, json, sys
    from pathlib import Path

    repo = Path(sys.argv[1]).resolve()
    assert not any(str(repo) in str(Path(p).resolve()) for p in sys.path if p), sys.path

    import minsec

    installed = Path(minsec.__file__).resolve()
    assert repo not in installed.parents, installed
    assert "site-packages" in installed.parts, installed
    data = minsec.data_path("datapackage.json")
    assert installed.parent in data.parents, data
    descriptor = json.loads(data.read_text(encoding="utf-8"))
    assert descriptor["version"] == minsec.__version__
    counts = {}
    for name in minsec.table_names():
        frame = minsec.load_table(name)
        with minsec.data_path(name).open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
        assert len(frame) == rows, (name, len(frame), rows)
        counts[name] = rows
    assert len(minsec.records("deals")) == counts["deals"]
    from minsec.release_files import available

    releases = available()
    assert all(installed.parent in folder.parents for folder in releases.values()), releases
    for version in releases:
        for name, frame in minsec.load(version=version).items():
            assert len(frame.columns) > 1, (version, name)
    print(json.dumps({"version": minsec.__version__, "counts": counts, "releases": list(releases)}))
    """
)


def run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.fixture(scope="session")
def dist(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built once per session as a release builds them: plain
    `python -m build`, the sdist, then the wheel from the sdist, so a file missing from the
    sdist fails here too. Without build isolation: hatchling (the one build requirement) is
    in the test extra, which saves making two build environments."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, repo_root], env=ENV, timeout=300)
    return out


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    wheels = list(dist.glob("*.whl"))
    assert [w.name for w in wheels] == [f"minsec-{minsec.__version__}-py3-none-any.whl"]
    return wheels[0]


def _dependencies(wheel: Path) -> list[importlib.metadata.Distribution]:
    """The installed distributions that the wheel's own ``Requires-Dist`` needs, recursively
    (markers evaluated, extras followed): exactly what pip resolves for it, checked to satisfy
    every version specifier on the way. Read from the built wheel, not from the editable install."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = email.parser.Parser().parsestr(archive.read(metadata).decode("utf-8")).get_all("Requires-Dist")
    assert requires, "the wheel declares no dependencies"
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = [(Requirement(r), "") for r in requires]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{requirement} (needed by the wheel) is not installed: pip install -e '.[test]'")
        assert requirement.specifier.contains(dist.version, prereleases=True), (str(requirement), dist.version)
        new = name not in found
        found[name] = dist
        for extra_ in ([""] if new else []) + sorted(requirement.extras):
            pending.extend((Requirement(r), extra_) for r in dist.requires or [])
    return list(found.values())


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel and its dependencies, and nothing else.

    The wheel goes in with pip (from outside the environment, so it gets no pip of its own,
    and compiling nothing ahead). Its dependencies are the distributions this test run has
    installed (pip resolved them from the index when it installed the test extra, which needs
    the same ones): every file of each, as its RECORD lists it, is linked into the new
    environment, which takes a fraction of a second where pip's resolution against the index
    took some 20 s. A top-level folder that holds files of these distributions only (a
    package, its ``.dist-info``) is linked whole: some 150 links instead of 10,000, which the
    disk makes, and pytest later deletes, in a fraction of the time."""
    folder = tmp_path_factory.mktemp("wheel-venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", folder], env=ENV, timeout=120)
    python = folder / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env=ENV).stdout.strip())
    needed = _dependencies(wheel)
    names = {canonicalize_name(dist.metadata["Name"]) for dist in needed}
    owners: dict[Path, set[str]] = {}  # top-level folder -> the installed distributions with files in it
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        for top in {file.parts[0] for file in dist.files or [] if len(file.parts) > 1 and file.parts[0] != ".."}:
            owners.setdefault(Path(dist.locate_file(top)).resolve(), set()).add(name)
    for dist in needed:
        for file in dist.files or []:
            if file.parts[0] == "..":
                continue  # scripts in bin/: none is needed
            top = Path(dist.locate_file(file.parts[0])).resolve()
            if len(file.parts) > 1 and owners[top] <= names:
                target, source = site / file.parts[0], top
            else:
                target, source = site / file, Path(dist.locate_file(file)).resolve()
            if not target.is_symlink() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(source)
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--no-compile", "--no-deps", "--no-index", wheel], env=ENV, timeout=300)
    return folder


def test_sdist_carries_records_data_schemas_and_releases(dist: Path) -> None:
    sdists = list(dist.glob("*.tar.gz"))
    assert [s.name for s in sdists] == [f"minsec-{minsec.__version__}.tar.gz"]
    with tarfile.open(sdists[0]) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for part in (
        "datapackage/datapackage.json",
        "datapackage/data/deals.csv",
        "records/deals",
        "schemas/tables",
        f"releases/{minsec.__version__}/minsec-{minsec.__version__}.zip",
        "CODEBOOK.md",
        "LICENSE",
    ):
        assert any(name == part or name.startswith(f"{part}/") for name in in_sdist), part


def _released(repo_root: Path) -> list[str]:
    released = sorted(p.name for p in (repo_root / "releases").iterdir() if (p / f"minsec-{p.name}.zip").is_file())
    assert released, "no release under releases/"
    return released


def test_wheel_carries_the_data_releases_and_codes(wheel: Path, repo_root: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "minsec/datapackage/datapackage.json" in names
    for version in _released(repo_root):
        for part in ("datapackage.json", f"minsec-{version}.zip", "SHA256SUMS"):
            assert f"minsec/releases/{version}/{part}" in names
    assert "minsec/codes/iso3166-1-alpha3.tsv" in names
    assert "minsec/draft/data/countries.tsv" in names, "minsec draft's gazetteers ship in the wheel"


def test_wheel_installs_and_loads_offline(venv: Path, wheel: Path, repo_root: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        bundled = {
            Path(name).stem: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("minsec/datapackage/data/") and name.endswith(".csv")
        }
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = work / "check.py"
    script.write_text(CHECK, encoding="utf-8")
    result = run([venv / "bin" / "python", "-I", script, repo_root], cwd=work, env=ENV, timeout=120)
    report = json.loads(result.stdout)
    assert report["version"] == minsec.__version__
    assert sorted(report["releases"]) == _released(repo_root)
    assert set(report["counts"]) == set(bundled)
    for name, rows in report["counts"].items():
        assert rows == sum(1 for _ in csv.reader(io.StringIO(bundled[name], newline=""))) - 1, name


def test_installed_command_line(venv: Path, tmp_path: Path) -> None:
    cli = run([venv / "bin" / "minsec", "info"], cwd=tmp_path, env=ENV, timeout=60)
    assert cli.stdout.startswith(f"minsec {minsec.__version__}")
