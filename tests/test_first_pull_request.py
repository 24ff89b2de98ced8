"""The rest of a contributor's first pull request: every findable problem in one run, and
YAML mistakes explained in words a contributor can act on."""

from conftest import CLAIM_ID, SOURCE_ID, line_containing


def test_a_schema_error_does_not_hide_the_files_reference_and_quote_problems(mini_repo, run_cli) -> None:
    def damage(data: dict) -> None:
        data["colour"] = "green"  # a schema error: unknown field
        data["affiliation_id"] = "nobody-here"  # a dangling reference
        data["citations"][0]["quote"] = "Jane Doe, the U.S. special envoy, signed the agreement."  # a misquote

    path = mini_repo.rewrite("jane-doe", damage)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = out.splitlines()[:-1]
    where = "records/actors/jane-doe.yaml"
    assert f"{where}:{line_containing(path, 'colour')}: colour: unknown field; did you mean 'country'?" in lines
    assert (
        f"{where}:{line_containing(path, 'affiliation_id')}: affiliation_id: 'nobody-here' is not an actor id; "
        "add records/actors/nobody-here.yaml or fix the id" in lines
    )
    quote = [
        line for line in lines if line.startswith(f"{where}:{line_containing(path, 'quote')}: citations[0].quote:")
    ]
    assert quote and "not found in the text of 'mini-article' (checked against its fingerprint)" in quote[0]
    assert out.splitlines()[-1].startswith("8 files checked, 3 problems found")


def test_a_quote_of_a_file_with_a_schema_error_is_checked_against_the_text_too(mini_repo, run_cli) -> None:
    mini_repo.rewrite(
        CLAIM_ID,
        lambda d: (
            d.update(verification="maybe") or d["citations"][0].update(quote="Analysts estimate that the Congo holds")
        ),
    )
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    assert "verification: 'maybe' is not allowed" in out
    assert "citations[0].quote" not in out, "a verbatim quote of a broken record is no problem"


def test_an_unquoted_colon_in_a_value_says_to_quote_the_value(mini_repo, run_cli) -> None:
    path = mini_repo.path("sources", SOURCE_ID)
    text = path.read_text(encoding="utf-8").replace(
        "title: 'Cobalt for Security: A Test Article'", "title: Cobalt for Security: A Test Article"
    )
    assert "title: Cobalt for Security: A Test Article" in text
    path.write_text(text, encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    line = line_containing(path, "title:")
    assert out.startswith(
        f"records/sources/{SOURCE_ID}.yaml:{line}: not valid YAML: mapping values are not allowed here: the value "
        "holds a colon followed by a space, which YAML reads as another field; put the whole value in double quotes"
    )


def test_a_badly_indented_field_says_so_not_to_quote(mini_repo, run_cli) -> None:
    path = mini_repo.path("sources", SOURCE_ID)
    path.write_text(path.read_text(encoding="utf-8").replace("outlet_type: ", "  outlet_type: ", 1), encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "mapping values are not allowed here: check that this line is indented like the lines of its block" in out
