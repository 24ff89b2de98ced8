"""Claims: every amount, percentage and tonnage, with what it measures, who it is about and who
the text attributes it to. Claims are not facts: verification starts as ``unverified``."""

import datetime as dt
import re
from typing import TYPE_CHECKING

from minsec import codes

if TYPE_CHECKING:
    from minsec.draft.proposal import Context, Proposed

ATTRIBUTION = [
    (re.compile(r"\baccording to (?:the )?([A-Z][\w’'. -]{2,60}?)(?=[,.;]|$)"), None),
    (
        re.compile(
            r"\b((?:[A-Z][\w’'-]+ )*(?:officials?|government|ministry|Ministry|central bank|reports?)\b[^,.;]{0,30})"
            r"(?:\s+(?:said|say|says|estimate|estimates|indicate|put|told))"
        ),
        "official",
    ),
    (re.compile(r"\b((?:[\w-]+ )?(?:analysts|observers|experts|economists)(?: at [\w ]+?)?)\b"), "analysts"),
    (
        re.compile(r"\b((?:diplomatic )?sources|people familiar with [\w ]+|two diplomats|diplomats)\b"),
        "anonymous_sources",
    ),
]


def _metric(sentence: str, money: bool, percent: bool, in_deal: bool) -> str:
    lower = sentence.lower()
    if percent and "world" in lower and re.search(r"reserves|deposits", lower):
        return "share_of_world_reserves"
    if percent and re.search(r"\bgdp\b|gross domestic product", lower):
        return "sector_share_of_gdp"
    if not money and not percent and re.search(r"\bexploit|\bmined\b|\bproduc", lower):
        return "resources_exploited"
    if money and re.search(r"reserves|deposits|untapped|wealth", lower):
        return "reserves_value"
    if money and re.search(r"revenue|royalt|earn|income", lower):
        return "expected_revenue"
    if money and (in_deal or re.search(r"\b(?:worth|valued|value|package|deal|agreement|contract)\b", lower)):
        return "deal_value"
    return "other"


def propose(context: "Context") -> list["Proposed"]:
    from minsec.draft.proposal import Proposed

    article, text = context.article, context.article.text
    out: list[Proposed] = []
    states = [m for m in context.found.states if context.actor_ids.get(m.key)]
    for quantity in context.quantities:
        sentence = article.sentence_at(quantity.start)
        if sentence.header or quantity.start in context.deal_values:
            continue  # a deal's stated value is recorded once, in the deal's value fields
        words = text[sentence.start : sentence.end]
        here = [m for m in states if sentence.start <= m.start < sentence.end]
        before = [m for m in states if m.start < sentence.start]
        subject_mention = (here or before[-1:] or states[:1] or [None])[0]
        if subject_mention is None:
            continue  # a claim needs a subject the proposal has
        subject = context.actor_ids[subject_mention.key]
        money = quantity.is_money
        unit = quantity.unit
        if (money and unit not in codes.currencies()) or (not money and unit not in codes.units()):
            continue
        metric = _metric(words, money, unit == "percent", False)
        record: dict = {"id": "", "claim_type": "quantity", "subject_id": subject}
        commodity = next(
            (context.commodity_ids[m.key] for m in context.found.commodities
             if sentence.start <= m.start < sentence.end and m.key in context.commodity_ids),
            None,
        )  # fmt: skip
        if commodity:
            record["commodity_id"] = commodity
        record["statement"] = f"{_subject_name(context, subject)}: {quantity.as_written} ({metric.replace('_', ' ')})."
        record["metric"] = metric
        record["value"] = float(quantity.value)
        record["unit"] = unit
        for date in context.dates:
            if sentence.start <= date.start < sentence.end:
                if date.value:
                    record["as_of"] = date.value
                else:
                    record["as_of_earliest"], record["as_of_latest"] = date.bounds  # type: ignore[misc]
                    record["as_of_basis"] = f"the text says {article.slice(date.start, date.end)!r}"
                break
        attributed, attribution = _attribution(context, words, sentence)
        record["attributed_to"] = attributed
        record["attribution"] = attribution
        record["verification"] = "unverified"
        start, end = article.quote(sentence.start, sentence.end, (quantity.start, quantity.end))
        record["citations"] = [{"source_id": context.source_id, "quote": article.slice(start, end)}]
        record["id"] = context.ids.claim(f"{subject}-{commodity + '-' if commodity else ''}{metric.replace('_', '-')}")
        guessed = {
            "subject_id": "the state named nearest the number",
            "statement": "a placeholder; write the claim in your words",
            "metric": "from words near the number (reserves, GDP, revenue, worth)",
            "attributed_to": "who the sentence attributes it to; the outlet when it names no one",
        }
        checks = [f"is {quantity.as_written!r} a claim worth recording, and is its subject right?"]
        if unit in ("tonne", "tonne_per_year"):
            checks.append("tonnes in total or per year (tonne_per_year)? ore, concentrate or metal content?")
        if record.get("as_of") and str(record["as_of"]) > dt.date.today().isoformat()[: len(str(record["as_of"]))]:
            record["note"] = f"A forecast: the text dates it {record['as_of']}."
            guessed["note"] = "the date is after today; say what the text forecasts"
        out.append(Proposed("claim", "new", record, checks, guessed))
    return out


def _subject_name(context: "Context", actor_id: str) -> str:
    for key, value in context.actor_ids.items():
        if value == actor_id:
            country = context.gazetteer.countries.get(key)
            return country.name if country else key
    return actor_id


def _attribution(context: "Context", words: str, sentence) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    for pattern, kind in ATTRIBUTION:
        match = pattern.search(words)
        if match:
            who = match.group(1).strip()
            if kind is None:
                if who in context.gazetteer.outlets:
                    kind = "relayed_outlet"
                elif any(p.key == who or p.key.split()[-1] == who for p in context.found.persons):
                    kind = "named_person"
                elif re.search(r"\b(?:analysts?|observers?|experts?)\b", who, re.I):
                    kind = "analysts"
                else:
                    kind = "official"
            return who, kind
    for person in context.found.persons:
        if sentence.start <= person.start < sentence.end and not person.info.get("author"):
            return person.key, "named_person"
    hedge = re.search(r"\b(?:is|are) (?:believed|thought|estimated|said) to\b", words)
    if hedge:
        return hedge.group(0), "unattributed"
    return context.outlet if context.outlet != "TODO" else "the article", "outlet"
