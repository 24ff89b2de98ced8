"""A clean verdict is reused only for the same inputs: any change to what the set rules and the
quote check read makes them run again (minsec.verdicts)."""

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import CLAIM_ID, DEAL_ID, SOURCE_ID, MiniRepo
from minsec import record_files, verdicts
from minsec import validate as validate_module
from minsec.draft.marker import MARKER
from minsec.fingerprint import Fingerprint
from minsec.models import Source
from minsec.validate import validate

pytestmark = pytest.mark.verdicts


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def rules_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times validate ran the set rules and the quote check (one entry per run)."""
    runs: list[int] = []
    original = validate_module._run_set_rules

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(validate_module, "_run_set_rules", counted)
    return runs


def _verdicts(folder: Path) -> int:
    with sqlite3.connect(folder / "records.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM clean_verdicts").fetchone()[0]


def _report(root: Path, corpus: list[Path] | None = None) -> tuple:
    report = validate(root, corpus or [])
    return report.ok, [str(p) for p in report.problems], report.evidence, report.files_checked


def test_a_clean_run_is_reused_with_the_same_outcome(mini_repo: MiniRepo, cache: Path, rules_runs: list[int]) -> None:
    first = _report(mini_repo.root)
    second = _report(mini_repo.root)
    assert first == second
    assert first[0] and first[2] == {SOURCE_ID: "fingerprint"}
    assert len(rules_runs) == 1, "the second run reused the first's verdict"
    assert _verdicts(cache) == 1


def test_with_the_corpus_the_verdict_says_which_quotes_were_checked_against_the_text(
    mini_repo: MiniRepo, cache: Path, rules_runs: list[int]
) -> None:
    first = _report(mini_repo.root, [mini_repo.corpus])
    assert first == _report(mini_repo.root, [mini_repo.corpus])
    assert first[2] == {SOURCE_ID: "text"}
    assert len(rules_runs) == 1
    assert _report(mini_repo.root)[2] == {SOURCE_ID: "fingerprint"}, "without the corpus: another verdict"
    assert len(rules_runs) == 2


def test_a_run_with_problems_keeps_no_verdict(mini_repo: MiniRepo, cache: Path, rules_runs: list[int]) -> None:
    mini_repo.rewrite(DEAL_ID, lambda d: d["parties"][0].update(actor_id="no-such-actor"))
    first = _report(mini_repo.root)
    assert not first[0]
    assert _report(mini_repo.root) == first
    assert len(rules_runs) == 2
    assert _verdicts(cache) == 0


def test_no_cache_no_verdict(mini_repo: MiniRepo, monkeypatch: pytest.MonkeyPatch, rules_runs: list[int]) -> None:
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    assert _report(mini_repo.root) == _report(mini_repo.root)
    assert len(rules_runs) == 2


def _tamper_fingerprint(repo: MiniRepo) -> None:
    """A fingerprint of another text under the same name: every quote of the source fails."""
    path = repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    path.write_text(Fingerprint.of_text(SOURCE_ID, b"An entirely different article about nickel.").dumps())


def _link_fingerprint(repo: MiniRepo) -> None:
    """The same bytes, but through a symbolic link."""
    path = repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    target = repo.root.parent / "elsewhere.fingerprint"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)


def _orphan_fingerprint(repo: MiniRepo) -> None:
    folder = repo.root / "records" / "sources"
    (folder / "nobody.fingerprint").write_bytes((folder / f"{SOURCE_ID}.fingerprint").read_bytes())


def _change_the_text(repo: MiniRepo) -> None:
    path = repo.corpus / "mini-article.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("cobalt", "copper"), encoding="utf-8")


def _move_the_date(_: MiniRepo) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = "946684800"  # 1 January 2000: the records' 2025 dates lie ahead


@pytest.mark.parametrize(
    "change",
    [_tamper_fingerprint, _link_fingerprint, _orphan_fingerprint, _change_the_text, _move_the_date],
)
def test_a_change_to_what_the_checks_read_runs_them_again(
    mini_repo: MiniRepo, cache: Path, rules_runs: list[int], monkeypatch: pytest.MonkeyPatch, change
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # today; restored after the test whatever the change sets
    corpus = [mini_repo.corpus]
    assert _report(mini_repo.root, corpus)[0]
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    change(mini_repo)
    uncached = _report(mini_repo.root, corpus)
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(cache))
    assert not uncached[0], "the change makes the repository invalid"
    assert _report(mini_repo.root, corpus) == uncached, "the verdict of the old inputs was not reused"
    assert len(rules_runs) == 3


def test_a_change_to_the_code_runs_them_again(
    mini_repo: MiniRepo, cache: Path, rules_runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _report(mini_repo.root)[0]
    monkeypatch.setattr(verdicts, "code_digest", lambda: b"the code of another minsec")
    assert _report(mini_repo.root)[0]
    assert len(rules_runs) == 2
    assert _verdicts(cache) == 2


def test_a_changed_record_runs_them_again(mini_repo: MiniRepo, cache: Path, rules_runs: list[int]) -> None:
    assert _report(mini_repo.root)[0]
    mini_repo.rewrite(CLAIM_ID, lambda d: d["citations"][0].update(quote="the Congo holds 80% of the world"))
    second = _report(mini_repo.root)
    assert not second[0] and "not found in the text" in " ".join(second[1])
    assert len(rules_runs) == 2


def test_the_digest_changes_with_every_input_and_only_then(mini_repo: MiniRepo, cache: Path) -> None:
    records = validate(mini_repo.root, [mini_repo.corpus]).records
    files = [(r.path, r.digest) for r in records]
    sources = [r.record for r in records if isinstance(r.record, Source)]

    def digest(files=files, sources=sources, corpus=(mini_repo.corpus,), today="2026-12-01") -> bytes | None:
        return verdicts.inputs_digest(mini_repo.root, files, sources, list(corpus), today)

    first = digest()
    assert first is not None and digest() == first
    assert digest(today="2026-12-02") != first
    assert digest(corpus=()) != first
    assert digest(files=files[:-1]) != first
    assert digest(files=[files[-1], *files[:-1]]) != first
    assert digest(files=[(files[0][0], b"another digest"), *files[1:]]) != first
    assert digest(files=[*files[:-1], (files[-1][0], b"")]) is None, "a file not read from disk: no verdict"
    (mini_repo.corpus / "mini-article.txt").unlink()
    assert digest() != first


def test_an_unchanged_repository_is_vouched_for_reading_only_its_sources(
    mini_repo: MiniRepo, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = _report(mini_repo.root)
    kinds: list[str] = []
    original = record_files.parse_record
    monkeypatch.setattr(
        record_files, "parse_record", lambda model, *a: kinds.append(model.__name__) or original(model, *a)
    )
    report = validate(mini_repo.root, records=False)
    assert (report.ok, [str(p) for p in report.problems], report.evidence, report.files_checked) == full
    assert report.records == [] and kinds == ["Source"]


@pytest.mark.parametrize(
    "change",
    [
        lambda repo: repo.rewrite(
            CLAIM_ID, lambda d: d["citations"][0].update(quote="the Congo holds 80% of the world")
        ),
        lambda repo: repo.rewrite(DEAL_ID, lambda d: d.update(title="")),
        lambda repo: (repo.root / "records" / "deals" / "stray.txt").write_text("not a record"),
        lambda repo: repo.path("deals", DEAL_ID).write_text(f"{MARKER}\n" + repo.path("deals", DEAL_ID).read_text()),
    ],
    ids=["quote", "field", "stray file", "draft marker"],
)
def test_after_a_change_the_report_without_records_is_the_full_one(
    mini_repo: MiniRepo, cache: Path, monkeypatch: pytest.MonkeyPatch, change
) -> None:
    assert validate(mini_repo.root, records=False).ok
    change(mini_repo)
    monkeypatch.setenv("MINSEC_CACHE_DIR", "")
    uncached = _report(mini_repo.root)
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(cache))
    assert not uncached[0]
    report = validate(mini_repo.root, records=False)
    assert (report.ok, [str(p) for p in report.problems], report.evidence, report.files_checked) == uncached


def test_the_command_line_says_the_same_when_vouched_for(mini_repo: MiniRepo, cache: Path, run_cli) -> None:
    first = run_cli("validate", "--root", mini_repo.root)
    assert first == run_cli("validate", "--root", mini_repo.root)
    assert first[0] == 0 and first[1].startswith("8 files checked, 0 problems found; quotes checked against")


# --- records whose quotes passed (record_cache.QuotedRecords) ---------------------------------


@pytest.fixture
def quotes_checked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many quotes each run checked (one entry per run)."""
    from minsec.evidence import Evidence

    counts: list[int] = []
    original = Evidence.quote_problems

    def counted(self, quotes):  # type: ignore[no-untyped-def]
        counts.append(len(quotes))
        return original(self, quotes)

    monkeypatch.setattr(Evidence, "quote_problems", counted)
    return counts


def test_after_one_record_changed_only_its_quotes_are_checked(
    mini_repo: MiniRepo, cache: Path, quotes_checked: list[int]
) -> None:
    assert _report(mini_repo.root)[0]
    everything = quotes_checked[0]
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(note="A note added after the first run."))
    second = _report(mini_repo.root)
    claim = mini_repo.data(CLAIM_ID)
    assert second[0]
    assert quotes_checked[1] == len(claim["citations"]) < everything
    # Without the cache: the same report, every quote checked.
    os.environ["MINSEC_CACHE_DIR"] = ""
    try:
        assert _report(mini_repo.root) == second
    finally:
        os.environ["MINSEC_CACHE_DIR"] = str(cache)
    assert quotes_checked[2] == everything


def test_a_record_whose_quote_failed_is_checked_every_run(
    mini_repo: MiniRepo, cache: Path, quotes_checked: list[int]
) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d["citations"][0].update(quote="the Congo holds 80% of the world"))
    first = _report(mini_repo.root)
    assert not first[0] and "not found in the text" in " ".join(first[1])
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(note="Another file changed, so no verdict is reused."))
    second = _report(mini_repo.root)
    assert second[1] == first[1]
    assert quotes_checked[1] >= len(mini_repo.data(CLAIM_ID)["citations"])


def test_what_quotes_are_checked_against_changes_with_each_source(mini_repo: MiniRepo) -> None:
    from minsec.evidence import SourceText, checked_against

    fingerprint = Fingerprint.of_text(SOURCE_ID, mini_repo.text.encode("utf-8"))
    other = Fingerprint.of_text(SOURCE_ID, b"An entirely different article about nickel.")
    first = checked_against([SOURCE_ID], {SOURCE_ID: fingerprint})
    assert checked_against([SOURCE_ID], {SOURCE_ID: fingerprint}) == first
    assert checked_against([SOURCE_ID], {SOURCE_ID: other}) != first
    assert checked_against([SOURCE_ID], {SOURCE_ID: SourceText("some text")}) != first
    assert checked_against([SOURCE_ID], {SOURCE_ID: SourceText("other text")}) != checked_against(
        [SOURCE_ID], {SOURCE_ID: SourceText("some text")}
    )
    assert checked_against([SOURCE_ID], {}) != first, "a source with nothing to check against"
    assert checked_against([SOURCE_ID, "another"], {SOURCE_ID: fingerprint}) != first, "a source added"


def test_a_source_given_another_text_checks_its_citing_records_again(mini_repo: MiniRepo, cache: Path) -> None:
    """The claim's file is unchanged, but what its quotes are checked against is not."""
    from minsec.fingerprint import text_sha256

    assert _report(mini_repo.root)[0]
    other = b"An entirely different article about nickel, with nothing the records quote."
    mini_repo.rewrite(SOURCE_ID, lambda d: d.update(text_sha256=text_sha256(other)))
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    path.write_text(Fingerprint.of_text(SOURCE_ID, other).dumps())
    cached = _report(mini_repo.root)
    os.environ["MINSEC_CACHE_DIR"] = ""
    try:
        uncached = _report(mini_repo.root)
    finally:
        os.environ["MINSEC_CACHE_DIR"] = str(cache)
    assert not uncached[0] and f"not found in the text of {SOURCE_ID!r}" in " ".join(uncached[1])
    assert cached == uncached


def test_a_run_the_verdict_does_not_vouch_for_reads_each_cached_file_once(
    mini_repo: MiniRepo, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert validate(mini_repo.root).ok  # fills the cache
    changed = mini_repo.rewrite(CLAIM_ID, lambda d: d.update(note="Changed since the first run."))
    reads: list[str] = []
    real = record_files.read_capped
    monkeypatch.setattr(record_files, "read_capped", lambda path: reads.append(str(path)) or real(path))
    report = validate(mini_repo.root, records=False)  # as the command line runs it
    assert report.ok and len(report.records) == len(mini_repo.records)
    others = [path for path in reads if path != str(changed)]
    assert len(others) == len(set(others)) == len(mini_repo.records) - 1, "each unchanged file read once"
    assert reads.count(str(changed)) == 2, "the changed file: once for its digest, once to parse it"
    uncached = _report(mini_repo.root)
    assert (report.ok, [str(p) for p in report.problems], report.evidence) == uncached[:3]


def test_a_first_run_reads_each_file_once(mini_repo: MiniRepo, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no verdict cached at all, none can vouch: the files are not read for one."""
    reads: list[str] = []
    real = record_files.read_capped
    monkeypatch.setattr(record_files, "read_capped", lambda path: reads.append(str(path)) or real(path))
    report = validate(mini_repo.root, records=False)
    assert report.ok and len(reads) == len(set(reads)) == len(mini_repo.records)
    assert _verdicts(cache) == 1
    reads.clear()
    assert validate(mini_repo.root, records=False).ok
    assert len(reads) == len(mini_repo.records), "the second run reads each file once, for the verdict"
