"""The ``minsec`` command: validate, fingerprint, build, site, info, diff, changelog, release, export.
Messages for people, never tracebacks.

Exit codes: 0 clean, 1 problems in the data (or stale files for ``build --check``, changes
found for ``diff``, a failed ``release check``), 2 a usage error (bad option, missing folder)
or a file the operating system refused (unreadable, read-only, a full disk, a symbolic link
where minsec allows none), 130 interrupted.
"""

import argparse
import contextlib
import errno
import json
import os
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from minsec._version import __version__
from minsec.gc_pause import paused_gc

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line asks for something impossible; exit 2 with this message."""


def _root(value: str) -> Path:
    root = Path(value).resolve()
    if not (root / "records").is_dir():
        raise UsageError(f"{value}: no records/ folder here; run minsec in the repository root or pass --root")
    return root


#: Locks a command holds until it ends (see ``_settled``).
_HELD = contextlib.ExitStack()


def _settled(value: str, *, alone: bool = False) -> Path:
    """The root ``value`` names, locked against builds until the command ends, after finishing
    or undoing an interrupted build there: a command reading generated files sees a whole set.
    Readers share the lock; a command that writes beside the generated files holds it ``alone``."""
    from minsec.swap import locked

    root = Path(value).resolve()
    if (root / "records").is_dir():  # a repository, where builds write
        message = "a minsec build is writing here; waiting for it"
        _HELD.enter_context(locked(root, on_wait=lambda: _say(message), shared=not alone))
    return root


def _corpus(values: Sequence[str] | None) -> list[Path]:
    folders = list(values or [])
    if not folders and os.environ.get("MINSEC_CORPUS"):
        folders = [f for f in os.environ["MINSEC_CORPUS"].split(os.pathsep) if f]
    for folder in folders:
        if not Path(folder).is_dir():
            raise UsageError(f"--corpus {folder}: no such folder")
    return [Path(f) for f in folders]


def _print_report(report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    if fmt == "json":
        from minsec.problems import safe_json

        print(
            safe_json(
                {
                    "ok": report.ok,
                    "files_checked": report.files_checked,
                    "quotes_checked": bool(report.evidence) and "unchecked" not in report.evidence.values(),
                    "evidence": report.evidence,
                    "problems": [p.as_dict() for p in report.problems],
                    "notes": report.notes,
                },
                indent=2,
            )
        )
        return
    for problem in report.problems:
        print(problem)
    quotes = _evidence_summary(report.evidence)
    count = len(report.problems)
    files = report.files_checked
    scope = "".join(f"; {note}" for note in report.notes)
    print(f"{files} file{'s' * (files != 1)} checked, {count} problem{'s' * (count != 1)} found; {quotes}{scope}")


def _evidence_summary(how: dict[str, str]) -> str:
    """Which sources' quotes were checked how, for the summary line."""
    groups: dict[str, list[str]] = {}
    for source_id, way in sorted(how.items()):
        groups.setdefault(way, []).append(source_id)

    def named(ids: list[str]) -> str:
        return f"{len(ids)} ({', '.join(ids)})" if len(ids) <= 5 else str(len(ids))

    parts = []
    if groups.get("text"):
        parts.append(f"against the text of {named(groups['text'])}")
    if groups.get("fingerprint"):
        parts.append(f"against the fingerprint of {named(groups['fingerprint'])}")
    checked = ["quotes checked " + " and ".join(parts)] if parts else []
    if groups.get("unchecked"):
        checked.append(f"quotes of {named(groups['unchecked'])} NOT checked (see the problems above)")
    return "; ".join(checked) or "quotes not checked: no source record was read"


def cmd_validate(args: argparse.Namespace) -> int:
    from minsec.validate import validate

    root = _root(args.root)
    files = None
    if args.files:
        files = [Path(f).resolve() for f in args.files]
        for given, path in zip(args.files, files, strict=True):
            if not path.is_file():
                raise UsageError(f"{given}: no such file")
            if root / "records" not in path.parents:
                raise UsageError(f"{given}: not under {root / 'records'}")
    report = validate(root, _corpus(args.corpus), files=files, records=False)
    _print_report(report, args.format)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_fingerprint(args: argparse.Namespace) -> int:
    from minsec.evidence import write_fingerprints
    from minsec.models import Source
    from minsec.record_files import read_records, record_files

    root = _root(args.root)
    corpus = _corpus(args.corpus)
    if not corpus:
        raise UsageError("fingerprint needs --corpus DIR: the folder holding the source texts")
    # Only the sources: reading every record for them took 10 s beside 100,000 records.
    loaded, _ = read_records(root, record_files(root, f"records/{Source.folder}"))
    written = write_fingerprints(root, loaded, corpus)
    print("\n".join(written.lines) or "no source records")
    return EXIT_PROBLEMS if written.failed else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from minsec.build import compare, render_repository, write
    from minsec.validate import validate

    root = _root(args.root)
    if args.check:
        _settled(args.root)
    report = validate(root, _corpus(args.corpus))
    if not report.ok:
        _print_report(report, "text")
        print("build stopped: fix the problems above; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    # The records' line maps are for messages only: let them go before rendering.
    dataset, count = report.dataset, len(report.records)
    del report
    files = render_repository(root, dataset)
    if args.check:
        staleness = compare(root, files)
        if staleness.stale:
            from minsec.problems import one_line

            print("\n".join(one_line(line) for line in staleness.lines()))
            print("generated files are stale: run `minsec build` and commit the result", file=sys.stderr)
            return EXIT_PROBLEMS
        print(
            "datapackage/, schemas/, CODEBOOK.md, README.md's contents and CHANGELOG.md's [Unreleased] "
            f"are up to date ({len(files)} files)"
        )
        return EXIT_OK
    changed = write(root, files, on_wait=lambda: _say("another minsec build is writing here; waiting for it"))
    print(f"built {count} records into {len(files)} files; {len(changed)} changed")
    from minsec.problems import one_line

    for path in changed:
        print(f"  {one_line(path)}")
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    from minsec.publish.typed import MissingExtra
    from minsec.site.render import SiteError, site_contents, write_site
    from minsec.validate import validate

    root = _root(args.root)
    report = validate(root, _corpus(args.corpus))
    if not report.ok:
        _print_report(report, "text")
        print("site not written: fix the problems above", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        count = write_site(Path(args.out), site_contents(root, report.dataset, args.base_url))
    except (MissingExtra, SiteError) as error:
        raise UsageError(str(error)) from None
    print(f"wrote the site of {len(report.records)} records into {args.out} ({count} files); open index.html")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    import re

    from minsec.files import write_file
    from minsec.models import ID_MAX_LENGTH, ID_PATTERN
    from minsec.paths import within
    from minsec.record_files import record_files
    from minsec.skeleton import model_for, new_record_path, skeleton

    root = _root(args.root)
    try:
        model = model_for(args.kind)
    except KeyError as error:
        raise UsageError(error.args[0]) from None
    if not re.fullmatch(ID_PATTERN, args.id) or len(args.id) > ID_MAX_LENGTH:
        raise UsageError(
            f"{args.id!r} is not a valid id: lowercase letters, digits and single hyphens, "
            f"at most {ID_MAX_LENGTH} characters (e.g. usa-xyz-minerals-2025)"
        )
    taken = [p for p in record_files(root) if p.stem == args.id]
    if taken:
        raise UsageError(f"id {args.id!r} is taken by {taken[0].relative_to(root)}; ids are never reused")
    path = within(root, new_record_path(root, model, args.id).relative_to(root))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, skeleton(model, args.id).encode("utf-8"))
    print(f"wrote {path.relative_to(root)}: fill it in, then run `minsec validate`")
    return EXIT_OK


def cmd_cache(args: argparse.Namespace) -> int:
    from minsec.cache_contents import FILE_NAME, clear, contents, human_size, located
    from minsec.problems import one_line

    folder = located()
    if folder is None:
        print("no cache: MINSEC_CACHE_DIR is set empty, so minsec runs without one")
        return EXIT_OK
    where = one_line(str(folder / FILE_NAME))
    if args.action == "clear":
        freed = clear(folder)
        print(
            f"removed the cache at {where} ({human_size(freed)})" if freed else f"no cache at {where}; nothing removed"
        )
        return EXIT_OK
    found = contents(folder)
    if not found.exists:
        print(f"no cache yet at {where}; validate and build make it")
        return EXIT_OK
    print(f"cache: {where} ({human_size(found.size)})")
    if found.unreadable is not None:
        print(f"  cannot be read ({found.unreadable}): runs go on without it; `minsec cache clear` removes it")
    for holds, count in found.entries.items():
        print(f"  {holds}: {count:,}")
    print("`minsec cache clear` removes it; the next run is then slower, never different")
    return EXIT_OK


def cmd_check_tables(args: argparse.Namespace) -> int:
    from minsec.table_check import check_package

    folder = _settled(args.root) / "datapackage"
    if not (folder / "datapackage.json").is_file():
        raise UsageError(f"{args.root}: no datapackage/datapackage.json here; run minsec build first")
    try:
        problems = check_package(folder)
    except ValueError as error:
        raise UsageError(str(error)) from None
    for problem in problems:
        print(f"datapackage/{problem}")
    count = len(problems)
    print(f"{count} problem{'s' * (count != 1)} found in the tables of datapackage/")
    return EXIT_PROBLEMS if problems else EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    import minsec
    from minsec.build import count_rows

    _settled(str(minsec.data_path("datapackage.json").parent.parent))  # a checkout's, if editable

    descriptor = json.loads(minsec.data_path("datapackage.json").read_text(encoding="utf-8"))
    print(f"minsec {__version__} (data {descriptor['version']}, created {descriptor['created']})")
    print(f"data: {minsec.data_path('datapackage.json').parent}")
    for resource in descriptor["resources"]:
        rows = count_rows(minsec.data_path(resource["name"]).read_bytes())
        print(f"  {resource['name']:<18} {rows:>5} rows")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from minsec.diff import diff
    from minsec.diff_report import render
    from minsec.package_files import PackageNotFound, resolve

    root = _settled(args.root)
    try:
        old, new = resolve(args.old, root), resolve(args.new, root)
        changes = diff(old, new)
    except (PackageNotFound, ValueError) as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(render(changes, args.format))
    return EXIT_PROBLEMS if changes.changed else EXIT_OK


def cmd_changelog(args: argparse.Namespace) -> int:
    from minsec.release import ReleaseError, changelog

    try:
        sys.stdout.write(changelog(_settled(args.root)))
    except ReleaseError as error:
        raise UsageError(str(error)) from None
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from minsec.problems import one_line
    from minsec.release import ReleaseError, check, prepare, snapshot

    # prepare runs `minsec build` in subprocesses, which take the build lock themselves.
    root = _root(args.root) if args.action == "prepare" else _settled(args.root, alone=args.action == "snapshot")
    try:
        if args.action == "snapshot":
            print(one_line(snapshot(root, force=args.force)))
            return EXIT_OK
        if args.action == "prepare":
            import datetime

            date = args.date or datetime.datetime.now(datetime.UTC).date().isoformat()
            print("\n".join(prepare(root, date, args.version)))
            return EXIT_OK
        report = check(root)
    except ReleaseError as error:
        _say(str(error))
        return EXIT_PROBLEMS

    for note in report.notes:
        print(one_line(note))
    for problem in report.problems:
        print(f"problem: {one_line(problem)}")
    print(
        "release check passed" if report.ok else "release check failed",
        file=sys.stderr if not report.ok else sys.stdout,
    )
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    from minsec.export import release_artifacts, write_artifacts
    from minsec.paths import within

    out = Path(args.zip)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--zip {args.zip}: not a folder")
    written = write_artifacts(out, release_artifacts(within(_settled(args.root), "datapackage")))
    from minsec.problems import one_line

    for path in written:
        print(f"wrote {one_line(str(path))}")
    return EXIT_OK


def cmd_draft(args: argparse.Namespace) -> int:
    from minsec.draft.command import DraftUsageError, run

    try:
        return run(args)
    except DraftUsageError as error:
        raise UsageError(str(error)) from None


@cache
def parser() -> argparse.ArgumentParser:
    """The command line's parser, made once per process (``main`` is called many times in one
    process by tests and tools: making it each time was a third of a small ``validate``)."""
    main = argparse.ArgumentParser(prog="minsec", description="The minsec dataset: validate, build, inspect.")
    main.add_argument("--version", action="version", version=f"minsec {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--root", default=".", help="repository root holding records/ (default: .)")
        sub.add_argument(
            "--corpus",
            action="append",
            metavar="DIR",
            help="folder with source texts to check quotes against (repeatable; "
            "default: $MINSEC_CORPUS, separated by the path separator)",
        )

    validate = commands.add_parser("validate", help="check records; print every problem at once")
    common(validate)
    validate.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    validate.add_argument("files", nargs="*", help="only report problems in these record files")
    validate.set_defaults(run=cmd_validate)

    fingerprint = commands.add_parser(
        "fingerprint",
        help="write records/sources/ID.fingerprint for every source whose text is in the corpus",
        description="The fingerprint lets anyone check quotes without the text; commit it, never the text.",
    )
    common(fingerprint)
    fingerprint.set_defaults(run=cmd_fingerprint)

    build = commands.add_parser(
        "build", help="validate, then write datapackage/, schemas/, CODEBOOK.md and README's contents table"
    )
    common(build)
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if generated files are stale")
    build.set_defaults(run=cmd_build)

    site = commands.add_parser(
        "site",
        help="validate, then write the static website with every download format into OUT (needs minsec[publish])",
    )
    common(site)
    site.add_argument("out", metavar="OUT", help="folder to write the site into (replaced whole if it holds one)")
    site.add_argument(
        "--base-url", metavar="URL", help="where the site will be published, for absolute links in its metadata"
    )
    site.set_defaults(run=cmd_site)

    new = commands.add_parser("new", help="write a skeleton record file with every field explained")
    new.add_argument("--root", default=".", help="repository root holding records/ (default: .)")
    new.add_argument("kind", help="record kind: source, actor, commodity, deal, event or claim")
    new.add_argument("id", help="the new record's id, e.g. usa-xyz-minerals-2025")
    new.set_defaults(run=cmd_new)

    tables = commands.add_parser(
        "check-tables", help="check the built CSVs against their Table Schemas (keys, types, enums, patterns)"
    )
    tables.add_argument("--root", default=".", help="repository root (default: current folder)")
    tables.set_defaults(run=cmd_check_tables)
    cache = commands.add_parser(
        "cache",
        help="where the cache kept between runs is and what it holds; `minsec cache clear` removes it",
        description="The cache ($MINSEC_CACHE_DIR, else $XDG_CACHE_HOME/minsec or ~/.cache/minsec) makes "
        "runs faster, never different; removing it is always safe.",
    )
    cache.add_argument("action", nargs="?", choices=["info", "clear"], default="info", help="default: info")
    cache.set_defaults(run=cmd_cache)
    info = commands.add_parser("info", help="version and row counts of the bundled data")
    info.set_defaults(run=cmd_info)

    def root_option(sub: argparse.ArgumentParser, holds: str) -> None:
        sub.add_argument("--root", default=".", help=f"repository root holding {holds} (default: .)")

    what = (
        "a folder holding datapackage.json, a datapackage.json, a release zip, releases/VERSION, "
        "a released VERSION, or a git ref of the repository (tried in that order)"
    )
    diff = commands.add_parser(
        "diff",
        help="what changed between two versions, and the version bump it requires; exit 1 if anything changed",
        description=f"OLD and NEW are each {what}. Exit 0: no changes; 1: changes; 2: usage error.",
    )
    root_option(diff, "releases/ and the git repository")
    diff.add_argument("--format", choices=["text", "markdown", "json"], default="text", help="output format")
    diff.add_argument("old", metavar="OLD", help="the older version")
    diff.add_argument("new", metavar="NEW", help="the newer version")
    diff.set_defaults(run=cmd_diff)

    changelog = commands.add_parser(
        "changelog", help="the CHANGELOG.md section of the current version, from the diff with the last release"
    )
    root_option(changelog, "datapackage/ and releases/")
    changelog.set_defaults(run=cmd_changelog)

    release = commands.add_parser("release", help="keep a release in releases/, or check the version number")
    actions = release.add_subparsers(dest="action", required=True, metavar="ACTION")
    snapshot = actions.add_parser(
        "snapshot", help="write releases/VERSION/ (datapackage.json, the release zip, SHA256SUMS) from datapackage/"
    )
    root_option(snapshot, "datapackage/ and releases/")
    snapshot.add_argument(
        "--force", action="store_true", help="replace a different snapshot of this version (only if never published)"
    )
    prepare = actions.add_parser(
        "prepare",
        help="make the next release: the bump the changes require, _version.py, CHANGELOG.md, CITATION.cff, "
        "README.md, a build and releases/VERSION/, then the release check",
    )
    root_option(prepare, "the repository")
    prepare.add_argument("--version", help="a higher version than the changes require (e.g. 1.0.0)")
    prepare.add_argument("--date", help="release date, YYYY-MM-DD (default: today, UTC)")
    check = actions.add_parser(
        "check", help="fail if the version is lower than the changes since the last release require, or unlogged"
    )
    root_option(check, "datapackage/, releases/ and CHANGELOG.md")
    release.set_defaults(run=cmd_release)

    export = commands.add_parser(
        "export", help="write a reproducible zip of datapackage/ and its SHA256SUMS into a folder"
    )
    root_option(export, "datapackage/")
    export.add_argument("--zip", required=True, metavar="OUT_DIR", help="folder to write minsec-VERSION.zip into")
    export.set_defaults(run=cmd_export)

    from minsec.draft.command import add_parser as add_draft_parser

    add_draft_parser(commands).set_defaults(run=cmd_draft)
    return main


#: What to do about an operating-system error, by errno.
OS_ADVICE = {
    errno.EACCES: "check its permissions (or run where you may read and write)",
    errno.EPERM: "check its permissions (or run where you may read and write)",
    errno.EROFS: "the file system is read-only; run where you may write",
    errno.ENOSPC: "the disk is full; free some space and run again",
    getattr(errno, "EDQUOT", -1): "the disk quota is used up; free some space and run again",
    errno.EFBIG: "the file is too large for this file system or your limits",
    errno.ENAMETOOLONG: "the name is too long; use a shorter path",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder, not a file; check the path",
    errno.EEXIST: "it already exists; remove it or choose another name",
    errno.ENOENT: "no such file or folder; check the path",
    errno.ELOOP: "it is or passes through a symbolic link; use the real path",
}


def os_error_message(error: OSError) -> str:
    """One line for any OSError: the path, what the system said, and what to do."""
    if error.strerror is None:  # raised by minsec itself with a whole message
        return str(error)
    where = error.filename if error.filename is not None else ""
    if error.filename2 is not None:
        where = f"{where} -> {error.filename2}"
    what = error.strerror or type(error).__name__
    advice = OS_ADVICE.get(error.errno or 0, "check the path and try again")
    return f"{where}: {what}; {advice}" if where else f"{what}; {advice}"


def _say(message: str) -> None:
    from minsec.problems import one_line

    print(f"minsec: {one_line(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a name no terminal can show is escaped, not a crash
            stream.reconfigure(errors="backslashreplace")
    args = parser().parse_args(argv)
    from minsec import workers
    from minsec.paths import PathError
    from minsec.swap import CommittedInterrupt
    from minsec.workers import WorkersError

    # validate and build make records, models and tables, which hold no cycles: the collector
    # would walk them all again between phases. Other commands (the site's templates, the
    # drafter's libraries) may make cyclic garbage, so they leave it running.
    paused = args.run in (cmd_validate, cmd_build)
    try:
        if paused:
            workers.count()  # a bad MINSEC_WORKERS is refused before any work
        with _HELD, paused_gc() if paused else contextlib.nullcontext():
            return args.run(args)
    except (UsageError, PathError, WorkersError) as error:
        _say(str(error))
        return EXIT_USAGE
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OSError as error:
        _say(os_error_message(error))
        return EXIT_USAGE
    except CommittedInterrupt:
        _say("interrupted, after the new generated files were all in place: the build is complete")
        return 130
    except KeyboardInterrupt:
        _say("interrupted; generated files are unchanged")
        return 130


if __name__ == "__main__":
    sys.exit(main())
