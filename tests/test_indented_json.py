"""minsec.indented_json writes exactly what json.dumps(indent=2, ensure_ascii=False) writes."""

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsec import indented_json

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # any code point, control characters and lone surrogates included
)
json_data = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5), max_leaves=40
)


def _expected(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@settings(max_examples=400)
@given(json_data)
def test_same_bytes_as_the_standard_library(data: object) -> None:
    try:
        expected = _expected(data)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):  # a lone surrogate is refused alike
            indented_json.dump_bytes(data)
        return
    assert indented_json.dump_bytes(data) == expected


class Level(enum.IntEnum):
    HIGH = 2


@pytest.mark.parametrize(
    "data",
    [
        {1: "int key", None: "none key", 1.5: "float key", False: "bool key"},
        [("a", "tuple"), {"nested": ("t",)}],
        {"level": Level.HIGH},
        {"deep": [[[[[]]]]], "empty": {}, "list": []},
        "just a string \n\t\u2028 ü",
    ],
)
def test_data_that_is_not_plain_is_encoded_by_the_standard_library(data: object) -> None:
    assert indented_json.dump_bytes(data) == _expected(data)


def test_large_documents_are_encoded_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indented_json, "_FLUSH_AT", 3)
    data = [{"id": f"r{i}", "values": list(range(i % 4)), "text": "ü" * i} for i in range(50)]
    assert indented_json.dump_bytes(data) == _expected(data)
