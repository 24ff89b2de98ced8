"""Dates in the text: absolute ("12 May 2026", "March 9, 2025", "October 2025", "in 2024") and
relative ("last month", "two weeks ago", "earlier this year", "on Tuesday"), resolved against
the article's date when it is known.

Precision is taken from how the text words the date, never from a filled-in day: "February
2025" is a month. Relative periods that do not name one day or month become bounds
(earliest, latest) with the words that bound them as ``basis``.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["Sept"] = 9
WEEKDAYS = {name: number for number, name in enumerate(calendar.day_name)}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "several": None, "few": None, "a few": None}  # fmt: skip

_M = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_Y = r"(?P<year>(?:19|20)\d\d)"
ABSOLUTE = [
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>[0-3]\d)\b")),
    ("day", re.compile(rf"\b{_D}\s+{_M},?\s+{_Y}\b")),
    ("day", re.compile(rf"\b{_M}\s+{_D},?\s+{_Y}\b")),
    ("month", re.compile(rf"\b{_M},?\s+{_Y}\b")),
    ("day?", re.compile(rf"\b{_D}\s+{_M}\b(?!,?\s+(?:19|20)\d\d)")),
    ("day?", re.compile(rf"\b{_M}\s+{_D}\b(?!,?\s+(?:19|20)\d\d)(?!\d)")),
    ("month?", re.compile(rf"\b(?i:in|since|until|by|from|of|for|early|late|mid-?|end of|during|last|this|next)"
                          rf"\s+{_M}\b"
                          r"(?!\s+[0-3]?\d\b)(?!,?\s+(?:19|20)\d\d)")),
    ("year", re.compile(rf"(?<![\d$€£.,/-]){_Y}"
                        r"(?![\d%]|,\d|\.\d|\s*(?:tonnes|tons|km|MW|barrels|troops|people|percent))")),
]  # fmt: skip
_N = r"(?P<n>\d+|a few|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few)"
RELATIVE = [
    ("ago", re.compile(rf"\b{_N}\s+(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
    (
        "last",
        re.compile(r"\b(?P<which>last|next|this|earlier this|later this|past)\s+(?P<unit>week|month|year)\b", re.I),
    ),
    ("day", re.compile(r"\b(?P<word>yesterday|today)\b", re.I)),
    (
        "weekday",
        re.compile(
            r"(?:\b(?:on|last)\s+|(?<=said )|(?<=told reporters )|(?<=announced ))(?P<weekday>"
            + "|".join(WEEKDAYS)
            + r")\b(?!’s|'s)"
        ),
    ),
]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    #: partial ISO date ("2026", "2026-05", "2026-05-12") when the text gives one period
    value: str | None
    #: bounds when it gives a range: (earliest, latest) partial dates
    bounds: tuple[str, str] | None = None
    relative: bool = False
    guessed_year: bool = False

    @property
    def label(self) -> str:
        return self.value if self.value else f"{self.bounds[0]}/{self.bounds[1]}"  # type: ignore[index]


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if day is not None and month is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month is not None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def absolute(text: str) -> list[DateMention]:
    """Dates written with their year, month and/or day, in text order (yearless ones without a year yet)."""
    found: list[DateMention] = []
    taken = bytearray(len(text))
    for kind, pattern in ABSOLUTE:
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            groups = match.groupdict()
            if kind == "iso":
                year, month, day = int(groups["year"]), int(groups["month"]), int(groups["day"])
                if _valid(year, month, day):
                    found.append(DateMention(match.start(), match.end(), _iso(year, month, day)))
                    taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
                continue
            month = MONTHS.get((groups.get("month") or "").rstrip(".")) if groups.get("month") else None
            day = int(groups["day"]) if groups.get("day") else None
            year = int(groups["year"]) if groups.get("year") else None
            if day is not None and not 1 <= day <= 31:
                continue
            if kind == "day" and not _valid(year, month, day):  # type: ignore[arg-type]
                continue
            start = match.start("month") if kind == "month?" else match.start()
            if kind in ("day?", "month?"):
                value = f"?-{month:02d}" + (f"-{day:02d}" if day else "")  # year filled in later
            else:
                value = _iso(year, month, day)  # type: ignore[arg-type]
            found.append(DateMention(start, match.end(), value))
            taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return sorted(found, key=lambda d: d.start)


def resolve(text: str, mentions: list[DateMention], published: str | None) -> list[DateMention]:
    """Fill in yearless dates from the nearest earlier year the text gives (else the article's year),
    and add relative dates resolved against ``published`` (a day) when known."""
    resolved: list[DateMention] = []
    anchor_year = int(published[:4]) if published else None
    last_year: int | None = None
    for mention in mentions:
        value = mention.value or ""
        if value.startswith("?"):
            year = last_year or anchor_year
            if year is None:
                continue
            parts = value.split("-")[1:]
            month, day = int(parts[0]), int(parts[1]) if len(parts) > 1 else None
            if published and _future(text, mention.start):
                # "talks are scheduled for March": the next March on or after the article's date
                year = anchor_year + (f"{anchor_year:04d}-{month:02d}" < published[:7])  # type: ignore[operator]
            elif published and f"{year:04d}-{month:02d}" > published[:7]:
                year -= 1  # "in December", told in January in the past tense: last December
            if day is not None and not _valid(year, month, day):
                continue
            resolved.append(DateMention(mention.start, mention.end, _iso(year, month, day), guessed_year=True))
            continue
        if len(value) >= 4 and value[:4].isdigit() and (len(value) > 4):
            last_year = int(value[:4])
        resolved.append(mention)
    if published and len(published) == 10:
        taken = bytearray(len(text))
        for mention in resolved:
            taken[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
        resolved.extend(_relative(text, dt.date.fromisoformat(published), taken))
    return sorted(resolved, key=lambda d: d.start)


FUTURE = re.compile(r"\b(?:will|shall|scheduled|due|expected|plans?|planned|next|to be held|set to|upcoming)\b", re.I)


def _future(text: str, at: int) -> bool:
    """Does the sentence around ``at`` speak of the future?"""
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    end = min((i for i in (text.find(". ", at), text.find("\n", at)) if i != -1), default=len(text))
    return bool(FUTURE.search(text, start, end))


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def _relative(text: str, today: dt.date, taken: bytearray) -> list[DateMention]:
    found = []
    for kind, pattern in RELATIVE:
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            mention = _one_relative(kind, match, today)
            if mention is not None:
                found.append(mention)
                taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return found


def _one_relative(kind: str, match: re.Match[str], today: dt.date) -> DateMention | None:
    start, end = match.start(), match.end()
    if kind == "weekday":
        back = (today.weekday() - WEEKDAYS[match.group("weekday")]) % 7
        if back == 0 and match.group().lower().startswith("last"):
            back = 7
        return DateMention(start, end, (today - dt.timedelta(days=back)).isoformat(), relative=True)
    if kind == "day":
        shift = {"yesterday": -1, "today": 0}[match.group("word").lower()]
        return DateMention(start, end, (today + dt.timedelta(days=shift)).isoformat(), relative=True)
    unit = match.group("unit").lower()
    if kind == "ago":
        n = NUMBER_WORDS.get(match.group("n").lower()) if not match.group("n").isdigit() else int(match.group("n"))
        if n is None:
            return None
        if unit == "day":
            return DateMention(start, end, (today - dt.timedelta(days=n)).isoformat(), relative=True)
        if unit == "week":
            return DateMention(start, end, (today - dt.timedelta(weeks=n)).isoformat(), relative=True)
        if unit == "month":
            return DateMention(start, end, _iso(*_shift_month(today.year, today.month, -n)), relative=True)
        return DateMention(start, end, _iso(today.year - n), relative=True)
    which = match.group("which").lower()
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday())
        if which in ("last", "past"):
            first = monday - dt.timedelta(weeks=1)
            return DateMention(start, end, None, (first.isoformat(), (first + dt.timedelta(days=6)).isoformat()), True)
        if which == "next":
            first = monday + dt.timedelta(weeks=1)
            return DateMention(start, end, None, (first.isoformat(), (first + dt.timedelta(days=6)).isoformat()), True)
        if which == "earlier this":
            return DateMention(start, end, None, (monday.isoformat(), today.isoformat()), True)
        return None
    if unit == "month":
        if which in ("last", "past"):
            return DateMention(start, end, _iso(*_shift_month(today.year, today.month, -1)), relative=True)
        if which == "next":
            return DateMention(start, end, _iso(*_shift_month(today.year, today.month, 1)), relative=True)
        if which == "earlier this":
            return DateMention(start, end, None, (_iso(today.year, today.month, 1), today.isoformat()), True)
        return DateMention(start, end, _iso(today.year, today.month), relative=True)
    if which in ("last", "past"):
        return DateMention(start, end, _iso(today.year - 1), relative=True)
    if which == "next":
        return DateMention(start, end, _iso(today.year + 1), relative=True)
    if which == "earlier this":
        return DateMention(start, end, None, (_iso(today.year, 1), _iso(today.year, today.month)), True)
    return DateMention(start, end, _iso(today.year), relative=True)
