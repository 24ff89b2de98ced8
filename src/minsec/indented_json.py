"""``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte, in a half to a quarter of the time.

With ``indent``, the standard library encodes in pure Python through a chain of nested
generators: the JSON files of a build were two thirds of its rendering time. :func:`dump_bytes`
writes the same text with one recursive function and the C string encoder. Anything but plain
JSON data (a key that is not a string, a value of another type, an int or float subclass) is
handed to the standard library, which then decides what the text is.

:func:`dump_json_data` is for data that is JSON data by construction (``model_dump(mode="json")``):
pydantic-core's encoder writes it, four times faster again (see its docstring for when it
hands over to :func:`dump_bytes`).
"""

import io
import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C function where available

_INFINITY = float("inf")


class _NotPlain(Exception):
    """Data the standard library should encode (see the module docstring)."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


#: Pieces of text gathered before they are encoded together (a 60 MB file is millions of pieces).
_FLUSH_AT = 65_536


class _Out(list):
    """The pieces of text written so far, encoded to UTF-8 a batch at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()

    def flush(self) -> None:
        self.buffer.write("".join(self).encode("utf-8"))
        self.clear()


def _write(value: object, out: _Out, indent: str) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        separator = "{" + inner
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise _NotPlain
            out.append(separator)
            out.append(encode_basestring(key))
            out.append(": ")
            _write(item, out, inner)
            separator = "," + inner
            if len(out) > _FLUSH_AT:
                out.flush()
        out.append(indent + "}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "[" + inner
        for item in value:  # type: ignore[attr-defined]
            out.append(separator)
            _write(item, out, inner)
            separator = "," + inner
            if len(out) > _FLUSH_AT:
                out.flush()
        out.append(indent + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))  # type: ignore[arg-type]
    elif kind is float:
        out.append(_float(value))  # type: ignore[arg-type]
    else:
        raise _NotPlain


def dump_bytes(data: object) -> bytes:
    """``json.dumps(data, indent=2, ensure_ascii=False) + "\\n"``, encoded as UTF-8."""
    out = _Out()
    try:
        _write(data, out, "\n")
    except (_NotPlain, RecursionError):
        text = json.dumps(data, indent=2, ensure_ascii=False)
        return (text + "\n").encode("utf-8")
    out.append("\n")
    out.flush()
    return out.buffer.getvalue()


#: Where pydantic-core may write a number unlike Python: below 1e-4 it writes ``1e-7`` or
#: ``0.00001`` where Python writes ``1e-07`` and ``1e-05`` (the other 96% of a million random
#: doubles were written alike, and each one written otherwise held one of these).
_EXPONENT = re.compile(rb"e-[0-9]")
_SMALL = re.compile(rb"0\.0000")


def _maybe_unlike_python(raw: bytes) -> bool:
    """Whether ``raw`` may hold a number pydantic-core wrote otherwise than Python (words
    like "one-2" or "0.00001" in a text only cost the slower path)."""
    return any(raw[m.start() - 1 : m.start()].isdigit() for m in _EXPONENT.finditer(raw)) or any(
        not raw[m.start() - 1 : m.start()].isdigit() for m in _SMALL.finditer(raw)
    )


def dump_json_data(data: object) -> bytes:
    """:func:`dump_bytes` of data made only of dicts with text keys, lists, text, ints, floats,
    bools and None, as ``model_dump(mode="json")`` gives; the caller vouches for that, since
    pydantic-core would also write what the standard library refuses (a date, a set).

    pydantic-core writes the same indentation, escapes and numbers as the standard library but
    for numbers below 1e-4 and text that is not UTF-8 (a lone surrogate): a text where such a
    number may be, or data it cannot write, is written again by :func:`dump_bytes`.
    """
    from pydantic_core import PydanticSerializationError, to_json

    try:
        raw = to_json(data, indent=2, inf_nan_mode="constants")
    except (PydanticSerializationError, ValueError, RecursionError):
        return dump_bytes(data)
    if _maybe_unlike_python(raw):
        return dump_bytes(data)
    return raw + b"\n"
