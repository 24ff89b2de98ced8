"""Writing the proposal as record files: YAML with the schema hint, a comment on every guessed
field and the review marker that ``minsec validate`` refuses until a person removes it."""

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from minsec.draft.marker import MARKER

if TYPE_CHECKING:
    from minsec.draft.proposal import Proposal, Proposed

FOLDERS = {"source": "sources", "actor": "actors", "commodity": "commodities", "deal": "deals", "event": "events",
           "claim": "claims"}  # fmt: skip
DATE_FIELD = re.compile(r"^(?:date|published|as_of)(?:_earliest|_latest)?$")
_PLAIN = re.compile(r"^[A-Za-z0-9À-ÿ(][^\n]*$")
_RESERVED = re.compile(
    r"^(?:true|false|yes|no|on|off|null|~|y|n)$|^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$"
    r"|^\d{4}-\d\d?-\d\d?(?:[Tt ].*)?$",
    re.I,
)


class WriteError(Exception):
    """Writing would overwrite a record or leave the folder half written; nothing was written."""


def _scalar(value: object, key: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if DATE_FIELD.match(key) and re.fullmatch(r"\d{4}(?:-\d\d){0,2}", text):
        return text
    safe = (
        _PLAIN.match(text)
        and not _RESERVED.match(text)
        and ": " not in text
        and " #" not in text
        and not text.endswith((":", " "))
        and not any(c in text for c in "\"'`{}[]|>&*!%@")
        and not text[0].isdigit()  # YAML 1.1 reads "1:30" as a number and "2026-06-03" as a date
    )
    return text if safe else json.dumps(text, ensure_ascii=False)


def _comment(reason: str | None) -> str:
    return f"  # guessed: {reason}" if reason else ""


def _emit(value: object, indent: int, key: str = "", guessed: dict[str, str] | None = None) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            reason = (guessed or {}).get(name)
            if isinstance(item, dict | list):
                if not item:
                    lines.append(f"{pad}{name}: {'[]' if isinstance(item, list) else '{}'}{_comment(reason)}")
                    continue
                lines.append(f"{pad}{name}:{_comment(reason)}")
                lines.extend(_emit(item, indent, name))
            else:
                lines.append(f"{pad}{name}: {_scalar(item, name)}{_comment(reason)}")
        return lines
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = _emit(item, indent + 2, key)
                inner[0] = f"{pad}- {inner[0][indent + 2 :]}"
                lines.extend(inner)
            else:
                lines.append(f"{pad}- {_scalar(item, key)}")
        return lines
    return [f"{pad}{_scalar(value, key)}"]


def render(proposed: "Proposed") -> str:
    """The record file text of one proposed record."""
    kind = proposed.kind
    header = [f"# yaml-language-server: $schema=../../schemas/records/{kind}.schema.json"]
    header.append(f"{MARKER} drafted by `minsec draft`; check the points below against the article,")
    header.append("# fix the fields marked 'guessed', then delete these comment lines")
    header.append("# (minsec validate refuses the file until then):")
    checks = proposed.checks or ["every field against the quotes"]
    header.extend(f"#   - {check}" for check in checks)
    body = _emit(proposed.record, 0, guessed=proposed.guessed)
    return "\n".join(header + body) + "\n"


def path_of(proposed: "Proposed") -> str:
    return f"records/{FOLDERS[proposed.kind]}/{proposed.id}.yaml"


def write(proposal: "Proposal", root: Path) -> list[str]:
    """Write every new record under ``root/records``; refuse (writing nothing) if any file exists."""
    new = [r for r in proposal.records if r.status == "new"]
    targets = [(root / path_of(r), render(r)) for r in new]
    clashes = [str(path.relative_to(root)) for path, _ in targets if path.exists()]
    if clashes:
        raise WriteError(f"{clashes[0]} exists; ids are never reused (give --source-id or remove the draft files)")
    written: list[Path] = []
    try:
        for path, text in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise WriteError(f"cannot write {error.filename}: {error.strerror}; nothing was written") from None
    return [str(path.relative_to(root)) for path, _ in targets]
