"""`minsec validate` on a small repository: every problem, located, worded, with the right exit code."""

import hashlib
import json
import re

import pytest

from conftest import CLAIM_ID, DEAL_ID, EVENT_ID, SOURCE_ID, line_containing, read_csv
from minsec.validate import validate

PROBLEM_LINE = re.compile(r"^(?P<path>records/[^:]+\.yaml):(?P<line>\d+): (?:(?P<field>[\w.\[\]]+): )?(?P<msg>.+)$")
SUMMARY = re.compile(r"^(\d+) files? checked, (\d+) problems? found; ")


def problem_lines(out: str) -> list[str]:
    lines = out.strip().splitlines()
    assert SUMMARY.match(lines[-1]), lines[-1]
    return lines[:-1]


def test_clean_set_exits_0(mini_repo, run_cli) -> None:
    code, out, err = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 0, out + err
    assert out.strip().splitlines() == [
        f"{len(mini_repo.records)} files checked, 0 problems found; quotes checked against the text of 1 (mini-article)"
    ]


def test_without_corpus_quotes_are_checked_against_the_fingerprints(mini_repo, run_cli) -> None:
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 0
    assert out.endswith("0 problems found; quotes checked against the fingerprint of 1 (mini-article)\n")


def test_without_corpus_or_fingerprint_quotes_are_not_checked_and_that_is_a_problem(mini_repo, run_cli) -> None:
    (mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint").unlink()
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert (
        f"records/sources/{SOURCE_ID}.yaml:{line_containing(mini_repo.path('sources', SOURCE_ID), 'text_file')}: "
        "text_file: there is no corpus and "
        f"records/sources/{SOURCE_ID}.fingerprint is missing, so quotes citing it cannot be verified; "
        "run `minsec fingerprint --corpus DIR`" in out
    )
    assert out.endswith(f"found; quotes of 1 ({SOURCE_ID}) NOT checked (see the problems above)\n")


def test_corpus_from_environment(mini_repo, run_cli, monkeypatch) -> None:
    mini_repo.rewrite("usa", lambda d: d["citations"][0].update(quote="The United States and the Congo"))
    monkeypatch.setenv("MINSEC_CORPUS", str(mini_repo.corpus))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "records/actors/usa.yaml" in out


def _set_party(d: dict) -> None:
    d["parties"][2]["actor_id"] = "nobody"  # the broker: the terms' providers stay parties


def _set_event_actor(d: dict) -> None:
    d["actors"][1]["actor_id"] = "nobody"


def _set_subject(d: dict) -> None:
    d["subject_id"] = "nobody"


def _set_citation_source(d: dict) -> None:
    d["citations"][0]["source_id"] = "no-such-source"


@pytest.mark.parametrize(
    ("record_id", "change", "field", "needle", "target"),
    [
        (DEAL_ID, _set_party, "parties[2].actor_id", "actor_id: nobody", "nobody"),
        (EVENT_ID, _set_event_actor, "actors[1].actor_id", "actor_id: nobody", "nobody"),
        (CLAIM_ID, _set_subject, "subject_id", "subject_id: nobody", "nobody"),
        ("jane-doe", _set_citation_source, "citations[0].source_id", "source_id: no-such-source", "no-such-source"),
    ],
)
def test_dangling_reference_reported(mini_repo, run_cli, record_id, change, field, needle, target) -> None:
    path = mini_repo.rewrite(record_id, change)
    folder = mini_repo.records[record_id][0]
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    match = PROBLEM_LINE.match(lines[0])
    assert match, lines[0]
    assert match["path"] == mini_repo.rel(folder, record_id)
    assert int(match["line"]) == line_containing(path, needle)
    assert match["field"] == field
    assert repr(target) in match["msg"]


def test_reference_hint_suggests_close_id(mini_repo, run_cli) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(commodity_id="cobalts"))
    _, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert "did you mean 'cobalt'?" in out


def test_reference_to_wrong_kind_is_dangling(mini_repo, run_cli) -> None:
    # cobalt exists, but as a commodity, not an actor
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(subject_id="cobalt"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert f"records/claims/{CLAIM_ID}.yaml" in out and "subject_id" in out


def test_duplicate_id_across_folders(mini_repo, run_cli) -> None:
    mini_repo.write("commodities", {**mini_repo.data("cobalt"), "id": "usa", "name": "Usa metal"})
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert [line.split(":")[0] for line in lines] == ["records/actors/usa.yaml", "records/commodities/usa.yaml"]
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match and match["field"] == "id" and "used by 2 records" in match["msg"]


def test_id_must_match_file_name(mini_repo, run_cli) -> None:
    path = mini_repo.write("actors", {**mini_repo.data("jane-doe"), "id": "john-doe"}, name="jane-doe")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    match = PROBLEM_LINE.match(lines[0])
    assert match["path"] == "records/actors/jane-doe.yaml"
    assert int(match["line"]) == line_containing(path, "id: john-doe")
    assert match["field"] == "id"
    assert "john-doe" in match["msg"]


def test_file_outside_record_folders(mini_repo, run_cli) -> None:
    (mini_repo.root / "records" / "stray.yaml").write_text("id: stray\n", encoding="utf-8")
    (mini_repo.root / "records" / "actors" / "jane.yml").write_text("id: jane\n", encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "records/stray.yaml:1:" in out
    assert "records/actors/jane.yml:1:" in out


def test_deal_without_status_event(mini_repo, run_cli) -> None:
    mini_repo.path("events", EVENT_ID).unlink()
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    assert lines[0].startswith(f"records/deals/{DEAL_ID}.yaml:1: ")
    assert "no status event" in lines[0]


def test_event_without_status_does_not_count(mini_repo, run_cli) -> None:
    mini_repo.rewrite(EVENT_ID, lambda d: d.pop("deal_status"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    assert "no status event" in out


def test_reference_to_withdrawn_record(mini_repo, run_cli) -> None:
    mini_repo.rewrite("jane-doe", lambda d: d.update(withdrawn=True, note="Turned out not to exist."))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    match = PROBLEM_LINE.match(lines[0])
    assert match["path"] == f"records/deals/{DEAL_ID}.yaml"
    assert match["field"] == "parties[2].actor_id"
    assert "withdrawn" in match["msg"]


def test_withdrawn_record_may_reference_withdrawn(mini_repo, run_cli) -> None:
    mini_repo.rewrite("jane-doe", lambda d: d.update(withdrawn=True, note="Gone."))
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(withdrawn=True, note="Gone too."))
    mini_repo.rewrite(EVENT_ID, lambda d: d.update(withdrawn=True, note="Gone as well."))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 0, out


def test_changed_quote_reported_with_corpus(mini_repo, run_cli) -> None:
    path = mini_repo.rewrite(
        CLAIM_ID,
        lambda d: d["citations"][0].update(
            quote="Analysts estimate that the Congo holds 80% of the world's cobalt reserves."
        ),
    )
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1, "without the corpus the fingerprint catches it"
    assert "(checked against its fingerprint): the text has no 'Congo holds 80' (tokens 5-7 of the quote" in out
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    match = PROBLEM_LINE.match(lines[0])
    assert match["path"] == f"records/claims/{CLAIM_ID}.yaml"
    assert match["field"] == "citations[0].quote"
    assert int(match["line"]) == line_containing(path, "quote:")
    assert SOURCE_ID in match["msg"]


def test_quote_white_space_may_differ(mini_repo, run_cli) -> None:
    mini_repo.rewrite(
        CLAIM_ID,
        lambda d: d["citations"][0].update(
            quote="Analysts estimate that\nthe Congo   holds 70% of the world's cobalt reserves."
        ),
    )
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 0, out


def test_text_sha256_mismatch_reported(mini_repo, run_cli) -> None:
    (mini_repo.corpus / "mini-article.txt").write_text(mini_repo.text + "An added line.\n", encoding="utf-8")
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    match = PROBLEM_LINE.match(lines[0])
    assert match["path"] == f"records/sources/{SOURCE_ID}.yaml"
    assert match["field"] == "text_sha256"
    assert int(match["line"]) == line_containing(mini_repo.path("sources", SOURCE_ID), "text_sha256:")
    new_hash = hashlib.sha256((mini_repo.text + "An added line.\n").encode()).hexdigest()
    assert new_hash in match["msg"]


def test_text_file_missing_from_corpus(mini_repo, run_cli, tmp_path) -> None:
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", empty)
    assert code == 0, "the fingerprint stands in for the missing text"
    assert "quotes checked against the fingerprint of 1 (mini-article)" in out
    (mini_repo.root / "records" / "sources" / f"{SOURCE_ID}.fingerprint").unlink()
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", empty)
    assert code == 1
    line = line_containing(mini_repo.path("sources", SOURCE_ID), "text_file")
    assert (
        f"records/sources/{SOURCE_ID}.yaml:{line}: text_file: text_file 'mini-article.txt' is not in the corpus" in out
    )


def _break_several(mini_repo) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(subject_id="nobody", verification="maybe"))
    mini_repo.rewrite("usa", lambda d: d.update(name=123))
    mini_repo.rewrite(DEAL_ID, lambda d: d["parties"][2].update(actor_id="nobody"))
    (mini_repo.root / "records" / "events" / "broken.yaml").write_text("id: broken\nid: again\n", encoding="utf-8")


def test_problem_lines_are_formatted_and_sorted(mini_repo, run_cli) -> None:
    _break_several(mini_repo)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    parsed = [PROBLEM_LINE.match(line) for line in lines]
    assert all(parsed), lines
    keys = [(m["path"], int(m["line"])) for m in parsed]
    assert keys == sorted(keys)
    assert {m["path"] for m in parsed} == {
        f"records/claims/{CLAIM_ID}.yaml",
        "records/actors/usa.yaml",
        f"records/deals/{DEAL_ID}.yaml",
        "records/events/broken.yaml",
    }
    assert any(m["field"] == "verification" and "'maybe' is not allowed" in m["msg"] for m in parsed)
    assert any(m["field"] == "name" for m in parsed)
    assert any(
        m["path"] == "records/events/broken.yaml" and m["line"] == "2" and "duplicate key" in m["msg"] for m in parsed
    )
    assert SUMMARY.match(out.strip().splitlines()[-1]).group(2) == str(len(lines))


def test_json_format_lists_the_same_problems(mini_repo, run_cli) -> None:
    _break_several(mini_repo)
    _, text_out, _ = run_cli("validate", "--root", mini_repo.root)
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["quotes_checked"] is True and report["evidence"] == {SOURCE_ID: "fingerprint"}
    rendered = [
        f"{p['path']}:{p['line']}: {p['field']}: {p['message']}"
        if p["field"]
        else f"{p['path']}:{p['line']}: {p['message']}"
        for p in report["problems"]
    ]
    assert rendered == problem_lines(text_out)
    assert all(isinstance(p["line"], int) for p in report["problems"])


def test_json_format_clean(mini_repo, run_cli) -> None:
    code, out, _ = run_cli("validate", "--root", mini_repo.root, "--corpus", mini_repo.corpus, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] is True and report["problems"] == [] and report["quotes_checked"] is True
    assert report["files_checked"] == len(mini_repo.records)


def test_files_argument_limits_the_report(mini_repo, run_cli) -> None:
    _break_several(mini_repo)
    code, out, _ = run_cli("validate", "--root", mini_repo.root, mini_repo.path("actors", "usa"))
    assert code == 1
    assert {line.split(":")[0] for line in problem_lines(out)} == {"records/actors/usa.yaml"}
    code, out, _ = run_cli("validate", "--root", mini_repo.root, mini_repo.path("actors", "cod"))
    assert code == 0, out


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--root", "{tmp}/does-not-exist"),
        ("validate", "--root", "{root}", "--corpus", "{tmp}/no-corpus"),
        ("build", "--root", "{tmp}/does-not-exist"),
        ("build", "--root", "{root}", "--corpus", "{tmp}/no-corpus"),
        ("validate", "--root", "{root}", "{tmp}/no-such-file.yaml"),
        ("validate", "--root", "{root}", "--format", "xml"),
        ("validate", "--no-such-option"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(mini_repo, run_cli, tmp_path, args) -> None:
    code, out, err = run_cli(*(a.format(tmp=tmp_path, root=mini_repo.root) for a in args))
    assert code == 2
    assert "Traceback" not in out + err
    assert err.strip()


def test_validate_api_reports_same_as_cli(mini_repo) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(subject_id="nobody"))
    report = validate(mini_repo.root, [mini_repo.corpus])
    assert not report.ok
    assert [(p.path, p.field) for p in report.problems] == [(f"records/claims/{CLAIM_ID}.yaml", "subject_id")]
    assert report.corpus_checked


def test_wrong_number_type_is_one_problem_in_its_field(mini_repo, run_cli) -> None:
    mini_repo.rewrite(CLAIM_ID, lambda d: d.update(value="20"))
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    lines = problem_lines(out)
    assert len(lines) == 1, out
    assert PROBLEM_LINE.match(lines[0])["field"] == "value"


def _later_negotiating_event(mini_repo, **extra) -> None:
    data = mini_repo.data(EVENT_ID)
    data.update(id="2025-04-renegotiation", date="2025-04", event_type="talks", deal_status="negotiating", **extra)
    mini_repo.write("events", data)


def test_status_going_backwards_needs_a_note(mini_repo, run_cli) -> None:
    _later_negotiating_event(mini_repo)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    (line,) = problem_lines(out)
    match = PROBLEM_LINE.match(line)
    assert (match["path"], match["field"]) == ("records/events/2025-04-renegotiation.yaml", "deal_status")
    assert f"goes back from 'signed' ({EVENT_ID}, 2025-03-09) to 'negotiating'" in match["msg"]


def test_status_going_backwards_with_a_note_is_accepted(mini_repo, run_cli) -> None:
    _later_negotiating_event(mini_repo, note="The source reports that the signed deal was reopened.")
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 0, out


def test_likely_duplicate_event_reported_until_a_note_names_the_other(mini_repo, run_cli) -> None:
    twin = {**mini_repo.data(EVENT_ID), "id": "2025-03-09-cobalt-deal-signed-twice"}
    twin.pop("deal_id"), twin.pop("deal_status")
    mini_repo.write("events", twin)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    expected = "duplicate of '2025-03-09-cobalt-deal-signed-twice' (same type and actors, and dates that may coincide)"
    assert expected in out
    twin["note"] = f"A second signing on the same day, distinct from {EVENT_ID}: the source reports two ceremonies."
    mini_repo.write("events", twin)
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_undated_events_are_compared_for_duplicates(mini_repo, run_cli) -> None:
    """0.1.0 skipped undated events, so two records of one meeting were never compared."""
    twin = {**mini_repo.data(EVENT_ID), "id": "cobalt-deal-signed-undated"}
    for key in ("deal_id", "deal_status", "date"):
        twin.pop(key)
    mini_repo.write("events", twin)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    (line,) = problem_lines(out)
    assert "looks like a duplicate of" in line and "cobalt-deal-signed-undated" in line
    twin.update(date_latest="2025-02", date_basis="Before the signing, as the text says.")
    mini_repo.write("events", twin)
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0  # bounds that exclude the other date


def test_a_later_month_does_not_go_back_from_a_day_in_it(mini_repo, run_cli) -> None:
    """An offer on 14 April then talks dated 'April': not a step back, and the status moves on."""
    mini_repo.rewrite(EVENT_ID, lambda d: d.update(date="2026-04-14", event_type="offer", deal_status="proposed"))
    talks = {**mini_repo.data(EVENT_ID), "id": "2026-04-talks", "date": "2026-04"}
    talks.update(event_type="talks", deal_status="negotiating")
    mini_repo.write("events", talks)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 0, out
    assert run_cli("build", "--root", mini_repo.root)[0] == 0
    deal = next(r for r in read_csv(mini_repo.root, "deals") if r["id"] == DEAL_ID)
    assert (deal["status"], deal["status_as_of"], deal["status_as_of_precision"]) == (
        "negotiating",
        "2026-04-01",
        "month",
    )


def test_one_source_contradicting_itself_needs_bounds_or_a_note(mini_repo, run_cli) -> None:
    collapse = {**mini_repo.data(EVENT_ID), "id": "2025-03-09-collapse"}
    collapse.update(event_type="agreement_collapsed", deal_status="collapsed")
    mini_repo.write("events", collapse)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    (line,) = problem_lines(out)
    assert line.startswith(f"records/deals/{DEAL_ID}.yaml:")
    assert f"alone reports collapsed (2025-03-09-collapse), signed ({EVENT_ID}) with no order" in line
    mini_repo.rewrite(DEAL_ID, lambda d: d.update(note="The source reports 2025-03-09-collapse on the signing day."))
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_an_event_lists_the_state_its_person_acts_for(mini_repo, run_cli) -> None:
    """Jane Doe acts for the United States; an event that lists her but not it is incomplete."""
    event = mini_repo.data(EVENT_ID)
    event.update(id="2025-03-10-envoy-statement", event_type="statement", date="2025-03-10")
    for key in ("deal_id", "deal_status"):
        event.pop(key)
    event["actors"] = [{"actor_id": "jane-doe", "role": "initiator"}, {"actor_id": "cod", "role": "target"}]
    mini_repo.write("events", event)
    code, out, _ = run_cli("validate", "--root", mini_repo.root)
    assert code == 1
    (line,) = problem_lines(out)
    assert line.startswith("records/events/2025-03-10-envoy-statement.yaml:")
    assert "'jane-doe' acts for 'usa', which the event does not list; add usa with the same role (initiator)" in line
    event["note"] = "The envoy spoke for herself; usa is not a party (the source says so)."
    mini_repo.write("events", event)
    assert run_cli("validate", "--root", mini_repo.root)[0] == 0


def test_build_derives_status_reports_once(mini_repo, run_cli, monkeypatch) -> None:
    """The three status rules and the build share one derivation (it was four per build)."""
    import minsec.derive

    calls = []
    real = minsec.derive.status_reports
    monkeypatch.setattr(minsec.derive, "status_reports", lambda events: calls.append(1) or real(events))
    monkeypatch.setattr("minsec.validate.status_reports", minsec.derive.status_reports)
    code, _out, err = run_cli("build", "--root", mini_repo.root)
    assert code == 0, err
    assert len(calls) == 1


def test_files_without_the_draft_marker_are_not_read_twice(mini_repo, monkeypatch) -> None:
    """Whole-set validate looks for the review marker again only in files whose bytes held it."""
    import minsec.validate

    looked_at: list[str] = []
    real = minsec.validate.check_draft_markers
    monkeypatch.setattr(
        minsec.validate, "check_draft_markers", lambda root, paths: looked_at.extend(paths) or real(root, paths)
    )
    assert validate(mini_repo.root).ok
    assert looked_at == []


def test_set_rules_run_without_cyclic_collection(mini_repo, monkeypatch) -> None:
    """The set rules make many objects and no cycles: the collector is paused (and resumed after)."""
    import gc

    import minsec.validate

    seen = []
    real = minsec.validate._by_id
    monkeypatch.setattr(minsec.validate, "_by_id", lambda records: seen.append(gc.isenabled()) or real(records))
    assert validate(mini_repo.root).ok
    assert seen == [False]
    assert gc.isenabled()


def test_the_misfiled_check_agrees_with_the_models_on_every_real_record(repo_root) -> None:
    """Whether data is a valid record of another kind is answered without wording problems,
    first by the keys a model refuses: on every real record it must agree with the model."""
    from pydantic import ValidationError

    from minsec.models import MODELS
    from minsec.record_files import _valid_as
    from minsec.yaml_loader import load_document

    checked = 0
    for path in sorted((repo_root / "records").glob("*/*.yaml")):
        data = load_document(path.read_bytes()).data
        for model in MODELS:
            try:
                model.model_validate(data)
                valid = True
            except ValidationError:
                valid = False
            assert _valid_as(model, data) is valid, (path.name, model.__name__)
            checked += valid
    assert checked >= 100, "each real record is valid as its own kind"
    assert not _valid_as(MODELS[0], {"id": "x", "a-key-no-model-has": 1})
