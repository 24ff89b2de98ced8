"""Dates that carry their precision: ``2025``, ``2025-03`` or ``2025-03-09``."""

import datetime as dt
import re
from dataclasses import dataclass

from minsec.vocabularies import DatePrecision

PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_PARTIAL_DATE = re.compile(PARTIAL_DATE_PATTERN)
#: The days pandas' datetime64[ns] can hold, in which ``load_table`` gives dates: a date
#: outside them would load as an error, so the records refuse it (a test checks the bounds).
FIRST_DAY = dt.date(1677, 9, 22)
LAST_DAY = dt.date(2262, 4, 11)


def parse_partial_date(text: str) -> tuple[dt.date, DatePrecision]:
    """The first day of the period ``text`` names, and the precision it was written with.

    Raises ValueError with a message for contributors on a malformed or impossible date.
    """
    if not _PARTIAL_DATE.fullmatch(text):
        raise ValueError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD; write e.g. 2025, 2025-03 or 2025-03-09")
    parts = [int(p) for p in text.split("-")]
    precision = [DatePrecision.year, DatePrecision.month, DatePrecision.day][len(parts) - 1]
    year, month, day = (parts + [1, 1])[:3]
    try:
        first = dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"date {text!r} does not exist ({error})") from None
    if not FIRST_DAY <= first <= LAST_DAY:
        raise ValueError(
            f"date {text!r} is outside {FIRST_DAY} to {LAST_DAY}, the dates the published tables can hold; "
            "check the year"
        )
    return first, precision


def normalise_partial_date(value: object) -> object:
    """Accept what YAML gives for a partial date (``2025`` is an int) as its text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str):
        parse_partial_date(value)
    return value


def period_end(text: str) -> dt.date:
    """The last day of the period ``text`` names (``2025-03`` ends on 2025-03-31)."""
    start, precision = parse_partial_date(text)
    if precision is DatePrecision.day:
        return start
    if precision is DatePrecision.year:
        return dt.date(start.year, 12, 31)
    following = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """The days on which something may have happened: ``start`` to ``end`` inclusive, None when open.

    A day-precision date is a one-day window; ``2025-03`` is the whole of March; bounds
    (``date_earliest``, ``date_latest``) give a window with one or both ends; no date at
    all is a window open at both ends. Windows, not first days, order events.
    """

    start: dt.date | None
    end: dt.date | None

    @classmethod
    def of(cls, date: str | None, earliest: str | None = None, latest: str | None = None) -> "Window":
        if date is not None:
            return cls(parse_partial_date(date)[0], period_end(date))
        return cls(
            parse_partial_date(earliest)[0] if earliest else None,
            period_end(latest) if latest else None,
        )

    @property
    def dated(self) -> bool:
        """Whether the sources bound it at all (at least one end)."""
        return self.start is not None or self.end is not None

    def before(self, other: "Window") -> bool:
        """Certainly earlier than ``other``: this window ends before the other begins."""
        return self.end is not None and other.start is not None and self.end < other.start

    def overlaps(self, other: "Window") -> bool:
        return not self.before(other) and not other.before(self)
