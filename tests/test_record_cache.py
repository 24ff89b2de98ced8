"""The cache of parsed record files makes runs faster, never different (minsec.record_cache)."""

import sqlite3
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLAIM_ID, DEAL_ID, MiniRepo
from minsec import record_cache, record_files
from minsec.draft.marker import MARKER
from minsec.record_files import read_records
from minsec.validate import validate


def _entries(folder: Path) -> int:
    with sqlite3.connect(folder / "records.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM parsed_files").fetchone()[0]


def _outcome(root: Path) -> tuple:
    report = validate(root)
    lines = sorted((r.path, r.line_of("id")) for r in report.records)
    return [r.record for r in report.records], report.problems, lines


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(folder))
    return folder


def test_a_cached_run_gives_what_an_uncached_run_gives(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    first = _outcome(mini_repo.root)  # parses, fills the cache
    files = len(list((mini_repo.root / "records").rglob("*.yaml")))
    assert _entries(cache) == files
    second = _outcome(mini_repo.root)  # from the cache
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    uncached = _outcome(mini_repo.root)
    assert first == second == uncached
    assert not first[1]


def test_cache_hits_skip_the_parser(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    read_records(mini_repo.root)
    import minsec.record_files as record_files

    def parse(raw: bytes):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(record_files, "load_document", parse)
    loaded, problems = read_records(mini_repo.root)
    assert loaded and not problems


def test_a_changed_file_is_parsed_again(mini_repo: MiniRepo, cache: Path) -> None:
    assert not validate(mini_repo.root).problems
    deal = next((mini_repo.root / "records" / "deals").glob("*.yaml"))
    deal.write_text(deal.read_text(encoding="utf-8").replace("id: ", "id: renamed-", 1), encoding="utf-8")
    problems = validate(mini_repo.root).problems
    assert any(p.path.endswith(deal.name) and p.field == "id" and p.line == 1 for p in problems), problems


def test_files_with_problems_are_not_cached(mini_repo: MiniRepo, cache: Path) -> None:
    bad = mini_repo.root / "records" / "deals" / "broken.yaml"
    bad.write_text("id: broken\nid: twice\n", encoding="utf-8")
    first = validate(mini_repo.root).problems
    before = _entries(cache)
    second = validate(mini_repo.root).problems
    assert first == second and any("duplicate key" in p.message for p in first)
    assert _entries(cache) == before == len(list((mini_repo.root / "records").rglob("*.yaml"))) - 1


def test_a_damaged_cache_is_ignored(mini_repo: MiniRepo, cache: Path) -> None:
    expected = _outcome(mini_repo.root)
    (cache / "records.sqlite3").write_bytes(b"not a database" * 100)
    assert _outcome(mini_repo.root) == expected


def test_a_cache_entry_that_is_not_data_is_ignored(mini_repo: MiniRepo, cache: Path) -> None:
    expected = _outcome(mini_repo.root)
    with sqlite3.connect(cache / "records.sqlite3") as connection:
        connection.execute("UPDATE parsed_files SET data = x'00ff'")
    assert _outcome(mini_repo.root) == expected


def test_an_unwritable_cache_folder_is_no_error(mini_repo: MiniRepo, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(blocker / "cache"))  # below a file: cannot be made
    assert not validate(mini_repo.root).problems


def test_old_entries_are_dropped_once_there_are_many(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(record_cache, "SPARE_ENTRIES", 0)
    validate(mini_repo.root)
    files = _entries(cache)
    deal = next((mini_repo.root / "records" / "deals").glob("*.yaml"))
    deal.write_text(deal.read_text(encoding="utf-8") + "note: changed\n", encoding="utf-8")
    validate(mini_repo.root)
    assert _entries(cache) == files  # the old version of the deal is gone, the new one is in


def test_the_cache_lives_outside_the_repository_by_default(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MINSEC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert record_cache.cache_dir() == tmp_path / "xdg" / "minsec"
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    assert record_cache.cache_dir() is None


def test_records_share_their_sets_of_given_fields(mini_repo: MiniRepo, monkeypatch) -> None:
    """Records read share one frozenset per distinct set of given field names (memory), and
    dump exactly as records validated afresh."""
    from minsec.models import MODEL_BY_FOLDER

    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    loaded, _ = read_records(mini_repo.root)
    by_fields: dict[frozenset, frozenset] = {}
    for item in loaded:
        given = item.record.__pydantic_fields_set__
        assert type(given) is frozenset
        for citation in item.record.citations if hasattr(item.record, "citations") else ():
            assert type(citation.__pydantic_fields_set__) is frozenset  # models inside records too
        assert by_fields.setdefault(given, given) is given  # equal sets are one object
        fresh = MODEL_BY_FOLDER[item.path.split("/")[1]].model_validate(item.record.model_dump(by_alias=True))
        assert item.record.model_dump(mode="json", by_alias=True) == fresh.model_dump(mode="json", by_alias=True)
    with pytest.raises(AttributeError):
        loaded[0].record.note = "changed"  # a read record is not changed in place


def test_new_entries_are_written_in_batches(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(record_cache, "BATCH", 2)
    expected = _outcome(mini_repo.root)
    assert _entries(cache) == len(list((mini_repo.root / "records").rglob("*.yaml")))
    assert _outcome(mini_repo.root) == expected


def test_lines_are_found_from_the_file_when_a_problem_needs_them(mini_repo: MiniRepo, monkeypatch) -> None:
    """A valid record keeps no text: its lines come from the file, read again, and only while the
    file still holds the bytes validated (a changed file points at line 1, never a wrong line)."""
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    loaded, _ = read_records(mini_repo.root)
    deal = next(r for r in loaded if r.path.startswith("records/deals/"))
    file = mini_repo.root / deal.path
    text = file.read_text(encoding="utf-8")
    expected = text[: text.index("\nparties:")].count("\n") + 2
    assert deal.line_of("parties") == expected
    again, _ = read_records(mini_repo.root)
    changed = next(r for r in again if r.path == deal.path)
    file.write_text("# a comment line moves every field down\n" + text, encoding="utf-8")
    assert changed.line_of("parties") == 1


# --- quotes found in fingerprints ---


def _fingerprint_file(mini_repo: MiniRepo) -> Path:
    from conftest import SOURCE_ID

    return mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"


def test_quotes_found_before_are_not_hashed_again(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    from minsec.fingerprint import Fingerprint

    first = validate(mini_repo.root)
    assert not first.problems and set(first.evidence.values()) == {"fingerprint"}
    with sqlite3.connect(cache / "records.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM found_quotes").fetchone()[0] > 0

    def hashed(self, quote):
        raise AssertionError("hashed although found before")

    monkeypatch.setattr(Fingerprint, "first_missing", hashed)
    assert validate(mini_repo.root).problems == first.problems


def test_a_changed_fingerprint_checks_its_quotes_again(mini_repo: MiniRepo, cache: Path) -> None:
    """A fingerprint with other hashes (same source, same text hash) finds its quotes afresh."""
    from minsec.fingerprint import Fingerprint, HashSet

    assert not validate(mini_repo.root).problems
    path = _fingerprint_file(mini_repo)
    whole = Fingerprint.loads(path.read_text(encoding="utf-8"))
    emptier = Fingerprint(whole.source_id, whole.text_sha256, HashSet(sorted(whole.hashes)[::2]))
    path.write_text(emptier.dumps(), encoding="utf-8")
    problems = validate(mini_repo.root).problems
    assert problems and all("checked against its fingerprint" in p.message for p in problems)


def test_quotes_not_found_are_never_cached(mini_repo: MiniRepo, cache: Path) -> None:
    claim = next((mini_repo.root / "records" / "claims").glob("*.yaml"))
    text = claim.read_text(encoding="utf-8")
    claim.write_text(text.replace("quote: ", "quote: Words the article never had, then ", 1), encoding="utf-8")
    first = validate(mini_repo.root).problems
    assert any("not found in the text" in p.message for p in first)
    assert validate(mini_repo.root).problems == first


def test_runs_at_the_same_time_share_the_cache_safely(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    """Two runs filling the same cache at once (one may find it locked) give the uncached result."""
    import threading

    monkeypatch.setattr(record_cache, "BATCH", 1)  # a transaction per entry: the runs interleave
    results: list[tuple] = []
    threads = [threading.Thread(target=lambda: results.append(_outcome(mini_repo.root))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    expected = _outcome(mini_repo.root)
    assert len(results) == 4 and all(result == expected for result in results)
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(cache))
    assert _outcome(mini_repo.root) == expected  # and what they left in the cache reads back right


def test_the_tables_of_an_earlier_version_are_dropped(mini_repo: MiniRepo, cache: Path) -> None:
    cache.mkdir()
    with sqlite3.connect(cache / "records.sqlite3") as connection:
        for legacy in ("parsed", "quotes_found"):
            connection.execute(f"CREATE TABLE {legacy} (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
            connection.execute(f"INSERT INTO {legacy} VALUES (x'00', x'00')")
    assert _outcome(mini_repo.root)[1] == []
    with sqlite3.connect(cache / "records.sqlite3") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"parsed_files", "found_quotes"} <= tables and not tables & {"parsed", "quotes_found"}


def _counts(folder: Path) -> dict[str, int]:
    with sqlite3.connect(folder / "records.sqlite3") as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}


@pytest.mark.verdicts  # reuses verdicts and records whose quotes passed, as minsec does
def test_a_run_over_some_files_keeps_the_entries_of_the_others(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    """``validate FILE`` and a run vouched for by a verdict read some files only: they must not
    drop what the other files' entries hold, or the next whole run parses everything again."""
    monkeypatch.setattr(record_cache, "SPARE_ENTRIES", 0)
    assert validate(mini_repo.root).ok
    full = _counts(cache)
    assert full["parsed_files"] > 2 and full["quoted_records"] > 2 and full["found_quotes"] > 0
    deal = next((mini_repo.root / "records" / "deals").glob("*.yaml"))
    assert validate(mini_repo.root, files=[deal]).ok
    assert validate(mini_repo.root, records=False).ok  # vouched: reads the sources only
    assert _counts(cache) == full
    parsed: list[int] = []
    monkeypatch.setattr(record_cache.RecordCache, "put_data", lambda self, key, data: parsed.append(1))
    assert validate(mini_repo.root).ok
    assert parsed == [], "every file's data was still cached"


# --- chunks of records already made (record_cache.RecordChunks) -------------------------------


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files made into models from data (not taken from a chunk)."""
    made: list[str] = []
    real = record_files.parse_record
    monkeypatch.setattr(
        record_files, "parse_record", lambda model, doc, path: made.append(path) or real(model, doc, path)
    )
    return made


def _uncached(root: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as patch:
        patch.setenv("MINSEC_CACHE_DIR", "")
        loaded, problems = read_records(root)
    return [(r.path, r.record, r.digest, r.marked, r.line_of("id")) for r in loaded], problems


#: The mini repository's files in the order a run reads them, as chunks are cut with a
#: ``_BATCH`` of 3: after each file whose name's CRC-32 is a multiple of 3 (checked by hand:
#: cod-share-of-world-cobalt-reserves.yaml and mini-article.yaml), so two chunks.
FIRST_CHUNK = [
    "records/actors/cod.yaml",
    "records/actors/jane-doe.yaml",
    "records/actors/usa.yaml",
    "records/claims/cod-share-of-world-cobalt-reserves.yaml",
]
SECOND_CHUNK = [
    "records/commodities/cobalt.yaml",
    "records/deals/usa-cod-cobalt-deal.yaml",
    "records/events/2025-03-09-usa-cod-cobalt-deal-signed.yaml",
    "records/sources/mini-article.yaml",
]


@pytest.mark.verdicts
def test_a_whole_run_takes_unchanged_chunks_as_they_were_made(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(record_files, "_BATCH", 3)
    expected = _uncached(mini_repo.root, monkeypatch)
    assert [path for path, *_ in expected[0]] == FIRST_CHUNK + SECOND_CHUNK
    read_records(mini_repo.root)  # makes and keeps the chunks
    assert _counts(cache)["record_chunks"] == 2
    made = _parsed(monkeypatch)
    loaded, problems = read_records(mini_repo.root)
    assert made == [], "every record came from its chunk"
    assert ([(r.path, r.record, r.digest, r.marked, r.line_of("id")) for r in loaded], problems) == expected
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(note="Changed after the chunks were kept."))
    loaded, _ = read_records(mini_repo.root)
    assert made == FIRST_CHUNK, "only the changed file's chunk is made again"
    assert next(r for r in loaded if r.path == FIRST_CHUNK[-1]).record.note == "Changed after the chunks were kept."


@pytest.mark.verdicts
def test_a_file_added_or_removed_changes_only_its_own_chunk(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    """Chunks are cut by the files' names, not every so many files: a record added among the
    first files (the contributor's usual change) leaves every later chunk as it was kept."""
    monkeypatch.setattr(record_files, "_BATCH", 3)
    read_records(mini_repo.root)
    made = _parsed(monkeypatch)
    added = mini_repo.data("jane-doe")
    added.update(id="aaa-added", name="Ann Added")
    mini_repo.write("actors", added)
    expected = _uncached(mini_repo.root, monkeypatch)
    made.clear()
    loaded, problems = read_records(mini_repo.root)
    assert made == ["records/actors/aaa-added.yaml", *FIRST_CHUNK], "the second chunk was taken as it was kept"
    assert ([(r.path, r.record, r.digest, r.marked, r.line_of("id")) for r in loaded], problems) == expected
    mini_repo.path("actors", "aaa-added").unlink()
    made.clear()
    read_records(mini_repo.root)
    assert made == [], "the first chunk as it was before the addition is still kept"


@settings(max_examples=200)
@given(
    names=st.lists(st.text("abcdefgh-", min_size=1, max_size=8), min_size=1, max_size=60, unique=True),
    new=st.text("abcdefgh-", min_size=1, max_size=8),
    batch=st.integers(1, 6),
)
def test_chunks_keep_every_path_in_order_and_change_only_where_a_path_is_added(
    names: list[str], new: str, batch: int
) -> None:
    paths = sorted(f"records/actors/{name}.yaml" for name in names)
    added = f"records/actors/{new}.yaml"
    with (
        mock.patch.object(record_files, "_BATCH", batch),
        mock.patch.object(record_files, "_MOST_BATCHES_IN_A_CHUNK", 10**6),
    ):
        chunks = [tuple(c) for c in record_files._chunks(paths)]
        assert [path for chunk in chunks for path in chunk] == paths
        if added in paths:
            return
        after = [tuple(c) for c in record_files._chunks(sorted([*paths, added]))]
    assert len(set(after) - set(chunks)) <= 2, "the chunk the path joins, split in two if it ends one"
    assert len(set(chunks) - set(after)) <= 1, "every chunk but the one the path joins is kept"


@pytest.mark.parametrize(("count", "sizes"), [(1, [1]), (11, [11]), (12, [12]), (13, [12, 1]), (40, [12, 12, 12, 4])])
def test_no_chunk_holds_more_than_the_most(count: int, sizes: list[int], monkeypatch) -> None:
    """Names that never end a chunk are cut every ``_BATCH * _MOST_BATCHES_IN_A_CHUNK`` files (here
    4 * 3), so the bytes read together stay bounded."""
    paths = [f"records/events/e{number:03}.yaml" for number in range(count)]
    monkeypatch.setattr(record_files, "_BATCH", 4)
    monkeypatch.setattr(record_files, "_MOST_BATCHES_IN_A_CHUNK", 3)
    monkeypatch.setattr(record_files.zlib, "crc32", lambda data: 1)  # no name ends a chunk
    chunks = list(record_files._chunks(paths))
    assert [len(chunk) for chunk in chunks] == sizes
    assert [path for chunk in chunks for path in chunk] == paths


@pytest.mark.verdicts
def test_a_chunk_is_kept_only_if_every_file_made_a_record(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(record_files, "_BATCH", 1000)  # one chunk
    mini_repo.rewrite(DEAL_ID, lambda d: d["parties"][0].update(role="no such role"))
    read_records(mini_repo.root)
    assert _counts(cache)["record_chunks"] == 0
    mini_repo.rewrite(DEAL_ID, lambda d: None)  # valid again
    deal = mini_repo.path("deals", DEAL_ID)
    deal.write_text(deal.read_text(encoding="utf-8") + f"# {MARKER}\n", encoding="utf-8")
    loaded, _ = read_records(mini_repo.root)
    assert any(r.marked for r in loaded)
    assert _counts(cache)["record_chunks"] == 0, "a marked file's flag is not kept in a chunk"


@pytest.mark.verdicts
def test_a_chunk_entry_that_is_not_records_is_refused(
    mini_repo: MiniRepo, cache: Path, monkeypatch, tmp_path: Path
) -> None:
    import pickle

    expected = _uncached(mini_repo.root, monkeypatch)
    read_records(mini_repo.root)
    planted = tmp_path / "planted"

    class Payload:
        def __reduce__(self):  # what unpickling would call: it must never run
            return (Path.touch, (planted,))

    with sqlite3.connect(cache / "records.sqlite3") as connection:
        connection.execute("UPDATE record_chunks SET data = ?", (pickle.dumps([Payload()]),))
    loaded, problems = read_records(mini_repo.root)
    assert not planted.exists()
    assert ([(r.path, r.record, r.digest, r.marked, r.line_of("id")) for r in loaded], problems) == expected
    with sqlite3.connect(cache / "records.sqlite3") as connection:
        connection.execute("UPDATE record_chunks SET data = ?", (b"not a pickle",))
    loaded, problems = read_records(mini_repo.root)
    assert ([(r.path, r.record, r.digest, r.marked, r.line_of("id")) for r in loaded], problems) == expected


@pytest.mark.verdicts
def test_records_taken_from_chunks_keep_their_parsed_data(mini_repo: MiniRepo, cache: Path, monkeypatch) -> None:
    """A whole run whose chunks are all kept looks no parsed data up; it must not drop it."""
    monkeypatch.setattr(record_cache, "SPARE_ENTRIES", 0)
    read_records(mini_repo.root)
    before = _counts(cache)["parsed_files"]
    read_records(mini_repo.root)  # every record from its chunk
    assert _counts(cache)["parsed_files"] == before > 0
