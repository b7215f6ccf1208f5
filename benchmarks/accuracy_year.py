"""Measure year (and spot-check title) extraction against the corpus manifest.

Not a test: it needs the shared corpus, which tests must not. Usage::

    .venv/bin/python benchmarks/accuracy_year.py [CORPUS_DIR] [--sources xwlb,gwrcn,lawref]
        [--show-wrong N] [--titles N]

For each source it prints coverage (share of labelled documents that got a year)
and precision (share of those answers equal to the manifest's ``year``), plus
the time extraction took. The manifest's labels come from file names and source
fields, not from the text, so they are independent of the extractor:

- ``xwlb``: 新闻联播 transcripts, labelled with the broadcast date's year;
- ``gwrcn``: State Council 政府工作报告, labelled with the year it was delivered;
- ``lawref``: laws, labelled with the date in the file name (usually the latest
  promulgation or amendment), so it measures how well dated headers are read.

Texts are normalized the way the pipeline does before extraction (Traditional to
Simplified, full-width to half-width); titles come from ``extract_title`` on the
original text, as in the pipeline, never from the manifest.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchapp.extract.title import extract_title
from searchapp.extract.year import extract_year

DEFAULT_CORPUS = Path("/work/shared/corpus")
DEFAULT_SOURCES = ("xwlb", "gwrcn", "lawref", "twedu", "gwrprov", "cpccongress")


def _normalizer():
    """Traditional→Simplified plus NFKC width folding, like the indexing pipeline."""
    import opencc

    t2s = opencc.OpenCC("t2s")

    def normalize(text: str, lang: str) -> str:
        if lang != "zh-Hans":
            text = t2s.convert(text)
        return unicodedata.normalize("NFKC", text)

    return normalize


def _pct(n: int, d: int) -> str:
    return f"{n / d:6.1%}" if d else "   n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--sources", default=",".join(DEFAULT_SOURCES))
    ap.add_argument("--show-wrong", type=int, default=5, help="wrong answers to print per source")
    ap.add_argument("--show-missing", type=int, default=0, help="unanswered labelled documents to print per source")
    ap.add_argument("--titles", type=int, default=4, help="title spot-checks to print per source")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    sources = set(args.sources.split(","))
    normalize = _normalizer()
    rows = [json.loads(line) for line in (args.corpus / "manifest.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["source"] in sources]

    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wrong: dict[str, list[str]] = defaultdict(list)
    missing: dict[str, list[str]] = defaultdict(list)
    deciders: dict[str, Counter[str]] = defaultdict(Counter)
    titles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    year_ms: list[float] = []
    title_ms: list[float] = []
    for row in rows:
        src = row["source"]
        raw = (args.corpus / row["file"]).read_text(encoding="utf-8")
        t0 = time.perf_counter()
        title = extract_title(raw, row["file"])
        t1 = time.perf_counter()
        guess = extract_year(normalize(title, row["lang"]), normalize(raw, row["lang"]))
        t2 = time.perf_counter()
        title_ms.append((t1 - t0) * 1000)
        year_ms.append((t2 - t1) * 1000)
        titles[src].append((row["title"], title))
        s = stats[src]
        s["docs"] += 1
        label = row["year"]
        if label is None:
            s["unlabelled"] += 1
            s["unlabelled_answered"] += guess.year is not None
            continue
        s["labelled"] += 1
        in_text = str(label) in normalize(raw, row["lang"])
        s["label_in_text"] += in_text
        if guess.year is None:
            missing[src].append(f"{row['file']} label={label} {guess.evidence[:2]}")
        else:
            deciders[src][guess.evidence[0].split(":")[0]] += 1
            s["answered"] += 1
            s["answered_in_text"] += in_text
            if guess.year == label:
                s["correct"] += 1
                s["correct_in_text"] += in_text
            else:
                wrong[src].append(f"{row['file']} label={label} got={guess.year} {guess.evidence[:2]}")

    print("precision*: precision on the documents whose label year appears in the text at all")
    print(
        f"{'source':12} {'docs':>5} {'labelled':>8} {'coverage':>8} {'precision':>9} {'precision*':>10}"
        f" {'unlabelled answered':>20}"
    )
    for src in sorted(stats):
        s = stats[src]
        print(
            f"{src:12} {s['docs']:5d} {s['labelled']:8d} {_pct(s['answered'], s['labelled']):>8} "
            f"{_pct(s['correct'], s['answered']):>9} {_pct(s['correct_in_text'], s['answered_in_text']):>10}"
            f" {s['unlabelled_answered']:>9d}/{s['unlabelled']:<d}"
        )
    for name, ms in (("extract_year", year_ms), ("extract_title", title_ms)):
        if ms:
            q = statistics.quantiles(ms, n=100)
            print(f"{name}: mean {statistics.mean(ms):.2f} ms, p95 {q[94]:.2f} ms, max {max(ms):.1f} ms")

    rng = random.Random(args.seed)
    for src in sorted(stats):
        if deciders[src]:
            print(f"\n{src}: answers decided by " + ", ".join(f"{k} {n}" for k, n in deciders[src].most_common()))
        if args.show_missing and missing[src]:
            print(f"\n{src}: {len(missing[src])} unanswered, first {args.show_missing}:")
            for line in missing[src][: args.show_missing]:
                print("  ", line)
        if args.show_wrong and wrong[src]:
            print(f"\n{src}: {len(wrong[src])} wrong, first {args.show_wrong}:")
            for line in wrong[src][: args.show_wrong]:
                print("  ", line)
        if args.titles:
            print(f"\n{src}: titles (manifest | extracted)")
            for want, got in rng.sample(titles[src], min(args.titles, len(titles[src]))):
                print(f"   {want[:50]} | {got[:60]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
