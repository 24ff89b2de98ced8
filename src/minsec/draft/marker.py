"""The review marker: a written draft is a proposal, not data, until a person removes this line.

Kept free of imports so that ``minsec validate`` can look for it cheaply.
"""

MARKER = "# minsec-draft: REVIEW"


def marker_line(text: str) -> int | None:
    """1-based line number of the review marker in a record file's text, or None."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(MARKER):
            return number
    return None


def pending_checks(text: str, start: int) -> list[str]:
    """The checks listed in the comment block that follows line ``start`` (1-based: the marker's line)."""
    checks = []
    for line in text.splitlines()[start:]:
        if not line.startswith("#"):
            break
        if line.startswith("#   - "):
            checks.append(line[6:].strip())
    return checks


def without_marker(text: str) -> str:
    """The file as a reviewer leaves it: the marker and the comment lines under it removed."""
    lines = text.splitlines(keepends=True)
    number = marker_line(text)
    if number is None:
        return text
    end = number
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
    return "".join(lines[: number - 1] + lines[end:])
