"""The latest release's section of CHANGELOG.md, as HTML for the home page.

CHANGELOG.md uses a small part of Markdown (``###`` headings, ``-`` bullets continued on
indented lines, `code` and [links](url)); that part is converted here, everything else is
shown as text. Link targets other than http(s) and relative paths are dropped.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Release:
    """A release's changelog section: its prose (before the first ``###``) and the detailed lists."""

    version: str
    date: str | None
    summary: Markup
    details: Markup


def _inline(text: str) -> str:
    out = str(escape(text))
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)

    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        if not re.match(r"^(https?://|[A-Za-z0-9_.#/-]+$)", target) or target.startswith("//"):
            return match.group(1)
        return f'<a href="{target}">{match.group(1)}</a>'

    return _LINK.sub(link, out)


def to_html(markdown: str) -> Markup:
    """HTML for a changelog section's body."""
    html: list[str] = []
    items: list[str] = []
    paragraph: list[str] = []

    def close() -> None:
        if items:
            html.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    for line in markdown.splitlines():
        if line.startswith("### "):
            close()
            html.append(f"<h3>{_inline(line[4:].strip())}</h3>")
        elif line.startswith("- "):
            if paragraph:
                close()
            items.append(line[2:].strip())
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
        elif line.strip():
            if items:
                close()
            paragraph.append(line.strip())
        else:
            close()
    close()
    return Markup("\n".join(html))


def release_notes(changelog: str, version: str) -> Release:
    """The section of ``version`` in ``changelog`` (empty changes when it has none)."""
    lines = changelog.splitlines()
    body: list[str] = []
    date = None
    inside = False
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            if inside:
                break
            inside = heading.group("version") == version
            date = heading.group("date") if inside else date
            continue
        if inside:
            body.append(line)
    text = "\n".join(body)
    head, marker, rest = text.partition("\n### ")
    if text.startswith("### "):
        head, marker, rest = "", "### ", text[4:]
    return Release(version, date, to_html(head), to_html(marker.lstrip("\n") + rest) if marker else Markup(""))
