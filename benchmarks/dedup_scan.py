"""Near-duplicate scan of a corpus folder: fingerprint speed, clusters found, sample pairs.

Not a test: it reads the shared corpus (about 107 MB) and prints figures and sample pairs
so a human can judge whether the clusters are really copies of one text::

    .venv/bin/python benchmarks/dedup_scan.py [/work/shared/corpus] [--max-distance 3] [--samples 12]

For each cluster member it also computes the Jaccard similarity of the full 4-gram sets
(exact, slow, independent of the SimHash) against the cluster's representative, as a
check on false positives.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searchapp.dedup import cluster, content_chars, fingerprint, hamming  # noqa: E402

#: Documents with fewer content characters are left out: their fingerprints say little.
MIN_CONTENT_CHARS = 50


def load_corpus(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Texts by file name, and titles from ``manifest.jsonl`` when there is one."""
    texts = {p.name: p.read_text("utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))}
    titles: dict[str, str] = {}
    manifest = folder / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                titles[record.get("file", "")] = record.get("title") or ""
    return texts, titles


def shingle_set(text: str) -> set[str]:
    content = content_chars(text)
    return {content[i : i + 4] for i in range(max(len(content) - 3, 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def first_difference(a: str, b: str, context: int = 25) -> str:
    """A short view of where two texts first differ, for eyeballing."""
    matcher = difflib.SequenceMatcher(None, a[:4000], b[:4000], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            left = a[max(0, i1 - context) : i2 + context].replace("\n", "⏎")
            right = b[max(0, j1 - context) : j2 + context].replace("\n", "⏎")
            return f"      A: …{left[:120]}…\n      B: …{right[:120]}…"
    return "      (first 4000 characters identical)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="/work/shared/corpus", type=Path)
    parser.add_argument("--max-distance", type=int, default=3)
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    texts, titles = load_corpus(args.corpus)
    size = sum(len(t.encode("utf-8")) for t in texts.values())
    print(f"corpus: {len(texts)} documents, {size / 1e6:.1f} MB")

    fingerprint("预热")  # builds the anchor pattern outside the timing
    start = time.perf_counter()
    fingerprints = {name: fingerprint(text) for name, text in texts.items()}
    elapsed = time.perf_counter() - start
    print(f"fingerprint: {elapsed:.2f} s, {size / 1e6 / elapsed:.1f} MB/s")

    eligible = {n: fp for n, fp in fingerprints.items() if len(content_chars(texts[n])) >= MIN_CONTENT_CHARS}
    print(f"left out (< {MIN_CONTENT_CHARS} content characters): {len(fingerprints) - len(eligible)}")

    for k in range(0, 7):
        start = time.perf_counter()
        mapping = cluster(eligible, max_distance=k)
        took = time.perf_counter() - start
        groups = Counter(mapping.values())
        multi = {rep: n for rep, n in groups.items() if n > 1}
        print(f"  max_distance={k}: {len(multi)} clusters, {sum(multi.values())} documents in them ({took:.3f} s)")

    mapping = cluster(eligible, max_distance=args.max_distance)
    members: dict[str, list[str]] = defaultdict(list)
    for name, rep in mapping.items():
        members[rep].append(name)
    clusters = {rep: sorted(names) for rep, names in members.items() if len(names) > 1}
    exact = {
        rep
        for rep, names in clusters.items()
        if len({hashlib.sha1(content_chars(texts[n]).encode()).hexdigest() for n in names}) == 1
    }
    print(f"\nmax_distance={args.max_distance}: {len(clusters)} clusters of {sum(map(len, clusters.values()))} "
          f"documents; {len(exact)} of them identical in content characters, {len(clusters) - len(exact)} near")
    print("cluster sizes:", dict(sorted(Counter(len(v) for v in clusters.values()).items())))
    by_sources = Counter(tuple(sorted({n.split("_")[0] for n in names})) for names in clusters.values())
    print("sources per cluster:", dict(by_sources.most_common()))

    similarities = []
    for rep, names in clusters.items():
        rep_set = shingle_set(texts[rep])
        for name in names:
            if name != rep:
                similarities.append((jaccard(rep_set, shingle_set(texts[name])), rep, name))
    similarities.sort()
    low = [s for s in similarities if s[0] < 0.5]
    print(f"member-vs-representative 4-gram Jaccard: min {similarities[0][0]:.2f}, "
          f"median {similarities[len(similarities) // 2][0]:.2f}; {len(low)} pairs below 0.5" if similarities else "")

    def show(rep: str, name: str, score: float) -> None:
        a, b = texts[rep], texts[name]
        print(f"\n  {rep} ~ {name}: hamming {hamming(fingerprints[rep], fingerprints[name])}, "
              f"Jaccard {score:.2f}, {len(a)} vs {len(b)} chars")
        print(f"    titles: {titles.get(rep, '?')!r} | {titles.get(name, '?')!r}")
        print(f"    A starts: {a[:70]!r}\n    B starts: {b[:70]!r}")
        print(first_difference(a, b))

    rng = random.Random(args.seed)
    near_pairs = [s for s in similarities if s[1] not in exact]
    print(f"\n--- {min(args.samples, len(near_pairs))} random near-duplicate pairs (not identical) ---")
    for score, rep, name in sorted(rng.sample(near_pairs, min(args.samples, len(near_pairs))), key=lambda s: s[1]):
        show(rep, name, score)
    print("\n--- the 5 least similar pairs by 4-gram Jaccard (false-positive check) ---")
    for score, rep, name in similarities[:5]:
        show(rep, name, score)


if __name__ == "__main__":
    main()
