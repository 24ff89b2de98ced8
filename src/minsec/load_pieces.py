"""Where a CSV table can be cut into pieces that read one by one exactly as the whole does.

pyarrow reads a quoted cell holding a line break right only with ``newlines_in_values``,
with which its table reader finds where rows end by a quote-aware pass over the whole file in
one thread, and hands the rest to other threads: on a table of 34 MB that costs more than it
saves. Cut at line feeds that are certainly the ends of rows, the pieces are read at once,
each by pyarrow in a thread of its own, and their rows are the table's rows.

A line feed ends a row when it is outside quotes, which counting quotes tells exactly when
every quote before it opens or closes a quoted cell or is one of a doubled quote inside one
(what a CSV writer writes). pyarrow's parser takes a quote for an opening one only at the
start of a cell; inside a quoted cell, two quotes are one quote and one quote closes it. So
when every quote at an even position of the count (the first is 0) starts a cell (it is the
file's first byte, or follows a comma or a line end) or follows the quote just before it
(the second of a doubled pair), and every quote at an odd position ends a cell (is followed
by a comma, a line end or the end of the data) or is followed by the next quote, the parser
is inside a quoted cell exactly where an odd number of quotes comes before. Only the quotes
before the last cut matter. A quote there anywhere else (inside an unquoted cell, or text
after a closing quote), or a header that is not the plain names, and there is no cut: the
table is read whole.

Only numpy here; the reading is ``minsec.load``'s.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy

QUOTE, COMMA, LF, CR = b'"'[0], b","[0], b"\n"[0], b"\r"[0]
BOM = b"\xef\xbb\xbf"  # pyarrow drops it at the start of what it reads, so no piece starts with it

#: Bytes scanned at a time for quotes: the comparison's mask stays in the processor's cache
#: (a whole 34 MB file at once is three times slower).
_STEP = 1 << 20


def quote_positions(data: "numpy.ndarray", start: int = 0, end: int | None = None) -> "numpy.ndarray":
    """The offsets of every ``"`` in ``data[start:end]`` (bytes as ``uint8``), in order."""
    import numpy as np

    end = len(data) if end is None else end
    parts = [np.flatnonzero(data[at : min(at + _STEP, end)] == QUOTE) + at for at in range(start, end, _STEP)]
    return np.concatenate(parts) if parts else np.zeros(0, np.intp)


def quotes_counted(data: "numpy.ndarray", quotes: "numpy.ndarray") -> bool:
    """Whether every quote of ``data`` up to some offset (``quotes``, all of them up to it)
    opens or closes a quoted cell or is one of a doubled quote inside one, as the module
    says: then, up to that offset, a byte is inside a quoted cell exactly when an odd number
    of ``quotes`` come before it."""
    import numpy as np

    if not len(quotes):
        return True
    opening, closing = quotes[0::2], quotes[1::2]
    # a closing quote and the next (opening) quote side by side: a doubled quote
    doubled = closing[: len(opening) - 1] + 1 == opening[1:]
    before = data[opening - 1]  # the first opening quote at 0 reads the last byte: set below
    starts = (before == COMMA) | (before == LF) | (before == CR)
    starts[0] |= bool(opening[0] == 0)
    starts[1:] |= doubled
    if not starts.all():
        return False
    if not len(closing):
        return True
    after = data[np.minimum(closing + 1, len(data) - 1)]
    ends = (after == COMMA) | (after == LF) | (after == CR)
    ends[-1] |= bool(closing[-1] == len(data) - 1)
    ends[: len(doubled)] |= doubled
    return bool(ends.all())


def cuts(
    data: "numpy.ndarray", start: int, pieces: int, quotes: "numpy.ndarray | None" = None, last: float = 1.0
) -> list[int]:
    """Offsets cutting ``data[start:]`` into up to ``pieces`` pieces, the last ``last`` times
    as large as each other: ``start`` (no byte order mark after it: the caller's part), then
    each just after a line feed (outside quotes if ``quotes`` are given, all of them up to the
    last cut, vouched for by :func:`quotes_counted`) that no byte order mark follows, before
    the end. Without ``quotes`` the cuts are guesses, for :func:`outside_quotes` to check."""
    import numpy as np

    found = [start]
    end = len(data)
    for i in range(1, pieces):
        at = max(found[-1], start + int((end - start) * i / (pieces - 1 + last)))
        cut = None
        while cut is None and at < end:
            window = 1 << 16
            feeds = np.flatnonzero(data[at : at + window] == LF)
            while not len(feeds) and at + window < end:
                window *= 4
                feeds = np.flatnonzero(data[at : at + window] == LF)
            if not len(feeds):
                break
            feed = at + int(feeds[0])
            before = 0 if quotes is None else int(np.searchsorted(quotes, feed))
            if before % 2:  # inside a quoted cell: go on after the quote that closes it, if any
                if before == len(quotes):  # type: ignore[arg-type]
                    break
                at = int(quotes[before]) + 1  # type: ignore[index]
            elif data[feed + 1 : feed + 4].tobytes() == BOM:
                at = feed + 1
            else:
                cut = feed + 1
        if cut is None or cut >= end:
            break
        found.append(cut)
    return found


def outside_quotes(quotes: "numpy.ndarray", cuts: list[int]) -> bool:
    """Whether an even number of ``quotes`` (all of them up to the last cut, vouched for by
    :func:`quotes_counted`) comes before each of ``cuts``: then each cut, just after a line
    feed, is a row's end."""
    import numpy as np

    return not (np.searchsorted(quotes, cuts) % 2).any()
