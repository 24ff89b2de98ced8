"""Evidence fingerprints: check that a quote occurs in a source's text without the text.

A fingerprint is the set of keyed, truncated hashes of every overlapping run of
``NGRAM`` tokens of the source's normalised text (white space collapsed; a token is a run
of word characters or one punctuation mark). The key is the text's SHA-256, so each text
has its own hashes. A quote passes when every run of ``NGRAM`` consecutive tokens of the
quote hashes to a value in the set. The file holds no text, only ``HASH_BITS``-bit numbers
sorted by value (the order of the text is not kept); docs/fingerprints.md explains what the
check proves, how often it can be fooled and why the file does not republish the article.
"""

import base64
import hashlib
import json
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

#: Name and version of the scheme; a change to anything below is a new scheme.
SCHEME = "minsec-fingerprint-1"
#: Tokens per hashed run: the shortest quote the fingerprint can check.
NGRAM = 3
#: Bits kept of each hash: few enough that a hash does not pin down its words.
HASH_BITS = 24
#: A fingerprint is stored beside its source record, as ``records/sources/<id>.fingerprint``.
SUFFIX = ".fingerprint"  # record_files.FINGERPRINT_SUFFIX skips these
#: Largest fingerprint file read (a 100,000-token text makes about 400 KB).
MAX_BYTES = 2_000_000

TOKEN = re.compile(r"\w+|[^\w\s]")
_LINE = 76


class FingerprintError(ValueError):
    """A fingerprint file that cannot be read; the message says what is wrong."""


def normalise(text: str) -> str:
    """White space collapsed to single spaces, as quotes are compared."""
    return " ".join(text.split())


def token_spans(normalised: str) -> list[tuple[int, int]]:
    """(start, end) of every token: a run of word characters, or one other visible character."""
    return [m.span() for m in TOKEN.finditer(normalised)]


def runs(normalised: str, n: int = NGRAM) -> Iterator[str]:
    """Every run of ``n`` consecutive tokens, as the normalised text from its first to its last token."""
    spans = token_spans(normalised)
    for i in range(len(spans) - n + 1):
        yield normalised[spans[i][0] : spans[i + n - 1][1]]


def text_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decode(raw: bytes) -> str:
    """The text of a source file, as the quote check reads it."""
    return raw.decode("utf-8", errors="replace")


def hmac_key(key: str) -> bytes:
    """The HMAC key of a text whose SHA-256 (hex) is ``key``."""
    return f"{SCHEME}:{key}".encode("ascii")


class _Hmac:
    """HMAC-SHA256 (RFC 2104) with its keyed inner and outer states made once: hashing a run is
    then two copies and two updates, a third of the cost of ``hmac.digest`` (which keys both
    states again for every run; a quote check hashes some 36 runs a record)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def _truncated(key: _Hmac, run: str, bits: int) -> int:
    """HMAC-SHA256 of ``run`` under ``key`` (the text's, see :func:`hmac_key`), truncated to ``bits``."""
    return int.from_bytes(key.digest(run.encode("utf-8"))[:8], "big") >> (64 - bits)


def collision_probability(count: int, bits: int = HASH_BITS) -> float:
    """Chance that a run absent from the text still hashes to one of ``count`` stored values."""
    return 1 - (1 - 2.0**-bits) ** count


def _unpacked(packed: bytes, width: int) -> "array[int] | list[int]":
    """The big-endian numbers of ``width`` bytes each in ``packed``: for widths up to 8, by
    placing each number's bytes in an 8-byte word with slice assignments (C loops), a tenth of
    the time of one ``int.from_bytes`` a number."""
    count = len(packed) // width
    if width > 8:
        return [int.from_bytes(packed[i : i + width], "big") for i in range(0, len(packed), width)]
    words = bytearray(8 * count)
    for byte in range(width):
        words[8 - width + byte :: 8] = packed[byte::width]
    numbers = array("Q", bytes(words))
    if sys.byteorder == "little":
        numbers.byteswap()
    return numbers


class HashSet:
    """A fingerprint's hashes as one sorted array: 4 bytes a hash where a frozenset takes about
    75, which made the fingerprints of 4,320 sources 230 MB of a 100,000-record run."""

    __slots__ = ("_values",)

    def __init__(self, values: Iterable[int]) -> None:
        # Sorted first: a fingerprint's file holds them sorted, and sorting sorted numbers is a
        # pass, where the set's order had to be sorted afresh (half the time of reading the file).
        ordered = sorted(values)
        if len(set(ordered)) != len(ordered):
            ordered = sorted(set(ordered))
        self._values = array("I" if not ordered or ordered[-1] < 2**32 else "Q", ordered)

    def __contains__(self, value: object) -> bool:
        values = self._values
        index = bisect_left(values, value)  # type: ignore[call-overload]
        return index < len(values) and values[index] == value

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[int]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashSet) and self._values.tolist() == other._values.tolist()

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"HashSet(<{len(self)} hashes>)"


@dataclass(frozen=True)
class Fingerprint:
    """The keyed run hashes of one source's text."""

    source_id: str
    text_sha256: str
    hashes: HashSet
    ngram: int = NGRAM
    bits: int = HASH_BITS

    @classmethod
    def of_text(cls, source_id: str, raw: bytes, ngram: int = NGRAM, bits: int = HASH_BITS) -> "Fingerprint":
        key = text_sha256(raw)
        secret = _Hmac(hmac_key(key))
        hashes = HashSet(_truncated(secret, run, bits) for run in runs(normalise(decode(raw)), ngram))
        return cls(source_id, key, hashes, ngram, bits)

    @cached_property
    def digest(self) -> bytes:
        """A hash of everything a quote check reads: two fingerprints with the same digest
        find the same quotes."""
        values = self.hashes._values
        head = f"{SCHEME}|{self.text_sha256}|{self.ngram}|{self.bits}|{values.typecode}|".encode("ascii")
        return hashlib.sha256(head + values.tobytes()).digest()

    @cached_property
    def _key(self) -> _Hmac:
        return _Hmac(hmac_key(self.text_sha256))

    def first_missing(self, quote: str) -> tuple[int, str] | None:
        """(token number, run) of the quote's first run not in the text, or None if all are.

        A quote shorter than ``ngram`` tokens cannot be checked; the caller refuses it first.
        """
        # _truncated and HashSet.__contains__ inlined: this loop runs for every run of every quote.
        inner, outer = self._key._inner, self._key._outer
        shift, values = 64 - self.bits, self.hashes._values
        end = len(values)
        for number, run in enumerate(runs(normalise(quote), self.ngram)):
            first = inner.copy()
            first.update(run.encode("utf-8"))
            second = outer.copy()
            second.update(first.digest())
            value = int.from_bytes(second.digest()[:8], "big") >> shift
            index = bisect_left(values, value)
            if index == end or values[index] != value:
                return number, run
        return None

    @property
    def collision_probability(self) -> float:
        return collision_probability(len(self.hashes), self.bits)

    def dumps(self) -> str:
        """The file's text: JSON, the sorted hashes packed big-endian and base64-encoded in lines."""
        width = (self.bits + 7) // 8
        packed = b"".join(h.to_bytes(width, "big") for h in self.hashes)  # sorted already
        encoded = base64.b64encode(packed).decode("ascii")
        data = {
            "scheme": SCHEME,
            "source_id": self.source_id,
            "text_sha256": self.text_sha256,
            "ngram_tokens": self.ngram,
            "hash_bits": self.bits,
            "count": len(self.hashes),
            "hashes": [encoded[i : i + _LINE] for i in range(0, len(encoded), _LINE)],
        }
        return json.dumps(data, indent=1, ensure_ascii=True) + "\n"

    @classmethod
    def loads(cls, text: str) -> "Fingerprint":
        try:
            data = json.loads(text)
        except ValueError:
            raise FingerprintError("is not JSON; regenerate it with `minsec fingerprint --corpus DIR`") from None
        if not isinstance(data, dict) or data.get("scheme") != SCHEME:
            raise FingerprintError(f"is not a {SCHEME} file; regenerate it with `minsec fingerprint --corpus DIR`")
        try:
            source_id, key, ngram, bits, count = (
                data[k] for k in ("source_id", "text_sha256", "ngram_tokens", "hash_bits", "count")
            )
            if not (isinstance(ngram, int) and isinstance(bits, int) and 1 <= ngram <= 16 and 8 <= bits <= 64):
                raise ValueError
            if not (isinstance(source_id, str) and isinstance(key, str) and re.fullmatch(r"[0-9a-f]{64}", key)):
                raise ValueError
            packed = base64.b64decode("".join(data["hashes"]), validate=True)
            width = (bits + 7) // 8
            if len(packed) % width or len(packed) // width != count:
                raise ValueError
            hashes = HashSet(_unpacked(packed, width))
            if len(hashes) != count:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise FingerprintError(
                "is damaged (a field is missing or malformed); regenerate it with `minsec fingerprint --corpus DIR`"
            ) from None
        return cls(source_id, key, hashes, ngram, bits)
