"""Index and query figures of the sphinx backend on a local 2 × 2 cluster, beside the
local backend, on the same corpus and the same queries (issue 14).

usage: python benchmarks/cluster_bench.py [CORPUS] [--work DIR] [--limit N] [--workers N]

Starts 2 shards × 2 mirrors + a search node on loopback (searchd from Debian's
sphinxsearch), indexes CORPUS (default ../shared/corpus) into the cluster and into a
local index, then runs the peers' 200 sampled quoted phrases (same seed as
benchmarks/phrase_recall.py) on both:
  * page: 10 hits + 3 snippets + facets, folded copies (what a user sees);
  * all: every hit, no snippets/facets/folding — recall and false hits against
    the normalized documents (searchapp's contract);
  * plain: the same words unquoted (page), with the overlap of the first 10 hits.
Prints one JSON object; the cluster is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from searchapp.backend.sphinx.launch import LocalCluster  # noqa: E402
from searchapp.config import settings_from_dict  # noqa: E402
from searchapp.indexing.run import index_paths  # noqa: E402
from searchapp.model import SearchRequest  # noqa: E402
from searchapp.normalize import normalize, normalize_query  # noqa: E402
from searchapp.query.service import SearchService, open_service  # noqa: E402

def find_shared() -> Path:
    """../shared beside the repository (a worktree sits one level deeper), or $SEARCHAPP_SHARED."""
    import os

    if os.environ.get("SEARCHAPP_SHARED"):
        return Path(os.environ["SEARCHAPP_SHARED"])
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


SHARED = find_shared()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(1000 * values[min(len(values) - 1, int(len(values) * p))], 2)


def timed(service: SearchService, request: SearchRequest) -> tuple[float, object]:
    t0 = time.perf_counter()
    resp = service.search(request)
    return time.perf_counter() - t0, resp


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def du_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True).stdout.split()
    return int(out[0]) / 1024 if out else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(SHARED / "corpus"))
    ap.add_argument("--work", default=str(HERE / "out" / "cluster"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (sorted)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    corpus = Path(a.corpus).resolve()
    files = sorted(corpus.rglob("*.txt"))[: a.limit or None]
    texts = {str(f.relative_to(corpus)): f.read_text(encoding="utf-8", errors="replace") for f in files}
    text_mb = sum(len(t.encode("utf-8")) for t in texts.values()) / 1e6
    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out: dict = {"corpus": str(corpus), "files": len(files), "text_mb": round(text_mb, 2)}
    search_conf = {"max_page_size": 100000, "cache_size": 0}

    local = settings_from_dict({"index_dir": str(work / "local"), "search": search_conf}, base_dir=work)
    t0 = time.perf_counter()
    index_paths(local, files, rebuild=True, workers=a.workers)
    out["local_index_s"] = round(time.perf_counter() - t0, 1)
    out["local_index_mb"] = round(du_mb(work / "local"), 1)
    print(json.dumps(out), file=sys.stderr, flush=True)

    cluster = LocalCluster(work / "cluster").start()
    try:
        sphinx = settings_from_dict({"index_dir": str(work / "lock"), "backend": "sphinx",
                                     "cluster": cluster.settings(), "search": search_conf}, base_dir=work)
        t0 = time.perf_counter()
        summary = index_paths(sphinx, files, rebuild=True, workers=a.workers)
        out["cluster_index_s"] = round(time.perf_counter() - t0, 1)
        out["documents"] = summary.total_documents
        t0 = time.perf_counter()
        index_paths(sphinx, files, workers=a.workers)
        out["cluster_noop_s"] = round(time.perf_counter() - t0, 2)
        out["cluster_nodes_after_index"] = [
            {"node": p.name, "rss_mb": round(rss_mb(p.popen.pid), 1), "disk_mb": round(du_mb(p.folder), 1)}
            for p in cluster.processes if p.popen]
        print(json.dumps(out), file=sys.stderr, flush=True)
        services = {"local": open_service(local), "sphinx": open_service(sphinx)}

        # Truth: the normalized documents, as the local index holds them.
        snap = services["local"].backend.snapshot()
        norm = {rec.id: normalize(snap.original_text(d)).text for d, rec in snap.docs.items()}
        sys.path.insert(0, str(SHARED / "bench"))
        from peers_bench import sample_queries  # the peers' sampling, same seed

        queries = sample_queries(texts)
        out["queries"] = len(queries)
        for name, service in services.items():
            page, every, plain = [], [], []
            hit = tot = false = 0
            for q in queries:
                page.append(timed(service, SearchRequest(q=f'"{q}"'))[0])
                dt, resp = timed(service, SearchRequest(q=f'"{q}"', size=100000, snippets=0, facets=False,
                                                         collapse=False))
                every.append(dt)
                got = {h.id for h in resp.hits}
                nq = normalize_query(q)
                want = {i for i, t in norm.items() if nq in t}
                tot += len(want)
                hit += len(want & got)
                false += len(got - want)
                plain.append(timed(service, SearchRequest(q=q))[0])
            out[name] = {"page_p50_ms": pct(page, .5), "page_p95_ms": pct(page, .95), "page_p99_ms": pct(page, .99),
                         "all_p50_ms": pct(every, .5), "all_p95_ms": pct(every, .95),
                         "plain_p50_ms": pct(plain, .5), "plain_p95_ms": pct(plain, .95),
                         "recall": round(hit / max(1, tot), 4), "false_hits": false, "pairs": tot}
            print(json.dumps({name: out[name]}), file=sys.stderr, flush=True)
        overlap = []
        for q in queries:
            a10 = [h.id for h in services["local"].search(SearchRequest(q=q, snippets=0)).hits]
            b10 = [h.id for h in services["sphinx"].search(SearchRequest(q=q, snippets=0)).hits]
            if a10:
                overlap.append(len(set(a10) & set(b10)) / len(a10))
        out["plain_top10_overlap_mean"] = round(statistics.mean(overlap), 3) if overlap else None
        out["cluster_nodes"] = [{"node": p.name, "rss_mb": round(rss_mb(p.popen.pid), 1),
                                 "disk_mb": round(du_mb(p.folder), 1)} for p in cluster.processes if p.popen]
        for s in services.values():
            s.backend.close()
    finally:
        cluster.stop()
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
