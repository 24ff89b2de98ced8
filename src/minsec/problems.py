"""A problem found in the data, worded for the contributor who has to fix it."""

import json
import re
import unicodedata
from dataclasses import asdict, dataclass

#: Character categories never shown raw: controls, invisible format characters (bidi
#: overrides and isolates, zero-width ones), surrogates (a file name's undecodable bytes),
#: private-use characters, line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def is_unsafe(char: str) -> bool:
    """A character that could hide or reorder text on a terminal, or is not text at all."""
    point = ord(char)
    noncharacter = 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE
    return noncharacter or unicodedata.category(char) in UNSAFE_CATEGORIES


def _escape(char: str) -> str:
    point = ord(char)
    if char.isascii():
        return repr(char)[1:-1]
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def one_line(text: str) -> str:
    """``text`` with line breaks, control and invisible characters escaped, so that a file
    name, field name or value quoted from a hostile file cannot start a line of the report,
    reorder it (Trojan Source) or hold bytes that are not UTF-8."""
    if text.isprintable():  # no control, format, surrogate, private-use or unassigned character
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)


def safe_json(data: object, **options: object) -> str:
    """``json.dumps`` with every unsafe character written as a JSON escape: the same value for
    a JSON reader, and plain text for a terminal."""

    def escape(char: str) -> str:
        encoded = char.encode("utf-16-be", "surrogatepass")
        return "".join(f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04x}" for i in range(0, len(encoded), 2))

    text = json.dumps(data, ensure_ascii=False, **options)  # type: ignore[arg-type]
    if text.replace("\n", "").isprintable():
        return text
    # json.dumps escapes control characters inside strings itself; the raw ones are its indent
    return "".join(escape(c) if is_unsafe(c) and c != "\n" else c for c in text)


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


#: A line that holds a field (or list item) whose plain value itself holds ": ".
_COLON_IN_VALUE = re.compile(r"^\s*(?:- )?[^\s:'\"#][^:#]*: +[^'\"\s].*?: ")


def explain_yaml(message: str, raw: bytes = b"", line: int = 0) -> str:
    """``message`` from the YAML parser, with what to do when it is a common mistake; ``raw``
    and ``line`` are the file and the line the parser stopped at."""
    if "mapping values are not allowed here" not in message:
        return message
    lines = raw.decode("utf-8", errors="replace").splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if _COLON_IN_VALUE.match(text):
        return (
            f"{message}: the value holds a colon followed by a space, which YAML reads as another field; "
            'put the whole value in double quotes (title: "Waving the card: how ...")'
        )
    return (
        f"{message}: check that this line is indented like the lines of its block (a record's fields start in column 1)"
    )
