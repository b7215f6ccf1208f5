"""Phrase recall and false hits of searchapp on a corpus, with the peers' query sampling.

usage: python benchmarks/phrase_recall.py [CORPUS] [--work DIR] [--queries FILE] [--limit N] [--reuse]

Indexes CORPUS (default ../shared/corpus, else the bundled samples) into WORK/index
with a full rebuild, then runs 200 quoted phrase queries sampled exactly as
../shared/bench/naive_baseline.py does (same seed), each returning *all* hits, and
compares with two truths:
  * raw: the query is a substring of the file as read (the peers' truth);
  * normalized: the query is a substring of a document's normalized text (the
    contract searchapp guarantees: Traditional matched by Simplified, spaces
    between Chinese characters ignored, boilerplate lines removed).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from searchapp.config import SAMPLES_DIR, settings_from_dict  # noqa: E402
from searchapp.query.service import open_service  # noqa: E402
from searchapp.indexing.run import index_paths  # noqa: E402
from searchapp.normalize import normalize, normalize_query  # noqa: E402
from searchapp.model import SearchRequest
from searchapp.query.service import search  # noqa: E402

# ../shared: $SEARCHAPP_SHARED, else the nearest parent holding it (a worktree at /work/wt/X finds /work/shared).
SHARED = Path(os.environ.get("SEARCHAPP_SHARED") or next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared"))
SHARED_BENCH = SHARED / "bench"
DEFAULT_CORPUS = SHARED / "corpus"


def load_queries(texts: dict[str, str], query_file: str | None) -> list[str]:
    if query_file:
        return [line.strip() for line in open(query_file, encoding="utf-8") if line.strip()]
    sys.path.insert(0, str(SHARED_BENCH))
    from peers_bench import sample_queries  # the peers' own sampling, same seed

    return sample_queries(texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else SAMPLES_DIR))
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "out" / "recall"))
    ap.add_argument("--queries", default=None)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (sorted)")
    ap.add_argument("--reuse", action="store_true", help="reuse the index in WORK if present")
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args()

    corpus = Path(a.corpus)
    files = sorted(corpus.rglob("*.txt"))
    if a.limit:
        files = files[: a.limit]
    texts = {str(f.relative_to(corpus)): f.read_text(encoding="utf-8", errors="replace") for f in files}
    work = Path(a.work)
    settings = settings_from_dict({"index_dir": str(work / "index"),
                                   "search": {"max_page_size": 100000, "page_size": 10}}, base_dir=work)
    index_s = None
    if not (a.reuse and (work / "index").exists()):
        t0 = time.perf_counter()
        summary = index_paths(settings, files if a.limit else [corpus], rebuild=True, workers=a.workers)
        index_s = time.perf_counter() - t0
        print(f"indexed {summary.total_documents} documents from {len(files)} files in {index_s:.1f} s "
              f"({len(summary.failed)} failed)", file=sys.stderr)
    engine = open_service(settings)
    snap = engine.backend.snapshot()
    by_file: dict[str, list[str]] = {}
    for docnum, info in snap.docs.items():
        rel = str(Path(info.source).relative_to(corpus.resolve()))
        by_file.setdefault(rel, []).append(normalize(snap.original_text(docnum)).text)

    queries = load_queries(texts, a.queries)
    raw_hit = raw_tot = raw_fp = norm_hit = norm_tot = norm_fp = 0
    lat = []
    examples: dict[str, list] = {"raw_missed": [], "raw_false": [], "norm_missed": []}
    for q in queries:
        t1 = time.perf_counter()
        resp = search(engine, SearchRequest(q=f'"{q}"', size=100000, snippets=0, facets=False, collapse=False))
        lat.append(time.perf_counter() - t1)
        got = {str(Path(snap.docs[snap.by_id[h.id]].source).relative_to(corpus.resolve())) for h in resp.hits}
        want_raw = {p for p, t in texts.items() if q in t}
        nq = normalize_query(q)
        want_norm = {p for p, docs in by_file.items() if any(nq in d for d in docs)}
        raw_tot += len(want_raw); raw_hit += len(want_raw & got); raw_fp += len(got - want_raw)
        norm_tot += len(want_norm); norm_hit += len(want_norm & got); norm_fp += len(got - want_norm)
        examples["raw_missed"] += [(q, p) for p in want_raw - got][:3]
        examples["raw_false"] += [(q, p) for p in got - want_raw][:3]
        examples["norm_missed"] += [(q, p) for p in want_norm - got][:3]
    lat.sort()
    n = len(lat)
    print(json.dumps({
        "corpus": str(corpus), "files": len(files), "documents": len(snap.docs), "queries": n,
        "index_s": round(index_s, 2) if index_s is not None else None,
        "p50_ms": round(1000 * lat[n // 2], 2), "p95_ms": round(1000 * lat[int(n * .95)], 2),
        "recall_raw": round(raw_hit / max(raw_tot, 1), 4), "false_hits_raw": raw_fp, "pairs_raw": raw_tot,
        "recall_normalized": round(norm_hit / max(norm_tot, 1), 4), "false_hits_normalized": norm_fp,
        "pairs_normalized": norm_tot,
        "examples": {k: v[:10] for k, v in examples.items()},
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
