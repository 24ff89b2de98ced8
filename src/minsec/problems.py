"""A problem found in the data, worded for the contributor who has to fix it."""

import unicodedata
from dataclasses import asdict, dataclass


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, so that a file name,
    field name or value quoted from a hostile file cannot start a line of the report."""
    return "".join(
        (repr(c)[1:-1] if c.isascii() else f"\\u{ord(c):04x}") if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
    )


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, at ``path:line``, in ``field`` (empty for the whole record or file)."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{one_line(self.path)}:{self.line}:"
        message = one_line(self.message)
        return f"{where} {one_line(self.field)}: {message}" if self.field else f"{where} {message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def with_article(noun: str) -> str:
    """``an event``, ``a deal``: for messages that name a record kind."""
    return f"an {noun}" if noun[:1] in ("a", "e", "i", "o", "u") else f"a {noun}"
