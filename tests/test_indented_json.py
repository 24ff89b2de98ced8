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
#: Floats drawn mostly where pydantic-core and Python write them differently (below 1e-4).
tiny_floats = st.one_of(
    st.floats(min_value=-1e-4, max_value=1e-4),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.floats(allow_nan=True, allow_infinity=True),
)
# Only text keys: dump_json_data is for data that is JSON data by construction (other keys: below).
json_data = st.recursive(
    st.one_of(scalars, tiny_floats),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


def _expected(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@settings(max_examples=400)
@given(data=json_data)
def test_same_bytes_as_the_standard_library(data: object) -> None:
    """Both writers on each example (drawing the examples is most of this test's time)."""
    dumps = (indented_json.dump_bytes, indented_json.dump_json_data)
    try:
        expected = _expected(data)
    except UnicodeEncodeError:
        for dump in dumps:
            with pytest.raises(UnicodeEncodeError):  # a lone surrogate is refused alike
                dump(data)
        return
    for dump in dumps:
        assert dump(data) == expected, dump.__name__


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


@pytest.mark.parametrize(
    "number", [1e-05, -1e-05, 1e-07, 2.5e-10, 5e-324, 0.0001, 1e16, 1e-4 * 0.99, float("nan"), -float("inf")]
)
def test_json_data_numbers_where_pydantic_core_differs(number: float) -> None:
    data = [{"value": number, "text": "no number here, and a re-read one-2 and 0.00001 in words"}]
    assert indented_json.dump_json_data(data) == _expected(data)


def test_json_data_is_written_by_pydantic_core_when_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = indented_json.dump_bytes
    monkeypatch.setattr(indented_json, "dump_bytes", lambda data: calls.append(data) or real(data))
    usual = [{"id": "a", "amount": 2.5, "items": ["x", "y"], "none": None, "on": True}]
    assert indented_json.dump_json_data(usual) == _expected(usual)
    assert calls == []  # no number below 1e-4: the fast path's text is kept
    tiny = [{"amount": 1e-07}]
    assert indented_json.dump_json_data(tiny) == _expected(tiny)
    assert calls == [tiny]
