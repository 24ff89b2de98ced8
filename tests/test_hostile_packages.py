"""Hostile release files given to `minsec diff` (issue 11): damaged, encrypted, unknown
compression, corrupt deflate, a huge cell, a deep descriptor, text that is not Unicode,
and zip bombs. Each is refused with one line, never a traceback or a machine out of memory.

The caps are tested at their real size where the file is cheap to make (a member whose
header declares 1 GiB) and with the cap lowered where it is not (the mechanism is the same).
"""

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from minsec import diff as diff_module
from minsec import package_files
from minsec.export import package_tree, zip_bytes

TRACEBACK = ("Traceback", 'File "', "Error:")


@pytest.fixture(scope="module")
def package(repo_root: Path) -> dict[str, bytes]:
    return package_tree(repo_root / "datapackage")


def make_zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(f"minsec-9.9.9/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, content)
    return buffer.getvalue()


def _patch_headers(data: bytes, name: str, local: dict[int, bytes], central: dict[int, bytes]) -> bytes:
    """Overwrite fields of ``name``'s local and central headers (offsets from each signature)."""
    raw = bytearray(data)
    encoded = name.encode()
    for signature, fields, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        start = 0
        while (start := raw.find(signature, start)) != -1:
            if raw[start + name_at : start + name_at + len(encoded)] == encoded:
                for offset, value in fields.items():
                    raw[start + offset : start + offset + len(value)] = value
            start += 4
    return bytes(raw)


def diff_zip(data: bytes, tmp_path: Path, run_cli, repo_root: Path) -> tuple[int, str, str]:
    path = tmp_path / "hostile.zip"
    path.write_bytes(data)
    return run_cli("diff", "--root", tmp_path, path, repo_root / "datapackage")


def assert_refused(result: tuple[int, str, str], *contains: str) -> None:
    code, out, err = result
    assert code == 2, out + err
    assert len(err.splitlines()) == 1 and err.startswith("minsec: "), err
    for marker in TRACEBACK:
        assert marker not in err
    for text in contains:
        assert text in err, err


def test_a_valid_zip_diffs(package, tmp_path, run_cli, repo_root) -> None:
    _, data = zip_bytes(package)
    assert diff_zip(data, tmp_path, run_cli, repo_root)[0] in (0, 1)


def test_bad_crc(package, tmp_path, run_cli, repo_root) -> None:
    data = bytearray(make_zip(package, zipfile.ZIP_STORED))
    at = data.index(package["data/sources.csv"][:40]) + 10
    data[at] ^= 0x01
    assert_refused(diff_zip(bytes(data), tmp_path, run_cli, repo_root), "data/sources.csv", "damaged")


def test_encrypted_flag(package, tmp_path, run_cli, repo_root) -> None:
    name = "minsec-9.9.9/datapackage.json"
    data = _patch_headers(make_zip(package), name, {6: b"\x01\x00"}, {8: b"\x01\x00"})
    assert_refused(diff_zip(data, tmp_path, run_cli, repo_root), "is encrypted")


def test_compression_method_99(package, tmp_path, run_cli, repo_root) -> None:
    name = "minsec-9.9.9/datapackage.json"
    data = _patch_headers(make_zip(package), name, {8: b"\x63\x00"}, {10: b"\x63\x00"})
    assert_refused(diff_zip(data, tmp_path, run_cli, repo_root), "compression method 99")


def test_corrupt_deflate(package, tmp_path, run_cli, repo_root) -> None:
    data = bytearray(make_zip({"datapackage.json": package["datapackage.json"]}))
    start = data.index(b"datapackage.json") + len("datapackage.json")
    for at in range(start + 20, start + 60):
        data[at] = 0xFF
    assert_refused(diff_zip(bytes(data), tmp_path, run_cli, repo_root), "damaged")


def test_cell_over_the_csv_limit(package, tmp_path, run_cli, repo_root) -> None:
    files = dict(package)
    files["data/sources.csv"] = files["data/sources.csv"] + b'x,"' + b"y" * (200 * 1024) + b'"\n'
    assert_refused(diff_zip(make_zip(files), tmp_path, run_cli, repo_root), "sources", "not a readable CSV")


def test_csv_that_is_not_utf8(package, tmp_path, run_cli, repo_root) -> None:
    files = dict(package)
    files["data/sources.csv"] = files["data/sources.csv"] + b"\xff\xfe,bad\n"
    assert_refused(diff_zip(make_zip(files), tmp_path, run_cli, repo_root), "not UTF-8")


@pytest.mark.parametrize("descriptor", [b"[" * 100_000, b'{"a":' * 70 + b"1" + b"}" * 70])
def test_deeply_nested_descriptor(descriptor: bytes, package, tmp_path, run_cli, repo_root) -> None:
    files = {**package, "datapackage.json": descriptor}
    assert_refused(diff_zip(make_zip(files), tmp_path, run_cli, repo_root), "nested over 64 levels")


def test_lone_surrogate_field_name(package, tmp_path, run_cli, repo_root) -> None:
    descriptor = json.loads(package["datapackage.json"])
    descriptor["resources"][0]["schema"]["fields"][0]["name"] = "\ud800"
    raw = json.dumps(descriptor).encode()  # ensure_ascii writes the surrogate as \ud800
    assert b"\\ud800" in raw
    result = diff_zip(make_zip({**package, "datapackage.json": raw}), tmp_path, run_cli, repo_root)
    assert_refused(result, "not valid Unicode")


def test_member_declaring_one_gib(package, tmp_path, run_cli, repo_root) -> None:
    """The header's size is checked before anything is unpacked."""
    name = "minsec-9.9.9/datapackage.json"
    data = _patch_headers(make_zip(package), name, {22: struct.pack("<I", 2**30)}, {24: struct.pack("<I", 2**30)})
    assert_refused(diff_zip(data, tmp_path, run_cli, repo_root), "1073741824 bytes, over minsec's cap")


def test_zip_bomb_by_ratio(package, tmp_path, run_cli, repo_root) -> None:
    files = {**package, "data/sources.csv": package["data/sources.csv"] + b"\n" * (3 * 1024 * 1024)}
    assert_refused(diff_zip(make_zip(files), tmp_path, run_cli, repo_root), "zip bomb")


def test_zip_bomb_over_the_size_cap(package, tmp_path, run_cli, repo_root, monkeypatch) -> None:
    monkeypatch.setattr(package_files, "MAX_FILE_BYTES", 64 * 1024)
    files = {**package, "data/sources.csv": package["data/sources.csv"] + b"a,b\n" * 20_000}
    assert_refused(diff_zip(make_zip(files), tmp_path, run_cli, repo_root), "over minsec's cap")


def test_package_over_the_total_cap(package, tmp_path, run_cli, repo_root, monkeypatch) -> None:
    monkeypatch.setattr(package_files, "MAX_PACKAGE_BYTES", 64 * 1024)
    assert_refused(diff_zip(make_zip(package), tmp_path, run_cli, repo_root), "size caps")


def test_rows_over_the_cap(package, tmp_path, run_cli, repo_root, monkeypatch) -> None:
    monkeypatch.setattr(diff_module, "MAX_ROWS", 5)
    assert_refused(diff_zip(make_zip(package), tmp_path, run_cli, repo_root), "over 5 rows")


def test_not_a_zip_at_all(tmp_path, run_cli, repo_root) -> None:
    assert_refused(diff_zip(b"PK\x05\x06" + b"\x00" * 18, tmp_path, run_cli, repo_root), "zip")
    assert_refused(diff_zip(b"garbage", tmp_path, run_cli, repo_root), "not a zip file")


def test_release_check_reads_kept_zips_within_the_caps(tmp_path, run_cli, repo_root, package) -> None:
    """A bomb committed under releases/ is refused by the same caps."""
    release = tmp_path / "releases" / "0.0.1"
    release.mkdir(parents=True)
    name = "minsec-0.0.1/datapackage.json"
    data = _patch_headers(make_zip(package), name.replace("0.0.1", "9.9.9"), {6: b"\x01\x00"}, {8: b"\x01\x00"})
    (release / "minsec-0.0.1.zip").write_bytes(data)
    code, out, err = run_cli("diff", "--root", tmp_path, "0.0.1", repo_root / "datapackage")
    assert_refused((code, out, err), "is encrypted")


def test_git_ref_read_within_the_cap(repo_root: Path, tmp_path: Path, run_cli, monkeypatch) -> None:
    import shutil
    import subprocess

    root = tmp_path / "repo"
    shutil.copytree(repo_root / "datapackage", root / "datapackage")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )
    monkeypatch.setattr(package_files, "MAX_FILE_BYTES", 1024)
    assert_refused(run_cli("diff", "--root", root, "HEAD", root / "datapackage"), "git HEAD:", "over minsec's cap")
