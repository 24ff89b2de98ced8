"""`minsec new KIND ID`: a skeleton with every field present and explained, in the right folder."""

import re
from pathlib import Path

import pytest

from minsec.models import MODELS, PLACEHOLDER
from minsec.skeleton import skeleton
from minsec.vocabularies import DealType
from minsec.yaml_loader import load_document

KINDS = [m.record_kind.value for m in MODELS]
COMMENT = re.compile(r"^# (?P<key>\w+) \((?P<need>required|optional)[;)]")


def keys_with_comments(text: str) -> dict[str, str]:
    """Each commented field name mapped to ``required`` or ``optional``, as the skeleton says."""
    return {m["key"]: m["need"] for m in map(COMMENT.match, text.splitlines()) if m}


@pytest.mark.parametrize("kind", KINDS)
def test_new_writes_skeleton_in_the_right_folder(kind: str, mini_repo, run_cli, repo_root: Path) -> None:
    model = next(m for m in MODELS if m.record_kind.value == kind)
    code, out, err = run_cli("new", "--root", mini_repo.root, kind, "a-brand-new-record")
    assert (code, err) == (0, ""), err
    path = mini_repo.root / "records" / model.folder / "a-brand-new-record.yaml"
    assert f"records/{model.folder}/a-brand-new-record.yaml" in out
    text = path.read_text(encoding="utf-8")

    first = text.splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../../schemas/records/{kind}.schema.json"
    schema = (repo_root / "records" / model.folder / first.split("=", 1)[1]).resolve()
    assert schema.is_file(), f"the editor hint points at a missing schema: {schema}"

    document = load_document(text.encode("utf-8"))
    assert document.data["id"] == "a-brand-new-record"
    fields = {info.alias or name for name, info in model.model_fields.items()}
    assert set(document.data) == fields, "every top-level field is present, no other"
    commented = keys_with_comments(text)
    assert fields <= set(commented), "every field has a comment line"
    for name, info in model.model_fields.items():
        if info.is_required():
            assert commented[info.alias or name] == "required", name


def test_new_lists_allowed_values_and_placeholders(mini_repo, run_cli) -> None:
    run_cli("new", "--root", mini_repo.root, "deal", "usa-xyz-minerals-2025")
    text = (mini_repo.root / "records" / "deals" / "usa-xyz-minerals-2025.yaml").read_text(encoding="utf-8")
    deal_type_comment = next(line for line in text.splitlines() if line.startswith("# deal_type ("))
    assert "one of " + ", ".join(DealType.values()) in deal_type_comment
    assert f"title: {PLACEHOLDER}" in text


def test_skeleton_fails_validation_only_on_placeholders(mini_repo, run_cli) -> None:
    """A fresh skeleton is invalid until filled in, and says so in terms of the placeholders."""
    run_cli("new", "--root", mini_repo.root, "event", "2026-01-01-new-event")
    path = mini_repo.root / "records" / "events" / "2026-01-01-new-event.yaml"
    code, out, _ = run_cli("validate", "--root", mini_repo.root, path)
    assert code == 1
    problems = out.strip().splitlines()[:-1]
    assert problems
    assert all(PLACEHOLDER in line for line in problems), problems


def test_new_accepts_plural_kind(mini_repo, run_cli) -> None:
    assert run_cli("new", "--root", mini_repo.root, "claims", "a-new-claim")[0] == 0
    assert (mini_repo.root / "records" / "claims" / "a-new-claim.yaml").is_file()


@pytest.mark.parametrize("taken", ["usa", "cobalt"])
def test_new_refuses_an_existing_id_in_any_folder(taken: str, mini_repo, run_cli) -> None:
    before = {p: p.read_bytes() for p in (mini_repo.root / "records").rglob("*.yaml")}
    code, _, err = run_cli("new", "--root", mini_repo.root, "actor", taken)
    assert code == 2
    assert f"id {taken!r} is taken" in err and "never reused" in err
    assert {p: p.read_bytes() for p in (mini_repo.root / "records").rglob("*.yaml")} == before


@pytest.mark.parametrize("bad", ["Bad_Id", "usa--dza", "usa_dza", "usa-", "ü-deal", "x" * 81, "../escape"])
def test_new_refuses_an_id_off_the_pattern(bad: str, mini_repo, run_cli) -> None:
    before = sorted((mini_repo.root).rglob("*"))
    code, _, err = run_cli("new", "--root", mini_repo.root, "deal", bad)
    assert code == 2
    assert "is not a valid id" in err
    assert sorted((mini_repo.root).rglob("*")) == before


def test_new_refuses_an_unknown_kind(mini_repo, run_cli) -> None:
    code, _, err = run_cli("new", "--root", mini_repo.root, "treaty", "some-treaty")
    assert code == 2
    assert "unknown record kind 'treaty'" in err


def test_skeleton_is_generated_from_the_model() -> None:
    """A field added to a model appears in its skeleton without anyone editing the skeleton code."""
    for model in MODELS:
        text = skeleton(model, "x")
        for name, info in model.model_fields.items():
            assert re.search(rf"^{re.escape(info.alias or name)}:", text, re.MULTILINE), (model, name)
