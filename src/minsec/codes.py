"""ISO code lists bundled with minsec (regenerate with ``scripts/update_codes.py``)."""

from functools import cache
from pathlib import Path

_CODES = Path(__file__).parent / "codes"


@cache
def _read(name: str) -> dict[str, str]:
    """The first two columns of a tab-separated code list (its header line skipped)."""
    lines = (_CODES / name).read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t")[:2] for line in lines if line)  # type: ignore[misc]


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code (upper case) to English short name, plus the user-assigned codes
    of ``iso3166-1-user-assigned.tsv`` for states ISO does not list (Kosovo, ``XKX``)."""
    return {**_read("iso3166-1-alpha3.tsv"), **user_assigned_countries()}


def user_assigned_countries() -> dict[str, str]:
    """Codes from ISO's user-assigned range (X..) that minsec accepts, each with its basis in the file."""
    return _read("iso3166-1-user-assigned.tsv")


def units() -> dict[str, str]:
    """Units of quantities other than currencies (tonne, barrel, percent...) to their definition."""
    return _read("units.tsv")


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
