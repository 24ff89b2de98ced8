"""Dates that carry their precision: ``2025``, ``2025-03`` or ``2025-03-09``."""

import datetime as dt
import re

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
    if not _PARTIAL_DATE.match(text):
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
