"""ISO code lists bundled with minsec (regenerate with ``scripts/update_codes.py``)."""

from functools import cache
from pathlib import Path

_CODES = Path(__file__).parent / "codes"


@cache
def _read(name: str) -> dict[str, str]:
    lines = (_CODES / name).read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t", 1) for line in lines if line)


def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code (upper case) to English short name."""
    return _read("iso3166-1-alpha3.tsv")


def currencies() -> dict[str, str]:
    """ISO 4217 alphabetic code to currency name."""
    return _read("iso4217.tsv")


def languages() -> dict[str, str]:
    """ISO 639-1 two-letter code to language name."""
    return _read("iso639-1.tsv")
