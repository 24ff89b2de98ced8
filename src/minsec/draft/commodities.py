"""Commodity records: names matched to the project's rows and the critical-minerals reference lists;
generic terms ("rare earths", "critical minerals") kept as the text says them."""

from typing import TYPE_CHECKING

from minsec.draft.actors import _named_here, quote_for

if TYPE_CHECKING:
    from minsec.draft.proposal import Context, Proposed


def propose(context: "Context") -> list["Proposed"]:
    from minsec.draft.proposal import Proposed

    out: list[Proposed] = []
    groups: dict[str, list] = {}
    for mention in context.found.commodities:
        groups.setdefault(mention.key, []).append(mention)
    for cid, group in groups.items():
        entry = context.gazetteer.commodities[cid]
        if entry.existing:
            context.commodity_ids[cid] = cid
            out.append(Proposed("commodity", "existing", dict(context.gazetteer.existing.get(cid) or {"id": cid}),
                                [_named_here(context, cid, group, "commodities")]))  # fmt: skip
            continue
        new_id = context.ids.claim(cid)
        context.commodity_ids[cid] = new_id
        body = [m for m in group if not context.article.sentence_at(m.start).header] or group
        record = {"id": new_id, "name": entry.name, "kind": entry.kind, "citations": [quote_for(context, body[0])]}
        checks = [
            "set usgs_critical_2022, eu_critical_2024 and eu_strategic_2024 from the reference lists "
            "(../shared/reference/critical-minerals.md) and cite them; leave them empty for a vague term"
        ]
        guessed = {"kind": "from the drafter's commodity list"}
        out.append(Proposed("commodity", "new", record, checks, guessed))
    return out
