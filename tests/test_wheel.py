"""The wheel works on its own: built, installed in a fresh virtual environment, loaded offline."""

import csv
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


def test_wheel_installs_and_loads_offline(repo_root: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    dist = tmp_path / "dist"
    # Plain `python -m build`, as a release does: the sdist, then the wheel built from the sdist,
    # so a file missing from the sdist fails here too.
    run([sys.executable, "-m", "build", "--outdir", dist, repo_root], env=env, timeout=300)
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
    wheels = list(dist.glob("*.whl"))
    assert [w.name for w in wheels] == [f"minsec-{minsec.__version__}-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as archive:
        names = set(archive.namelist())
        bundled = {
            Path(name).stem: archive.read(name).decode("utf-8")
            for name in names
            if name.startswith("minsec/datapackage/data/") and name.endswith(".csv")
        }
    assert "minsec/datapackage/datapackage.json" in names
    released = sorted(p.name for p in (repo_root / "releases").iterdir() if (p / f"minsec-{p.name}.zip").is_file())
    assert released, "no release under releases/"
    for version in released:
        for part in ("datapackage.json", f"minsec-{version}.zip", "SHA256SUMS"):
            assert f"minsec/releases/{version}/{part}" in names
    assert "minsec/codes/iso3166-1-alpha3.tsv" in names
    assert "minsec/draft/data/countries.tsv" in names, "minsec draft's gazetteers ship in the wheel"

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], env=env, timeout=120)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0]], env=env, timeout=300)

    work = tmp_path / "elsewhere"
    work.mkdir()
    script = work / "check.py"
    script.write_text(CHECK, encoding="utf-8")
    result = run([python, "-I", script, repo_root], cwd=work, env=env, timeout=120)
    report = json.loads(result.stdout)
    assert report["version"] == minsec.__version__
    assert sorted(report["releases"]) == released
    assert set(report["counts"]) == set(bundled)
    for name, rows in report["counts"].items():
        assert rows == sum(1 for _ in csv.reader(io.StringIO(bundled[name], newline=""))) - 1, name

    cli = run([venv / "bin" / "minsec", "info"], cwd=work, env=env, timeout=60)
    assert cli.stdout.startswith(f"minsec {minsec.__version__}")
