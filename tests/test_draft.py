"""``minsec draft``: the JSON contract, exit codes, the files --write writes and the validator's
refusal of unreviewed drafts, every benchmark article's records validating once reviewed, and
the rules behind them (dates, quantities, states, persons)."""

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minsec.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example" / "example-article.txt"
BENCHMARK = ROOT / "benchmarks" / "draft"
SHARED = ROOT.parent / "shared"
INVENTED = sorted(BENCHMARK.glob("*/*.txt"))
CORPUS = sorted((SHARED / "articles").glob("*.txt")) if (SHARED / "articles").is_dir() else []


def draft_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["draft", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def corpus_args(corpus: Path) -> list[str]:
    """--corpus options for the article folder and the shared corpus the curated records cite."""
    args = ["--corpus", str(corpus)]
    for shared in (SHARED / "articles", SHARED / "reference"):
        if not shared.is_dir():
            pytest.skip("the article corpus (../shared) is not beside the repository")
        args += ["--corpus", str(shared)]
    return args


def scratch_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "records", root / "records")
    return root


# --- the JSON contract -------------------------------------------------------------------------


def test_json_has_exactly_the_documented_shape(capsys) -> None:
    out = draft_json(capsys, "--root", str(ROOT), str(EXAMPLE))
    assert set(out) == {"article", "records"}
    assert out["article"] == {"file": str(EXAMPLE), "sha256": hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()}
    kinds = ["source", "actor", "commodity", "deal", "event", "claim"]
    for item in out["records"]:
        assert set(item) == {"kind", "status", "record", "checks"}
        assert item["kind"] in kinds and item["status"] in ("new", "existing")
        assert isinstance(item["record"]["id"], str) and all(isinstance(c, str) for c in item["checks"])
    order = [kinds.index(item["kind"]) for item in out["records"]]
    assert order == sorted(order), "records are grouped by kind in the documented order"
    assert [r["kind"] for r in out["records"]].count("source") == 1


def test_json_matches_its_json_schema(capsys) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "draft-format.schema.json").read_text(encoding="utf-8"))
    for article in (EXAMPLE, *INVENTED[:3]):
        jsonschema.validate(draft_json(capsys, "--root", str(ROOT), str(article)), schema)


def test_existing_records_are_reused_not_duplicated(capsys) -> None:
    out = draft_json(capsys, "--root", str(ROOT), str(EXAMPLE))
    status = {(r["kind"], r["record"]["id"]): r["status"] for r in out["records"]}
    assert status[("actor", "usa")] == "existing"
    assert status[("commodity", "cobalt")] == "existing"
    assert status[("actor", "zmb")] == "new"
    usa = next(r for r in out["records"] if r["record"]["id"] == "usa")
    assert usa["record"]["iso3"] == "USA", "an existing record carries its file's fields"


def test_every_quote_is_a_slice_of_the_article(capsys) -> None:
    for article in (EXAMPLE, *INVENTED):
        text = article.read_text(encoding="utf-8")
        out = draft_json(capsys, str(article))
        source_id = out["records"][0]["record"]["id"]
        for item in out["records"]:
            cited = list(item["record"].get("citations", []))
            for term in item["record"].get("terms", []):
                cited += term["citations"]
            for citation in cited:
                if citation["source_id"] == source_id:
                    quote = citation["quote"]
                    assert quote in text and 0 < len(quote) <= 500 and quote == quote.strip(), (article.name, quote)
                    assert not quote.startswith(("=", "+", "-", "@"))


def test_draft_is_deterministic(capsys) -> None:
    article = str(BENCHMARK / "dev" / "d04-several-deals-central-asia.txt")
    assert draft_json(capsys, "--root", str(ROOT), article) == draft_json(capsys, "--root", str(ROOT), article)


def test_text_output_groups_by_kind_with_quotes(capsys) -> None:
    assert main(["draft", "--root", str(ROOT), str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    for heading in ("Source: 1 new", "Actors: 2 new, 1 existing", "Deals: 1 new", "Events: 1 new"):
        assert heading in out
    assert "“On 3 June 2026, Minister of Mines Ana Kestrel said" in out
    assert "nothing written" in out


# --- usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda d: d / "missing.txt", [], "no such file"),
        (lambda d: d, [], "is a folder"),
        (lambda d: _write(d / "latin1.txt", "Zambia and Angola sign a d\xe9al.".encode("latin-1")), [], "not UTF-8"),
        (lambda d: _write(d / "empty.txt", b"  \n"), [], "empty"),
        (lambda d: EXAMPLE, ["--source-id", "Not_An_Id"], "--source-id"),
        (lambda d: EXAMPLE, ["--source-id", "usa"], "taken"),
        (lambda d: EXAMPLE, ["--url", "javascript:alert(1)"], "--url"),
    ],
    ids=["missing", "folder", "latin1", "empty", "bad-id", "taken-id", "bad-url"],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, capsys, make, extra, message) -> None:
    path = make(tmp_path)
    assert main(["draft", "--root", str(ROOT), *extra, str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err and captured.out == ""


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_write_without_records_folder_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["draft", "--root", str(tmp_path), "--write", str(EXAMPLE)]) == 2
    assert "no records/ folder" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_bad_format_exits_2() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["draft", "--format", "xml", str(EXAMPLE)])
    assert raised.value.code == 2


def test_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00broken")
    result = subprocess.run(
        [sys.executable, "-m", "minsec.cli", "draft", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("minsec: ")


# --- --write and the review marker ---------------------------------------------------------------


def test_write_writes_marked_files_that_validate_refuses_until_reviewed(tmp_path: Path, capsys) -> None:
    from minsec.draft.marker import MARKER, without_marker

    root = scratch_repo(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(EXAMPLE, corpus)
    before = set((root / "records").rglob("*.yaml"))
    assert main(["draft", "--root", str(root), "--write", str(corpus / EXAMPLE.name)]) == 0
    written = sorted(set((root / "records").rglob("*.yaml")) - before)
    assert {p.parent.name for p in written} == {"sources", "actors", "deals", "events"}
    schema = {"sources": "source", "actors": "actor", "deals": "deal", "events": "event"}
    for path in written:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert (
            lines[0] == f"# yaml-language-server: $schema=../../schemas/records/{schema[path.parent.name]}.schema.json"
        )
        assert lines[1].startswith(MARKER)
    deal = next(p for p in written if p.parent.name == "deals").read_text(encoding="utf-8")
    assert "title: Zambia \u2013 United States cobalt offer  # guessed: " in deal

    capsys.readouterr()
    assert main(["validate", "--root", str(root), *corpus_args(corpus)]) == 1
    out = capsys.readouterr().out
    for path in written:
        assert f"{path.relative_to(root).as_posix()}:2: unreviewed draft from `minsec draft`" in out

    for path in written:
        path.write_text(without_marker(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["fingerprint", "--root", str(root), *corpus_args(corpus)]) == 0  # what a contributor commits
    assert main(["validate", "--root", str(root), *corpus_args(corpus)]) == 0, capsys.readouterr().out


def test_write_twice_proposes_nothing_new(tmp_path: Path, capsys) -> None:
    root = scratch_repo(tmp_path)
    assert main(["draft", "--root", str(root), "--write", str(EXAMPLE)]) == 0
    count = len(list((root / "records").rglob("*.yaml")))
    out = draft_json(capsys, "--root", str(root), str(EXAMPLE))
    assert [r["record"]["id"] for r in out["records"] if r["status"] == "new"] == []
    assert main(["draft", "--root", str(root), "--write", str(EXAMPLE)]) == 0
    assert len(list((root / "records").rglob("*.yaml"))) == count


def test_write_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    from minsec.draft import write as write_module

    root = scratch_repo(tmp_path)
    (root / "records" / "actors" / "zmb.yaml").write_text("# placeholder\n", encoding="utf-8")
    before = set((root / "records").rglob("*.yaml"))
    monkeypatch.setattr(write_module, "path_of", lambda proposed: "records/actors/zmb.yaml")
    assert main(["draft", "--root", str(root), "--write", str(EXAMPLE)]) == 2
    assert "exists" in capsys.readouterr().err
    assert set((root / "records").rglob("*.yaml")) == before


def test_validate_reports_a_marker_even_in_a_broken_file(tmp_path: Path, capsys) -> None:
    root = scratch_repo(tmp_path)
    path = root / "records" / "actors" / "half-done.yaml"
    path.write_text("# minsec-draft: REVIEW drafted\n#   - the role\nid: half-done\n", encoding="utf-8")
    assert main(["validate", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "records/actors/half-done.yaml:1: unreviewed draft" in out and "check: the role" in out


# --- every benchmark article: written, reviewed (markers removed), valid with its quotes ------------


def test_every_benchmark_articles_records_validate_once_reviewed(tmp_path: Path, capsys) -> None:
    """All benchmark articles drafted into one repository (so they must not clash either), the
    markers removed as a reviewer would: validate --corpus finds no problem, no quote problem."""
    from minsec.draft.marker import without_marker

    root = scratch_repo(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    before = set((root / "records").rglob("*.yaml"))
    for article in INVENTED + CORPUS:
        shutil.copy(article, corpus)
        assert main(["draft", "--root", str(root), "--write", "--format", "json", str(corpus / article.name)]) == 0
    written = set((root / "records").rglob("*.yaml")) - before
    assert len(written) > 10 * len(INVENTED)
    for path in written:
        path.write_text(without_marker(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["fingerprint", "--root", str(root), *corpus_args(corpus)]) == 0  # what a contributor commits
    capsys.readouterr()
    code = main(["validate", "--root", str(root), *corpus_args(corpus)])
    out = capsys.readouterr().out
    assert code == 0 and "0 problems found; quotes checked" in out, out


# --- import stays light --------------------------------------------------------------------------


def test_import_and_cli_parser_stay_light() -> None:
    code = (
        "import sys, minsec, minsec.cli; minsec.cli.parser(); "
        "heavy = {'yaml', 'pydantic', 'pandas', 'frictionless'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


# --- the rules --------------------------------------------------------------------------------


def test_dates_take_precision_from_the_words_and_resolve_relative_ones() -> None:
    from minsec.draft.dates import absolute, resolve

    text = (
        "On 12 May 2026 they met. In February talks began. Officials met last month, again two weeks ago "
        "and on Tuesday; earlier this year they argued. By 2030 exports grow 50% of April 30 volumes."
    )
    found = {text[d.start : d.end]: d.label for d in resolve(text, absolute(text), "2026-06-18")}
    assert found["12 May 2026"] == "2026-05-12"
    assert found["February"] == "2026-02"
    assert found["last month"] == "2026-05"
    assert found["two weeks ago"] == "2026-06-04"
    assert found["on Tuesday"] == dt.date(2026, 6, 16).isoformat()
    assert found["earlier this year"] == "2026-01/2026-06"
    assert found["2030"] == "2030"
    assert not any("50" in words for words in found), "a percentage is not a date"


def test_quantities_read_words_codes_and_symbols() -> None:
    from minsec.draft.gazetteer import load
    from minsec.draft.quantities import find

    text = (
        "worth half a trillion dollars, EUR 2bn, £1.2bn, CFA 300 billion, three hundred million Australian "
        "dollars, $500 billion, 20% and 30 percent of 50 million tonnes on April 30 in 2026"
    )
    found = {(q.value, q.unit) for q in find(text, load(None))}
    assert found == {
        (5e11, "USD"), (2e9, "EUR"), (1.2e9, "GBP"), (3e11, "XOF"), (3e8, "AUD"), (5e11, "USD"),
        (20.0, "percent"), (30.0, "percent"), (5e7, "tonne"),
    }  # fmt: skip


def test_states_by_short_form_demonym_and_capital_and_the_two_congos() -> None:
    from minsec.draft import mentions
    from minsec.draft.article import Article, _split
    from minsec.draft.gazetteer import load

    def states(text: str) -> set[str]:
        article = Article(Path("x.txt"), text, "0" * 64)
        _split(article)
        return {m.key for m in mentions.find(article, load(None)).states}

    assert states("Kinshasa and Washington met. The DRC said so.") == {"COD", "USA"}
    assert states("Kyiv thanked the Congolese minister in Brazzaville.") == {"UKR", "COG"}
    assert states("Congolese officials in Kinshasa spoke.") == {"COD"}
    assert states("Boats sail the South China Sea near Guinea-Bissau.") == {"GNB"}


def _persons(text: str) -> dict[str, dict]:
    """The persons the drafter finds in ``text`` (an invented sentence), by name, with what it says of them."""
    from minsec.draft import mentions
    from minsec.draft.article import Article, _split
    from minsec.draft.gazetteer import load

    article = Article(Path("x.txt"), text, "0" * 64)
    _split(article)
    return {m.key: m.info for m in mentions.find(article, load(None)).persons}


def test_persons_with_role_affiliation_and_diacritics() -> None:
    persons = _persons(
        "Ivorian Minister of Mines Aïcha Kouamé-Traoré met Sabri Boukadoum, Algeria's Ambassador to Washington, "
        "and Treasury Secretary Scott Bessent. Mrs Kouamé-Traoré said the deal was good."
    )
    assert persons["Aïcha Kouamé-Traoré"]["role"] == "Ivorian Minister of Mines"
    assert persons["Aïcha Kouamé-Traoré"]["affiliation"] == "CIV"
    assert persons["Sabri Boukadoum"]["affiliation"] == "DZA"
    assert "Scott Bessent" in persons
    assert len(persons) == 3


# --- the benchmark's targets hold ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["heldout", "dev"])
def test_benchmark_meets_the_targets(which: str) -> None:
    """Recall >= 90% in every category and overall, precision >= 80% for states and persons, every
    quote verbatim (the issue's targets; time is measured by the script, not tested)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("draft_benchmark", BENCHMARK / "benchmark.py")
    benchmark = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(benchmark)  # type: ignore[union-attr]
    result = benchmark.run_set(which, details=False)
    totals = result["totals"]
    for category, (found, total, _right, _proposed) in totals.items():
        assert total == 0 or found / total >= 0.9, (category, found, total)
    for category in ("states", "persons"):
        _found, _total, right, proposed = totals[category]
        assert right / proposed >= 0.8, (category, right, proposed)
    assert sum(t[0] for t in totals.values()) / sum(t[1] for t in totals.values()) >= 0.9
    ok, quotes = result["quotes"]
    assert ok == quotes > 0


def test_a_congolese_minister_acts_for_the_congo_the_article_is_about() -> None:
    persons = _persons(
        "The Republic of the Congo signed the accord in Brazzaville. Congolese Defence Minister Jean Mavoungou "
        "said the Republic of the Congo would not be confused with the Democratic Republic of the Congo."
    )
    assert persons["Jean Mavoungou"]["affiliation"] == "COG"


def test_a_text_that_is_not_nfc_is_flagged(tmp_path: Path, capsys) -> None:
    import unicodedata

    article = tmp_path / "nfd.txt"
    text = EXAMPLE.read_text(encoding="utf-8") + "C\u00f4te d'Ivoire agreed.\n"
    article.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    out = draft_json(capsys, str(article))
    assert "not Unicode NFC" in out["records"][0]["checks"][0]


def test_crlf_and_byte_order_mark_give_the_same_records(tmp_path: Path, capsys) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    plain = draft_json(capsys, str(EXAMPLE))
    odd = draft_json(capsys, str(crlf))
    assert [r["record"]["id"] for r in odd["records"]] == [r["record"]["id"] for r in plain["records"]]
    raw = crlf.read_bytes().decode("utf-8")
    for item in odd["records"][1:]:
        for citation in item["record"].get("citations", []) if item["status"] == "new" else []:
            assert "\r" not in citation["quote"] and citation["quote"] in raw


def test_commodities_by_name_and_by_symbol_in_a_bracketed_list() -> None:
    from minsec.draft import mentions
    from minsec.draft.article import Article, _split
    from minsec.draft.gazetteer import load

    text = (
        "China curbed rare earths (Nd, Pr, Dy and Tb) and cobalt (Co). The DRC (DRC) said so. Silicon Valley cheered."
    )
    article = Article(Path("x.txt"), text, "0" * 64)
    _split(article)
    found = {m.key for m in mentions.find(article, load(ROOT)).commodities}
    assert found == {"rare-earth-elements", "neodymium", "praseodymium", "dysprosium", "terbium", "cobalt"}


def test_a_long_sentence_is_quoted_by_the_clause_around_the_mention() -> None:
    from minsec.draft.article import Article, _split

    filler = ", ".join(f"the {n}th consideration of the committee on the matter" for n in range(12))
    text = f"- {filler}, Zambia agreed to sell cobalt to Japan, {filler}."
    article = Article(Path("x.txt"), text, "0" * 64)
    _split(article)
    sentence = article.sentences[0]
    at = text.index("Zambia")
    start, end = article.quote(sentence.start, sentence.end, (at, at + 6))
    quote = article.slice(start, end)
    assert len(text) > 1000 and 0 < len(quote) <= 500 and "Zambia" in quote
    assert quote == quote.strip() and not quote.startswith(("-", "=", "+", "@"))


# --- the project's own records, as the drafter reads them --------------------------------------


def test_the_drafter_reads_every_record_as_yaml_does(tmp_path: Path) -> None:
    """The records' data is what PyYAML makes of each file (dates as the ISO text a file
    writes), or what the cache of parsed files holds for the file's bytes."""
    import yaml

    from minsec.draft.gazetteer import _read_records, _record_files
    from minsec.record_cache import RecordCache
    from minsec.record_files import file_digest

    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    paths = [p for folder in sorted((ROOT / "records").iterdir()) for p in _record_files(folder)]
    assert len(paths) == len(list((ROOT / "records").glob("*/*.yaml"))) > 100
    expected = [plain(yaml.safe_load(path.read_text(encoding="utf-8"))) for path in paths]
    assert _read_records(paths, None) == expected, "no cache"

    def read_with_cache() -> list[dict | None]:
        cache = RecordCache(tmp_path / "cache")
        try:
            return _read_records(paths, cache)
        finally:
            cache.save(prune=False)

    assert read_with_cache() == expected, "an empty cache"
    filled = RecordCache(tmp_path / "cache")
    assert filled.empty, "drafting adds nothing to the cache"
    for path, data in zip(paths, expected, strict=True):
        filled.put_data(filled.key(file_digest(path.read_bytes())), {**data, "note": "from the cache"})
    filled.save()
    assert read_with_cache() == [{**data, "note": "from the cache"} for data in expected], "what validate parsed"


def test_drafting_skips_record_files_validate_refuses(tmp_path: Path) -> None:
    """An alias bomb, a file over the size cap, a link out of the repository and a file that is
    not YAML among the records are left out of the gazetteer, and drafting goes on."""
    from minsec.draft.gazetteer import load
    from minsec.yaml_loader import MAX_FILE_BYTES

    root = tmp_path / "repo"
    actors = root / "records" / "actors"
    actors.mkdir(parents=True)
    (actors / "known.yaml").write_text("id: known\nname: Known Actor\nkind: organization\n", encoding="utf-8")
    bomb = ["id: bomb", "name: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"n{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (actors / "bomb.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")
    (actors / "huge.yaml").write_text("id: huge\nname: Huge\nnote: " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    outside = tmp_path / "outside.yaml"
    outside.write_text("id: outside\nname: Outside Actor\n", encoding="utf-8")
    (actors / "outside.yaml").symlink_to(outside)
    (actors / "broken.yaml").write_text("id: [broken\n", encoding="utf-8")
    (actors / ".hidden.yaml").write_text("id: hidden\nname: Hidden Actor\n", encoding="utf-8")

    gazetteer = load(root)
    assert set(gazetteer.actors) == {"known"}
    assert gazetteer.taken_ids == {"known", "bomb", "huge", "outside", "broken"}, "their ids stay taken"
