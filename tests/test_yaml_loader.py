"""The record reader accepts one plain YAML mapping and refuses everything else, with a line."""

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from minsec.yaml_loader import LIBYAML, MAX_FILE_BYTES, YamlError, load_document


def load(text: str | bytes):
    return load_document(text.encode("utf-8") if isinstance(text, str) else text)


def refused(text: str | bytes) -> YamlError:
    with pytest.raises(YamlError) as info:
        load(text)
    return info.value


def test_plain_mapping_is_read() -> None:
    doc = load("id: usa\nname: United States\nvalue: 20\nratio: 1.5\nflag: true\nnothing: null\n")
    assert doc.data == {"id": "usa", "name": "United States", "value": 20, "ratio": 1.5, "flag": True, "nothing": None}


def test_duplicate_key_names_both_lines() -> None:
    error = refused("id: a\nname: first\ntitle: t\nname: second\n")
    assert error.line == 4
    assert "name" in error.message
    assert "first on line 2" in error.message


def test_nested_duplicate_key() -> None:
    error = refused("id: a\ncitations:\n- source_id: s\n  quote: one\n  quote: two\n")
    assert error.line == 5
    assert "first on line 4" in error.message


def test_python_tag_rejected_and_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in (
        f"id: a\nrun: !!python/object/apply:os.system ['touch {marker}']\n",
        f"id: a\nrun: !!python/object/apply:os.system\n  args: ['touch {marker}']\n",
        "id: a\nrun: !!python/name:os.system\n",
    ):
        error = refused(text)
        assert error.line == 2
        assert "tag" in error.message
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    [
        "id: a\nvalue: !!binary aGVsbG8=\n",
        "id: a\nvalue: !custom x\n",
        "id: a\nvalue: !!set {x}\n",
        "id: a\nvalue: !!omap [{x: 1}]\n",
    ],
)
def test_other_tags_rejected(text: str) -> None:
    assert refused(text).line == 2


def test_alias_and_anchor_rejected() -> None:
    error = refused("id: a\nname: &n Jane\nrole: *n\n")
    assert "alias" in error.message
    assert error.line in (2, 3)


def test_alias_error_points_at_the_alias() -> None:
    assert refused("id: a\nname: &n Jane\nrole: *n\n").line == 3


def test_merge_key_rejected() -> None:
    error = refused("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert error.line == 3


def test_billion_laughs_rejected_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    start = time.perf_counter()
    error = refused("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert "alias" in error.message


@pytest.mark.parametrize(
    ("raw", "line", "words"),
    [
        (b"\xef\xbb\xbfid: a\n", 1, "byte-order mark"),
        (b"id: a\nname: caf\xe9\n", 2, "UTF-8"),
        (b"id: a\nname: b\n\ttitle: c\n", 3, "tab"),
        (b"id: a\nnote: 'one\ttab'\n", 2, "tab"),
        (b"id: a\n---\nid: b\n", 3, "more than one"),
        (b"- a\n- b\n", 1, "mapping"),
        (b"just a string\n", 1, "mapping"),
        (b"", 1, "empty"),
        (b"# only a comment\n", 1, "empty"),
        (b"id: a\nname: [unclosed\n", 3, "not valid YAML"),
        (b"id: a\n1: number key\n", 2, "field names"),
    ],
)
def test_malformed_files_rejected_with_line(raw: bytes, line: int, words: str) -> None:
    error = refused(raw)
    assert error.line == line
    assert words in error.message


def test_file_over_size_cap_rejected() -> None:
    raw = b"id: a\nnote: " + b"x" * MAX_FILE_BYTES + b"\n"
    error = refused(raw)
    assert error.line == 1
    assert str(MAX_FILE_BYTES) in error.message


def test_file_just_under_size_cap_accepted() -> None:
    head = b"id: a\nnote: "
    raw = head + b"x" * (MAX_FILE_BYTES - len(head) - 1) + b"\n"
    assert len(raw) == MAX_FILE_BYTES
    assert load(raw).data["id"] == "a"


@pytest.mark.parametrize("value", ["2025-03-09", "2025-03-09T10:00:00", "2025-3-9"])
def test_dates_stay_strings(value: str) -> None:
    data = load(f"date: {value}\n").data
    assert data["date"] == value
    assert type(data["date"]) is str


def test_year_is_an_int_and_month_a_string() -> None:
    assert load("a: 2025\nb: 2025-03\n").data == {"a": 2025, "b": "2025-03"}


def test_line_numbers_of_nested_fields() -> None:
    text = (
        "# comment line\n"  # 1
        "id: a-deal\n"  # 2
        "parties:\n"  # 3
        "- actor_id: usa\n"  # 4
        "  role: party\n"  # 5
        "- actor_id: cod\n"  # 6
        "  role: party\n"  # 7
        "citations:\n"  # 8
        "- source_id: s\n"  # 9
        "  quote: >-\n"  # 10
        "    folded over\n"  # 11
        "    two lines\n"  # 12
        "- source_id: t\n"  # 13
        "  quote: second\n"  # 14
    )
    doc = load(text)
    assert doc.data["citations"][0]["quote"] == "folded over two lines"
    assert doc.line_of(("id",)) == 2
    assert doc.line_of(("parties",)) == 3
    assert doc.line_of(("parties", 1)) == 6
    assert doc.line_of(("parties", 1, "role")) == 7
    assert doc.line_of(("citations", 0, "quote")) == 10
    assert doc.line_of(("citations", 1, "source_id")) == 13
    assert doc.line_of(("citations", 1, "quote")) == 14
    # A path the file does not hold falls back to its nearest parent, then to line 1.
    assert doc.line_of(("citations", 1, "page")) == 13
    assert doc.line_of(("missing",)) == 1
    assert doc.line_of(()) == 1


@pytest.mark.parametrize("depth", [30, 5000])
def test_deep_nesting_rejected_with_a_message(depth: int) -> None:
    error = refused("id: a\nnote: " + "[" * depth + "]" * depth + "\n")
    assert error.line == 2
    assert "nested deeper than 10 levels" in error.message


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_nesting_rejected_quickly(opener: str) -> None:
    """PyYAML scans deep flow collections in quadratic time; a file at the size cap must
    still be refused in well under a second (it took 15 s for 5,000 brackets)."""
    text = "id: a\nnote: " + opener * ((MAX_FILE_BYTES - 20) // len(opener))
    start = time.perf_counter()
    error = refused(text)
    assert time.perf_counter() - start < 1.0
    assert "nested deeper" in error.message


@pytest.mark.parametrize(
    "text", ["id: a\nvalue: !!int abc\n", "id: a\nvalue: !!float x1\n", "id: a\nflag: !!bool maybe\n"]
)
def test_bad_explicit_scalar_is_a_yaml_error(text: str) -> None:
    assert refused(text).line == 2


YAML_ALPHABET = st.sampled_from(list("ab:-[]{}&*!?|>#'\"%@`,. \n\t0123456789") + ["!!", "<<", "---", "\\t", "é"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=120), st.lists(YAML_ALPHABET, max_size=60).map("".join)))
def test_any_input_is_a_document_or_a_yaml_error(raw: bytes | str) -> None:
    try:
        document = load(raw)
    except YamlError as error:
        assert error.line >= 1
        assert error.message
    else:
        assert isinstance(document.data, dict)


# --- libyaml and the pure-Python parser give the same documents and the same messages ---

REPOSITORY = Path(__file__).resolve().parent.parent
needs_libyaml = pytest.mark.skipif(not LIBYAML, reason="PyYAML was built without libyaml")


def _outcome(raw: bytes, libyaml: bool) -> tuple:
    try:
        document = load_document(raw, libyaml=libyaml)
    except YamlError as error:
        return ("error", error.line, error.message)
    return ("document", document.data, document.lines)


def _corpus_files() -> list[Path]:
    folders = [REPOSITORY / "records", REPOSITORY / "tests" / "malformed"]
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix == ".yaml")


@needs_libyaml
def test_both_parsers_agree_on_every_record_and_malformed_file() -> None:
    files = _corpus_files()
    assert len(files) > 150
    errors = 0
    for path in files:
        raw = path.read_bytes()
        if raw.count(b"[") + raw.count(b"{") > 500:
            continue  # deep flow nesting is read by PyYAML's parser only (see load_document)
        fast, pure = _outcome(raw, True), _outcome(raw, False)
        assert fast == pure, path
        errors += fast[0] == "error"
    assert errors >= 20  # the malformed corpus was read, not only valid files


@needs_libyaml
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=120), st.lists(YAML_ALPHABET, max_size=60).map("".join)))
def test_both_parsers_agree_on_any_input(raw: bytes | str) -> None:
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    assert _outcome(raw, True) == _outcome(raw, False)


@pytest.mark.parametrize("libyaml", [pytest.param(True, marks=needs_libyaml), False])
@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("017", "'017' starts with 0, so YAML 1.1 reads it as the octal number 15"),
        ("-017", "'-017' starts with 0"),
        ("02025", "'02025' starts with 0, so YAML 1.1 reads it as the octal number 1045"),
        ("190:20:30", "'190:20:30' is a YAML 1.1 base-60 number (685230)"),
        ("1:30.5", "'1:30.5' is a YAML 1.1 base-60 number"),
        ("!!int 017", "'017' starts with 0"),
    ],
)
def test_yaml_1_1_number_forms_refused(value: str, words: str, libyaml: bool) -> None:
    with pytest.raises(YamlError) as info:
        load_document(f"id: a\nvalue: {value}\n".encode(), libyaml=libyaml)
    assert info.value.line == 2
    assert words in info.value.message


@pytest.mark.parametrize("libyaml", [pytest.param(True, marks=needs_libyaml), False])
def test_numbers_and_quoted_forms_still_read(libyaml: bool) -> None:
    text = "id: a\na: 0\nb: 17\nc: '017'\nd: 0.5\ne: '190:20:30'\nf: -3\ng: 1_000\n"
    data = load_document(text.encode(), libyaml=libyaml).data
    assert data == {"id": "a", "a": 0, "b": 17, "c": "017", "d": 0.5, "e": "190:20:30", "f": -3, "g": 1000}


@pytest.mark.parametrize("libyaml", [pytest.param(True, marks=needs_libyaml), False])
def test_duplicate_key_with_a_lone_surrogate_is_a_printable_message(libyaml: bool) -> None:
    with pytest.raises(YamlError) as info:
        load_document(b'id: a\n"k\\ud800": 1\n"k\\ud800": 2\n', libyaml=libyaml)
    assert info.value.line == 3
    info.value.message.encode("utf-8")  # printable: no lone surrogate left in it
    assert "k\\ud800: duplicate key (first on line 2)" in info.value.message


# --- the fast path (data only, lines found when asked) accepts only what the full parse accepts ---


def _fast_or_none(raw: bytes) -> dict | None:
    """What the fast path makes of ``raw``, or None where it hands the file to the full parse."""
    from minsec.yaml_loader import _data_only, _decode, _Irregular

    try:
        return _data_only(_decode(raw))
    except (_Irregular, YamlError, yaml.YAMLError):
        return None


@needs_libyaml
def test_fast_path_gives_the_full_parse_data_for_every_record_and_malformed_file() -> None:
    fast_files = handed_over = 0
    for path in _corpus_files():
        raw = path.read_bytes()
        if raw.count(b"[") + raw.count(b"{") > 500:
            continue
        fast = _fast_or_none(raw)
        full = _outcome(raw, False)
        if fast is None:
            handed_over += 1
            continue
        fast_files += 1
        assert full[0] == "document", path  # the fast path never accepts what the full parse refuses
        assert full[1] == fast, path
        assert load_document(raw).lines == full[2], path  # lines found later are the full parse's
    assert fast_files > 100
    assert handed_over >= 20  # every malformed file is handed over


@needs_libyaml
@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=120), st.lists(YAML_ALPHABET, max_size=60).map("".join)))
def test_fast_path_never_accepts_what_the_full_parse_refuses(raw: bytes | str) -> None:
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    fast = _fast_or_none(raw)
    if fast is not None:
        assert _outcome(raw, False) == ("document", fast, load_document(raw, libyaml=False).lines)


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [
        "id: a\nname: first\nname: second\n",
        "id: a\n1: x\n",
        "id: a\ntrue: x\n",
        "id: a\n? [k]\n: v\n",
        "id: a\nname: &n Jane\n",
        "id: a\nrole: !!str x\n",
        "id: a\n<<: {x: 1}\n",
        "id: a\nvalue: 017\n",
        "id: a\nvalue: 1:30\n",
        "- a\n- b\n",
        "just text\n",
        "",
        "id: a\n---\nid: b\n",
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 14)),
    ],
)
def test_fast_path_hands_irregular_files_to_the_full_parse(text: str) -> None:
    assert _fast_or_none(text.encode()) is None
