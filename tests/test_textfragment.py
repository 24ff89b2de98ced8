"""Links that open the source page with the quote highlighted, and the source fields behind them."""

import pytest

from conftest import SOURCE_ID
from minsec.textfragment import encode_term, fragment_link, text_directive


def test_terms_are_percent_encoded_with_the_directive_syntax_escaped() -> None:
    assert encode_term("U.S.-DRC deal, a & b") == "U.S.%2DDRC%20deal%2C%20a%20%26%20b"
    assert encode_term("world\u2019s") == "world%E2%80%99s"


def test_a_short_quote_is_one_term_a_long_one_its_first_and_last_words() -> None:
    assert text_directive("signed a  cobalt\nagreement") == "text=signed%20a%20cobalt%20agreement"
    words = [f"w{n}" for n in range(1, 21)]
    assert text_directive(" ".join(words)) == "text=w1%20w2%20w3%20w4%20w5,w16%20w17%20w18%20w19%20w20"


def test_the_link_replaces_any_fragment_of_the_url() -> None:
    assert fragment_link("https://example.org/a?x=1#top", "three whole words") == (
        "https://example.org/a?x=1#:~:text=three%20whole%20words"
    )


def test_citations_link_to_the_quote_where_the_source_has_a_url(mini_repo, run_cli) -> None:
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    citations = (mini_repo.root / "datapackage" / "data" / "citations.csv").read_text(encoding="utf-8")
    assert "https://example.org/cobalt#:~:text=Jane%20Doe%2C%20the%20U.S.%20special%20envoy" in citations
    mini_repo.rewrite(SOURCE_ID, lambda d: d.pop("url"))
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    citations = (mini_repo.root / "datapackage" / "data" / "citations.csv").read_text(encoding="utf-8")
    assert "#:~:text=" not in citations and citations.splitlines()[1].endswith(",")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "'2025-02-30' is not a day that exists; write YYYY-MM-DD"),
        ("2025-03", "'2025-03' is not"),
    ],
)
def test_accessed_is_a_day_that_exists(mini_repo, run_cli, value: str, message: str) -> None:
    mini_repo.rewrite(SOURCE_ID, lambda d: d.update(accessed=value))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "accessed: " in out and message in out, out


def test_archive_url_must_be_http(mini_repo, run_cli) -> None:
    mini_repo.rewrite(SOURCE_ID, lambda d: d.update(archive_url="javascript:alert(1)"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "archive_url: 'javascript:alert(1)' is not an http(s) URL" in out
