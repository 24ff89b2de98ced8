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


def not_currencies() -> dict[str, str]:
    """ISO 4217 codes that name no money a deal is valued in (no currency, testing, fund
    codes, precious metals, bond-market units), each with the reason it is refused. Curated:
    ``codes/iso4217-not-currencies.tsv``. XDR (the IMF's SDR) and XUA (the African
    Development Bank's unit of account) stay allowed: loans are valued in them."""
    return _read("iso4217-not-currencies.tsv")


def languages() -> dict[str, str]:
    """ISO 639-1 two-letter code to language name."""
    return _read("iso639-1.tsv")
