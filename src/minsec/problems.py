"""A problem found in the data, worded for the contributor who has to fix it."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, at ``path:line``, in ``field`` (empty for the whole record or file)."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:"
        return f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def with_article(noun: str) -> str:
    """``an event``, ``a deal``: for messages that name a record kind."""
    return f"an {noun}" if noun[:1] in ("a", "e", "i", "o", "u") else f"a {noun}"
