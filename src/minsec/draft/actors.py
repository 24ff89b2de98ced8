"""Actor records: states by iso3, persons with the role and affiliation the text gives, organisations."""

import re
from typing import TYPE_CHECKING

from minsec import codes
from minsec.draft.mentions import Mention

if TYPE_CHECKING:
    from minsec.draft.proposal import Context, Proposed


def quote_for(context: "Context", mention: Mention) -> dict:
    article = context.article
    sentence = article.sentence_at(mention.start)
    focus = mention.info.get("role_span") or (mention.start, mention.end)
    start, end = article.quote(sentence.start, sentence.end, (min(focus[0], mention.start), max(focus[1], mention.end)))
    return {"source_id": context.source_id, "quote": article.slice(start, end)}


def _citations(context: "Context", group: list[Mention], limit: int = 1) -> list[dict]:
    body = [m for m in group if not context.article.sentence_at(m.start).header] or group
    quotes: list[dict] = []
    for mention in body:
        citation = quote_for(context, mention)
        if citation not in quotes:
            quotes.append(citation)
        if len(quotes) == limit:
            break
    return quotes


def propose(context: "Context") -> list["Proposed"]:
    from minsec.draft.proposal import Proposed

    gazetteer = context.gazetteer
    out: list[Proposed] = []
    by_state: dict[str, list[Mention]] = {}
    for mention in context.found.states:
        by_state.setdefault(mention.key, []).append(mention)
    for iso3, group in by_state.items():
        country = gazetteer.countries[iso3]
        existing = next((a for a in gazetteer.actors.values() if a.iso3 == iso3), None)
        if existing:
            context.actor_ids[iso3] = existing.id
            out.append(
                Proposed("actor", "existing", _existing(context, existing.id),
                         [_named_here(context, existing.id, group)])
            )  # fmt: skip
            continue
        actor_id = context.ids.claim(iso3.lower())
        context.actor_ids[iso3] = actor_id
        used = sorted(
            {context.article.slice(m.start, m.end) for m in group if m.how in ("name", "capital")} - {country.name}
        )
        record = {"id": actor_id, "name": country.name, "kind": country.kind, "iso3": iso3}
        if used:
            record["aliases"] = used
        record["citations"] = _citations(context, group)
        checks = []
        if iso3 not in codes.countries():
            checks.append(f"iso3: {iso3} is not in minsec's ISO 3166-1 list; use the project's code for it")
        if any(m.how == "context" for m in group):
            checks.append(
                "which Congo: the text says 'Congo' or 'Congolese'; the drafter chose by the names used nearby"
            )
        if any(m.how == "capital" for m in group) and not any(m.how == "name" for m in group):
            checks.append("named only by its capital or demonym; confirm the state is meant")
        out.append(Proposed("actor", "new", record, checks, {}))
    persons: dict[str, list[Mention]] = {}
    for mention in context.found.persons:
        if mention.info.get("author"):
            continue
        persons.setdefault(mention.key, []).append(mention)
    for name, group in persons.items():
        if _reuse(context, out, name, group, gazetteer.actor_names.get(name)):
            continue
        actor_id = context.ids.claim(name)
        context.actor_ids[name] = actor_id
        titled = next((m for m in group if m.info.get("role")), group[0])
        record: dict = {"id": actor_id, "name": name, "kind": "person"}
        guessed: dict[str, str] = {}
        checks = ["spelling of the name as the article gives it"]
        if any(m.info.get("surname_only") for m in group):
            checks.insert(
                0, "the text gives only the surname; write the full name only if another cited source gives it"
            )
        affiliation = titled.info.get("affiliation")
        if affiliation:
            record["affiliation_id"] = affiliation  # replaced by the state's actor id below
            guessed["affiliation_id"] = (
                "the state the person speaks for in the quote ('X said that Zambia ...')"
                if titled.info.get("affiliation_from_speech")
                else "the state the role names; check it is the one the person acts for"
            )
        if titled.info.get("role"):
            record["role"] = titled.info["role"]
            guessed["role"] = "as the text words it; drop words that are not the role"
        else:
            checks.append("role: the text gives none the drafter could see; add it if it does")
        record["citations"] = [quote_for(context, titled)]
        out.append(Proposed("actor", "new", record, checks, guessed))
    organisations: dict[str, list[Mention]] = {}
    for mention in context.found.organisations:
        organisations.setdefault(mention.key, []).append(mention)
    for name, group in organisations.items():
        if _reuse(context, out, name, group):
            continue
        actor_id = context.ids.claim(name)
        context.actor_ids[name] = actor_id
        kind = group[0].info.get("org_kind") or "organization"
        record = {"id": actor_id, "name": name, "kind": kind}
        guessed = {"kind": "from a word in the name or next to it; check what kind of body it is"}
        country = group[0].info.get("country") or next(
            (gazetteer.state_phrases[w][0] for w in name.split() if w in gazetteer.state_phrases), None
        )
        if country and country in codes.countries():
            record["country"] = country
            guessed["country"] = "a state named in the organisation's name"
        aliases = sorted({a for m in group for a in m.info.get("aliases", [])})
        if aliases:
            record["aliases"] = aliases
        record["citations"] = _citations(context, group)
        checks = ["is this an organisation the dataset needs (a party, signatory or claimant)?"]
        if name.split()[0] in ("Ministry", "Foreign", "Defence", "Defense"):
            checks.append("which state's body: give the full name (e.g. Niger's Ministry of Mines)")
        out.append(Proposed("actor", "new", record, checks, guessed))
    # Affiliations point at the state's actor id; add the state if only the role named it.
    out = _with_affiliations(context, out)
    _spokespersons(context, out)
    return out


def _spokespersons(context: "Context", out: list["Proposed"]) -> None:
    """ "Tina Salama, spokesperson for President Félix Tshisekedi": a person whose role names another
    person acts for that person (and, through them, for their state)."""
    names = {p.key: context.actor_ids[p.key] for p in context.found.persons if p.key in context.actor_ids}
    for proposed in out:
        record = proposed.record
        role = record.get("role") or ""
        if proposed.status != "new" or record.get("kind") != "person" or record.get("affiliation_id") or not role:
            continue
        for name, actor_id in names.items():
            if actor_id != record["id"] and re.search(rf"\b(?:for|of|to)\b.*\b{re.escape(name)}$", role):
                proposed.record = {
                    k: v for k, v in [*record.items(), ("affiliation_id", actor_id)] if k != "citations"
                } | {"citations": record["citations"]}
                proposed.record = {
                    k: proposed.record[k]
                    for k in ("id", "name", "kind", "affiliation_id", "role", "citations")
                    if k in proposed.record
                }
                proposed.guessed["affiliation_id"] = "the person the role says this one speaks or works for"
                context.actor_facts[record["id"]] = ("person", actor_id)
                break


def _with_affiliations(context: "Context", out: list["Proposed"]) -> list["Proposed"]:
    """Affiliations as actor ids (dropped when the state is not in the proposal), and every actor's
    kind and affiliation noted for the events that list them."""
    for proposed in out:
        affiliation = proposed.record.get("affiliation_id")
        if affiliation and affiliation.isupper():
            if affiliation not in context.actor_ids:
                proposed.record.pop("affiliation_id")
                proposed.guessed.pop("affiliation_id", None)
            else:
                proposed.record["affiliation_id"] = context.actor_ids[affiliation]
        if proposed.status == "new" and proposed.record.get("kind") == "person" and "affiliation_id" in proposed.record:
            # keep field order: affiliation before role
            record = proposed.record
            ordered = {
                k: record[k] for k in ("id", "name", "kind", "affiliation_id", "role", "citations") if k in record
            }
            proposed.record = ordered
    for proposed in out:
        context.actor_facts[proposed.id] = (str(proposed.record.get("kind")), proposed.record.get("affiliation_id"))
    return out


def _reuse(
    context: "Context", out: "list[Proposed]", name: str, group: list[Mention], fallback: str | None = None
) -> bool:
    """Propose the recorded actor a group of mentions names (its mentions' match, else ``fallback``), if any."""
    from minsec.draft.proposal import Proposed

    existing_id = next((m.info["existing_id"] for m in group if m.info.get("existing_id")), None) or fallback
    if not existing_id:
        return False
    context.actor_ids[name] = existing_id
    out.append(
        Proposed("actor", "existing", _existing(context, existing_id), [_named_here(context, existing_id, group)])
    )
    return True


def _existing(context: "Context", record_id: str) -> dict:
    """An existing record's fields as in its file."""
    return dict(context.gazetteer.existing.get(record_id) or {"id": record_id})


def _named_here(context: "Context", record_id: str, group: list[Mention], folder: str = "actors") -> str:
    """The check of an existing record: where it is, and the quote of this article that names it."""
    quote = quote_for(context, group[0])["quote"] if group else ""
    short = quote if len(quote) <= 160 else quote[:157].rsplit(" ", 1)[0] + " ..."
    where = f"already in records/{folder}/{record_id}.yaml"
    return f"{where}; this article names it: “{short}” (cite it there if it adds evidence)"
