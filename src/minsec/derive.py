"""Values computed from records at build time rather than written by contributors."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from minsec.dates import parse_partial_date
from minsec.models import Event
from minsec.vocabularies import DatePrecision, DealStatus

#: Ties between status events on the same date go to the later stage in this order.
STATUS_ORDER = list(DealStatus)


@dataclass(frozen=True)
class DerivedStatus:
    status: DealStatus
    date: str | None
    date_precision: DatePrecision


def status_sort_key(event: Event) -> tuple[bool, dt.date, int, str]:
    """Chronological order of a deal's status events.

    Undated events sort after dated ones: a curator records an undated status change
    only when the sources report it as the deal's latest state.
    """
    assert event.deal_status is not None
    day = parse_partial_date(event.date)[0] if event.date else dt.date.max
    return event.date is None, day, STATUS_ORDER.index(event.deal_status), event.id


def status_events(events: Iterable[Event], deal_id: str) -> list[Event]:
    """The deal's status history: its events that set a deal_status, oldest first."""
    history = [e for e in events if e.deal_id == deal_id and e.deal_status is not None and not e.withdrawn]
    return sorted(history, key=status_sort_key)


def deal_status(events: Iterable[Event], deal_id: str) -> DerivedStatus | None:
    """The deal's latest status with its date, or None when no event sets one."""
    history = status_events(events, deal_id)
    if not history:
        return None
    latest = history[-1]
    assert latest.deal_status is not None and latest.date_precision is not None
    return DerivedStatus(latest.deal_status, latest.date, latest.date_precision)
