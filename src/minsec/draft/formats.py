"""Printing a proposal: ``text`` for a reviewer at a terminal, ``yaml`` (the files --write would
write) and ``json`` (the documented contract, docs/draft-format.md)."""

import json
import textwrap
from typing import TYPE_CHECKING

from minsec.draft.write import path_of, render

if TYPE_CHECKING:
    from minsec.draft.proposal import Proposal

TITLES = {"source": "Source", "actor": "Actors", "commodity": "Commodities", "deal": "Deals", "event": "Events",
          "claim": "Claims"}  # fmt: skip


def as_json(proposal: "Proposal") -> str:
    return json.dumps(proposal.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def as_yaml(proposal: "Proposal") -> str:
    parts = []
    for record in proposal.records:
        if record.status == "new":
            parts.append(f"# --- {path_of(record)}\n{render(record)}")
    existing = [r.id for r in proposal.records if r.status == "existing"]
    if existing:
        parts.append("# --- existing records reused by id (files unchanged): " + ", ".join(existing) + "\n")
    return "\n".join(parts)


def _describe(record: dict, kind: str) -> str:
    if kind == "source":
        return f"{record.get('title')} ({record.get('outlet')}, {record.get('published', 'no date')})"
    if kind == "actor":
        extra = f", {record['role']}" if record.get("role") else ""
        return f"{record.get('name')} [{record.get('kind')}{extra}]"
    if kind == "commodity":
        return f"{record.get('name')} [{record.get('kind')}]"
    if kind == "deal":
        parties = ", ".join(p["actor_id"] for p in record.get("parties", []))
        value = f", {record['value_as_reported']}" if record.get("value_as_reported") else ""
        return f"{record.get('deal_type')}: {parties}{value}"
    if kind == "event":
        when = record.get("date") or (
            f"{record.get('date_earliest')}..{record.get('date_latest')}" if record.get("date_basis") else "undated"
        )
        status = f" -> {record['deal_id']} {record['deal_status']}" if record.get("deal_status") else ""
        return f"{when} {record.get('event_type')}{status}"
    if kind == "claim":
        return f"{record.get('subject_id')}: {record.get('value'):g} {record.get('unit')} ({record.get('metric')})"
    return ""


def as_text(proposal: "Proposal") -> str:
    lines = [f"minsec draft: {proposal.article.path} (sha256 {proposal.article.sha256[:12]}...)"]
    for kind, title in TITLES.items():
        records = proposal.of(kind)
        if not records:
            continue
        new = sum(r.status == "new" for r in records)
        lines.append("")
        lines.append(f"{title}: {new} new, {len(records) - new} existing")
        for record in records:
            lines.append(f"  {record.status:<8} {record.id}  {_describe(record.record, kind)}")
            for citation in (record.record.get("citations", []) if record.status == "new" else [])[:2]:
                quote = textwrap.shorten(citation["quote"], 200, placeholder=" ...")
                lines.append(f"           “{quote}”")
            for check in record.checks:
                lines.append(f"           {'check: ' if record.status == 'new' else ''}{check}")
    new = sum(r.status == "new" for r in proposal.records)
    lines.append("")
    lines.append(
        f"{new} new records proposed, {len(proposal.records) - new} existing reused; nothing written "
        "(--write writes them under records/ for review)"
    )
    return "\n".join(lines) + "\n"
