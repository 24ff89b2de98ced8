"""Clean results of the set rules and the quote check, kept between runs.

``minsec build`` validates before it writes, so ``minsec validate`` then ``minsec build`` ran
the set rules and checked every quote twice on the same files. A run whose set rules and quote
check found nothing keeps a verdict under a hash of everything they read:

- the code: every file of the minsec package, and the versions of Python, pydantic and PyYAML;
- the date the rules compare dates with (:func:`minsec.validate.today`);
- each record file's path and bytes, in the order read;
- every fingerprint file's name and bytes, and for each source with a ``text_file``, which
  corpus file it names (if any) and that file's bytes.

A later run with the same hash skips those checks and reports what the first run found:
nothing. Everything else (reading and checking each file, its model, the draft markers) runs
on every run, and a run with problems keeps nothing. Anything the hash cannot vouch for (a
fingerprint or text that is a link, unreadable or too large) means the checks run. Verdicts
live in the cache of :mod:`minsec.record_cache`, with its rules: outside the repository, off
with ``MINSEC_CACHE_DIR=""``, and never the user's problem if it breaks.
"""

import hashlib
import marshal
import os
from collections.abc import Sequence
from pathlib import Path

from minsec.evidence import FINGERPRINT, MAX_TEXT_BYTES, TEXT, find_text
from minsec.fingerprint import MAX_BYTES, SUFFIX
from minsec.models import Source
from minsec.paths import PathError, read_regular
from minsec.record_cache import Store, code_digest

__all__ = ["Verdicts", "code_digest", "inputs_digest"]


def inputs_digest(
    root: Path, files: Sequence[tuple[str, bytes]], sources: Sequence[Source], corpus: Sequence[Path], today: str
) -> bytes | None:
    """The hash of what the set rules and the quote check read (see the module docstring): the
    record files as (path, :func:`minsec.record_files.file_digest`) in reading order, the source
    records among them, the corpus and the date; None if some of it is not a plain file that can
    be vouched for."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(f"{today}|{len(files)}\0".encode())
    for path, file_digest in files:
        if not file_digest:
            return None
        digest.update(path.encode("utf-8", "surrogatepass") + b"\0" + file_digest)
    folder = root / "records" / "sources"
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(SUFFIX)) if folder.is_dir() else []
        for name in names:
            raw = read_regular(folder, name, MAX_BYTES, "fingerprint")
            digest.update(f"\0fingerprint\0{name}\0".encode("utf-8", "surrogatepass"))
            digest.update(hashlib.blake2b(raw, digest_size=32).digest())
        for source in sources:
            if not source.text_file or not corpus:
                continue
            path = find_text(corpus, source.text_file)
            digest.update(f"\0text\0{source.id}\0{source.text_file}\0".encode("utf-8", "surrogatepass"))
            if path is not None:
                digest.update(str(path).encode("utf-8", "surrogatepass") + b"\0")
                digest.update(
                    hashlib.blake2b(read_regular(path.parent, path.name, MAX_TEXT_BYTES), digest_size=32).digest()
                )
    except (OSError, PathError, ValueError):
        return None
    return digest.digest()


class Verdicts(Store):
    """Clean verdicts, by the hash of the inputs: the ids of the sources whose quotes were
    checked against their text (on a clean run, the others' were checked against fingerprints)."""

    table, holds = "clean_verdicts", "clean verdicts of whole runs"

    def __init__(self, folder: Path | None) -> None:
        super().__init__(folder, code_digest() if folder is not None else None)

    def clean(self, inputs: bytes | None, sources: Sequence[Source]) -> dict[str, str] | None:
        """How each source's quotes were checked on the clean run with these inputs, or None."""
        if inputs is None:
            return None
        key = self.key(inputs)
        raw = self.get_many([key]).get(key)
        try:
            against_text = marshal.loads(raw) if raw is not None else None
        except (ValueError, EOFError, TypeError):
            return None
        if type(against_text) is not list:
            return None
        texts = set(against_text)
        return {source.id: TEXT if source.id in texts else FINGERPRINT for source in sources}

    def remember(self, inputs: bytes | None, how: dict[str, str]) -> None:
        if inputs is not None and set(how.values()) <= {TEXT, FINGERPRINT}:
            self.put(self.key(inputs), marshal.dumps(sorted(k for k, v in how.items() if v == TEXT)))
