"""How often mojibake repair, chrome cleaning and compilation splitting fire on a corpus.

Usage: ``python benchmarks/mojibake_rate.py [CORPUS_DIR] [--samples N]``
(default corpus: /work/shared/corpus, every ``*.txt`` in it).

Prints, for a human to check for false positives:

* mojibake: files scanned, files with repairs, spans repaired, time taken, and
  example spans (before -> after);
* cleaning: lines and files ``clean_text`` removes, the most frequent removed
  lines and a random sample of them (none should be report prose);
* splitting: pages ``split_articles`` cuts into several articles, with titles;
* worst-case timings per 20,000 characters.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchapp.clean import clean_text  # noqa: E402
from searchapp.mojibake import repair_mojibake  # noqa: E402
from searchapp.split import split_articles  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/corpus")


def _per_20k(seconds: float, chars: int) -> float:
    return seconds * 1000 * 20000 / max(chars, 1)


def _spread(samples: list[tuple[float, Path]], fn: Callable[[str], object]) -> str:
    """Median, 99th percentile and the slowest file re-timed (best of 5, so a
    garbage-collection pause does not pass for the function's cost), per 20k chars."""
    if not samples:
        return "no file of 5,000+ characters"
    samples.sort(key=lambda s: s[0])
    median = samples[len(samples) // 2][0]
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))][0]
    _worst, path = samples[-1]
    text = path.read_text(encoding="utf-8", errors="replace")
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return (
        f"per 20k chars (files of 5,000+ chars): median {median:.2f} ms, p99 {p99:.2f} ms, "
        f"slowest file {path.name} re-timed {_per_20k(best, len(text)):.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--samples", type=int, default=40, help="removed lines to sample")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    files = sorted(args.corpus.glob("*.txt"))
    if not files:
        print(f"no *.txt files in {args.corpus}", file=sys.stderr)
        return 1

    # compile the rules and load the tables once, so the first file's timing is not a cold start
    warm = files[0].read_text(encoding="utf-8", errors="replace")
    repair_mojibake(warm)
    clean_text(warm)
    split_articles(warm)

    total_chars = 0
    moji_files = moji_spans = 0
    moji_examples: list[tuple[str, str, str]] = []
    moji_time = clean_time = split_time = 0.0
    per_20k: dict[str, list[tuple[float, Path]]] = {"mojibake": [], "clean": []}
    removed_files = removed_lines = 0
    removed_counter: Counter[str] = Counter()
    removed_where: list[tuple[str, str]] = []
    split_pages: list[tuple[str, list[str | None]]] = []

    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        total_chars += len(text)

        t0 = time.perf_counter()
        repaired = repair_mojibake(text)
        dt = time.perf_counter() - t0
        moji_time += dt
        if len(text) >= 5000:
            per_20k["mojibake"].append((_per_20k(dt, len(text)), path))
        if repaired.repairs:
            moji_files += 1
            moji_spans += repaired.repairs
            moji_examples += [(path.name, a, b) for a, b in repaired.spans[:3]]

        t0 = time.perf_counter()
        cleaned = clean_text(text)
        dt = time.perf_counter() - t0
        clean_time += dt
        if len(text) >= 5000:
            per_20k["clean"].append((_per_20k(dt, len(text)), path))
        if cleaned.removed_lines:
            removed_files += 1
            removed_lines += cleaned.removed_lines
            removed_counter.update(cleaned.removed)
            removed_where += [(path.name, line) for line in cleaned.removed]

        t0 = time.perf_counter()
        articles = split_articles(text)
        split_time += time.perf_counter() - t0
        if len(articles) > 1:
            split_pages.append((path.name, [a.title_hint for a in articles]))

    mb = total_chars / 1e6
    print(f"corpus: {args.corpus}  files scanned: {len(files)}  characters: {total_chars:,}")
    print()
    print("== mojibake repair")
    print(f"files with repairs: {moji_files} ({moji_files / len(files):.2%})  spans repaired: {moji_spans}")
    print(f"time: {moji_time:.2f} s total, {moji_time / mb * 1000:.1f} ms per million chars; {_spread(per_20k['mojibake'], repair_mojibake)}")
    for name, before, after in moji_examples[:15]:
        print(f"  {name}: {before!r} -> {after!r}")
    print()
    print("== chrome cleaning")
    print(f"files with removed lines: {removed_files} ({removed_files / len(files):.2%})  lines removed: {removed_lines}")
    print(f"time: {clean_time:.2f} s total, {clean_time / mb * 1000:.1f} ms per million chars; {_spread(per_20k['clean'], clean_text)}")
    print("most frequent removed lines:")
    for line, n in removed_counter.most_common(25):
        print(f"  {n:6d}  {line[:100]}")
    rng = random.Random(args.seed)
    sample = rng.sample(removed_where, min(args.samples, len(removed_where)))
    print(f"random sample of {len(sample)} removed lines:")
    for name, line in sample:
        print(f"  {name}: {line[:110]}")
    print()
    print("== compilation splitting")
    print(f"pages split: {len(split_pages)}  time: {split_time:.2f} s total")
    for name, titles in split_pages[:15]:
        print(f"  {name}: {len(titles)} articles {titles[:5]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
