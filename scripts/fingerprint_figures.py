"""Print the false-pass and reconstruction figures of the committed fingerprints (docs/fingerprints.md).

    python scripts/fingerprint_figures.py [--corpus DIR ...]

Per source: the stored hashes, the chance ``p`` that a run of words absent from the text
matches one of them, what that makes of a one-word typo and of a stitched quote, and how
many wrong continuations a dictionary attack meets per word. With ``--corpus``, it also
measures on the real texts how often a stitch of two random passages passes because every
run across the seam genuinely occurs elsewhere in the text (no hash scheme can tell those).
"""

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from minsec.evidence import find_text, read_fingerprint  # noqa: E402
from minsec.fingerprint import NGRAM, SUFFIX, decode, normalise, runs, token_spans  # noqa: E402
from minsec.models import Source  # noqa: E402
from minsec.record_files import read_records  # noqa: E402

QUOTE_TOKENS = 10


def genuine_stitches(text: str, trials: int = 20000, length: int = QUOTE_TOKENS // 2, seed: int = 1) -> float:
    """Share of stitched quotes (two random passages of ``length`` tokens) made only of runs of the text."""
    text = normalise(text)
    spans = token_spans(text)
    present = set(runs(text))
    rng = random.Random(seed)
    passed = 0
    for _ in range(trials):
        a, b = rng.randrange(len(spans) - length), rng.randrange(len(spans) - length)
        if abs(a - b) <= length + NGRAM:
            continue
        quote = f"{text[spans[a][0] : spans[a + length - 1][1]]} {text[spans[b][0] : spans[b + length - 1][1]]}"
        passed += all(r in present for r in runs(quote))
    return passed / trials


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--corpus", action="append", type=Path, default=[])
    args = options.parse_args()
    loaded, _ = read_records(ROOT)
    sources = {r.record.id: r.record for r in loaded if isinstance(r.record, Source)}
    print(
        "| source | hashes | p | typo, first word | typo, middle word | typo, random word of 10 | stitched "
        "| wrong continuations per word (10^4 / 10^5 words) | genuine stitches |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in sorted((ROOT / "records" / "sources").glob(f"*{SUFFIX}")):
        fingerprint = read_fingerprint(path)
        p, n = fingerprint.collision_probability, fingerprint.ngram
        windows = [min(k + 1, n, QUOTE_TOKENS - k, QUOTE_TOKENS - n + 1) for k in range(QUOTE_TOKENS)]
        anywhere = sum(p**w for w in windows) / QUOTE_TOKENS
        genuine = "(no corpus)"
        source = sources.get(fingerprint.source_id)
        text_path = find_text(args.corpus, source.text_file) if source and source.text_file else None
        if text_path:
            genuine = f"{genuine_stitches(decode(text_path.read_bytes())):.2%}"
        print(
            f"| {fingerprint.source_id} | {len(fingerprint.hashes)} | {p:.1e} | {p:.1e} | {p**n:.1e} | "
            f"{anywhere:.1e} | {p ** (n - 1):.1e} | {1e4 * p:.2f} / {1e5 * p:.1f} | {genuine} |"
        )


if __name__ == "__main__":
    main()
