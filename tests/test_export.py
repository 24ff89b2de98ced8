"""``minsec export --zip``: the same data gives the same bytes, and the zip is the Data Package."""

import hashlib
import os
import zipfile
from pathlib import Path

import frictionless

import minsec
from conftest import PackageCopy, tree_hashes


def export(run_cli, root: Path, out: Path) -> bytes:
    code, stdout, err = run_cli("export", "--root", root, "--zip", out)
    assert (code, err) == (0, ""), err
    name = f"minsec-{minsec.__version__}.zip"
    assert stdout.splitlines() == [f"wrote {out / name}", f"wrote {out / 'SHA256SUMS'}"]
    return (out / name).read_bytes()


def test_export_is_byte_identical(repo_root: Path, tmp_path: Path, package_copy: PackageCopy, run_cli) -> None:
    first = export(run_cli, repo_root, tmp_path / "one")
    # the same data with other timestamps and permissions on disk
    for path in package_copy.folder.rglob("*"):
        if path.is_file():
            os.utime(path, (1_000_000_000, 1_000_000_000))
            path.chmod(0o600)
    second = export(run_cli, package_copy.folder.parent, tmp_path / "two")
    assert first == second
    assert (tmp_path / "one" / "SHA256SUMS").read_bytes() == (tmp_path / "two" / "SHA256SUMS").read_bytes()


def test_sha256sums_covers_the_zip(repo_root: Path, tmp_path: Path, run_cli) -> None:
    data = export(run_cli, repo_root, tmp_path)
    name = f"minsec-{minsec.__version__}.zip"
    assert (tmp_path / "SHA256SUMS").read_text() == f"{hashlib.sha256(data).hexdigest()}  {name}\n"


def test_zip_is_the_datapackage_tree(repo_root: Path, tmp_path: Path, run_cli) -> None:
    export(run_cli, repo_root, tmp_path)
    top = f"minsec-{minsec.__version__}"
    with zipfile.ZipFile(tmp_path / f"{top}.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert all(i.external_attr >> 16 == 0o100644 and i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert {i.date_time[:3] for i in infos} == {tuple(int(p) for p in minsec._version.RELEASE_DATE.split("-"))}
        archive.extractall(tmp_path / "unzipped")
    assert tree_hashes(tmp_path / "unzipped" / top) == {
        k.replace("datapackage/", f"{top}/", 1): v for k, v in tree_hashes(repo_root / "datapackage").items()
    }
    report = frictionless.validate(str(tmp_path / "unzipped" / top / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "type", "note"])


def test_export_without_a_build_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    code, out, err = run_cli("export", "--root", tmp_path, "--zip", tmp_path / "out")
    assert (code, out) == (2, "")
    assert "no datapackage.json here; run `minsec build` first" in err
