"""Assembling the proposal: every record the article supports, new or matched to an existing one,
with the checks a reviewer must make and the fields that are guesses."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from minsec.draft import actors, claims, commodities, deals, match, mentions, quantities, source
from minsec.draft import dates as dates_module
from minsec.draft.article import Article
from minsec.draft.gazetteer import Gazetteer
from minsec.draft.ids import IdBook

KINDS = ("source", "actor", "commodity", "deal", "event", "claim")
FOLDERS = {"source": "sources", "actor": "actors", "commodity": "commodities", "deal": "deals", "event": "events",
           "claim": "claims"}  # fmt: skip


@dataclass
class Proposed:
    kind: str
    status: str  # new | existing
    record: dict
    checks: list[str] = field(default_factory=list)
    #: field name -> why it is a guess (written as a comment beside the field)
    guessed: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.record["id"])

    def as_dict(self) -> dict:
        return {"kind": self.kind, "status": self.status, "record": self.record, "checks": self.checks}


@dataclass
class Proposal:
    article: Article
    records: list[Proposed]
    seconds: float = 0.0

    def of(self, kind: str) -> list[Proposed]:
        return [r for r in self.records if r.kind == kind]

    def as_dict(self) -> dict:
        return {
            "article": {"file": str(self.article.path), "sha256": self.article.sha256},
            "records": [r.as_dict() for r in self.records],
        }


@dataclass
class Context:
    """What every step sees: the article, the gazetteers, what was found, the ids handed out."""

    article: Article
    gazetteer: Gazetteer
    found: mentions.Mentions
    dates: list[dates_module.DateMention]
    quantities: list[quantities.Quantity]
    ids: IdBook
    source_id: str
    outlet: str
    published: str | None
    #: state iso3 or mention key -> proposed actor id
    actor_ids: dict[str, str] = field(default_factory=dict)
    commodity_ids: dict[str, str] = field(default_factory=dict)
    #: actor id -> (kind, affiliation id) of every actor proposed or reused
    actor_facts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: offsets of the amounts proposed as a deal's value
    deal_values: set[int] = field(default_factory=set)


def draft(article: Article, gazetteer: Gazetteer, url: str | None = None, source_id: str | None = None) -> Proposal:
    started = time.perf_counter()
    found = mentions.find(article, gazetteer)
    raw_dates = dates_module.absolute(article.text)
    published = source.published(article, raw_dates)
    context = Context(
        article=article,
        gazetteer=gazetteer,
        found=found,
        dates=dates_module.resolve(article.text, raw_dates, published),
        quantities=quantities.find(article.text, gazetteer),
        ids=IdBook(gazetteer.taken_ids),
        source_id="",
        outlet="",
        published=published,
    )
    records: list[Proposed] = []
    source_record = source.propose(context, url, source_id)
    records.append(source_record)
    records.extend(actors.propose(context))
    records.extend(commodities.propose(context))
    deal_records, event_records = deals.propose(context)
    records.extend(deal_records)
    records.extend(event_records)
    records.extend(claims.propose(context))
    match.existing(records, gazetteer)
    return Proposal(article, records, time.perf_counter() - started)


def run(path: Path, root: Path | None, url: str | None = None, source_id: str | None = None) -> Proposal:
    from minsec.draft.article import read_article
    from minsec.draft.gazetteer import load

    return draft(read_article(path), load(root), url=url, source_id=source_id)
