"""Regenerate the ISO code lists bundled in src/minsec/codes/ from pycountry.

Run by a maintainer when ISO publishes changes (``pip install pycountry`` first);
minsec itself never imports pycountry, it reads the committed lists.
"""

from importlib.metadata import version
from pathlib import Path

import pycountry

CODES = Path(__file__).resolve().parent.parent / "src" / "minsec" / "codes"


def write(name: str, rows: list[tuple[str, str]]) -> None:
    lines = ["code\tname"] + [f"{code}\t{label}" for code, label in sorted(set(rows))]
    (CODES / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    write("iso3166-1-alpha3.tsv", [(c.alpha_3, c.name) for c in pycountry.countries])
    write("iso4217.tsv", [(c.alpha_3, c.name) for c in pycountry.currencies])
    write(
        "iso639-1.tsv",
        [(lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")],
    )
    print(f"wrote code lists to {CODES} (pycountry {version('pycountry')})")


if __name__ == "__main__":
    main()
