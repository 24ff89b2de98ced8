"""One rule for every path minsec reads or writes: inside the tree it belongs to, no links
(issue 11: symbolic links and paths). Also: ids are checked whole (``fullmatch``), so a
trailing newline is no id."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEAL_ID, MINI_TEXT_FILE, MiniRepo
from minsec.dates import parse_partial_date
from minsec.paths import PathError, read_up_to, within


def test_within_refuses_links_and_dot_dot(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert within(tmp_path, "real/new.txt") == tmp_path / "real" / "new.txt"
    for bad in ("link/new.txt", "link", "../x", "/etc/passwd", "a\\b"):
        with pytest.raises(PathError):
            within(tmp_path, bad)


def test_records_folder_that_is_a_link(mini_repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside-records"
    (mini_repo.root / "records").rename(outside)
    (mini_repo.root / "records").symlink_to(outside)
    for command in ("validate", "build"):
        code, out, err = run_cli(command, "--root", mini_repo.root)
        assert code == 2, out + err
        assert "records: is a symbolic link" in err and len(err.splitlines()) == 1
    assert not (mini_repo.root / "datapackage").exists()


def test_records_linked_to_the_file_system_root(mini_repo: MiniRepo, run_cli) -> None:
    shutil.rmtree(mini_repo.root / "records")
    (mini_repo.root / "records").symlink_to("/")
    code, out, err = run_cli("validate", "--root", mini_repo.root)
    assert code == 2 and "symbolic link" in err and "Traceback" not in err + out


def test_kind_folder_that_is_a_link(mini_repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside-deals"
    (mini_repo.root / "records" / "deals").rename(outside)
    (mini_repo.root / "records" / "deals").symlink_to(outside)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "records/deals:1: is a symbolic link or lies in a linked folder" in out


def test_corpus_file_that_is_a_link(mini_repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    """A corpus 'text' linked to a file outside the corpus, its hash set to match, verifies nothing."""
    secret = tmp_path / "passwd"
    secret.write_text(mini_repo.text, encoding="utf-8")  # same bytes: the hash matches
    (mini_repo.corpus / MINI_TEXT_FILE).unlink()
    (mini_repo.corpus / MINI_TEXT_FILE).symlink_to(secret)
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1, out
    assert "text_file: cannot use the text:" in out and "is a symbolic link" in out


def test_corpus_file_over_the_cap(mini_repo: MiniRepo, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from minsec import evidence

    monkeypatch.setattr(evidence, "MAX_TEXT_BYTES", 100)
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1 and "over the 100-byte cap for a source text" in out


def test_corpus_file_that_is_not_a_file(mini_repo: MiniRepo, run_cli) -> None:
    (mini_repo.corpus / MINI_TEXT_FILE).unlink()
    (mini_repo.corpus / MINI_TEXT_FILE).mkdir()
    code, out, err = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1, out + err
    assert "text_file: cannot use the text" in out


def test_diff_on_a_folder_with_a_linked_table(repo_root: Path, tmp_path: Path, run_cli) -> None:
    package = tmp_path / "package"
    shutil.copytree(repo_root / "datapackage", package)
    secret = tmp_path / "secret.csv"
    secret.write_bytes((package / "data" / "sources.csv").read_bytes().replace(b"\n", b"s3cr3t\n", 1))
    (package / "data" / "sources.csv").unlink()
    (package / "data" / "sources.csv").symlink_to(secret)
    code, out, err = run_cli("diff", "--root", tmp_path, repo_root / "datapackage", package)
    assert code == 2, out + err
    assert "sources.csv: is a symbolic link" in err
    assert "s3cr3t" not in out + err


def test_diff_on_a_folder_with_a_linked_data_folder(repo_root: Path, tmp_path: Path, run_cli) -> None:
    package = tmp_path / "package"
    shutil.copytree(repo_root / "datapackage", package)
    (package / "data").rename(tmp_path / "data")
    (package / "data").symlink_to(tmp_path / "data")
    code, _, err = run_cli("diff", "--root", tmp_path, repo_root / "datapackage", package)
    assert code == 2 and "data: is a symbolic link" in err


def test_new_through_a_linked_kind_folder(mini_repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside-deals"
    outside.mkdir()
    shutil.rmtree(mini_repo.root / "records" / "deals")
    (mini_repo.root / "records" / "deals").symlink_to(outside)
    code, _, err = run_cli("new", "--root", mini_repo.root, "deal", "a-new-deal")
    assert code == 2
    assert "deals: is a symbolic link" in err
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("bad", ["abc\n", "abc\r\n", "\nabc", "abc\x00"])
def test_new_refuses_an_id_with_a_line_break(bad: str, mini_repo: MiniRepo, run_cli) -> None:
    before = sorted(p.name for p in (mini_repo.root / "records" / "deals").iterdir())
    code, _, err = run_cli("new", "--root", mini_repo.root, "deal", bad)
    assert code == 2 and "is not a valid id" in err
    assert sorted(p.name for p in (mini_repo.root / "records" / "deals").iterdir()) == before


@pytest.mark.parametrize("bad", ["2025\n", "2025-03\n"])
def test_dates_are_matched_whole(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_partial_date(bad)


def test_validate_file_argument_that_is_a_link(mini_repo: MiniRepo, run_cli, tmp_path: Path) -> None:
    link = mini_repo.root / "records" / "deals" / "linked.yaml"
    link.symlink_to(mini_repo.path("deals", DEAL_ID))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "records/deals/linked.yaml:1:" in out
    digest = hashlib.sha256(mini_repo.path("deals", DEAL_ID).read_bytes()).hexdigest()
    assert digest  # the target itself is untouched and still valid


def test_kept_release_zip_that_is_a_link(repo_root: Path, tmp_path: Path, run_cli) -> None:
    """A release kept in releases/ is read as a regular file inside its folder, never through a link."""
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "datapackage", root / "datapackage")
    release = root / "releases" / "0.1.0"
    release.mkdir(parents=True)
    outside = tmp_path / "elsewhere.zip"
    shutil.copy(repo_root / "releases" / "0.1.0" / "minsec-0.1.0.zip", outside)
    (release / "minsec-0.1.0.zip").symlink_to(outside)
    code, out, err = run_cli("release", "check", "--root", root)
    assert code == 2, out + err
    assert "minsec-0.1.0.zip: is a symbolic link" in err


def test_a_pipe_is_no_text_and_no_table(mini_repo: MiniRepo, repo_root: Path, tmp_path: Path, run_cli) -> None:
    """A named pipe would block a reader forever: it is refused as not a regular file."""
    import os

    (mini_repo.corpus / MINI_TEXT_FILE).unlink()
    os.mkfifo(mini_repo.corpus / MINI_TEXT_FILE)
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1 and "not a regular file" in out
    package = tmp_path / "package"
    shutil.copytree(repo_root / "datapackage", package)
    (package / "data" / "sources.csv").unlink()
    os.mkfifo(package / "data" / "sources.csv")
    code, _, err = run_cli("diff", "--root", tmp_path, repo_root / "datapackage", package)
    assert code == 2 and "sources.csv: not a regular file" in err


def test_record_file_that_is_a_link_after_regular_files_of_its_folder(mini_repo: MiniRepo, run_cli, tmp_path) -> None:
    """Folders are checked once per run, the files in them every time: a link read after a
    regular file of the same folder is still refused."""
    deals = mini_repo.root / "records" / "deals"
    assert sorted(deals.iterdir())  # a regular deal file is read first
    outside = tmp_path / "outside.yaml"
    outside.write_text("id: zz-linked\n", encoding="utf-8")
    (deals / "zz-linked.yaml").symlink_to(outside)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "records/deals/zz-linked.yaml:1: is a symbolic link or lies in a linked folder" in out


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 300), max_bytes=st.integers(0, 200), expected=st.integers(0, 400))
def test_read_up_to_reads_the_file_up_to_one_byte_over_the_cap_whatever_size_it_was_told(
    tmp_path_factory: pytest.TempPathFactory, size: int, max_bytes: int, expected: int
) -> None:
    """``expected`` is fstat's size, which a file that changes meanwhile makes wrong either way."""
    path = tmp_path_factory.mktemp("read") / "file"
    content = bytes(range(256)) * 2
    path.write_bytes(content[:size])
    descriptor = os.open(path, os.O_RDONLY)
    try:
        assert read_up_to(descriptor, max_bytes, expected) == content[: min(size, max_bytes + 1)]
    finally:
        os.close(descriptor)
