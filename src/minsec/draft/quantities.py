"""Quantities in the text: amounts with their currency ("$500 billion", "EUR 2bn", "half a trillion
dollars", "three hundred million Australian dollars"), percentages ("20%", "30 percent") and
tonnages. Bare numbers (the 30 of "April 30", a year, a count of drones) are not quantities here.
"""

import re
from dataclasses import dataclass
from functools import cache

from minsec.draft.gazetteer import Gazetteer

SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "bln": 1e9, "trillion": 1e12, "tn": 1e12, "tr": 1e12, "trn": 1e12, "crore": 1e7,
          "lakh": 1e5}  # fmt: skip
WORD_NUMBERS = {
    "half a": 0.5, "half": 0.5, "a quarter of a": 0.25, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "a hundred": 100, "one hundred": 100, "two hundred": 200, "three hundred": 300, "four hundred": 400,
    "five hundred": 500, "six hundred": 600, "seven hundred": 700, "eight hundred": 800, "nine hundred": 900,
    "a few": None, "several": None, "hundreds of": None, "tens of": None,
}  # fmt: skip
_NUMBER = r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_WORDS = r"(?P<words>" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + r")"
_SCALE = r"(?P<scale>thousand|million|billion|trillion|crore|lakh|mln|bln|trn|mn|bn|tn|m|b|k)\b"
PERCENT = re.compile(rf"(?<![\w.]){_NUMBER}\s?(?:%|per ?cent\b|percent\b|pc\b)")
TONNES = re.compile(
    rf"(?<![\w.]){_NUMBER}(?:\s+{_SCALE})?\s+(?:metric\s+)?(?P<unit>tonnes|tons|tonne|ton|t)\b(?!-)"
    r"(?P<per>\s+(?:a|per|each)\s+year|\s+annually|\s+per\s+annum|/year)?",
    re.I,
)


#: Counts of things a claim is about ("31 mineral resources", "12 deposits"); not arms or people.
COUNT = re.compile(
    rf"(?<![\w.$€£,]){_NUMBER}\s+(?:(?:known|active|new|untapped|identified|major)\s+)?"
    r"(?:mineral resources|minerals|mines|deposits|sites|projects|licen[cs]es|permits|concessions|oilfields|fields)\b"
)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    value: float
    unit: str  # ISO 4217 code, "percent" or "tonne"
    as_written: str

    @property
    def is_money(self) -> bool:
        return self.unit not in ("percent", "tonne", "tonne_per_year", "count")


def _number(match: re.Match[str]) -> float | None:
    groups = match.groupdict()
    if groups.get("number"):
        value = float(groups["number"].replace(",", ""))
    elif groups.get("words"):
        value = WORD_NUMBERS.get(groups["words"].lower())  # type: ignore[assignment]
        if value is None:
            return None
    else:
        return None
    scale = (groups.get("scale") or "").lower()
    return value * SCALES.get(scale, 1)


@cache
def _currency_patterns(currencies: tuple[tuple[str, str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    """Amount patterns, words after the number first ("two billion dollars"), then symbols and codes before it."""
    patterns = []
    for written, position, code in currencies:
        if position == "after":
            patterns.append((re.compile(
                rf"(?<![\w.])(?:{_NUMBER}|{_WORDS})(?:\s+{_SCALE})?\s+(?:of\s+)?{re.escape(written)}(?!\w)", re.I
            ), code))  # fmt: skip
    for written, position, code in currencies:
        if position == "before" and written != "R":  # a bare "R" is too ambiguous
            flags = re.I if written.isalpha() and len(written) > 2 else 0
            patterns.append((re.compile(
                rf"(?<![\w$€£¥]){re.escape(written)}\s?{_NUMBER}(?:\s?{_SCALE})?(?!\s?%)(?![\w.]\d)", flags
            ), code))  # fmt: skip
    return patterns


def find(text: str, gazetteer: Gazetteer) -> list[Quantity]:
    found: list[Quantity] = []
    taken = bytearray(len(text))

    def add(match: re.Match[str], unit: str) -> None:
        if any(taken[match.start() : match.end()]):
            return
        value = _number(match)
        if value is None or value <= 0:
            return
        start, end = match.start(), match.end()
        found.append(Quantity(start, end, value, unit, text[start:end].strip()))
        taken[start:end] = b"\x01" * (end - start)

    before = [(w, c) for w, position, c in gazetteer.currencies if position == "before"]
    after = [(w, c) for w, position, c in gazetteer.currencies if position == "after"]
    for written, code in after:
        pattern = re.compile(
            rf"(?<![\w.])(?:{_NUMBER}|{_WORDS})(?:\s+{_SCALE})?\s+(?:of\s+)?{re.escape(written)}(?!\w)", re.I
        )
        for match in pattern.finditer(text):
            if match.group("words") and not match.group("scale"):
                continue  # "a dollar", "two euros": no amount worth recording
            add(match, code)
    for written, code in before:
        space = r"\s?" if not written[-1].isalpha() else r"\s?" if len(written) > 1 else ""
        if written == "R":
            continue  # too ambiguous without a digit right after: handled as "R" + digits below
        pattern = re.compile(
            rf"(?<![\w$€£¥]){re.escape(written)}{space}{_NUMBER}(?:\s?{_SCALE})?(?!\s?%)(?![\w.]\d)",
            re.I if written.isalpha() and len(written) > 2 else 0,
        )
        for match in pattern.finditer(text):
            add(match, code)
    for match in PERCENT.finditer(text):
        add(match, "percent")
    for match in TONNES.finditer(text):
        add(match, "tonne_per_year" if match.group("per") else "tonne")
    for match in COUNT.finditer(text):
        add(match, "count")
    return sorted(found, key=lambda q: q.start)
