"""Extraction accuracy of the real pipeline (what `searchapp index` stores), per field.

usage: python benchmarks/extract_accuracy.py [CORPUS] [--workers N]

* seeds: region (full province/city/district path) and year against
  benchmarks/seed_labels.yaml (hand-written labels with the reasoning); "unknown"
  labels count as right only when the pipeline also says nothing;
* corpus (../shared/corpus/manifest.jsonl): province for gwrprov and lawref, year for
  xwlb, gwrcn, gwrprov and lawref, where the manifest has a label.

For each: coverage = share of documents with an answer, precision = share of answers
that are right.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchapp.config import settings_from_dict  # noqa: E402
from searchapp.pipeline import prepare_file  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SETTINGS = settings_from_dict({})


def _first_doc(path: str) -> tuple[str | None, int | None]:
    try:
        docs = prepare_file(Path(path), path, SETTINGS).documents
    except Exception:  # unreadable: counts as no answer
        return None, None
    if not docs:
        return None, None
    return docs[0].province, docs[0].year


def _province_equal(answer: str, label: str) -> bool:
    return answer.startswith(label) or label.startswith(answer[:2])


def seeds_table() -> list[str]:
    labels = yaml.safe_load((ROOT / "benchmarks" / "seed_labels.yaml").read_text(encoding="utf-8"))
    rows = {"region": [0, 0, 0], "year": [0, 0, 0]}  # [documents, answered, right]
    lines = []
    for name, articles in labels.items():
        docs = prepare_file(SEEDS / name, name, SETTINGS).documents
        for doc in docs:
            label = articles.get(doc.article)
            if label is None:
                continue
            got = {"region": doc.region_path or None, "year": doc.year}
            for field in ("region", "year"):
                want = label[field]
                row = rows[field]
                row[0] += 1
                if got[field] is not None:
                    row[1] += 1
                    row[2] += got[field] == want
                ok = got[field] == want
                lines.append(f"  {name}#{doc.article} {field}: got {got[field]!r}, label {want!r}"
                             f"{'' if ok else '  ← differs'}")
    out = ["seeds (5 files, 9 documents):"] + lines
    for field, (n, answered, right) in rows.items():
        unknown_right = sum(1 for line in lines if f" {field}: got None, label None" in line)
        out.append(f"  {field}: coverage {answered}/{n}, precision {right}/{answered} answered; "
                   f"{unknown_right} correctly left unknown")
    return out


def corpus_table(corpus: Path, workers: int) -> list[str]:
    manifest = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    wanted = [m for m in manifest if m["source"] in ("gwrprov", "lawref", "xwlb", "gwrcn")
              and (m["region"] or m["year"])]
    paths = [str(corpus / m["file"]) for m in wanted]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_first_doc, paths, chunksize=32))
    stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for m, (province, year) in zip(wanted, results):
        if m["region"] and m["source"] in ("gwrprov", "lawref"):
            s = stats[(m["source"], "province")]
            s[0] += 1
            if province:
                s[1] += 1
                s[2] += _province_equal(province, m["region"])
        if m["year"]:
            s = stats[(m["source"], "year")]
            s[0] += 1
            if year:
                s[1] += 1
                s[2] += year == m["year"]
    out = ["corpus (manifest labels):", "  | source | field | labelled | coverage | precision |", "  |---|---|---|---|---|"]
    for (source, field), (n, answered, right) in sorted(stats.items()):
        out.append(f"  | {source} | {field} | {n} | {answered / n:.3f} | "
                   f"{(right / answered if answered else 0):.3f} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    print("\n".join(seeds_table()))
    corpus = Path(a.corpus)
    if (corpus / "manifest.jsonl").exists():
        print("\n".join(corpus_table(corpus, a.workers)))
    else:
        print(f"(no manifest at {corpus}: corpus part skipped)")


if __name__ == "__main__":
    main()
