"""Benchmark of ``minsec draft``: recall and precision per category, verbatim quotes, time per article.

    python benchmarks/draft/benchmark.py            # dev, held-out and corpus sets
    python benchmarks/draft/benchmark.py --set heldout --details

Sets: ``dev/`` (invented articles looked at while writing the rules), ``heldout/`` (invented
articles written before the rules and never tuned on) and ``corpus`` (the project's two real
articles in ../shared/articles, gold facts read from the curated records/ at run time; the
drafter runs WITHOUT the project's records there, so that it cannot simply find the curated
names again). Gold files are ``<article>.gold.yaml`` beside each invented article.

Matching: states and deals by actor ids (deals by their set of two parties), persons and
organisations by name (case, accents and a leading "the" ignored; a person named only by title
and surname matches by the surname; organisations also by alias, or when one name of two words
or more is contained in the other: "armed rebel groups" in "armed rebel groups in eastern DRC"),
commodities by id, amounts by (value, currency), percentages by value, dates by the partial
ISO date or "earliest/latest" bounds (a gold entry may list alternatives).
"""

import argparse
import statistics
import sys
import time
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT.parent / "shared" / "articles"
CATEGORIES = ("states", "persons", "organisations", "commodities", "amounts", "percentages", "dates", "deals")


def norm(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    folded = folded.replace("’", "'").strip()
    return folded.removeprefix("the ").strip()


def predicted(proposal: dict) -> tuple[dict[str, list], list[str]]:
    """Facts the proposal states, per category, and every quote it cites."""
    facts: dict[str, list] = {c: [] for c in CATEGORIES}
    quotes: list[str] = []
    source_id = next(r["record"]["id"] for r in proposal["records"] if r["kind"] == "source")
    for item in proposal["records"]:
        record, kind = item["record"], item["kind"]
        cited = list(record.get("citations", []))
        for term in record.get("terms", []):
            cited.extend(term.get("citations", []))
        quotes.extend(c["quote"] for c in cited if c["source_id"] == source_id)  # this article's quotes
        if kind == "source":
            if record.get("published"):
                facts["dates"].append(str(record["published"]))
        elif kind == "actor":
            if record.get("kind") in ("state", "territory"):
                facts["states"].append(record["id"])
            elif record.get("kind") == "person":
                facts["persons"].append(norm(record["name"]))
            else:
                facts["organisations"].append({norm(n) for n in [record["name"], *record.get("aliases", [])]})
        elif kind == "commodity":
            facts["commodities"].append(record["id"])
        elif kind == "deal":
            facts["deals"].append(frozenset(p["actor_id"] for p in record["parties"]))
            if record.get("value_amount"):
                facts["amounts"].append((float(record["value_amount"]), record["value_currency"]))
        elif kind == "event":
            if record.get("date"):
                facts["dates"].append(str(record["date"]))
            elif record.get("date_earliest") or record.get("date_latest"):
                facts["dates"].append(f"{record.get('date_earliest', '')}/{record.get('date_latest', '')}")
        elif kind == "claim":
            if record.get("unit") == "percent":
                facts["percentages"].append(float(record["value"]))
            elif record.get("unit") and record["unit"].isupper():
                facts["amounts"].append((float(record["value"]), record["unit"]))
            if record.get("as_of"):
                facts["dates"].append(str(record["as_of"]))
            elif record.get("as_of_earliest") or record.get("as_of_latest"):
                facts["dates"].append(f"{record.get('as_of_earliest', '')}/{record.get('as_of_latest', '')}")
    facts["amounts"] = list(dict.fromkeys(facts["amounts"]))
    facts["percentages"] = list(dict.fromkeys(facts["percentages"]))
    facts["dates"] = list(dict.fromkeys(facts["dates"]))
    facts["deals"] = list(dict.fromkeys(facts["deals"]))
    return facts, quotes


def gold_from_file(path: Path) -> dict[str, list]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    gold: dict[str, list] = {}
    gold["states"] = list(data.get("states") or [])
    gold["persons"] = [norm(p) for p in data.get("persons") or []]
    gold["organisations"] = [norm(o) for o in data.get("organisations") or []]
    gold["commodities"] = list(data.get("commodities") or [])
    gold["amounts"] = [(float(v), c) for v, c in data.get("amounts") or []]
    gold["percentages"] = [float(v) for v in data.get("percentages") or []]
    gold["dates"] = [
        [str(d) for d in (entry if isinstance(entry, list) else [entry])] for entry in data.get("dates") or []
    ]
    if data.get("published"):
        published = str(data["published"])
        if not any(published in alternatives for alternatives in gold["dates"]):
            gold["dates"].append([published])
    gold["deals"] = [frozenset(d) for d in data.get("deals") or []]
    return gold


def gold_from_records(article: Path) -> dict[str, list]:
    """The curated facts of a corpus article: what records/ says that article supports."""
    records: dict[str, list[dict]] = {}
    for folder in ("sources", "actors", "commodities", "deals", "events", "claims"):
        records[folder] = []
        for path in sorted((ROOT / "records" / folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and not data.get("withdrawn"):
                records[folder].append(data)
    source = next(s for s in records["sources"] if s.get("text_file") == article.name)
    sid = source["id"]
    text = article.read_text(encoding="utf-8")

    def cites(record: dict) -> bool:
        return any(c.get("source_id") == sid for c in record.get("citations", []))

    actor_ids = {a["id"] for a in records["actors"] if cites(a)}
    commodity_ids = {c["id"] for c in records["commodities"] if cites(c)}
    gold: dict[str, list] = {c: [] for c in CATEGORIES}
    for deal in records["deals"]:
        if cites(deal):
            parties = [p["actor_id"] for p in deal["parties"]]
            actor_ids.update(parties)
            gold["deals"].append(frozenset(parties))
            cited = {c["id"] for c in records["commodities"] if cites(c)}
            commodity_ids.update(
                c["commodity_id"]
                for c in deal.get("commodities", [])
                if c.get("basis") != "context" and c["commodity_id"] in cited
            )
            if deal.get("value_as_reported") and deal["value_as_reported"] in text:
                gold["amounts"].append((float(deal["value_amount"]), deal["value_currency"]))
    for event in records["events"]:
        if cites(event):
            actor_ids.update(a["actor_id"] for a in event["actors"])
            if event.get("date"):
                gold["dates"].append([str(event["date"])])
            elif event.get("date_earliest") or event.get("date_latest"):
                gold["dates"].append([f"{event.get('date_earliest', '')}/{event.get('date_latest', '')}"])
    for claim in records["claims"]:
        if cites(claim):
            actor_ids.add(claim["subject_id"])
            if claim.get("unit") == "percent":
                gold["percentages"].append(float(claim["value"]))
            elif claim.get("unit") and str(claim["unit"]).isupper():
                gold["amounts"].append((float(claim["value"]), claim["unit"]))
            if claim.get("as_of"):
                gold["dates"].append([str(claim["as_of"])])
    actors = {a["id"]: a for a in records["actors"]}
    for actor_id in sorted(actor_ids):
        actor = actors[actor_id]
        if actor["kind"] in ("state", "territory"):
            gold["states"].append(actor_id)
        elif actor["kind"] == "person":
            gold["persons"].append(norm(actor["name"]))
        else:
            gold["organisations"].append(norm(actor["name"]))
    gold["commodities"] = sorted(commodity_ids)
    gold["amounts"] = list(dict.fromkeys(gold["amounts"]))
    gold["percentages"] = list(dict.fromkeys(gold["percentages"]))
    unique_dates: list[list[str]] = []
    for entry in gold["dates"]:
        if entry not in unique_dates:
            unique_dates.append(entry)
    gold["dates"] = unique_dates
    return gold


def _contains(longer: str, shorter: str) -> bool:
    return len(shorter.split()) >= 2 and f" {shorter} " in f" {longer} "


def _matches(category: str, gold_item: object, pred_item: object) -> bool:
    if category == "organisations":
        return any(g == p or _contains(gold_item, p) or _contains(p, gold_item) for g in [gold_item] for p in pred_item)  # type: ignore[union-attr]
    if category == "persons":
        # a person named by title and surname only ("President Trump") is found
        return gold_item == pred_item or (" " not in pred_item and gold_item.split()[-1] == pred_item)  # type: ignore[union-attr]
    if category == "dates":
        return pred_item in gold_item  # type: ignore[operator]
    if category in ("amounts",):
        return abs(gold_item[0] - pred_item[0]) < 1e-6 * max(1.0, gold_item[0]) and gold_item[1] == pred_item[1]  # type: ignore[index]
    return gold_item == pred_item


def score(gold: dict[str, list], facts: dict[str, list]) -> dict[str, tuple[int, int, int, int]]:
    """Per category: (gold matched, gold total, predicted matched, predicted total)."""
    out = {}
    for category in CATEGORIES:
        gold_items, pred_items = gold.get(category, []), facts.get(category, [])
        found = sum(any(_matches(category, g, p) for p in pred_items) for g in gold_items)
        right = sum(any(_matches(category, g, p) for g in gold_items) for p in pred_items)
        out[category] = (found, len(gold_items), right, len(pred_items))
    return out


def articles(which: str) -> list[tuple[Path, Path | None]]:
    if which == "corpus":
        return [(p, None) for p in sorted(CORPUS.glob("*.txt"))] if CORPUS.is_dir() else []
    return [(p, p.with_suffix(".gold.yaml")) for p in sorted((HERE / which).glob("*.txt"))]


def run_set(which: str, details: bool) -> dict:
    from minsec.draft.article import read_article
    from minsec.draft.gazetteer import load
    from minsec.draft.proposal import draft

    totals = {c: [0, 0, 0, 0] for c in CATEGORIES}
    quotes_ok = quotes_all = 0
    times = []
    for article_path, gold_path in articles(which):
        started = time.perf_counter()
        root = None if which == "corpus" else ROOT
        proposal = draft(read_article(article_path), load(root)).as_dict()
        times.append(time.perf_counter() - started)
        gold = gold_from_records(article_path) if gold_path is None else gold_from_file(gold_path)
        facts, quotes = predicted(proposal)
        text = article_path.read_text(encoding="utf-8")
        quotes_all += len(quotes)
        quotes_ok += sum(q in text and 0 < len(q) <= 500 for q in quotes)
        result = score(gold, facts)
        for category, numbers in result.items():
            for i, n in enumerate(numbers):
                totals[category][i] += n
        if details:
            print(f"\n{which}/{article_path.name}")
            for category in CATEGORIES:
                found, total, right, predicted_n = result[category]
                missed = [
                    g for g in gold.get(category, []) if not any(_matches(category, g, p) for p in facts[category])
                ]
                extra = [
                    p for p in facts[category] if not any(_matches(category, g, p) for g in gold.get(category, []))
                ]
                if missed or extra:
                    print(f"  {category:<13} recall {found}/{total} precision {right}/{predicted_n}"
                          f"  missed {missed}  extra {extra}")  # fmt: skip
    return {"totals": totals, "quotes": (quotes_ok, quotes_all), "times": times, "n": len(times)}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   n/a"


def report(name: str, result: dict) -> list[str]:
    lines = [f"### {name} ({result['n']} articles)", "", "| category | recall | precision | gold | proposed |",
             "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
    all_found = all_gold = 0
    for category in CATEGORIES:
        found, total, right, predicted_n = result["totals"][category]
        all_found += found
        all_gold += total
        lines.append(f"| {category} | {_pct(found, total)} | {_pct(right, predicted_n)} | {total} | {predicted_n} |")
    lines.append(f"| **overall** | {_pct(all_found, all_gold)} | | {all_gold} | |")
    ok, total = result["quotes"]
    times = result["times"]
    lines.append("")
    lines.append(f"Quotes verbatim: {ok}/{total} ({_pct(ok, total).strip()}). "
                 f"Time per article: mean {statistics.mean(times):.2f} s, max {max(times):.2f} s.")  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=["dev", "heldout", "corpus", "all"], default="all")
    parser.add_argument("--details", action="store_true", help="list what each article missed and added")
    args = parser.parse_args(argv)
    sets = ["heldout", "dev", "corpus"] if args.set == "all" else [args.set]
    for which in sets:
        result = run_set(which, args.details)
        if result["n"] == 0:
            print(f"### {which}: no articles (is ../shared/articles beside the repository?)")
            continue
        print("\n".join(report(which, result)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
