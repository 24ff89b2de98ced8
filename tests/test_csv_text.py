"""minsec.csv_text writes exactly what the csv module writes."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsec import csv_text
from minsec.build import render_csv


def by_csv_module(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


#: Cells drawn mostly from the characters the csv module singles out, so that quoting, doubled
#: quotes and the fallback are all exercised.
cells = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list(',"\n\r\t \x00;\\\u2028a\u00e9')), max_size=6),
    st.text(max_size=8),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(lambda width: st.lists(st.tuples(*[cells] * width), max_size=6)))
def test_rows_text_is_what_the_csv_module_writes(rows: list[tuple]) -> None:
    assert csv_text.rows_text(rows) == by_csv_module(rows)


@pytest.mark.parametrize(
    ("row", "written"),
    [
        (("a,b", "c"), '"a,b",c\n'),
        (('say "hi"', "c"), '"say ""hi""",c\n'),
        (("two\nlines", None), '"two\nlines",\n'),
        ((None, None), ",\n"),
        (("",), '""\n'),  # a lone empty cell is quoted, or the line would read as no row
        (("plain", "é"), "plain,é\n"),
    ],
)
def test_rows_text_quotes_as_expected(row: tuple, written: str) -> None:
    assert csv_text.rows_text([row]) == written


def test_every_candidate_character_is_classified() -> None:
    quote, other = csv_text._rules()
    assert quote.search(",") and quote.search('"') and quote.search("\n")
    assert not quote.search("a") and not quote.search(" ")
    for char in csv_text._CANDIDATES:
        expected = by_csv_module([(f"a{char}b", "c")])
        assert csv_text.rows_text([(f"a{char}b", "c")]) == expected, repr(char)
    assert other is None or all(by_csv_module([(c, "x")]) != f"{c},x\n" for c in other.pattern.strip("[]"))


def test_render_csv_writes_numbers_and_bools_as_cells() -> None:
    rows = [
        {"id": "a", "n": 2.0, "flag": True, "count": 3},
        {"id": "b", "n": 2.5, "flag": False, "count": None},
    ]
    assert render_csv(["id", "n", "flag", "count"], rows) == b"id,n,flag,count\na,2,true,3\nb,2.5,false,\n"


def test_a_batch_with_a_character_of_other_treatment_is_written_by_the_csv_module(monkeypatch) -> None:
    import re

    # As if the csv module did something of its own with a line break: those batches must go to it.
    monkeypatch.setattr(csv_text, "_rules", lambda: (re.compile('[,"]'), re.compile("[\n]")))
    rows = [("two\nlines", "c"), ("a,b", None)]
    assert csv_text.rows_text(rows) == by_csv_module(rows) == '"two\nlines",c\n"a,b",\n'
