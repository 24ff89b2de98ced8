"""Ids by the project's conventions, never taken twice: states are their lower-case iso3,
persons and bodies a kebab-case name, events ``YYYY-MM-DD-...`` (or a descriptive slug when
undated), deals ``a-b-...`` from their parties."""

import re
import unicodedata

MAX = 80


def slug(text: str, limit: int = MAX) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", folded.replace("'", "").replace("’", ""))
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "record"


class IdBook:
    """Hands out ids that are free both in ``records/`` and in this proposal."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        wanted = slug(wanted)
        candidate, number = wanted, 2
        while candidate in self.taken:
            suffix = f"-{number}"
            candidate = wanted[: MAX - len(suffix)].rstrip("-") + suffix
            number += 1
        self.taken.add(candidate)
        return candidate
