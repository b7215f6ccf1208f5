"""CPU time per query of the query layer: the peers' 200 sampled phrases, once quoted and once
plain, in process, one thread, response cache off (10 hits + 3 snippets + facets).

usage: python benchmarks/query_timing.py INDEX_DIR [--corpus DIR] [--warm]

CPU time (``time.thread_time``) rather than wall time, so that a machine shared with other jobs
still gives comparable figures: run it for two versions of searchapp alternately (the other one
first on PYTHONPATH, from a folder without config.yaml) and compare. ``--warm`` runs all 400
queries once before measuring (per-document caches filled, as in a server that has been up a while).
Prints one JSON object: p50/p95/p99/mean ms per pass.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_bench() -> Path:
    """../shared/bench next to the repository or above it (a worktree sits deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "bench").is_dir():
            return parent / "shared" / "bench"
    raise SystemExit("../shared/bench not found (it holds the peers' query sampling)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index")
    ap.add_argument("--corpus", default=None, help="corpus the queries are sampled from (default ../shared/corpus)")
    ap.add_argument("--warm", action="store_true")
    a = ap.parse_args()
    bench = shared_bench()
    sys.path.insert(0, str(bench))
    import peers_bench  # the peers' own sampling, same seed

    from searchapp.config import settings_from_dict
    from searchapp.model import SearchRequest
    from searchapp.query.service import open_service

    _paths, texts = peers_bench.load_texts(a.corpus or str(bench.parent / "corpus"), 0)
    queries = peers_bench.sample_queries(texts)
    service = open_service(settings_from_dict({"index_dir": str(Path(a.index).resolve()), "search": {"cache_size": 0}}))
    service.search(SearchRequest(q="教育"))
    passes = {"quoted": [f'"{q}"' for q in queries], "plain": list(queries)}
    if a.warm:
        for texts_ in passes.values():
            for q in texts_:
                service.search(SearchRequest(q=q, size=10))
    out = {}
    for name, texts_ in passes.items():
        ms = []
        for q in texts_:
            t = time.thread_time()
            service.search(SearchRequest(q=q, size=10))
            ms.append((time.thread_time() - t) * 1000)
        ms.sort()
        out[name] = {"n": len(ms), "p50": round(ms[len(ms) // 2], 2), "p95": round(ms[int(len(ms) * .95)], 2),
                     "p99": round(ms[int(len(ms) * .99)], 2), "mean": round(statistics.mean(ms), 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
