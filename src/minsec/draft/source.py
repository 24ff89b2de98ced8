"""The source record: title, outlet, author, date, the outlets it relays, the text's hash."""

import re
from typing import TYPE_CHECKING

from minsec.draft.article import Article, is_nfc
from minsec.draft.dates import DateMention

if TYPE_CHECKING:
    from minsec.draft.proposal import Context, Proposed

LABELS = re.compile(
    r"^(?:analysis|policy (?:brief|assessment|paper)|opinion|comment|commentary|editorial|exclusive|update|"
    r"breaking(?: news)?|news|feature|introduction:?|report)$",
    re.I,
)
THINK_TANK = re.compile(
    r"\b(?:Institute|Center|Centre|Forum|Foundation|Policies|Studies|Think Tank|Policy|Council on|Chatham|Brookings)\b"
)
#: "DAR ES SALAAM, Oct 9, 2026 (Coastline News) —": the agency in a wire dateline.
DATELINE_OUTLET = re.compile(
    r"^[A-ZÀ-Þ][A-ZÀ-Þ .'’-]{1,40},[^()\n]{3,30}\((?P<outlet>[A-Z][^()\n]{1,40})\)\s*[-–—]", re.M
)
RELAY = re.compile(
    r"(?:according to|reported by|citing|cited by|relays? (?:this|the) report from|first published by|"
    r"(?:as |a report (?:by|in) ))\s*(?:the\s+)?$"
)


def published(article: Article, dates: list[DateMention]) -> str | None:
    """The article's date: a date-only header line, "Published DATE", or a dateline ("LIMA, 27 August 2026 -")."""
    text = article.text
    full_days = [d for d in dates if d.value and len(d.value) == 10 and not d.value.startswith("?")]
    for start, end in article.header_lines:
        line = text[start:end]
        for date in full_days:
            if start <= date.start and date.end <= end:
                rest = (line[: date.start - start] + line[date.end - start :]).strip(" .,:-–—")
                if not rest or re.fullmatch(r"(?:Published|Updated|Posted|Date)(?:\s+on)?:?", rest, re.I):
                    return date.value
    for date in full_days:
        before = text[max(0, date.start - 40) : date.start]
        if re.search(r"\b(?:Published|Posted|Dated)(?:\s+on)?:?\s*$", before, re.I):
            return date.value
        line_start = text.rfind("\n", 0, date.start) + 1
        if re.fullmatch(r"[A-ZÀ-Þ][\w’'.\- ]{1,40},\s*", text[line_start : date.start]):
            return date.value  # dateline
    return None


def _header_parts(context: "Context") -> tuple[str | None, str | None, str | None]:
    """(title, outlet, author) from the header lines."""
    article = context.article
    text = article.text
    lines = []
    for start, end in article.header_lines:
        line = text[start:end].lstrip("\ufeff")
        letters = [c for c in line if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) > len(letters) / 2 and len(line.split()) > 3:
            continue  # a notice in capitals
        if re.match(r"(?:[A-Z]{2,}[\s,:;-]+){3}", line):
            continue  # a notice that opens in capitals
        lines.append(line)
    author = None
    for person in context.found.persons:
        if person.info.get("author") or any(s <= person.start < e for s, e in article.header_lines):
            author = person.key
            person.info["author"] = True
    candidates = [
        line
        for line in lines
        if not LABELS.match(line.strip())
        and not line.startswith("By ")
        and not (author and author in line and len(line) < len(author) + 60 and "," not in line.replace(author, ""))
        and not re.fullmatch(r"(?:Published|Updated|Posted)?(?:\s+on)?\s*[\w ,]*\d{4}\.?", line.strip())
    ]
    title = max((c for c in candidates if not (author and author in c)), key=len, default=None)
    outlet = None
    for line in candidates:
        if line == title:
            continue
        if author and author in line and "," in line:
            outlet = line.split(",", 1)[1].strip()  # "Dr. Mohamed Kawas, Progress Center for Policies"
            break
        if len(line.split()) <= 6:
            outlet = line.strip()
            break
    return title, outlet, author


def propose(context: "Context", url: str | None, source_id: str | None) -> "Proposed":
    from minsec.draft.proposal import Proposed

    article = context.article
    text = article.text
    title, outlet, author = _header_parts(context)
    checks: list[str] = []
    guessed: dict[str, str] = {}
    outlet_type = None
    footer = re.search(r"(?:Original Source|Source):\s*(?:https?://)?(?:www\.)?([\w.-]+)", text)
    if footer:
        squashed = footer.group(1).split(".")[0].lower()
        for phrase, (name, kind) in context.gazetteer.outlets.items():
            if phrase.replace(" ", "").lower() == squashed:
                outlet, outlet_type = name, kind
                guessed["outlet"] = f"from the footer {footer.group(0)!r}"
    dateline = DATELINE_OUTLET.search(text)
    if outlet is None and dateline:
        outlet = dateline.group("outlet").strip()
        guessed["outlet"] = "the agency the dateline names"
    if outlet is None:
        outlet = "TODO"
        checks.append("outlet: the text does not name its outlet; write who published it")
    own = context.gazetteer.outlets.get(outlet)
    if own and outlet_type is None:
        outlet_type = own[1]
    if outlet_type is None:
        think_tank = THINK_TANK.search(outlet) or re.search(
            r"Policy (?:Brief|Assessment)|Senior Fellow|^Analysis:", text, re.M
        )
        outlet_type = "think_tank" if think_tank else "news"
    guessed["outlet_type"] = "guessed from the outlet's name and the text; check who publishes it"
    if title is None:
        title = "TODO"
        checks.append("title: no headline found; copy the title as published")
    reports_from = []
    for mention in context.found.outlets:
        if mention.key == outlet or mention.key in reports_from:
            continue
        before = text[max(0, mention.start - 60) : mention.start]
        after = text[mention.end : mention.end + 40]
        if (
            RELAY.search(before)
            or re.match(r"\s+(?:reported|reports|said|says|first reported|newspaper)\b", after)
            or re.search(r"\b(?:says|said|reports)\s+$", before)
        ):
            reports_from.append(mention.key)
    if reports_from:
        guessed["reports_from"] = "outlets the text attributes its reporting to, nearest first; check the chain"
    same_text = next((s for s in context.gazetteer.sources if s.get("text_sha256") == article.sha256), None)
    if same_text is not None:
        # Drafted before: quote it under the source that already holds this text.
        context.source_id, context.outlet = same_text["id"], str(same_text.get("outlet", outlet))
        check = f"already in records/sources/{same_text['id']}.yaml (same text_sha256); new records cite it"
        return Proposed("source", "existing", dict(same_text), [check], {})
    record: dict = {}
    context.source_id = source_id if source_id else context.ids.claim(_source_slug(outlet, title, article, context))
    if source_id:
        context.ids.taken.add(source_id)
    context.outlet = outlet
    record["id"] = context.source_id
    record["title"] = title
    record["outlet"] = outlet
    record["outlet_type"] = outlet_type
    if author:
        record["author"] = author
    if context.published:
        record["published"] = context.published
        guessed["published"] = "the article's dateline or date line"
    else:
        checks.append("published: the text gives no date; leave it empty unless the page shows one")
    if url:
        record["url"] = url
    if reports_from:
        record["reports_from"] = [
            {"outlet": name, "outlet_type": context.gazetteer.outlets[name][1]}
            if name in context.gazetteer.outlets
            else {"outlet": name}
            for name in reports_from
        ]
    record["language"] = "en"
    guessed["language"] = "assumed English"
    file_name = article.path.name
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", file_name):
        record["text_file"] = file_name
    else:
        checks.append(f"text_file: rename {file_name!r} to letters, digits, '.', '_' and '-' only and set text_file")
    record["text_sha256"] = article.sha256
    if not is_nfc(article.text):
        checks.insert(
            0,
            "the article's text is not Unicode NFC, so its quotes will fail validation: normalise the file "
            "(your editor can, or Python's unicodedata.normalize('NFC', text)), then draft again",
        )
    checks.append("keep the article text in your corpus folder (never in the repository); validate with --corpus")
    return Proposed("source", "new", record, checks, guessed)


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "its",
        "their",
        "how",
        "what",
        "why",
        "who",
    ]
)


def _source_slug(outlet: str, title: str, article: Article, context: "Context") -> str:
    """outlet (up to three words) + up to four words of the title + year: ``example-gazette-cobalt-offer-2026``."""
    from minsec.draft.ids import slug

    parts = []
    if outlet != "TODO":
        parts.append(slug(outlet, 24))
    words = [
        w for w in re.findall(r"[\w’'-]+", title if title != "TODO" else article.path.stem) if w.lower() not in _STOP
    ]
    parts.append(slug(" ".join(words[:4]), 40))
    if context.published:
        parts.append(context.published[:4])
    return "-".join(p for p in parts if p)
