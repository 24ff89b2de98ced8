"""``minsec draft ARTICLE``: the command line face of the drafter (options, exit codes, messages)."""

import argparse
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


class DraftUsageError(Exception):
    """Exit 2 with this message."""


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    draft = commands.add_parser(
        "draft",
        help="propose the records an article supports, each with a verbatim quote; --write writes them for review",
        description=(
            "Read one article (UTF-8 text) and propose its source, actors, commodities, deals, events and claims. "
            "Existing records are matched by id, name or alias. Exit 0 on success, 2 on a usage error. "
            "JSON output is documented in docs/draft-format.md."
        ),
    )
    draft.add_argument("article", metavar="ARTICLE.txt", help="the article's text file (UTF-8)")
    draft.add_argument("--root", default=".", help="repository root holding records/ (default: .)")
    draft.add_argument("--url", help="where the article is published (http or https)")
    draft.add_argument("--source-id", help="id for the source record (default: made from the outlet and title)")
    draft.add_argument("--format", choices=["text", "yaml", "json"], default="text", help="output format")
    draft.add_argument(
        "--write", action="store_true", help="write the new records under records/ (each with a review marker)"
    )
    return draft


def run(args: argparse.Namespace) -> int:
    from minsec.draft.article import ArticleError, is_nfc, read_article
    from minsec.draft.formats import as_json, as_text, as_yaml
    from minsec.draft.gazetteer import load
    from minsec.draft.proposal import draft
    from minsec.draft.write import WriteError, write
    from minsec.models import ID_MAX_LENGTH, ID_PATTERN

    root = Path(args.root).resolve()
    has_records = (root / "records").is_dir()
    if args.write and not has_records:
        raise DraftUsageError(f"--write: no records/ folder in {args.root}; run in the repository root or pass --root")
    if args.url is not None and not re.fullmatch(r"https?://[^\s/]+\S*", args.url):
        raise DraftUsageError(f"--url {args.url!r}: give an http:// or https:// address")
    if args.source_id is not None and (not re.match(ID_PATTERN, args.source_id) or len(args.source_id) > ID_MAX_LENGTH):
        raise DraftUsageError(
            f"--source-id {args.source_id!r}: lowercase letters, digits and single hyphens, "
            f"at most {ID_MAX_LENGTH} characters"
        )
    try:
        article = read_article(Path(args.article))
    except ArticleError as error:
        raise DraftUsageError(str(error)) from None
    gazetteer = load(root if has_records else None)
    same_text = any(s.get("text_sha256") == article.sha256 for s in gazetteer.sources)
    if args.source_id is not None and args.source_id in gazetteer.taken_ids and not same_text:
        raise DraftUsageError(f"--source-id {args.source_id!r} is taken by a record; ids are never reused")
    proposal = draft(article, gazetteer, url=args.url, source_id=args.source_id)
    if not is_nfc(article.text):
        print(
            f"minsec: warning: {args.article} is not Unicode NFC; its quotes will fail validation until the file "
            "is normalised (see the source's checks)",
            file=sys.stderr,
        )
    render = {"json": as_json, "yaml": as_yaml, "text": as_text}[args.format]
    sys.stdout.write(render(proposal))
    if args.write:
        try:
            written = write(proposal, root)
        except WriteError as error:
            raise DraftUsageError(str(error)) from None
        print(f"wrote {len(written)} draft records for review:", file=sys.stderr)
        for path in written:
            print(f"  {path}", file=sys.stderr)
        print(
            "review each file, fix what its comments say, delete the minsec-draft lines, then run "
            "`minsec validate --corpus DIR`",
            file=sys.stderr,
        )
    return EXIT_OK
