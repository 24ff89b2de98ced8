"""Matching proposed deals and events to the records that already hold them, so that drafting an
article about a known deal reuses its id instead of proposing it twice.

A deal matches an existing one with the same parties whose commodities overlap (or either has
none); an event matches one of the same type and actors whose dates may coincide. Matched
records become ``existing`` and every reference to their draft id is rewritten.
"""

from typing import TYPE_CHECKING

from minsec.dates import Window

if TYPE_CHECKING:
    from minsec.draft.gazetteer import Gazetteer
    from minsec.draft.proposal import Proposed


def _window(record: dict) -> Window:
    def text(name: str) -> str | None:
        value = record.get(name)
        return None if value is None else str(value)

    try:
        return Window.of(text("date"), text("date_earliest"), text("date_latest"))
    except (ValueError, TypeError):
        return Window.of(None)


def _commodities(record: dict) -> set[str]:
    out = set()
    for item in record.get("commodities") or []:
        out.add(item["commodity_id"] if isinstance(item, dict) else str(item))
    return out


def _parties(record: dict) -> frozenset[str]:
    return frozenset(p.get("actor_id") for p in record.get("parties") or [] if isinstance(p, dict))


def _actors(record: dict) -> frozenset[str]:
    return frozenset(a.get("actor_id") for a in record.get("actors") or [] if isinstance(a, dict))


def existing(records: list["Proposed"], gazetteer: "Gazetteer") -> list["Proposed"]:
    renamed: dict[str, str] = {}
    for proposed in records:
        if proposed.kind != "deal" or proposed.status != "new":
            continue
        mine = _commodities(proposed.record)
        candidates = []
        for deal in gazetteer.deals:
            theirs = _commodities(deal)
            if _parties(deal) != _parties(proposed.record) or deal["id"] in renamed.values():
                continue
            fit = 3 if mine == theirs else 2 if mine & theirs else 1 if not mine or not theirs else 0
            if fit:
                candidates.append((fit + (deal.get("deal_type") == proposed.record.get("deal_type")), deal["id"], deal))
        if candidates:
            deal = max(candidates, key=lambda c: (c[0], c[1]))[2]
            renamed[proposed.id] = deal["id"]
            proposed.status = "existing"
            proposed.record = dict(deal)
            proposed.checks = [f"already in records/deals/{deal['id']}.yaml; add this article's quotes there if new"]
            proposed.guessed = {}
    for proposed in records:
        record = proposed.record
        if proposed.status == "new" and record.get("deal_id") in renamed:
            record["deal_id"] = renamed[record["deal_id"]]
            _keep_history_orderable(proposed, gazetteer)
    for proposed in records:
        if proposed.kind != "claim" or proposed.status != "new":
            continue
        record = proposed.record
        for claim in gazetteer.claims:
            same = all(claim.get(k) == record.get(k) for k in ("subject_id", "metric", "unit"))
            if same and claim.get("value") is not None and float(claim["value"]) == float(record["value"]):
                proposed.status = "existing"
                proposed.record = dict(claim)
                proposed.checks = [f"already in records/claims/{claim['id']}.yaml"]
                proposed.guessed = {}
                break
    for proposed in records:
        if proposed.kind != "event" or proposed.status != "new":
            continue
        window = _window(proposed.record)
        for event in gazetteer.events:
            if (
                event.get("event_type") == proposed.record.get("event_type")
                and _actors(event) == _actors(proposed.record)
                and _window(event).overlaps(window)
            ):
                proposed.status = "existing"
                proposed.record = dict(event)
                proposed.checks = [
                    f"already in records/events/{event['id']}.yaml; add this article's quote there if new"
                ]
                proposed.guessed = {}
                break
    return records


def _keep_history_orderable(proposed: "Proposed", gazetteer: "Gazetteer") -> None:
    """A new status event of an existing deal must not sit, unordered, beside a recorded one with another status."""
    record = proposed.record
    status = record.get("deal_status")
    if proposed.kind != "event" or not status:
        return
    window = _window(record)
    for event in gazetteer.events:
        if event.get("deal_id") != record["deal_id"] or not event.get("deal_status") or event["deal_status"] == status:
            continue
        other = _window(event)
        if other.overlaps(window) or goes_back(event["deal_status"], other, status, window):
            record.pop("deal_status")
            proposed.guessed.pop("deal_status", None)
            proposed.checks.append(
                f"deal_status: the sentence reads as '{status}', but the deal's recorded event {event['id']} "
                f"({event['deal_status']}) cannot be ordered against it; add it back with a date or bounds if the text "
                "orders them"
            )
            return


def goes_back(recorded: str, recorded_window: Window, status: str, window: Window) -> bool:
    """Would the new status make the deal's dated history go backwards (signed, then proposed)?"""
    from minsec.derive import PROGRESSION

    stages = [s.value for s in PROGRESSION]
    if recorded not in stages or status not in stages:
        return False
    if recorded_window.before(window):
        return stages.index(recorded) > stages.index(status)
    if window.before(recorded_window):
        return stages.index(status) > stages.index(recorded)
    return False
