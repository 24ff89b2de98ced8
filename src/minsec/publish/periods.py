"""When an event happened, as a period of days: from its date and precision, or its window.

An event dated ``2025-03`` (precision month) happened some day in March 2025: the period
is 1 to 31 March. Where the events table has a window (``date_start``, ``date_end``), the
window is the period. The timeline and the temporal coverage both read periods from here.
"""

import calendar
import datetime as dt
from collections.abc import Iterable

from minsec.tables import Row


def period_end(start: dt.date, precision: str | None) -> dt.date:
    """The last day of the period that starts at ``start`` with ``precision``."""
    if precision == "year":
        return dt.date(start.year, 12, 31)
    if precision == "month":
        return dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value not in (None, "") else None


def period(row: Row, column: str = "date") -> tuple[dt.date, dt.date] | None:
    """(first, last) day the row's ``column`` allows, or None when it is undated or open."""
    start, end = _date(row.get(f"{column}_start")), _date(row.get(f"{column}_end"))
    if start is not None and end is not None:
        return start, end
    date = _date(row.get(column))
    if date is None:
        return None
    return date, period_end(date, str(row.get(f"{column}_precision") or "day"))


def coverage(rows: Iterable[Row], column: str = "date") -> tuple[dt.date, dt.date] | None:
    """The first and last day any of ``rows`` covers, or None when none is dated."""
    periods = [p for p in (period(r, column) for r in rows) if p is not None]
    if not periods:
        return None
    return min(p[0] for p in periods), max(p[1] for p in periods)
