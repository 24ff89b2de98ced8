"""Why the drafter reads dates with its own rules: the same date mentions found by dateparser.

    pip install dateparser==1.4.3 && python benchmarks/draft/compare_dateparser.py

For every invented benchmark article, both readers find the dates in the text (dateparser's
``search_dates`` with the article's date as the base of relative dates, precision taken from
its period as the issue advises; the drafter's ``dates.absolute`` + ``dates.resolve``), and
each is scored against the gold dates: recall (gold dates found), precision (dates found that
are gold) and time. The drafter's figures here count every date it reads in the text, before
it attaches dates to events; the benchmark scores the dates of its records.
"""

import datetime as dt
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def gold_dates(path: Path) -> tuple[list[list[str]], str | None]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = [[str(d) for d in (e if isinstance(e, list) else [e])] for e in data.get("dates") or []]
    published = str(data["published"]) if data.get("published") else None
    return entries, published


def with_dateparser(text: str, published: str | None) -> list[str]:
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    settings: dict = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": []}
    if published:
        settings["RELATIVE_BASE"] = dt.datetime.fromisoformat(published)
    found = search_dates(text, languages=["en"], settings=settings) or []
    parser = DateDataParser(languages=["en"], settings=settings)
    labels = []
    for words, value in found:
        period = parser.get_date_data(words).period or "day"
        labels.append(
            {"year": value.strftime("%Y"), "month": value.strftime("%Y-%m")}.get(period, value.date().isoformat())
        )
    return labels


def with_drafter(text: str, published: str | None) -> list[str]:
    from minsec.draft.dates import absolute, resolve

    return [d.label for d in resolve(text, absolute(text), published)]


def score(found: list[str], gold: list[list[str]]) -> tuple[int, int, int, int]:
    hit = sum(any(f in g for f in found) for g in gold)
    right = sum(any(f in g for g in gold) for f in found)
    return hit, len(gold), right, len(found)


def main() -> int:
    totals = {"dateparser 1.4.3": [0, 0, 0, 0, 0.0], "minsec draft rules": [0, 0, 0, 0, 0.0]}
    readers = {"dateparser 1.4.3": with_dateparser, "minsec draft rules": with_drafter}
    for path in sorted(HERE.glob("*/*.txt")):
        gold, published = gold_dates(path.with_suffix(".gold.yaml"))
        text = path.read_text(encoding="utf-8")
        for name, reader in readers.items():
            started = time.perf_counter()
            found = reader(text, published)
            totals[name][4] += time.perf_counter() - started
            for i, n in enumerate(score(found, gold)):
                totals[name][i] += n
    print("| reader | recall | precision | found | time (all articles) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (hit, gold_n, right, found_n, seconds) in totals.items():
        print(f"| {name} | {100 * hit / gold_n:.1f}% | {100 * right / found_n:.1f}% | {found_n} | {seconds:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
