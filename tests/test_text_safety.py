"""Text that passes but should not, and names that reach the terminal raw (issue 11).

The malformed-file corpus holds one record per refused character class (bidi overrides and
isolates, zero widths, a BOM inside text, private use, non-characters, a lone surrogate);
these tests cover what does not fit there: file names, JSON output, the build after a
surrogate, and the one rule shared by the text check and the messages."""

import json
import os
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import MiniRepo
from minsec.models import _check_text
from minsec.problems import is_unsafe, one_line, safe_json

HOSTILE_NAMES = ["evil\u202egpj.yaml", "zero\u200bwidth.yaml", os.fsdecode(b"bad\xff.yaml")]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_hostile_file_names_are_escaped(name: str, fmt: str, mini_repo: MiniRepo, run_cli) -> None:
    (mini_repo.root / "records" / "sources" / name).write_bytes(b"id: x\n")
    code, out, err = run_cli("validate", "--root", mini_repo.root, "--format", fmt)
    assert code == 1
    assert not any(is_unsafe(c) for c in out.replace("\n", "") + err.replace("\n", "")), ascii(out)
    out.encode("utf-8")  # no lone surrogate: the output is valid UTF-8
    if fmt == "json":
        paths = [p["path"] for p in json.loads(out)["problems"]]
        assert f"records/sources/{name}" in paths  # the same name for a JSON reader
    else:
        assert one_line(f"records/sources/{name}") in out


def test_usage_error_naming_a_hostile_path_is_escaped(mini_repo: MiniRepo, run_cli) -> None:
    code, _, err = run_cli("validate", "--root", mini_repo.root, "no\u202esuch.yaml")
    assert code == 2
    assert "\u202e" not in err and "\\u202e" in err


def test_lone_surrogate_in_a_note_stops_validate_not_build(mini_repo: MiniRepo, run_cli) -> None:
    path = mini_repo.path("actors", "usa")
    path.write_text(path.read_text(encoding="utf-8") + 'note: "half \\uD800 a pair"\n', encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1 and "note: contains a lone surrogate (U+D800)" in out
    code, _, err = run_cli("build", "--root", mini_repo.root)
    assert code == 1 and "nothing was written" in err


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c", "\u00ad"]
    + ["\ue000", "\U000f0000", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\ud800", "\udfff"]
    + ["\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"],
)
def test_every_unsafe_character_is_refused_and_escaped(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        _check_text(f"before {char} after")
    assert char not in one_line(f"a{char}b")
    assert char not in safe_json({f"k{char}": f"v{char}"})
    assert json.loads(safe_json({f"k{char}": f"v{char}"})) == {f"k{char}": f"v{char}"}


@pytest.mark.parametrize("text", ["Saïd Chengriha", "الجزائر", "中国", "Ελλάδα", "line one\nline two", "a\tb"])
def test_ordinary_text_still_passes(text: str) -> None:
    assert _check_text(unicodedata.normalize("NFC", text)) == unicodedata.normalize("NFC", text)


def test_output_the_terminal_cannot_encode_is_escaped(mini_repo: MiniRepo, tmp_path: Path) -> None:
    """With an ASCII-only terminal, a non-ASCII message is escaped, not a UnicodeEncodeError."""
    import subprocess

    (mini_repo.root / "records" / "sources" / "caf\u00e9.yaml").write_bytes(b"id: x\n")
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": os.pathsep.join(sys.path)}
    code = "import sys; from minsec.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "validate", "--root", str(mini_repo.root)], capture_output=True, env=env
    )
    assert result.returncode == 1, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"caf\\xe9.yaml" in result.stdout
