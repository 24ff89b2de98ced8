"""Deals and events: a sentence that describes an exchange or an agreement between actors proposes a
deal (merged across sentences by its parties); a sentence with an event verb proposes an event,
dated from the same sentence, with the deal status it reports when it concerns a deal.

The headline never sets a status (headlines overstate); when it contradicts the body the
reviewer is told.
"""

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from minsec.dates import Window
from minsec.draft.match import goes_back

if TYPE_CHECKING:
    from minsec.draft.mentions import Mention
    from minsec.draft.proposal import Context, Proposed

#: (pattern, event_type, deal_status), most decisive first.
EVENT_VERBS = [
    (r"\b(?:collapsed|broke down|break down|fell through|faltered|failed|stalled|abandoned|scrapped|an abrupt end|"
     r"pulled out|walked away|suspended|collapse)\b", "agreement_collapsed", "collapsed"),
    (r"\b(?:signed|sign|signs|inked|sealed|seal|concluded|struck|agreed|agree|agrees|reached an agreement|"
     r"ratified)\b", "agreement_signed", "signed"),
    (r"\b(?:negotiat\w*|talks|discussions|in talks|considering|weighs|weighing|consider|discussing)\b", "talks",
     "negotiating"),
    (r"\b(?:offered|offers|offer|proposed|proposes|proposal|counter-offer|ready to|invited|inviting|invites|"
     r"would be willing)\b", "offer", "proposed"),
    (r"\b(?:urged|urges|asked|asks|pressed|pressing|pressuring|pressured|called on|calls on|demanded|demands|"
     r"requested|seeks|sought|seeking)\b", "request", None),
    (r"\b(?:pledged|pledges|promised|promises|vowed)\b", "pledge", None),
    (r"\b(?:met|meets|meeting|visited|visit|visits|hosted|travel to|travels to|summit|is due in|are due in|"
     r"protested)\b", "meeting", None),
    (r"\b(?:recogni[sz]ed|recogni[sz]es)\b", "recognition", None),
    (r"\b(?:endorsed|endorses|endorsement|backed|welcomed)\b", "endorsement", None),
    (r"\b(?:criticized|criticised|accused|accuses|condemned|denounced|called the talks)\b", "criticism", None),
    (r"\b(?:sanctions|sanctioned|embargo)\b", "sanction", None),
    (r"\b(?:seized|attacked|captured|fighting)\b", "armed_action", None),
    (r"\b(?:appointed|appointment|inauguration|sworn in)\b", "appointment", None),
    (r"\b(?:designat\w+|considered|considers|reviewing)\b", "policy_review", None),
    (r"\b(?:opened|opens|banned|bans|nationali[sz]ed|lifted)\b", "policy_change", None),
    (r"\b(?:said|says|told|announced|stated|declared|statement|expressed|emphasi[sz]ed|reiterated|voiced|"
     r"highlighted|stressed|warned|insisted|confirmed|denied|noted)\b", "statement", None),
]  # fmt: skip
NEGATED = re.compile(r"\b(?:not|no|never|nothing|denied|deny|without)\b[^.;]{0,40}$")
DEAL_NOUN = re.compile(
    r"\b(?:agreements?|accords?|deals?|pacts?|contracts?|memorandum|arrangements?|partnerships?|package|concessions?|"
    r"MoU|swap|in exchange for|in return for|in return|exchange|-for-|offers?|counter-offer|talks|negotiations|"
    r"negotiating|agreed|agree|signed|sign)\b",
    re.I,
)
#: "the talks", "this deal": the text goes on about a deal it has named.
ANAPHORA = re.compile(r"\b(?:the|this|that|these|such) (?:[\w-]+ )?(?:talks|deal|agreement|offer|accord|pact|package|"
                      r"contract|arrangement|negotiations|proposal)\b", re.I)  # fmt: skip
#: "a similar arrangement", "a separate deal": a second deal.
NEW_DEAL = re.compile(r"\b(?:similar|separate|another|second|new|own|rival)\b", re.I)
EXCHANGE = re.compile(r"\b(?:in exchange for|in return for|in return|for|while|against)\b")
SECURITY = re.compile(
    r"\b(?:arms|weapons?|drones?|military|defen[cs]e|security|troops|training|patrol|frigates?|helicopters?|"
    r"artillery|armoured|aircraft|ships?|army|police|guard|surveillance|air-defen[cs]e|radar|exercises|advisers)\b",
    re.I,
)
INVEST = re.compile(r"\b(?:invest\w*|fund|finance|financing|loan|capital|reconstruction)\b", re.I)
TRADE = re.compile(r"\b(?:supply|buy|sell|purchase|export|deliver|contract|offtake)\w*\b", re.I)
EXPLORE = re.compile(r"\b(?:explor\w*|licen[cs]e|concessions?|mining rights)\b", re.I)
ACCESS = re.compile(r"\b(?:access|rights|stakes?|share|deposits|concessions?|explor\w*|mines?|field)\b", re.I)
EXPECTED = re.compile(
    r"\b(?:will|would|expected|is due|are due|plans? to|set to|next (?:week|month|year)|later this)\b"
)
ALLEGED = re.compile(r"\b(?:reportedly|allegedly|is believed|are believed|is said to|sources suggest|unconfirmed|"
                     r"people familiar|diplomats familiar|could not (?:independently )?verify)\b", re.I)  # fmt: skip
REPORTED = re.compile(r"\b(?:according to|reported|citing|said|says|told|the report said)\b")


def _party_mentions(context: "Context", start: int, end: int) -> Iterator[tuple["Mention", str | None]]:
    """The actor mentions in ``start:end`` that may name a party, each with the actor id it stands for
    (a person stands for their state); bylines and a state that only owns a named company are left out."""
    text = context.article.text
    owned = {m.start for m in context.found.organisations}
    for mention in context.found.all_actors():
        if not start <= mention.start < end or mention.info.get("author"):
            continue
        after = OWNER.match(text, mention.end)
        if mention.kind == "state" and after and after.end() in owned:
            continue  # "Chile's Codelco", "U.S. company Chevron": the company is the party
        if mention.kind == "person":
            affiliation = mention.info.get("affiliation")
            yield mention, context.actor_ids.get(affiliation) if affiliation else None
        else:
            yield mention, context.actor_ids.get(mention.key)


def _parties(context: "Context", start: int, end: int) -> list[str]:
    """Actor ids of the parties named in ``start:end``: states first (persons count as their state),
    then organisations, companies and bodies when fewer than two states are named."""
    states: list[str] = []
    others: list[str] = []
    for mention, actor_id in _party_mentions(context, start, end):
        if mention.kind in ("person", "state"):
            bucket = states
        elif mention.info.get("org_kind") in ("armed_forces", "government_body"):
            continue  # a state's forces and bodies act for it; the state is the party
        else:
            bucket = others
        if actor_id and actor_id not in states and actor_id not in others:
            bucket.append(actor_id)
    return states if len(states) >= 2 else states + others


def _actor_spans(context: "Context", start: int, end: int) -> list[tuple[int, int, str, str]]:
    """(start, end, actor id, kind) of the actors in ``start:end`` that can be a deal's party."""
    return [
        (mention.start, mention.end, actor_id, mention.kind)
        for mention, actor_id in _party_mentions(context, start, end)
        if actor_id and not (mention.kind == "organisation" and mention.info.get("org_kind") == "armed_forces")
    ]


PARTY_VERB = r"(?:signed|agreed|concluded|struck|sealed|inked|reached|are negotiating|were negotiating|are in talks|" \
    r"announced|began|started|held|opened|have agreed|have signed|will sign|plan to sign)"  # fmt: skip
#: "Chile's Codelco", "Saudi Arabia's sovereign mining company Ma'aden", "U.S. company Chevron"
OWNER = re.compile(
    r"(?:’s|'s)\s+(?:[a-z][\w-]*\s+){0,4}|\s+(?:state-owned\s+|state\s+)?(?:company|firm|miner|group)\s+"
)
AFTER_STATE = re.compile(r"\s+(?:state-owned\s+|state\s+)?(?:company|firm|group|miner|giant|producer|conglomerate)\s+$")


def _pattern_parties(context: "Context", start: int, end: int, at: int) -> list[str] | None:
    """The parties a sentence names by its structure: "between A and B", "A and B signed",
    "A signed an agreement with B". None when it has no such structure."""
    text = context.article.text
    spans = _actor_spans(context, start, end)
    if len(spans) < 2:
        return None
    between = re.compile(r"\bbetween\s+(?:the\s+)?$")
    for i, (a_start, _, a_id, _) in enumerate(spans[:-1]):
        if between.search(text[max(start, a_start - 16) : a_start]):
            b = next(
                (
                    s
                    for s in spans[i + 1 :]
                    if s[2] != a_id and re.fullmatch(r"\s+and\s+(?:the\s+)?", text[spans[i][1] : s[0]] or "x")
                ),
                None,
            )
            if b:
                return [a_id, b[2]]
    for i, (_, a_end, a_id, _) in enumerate(spans[:-1]):
        b = spans[i + 1]
        if (
            b[2] != a_id
            and re.fullmatch(r"\s+and\s+(?:the\s+)?", text[a_end : b[0]])
            and re.match(rf"\s+(?:have\s+|had\s+|are\s+|were\s+)?{PARTY_VERB}\b", text[b[1] : end])
        ):
            return [a_id, b[2]]
    for match in re.finditer(r"\bwith\s+", text[start:end]):
        with_end = start + match.end()
        if with_end < at - 80 or with_end > at + 80:
            continue
        after = [s for s in spans if with_end <= s[0] < with_end + 40]
        if not after:
            continue
        b = after[0]
        if b[3] == "state" and len(after) > 1 and AFTER_STATE.match(text[b[1] : after[1][0]]):
            b = after[1]  # "with U.S. company Chevron": the company is the party
        before = [s for s in spans if s[1] <= start + match.start() and s[2] != b[2]]
        if before:
            return [before[-1][2], b[2]]
    return None


def _clause(text: str, start: int, end: int, at: int) -> tuple[int, int]:
    """The clause of ``start:end`` around ``at``: split at ", which", ", while", ";", " - ", ": ..."."""
    cuts = [start]
    for match in re.finditer(r",\s+(?:which|who|whose|while|after|although|whereas)\b|;|\s[-–—]\s", text[start:end]):
        cuts.append(start + match.start())
    cuts.append(end)
    for left, right in itertools.pairwise(cuts):
        if left <= at < right:
            return left, right
    return start, end


MODAL = re.compile(r"\b(?:could|would|may|might|will|shall|expected to|set to|plans? to|is to|are to|hopes? to|"
                   r"aims? to|wants? to|to)\s+(?:be\s+|have\s+|soon\s+|formally\s+)?$")  # fmt: skip


def _event_type(sentence: str) -> tuple[str, str | None, int] | None:
    """(event type, deal status or None, offset of the verb) for the most decisive verb of the sentence."""
    for pattern, event_type, status in EVENT_VERBS:
        for match in re.finditer(pattern, sentence):
            if status and NEGATED.search(sentence[: match.start()]):
                return "statement", None, match.start()
            if status and status != "proposed" and MODAL.search(sentence[max(0, match.start() - 30) : match.start()]):
                return event_type, None, match.start()  # "could be signed": expected, not yet a status
            return event_type, status, match.start()
    return None


def _reporting(sentence: str, verb: int | None = None) -> str:
    """How the sentence reports its event: alleged, expected, reported or asserted. With ``verb``
    (the offset of the event's verb), "expected" means the verb itself is modal or scheduled
    ("could be signed", "is due to sign"), not that a "would" appears elsewhere in the sentence."""
    if ALLEGED.search(sentence):
        return "alleged"
    if verb is None and EXPECTED.search(sentence):
        return "expected"
    if verb is not None and (
        MODAL.search(sentence[max(0, verb - 30) : verb])
        or re.search(r"\b(?:is|are|was|were) (?:due|scheduled|expected|set|planned) to\s+$", sentence[:verb])
        or re.search(r"\b(?:next (?:week|month|year)|later this (?:week|month|year))\b", sentence)
    ):
        return "expected"
    if REPORTED.search(sentence):
        return "reported"
    return "asserted"


def _date_fields(context: "Context", start: int, end: int) -> tuple[dict, dict]:
    """Date fields of an event from the first date in ``start:end`` (a dateline only when the sentence
    gives no other date), and the guesses behind them."""
    here = [d for d in context.dates if start <= d.start < end]
    text = context.article.text
    if len(here) > 1:
        line_start = text.rfind("\n", 0, here[0].start) + 1
        if here[0].start - line_start < 40 and re.match(
            r"[A-ZÀ-Þ][\w’'.\- ]{1,40},\s*$", text[line_start : here[0].start]
        ):
            here = here[
                1:
            ]  # "CONAKRY, 2 October 2026 - Talks ... broke down on Thursday": the dateline dates the story
    for date in here[:1]:
        words = context.article.slice(date.start, date.end)
        if date.value:
            guess = {"date": f"from {words!r}" + (" resolved against the article's date" if date.relative else "")}
            if date.guessed_year:
                guess["date"] = f"from {words!r}; the year is the last one the text gave before it"
            return {"date": date.value}, guess
        earliest, latest = date.bounds or ("", "")
        return (
            {"date_earliest": earliest, "date_latest": latest, "date_basis": f"the text says {words!r}"},
            {"date_earliest": f"{words!r} resolved against the article's date"},
        )
    return {}, {}


def _term_kind_for_counterpart(words: str) -> str:
    if re.search(r"\b(?:drones?|weapons?|arms|helicopters?|artillery|frigates?|vehicles|air-defen[cs]e|systems|"
                 r"aircraft|ships?|missiles?|boats?)\b", words, re.I):  # fmt: skip
        return "arms"
    if re.search(r"\b(?:training|military (?:aid|support|assistance)|advisers|equipment|support)\b", words, re.I):
        return "military_aid"
    if re.search(r"\bsecurity guarantees?\b", words, re.I):
        return "security_guarantee"
    if INVEST.search(words):
        return "investment"
    if re.search(r"\b(?:exercises|cooperation|coverage|intelligence)\b", words, re.I):
        return "security_cooperation"
    return "other"


def propose(context: "Context") -> tuple[list["Proposed"], list["Proposed"]]:

    article, text = context.article, context.article.text
    state_counts: dict[str, int] = {}
    for mention in context.found.states:
        actor_id = context.actor_ids.get(mention.key)
        if actor_id:
            state_counts[actor_id] = state_counts.get(actor_id, 0) + 1
    main_state = max(state_counts, key=lambda k: (state_counts[k], -min(
        m.start for m in context.found.states if context.actor_ids.get(m.key) == k)), default=None)  # fmt: skip
    deals: dict[tuple, dict] = {}
    order: list[tuple] = []
    events: list[dict] = []
    last_deal: tuple | None = None

    def attach(key: tuple, parties: list[str], index: int, header: bool) -> None:
        if key not in deals:
            deals[key] = {"parties": parties, "sentences": [], "headline": []}
            order.append(key)
        (deals[key]["headline"] if header else deals[key]["sentences"]).append(index)

    def topic(start: int, end: int) -> str | None:
        """What a sentence's deal is about: its first specific commodity, else "security", else unknown
        (a vague term such as "minerals" fits any deal)."""
        for mention in context.found.commodities:
            if start <= mention.start < end and context.gazetteer.commodities[mention.key].kind != "unspecified":
                return mention.key
        if any(start <= m.start < end for m in context.found.commodities):
            return "minerals"
        return "security" if SECURITY.search(text, start, end) else None

    def compatible(one: str | None, other: str | None) -> bool:
        if one is None or other is None or one == other:
            return True
        return "minerals" in (one, other) and "security" not in (one, other)

    def same_deal(parties: list[str], subject: str | None) -> tuple | None:
        """An earlier deal between the same parties about a compatible topic."""
        for key in reversed(order):
            if key[0] == frozenset(parties) and compatible(key[1], subject):
                return key
        return None

    for index, sentence in enumerate(article.sentences):
        words = text[sentence.start : sentence.end]
        noun = next(
            (m for m in DEAL_NOUN.finditer(words) if not (m.group()[0].isupper() and m.start() > 0)), None
        )  # a capitalised noun mid-sentence names a treaty ("the Abraham Accords"), not this deal
        found = _event_type(words)
        in_deal: tuple | None = None
        if noun:
            at = sentence.start + noun.start()
            c_start, c_end = _clause(text, sentence.start, sentence.end, at)
            structured = _pattern_parties(context, c_start, c_end, at)
            parties = structured or _parties(context, c_start, c_end)
            if len(parties) < 2:
                structured = _pattern_parties(context, sentence.start, sentence.end, at)
                parties = structured or _parties(context, sentence.start, sentence.end)
            anaphoric = ANAPHORA.search(words) and not NEW_DEAL.search(words)
            subject = topic(sentence.start, sentence.end)
            if anaphoric and last_deal is not None and ANAPHORA.match(words) and not structured:
                in_deal = last_deal  # "The deal followed talks in Riyadh ...": the sentence is about the last deal
            elif len(parties) < 2 and anaphoric and last_deal is not None:
                in_deal = last_deal  # "the talks", "the offer": the deal the text is already about
            elif len(parties) == 1 and not sentence.header:
                same_paragraph = [
                    k for k in order
                    if parties[0] in k[0]
                    and any(article.sentences[i].paragraph == sentence.paragraph for i in deals[k]["sentences"])
                ]  # fmt: skip
                if same_paragraph:
                    in_deal = same_paragraph[-1]
                else:
                    # "a similar deal with Ukraine": the other side is the party the article is about,
                    # the first party of the deal it last described, else the state it names most.
                    other = next(
                        (p for p in (deals[last_deal]["parties"] if last_deal else []) if p != parties[0]), None
                    )
                    other = other or (main_state if main_state != parties[0] else None)
                    if other:
                        parties = [other, parties[0]]
            if in_deal is None and len(parties) >= 2:
                pair = parties[:2]
                if anaphoric and last_deal is not None and last_deal[0] == frozenset(pair):
                    in_deal = last_deal
                else:
                    in_deal = same_deal(pair, subject) or (frozenset(pair), subject)
                attach(in_deal, deals[in_deal]["parties"] if in_deal in deals else pair, index, sentence.header)
            elif in_deal is not None:
                attach(in_deal, deals[in_deal]["parties"], index, sentence.header)
            if in_deal is not None and not sentence.header:
                last_deal = in_deal
        if sentence.header:
            continue
        actors_here = [m for m in context.found.all_actors() if sentence.start <= m.start < sentence.end]
        dated = any(sentence.start <= d.start < sentence.end for d in context.dates)
        if found is None and actors_here and dated:
            found = ("other", None, 0)  # something dated happened to these actors; the reviewer says what
        if found is None or (not actors_here and not (in_deal is not None and dated)):
            continue
        event_type, status, verb_at = found
        events.append({"sentence": index, "type": event_type, "status": status, "verb": sentence.start + verb_at})
    deal_records, event_records = _deal_records(context, deals, order, events), []
    event_records.extend(_anchored_events(context))
    deal_of_sentence = {i: d for d in deal_records for i in d["_sentences"]}
    seen_status: set[str] = set()
    for event in events:
        sentence = article.sentences[event["sentence"]]
        deal = deal_of_sentence.get(event["sentence"])
        record = _event_record(context, sentence, event, deal)
        event_records.append(record)
        if deal and record.record.get("deal_status"):
            seen_status.add(deal["record"]["id"])
    for deal in deal_records:
        if deal["record"]["id"] not in seen_status:
            index = deal["_sentences"][0]
            sentence = article.sentences[index]
            found = _event_type(text[sentence.start : sentence.end]) or ("talks", None, 0)
            status = found[1] or "proposed"
            event_type = {"proposed": "offer", "negotiating": "talks", "signed": "agreement_signed",
                          "collapsed": "agreement_collapsed"}.get(status, "other")  # fmt: skip
            record = _event_record(
                context,
                sentence,
                {"sentence": index, "type": event_type, "status": status, "verb": sentence.start},
                deal,
            )
            if "deal_status" not in record.record:
                # The text only expects or hopes for a step: the deal exists as a proposal.
                record.record = _insert_after(record.record, "summary", {"deal_status": "proposed"})
                record.record["reporting"] = "asserted"
                status = "proposed"
            record.checks.insert(
                0, f"deal_status: the drafter read '{status}' from the wording; every deal needs a status event"
            )
            event_records.append(record)
    return [d["proposed"] for d in deal_records], _consistent(_merged(event_records))


def _window(record: dict) -> Window:
    return Window.of(record.get("date"), record.get("date_earliest"), record.get("date_latest"))


def _merged(events: list["Proposed"]) -> list["Proposed"]:
    """One event per (type, actors) and time: the validator rightly calls two such events a duplicate."""
    kept: list[Proposed] = []
    for event in events:
        key = (event.record["event_type"], frozenset(a["actor_id"] for a in event.record["actors"]))
        twin = next(
            (k for k in kept
             if (k.record["event_type"], frozenset(a["actor_id"] for a in k.record["actors"])) == key
             and _window(k.record).overlaps(_window(event.record))
             and (k.record.get("deal_id") == event.record.get("deal_id") or not event.record.get("deal_id")
                  or not k.record.get("deal_id"))),
            None,
        )  # fmt: skip
        if twin is None:
            kept.append(event)
            continue
        if len(twin.record["citations"]) < 3:
            twin.record["citations"].extend(c for c in event.record["citations"] if c not in twin.record["citations"])
        if not _window(twin.record).dated and _window(event.record).dated:
            for name in ("date", "date_earliest", "date_latest", "date_basis"):
                if name in event.record:
                    twin.record[name] = event.record[name]
        if "deal_status" not in twin.record and "deal_status" in event.record:
            twin.record.pop("deal_id", None)
            twin.record = _insert_after(
                twin.record, "summary", {"deal_id": event.record["deal_id"], "deal_status": event.record["deal_status"]}
            )
        elif "deal_id" not in twin.record and "deal_id" in event.record:
            twin.record = _insert_after(twin.record, "summary", {"deal_id": event.record["deal_id"]})
        merged = "merged from several sentences that seem to report one event; split it if they do not"
        if merged not in twin.checks:
            twin.checks.append(merged)
    return kept


def _consistent(events: list["Proposed"]) -> list["Proposed"]:
    """Keep a deal's status history orderable: an event whose time overlaps another status event of
    the same deal with another status gives up its deal_status (the less precise, or the later one in the text)."""
    by_deal: dict[str, list[Proposed]] = {}
    for event in events:
        if event.record.get("deal_status"):
            by_deal.setdefault(event.record["deal_id"], []).append(event)
    for group in by_deal.values():
        for index, event in enumerate(group):
            window = _window(event.record)
            for other in group[:index]:
                if "deal_status" not in other.record or other.record["deal_status"] == event.record.get("deal_status"):
                    continue
                other_window = _window(other.record)
                if window.overlaps(other_window):
                    loser = event if (other_window.dated or not window.dated) else other
                elif goes_back(other.record["deal_status"], other_window, event.record["deal_status"], window):
                    loser = event if other_window.before(window) else other  # the one after a further stage
                else:
                    continue
                status = loser.record.pop("deal_status")
                loser.guessed.pop("deal_status", None)
                loser.checks.append(
                    f"deal_status: the sentence reads as '{status}', but its time cannot be ordered against the deal's "
                    "other status events; add it back with a date or bounds if the text orders them"
                )
                if "deal_status" not in event.record:
                    break
    return events


def _deal_records(context: "Context", deals: dict, order: list, events: list[dict]) -> list[dict]:
    from minsec.draft.proposal import Proposed

    article, text = context.article, context.article.text
    out = []
    for key in order:
        deal = deals[key]
        if not deal["sentences"]:
            continue  # only the headline names it: not enough to propose a deal
        parties = deal["parties"]
        sentence_ids = deal["sentences"]
        body = " ".join(text[article.sentences[i].start : article.sentences[i].end] for i in sentence_ids)
        commodities = []
        for mention in context.found.commodities:
            index = article.sentence_index(mention.start)
            cid = context.commodity_ids.get(mention.key)
            if cid and index in sentence_ids and cid not in [c["commodity_id"] for c in commodities]:
                commodities.append({"commodity_id": cid, "basis": "named"})
        for mention in context.found.commodities:
            index = article.sentence_index(mention.start)
            cid = context.commodity_ids.get(mention.key)
            if cid and index in deal["headline"] and cid not in [c["commodity_id"] for c in commodities]:
                commodities.append({"commodity_id": cid, "basis": "headline"})
        paragraphs = {article.sentences[i].paragraph for i in sentence_ids}
        for mention in context.found.commodities:
            sentence = article.sentence_at(mention.start)
            cid = context.commodity_ids.get(mention.key)
            if cid and sentence.paragraph in paragraphs and cid not in [c["commodity_id"] for c in commodities]:
                commodities.append({"commodity_id": cid, "basis": "context"})
        if SECURITY.search(body) and commodities:
            deal_type = "minerals_for_security"
        elif INVEST.search(body) and commodities:
            deal_type = "minerals_for_investment"
        elif EXPLORE.search(body):
            deal_type = "resource_exploration"
        elif TRADE.search(body) and commodities:
            deal_type = "trade"
        elif SECURITY.search(body):
            deal_type = "security_cooperation"
        else:
            deal_type = "other"
        names = [_name(context, p) for p in parties]
        first_commodity = commodities[0]["commodity_id"] if commodities else "minerals"
        statuses = [e["status"] for e in events if e["sentence"] in sentence_ids and e["status"]]
        word = {"signed": "agreement", "negotiating": "talks", "proposed": "offer", "collapsed": "talks"}.get(
            statuses[0] if statuses else "", "deal"
        )
        year = ""
        for date in context.dates:
            if date.value and article.sentence_index(date.start) in sentence_ids:
                year = date.value[:4]
                break
        deal_id = context.ids.claim(
            "-".join(sorted(parties)) + f"-{first_commodity}-{word}" + (f"-{year}" if year else "")
        )
        record: dict = {
            "id": deal_id,
            "title": f"{' – '.join(names)} {first_commodity.replace('-', ' ')} {word}",
            "deal_type": deal_type,
            "summary": (
                f"A {first_commodity.replace('-', ' ')} {word} between {' and '.join(names)}, "
                "as the article reports it."
            ),
        }
        guessed = {
            "title": "made up from the parties and the first commodity; reword it",
            "deal_type": "from words near the deal (arms, training, investment, supply)",
            "summary": "a placeholder sentence; write one or two sentences in your words",
        }
        value = _value(context, sentence_ids)
        if value:
            record.update(value)
            guessed["value_amount"] = "the first amount in the deal's sentences; check it is the deal's value"
        proposer = None
        for event in events:
            if event["sentence"] in sentence_ids and event["status"] == "proposed":
                before = _parties(context, article.sentences[event["sentence"]].start, event["verb"])
                proposer = next((p for p in before if p in parties), None)
                break
        record["parties"] = [{"actor_id": p, "role": "proposer" if p == proposer else "party"} for p in parties]
        guessed["parties"] = "the first two states or organisations named with the deal; add brokers, remove bystanders"
        record["commodities"] = commodities
        terms = _terms(context, parties, sentence_ids, commodities)
        if terms:
            record["terms"] = terms
            guessed["terms"] = "who gives what to whom, read from 'in exchange for' and similar; check each direction"
        citations = []
        for index in sentence_ids[:3]:
            sentence = article.sentences[index]
            start, end = article.quote(sentence.start, sentence.end)
            citations.append({"source_id": context.source_id, "quote": article.slice(start, end)})
        record["citations"] = citations
        checks = [
            "is this one deal, and are these its parties? (the drafter pairs the first two actors named with it)",
        ]
        if not commodities:
            checks.append("commodities: none named with the deal; add the ones it concerns")
        headline_status = None
        for index in deal["headline"]:
            sentence = article.sentences[index]
            found = _event_type(text[sentence.start : sentence.end])
            if found and found[1]:
                headline_status = found[1]
        if headline_status and statuses and headline_status not in statuses:
            checks.append(
                f"the headline says the deal is {headline_status}, the body says {', '.join(dict.fromkeys(statuses))}: "
                "the status follows the body; say so in note"
            )
        proposed = Proposed("deal", "new", record, checks, guessed)
        out.append({"record": record, "proposed": proposed, "_sentences": sentence_ids})
    return out


def _name(context: "Context", actor_id: str) -> str:
    if actor_id in context.gazetteer.actors:
        return context.gazetteer.actors[actor_id].name
    for key, value in context.actor_ids.items():
        if value == actor_id:
            country = context.gazetteer.countries.get(key)
            return country.name if country else key
    return actor_id


VALUE_WORDS = re.compile(r"\b(?:worth|valued|value|package|fund|investment|loan|contract|deal|agreement|pact|"
                         r"accord|financ\w+)\b", re.I)  # fmt: skip
NOT_VALUE = re.compile(r"\b(?:reserves|deposits|untapped|wealth|exported|exports|revenues?|GDP)\b", re.I)


def _value(context: "Context", sentence_ids: list[int]) -> dict | None:
    """The deal's stated value: an amount in one of its sentences that speaks of worth, not of reserves."""
    article, text = context.article, context.article.text
    for quantity in context.quantities:
        if not quantity.is_money or article.sentence_index(quantity.start) not in sentence_ids:
            continue
        sentence = article.sentence_at(quantity.start)
        words = text[sentence.start : sentence.end]
        if not VALUE_WORDS.search(words) or NOT_VALUE.search(words):
            continue
        from minsec import codes

        if quantity.unit not in codes.currencies():
            continue
        amount = quantity.value
        context.deal_values.add(quantity.start)  # recorded once, as the deal's value, not also as a claim
        return {
            "value_amount": float(amount),
            "value_currency": quantity.unit,
            "value_as_reported": quantity.as_written,
        }
    return None


def _terms(context: "Context", parties: list[str], sentence_ids: list[int], commodities: list[dict]) -> list[dict]:
    article, text = context.article, context.article.text
    for index in sentence_ids:
        sentence = article.sentences[index]
        words = text[sentence.start : sentence.end]
        exchange = re.search(r"\b(?:in exchange for|in return for|for|while)\b", words)
        if not exchange or (exchange.group() in ("for", "while") and not SECURITY.search(words[exchange.end() :])):
            continue
        give_part, get_part = words[: exchange.start()], words[exchange.end() :]
        cut = re.search(r"[,;.]\s|\s[-–—]\s", get_part)
        counterpart = get_part[: cut.start()] if cut else get_part
        here = _parties(context, sentence.start, sentence.end)
        ordered = [p for p in here if p in parties] or parties
        first, second = ordered[0], next((p for p in parties if p != ordered[0]), parties[-1])
        # Who holds the minerals: the subject when it offers, grants, supplies; the other when it asks or buys.
        asks = re.search(
            r"\b(?:asked|asks|seeks|sought|buy|buys|demanded|wants|offered [\w ]*? (?:a stake|access))\b", give_part
        )
        holder, other = (
            (second, first)
            if asks and re.search(r"\b(?:asked|asks|seeks|sought|buy|buys|demanded|wants)\b", give_part)
            else (first, second)
        )
        if re.search(r"\b(?:asked|asks)\b", give_part):
            holder, other = first, second  # "X has asked Y for aircraft in return for access": X holds the minerals
        commodity = commodities[0]["commodity_id"] if commodities else None
        mineral_kind = (
            "mineral_supply" if TRADE.search(give_part) and not ACCESS.search(give_part) else "mineral_access"
        )
        if re.search(r"\brevenues?\b", give_part):
            mineral_kind = "mineral_revenue"
        timing = "promised" if EXPECTED.search(words) else "unspecified"
        reporting = _reporting(words)
        start, end = article.quote(sentence.start, sentence.end)
        citation = [{"source_id": context.source_id, "quote": article.slice(start, end)}]
        flows = re.search(
            r"\b(?:(?:priority |preferential |long-term |exclusive )?access|(?:exploration |mining )?rights|"
            r"a stake|stakes?|a share|concessions?|supply|supplies|deliver\w*|exports?|revenues?)\b[^,;]*$",
            give_part,
        )
        description_give = flows.group(0) if flows else (give_part.strip().split(",")[-1].strip() or give_part.strip())
        terms = [
            {"provider_id": holder, "recipient_id": other, "kind": mineral_kind}
            | ({"commodity_id": commodity} if commodity else {})
            | {"description": _tidy(description_give), "timing": timing, "reporting": reporting, "citations": citation},
            {"provider_id": other, "recipient_id": holder, "kind": _term_kind_for_counterpart(counterpart),
             "description": _tidy(counterpart), "timing": timing, "reporting": reporting, "citations": citation},
        ]  # fmt: skip
        return terms
    return []


def _tidy(words: str) -> str:
    words = re.sub(r"\s+", " ", words).strip(' ,.;:-–—"“”')
    words = re.sub(r"^[=+\-@]+", "", words).strip()
    return (words[:1].upper() + words[1:]) if words else "See the quote."


ALSO = re.compile(r"^(?:He|She|They|It|The minister|The official)\s+(?:also|further|later|then)\b")
BEFORE_NARRATIVE = re.compile(r"\b(?:had\s+(?:previously\s+|already\s+|earlier\s+)?\w+ed|previously|follows|"
                              r"came after|earlier)\b")  # fmt: skip


def _after_today(dates: dict) -> str | None:
    """The date or earliest bound when it lies after today, else None."""
    value = str(dates.get("date") or dates.get("date_earliest") or "")
    if value and value > dt.date.today().isoformat()[: len(value)]:
        return value
    return None


def _date_from_context(context: "Context", sentence) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """A date for an undated sentence from its neighbours: "He also said ..." shares the month of the
    sentence before it; "X had previously ..." happened no later than the latest date the text gives."""
    article, text = context.article, context.article.text
    words = text[sentence.start : sentence.end]
    index = article.sentences.index(sentence)
    if ALSO.match(words) and index > 0 and article.sentences[index - 1].paragraph == sentence.paragraph:
        previous = article.sentences[index - 1]
        dates, _ = _date_fields(context, previous.start, previous.end)
        if dates.get("date"):
            month = str(dates["date"])[:7]
            return {"date": month}, {"date": "the month of the sentence before, which this one continues ('also')"}
    match = BEFORE_NARRATIVE.search(words)
    if match:
        latest = max((d.value for d in context.dates if d.value and len(d.value) >= 7), default=None)
        latest = context.published or latest
        if latest:
            basis = f"the text says {match.group()!r} of what it reports as before its latest date ({latest[:7]})"
            return {"date_latest": latest[:7], "date_basis": basis}, {
                "date_latest": "before the time the text narrates"
            }
    return {}, {}


def _event_record(context: "Context", sentence, event: dict, deal: dict | None) -> "Proposed":  # type: ignore[no-untyped-def]
    from minsec.draft.proposal import Proposed

    article, text = context.article, context.article.text
    words = text[sentence.start : sentence.end]
    dates, guessed = _date_fields(context, sentence.start, sentence.end)
    if not dates:
        dates, guessed = _date_from_context(context, sentence)
    future = _after_today(dates)
    if future:
        dates, guessed = {}, {}  # a statement about 2030 is not an event of 2030
    actors: list[dict] = []
    for mention in context.found.all_actors():
        if not sentence.start <= mention.start < sentence.end or mention.info.get("author"):
            continue
        actor_id = context.actor_ids.get(mention.key)
        if not actor_id or actor_id in [a["actor_id"] for a in actors]:
            continue
        role = "initiator" if mention.start < event["verb"] else "target"
        if event["type"] in ("agreement_signed", "talks", "meeting", "agreement_collapsed"):
            role = "participant"
        actors.append({"actor_id": actor_id, "role": role})
    if not actors and deal:
        actors = [{"actor_id": p["actor_id"], "role": "participant"} for p in deal["record"]["parties"]]
    actors = with_states(context, actors)
    person_keys = {p.key for p in context.found.persons}
    persons = {v for k, v in context.actor_ids.items() if k in person_keys}
    bodies = [a["actor_id"] for a in actors if a["actor_id"] not in persons][:2]
    named = bodies or [a["actor_id"] for a in actors][:1] or ["event"]
    commodity = ""
    if deal and deal["record"].get("commodities"):
        commodity = deal["record"]["commodities"][0]["commodity_id"]
    stem = str(dates.get("date") or dates.get("date_earliest") or "")
    parts = (stem, *named, commodity, event["type"].replace("_", "-"))
    event_id = context.ids.claim("-".join(x for x in parts if x))
    record: dict = {"id": event_id}
    record.update(dates)
    record["event_type"] = event["type"]
    summary = _tidy(words)
    if len(summary) > 300:
        summary = summary[:297].rsplit(" ", 1)[0] + "..."
    record["summary"] = summary
    reporting = _reporting(words, event["verb"] - sentence.start)
    if deal:
        record["deal_id"] = deal["record"]["id"]
    if deal and event["status"] and reporting != "expected":  # a future step never sets a deal's state
        record["deal_status"] = event["status"]
        guessed["deal_status"] = "from the verb; check the sentence really moves the deal to this state"
    record["reporting"] = reporting
    guessed["reporting"] = "from wording such as 'reportedly', 'according to', 'will'"
    record["actors"] = actors
    start, end = article.quote(sentence.start, sentence.end)
    record["citations"] = [{"source_id": context.source_id, "quote": article.slice(start, end)}]
    guessed["event_type"] = "from the verb of the sentence"
    guessed["summary"] = "the sentence itself; rewrite it in your words"
    guessed["actors"] = "actors named in the sentence; initiator before the verb, target after"
    checks = []
    if event["type"] == "other":
        checks.append("event_type: the sentence dates something without a verb the drafter knows; say what happened")
    if future:
        checks.append(
            f"date: the sentence names {future}, after today (a forecast or a schedule), not the event's date"
        )
    if not dates:
        checks.append("date: the sentence gives none; use date_earliest/date_latest if the text bounds it")
    return Proposed("event", "new", record, checks, guessed)


def _insert_after(record: dict, after: str, fields: dict) -> dict:
    """The record with ``fields`` placed after ``after`` (field order is the order files are written in)."""
    out: dict = {}
    for name, value in record.items():
        if name in fields:
            continue
        out[name] = value
        if name == after:
            out.update(fields)
    return out


#: "just days after Donald Trump’s inauguration": an event the text dates only against another.
ANCHORED = re.compile(
    r"\b(?P<how>(?:just |only |shortly |barely |a few |several |some |two |three )?"
    r"(?P<unit>days|weeks|months|hours)?\s*)"
    r"(?P<side>after|before|following|ahead of)\s+(?P<np>[^,;.()]{3,80})"
)
ANCHORED_TYPES = [
    (r"inauguration|sworn in|took office|appointment", "appointment"),
    (r"visit|summit|meeting", "meeting"),
    (r"talks|negotiations", "talks"),
    (r"signing|signature", "agreement_signed"),
    (r"collapse|breakdown", "agreement_collapsed"),
]


def _anchored_events(context: "Context") -> list["Proposed"]:
    """Events a sentence dates against a dated one: "On 27 January 2025, just days after X's
    inauguration" bounds the inauguration to the days before 27 January 2025."""
    from minsec.draft.proposal import Proposed

    article, text = context.article, context.article.text
    out: list[Proposed] = []
    for sentence in article.sentences:
        if sentence.header:
            continue
        anchor = next(
            (d for d in context.dates if sentence.start <= d.start < sentence.end and d.value and len(d.value) == 10),
            None,
        )
        if anchor is None:
            continue
        for match in ANCHORED.finditer(text, sentence.start, sentence.end):
            if not match.group("unit") or "Just" in match.group(0)[:1]:
                continue
            np_start, np_end = match.start("np"), match.end("np")
            etype = next((kind for words, kind in ANCHORED_TYPES if re.search(words, match.group("np"))), None)
            actors = []
            for mention in context.found.all_actors():
                actor_id = context.actor_ids.get(mention.key)
                if np_start <= mention.start < np_end and actor_id and actor_id not in [a["actor_id"] for a in actors]:
                    actors.append({"actor_id": actor_id, "role": "initiator" if not actors else "participant"})
            if etype is None or not actors:
                continue
            day = dt.date.fromisoformat(anchor.value)  # type: ignore[arg-type]
            span = {"hours": 2, "days": 14, "weeks": 56, "months": 366}[match.group("unit")]
            after = match.group("side") in ("after", "following")
            near = day - dt.timedelta(days=span) if after else day + dt.timedelta(days=span)
            first, last = (near, day) if after else (day, near)
            words = text[match.start() : match.end()].strip()
            if first.strftime("%Y-%m") == last.strftime("%Y-%m"):
                dates = {"date": first.strftime("%Y-%m")}
            elif after:
                dates = {"date_earliest": first.strftime("%Y-%m"), "date_latest": last.isoformat()}
            else:
                dates = {"date_earliest": first.isoformat(), "date_latest": last.strftime("%Y-%m")}
            if "date" not in dates:
                dates["date_basis"] = f"the text says {words!r}, on {anchor.value}"
            stem = dates.get("date") or dates.get("date_earliest")
            record: dict = {"id": context.ids.claim(f"{stem}-{actors[0]['actor_id']}-{etype.replace('_', '-')}")}
            record.update(dates)
            record["event_type"] = etype
            record["summary"] = _tidy(match.group("np"))
            record["reporting"] = "asserted"
            record["actors"] = with_states(context, actors)
            start, end = article.quote(sentence.start, sentence.end, (match.start(), match.end()))
            record["citations"] = [{"source_id": context.source_id, "quote": article.slice(start, end)}]
            guessed = {
                next(
                    iter(dates)
                ): f"{words!r} read against {anchor.value}: {match.group('unit')} {match.group('side')}",
                "event_type": "from the noun the text dates it by",
                "summary": "the words of the text; rewrite them",
            }
            checks = ["an event the text dates only against another one; check the window the drafter gave it"]
            out.append(Proposed("event", "new", record, checks, guessed))
    return out


def with_states(context: "Context", actors: list[dict]) -> list[dict]:
    """Every state a listed person or body acts for (following affiliations) is listed too, with the
    same role: a query by state must find what its officials did."""
    out = list(actors)
    listed = {a["actor_id"] for a in actors}

    def facts(actor_id: str) -> tuple[str, str | None]:
        if actor_id in context.actor_facts:
            return context.actor_facts[actor_id]
        data = context.gazetteer.existing.get(actor_id) or {}
        return str(data.get("kind", "")), data.get("affiliation_id")

    for actor in actors:
        seen: set[str] = set()
        current = facts(actor["actor_id"])[1]
        while current and current not in seen:
            seen.add(current)
            kind, parent = facts(current)
            if kind in ("state", "territory") and current not in listed:
                out.append({"actor_id": current, "role": actor["role"]})
                listed.add(current)
            current = parent
    return out
