"""Measure searchapp.extract.region on the shared corpus (not a test).

Labelled sources: ``gwrprov`` (31 provincial 政府工作报告) and the ``lawref`` 地方性法规
whose manifest ``region`` is the province folder. For those it prints coverage (share
of documents given a province) and precision (share of answers whose province
matches the label). Unlabelled national sources (``xwlb`` news, ``gwrcn``,
``cpccongress``) should mostly get no region: it prints how many got one, the most
frequent answers and a few samples to spot-check. Timing is per document.

    .venv/bin/python benchmarks/accuracy_region.py [CORPUS_DIR] [--xwlb 300] [--errors 15] [--no-title]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from searchapp.extract.region import extract_region  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/corpus")
_T2S = opencc.OpenCC("t2s")
_SUFFIX = re.compile(r"(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$")


def normalize(text: str, lang: str) -> str:
    """Roughly what the pipeline does before extraction: half-width, Simplified."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    return text if lang == "zh-Hans" else _T2S.convert(text)


def province_key(name: str | None) -> str | None:
    """广东省, 广东 -> 广东; 广西壮族自治区 -> 广西."""
    return _SUFFIX.sub("", name) if name else None


def first_line(text: str) -> str:
    """The title a reader would see: the first non-empty line, without Markdown marks."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def drop_title(text: str) -> str:
    """The text without its first non-empty line: a stress test where the body alone
    must tell the region (lawref titles name the province almost always)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            return "\n".join(lines[i + 1 :])
    return text


def run(corpus: Path, n_news: int, n_errors: int, seed: int, no_title: bool = False) -> None:
    manifest = [json.loads(line) for line in (corpus / "manifest.jsonl").open(encoding="utf-8")]
    labelled = [m for m in manifest if m["region"] and m["source"] in ("gwrprov", "lawref")]
    rng = random.Random(seed)
    news = [m for m in manifest if m["source"] == "xwlb"]
    national = [m for m in manifest if m["source"] in ("gwrcn", "cpccongress")]
    sample_news = rng.sample(news, min(n_news, len(news)))

    extract_region("", "")  # build the gazetteer outside the timings
    times: list[float] = []
    chars: list[int] = []

    def guess(m: dict) -> tuple:
        text = normalize((corpus / m["file"]).read_text(encoding="utf-8"), m["lang"])
        title = first_line(text)
        if no_title:
            title, text = "", drop_title(text)
        t0 = time.perf_counter()
        g = extract_region(title, text, m["year"])
        times.append(time.perf_counter() - t0)
        chars.append(len(text))
        return g, text

    by_source: dict[str, Counter] = defaultdict(Counter)
    errors: list[tuple] = []
    per_label: dict[str, Counter] = defaultdict(Counter)
    for m in labelled:
        g, _ = guess(m)
        src = m["source"]
        label = province_key(m["region"])
        got = province_key(g.province)
        by_source[src]["n"] += 1
        per_label[f"{src}:{label}"]["n"] += 1
        if got is None:
            continue
        by_source[src]["answered"] += 1
        per_label[f"{src}:{label}"]["answered"] += 1
        if got == label:
            by_source[src]["right"] += 1
            per_label[f"{src}:{label}"]["right"] += 1
            by_source[src]["with_city"] += g.city is not None and g.city != g.province
            by_source[src]["with_district"] += g.district is not None
        else:
            errors.append((m["file"], m["title"], m["region"], g))

    print("== labelled sources (province level)")
    print(f"{'source':10} {'docs':>5} {'coverage':>9} {'precision':>10} {'right':>6} {'wrong':>6}"
          f" {'+city':>6} {'+district':>9}")
    total = Counter()
    for src, c in sorted(by_source.items()):
        total.update(c)
        _row(src, c)
    _row("all", total)
    print("(+city, +district: right answers that also name a prefecture-level city / a district;"
          " municipalities count as province only)")
    print("\n== per label")
    for key, c in sorted(per_label.items()):
        print(f"  {key:14} n={c['n']:4}  coverage={c['answered'] / c['n']:.3f}  "
              f"precision={(c['right'] / c['answered']) if c['answered'] else float('nan'):.3f}")
    if errors:
        print(f"\n== wrong answers ({len(errors)}; first {n_errors})")
        for file, title, label, g in errors[:n_errors]:
            print(f"  {file} [{label}] {title}\n    -> {g.province} {g.city} {g.district}")
            for e in g.evidence[:4]:
                print(f"       {e}")

    for name, docs in (("xwlb (random sample)", sample_news), ("gwrcn + cpccongress", national)):
        answers: Counter = Counter()
        shown = 0
        print(f"\n== {name}: {len(docs)} documents, no label (national); answers should be rare")
        for m in docs:
            g, _ = guess(m)
            if g.province:
                answers[(g.province, g.city, g.district)] += 1
                if shown < 5:
                    shown += 1
                    print(f"  sample {m['file']} {m['title']}: {g.province} {g.city} {g.district}")
                    for e in g.evidence[:3]:
                        print(f"       {e}")
        given = sum(answers.values())
        print(f"  given a region: {given}/{len(docs)} ({given / max(len(docs), 1):.3f})")
        for (p, c, d), n in answers.most_common(8):
            print(f"    {n:4}  {p} {c or ''} {d or ''}")

    per_10k = [t / max(n, 1) * 10_000 for t, n in zip(times, chars)]
    print(f"\n== timing over {len(times)} documents (mean {statistics.mean(chars):.0f} chars)")
    print(f"  per document: mean {statistics.mean(times) * 1000:.2f} ms, "
          f"median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.1f} ms")
    print(f"  per 20,000 characters: {statistics.mean(per_10k) * 2 * 1000:.2f} ms")


def _row(src: str, c: Counter) -> None:
    cov = c["answered"] / c["n"] if c["n"] else 0.0
    prec = c["right"] / c["answered"] if c["answered"] else float("nan")
    print(f"{src:10} {c['n']:5} {cov:9.3f} {prec:10.3f} {c['right']:6} {c['answered'] - c['right']:6}"
          f" {c['with_city']:6} {c['with_district']:9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=DEFAULT_CORPUS, help="corpus folder with manifest.jsonl"
    )
    parser.add_argument("--xwlb", type=int, default=300, help="how many xwlb news files to sample")
    parser.add_argument("--errors", type=int, default=15, help="how many wrong answers to print")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed")
    parser.add_argument("--no-title", action="store_true", help="hide the title line: the body alone must decide")
    args = parser.parse_args()
    run(args.corpus, args.xwlb, args.errors, args.seed, args.no_title)


if __name__ == "__main__":
    main()
