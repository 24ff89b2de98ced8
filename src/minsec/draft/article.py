"""Reading an article: its text, hash, header lines and sentences, each with character offsets.

Every quote the drafter proposes is a slice ``text[start:end]`` of the article, so it is
verbatim by construction.
"""

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from minsec.draft.gazetteer import word_list

QUOTE_LIMIT = 500
#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = word_list("abbreviation")
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9À-ÖØ-Þ])")
_LEAD_TRIM = re.compile(r"[\s\ufeff\-–—=+@•*·:;,.]+")
_BODY_MIN_WORDS = 12


class ArticleError(Exception):
    """The article cannot be read; a usage error with this message."""


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article: ``text[start:end]``, with the paragraph it belongs to."""

    start: int
    end: int
    paragraph: int
    header: bool = False


@dataclass
class Article:
    path: Path
    text: str
    sha256: str
    sentences: list[Sentence] = field(default_factory=list)
    header_lines: list[tuple[int, int]] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def slice(self, start: int, end: int) -> str:
        return self.text[start:end]

    def sentence_at(self, offset: int) -> Sentence:
        return self.sentences[self.sentence_index(offset)]

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence holding ``offset`` (or the last one before it)."""
        if len(self._starts) != len(self.sentences):
            self._starts = [s.start for s in self.sentences]
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def quote(self, start: int, end: int, focus: tuple[int, int] | None = None) -> tuple[int, int]:
        """Offsets of a quotable span: ``start:end`` trimmed to start with a word, at most 500 characters.

        A longer span is cut to the clause (or window) around ``focus``.
        """
        start, end = trim(self.text, start, end)
        if end - start <= QUOTE_LIMIT:
            return start, end
        focus = focus or (start, start + 1)
        clause_start, clause_end = start, end
        for match in re.finditer(r"[,;:—–]\s", self.text[start:end]):
            position = start + match.start()
            if position < focus[0]:
                clause_start = position + 2
            elif position >= focus[1] and clause_end == end:
                clause_end = position
        if clause_end - clause_start > QUOTE_LIMIT or clause_end <= clause_start:
            middle = (focus[0] + focus[1]) // 2
            clause_start = max(start, middle - QUOTE_LIMIT // 2)
            clause_end = min(end, clause_start + QUOTE_LIMIT - 10)
            while clause_start > start and not self.text[clause_start - 1].isspace():
                clause_start += 1
            while clause_end < end and not self.text[clause_end].isspace():
                clause_end -= 1
        return trim(self.text, clause_start, clause_end)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``start:end`` so that the quote starts with a word or quotation mark (never =, +, - or @)
    and has no white space around it."""
    lead = _LEAD_TRIM.match(text, start, end)
    if lead:
        start = lead.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def read_article(path: Path) -> Article:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a folder; give the article's text file") from None
    except OSError as error:
        raise ArticleError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"{path}: byte {error.start} is not UTF-8; save the article as UTF-8 text "
            "(the quotes are checked against it)"
        ) from None
    if not text.strip():
        raise ArticleError(f"{path}: the file is empty; give the article's text")
    if "\x00" in text:
        raise ArticleError(f"{path}: holds NUL bytes, so it is not a text file; give the article as UTF-8 text")
    article = Article(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest())
    _split(article)
    return article


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def _is_body(line: str) -> bool:
    line = line.lstrip("\ufeff")
    letters = [c for c in line if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > len(letters) / 2:
        return False  # a notice or kicker in capitals ("BREAKING NEWS")
    if re.match(r"(?:[A-Z]{2,}[\s,:;-]+){3}", line):
        return False  # a notice that opens in capitals ("INVENTED FOR TRAINING - ...")
    words = line.split()
    if len(words) >= 30:
        return True
    return len(words) >= _BODY_MIN_WORDS and bool(re.search(r"[.…\"”’]\s*$", line.strip()))


def _split(article: Article) -> None:
    text = article.text
    in_header = True
    paragraph = 0
    for match in re.finditer(r"[^\n]+", text):
        line_start, line_end = match.start(), match.end()
        line = match.group()
        if not line.strip():
            continue
        paragraph += 1
        if in_header and _is_body(line):
            in_header = False
        if in_header:
            start, end = trim(text, line_start, line_end)
            if end > start:
                article.header_lines.append((start, end))
                article.sentences.append(Sentence(start, end, paragraph, header=True))
            continue
        cursor = line_start
        for end_match in _SENTENCE_END.finditer(text, line_start, line_end):
            before = text[cursor : end_match.start() + 1]
            token = re.search(r"([A-Za-z.]+)\.$", before)
            if token and (token.group(1).rstrip(".") in ABBREVIATIONS or re.fullmatch(r"[A-Z]", token.group(1))):
                continue
            _add(article, cursor, end_match.end(), paragraph)
            cursor = end_match.end()
        _add(article, cursor, line_end, paragraph)


def _add(article: Article, start: int, end: int, paragraph: int) -> None:
    start, end = trim(article.text, start, end)
    if end > start:
        article.sentences.append(Sentence(start, end, paragraph))
