"""`minsec cache` says where the cache kept between runs is and what it holds, and
`minsec cache clear` removes it and nothing else, whatever state it is in."""

import os
from pathlib import Path

import pytest

from conftest import MiniRepo
from minsec.cache_contents import CACHE_FILES, clear, contents, human_size
from minsec.record_cache import RecordCache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(folder))
    return folder


def _cache_files(folder: Path) -> dict[str, int]:
    return {name: (folder / name).stat().st_size for name in CACHE_FILES if (folder / name).exists()}


def _quotes(root: Path) -> set[str]:
    """The distinct quotes of the mini repository's records, read from their files."""
    found = set()
    for path in (root / "records").rglob("*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines()
        found.update(line.split("quote: ", 1)[1] for line in lines if "quote: " in line)
    return found


def test_what_a_run_kept_is_listed_by_kind(mini_repo: MiniRepo, cache: Path, run_cli) -> None:
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0
    code, out, err = run_cli("cache")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    files = len(list((mini_repo.root / "records").rglob("*.yaml")))
    assert files == 8 and len(_quotes(mini_repo.root)) == 8
    assert lines[0] == f"cache: {cache / 'records.sqlite3'} ({human_size(sum(_cache_files(cache).values()))})"
    assert lines[1:] == [
        "  parsed record files: 8",
        "  runs of record files made into records: 1",  # no name of the 8 hashes to a multiple of 256
        "  quotes found in a fingerprint: 8",
        "  records whose quotes all passed: 0",  # tests take none (conftest's _every_check_runs)
        "  clean verdicts of whole runs: 1",
        "`minsec cache clear` removes it; the next run is then slower, never different",
    ]


def test_clear_removes_the_cache_and_nothing_else(mini_repo: MiniRepo, cache: Path, run_cli) -> None:
    first = run_cli("validate", "--root", mini_repo.root)
    (cache / "notes.txt").write_text("the user's own file", encoding="utf-8")
    size = sum(_cache_files(cache).values())
    assert size > 0
    code, out, err = run_cli("cache", "clear")
    assert (code, out, err) == (0, f"removed the cache at {cache / 'records.sqlite3'} ({human_size(size)})\n", "")
    assert sorted(os.listdir(cache)) == ["notes.txt"]
    assert run_cli("cache", "clear")[1] == f"no cache at {cache / 'records.sqlite3'}; nothing removed\n"
    assert run_cli("cache")[1] == f"no cache yet at {cache / 'records.sqlite3'}; validate and build make it\n"
    assert run_cli("validate", "--root", mini_repo.root) == first
    assert contents(cache).entries["parsed record files"] == 8


def test_a_run_holding_the_cache_while_it_is_cleared_goes_on(cache: Path) -> None:
    running = RecordCache(cache)
    running.put_data(b"k" * 20, {"id": "kept"})
    running._write_new()
    assert clear(cache) > 0 and not _cache_files(cache)
    running.put_data(b"j" * 20, {"id": "written after the clear"})
    running.save()  # writes to the removed files: nothing, no error
    assert not _cache_files(cache)
    assert RecordCache(cache).get_many_data([b"k" * 20, b"j" * 20]) == {}


def test_no_cache_when_turned_off(monkeypatch: pytest.MonkeyPatch, run_cli) -> None:
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    expected = (0, "no cache: MINSEC_CACHE_DIR is set empty, so minsec runs without one\n", "")
    assert run_cli("cache") == expected
    assert run_cli("cache", "clear") == expected


def test_a_damaged_cache_is_reported_and_cleared(mini_repo: MiniRepo, cache: Path, run_cli) -> None:
    cache.mkdir()
    (cache / "records.sqlite3").write_bytes(b"not a database, whatever wrote it" * 100)
    code, out, err = run_cli("cache")
    assert (code, err) == (0, "")
    assert "cannot be read (file is not a database): runs go on without it" in out
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0
    assert run_cli("cache", "clear")[0] == 0
    assert not _cache_files(cache)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (999, "999 bytes"), (1000, "1.0 kB"), (18_640_000, "18.6 MB"), (220_400_000, "220 MB")],
)
def test_sizes_are_shown_in_decimal_units(size: int, shown: str) -> None:
    assert human_size(size) == shown


@pytest.mark.parametrize("action", ["info", "clear"])
def test_a_cache_folder_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch, run_cli, action: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(blocker))
    code, out, err = run_cli("cache", action)
    assert (code, out) == (2, "")
    advice = "a part of the path is a file, not a folder; check the path"
    assert err == f"minsec: {blocker / 'records.sqlite3'}: Not a directory; {advice}\n"


def test_a_cache_that_cannot_be_removed_is_one_line(cache: Path, monkeypatch, run_cli) -> None:
    RecordCache(cache).save()
    assert _cache_files(cache)

    def refuse(path: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "unlink", refuse)
    code, out, err = run_cli("cache", "clear")
    assert (code, out) == (2, "")
    advice = "check its permissions (or run where you may read and write)"
    assert err == f"minsec: {cache / 'records.sqlite3'}: Permission denied; {advice}\n"


@pytest.mark.parametrize("name", ["relative-cache", "we?ird#na%me", "two\nlines"])
def test_any_folder_name_runs_use_is_reported(name: str, tmp_path: Path, monkeypatch, run_cli) -> None:
    """A relative MINSEC_CACHE_DIR (the current folder's, as for a run) or one whose name means
    something in a URI or a terminal: counted, and printed on one line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINSEC_CACHE_DIR", name)
    store = RecordCache(Path(name))
    store.put_data(b"k" * 20, {"id": "one"})
    store.save()
    code, out, err = run_cli("cache")
    assert (code, err) == (0, "")
    shown = str(tmp_path / name / "records.sqlite3").replace("\n", "\\n")
    size = human_size(sum(_cache_files(tmp_path / name).values()))
    assert out.splitlines()[:2] == [f"cache: {shown} ({size})", "  parsed record files: 1"]
    assert run_cli("cache", "clear")[0] == 0
    assert not _cache_files(tmp_path / name)
