"""CONTRIBUTING.md's worked example, replayed on a scratch copy: following it gives a green validate."""

import re
import shutil
from pathlib import Path

import pytest

from minsec.cli import main

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
EXAMPLE = re.compile(r"<!-- example: (records/\S+\.yaml) -->\n```yaml\n(.*?)```", re.S)


def example_records() -> dict[str, str]:
    return dict(EXAMPLE.findall(GUIDE.read_text(encoding="utf-8")))


def test_guide_shows_one_record_of_each_step() -> None:
    folders = {Path(path).parent.name for path in example_records()}
    assert folders == {"sources", "actors", "deals", "events"}


def test_following_the_guide_gives_a_clean_validate_and_build(tmp_path: Path, capsys) -> None:
    """Draft, review (the guide's files), validate, build: exactly the steps the guide shows."""
    shutil.copytree(ROOT / "records", tmp_path / "records")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "docs" / "example" / "example-article.txt", corpus)
    corpus_args = ["--corpus", str(corpus)]
    for shared in (ROOT.parent / "shared" / "articles", ROOT.parent / "shared" / "reference"):
        if not shared.is_dir():
            pytest.skip("the article corpus (../shared) is not beside the repository")
        corpus_args += ["--corpus", str(shared)]
    before = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "records").rglob("*.yaml")}

    draft = ["draft", "--root", str(tmp_path), str(corpus / "example-article.txt")]
    assert main([*draft, "--source-id", "example-gazette-cobalt-offer-2026", "--write"]) == 0
    drafted = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "records").rglob("*.yaml")} - before
    assert drafted == set(example_records()), "the guide reviews exactly the files the drafter writes"
    capsys.readouterr()
    assert main(["validate", "--root", str(tmp_path), *corpus_args]) == 1, "an unreviewed draft must not validate"
    assert "unreviewed draft from `minsec draft`" in capsys.readouterr().out

    for path, text in example_records().items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    capsys.readouterr()

    assert main(["fingerprint", "--root", str(tmp_path), *corpus_args]) == 0
    assert "wrote records/sources/example-gazette-cobalt-offer-2026.fingerprint" in capsys.readouterr().out
    assert main(["validate", "--root", str(tmp_path), *corpus_args]) == 0, capsys.readouterr().out
    assert "0 problems found; quotes checked" in capsys.readouterr().out
    assert main(["build", "--root", str(tmp_path), *corpus_args]) == 0
    deals = (tmp_path / "datapackage" / "data" / "deals.csv").read_text(encoding="utf-8")
    row = next(line for line in deals.splitlines() if line.startswith("usa-zmb-cobalt-offer-2026,"))
    assert ",proposed," in row


def test_a_misquote_in_the_guide_example_is_caught(tmp_path: Path, capsys) -> None:
    shutil.copytree(ROOT / "records", tmp_path / "records")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "docs" / "example" / "example-article.txt", corpus)
    for path, text in example_records().items():
        if "/events/" in path:
            text = text.replace("Ana Kestrel said", "Ana Kestrel stated")
        (tmp_path / path).write_text(text, encoding="utf-8")
    shared = ROOT.parent / "shared"
    if not shared.is_dir():
        pytest.skip("the article corpus (../shared) is not beside the repository")
    args = ["--corpus", str(corpus), "--corpus", str(shared / "articles"), "--corpus", str(shared / "reference")]
    assert main(["validate", "--root", str(tmp_path), *args]) == 1
    out = capsys.readouterr().out
    assert "records/events/2026-06-03-zmb-usa-cobalt-offer.yaml:" in out
    assert "citations[0].quote: not found in the text of 'example-gazette-cobalt-offer-2026'" in out
