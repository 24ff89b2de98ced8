"""Evidence fingerprints: the file, the quote check without the text, and how often it can be fooled.

The false-pass rates of docs/fingerprints.md are computed by ``false_pass`` below and
measured here over thousands of seeded trials, on an invented text (random words, so that
no changed run of words occurs in it by chance); with few hash bits the rates are large
enough to measure and must agree with the formula, and with the real 24 bits they must be
as small as it says.
"""

import base64
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLAIM_ID, MINI_TEXT, SOURCE_ID, line_containing
from minsec.evidence import MIN_QUOTE_CHARS, MIN_QUOTE_WORDS, SourceText, first_difference, too_short
from minsec.fingerprint import (
    HASH_BITS,
    MAX_BYTES,
    NGRAM,
    Fingerprint,
    FingerprintError,
    collision_probability,
    normalise,
    runs,
    token_spans,
)

ROOT = Path(__file__).resolve().parent.parent


def invented_text(seed: int = 7, tokens: int = 3000) -> str:
    """An invented text: random made-up words (letters only) with commas and full stops."""
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(4000)
    ]
    words = []
    for _ in range(tokens):
        word = rng.choice(vocabulary)
        words.append(word + ("." if rng.random() < 0.06 else "," if rng.random() < 0.08 else ""))
    return " ".join(words)


def windows_over(position: int, length: int, n: int = NGRAM) -> int:
    """How many runs of ``n`` tokens of a ``length``-token quote contain token ``position``."""
    return min(position + 1, n, length - position, length - n + 1)


def false_pass(p: float, length: int, n: int = NGRAM) -> dict[str, float]:
    """Chance that the fingerprint check passes a quote of ``length`` tokens with one word
    changed (at a random token, or in the middle), or stitched from two passages, when each
    run absent from the text matches a stored hash with probability ``p``."""
    return {
        "typo_anywhere": sum(p ** windows_over(k, length, n) for k in range(length)) / length,
        "typo_middle": p**n,
        "typo_first_word": p,
        "stitched": p ** (n - 1),
    }


class Trials:
    """Random quotes from a text, changed the two ways the check must catch."""

    def __init__(self, text: str, bits: int, seed: int = 1) -> None:
        self.text = normalise(text)
        self.spans = token_spans(self.text)
        self.fingerprint = Fingerprint.of_text("invented", text.encode(), bits=bits)
        self.exact = set(runs(self.text))
        self.rng = random.Random(seed)

    def passage(self, length: int) -> tuple[int, list[tuple[int, int]]]:
        start = self.rng.randrange(len(self.spans) - length)
        return start, self.spans[start : start + length]

    def quote(self, spans: list[tuple[int, int]]) -> str:
        return self.text[spans[0][0] : spans[-1][1]]

    def typo(self, length: int, position: int | None = None) -> tuple[bool, bool]:
        """(fingerprint passes, a changed run occurs in the text) for one changed word."""
        _, spans = self.passage(length)
        word_positions = [i for i, (s, e) in enumerate(spans) if self.text[s].isalpha()]
        k = self.rng.choice(word_positions) if position is None else position
        s, e = spans[k]
        changed = self.text[s : (s + e) // 2] + "7" + self.text[(s + e) // 2 : e]  # no digit in the text
        quote = self.text[spans[0][0] : s] + changed + self.text[e : spans[-1][1]]
        return self.fingerprint.first_missing(quote) is None, all(r in self.exact for r in runs(quote))

    def stitched(self, length: int) -> tuple[bool, bool]:
        """(fingerprint passes, every run occurs in the text) for two passages joined."""
        first, a = self.passage(length)
        second, b = self.passage(length)
        while abs(second - first) <= length + NGRAM:
            second, b = self.passage(length)
        quote = f"{self.quote(a)} {self.quote(b)}"
        return self.fingerprint.first_missing(quote) is None, all(r in self.exact for r in runs(quote))


def measure(trials: Trials, kind: str, count: int, length: int = 10, **options) -> tuple[int, int]:
    """(false passes, passes by runs that genuinely occur in the text) over ``count`` trials."""
    false, genuine = 0, 0
    for _ in range(count):
        passed, really = getattr(trials, kind)(length, **options)
        genuine += really
        false += passed and not really
    return false, genuine


def agrees(observed: int, trials: int, p: float) -> bool:
    """Within five standard deviations of the binomial expectation (seeded, so deterministic)."""
    expected = trials * p
    return abs(observed - expected) <= 5 * (expected * (1 - p)) ** 0.5 + 1


@pytest.fixture(scope="module")
def text() -> str:
    return invented_text()


def test_measured_false_pass_rates_agree_with_the_formula_at_few_bits(text: str) -> None:
    trials = Trials(text, bits=14)
    p = trials.fingerprint.collision_probability
    assert 0.1 < p < 0.3, p
    predicted = false_pass(p, 10)
    count = 4000
    for kind, options, key in (
        ("typo", {}, "typo_anywhere"),
        ("typo", {"position": 5}, "typo_middle"),
        ("typo", {"position": 0}, "typo_first_word"),
        ("stitched", {}, "stitched"),
    ):
        false, genuine = measure(trials, kind, count, **options)
        assert genuine == 0, "invented text: no changed run occurs in it"
        assert agrees(false, count, predicted[key]), (key, false / count, predicted[key])


def test_false_passes_at_the_real_hash_size_are_as_rare_as_computed(text: str) -> None:
    trials = Trials(text, bits=HASH_BITS, seed=2)
    p = trials.fingerprint.collision_probability
    assert p == pytest.approx(len(trials.fingerprint.hashes) / 2**HASH_BITS, rel=1e-3)
    predicted = false_pass(p, 10)
    assert predicted["typo_middle"] < 1e-11 and predicted["stitched"] < 1e-7
    count = 20000
    false = {kind: measure(trials, kind, count)[0] for kind in ("typo", "stitched")}
    assert agrees(false["typo"], count, predicted["typo_anywhere"]), (false, count * predicted["typo_anywhere"])
    assert false["stitched"] == 0


def test_the_figures_in_the_docs_are_the_formulas() -> None:
    doc = (ROOT / "docs" / "fingerprints.md").read_text(encoding="utf-8")
    p = collision_probability(1000)
    figures = false_pass(p, 10)
    assert f"{p:.1e}" in doc
    assert f"{figures['stitched']:.1e}" in doc and f"{figures['typo_middle']:.1e}" in doc
    assert f"{figures['typo_anywhere']:.1e}" in doc
    assert f"ngram_tokens: {NGRAM}" in doc.replace('"', "") and f"{HASH_BITS} bits" in doc


def test_every_quote_of_a_text_passes_and_the_file_round_trips(text: str) -> None:
    fingerprint = Fingerprint.of_text("invented", text.encode())
    assert Fingerprint.loads(fingerprint.dumps()) == fingerprint
    spans = token_spans(normalise(text))
    rng = random.Random(3)
    for _ in range(500):
        start = rng.randrange(len(spans) - 20)
        quote = normalise(text)[spans[start][0] : spans[start + rng.randint(2, 19)][1]]
        assert fingerprint.first_missing(quote) is None, quote


def test_the_file_holds_no_text_and_not_the_order_of_the_text() -> None:
    fingerprint = Fingerprint.of_text(SOURCE_ID, MINI_TEXT.encode())
    dumped = fingerprint.dumps()
    data = json.loads(dumped)
    assert set(data) == {"scheme", "source_id", "text_sha256", "ngram_tokens", "hash_bits", "count", "hashes"}
    for word in {w for w in MINI_TEXT.split() if len(w) > 3}:
        assert word not in dumped.replace(SOURCE_ID, "")
    packed = base64.b64decode("".join(data["hashes"]))
    values = [int.from_bytes(packed[i : i + 3], "big") for i in range(0, len(packed), 3)]
    assert values == sorted(values) and len(values) == data["count"] == len(fingerprint.hashes)
    assert all(v < 2**HASH_BITS for v in values)


def test_the_hashes_are_keyed_by_the_text() -> None:
    one = Fingerprint.of_text("a", MINI_TEXT.encode())
    other = Fingerprint.of_text("a", (MINI_TEXT + "\nOne more line.\n").encode())
    assert one.text_sha256 != other.text_sha256
    assert len(set(one.hashes) & set(other.hashes)) < 3, "a different text salts every hash differently"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        '{"scheme": "minsec-fingerprint-1"}',
        '{"scheme": "minsec-fingerprint-1", "source_id": "a", "text_sha256": "00", "ngram_tokens": 3, '
        '"hash_bits": 24, "count": 0, "hashes": []}',
    ],
)
def test_a_damaged_file_is_refused_with_what_to_run(text: str) -> None:
    with pytest.raises(FingerprintError, match="minsec fingerprint --corpus DIR"):
        Fingerprint.loads(text)


def test_the_committed_fingerprints_check_every_quote_without_the_texts(repo_root: Path, run_cli) -> None:
    code, out, _ = run_cli("validate", "--root", repo_root)
    assert code == 0, out
    assert "quotes checked against the fingerprint of 4 (" in out


def test_the_committed_fingerprints_match_the_texts(repo_root: Path, corpus_dirs: list[Path], run_cli) -> None:
    args = [a for folder in corpus_dirs for a in ("--corpus", folder)]
    code, out, _ = run_cli("validate", "--root", repo_root, *args)
    assert code == 0, out
    assert "quotes checked against the text of 4 (" in out


def test_fingerprint_command_writes_then_leaves_unchanged(mini_repo, run_cli) -> None:
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    path.unlink()
    code, out, _ = run_cli("fingerprint", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert (code, out.split(" (")[0]) == (0, f"wrote records/sources/{SOURCE_ID}.fingerprint")
    assert run_cli("fingerprint", "--root", mini_repo.root, "--corpus", mini_repo.corpus)[1] == (
        f"unchanged records/sources/{SOURCE_ID}.fingerprint\n"
    )
    assert run_cli("fingerprint", "--root", mini_repo.root)[0] == 2, "the texts are needed"


def test_fingerprint_command_reads_only_the_source_records(mini_repo, run_cli, monkeypatch, tmp_path: Path) -> None:
    """The other records play no part (reading them was nearly all of its time beside 100,000
    records); a sources folder that is a link is named, not passed over as "no source records"."""
    from minsec import record_files

    read: list[str] = []
    reader = record_files.read_capped
    monkeypatch.setattr(record_files, "read_capped", lambda path: read.append(str(path)) or reader(path))
    code, out, _ = run_cli("fingerprint", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert (code, out) == (0, f"unchanged records/sources/{SOURCE_ID}.fingerprint\n")
    assert [Path(p).relative_to(mini_repo.root).as_posix() for p in read] == [f"records/sources/{SOURCE_ID}.yaml"]
    sources = mini_repo.root / "records" / "sources"
    sources.rename(tmp_path / "elsewhere")
    sources.symlink_to(tmp_path / "elsewhere")
    code, _, err = run_cli("fingerprint", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 2 and f"{sources}: is a symbolic link" in err and len(err.strip().splitlines()) == 1, err


def test_fingerprint_command_refuses_a_text_that_does_not_match_its_hash(mini_repo, run_cli) -> None:
    (mini_repo.corpus / "mini-article.txt").write_text(MINI_TEXT + "changed\n", encoding="utf-8")
    code, out, _ = run_cli("fingerprint", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    line = line_containing(mini_repo.path("sources", SOURCE_ID), "text_sha256")
    assert f"records/sources/{SOURCE_ID}.yaml:{line}: text_sha256 does not match" in out
    assert f"nothing written for {SOURCE_ID}" in out


def test_a_stale_fingerprint_is_a_problem_naming_the_file_and_what_to_run(mini_repo, run_cli) -> None:
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    stale = Fingerprint.of_text(SOURCE_ID, MINI_TEXT.encode(), bits=16)
    path.write_text(stale.dumps(), encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    assert (
        out.startswith(f"records/sources/{SOURCE_ID}.fingerprint:1: stale: it does not match the text ")
        and "run `minsec fingerprint --corpus DIR`" in out
    )


def test_a_fingerprint_of_another_text_is_a_problem_without_the_corpus(mini_repo, run_cli) -> None:
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    path.write_text(Fingerprint.of_text(SOURCE_ID, b"Another text altogether, no doubt.").dumps(), encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert f"records/sources/{SOURCE_ID}.fingerprint:1: was made from another text or source" in out


def test_an_orphan_fingerprint_is_a_problem(mini_repo, run_cli) -> None:
    orphan = mini_repo.root / "records" / "sources" / "nobody.fingerprint"
    orphan.write_text(Fingerprint.of_text("nobody", b"Some text here.").dumps(), encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "records/sources/nobody.fingerprint:1: no source record has this id; remove the file" in out


def test_a_changed_word_fails_without_the_text_naming_file_and_line(mini_repo, run_cli) -> None:
    path = mini_repo.rewrite(
        CLAIM_ID,
        lambda d: d["citations"][0].update(
            quote="Analysts estimate that the Congo holds 70% of the world's nickel reserves."
        ),
    )
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "nickel" in t)
    assert out.startswith(f"records/claims/{CLAIM_ID}.yaml:{line}: citations[0].quote: not found in the text of ")
    assert repr("'s nickel") in out, "the first run of the quote that the text lacks"


# --- the evidence floor and the word boundaries -------------------------------------------


@pytest.mark.parametrize("quote", ["ion wit", "Washington", "Jane Doe", "cobalt mines."])
def test_a_quote_too_short_to_be_evidence_is_refused(quote: str) -> None:
    message = too_short(quote)
    assert message is not None and "is too short to be evidence" in message
    assert f"at least {MIN_QUOTE_WORDS} whole words and {MIN_QUOTE_CHARS} characters" in message


def test_the_floor_accepts_three_words_of_fifteen_characters() -> None:
    assert too_short("access to cobalt") is None
    assert too_short("to a b") is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é_1-.,'\u2019\t\n\u00a0\u2028ß"), max_size=40))
def test_the_floor_is_word_runs_and_normalised_length(quote: str) -> None:
    """The floor stops counting words once it has enough; it must agree with counting them all."""
    enough = len(re.findall(r"\w+", quote)) >= MIN_QUOTE_WORDS and len(" ".join(quote.split())) >= MIN_QUOTE_CHARS
    assert (too_short(quote) is None) == enough


def test_a_short_quote_is_refused_in_validate_with_its_line(mini_repo, run_cli) -> None:
    path = mini_repo.rewrite("usa", lambda d: d["citations"][0].update(quote="ion wit"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "ion wit" in t)
    assert out.startswith(
        f"records/actors/usa.yaml:{line}: citations[0].quote: is too short to be evidence (2 words, 7 characters)"
    )


def test_a_quote_must_start_and_end_at_word_boundaries() -> None:
    text = SourceText(normalise(MINI_TEXT))
    assert text.find("signed a cobalt agreement") >= 0
    assert text.find("igned a cobalt agreement") < 0
    assert text.find("signed a cobalt agreem") < 0
    assert text.find("in exchange for access to cobalt mines") >= 0, "a full stop after the last word is a boundary"
    assert "only inside longer words" in first_difference("igned a cobalt agreement", text.text)


def test_the_message_shows_where_a_quote_first_differs_from_the_text() -> None:
    text = normalise(MINI_TEXT.replace("world's", "world\u2019s"))
    message = first_difference("Congo holds 70% of the world's cobalt reserves", text)
    assert message.startswith("it first differs after 'go holds 70% of the world': ")
    assert "the quote has \"'\" (apostrophe) where the text has '\u2019' (right single quotation mark)" in message


def test_the_message_finds_a_difference_in_the_first_word() -> None:
    message = first_difference("Analists estimate that the Congo holds 70%", normalise(MINI_TEXT))
    assert message.startswith("it first differs before 'sts estimate that the Con': the quote has 'Anali' ")
    assert message.endswith("where the text has 'the agreement. Analy'; the quote has 'i' where the text has 'y'")


def test_a_paraphrase_is_told_so() -> None:
    assert first_difference("Experts think Kinshasa has cobalt", normalise(MINI_TEXT)) == (
        "no passage of the text resembles it"
    )


def test_a_fingerprint_that_is_a_link_or_too_large_is_refused(mini_repo, run_cli, tmp_path: Path) -> None:
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    outside = tmp_path / "elsewhere.fingerprint"
    outside.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path.unlink()
    path.symlink_to(outside)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and f"{SOURCE_ID}.fingerprint:1: is a symbolic link; fingerprints are plain files" in out
    path.unlink()
    path.write_bytes(b" " * (MAX_BYTES + 1))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and f"is over {MAX_BYTES} bytes" in out


def test_fingerprint_command_keeps_the_fingerprint_of_a_text_it_lacks(mini_repo, run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "other-corpus"
    empty.mkdir()
    path = mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint"
    before = path.read_bytes()
    code, out, _ = run_cli("fingerprint", "--root", mini_repo.root, "--corpus", empty)
    assert code == 0
    assert out == (
        f"skipped {SOURCE_ID}: text_file 'mini-article.txt' is not in the corpus; its committed fingerprint stays\n"
    )
    assert path.read_bytes() == before


@settings(max_examples=200)
@given(st.text(max_size=80), st.text(min_size=1, max_size=200))
def test_keyed_hash_is_the_standard_hmac(key: str, run: str) -> None:
    """The precomputed HMAC states give what the standard library's HMAC gives, for keys
    shorter and longer than SHA-256's block (the real keys are 85 bytes)."""
    import hashlib
    import hmac

    from minsec.fingerprint import _Hmac

    expected = hmac.new(key.encode("utf-8"), run.encode("utf-8"), hashlib.sha256).digest()
    assert _Hmac(key.encode("utf-8")).digest(run.encode("utf-8")) == expected


@settings(max_examples=100)
@given(
    st.integers(min_value=1, max_value=10).flatmap(
        lambda w: st.tuples(st.just(w), st.lists(st.integers(0, 2 ** (8 * w) - 1)))
    )
)
def test_packed_hashes_unpack_to_the_numbers_written(width_and_numbers: tuple[int, list[int]]) -> None:
    from minsec.fingerprint import _unpacked

    width, numbers = width_and_numbers
    packed = b"".join(n.to_bytes(width, "big") for n in numbers)
    assert list(_unpacked(packed, width)) == numbers


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_words_of_a_quote_are_the_word_tokens(quote: str) -> None:
    """The evidence floor counts words as the fingerprint's tokens that start with a word character."""
    from minsec.evidence import _WORD
    from minsec.fingerprint import TOKEN

    expected = sum(1 for token in TOKEN.findall(quote) if token[0].isalnum() or token[0] == "_")
    assert len(_WORD.findall(quote)) == expected


def test_a_passage_cited_twice_is_checked_once_and_reported_at_each_citation(monkeypatch) -> None:
    from minsec.evidence import Evidence

    fingerprint = Fingerprint.of_text(SOURCE_ID, MINI_TEXT.encode("utf-8"))
    checked: list[str] = []
    original = Fingerprint.first_missing
    monkeypatch.setattr(Fingerprint, "first_missing", lambda self, q: checked.append(q) or original(self, q))
    evidence = Evidence(checkers={SOURCE_ID: fingerprint})
    good = "The United States and the Democratic Republic of the Congo"
    bad = "The United States and the Republic of Nickel signed"
    quotes = [(SOURCE_ID, bad), (SOURCE_ID, good), (SOURCE_ID, bad), ("another-source", bad)]
    problems = evidence.quote_problems(quotes)
    assert checked.count(normalise(bad)) == 1
    assert problems[1] is None and problems[3] is None  # another source: nothing to check against here
    assert problems[0] == problems[2] and "not found in the text of 'mini-article'" in problems[0]
    assert problems == [evidence.quote_problem(*pair) for pair in quotes], "alike, checked one at a time"
