"""How minsec's costs grow with the number of records: a benchmark, not a test.

It clones the real records of this repository into synthetic repositories of about N
records (every record file, with its id and every id it refers to rewritten consistently,
so that the clones are valid, reference each other and are not likely duplicates), then
times each operation in a fresh subprocess and prints a Markdown table with per-record
costs, peak memory and the ratios issue 12 sets targets for.

    python benchmarks/bench.py                       # 1,000 and 10,000 records
    python benchmarks/bench.py --sizes 1000 10000 100000 --repeat 3 --frictionless
    python benchmarks/bench.py --sizes 10000 --baseline ../minsec-before/src   # before/after, one run

The cloning is generic: it follows the models' foreign keys (``minsec.validate.references``)
and rewrites only the id and reference scalars in each file's text, so a field added to a
model is cloned as written. Times are the minimum of ``--repeat`` runs (the machine is
shared and noisy), as CPU seconds (the process's and those of the workers it forks: see
``minsec.workers``) and wall seconds, which the workers shorten and CPU seconds do not show;
peak memory is the subprocess's maximum resident set size, and its largest worker's beside it
(which counts the pages the worker still shares with the process it was forked from).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import itertools
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "frictionless", "pydantic", "yaml", "pyarrow", "numpy")


# --- generating synthetic repositories -------------------------------------------------


def _clone_id(record_id: str, copy: int) -> str:
    suffix = f"-b{copy}"
    return record_id[: 80 - len(suffix)].rstrip("-") + suffix


def _spans(text: str, paths: set[tuple]) -> list[tuple[int, int, str]]:
    """(start, end, original text) of the scalar at each field path of the YAML in ``text``."""
    import yaml

    found: list[tuple[int, int, str]] = []

    def walk(node: yaml.Node, path: tuple) -> None:
        if path in paths and isinstance(node, yaml.ScalarNode):
            found.append((node.start_mark.index, node.end_mark.index, node.value))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    return found


def _templates(source: Path) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """(relative path, text, id and reference spans) of every record file under ``source``."""
    from minsec.record_files import read_records
    from minsec.validate import references

    loaded, problems = read_records(source)
    if problems:
        raise SystemExit(f"the records under {source} have problems; fix them first: {problems[0]}")
    out = []
    for item in loaded:
        text = (source / item.path).read_text(encoding="utf-8")
        paths = {("id",)} | {path for path, _table, _target in references(item.record)}
        out.append((item.path, text, _spans(text, paths)))
    shared = {_id(path) for path, text, spans in out if not _clones(path, text, spans)}
    return [
        (path, text, [s for s in spans if s[2] not in shared]) for path, text, spans in out if _id(path) not in shared
    ]


def _id(path: str) -> str:
    return path.rsplit("/", 1)[1].removesuffix(".yaml")


def _rewrite(text: str, spans: list[tuple[int, int, str]], copy: int) -> str:
    for start, end, value in sorted(spans, reverse=True):
        replacement = _clone_id(value, copy)
        quoted = text[start] in "'\""
        text = text[:start] + (json.dumps(replacement) if quoted else replacement) + text[end:]
    return text


def _clones(path: str, text: str, spans: list[tuple[int, int, str]]) -> bool:
    """Whether the record stays valid with its id rewritten: a state's id is its ISO code, so
    states are not cloned (one of each is shared by every copy)."""
    from minsec.models import MODEL_BY_FOLDER
    from minsec.record_files import parse_record
    from minsec.yaml_loader import load_document

    model = MODEL_BY_FOLDER[path.split("/")[1]]
    return not isinstance(parse_record(model, load_document(_rewrite(text, spans, 1).encode()), path), list)


def generate(source: Path, target: Path, records: int) -> int:
    """Write about ``records`` records under ``target/records`` (whole copies); returns the count."""
    templates = _templates(source)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source / "records", target / "records")
    total = len(list((target / "records").rglob("*.yaml")))
    noted = _needing_note(target, templates) if total < records else set()
    copy = 0
    while total < records:
        copy += 1
        _write_copy(target, templates, copy, noted)
        total += len(templates)
    return total


def _with_note_ids(text: str, cloned: re.Pattern[str], copy: int) -> str:
    """``text`` with the cloned ids its note names rewritten too (a note that names the record
    it is not a duplicate of must name that record's clone in the clone)."""
    found = _spans(text, {("note",)})
    if not found:
        return text
    start, end, _value = found[0]
    note = cloned.sub(lambda match: _clone_id(match.group(0), copy), text[start:end])
    return text[:start] + note + text[end:]


def _write_copy(target: Path, templates: list, copy: int, noted: set[str]) -> list[str]:
    written = []
    ids = sorted({_id(relative) for relative, _text, _spans in templates}, key=len, reverse=True)
    cloned = re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_-])")
    for relative, text, spans in templates:
        folder = relative.rsplit("/", 1)[0]
        path = f"{folder}/{_clone_id(_id(relative), copy)}.yaml"
        new = _with_note_ids(_rewrite(text, spans, copy), cloned, copy)
        if relative in noted:
            new = _with_note(new, f"Synthetic clone of {_id(relative)} for the benchmark.")
        (target / path).write_text(new, encoding="utf-8")
        written.append(path)
        fingerprint = (target / relative).with_suffix(".fingerprint")
        if fingerprint.is_file():  # keyed by the text's hash: the clone's is the original's, renamed
            content = json.loads(fingerprint.read_text(encoding="utf-8"))
            content["source_id"] = _clone_id(content["source_id"], copy)
            (target / path).with_suffix(".fingerprint").write_text(json.dumps(content, indent=1), encoding="utf-8")
    return written


def _with_note(text: str, sentence: str) -> str:
    """``text`` with ``sentence`` added to its note (which is added if missing)."""
    found = _spans(text, {("note",)})
    if not found:
        return text.rstrip("\n") + f"\nnote: {json.dumps(sentence)}\n"
    start, end, value = found[0]
    tail = "\n" if text[start:end].endswith("\n") else ""
    return text[:start] + json.dumps(f"{value} {sentence}") + tail + text[end:]


def _needing_note(target: Path, templates: list) -> set[str]:
    """Templates whose clones minsec takes for likely duplicates of the original (an event
    whose actors are all states, which are shared): their clones say so in note, as a
    curator would. Found by validating one copy; any other problem means a broken generator."""
    from minsec.validate import validate

    written = dict(zip(_write_copy(target, templates, 1, set()), (t[0] for t in templates), strict=True))
    problems = validate(target).problems
    for path in written:
        (target / path).unlink()
        (target / path).with_suffix(".fingerprint").unlink(missing_ok=True)
    noted = set()
    for problem in problems:
        if problem.path not in written or "duplicate" not in problem.message:
            raise SystemExit(f"a synthetic clone is invalid; the generator needs work: {problem}")
        noted.add(written[problem.path])
    return noted


def _fingerprint(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((source / "records").rglob("*")):
        if not path.is_file():
            continue
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def repository(workdir: Path, records: int) -> tuple[Path, int]:
    """A synthetic repository of about ``records`` records, generated once and reused."""
    root = workdir / f"n{records}-{_fingerprint(REPO)}"
    marker = root / ".records"
    if not marker.is_file():
        count = generate(REPO, root, records)
        marker.write_text(str(count))
    return root, int(marker.read_text())


# --- operations, each run in a fresh interpreter ---------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quiet_main(args: list[str]) -> int:
    from minsec.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(args)


def _child(op: str, root: Path, extra: list[str]) -> dict:
    """Run one operation in this (fresh) process; returns seconds and peak memory."""
    if op == "load-noarrow":
        sys.modules["pyarrow"] = None  # type: ignore[assignment]  # pandas then sees no pyarrow
    result: dict = {}
    start = time.perf_counter()
    cpu_start = time.process_time()
    if op == "validate":
        code = _quiet_main(["validate", "--root", str(root)])
        result["exit"] = code
    elif op == "build":
        code = _quiet_main(["build", "--root", str(root)])
        result["exit"] = code
    elif op == "validate-file":
        code = _quiet_main(["validate", "--root", str(root), str(root / extra[0])])
        result["exit"] = code
    elif op == "draft":
        code = _quiet_main(["draft", "--root", str(root), "--format", "json", extra[0]])
        result["exit"] = code
    elif op == "site":
        with tempfile.TemporaryDirectory(prefix="minsec-bench-site-") as out:
            code = _quiet_main(["site", "--root", str(root), str(Path(out) / "site")])
        result["exit"] = code
    elif op == "check-tables":
        from minsec import table_check

        problems = table_check.check_package(root / "datapackage")
        result["exit"] = int(bool(problems))
    elif op == "frictionless":
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("frictionless")), "validate", "datapackage.json"],
            cwd=root / "datapackage",
            capture_output=True,
        )
        result["exit"] = proc.returncode
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["peak_mb"] = children.ru_maxrss / 1024
        result["cpu"] = children.ru_utime + children.ru_stime
    elif op in ("load-arrow", "load-noarrow"):
        result["tables"] = _time_loads(root, extra[0].split(","), float(extra[1]), *extra[2:])
        result["pyarrow"] = "pyarrow" in sys.modules and sys.modules["pyarrow"] is not None
    else:
        raise SystemExit(f"unknown operation {op}")
    result["seconds"] = time.perf_counter() - start
    if "cpu" not in result:  # minsec's own forked workers (minsec.workers) count too
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["cpu"] = time.process_time() - cpu_start + workers.ru_utime + workers.ru_stime
        result["workers_mb"] = workers.ru_maxrss / 1024
    result.setdefault("peak_mb", _peak_mb())
    return result


def _time_loads(root: Path, tables: list[str], budget: float, baseline: str | None = None) -> dict:
    """``minsec.load_table(name)`` against ``pandas.read_csv(path)`` (no arguments) on the same
    file, for each table of the package under ``root``: both warmed up first, then called in
    turn (which goes first alternating) until ``budget`` seconds per table are spent, at
    least 5 and at most 200 times each; the minimum of each is kept. ``baseline``: a source
    folder whose ``minsec/load.py`` (another minsec's) is timed in the same turns."""
    import importlib
    import importlib.util

    import pandas as pd

    loading = importlib.import_module("minsec.load")  # the module; minsec.load is the function
    modules = {"minsec": loading}
    if baseline:
        spec = importlib.util.spec_from_file_location("minsec_baseline_load", Path(baseline) / "minsec" / "load.py")
        assert spec is not None and spec.loader is not None
        modules["baseline"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules["baseline"])
    folder = root / "datapackage"
    for module in modules.values():
        module.data_dir = lambda: folder  # type: ignore[attr-defined]  # this package, not the bundled one
        module._descriptor.cache_clear()  # type: ignore[attr-defined]
    out = {}
    for name in tables:
        path = loading.data_path(name)
        calls = {"pandas": lambda path=path: pd.read_csv(path)}
        for key, module in modules.items():
            calls[key] = lambda name=name, module=module: module.load_table(name)
        times: dict[str, list[float]] = {key: [] for key in calls}
        for call in calls.values():
            call()
        spent, runs = 0.0, 0
        while runs < 5 or (spent < budget and runs < 200):
            for key in sorted(calls, reverse=bool(runs % 2)):
                t0 = time.perf_counter()
                calls[key]()
                took = time.perf_counter() - t0
                times[key].append(took)
                spent += took
            runs += 1
        out[name] = {key: min(found) for key, found in times.items()} | {"runs": runs}
    return out


#: Seconds spent timing each table's loads (``--load-seconds``); by default 0.5, 2 at 100k.
LOAD_SECONDS: float | None = None

#: Source folder of another minsec to time beside this one (``--baseline``), if any.
BASELINE: Path | None = None


def run_child(
    op: str, root: Path, *extra: str, cache: str = "warm", baseline: bool = False, workers: str | None = None
) -> dict:
    """Run ``op`` in a fresh interpreter. ``cache``: "warm" (the repository's record cache,
    filled by an earlier run), "cold" (an empty cache, as on a first run or a clean CI machine)
    or "off" (no cache: every file parsed, nothing written). ``baseline``: with the minsec of
    ``BASELINE`` (put first on the module path) instead of this one. ``workers``: the
    ``MINSEC_WORKERS`` to run with (else as set outside: by default, one per processor)."""
    env = dict(os.environ)
    if workers is not None:
        env["MINSEC_WORKERS"] = workers
    if baseline and BASELINE is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BASELINE), env.get("PYTHONPATH")]))
    with contextlib.ExitStack() as stack:
        if cache == "warm":
            env["MINSEC_CACHE_DIR"] = str(root.parent / f"cache-{root.name}")
        elif cache == "cold":
            env["MINSEC_CACHE_DIR"] = stack.enter_context(tempfile.TemporaryDirectory(prefix="minsec-bench-cache-"))
        else:
            env["MINSEC_CACHE_DIR"] = ""
        proc = subprocess.run(
            [sys.executable, __file__, "--child", op, str(root), *extra],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    if proc.returncode != 0:
        raise SystemExit(f"{op} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best(op: str, root: Path, repeat: int, *extra: str, cache: str = "warm", baseline: bool = False) -> dict:
    return best_of([run_child(op, root, *extra, cache=cache, baseline=baseline) for _ in range(repeat)])


def best_of(runs: list[dict]) -> dict:
    return {
        **min(runs, key=lambda r: r["seconds"]),
        "cpu": min(r["cpu"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "workers_mb": max(r.get("workers_mb", 0.0) for r in runs),
    }


def first_runs(root: Path, repeat: int) -> tuple[dict, dict]:
    """A first validate (empty cache) with the default workers and in one process
    (``MINSEC_WORKERS=1``), alternating which goes first: what the workers save, side by side."""
    shared: list[dict] = []
    alone: list[dict] = []
    for number in range(repeat):
        order = [(shared, None), (alone, "1")]
        for runs, workers in order if number % 2 == 0 else order[::-1]:
            runs.append(run_child("validate", root, cache="cold", workers=workers))
    return best_of(shared), best_of(alone)


def after_one_edit(root: Path, repeat: int) -> tuple[dict, dict]:
    """validate then build, each time after one record file changed (a comment added: the
    contributor's loop), with the repository's cache; the file is restored afterwards."""
    edited = next(p for p in sorted((root / "records" / "deals").iterdir()))
    original = edited.read_bytes()
    validates, builds = [], []
    try:
        for number in range(repeat):
            edited.write_bytes(original + f"# edited for the benchmark ({number}, {time.time()})\n".encode())
            validates.append(run_child("validate", root))
            builds.append(run_child("build", root))
    finally:
        edited.write_bytes(original)
    return best_of(validates), best_of(builds)


def after_one_addition(root: Path, repeat: int) -> tuple[dict, dict]:
    """validate then build, each time after one more record file was added (a new actor, named
    to come first: where a change of the files' positions reaches every later file; the
    contributor's usual change), so that each run meets files it has not seen in that order;
    the files are removed and the repository built again afterwards."""
    model = next(p for p in sorted((root / "records" / "actors").iterdir()))
    text = model.read_text(encoding="utf-8")
    validates, builds, added = [], [], []
    run = time.time_ns()  # no earlier benchmark's cache entries hold these files
    try:
        for number in range(repeat):
            new_id = f"aaa-added-{run}-{repeat - number:03}"
            added.append(model.with_name(f"{new_id}.yaml"))
            added[-1].write_text(text.replace(f"\nid: {model.stem}\n", f"\nid: {new_id}\n", 1), encoding="utf-8")
            validates.append(run_child("validate", root))
            builds.append(run_child("build", root))
    finally:
        for path in added:
            path.unlink()
    run_child("build", root)  # the generated files of the records as they were (not timed)
    return best_of(validates), best_of(builds)


def import_cost(repeat: int = 15) -> dict:
    """CPU time of ``import minsec`` over a bare interpreter, and the heavy modules it loads."""

    def wall(code: str) -> float:
        """CPU seconds of the interpreter running ``code`` (min of ``repeat``)."""
        times = []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, "-c", code], check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return min(times)

    bare, with_minsec = wall("pass"), wall("import minsec")
    probe = f"import minsec, sys; print([m for m in {HEAVY!r} if m in sys.modules])"
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return {"bare_ms": bare * 1000, "minsec_ms": with_minsec * 1000, "heavy": heavy}


def _table_names(root: Path) -> list[str]:
    descriptor = json.loads((root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    return [resource["name"] for resource in descriptor["resources"]]


#: The tables whose load_table ratio has a row of its own; the others are summed up by their worst.
SHOWN = ("deals", "events", "citations")


def _has_table_check() -> bool:
    try:
        import minsec.table_check  # noqa: F401
    except ImportError:
        return False
    return True


def _has_site() -> bool:
    """Whether ``minsec site`` can run here (it needs the publish extra)."""
    import importlib.util

    return importlib.util.find_spec("jinja2") is not None


def _pyarrow_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


# --- the report ------------------------------------------------------------------------


#: The article ``minsec draft`` reads beside each repository (invented, in the repository).
DRAFT_ARTICLE = Path(__file__).resolve().parent.parent / "docs" / "example" / "example-article.txt"

OPERATIONS = ("validate", "build", "validate-file", "draft", "site", "check-tables", "frictionless", "load")


def compile_bytecode() -> list[str]:
    """Write the bytecode of each timed minsec (this one and ``BASELINE``'s), as ``pip install``
    does: an editable install under ``PYTHONDONTWRITEBYTECODE=1`` otherwise compiles every module
    again in each timed process (0.2-0.25 s of a command's CPU on the development machine),
    which no installed copy does. Returns the folders compiled."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("minsec")
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    if BASELINE is not None:
        folders.append(BASELINE / "minsec")
    for folder in folders:
        compileall.compile_dir(folder, quiet=1)
    return [str(folder) for folder in folders]


def measure(
    sizes: list[int], repeat: int, workdir: Path, with_frictionless: bool, only: tuple[str, ...] = OPERATIONS
) -> dict:
    compiled = compile_bytecode()
    print(f"# bytecode written for {', '.join(compiled)}", file=sys.stderr)
    results: dict = {"sizes": {}, "import": import_cost()}
    for size in sizes:
        root, count = repository(workdir, size)
        times = 1 if size >= 100_000 else repeat
        print(f"# {count} records in {root}", file=sys.stderr)
        row: dict = {"records": count}
        # First: this minsec's build then writes the tables the later operations read.
        if BASELINE is not None and "validate" in only and "build" in only:
            row["baseline: validate"] = best("validate", root, times, cache="off", baseline=True)
            row["baseline: build"] = best("build", root, times, cache="off", baseline=True)
        if "validate" in only:
            row["validate, no cache"] = best("validate", root, times, cache="off")
            row["validate, first run"], row["validate, first run, one process"] = first_runs(root, times)
            run_child("validate", root, cache="warm")  # fills the repository's cache
            row["validate"] = best("validate", root, times)
        if "build" in only:
            row["build"] = best("build", root, times)
            row["build, no cache"] = best("build", root, 1, cache="off")
        if "validate" in only and "build" in only:
            row["validate, one record changed"], row["build, one record changed"] = after_one_edit(root, times)
            row["validate, one record added"], row["build, one record added"] = after_one_addition(root, times)
        timed = (
            "validate",
            "build",
            *(f"{op}, one record {how}" for op in ("validate", "build") for how in ("changed", "added")),
        )
        for op in timed:
            if op in row and row[op]["exit"]:
                raise SystemExit(f"the synthetic repository {root} does not validate; the generator is broken")
        if not (root / "datapackage" / "datapackage.json").is_file():
            run_child("build", root)  # the tables the other operations read (not timed)
        if "validate-file" in only:
            one = next(p for p in sorted((root / "records" / "deals").iterdir()))
            row["validate-file"] = best("validate-file", root, times, one.relative_to(root).as_posix())
        if "draft" in only:
            row["draft, first run"] = best("draft", root, times, str(DRAFT_ARTICLE), cache="cold")
            row["draft"] = best("draft", root, times, str(DRAFT_ARTICLE))
            if row["draft"]["exit"] or row["draft, first run"]["exit"]:
                raise SystemExit(f"minsec draft failed beside the synthetic repository {root}")
        if "site" in only and _has_site():
            row["site"] = best("site", root, times)
            if row["site"]["exit"]:
                raise SystemExit(f"minsec site failed for the synthetic repository {root}")
        if _has_table_check() and "check-tables" in only:
            row["check-tables"] = best("check-tables", root, times)
        if with_frictionless and "frictionless" in only:
            row["frictionless"] = best("frictionless", root, 1)
        if "load" in only:
            loads = {}
            variants = ["load-noarrow"] + (["load-arrow"] if _pyarrow_installed() else [])
            names = _table_names(root)
            for variant in variants:
                budget = str(LOAD_SECONDS or (2.0 if size >= 100_000 else 0.5))
                against = [str(BASELINE)] if BASELINE is not None else []
                timed = run_child(variant, root, ",".join(names), budget, *against)["tables"]
                for table in names:
                    loads[f"{variant}:{table}"] = timed[table]
            row["load"] = loads
        results["sizes"][str(size)] = row
        print(f"# done {count}", file=sys.stderr)
    return results


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"


#: (label, first operation, second operation) of the validate-then-build sequences reported.
_SEQUENCES = (
    ("validate + build, baseline (--baseline)", "baseline: validate", "baseline: build"),
    ("validate + build, first run (a clean clone, as in CI: validate fills the cache)", "validate, first run", "build"),
    ("validate + build, again (files unchanged since the last run)", "validate", "build"),
    (
        "validate + build, one record changed since the last run",
        "validate, one record changed",
        "build, one record changed",
    ),
    (
        "validate + build, one record added since the last run",
        "validate, one record added",
        "build, one record added",
    ),
    ("validate + build, no cache", "validate, no cache", "build, no cache"),
)


def _sequence(row: dict, first: str, then: str) -> str:
    """CPU seconds of two operations run one after the other (workers' included), and wall seconds."""
    cpu = row[first]["cpu"] + row[then]["cpu"]
    wall = row[first]["seconds"] + row[then]["seconds"]
    return f"{_fmt_s(cpu)} ({_fmt_s(wall)} wall)"


def table(results: dict) -> str:
    sizes = results["sizes"]
    head = "| operation | " + " | ".join(f"{int(s):,} (n={r['records']:,})" for s, r in sizes.items()) + " |"
    lines = [head, "| --- |" + " ---: |" * len(sizes)]
    ops = [
        "validate, no cache",
        "validate, first run",
        "validate, first run, one process",
        "validate",
        "build",
        "build, no cache",
        "validate, one record changed",
        "build, one record changed",
        "validate, one record added",
        "build, one record added",
        "baseline: validate",
        "baseline: build",
        "validate-file",
        "draft, first run",
        "draft",
        "site",
        "check-tables",
        "frictionless",
    ]
    for op in ops:
        cells = []
        for r in sizes.values():
            if op not in r:
                cells.append("n/a")
                continue
            m = r[op]
            per = m["cpu"] / r["records"] * 1e6
            workers = f" (+{m['workers_mb']:.0f} MB a worker)" if m.get("workers_mb") else ""
            cells.append(
                f"{_fmt_s(m['cpu'])} ({_fmt_s(m['seconds'])} wall), {per:.0f} us/rec, {m['peak_mb']:.0f} MB{workers}"
            )
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    for label, first, then in _SEQUENCES:
        cells = [_sequence(r, first, then) if first in r and then in r else "n/a" for r in sizes.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    keys = list(next(iter(sizes.values())).get("load", {}))
    for key in keys:
        if key.split(":")[1] not in SHOWN:
            continue
        cells = []
        for r in sizes.values():
            m = r["load"][key]
            ratio = m["minsec"] / m["pandas"]
            cell = f"{m['minsec'] * 1000:.1f} ms vs {m['pandas'] * 1000:.1f} ms = {ratio:.2f}x"
            if "baseline" in m:
                cell += f" (baseline {m['baseline'] * 1000:.1f} ms = {m['baseline'] / m['pandas']:.2f}x)"
            cells.append(cell)
        lines.append(f"| load_table vs read_csv ({key}) | " + " | ".join(cells) + " |")
    for variant in sorted({key.split(":")[0] for key in keys}):
        for who in ("minsec", "baseline"):
            cells = []
            for r in sizes.values():
                ratios = {
                    k.split(":")[1]: m[who] / m["pandas"]
                    for k, m in r["load"].items()
                    if k.startswith(variant + ":") and who in m
                }
                worst = max(ratios, key=ratios.__getitem__) if ratios else None
                cells.append(f"{ratios[worst]:.2f}x ({worst})" if worst else "n/a")
            if who == "baseline" and set(cells) == {"n/a"}:
                continue
            label = f"worst of all {len(ratios)} tables" + (", baseline" if who == "baseline" else "")
            lines.append(f"| load_table vs read_csv, {label} ({variant}) | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Ratios the targets name:")
    items = list(sizes.items())
    for s, r in items:
        sums = "; ".join(
            f"{label} {_sequence(r, first, then)}" for label, first, then in _SEQUENCES if first in r and then in r
        )
        peaks = [r[op]["peak_mb"] for op in ("build", "build, no cache") if op in r]
        lines.append(f"- {int(s):,}: {sums}" + (f"; build peak {max(peaks):.0f} MB" if peaks else ""))
        if "check-tables" in r and "frictionless" in r:
            ratio = r["frictionless"]["cpu"] / r["check-tables"]["cpu"]
            lines.append(f"  - frictionless validate / minsec table check: {ratio:.1f}x")
        if "validate-file" in r:
            lines.append(f"  - validate ONE_FILE: {r['validate-file']['cpu']:.2f} s")
    for (s1, r1), (s2, r2) in itertools.pairwise(items):
        for op in ("validate, no cache", "validate", "build, no cache", "build"):
            if op not in r1 or op not in r2:
                continue
            a = r1[op]["cpu"] / r1["records"]
            b = r2[op]["cpu"] / r2["records"]
            lines.append(f"- per-record {op} cost at {int(s2):,} / at {int(s1):,}: {b / a:.2f}x")
    imp = results["import"]
    lines.append(
        f"- import minsec: {imp['minsec_ms']:.0f} ms vs bare interpreter {imp['bare_ms']:.0f} ms "
        f"(+{imp['minsec_ms'] - imp['bare_ms']:.0f} ms); heavy modules loaded: {imp['heavy']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per operation (the minimum is kept; 1 at 100k)")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "minsec-bench")
    parser.add_argument("--frictionless", action="store_true", help="also time `frictionless validate` (slow)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--only", nargs="+", choices=OPERATIONS, default=list(OPERATIONS), help="measure only these operations"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src/ folder of another minsec (a checkout of an earlier commit): validate and build are "
        "timed with it too, in the same run, and its load_table in the same turns as this one's, for "
        "before/after figures",
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        help="seconds of turns per table for the load rows (default 0.5, 2 at 100k; more runs, a steadier minimum)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        op, root, *extra = args.child
        print(json.dumps(_child(op, Path(root), extra)))
        return 0
    global BASELINE, LOAD_SECONDS
    BASELINE = args.baseline.resolve() if args.baseline else None
    LOAD_SECONDS = args.load_seconds
    results = measure(args.sizes, args.repeat, args.workdir, args.frictionless, tuple(args.only))
    results["machine"] = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cpus"
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"minsec benchmark ({results['machine']}; min of {args.repeat} runs, 100k once): CPU seconds of the "
        "process and its workers (user + system; what the machine's load changes least), wall time in "
        "brackets (what the workers shorten); minsec's "
        "bytecode written beforehand, as an installed copy has it\n"
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
