"""Links that open a page with a quote highlighted: URL text fragments (``#:~:text=``).

Built per the WICG URL Fragment Text Directives specification: each term is
percent-encoded, including the ``-``, ``,`` and ``&`` that the directive syntax reserves;
a long quote becomes ``textStart,textEnd`` (its first and last words), which the browser
highlights with everything between them.
"""

from urllib.parse import quote as percent_encode
from urllib.parse import urlsplit, urlunsplit

#: A quote of more words than this is linked by its first and last ``EDGE_WORDS`` words.
MAX_WORDS = 12
EDGE_WORDS = 5


def encode_term(text: str) -> str:
    """``text`` percent-encoded for a text directive: unreserved characters but ``-`` stay."""
    return percent_encode(text, safe="").replace("-", "%2D")


def text_directive(quote: str) -> str:
    """``text=...`` for ``quote`` (white space collapsed)."""
    words = quote.split()
    if len(words) <= MAX_WORDS:
        return "text=" + encode_term(" ".join(words))
    start, end = " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])
    return f"text={encode_term(start)},{encode_term(end)}"


def fragment_link(url: str, quote: str) -> str:
    """``url`` with a text fragment that highlights ``quote`` (any fragment of ``url`` replaced)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=f":~:{text_directive(quote)}"))
