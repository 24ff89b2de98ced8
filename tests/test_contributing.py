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
    shutil.copytree(ROOT / "records", tmp_path / "records")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "docs" / "example" / "example-article.txt", corpus)
    corpus_args = ["--corpus", str(corpus)]
    for shared in (ROOT.parent / "shared" / "articles", ROOT.parent / "shared" / "reference"):
        if not shared.is_dir():
            pytest.skip("the article corpus (../shared) is not beside the repository")
        corpus_args += ["--corpus", str(shared)]

    assert main(["new", "--root", str(tmp_path), "deal", "zmb-usa-cobalt-for-patrol-boats-2026"]) == 0
    assert main(["validate", "--root", str(tmp_path)]) == 1, "a fresh skeleton must not validate"
    for path, text in example_records().items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    capsys.readouterr()

    assert main(["fingerprint", "--root", str(tmp_path), *corpus_args]) == 0
    assert "wrote records/sources/example-gazette-cobalt-offer-2026.fingerprint" in capsys.readouterr().out
    assert main(["validate", "--root", str(tmp_path), *corpus_args]) == 0, capsys.readouterr().out
    assert "0 problems found; quotes checked" in capsys.readouterr().out
    assert main(["build", "--root", str(tmp_path), *corpus_args]) == 0
    deals = (tmp_path / "datapackage" / "data" / "deals.csv").read_text(encoding="utf-8")
    assert "zmb-usa-cobalt-for-patrol-boats-2026" in deals
    assert ",proposed,2026-06-03,day," in deals


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
    assert "records/events/2026-06-03-zmb-cobalt-offer.yaml:" in out
    assert "citations[0].quote: not found in the text of 'example-gazette-cobalt-offer-2026'" in out
