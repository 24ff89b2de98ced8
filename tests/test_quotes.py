"""Every quote of the real records occurs verbatim in its source text in the corpus."""

import shutil
from pathlib import Path

import yaml

from minsec.record_files import read_records
from minsec.validate import validate


def test_real_records_have_no_problems(repo_root: Path, corpus_dirs: list[Path]) -> None:
    report = validate(repo_root, corpus_dirs)
    assert report.corpus_checked
    assert report.records, "no records were read"
    assert report.problems == [], "\n".join(map(str, report.problems))


def _change_one_word(quote: str) -> str:
    words = quote.split(" ")
    index = max(range(len(words)), key=lambda i: len(words[i]))  # the longest word
    words[index] = "zzyzx"
    return " ".join(words)


def test_altered_quote_in_a_real_record_is_reported(repo_root: Path, corpus_dirs: list[Path], tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "records", root / "records")
    loaded, problems = read_records(root)
    assert not problems, "\n".join(map(str, problems))
    target = next(r for r in loaded if getattr(r.record, "citations", None))
    path = root / target.path
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    original = data["citations"][0]["quote"]
    data["citations"][0]["quote"] = _change_one_word(original)
    assert data["citations"][0]["quote"] != original
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")

    report = validate(root, corpus_dirs)
    assert [(p.path, p.field) for p in report.problems] == [(target.path, "citations[0].quote")], report.problems
    problem = report.problems[0]
    quote_line = next(
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith("quote:")
    )
    assert problem.line == quote_line
    assert data["citations"][0]["source_id"] in problem.message
