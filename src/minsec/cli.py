"""The ``minsec`` command: validate, build, info. Messages for people, never tracebacks.

Exit codes: 0 clean, 1 problems in the data (or stale files for ``build --check``),
2 a usage error (bad option, missing folder).
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from minsec._version import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line asks for something impossible; exit 2 with this message."""


def _root(value: str) -> Path:
    root = Path(value).resolve()
    if not (root / "records").is_dir():
        raise UsageError(f"{value}: no records/ folder here; run minsec in the repository root or pass --root")
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
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "files_checked": report.files_checked,
                    "quotes_checked": report.corpus_checked,
                    "problems": [p.as_dict() for p in report.problems],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for problem in report.problems:
        print(problem)
    quotes = (
        "quotes checked against the corpus"
        if report.corpus_checked
        else ("quotes NOT checked (pass --corpus DIR with the source texts)")
    )
    count = len(report.problems)
    files = report.files_checked
    print(f"{files} file{'s' * (files != 1)} checked, {count} problem{'s' * (count != 1)} found; {quotes}")


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
    report = validate(root, _corpus(args.corpus), files=None)
    if files is not None:
        wanted = {p.relative_to(root).as_posix() for p in files}
        report = type(report)(
            [p for p in report.problems if p.path in wanted], report.records, len(wanted), report.corpus_checked
        )
    _print_report(report, args.format)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_build(args: argparse.Namespace) -> int:
    from minsec.build import compare, render_repository, write
    from minsec.validate import validate

    root = _root(args.root)
    report = validate(root, _corpus(args.corpus))
    if not report.ok:
        _print_report(report, "text")
        print("build stopped: fix the problems above; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    files = render_repository(root, report.dataset)
    if args.check:
        staleness = compare(root, files)
        if staleness.stale:
            print("\n".join(staleness.lines()))
            print("generated files are stale: run `minsec build` and commit the result", file=sys.stderr)
            return EXIT_PROBLEMS
        print(f"datapackage/, schemas/, CODEBOOK.md and README.md's contents are up to date ({len(files)} files)")
        return EXIT_OK
    changed = write(root, files)
    print(f"built {len(report.records)} records into {len(files)} files; {len(changed)} changed")
    for path in changed:
        print(f"  {path}")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    import re

    from minsec.models import ID_MAX_LENGTH, ID_PATTERN
    from minsec.record_files import record_files
    from minsec.skeleton import model_for, new_record_path, skeleton

    root = _root(args.root)
    try:
        model = model_for(args.kind)
    except KeyError as error:
        raise UsageError(error.args[0]) from None
    if not re.match(ID_PATTERN, args.id) or len(args.id) > ID_MAX_LENGTH:
        raise UsageError(
            f"{args.id!r} is not a valid id: lowercase letters, digits and single hyphens, "
            f"at most {ID_MAX_LENGTH} characters (e.g. usa-xyz-minerals-2025)"
        )
    taken = [p for p in record_files(root) if p.stem == args.id]
    if taken:
        raise UsageError(f"id {args.id!r} is taken by {taken[0].relative_to(root)}; ids are never reused")
    path = new_record_path(root, model, args.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton(model, args.id), encoding="utf-8")
    print(f"wrote {path.relative_to(root)}: fill it in, then run `minsec validate`")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    import minsec
    from minsec.build import count_rows

    descriptor = json.loads(minsec.data_path("datapackage.json").read_text(encoding="utf-8"))
    print(f"minsec {__version__} (data {descriptor['version']}, created {descriptor['created']})")
    print(f"data: {minsec.data_path('datapackage.json').parent}")
    for resource in descriptor["resources"]:
        rows = count_rows(minsec.data_path(resource["name"]).read_bytes())
        print(f"  {resource['name']:<18} {rows:>5} rows")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
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

    build = commands.add_parser(
        "build", help="validate, then write datapackage/, schemas/, CODEBOOK.md and README's contents table"
    )
    common(build)
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if generated files are stale")
    build.set_defaults(run=cmd_build)

    new = commands.add_parser("new", help="write a skeleton record file with every field explained")
    new.add_argument("--root", default=".", help="repository root holding records/ (default: .)")
    new.add_argument("kind", help="record kind: source, actor, commodity, deal, event or claim")
    new.add_argument("id", help="the new record's id, e.g. usa-xyz-minerals-2025")
    new.set_defaults(run=cmd_new)

    info = commands.add_parser("info", help="version and row counts of the bundled data")
    info.set_defaults(run=cmd_info)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"minsec: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as error:
        print(f"minsec: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("minsec: interrupted; generated files are unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
