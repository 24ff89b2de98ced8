"""``minsec diff``: record-level and schema changes between two versions, and the bump they need.

Most tests change a copy of the committed ``datapackage/`` the way a later build would and
compare it with the original."""

import contextlib
import copy
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PackageCopy
from minsec.cli import main
from minsec.diff import diff, schema_changes
from minsec.export import release_artifacts
from minsec.package_files import from_folder
from minsec.versioning import Bump


def first_live_row(package: PackageCopy, table: str) -> int:
    """Index of the first row that is not withdrawn."""
    header, rows = package.rows(table)
    return next(i for i, row in enumerate(rows) if row[header.index("withdrawn")] == "false")


def test_value_added_withdrawn_and_column_removed_are_reported_exactly(
    repo_root: Path, package_copy: PackageCopy, run_cli
) -> None:
    header, rows = package_copy.rows("deals")
    old_summary = rows[0][header.index("summary")]
    corrected = package_copy.set_value("deals", "summary", "A corrected summary.")
    added = package_copy.add_row("actors", "new-test-actor")
    row = first_live_row(package_copy, "claims")
    withdrawn = package_copy.set_value("claims", "withdrawn", "true", row=row)
    package_copy.remove_column("events", "location")

    changes = diff(from_folder(repo_root / "datapackage"), from_folder(package_copy.folder))

    assert [(c.kind, c.table, c.column, c.bump) for c in changes.schema] == [
        ("column_removed", "events", "location", Bump.MAJOR)
    ]
    by_table = {t.name: t for t in changes.tables}
    assert set(by_table) == {"deals", "actors", "claims"}
    assert by_table["actors"].added == (("new-test-actor",),) and added == "new-test-actor"
    assert (by_table["actors"].removed, by_table["actors"].changed) == ((), ())
    deal_change = by_table["deals"].changed
    assert [(c.key, c.withdrawn) for c in deal_change] == [((corrected,), False)]
    assert [(v.column, v.old, v.new) for v in deal_change[0].values] == [
        ("summary", old_summary, "A corrected summary.")
    ]
    assert (by_table["deals"].added, by_table["deals"].removed) == ((), ())
    claim_change = by_table["claims"].changed
    assert [(c.key, c.withdrawn) for c in claim_change] == [((withdrawn,), True)]
    assert [(v.column, v.old, v.new) for v in claim_change[0].values] == [("withdrawn", "false", "true")]
    assert changes.required is Bump.MAJOR

    code, out, err = run_cli("diff", "--format", "json", repo_root / "datapackage", package_copy.folder)
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert report["required_bump"] == "major"
    assert report["tables"]["claims"]["withdrawn"] == [[withdrawn]]
    assert report["tables"]["actors"]["added"] == [["new-test-actor"]]
    assert report["tables"]["deals"]["changed"] == [
        {
            "key": [corrected],
            "withdrawn": False,
            "values": {"summary": {"old": old_summary, "new": "A corrected summary."}},
        }
    ]
    assert [c["kind"] for c in report["schema_changes"]] == ["column_removed"]
    assert out == json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_value_correction_only_needs_a_patch(repo_root: Path, package_copy: PackageCopy, run_cli) -> None:
    package_copy.set_value("actors", "role", "Someone else entirely")
    changes = diff(from_folder(repo_root / "datapackage"), from_folder(package_copy.folder))
    assert changes.schema == ()
    assert changes.required is Bump.PATCH
    code, out, _ = run_cli("diff", repo_root / "datapackage", package_copy.folder)
    assert code == 1
    assert "required version bump: patch" in out
    assert "role:" in out and '"Someone else entirely"' in out


def test_additions_only_need_a_minor(repo_root: Path, package_copy: PackageCopy) -> None:
    package_copy.add_row("commodities", "unobtainium")
    descriptor = package_copy.descriptor()
    fields = package_copy.resource(descriptor, "events")["schema"]["fields"]
    enum = next(f for f in fields if f["name"] == "event_type")["constraints"]["enum"]
    enum.append("coronation")
    package_copy.write_descriptor(descriptor)
    changes = diff(from_folder(repo_root / "datapackage"), from_folder(package_copy.folder))
    assert [(c.kind, c.new) for c in changes.schema] == [("enum_values_added", ["coronation"])]
    assert [(t.name, t.added) for t in changes.tables] == [("commodities", (("unobtainium",),))]
    assert changes.required is Bump.MINOR


def test_removed_row_in_a_composite_key_table_is_major(repo_root: Path, package_copy: PackageCopy) -> None:
    removed = package_copy.remove_row("deal_parties")
    header, rows = package_copy.rows("event_actors")
    role = rows[0][header.index("role")]
    package_copy.set_value("event_actors", "role", "target" if role != "target" else "initiator")
    changes = diff(from_folder(repo_root / "datapackage"), from_folder(package_copy.folder))
    by_table = {t.name: t for t in changes.tables}
    assert by_table["deal_parties"].primary_key == ("deal_id", "actor_id")
    assert by_table["deal_parties"].removed == ((removed[0], removed[1]),)
    assert [c.key for c in by_table["event_actors"].changed] == [(rows[0][0], rows[0][1])]
    assert by_table["event_actors"].bump is Bump.PATCH
    assert changes.required is Bump.MAJOR


def test_nothing_changed_exits_zero(repo_root: Path, package_copy: PackageCopy, run_cli) -> None:
    code, out, err = run_cli("diff", repo_root / "datapackage", package_copy.folder)
    assert (code, err) == (0, "")
    assert "no changes: no version bump needed" in out
    code, out, _ = run_cli("diff", "--format", "json", repo_root / "datapackage", package_copy.folder)
    assert code == 0
    assert json.loads(out)["required_bump"] == "none"
    assert json.loads(out)["changed"] is False


def test_version_and_created_alone_are_no_change(repo_root: Path, package_copy: PackageCopy) -> None:
    package_copy.set_version("9.9.9")
    assert not diff(from_folder(repo_root / "datapackage"), from_folder(package_copy.folder)).changed


def test_markdown_report(repo_root: Path, package_copy: PackageCopy, run_cli) -> None:
    package_copy.remove_column("deals", "value_as_reported")
    key = package_copy.set_value("deals", "title", "A | piped title")
    code, out, _ = run_cli("diff", "--format", "markdown", repo_root / "datapackage", package_copy.folder)
    assert code == 1
    assert out.startswith("# minsec diff: ")
    assert (
        "**Required version bump: major (breaking changes); while the major version is 0, a minor bump (0.x policy).**"
        in out
    )
    assert "| breaking | `column_removed` | column deals.value_as_reported removed (or renamed) |" in out
    assert f"- changed `{key}`" in out
    assert '"A \\| piped title"' in out


# --- schema classification -----------------------------------------------------------------------

BASE = {
    "name": "p",
    "version": "1.0.0",
    "resources": [
        {
            "name": "things",
            "path": "data/things.csv",
            "description": "Things.",
            "schema": {
                "fields": [
                    {"name": "id", "type": "string", "constraints": {"required": True}},
                    {"name": "n", "type": "integer", "description": "A number."},
                    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
                    {"name": "other_id", "type": "string"},
                ],
                "primaryKey": ["id"],
                "foreignKeys": [{"fields": ["other_id"], "reference": {"resource": "others", "fields": ["id"]}}],
            },
        },
        {"name": "others", "path": "data/others.csv", "schema": {"fields": [{"name": "id", "type": "string"}]}},
    ],
}


def changed(edit) -> list[tuple[str, Bump]]:
    new = copy.deepcopy(BASE)
    edit(new)
    return [(c.kind, c.bump) for c in schema_changes(BASE, new)]


def fields(d: dict) -> list[dict]:
    return d["resources"][0]["schema"]["fields"]


def field(d: dict, name: str) -> dict:
    return next(f for f in fields(d) if f["name"] == name)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["resources"].pop(1), [("table_removed", Bump.MAJOR)]),
        (
            lambda d: d["resources"][1].update(name="others2"),
            [("table_removed", Bump.MAJOR), ("table_added", Bump.MINOR)],
        ),
        (
            lambda d: d["resources"].append({"name": "new", "path": "data/new.csv", "schema": {"fields": []}}),
            [("table_added", Bump.MINOR)],
        ),
        (lambda d: fields(d).append({"name": "extra", "type": "string"}), [("column_added", Bump.MINOR)]),
        (lambda d: field(d, "n").update(name="count"), [("column_removed", Bump.MAJOR), ("column_added", Bump.MINOR)]),
        (lambda d: field(d, "n").update(type="string"), [("type_changed", Bump.MINOR)]),
        (lambda d: field(d, "n").update(type="number"), [("type_changed", Bump.MAJOR)]),
        (lambda d: field(d, "other_id").update(type="integer"), [("type_changed", Bump.MAJOR)]),
        (lambda d: field(d, "kind")["constraints"]["enum"].remove("b"), [("enum_values_removed", Bump.MAJOR)]),
        (lambda d: field(d, "kind")["constraints"]["enum"].append("c"), [("enum_values_added", Bump.MINOR)]),
        (lambda d: field(d, "kind").pop("constraints"), [("constraint_removed", Bump.MINOR)]),
        (lambda d: field(d, "n").update(constraints={"required": True}), [("required_added", Bump.MAJOR)]),
        (lambda d: field(d, "id").pop("constraints"), [("required_removed", Bump.MINOR)]),
        (lambda d: field(d, "id")["constraints"].update(pattern="^[a-z]+$"), [("constraint_added", Bump.MAJOR)]),
        (lambda d: d["resources"][0]["schema"].update(primaryKey=["id", "n"]), [("primary_key_changed", Bump.MAJOR)]),
        (lambda d: d["resources"][0]["schema"].pop("foreignKeys"), [("foreign_key_removed", Bump.MINOR)]),
        (
            lambda d: d["resources"][0]["schema"]["foreignKeys"].append(
                {"fields": ["kind"], "reference": {"resource": "others", "fields": ["id"]}}
            ),
            [("foreign_key_added", Bump.MAJOR)],
        ),
        (
            lambda d: d["resources"][0]["schema"]["foreignKeys"][0]["reference"].update(resource="things"),
            [("foreign_key_changed", Bump.MAJOR)],
        ),
        (lambda d: field(d, "n").update(description="A count."), [("description_changed", Bump.PATCH)]),
        (lambda d: d["resources"][0].update(description="Stuff."), [("table_description_changed", Bump.PATCH)]),
        (lambda d: d["resources"][0].update(path="data/stuff.csv"), [("table_property_changed", Bump.MAJOR)]),
        (lambda d: d.update(title="A title"), [("package_metadata_changed", Bump.PATCH)]),
        (lambda d: fields(d).reverse(), [("columns_reordered", Bump.MINOR)]),
        (lambda d: d.update(version="2.0.0", created="2030-01-01T00:00:00Z"), []),
    ],
    ids=lambda value: "" if callable(value) else None,
)
def test_schema_change_classification(edit, expected) -> None:
    assert changed(edit) == expected


def test_removing_a_column_does_not_also_report_its_foreign_key() -> None:
    assert changed(lambda d: fields(d).pop()) == [("column_removed", Bump.MAJOR)]


# --- inputs --------------------------------------------------------------------------------------


def test_every_kind_of_input_is_read(repo_root: Path, package_copy: PackageCopy, tmp_path: Path, run_cli) -> None:
    key = package_copy.set_value("deals", "title", "Another title")
    package_copy.set_version("0.0.1")
    root = tmp_path / "repo"
    release = root / "releases" / "0.0.1"
    release.mkdir(parents=True)
    for name, content in release_artifacts(package_copy.folder).items():
        (release / name).write_bytes(content)
    shutil.copy2(package_copy.folder / "datapackage.json", release / "datapackage.json")
    original = repo_root / "datapackage"
    for spec in [
        package_copy.folder,
        package_copy.folder / "datapackage.json",
        release / "minsec-0.0.1.zip",
        release,
        release / "datapackage.json",
        "0.0.1",
    ]:
        code, out, err = run_cli("diff", "--root", root, "--format", "json", original, spec)
        assert (code, err) == (1, ""), spec
        report = json.loads(out)
        assert report["new"]["version"] == "0.0.1", spec
        assert [c["key"] for c in report["tables"]["deals"]["changed"]] == [[key]], spec


def test_unknown_input_is_a_usage_error(tmp_path: Path, repo_root: Path, run_cli) -> None:
    code, out, err = run_cli("diff", "--root", tmp_path, "no-such-thing", repo_root / "datapackage")
    assert code == 2 and out == ""
    assert err.startswith("minsec: no-such-thing: not a folder holding datapackage.json")
    assert "Traceback" not in err


def test_git_refs(repo_root: Path, tmp_path: Path, run_cli) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(repo_root / "datapackage", root / "datapackage")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "trunk")
    git("add", "-A")
    git("commit", "-qm", "first")
    package = PackageCopy(root / "datapackage")
    key = package.set_value("commodities", "name", "Renamed commodity")
    git("commit", "-qam", "second")
    code, out, _ = run_cli("diff", "--root", root, "--format", "json", "HEAD~1", "trunk")
    assert code == 1
    report = json.loads(out)
    assert (report["old"]["label"], report["new"]["label"]) == ("git HEAD~1", "git trunk")
    assert report["tables"]["commodities"]["changed"][0]["key"] == [key]
    assert report["required_bump"] == "patch"
    code, _, _ = run_cli("diff", "--root", root, "HEAD", root / "datapackage")
    assert code == 0


def _damage(descriptor: dict, start: str, steps: list[int], how: str) -> None:
    """From ``start`` (the package, a resource, its schema or one of its fields), walk along
    ``steps`` (indices into each level's keys or items) and delete or replace what is there."""
    resource = descriptor["resources"][steps[0] % len(descriptor["resources"])]
    schema = resource["schema"]
    fields = schema["fields"] if isinstance(schema["fields"], list) else [schema["fields"]]
    node: object = {
        "package": descriptor,
        "resource": resource,
        "schema": schema,
        "field": fields[steps[0] % len(fields)],
    }[start]
    parent: dict | list | None = None
    key: object = None
    for step in steps[1:]:
        if isinstance(node, dict) and node:
            parent, key = node, sorted(node)[step % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, step % len(node)
        else:
            break
        node = parent[key]  # type: ignore[index]
    if parent is None:
        return
    if how == "delete":
        del parent[key]  # type: ignore[arg-type]
    else:
        parent[key] = {"int": 3, "str": "x", "list": ["x"], "null": None, "dict": {}}[how]  # type: ignore[index]


@pytest.fixture(scope="module")
def package_to_damage(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the committed package, whose descriptor the damage test overwrites at every example."""
    package = tmp_path_factory.mktemp("damaged") / "datapackage"
    shutil.copytree(repo_root / "datapackage", package)
    return package


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["package", "resource", "schema", "field"]),
            st.lists(st.integers(0, 50), min_size=2, max_size=5),
            st.sampled_from(["delete", "int", "str", "list", "null", "dict"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_damaged_descriptor_is_a_message_not_a_traceback(
    repo_root: Path, package_to_damage: Path, damage: list
) -> None:
    """A datapackage.json edited by hand or by another tool: diff reports or refuses it cleanly."""
    descriptor = json.loads((repo_root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    for start, steps, how in damage:
        if not all(
            isinstance(r, dict) and isinstance(r.get("schema"), dict) and r["schema"].get("fields")
            for r in (descriptor["resources"] if isinstance(descriptor.get("resources"), list) else [None]) or [None]
        ):
            break
        _damage(descriptor, start, steps, how)
    package = package_to_damage  # only its descriptor changes, and diff writes nothing: one copy serves every example
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", "--root", str(repo_root), str(repo_root / "datapackage"), str(package)])
    assert code in (0, 1, 2)
    if code == 2:
        assert err.getvalue().startswith("minsec: ") and "Traceback" not in err.getvalue()
    else:
        assert out.getvalue().startswith("minsec diff: ")
