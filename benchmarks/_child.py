"""The measured side of bench.py: each call runs in a fresh process.

Why a child process per measurement: peak memory and CPU time of indexing are
only meaningful for a process that did nothing else (``getrusage`` covers the
process and its reaped workers), a cold start needs a process that has never
opened the index, and a crash or hang inside searchapp must not take the
benchmark down with it. Each command prints one line ``RESULT {json}`` on
stdout; progress goes to stderr.

    python benchmarks/_child.py index   --index DIR [--rebuild] [--workers N] --paths-file FILE
    python benchmarks/_child.py queries --index DIR --queries FILE [--root DIR --truth-corpus DIR --limit N]
    python benchmarks/_child.py cold    --index DIR --query Q

Only searchapp's public API is used (``settings_from_dict``, ``index_paths``,
``open_service``, ``search``/``SearchRequest``, ``get_document``), plus
``searchapp.normalize`` to compute the normalized truth the way
``benchmarks/phrase_recall.py`` does.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()  # before the heavy imports: the cold-start clock starts here

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED_BENCH = Path(os.environ.get("SEARCHAPP_SHARED") or next((p / "shared" for p in ROOT.parents if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared")) / "bench"
# bench.py's frozen copy of the package when it made one, else the working tree.
sys.path.insert(0, os.environ.get("BENCH_CODE_DIR") or str(ROOT))

#: Large enough for "every hit" on any corpus we benchmark.
ALL_HITS = 1_000_000
_ARTICLE = re.compile(r"#\d+$")


def log(msg: str) -> None:
    print(f"[child {os.getpid()}] {msg}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    mod = sys.modules.get("searchapp")
    result["searchapp_from"] = str(Path(mod.__file__).parent) if mod and mod.__file__ else None
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


def make_settings(index_dir: str):
    """Default settings except the page size limit, raised so one request can return every hit."""
    from searchapp.config import settings_from_dict

    return settings_from_dict({"index_dir": str(Path(index_dir).resolve()),
                               "search": {"max_page_size": ALL_HITS}},
                              base_dir=Path(index_dir).resolve().parent)


def percentiles(lat_s: list[float]) -> dict[str, float]:
    """The peers' own percentile picks (peers_bench.pct), so figures compare one to one."""
    sys.path.insert(0, str(SHARED_BENCH))
    try:
        from peers_bench import pct
    except ImportError:  # the shared folder is absent: same formula, written out
        def pct(lat: list[float]) -> dict[str, float]:
            lat = sorted(lat)
            n = len(lat)
            return {"p50_ms": round(1000 * lat[n // 2], 2), "p95_ms": round(1000 * lat[int(n * .95)], 2),
                    "p99_ms": round(1000 * lat[min(n - 1, int(n * .99))], 2), "max_ms": round(1000 * lat[-1], 2)}
    return pct(lat_s) if lat_s else {}


# ---------------------------------------------------------------- index

def cmd_index(a: argparse.Namespace) -> None:
    """One indexing run; wall time around index_paths only (imports excluded), plus rusage."""
    from searchapp.indexing.run import index_paths

    paths = [Path(p) for p in json.loads(Path(a.paths_file).read_text(encoding="utf-8"))]
    settings = make_settings(a.index)
    t_ready = time.perf_counter()
    summary = index_paths(settings, paths, rebuild=a.rebuild, workers=a.workers)
    seconds = time.perf_counter() - t_ready
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, once the pool has joined them
    d = summary.to_dict()
    emit({
        "seconds": round(seconds, 3), "startup_s": round(t_ready - T_START, 3),
        "workers": a.workers, "rebuild": a.rebuild,
        "indexed": d.get("indexed"), "updated": d.get("updated"), "removed": d.get("removed"),
        "skipped": d.get("skipped"), "failed": len(d.get("failed") or []),
        "failed_examples": (d.get("failed") or [])[:5], "documents": d.get("documents"),
        "total_documents": d.get("total_documents"), "bytes_read": d.get("bytes_read"),
        "summary_seconds": d.get("seconds"),
        "main_maxrss_mb": round(me.ru_maxrss * 1024 / 1e6, 1),          # Linux: kilobytes
        "worker_maxrss_mb": round(kids.ru_maxrss * 1024 / 1e6, 1),      # the largest single worker
        "cpu_main_s": round(me.ru_utime + me.ru_stime, 2),
        "cpu_workers_s": round(kids.ru_utime + kids.ru_stime, 2),
    })


# ---------------------------------------------------------------- queries

def _run_pass(engine, queries: list[str], make_request: Callable[[str], Any]) -> tuple[list[float], list[Any]]:
    """Time ``search`` (parse + match + facets + rank + snippets) for each query."""
    from searchapp.query.service import search

    lat, responses = [], []
    for q in queries:
        req = make_request(q)
        t0 = time.perf_counter()
        resp = search(engine, req)
        lat.append(time.perf_counter() - t0)
        responses.append(resp)
    return lat, responses


def _slowest(queries: list[str], lat: list[float], responses: list[Any], n: int = 8) -> list[dict[str, Any]]:
    order = sorted(range(len(queries)), key=lambda i: -lat[i])[:n]
    return [{"q": queries[i], "ms": round(1000 * lat[i], 1), "total": responses[i].total} for i in order]


def _summarize(name: str, queries: list[str], lat: list[float], responses: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"pass": name, "queries": len(queries), **percentiles(lat),
                           "mean_ms": round(1000 * sum(lat) / max(len(lat), 1), 2),
                           "zero_hit_queries": sum(1 for r in responses if r.total == 0),
                           "slowest": _slowest(queries, lat, responses)}
    return out


def _relpath(hit_path: str, root: Path) -> str:
    """A hit's file, relative to the indexed folder (the peers' document key)."""
    return os.path.relpath(_ARTICLE.sub("", hit_path), root)


def _normalized_docs(engine, root: Path) -> dict[str, list[str]]:
    """Per file, the normalized text of each of its documents, via the public API
    (an empty query lists every document; get_document returns its text as indexed,
    i.e. after cleaning and article splitting)."""
    from searchapp.normalize import normalize
    from searchapp.model import SearchRequest
    from searchapp.query.service import get_document, search

    every = search(engine, SearchRequest(q="", size=ALL_HITS, snippets=0, facets=False, collapse=False))
    by_file: dict[str, list[str]] = {}
    for hit in every.hits:
        doc = get_document(engine, hit.id)
        if doc is not None:
            by_file.setdefault(_relpath(hit.path, root), []).append(normalize(doc["text"]).text)
    return by_file


def _count(acc: dict[str, int], want: set[str], got: set[str]) -> None:
    acc["tot"] += len(want)
    acc["hit"] += len(want & got)
    acc["fp"] += len(got - want)


def _score(queries: list[str], got: list[set[str]], texts: dict[str, str],
           norm_docs: dict[str, list[str]]) -> dict[str, Any]:
    """Recall / false hits against the raw substring truth and the normalized truth."""
    from searchapp.normalize import normalize, normalize_query

    raw = {"hit": 0, "tot": 0, "fp": 0}
    norm = {"hit": 0, "tot": 0, "fp": 0}
    by_kind: dict[str, list[int]] = {}
    false_raw_explained = 0
    examples: dict[str, list[list[str]]] = {"raw_missed": [], "raw_false": [], "norm_missed": [], "norm_false": []}
    norm_cache: dict[str, str] = {}
    for qi, (q, g) in enumerate(zip(queries, got, strict=True)):
        want = {p for p, t in texts.items() if q in t}
        nq = normalize_query(q)
        want_n = {p for p, docs in norm_docs.items() if any(nq in d for d in docs)}
        _count(raw, want, g)
        _count(norm, want_n, g)
        k = by_kind.setdefault("random" if qi < 100 else "words", [0, 0])  # the peers' split by position
        k[0] += len(want & g)
        k[1] += len(want)
        for p in g - want:  # a raw "false hit": is it the Traditional / spaced copy of the phrase?
            if p not in norm_cache and p in texts:
                norm_cache[p] = normalize(texts[p]).text
            if nq in norm_cache.get(p, ""):
                false_raw_explained += 1
        examples["raw_missed"] += [[q, p] for p in sorted(want - g)][:2]
        examples["raw_false"] += [[q, p] for p in sorted(g - want)][:2]
        examples["norm_missed"] += [[q, p] for p in sorted(want_n - g)][:2]
        examples["norm_false"] += [[q, p] for p in sorted(g - want_n)][:2]
    return {
        "recall_raw": round(raw["hit"] / max(raw["tot"], 1), 4), "false_hits_raw": raw["fp"],
        "pairs_raw": raw["tot"],
        "recall_raw_by_kind": {k: round(v[0] / max(v[1], 1), 4) for k, v in by_kind.items()},
        "false_hits_raw_in_normalized_text": false_raw_explained,
        "recall_normalized": round(norm["hit"] / max(norm["tot"], 1), 4), "false_hits_normalized": norm["fp"],
        "pairs_normalized": norm["tot"],
        "examples": {k: v[:8] for k, v in examples.items()},
    }


def cmd_queries(a: argparse.Namespace) -> None:
    """Latency passes (page of 10 + snippets + facets; unquoted; every hit) and recall."""
    from searchapp.query.service import open_service
    from searchapp.model import SearchRequest
    from searchapp.query.service import search

    queries = [line.strip() for line in Path(a.queries).read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = open_service(make_settings(a.index))
    # One untimed query outside the set: loads lazy state (dictionary, mapped files) so the
    # passes measure steady state; the first query of a new process is measured by `cold`.
    search(engine, SearchRequest(q='"教育"', size=10, snippets=3))
    result: dict[str, Any] = {"passes": {}}

    def page(q: str) -> SearchRequest:  # what /api/search does by default, as a quoted phrase
        return SearchRequest(q=f'"{q}"', size=10, snippets=3, facets=True)

    lat, resp = _run_pass(engine, queries, page)
    result["passes"]["page"] = _summarize("page: quoted, 10 hits + 3 snippets each + facets", queries, lat, resp)
    log(f"page pass: p50 {result['passes']['page']['p50_ms']} ms")
    if a.plain:
        lat_p, resp_p = _run_pass(engine, queries, lambda q: SearchRequest(q=q, size=10, snippets=3, facets=True))
        result["passes"]["plain"] = _summarize("plain: unquoted, 10 hits + 3 snippets + facets", queries,
                                               lat_p, resp_p)
        log(f"plain pass: p50 {result['passes']['plain']['p50_ms']} ms")
    if a.recall:
        root = Path(a.root).resolve()
        lat_a, resp_a = _run_pass(engine, queries, lambda q: SearchRequest(
            q=f'"{q}"', size=ALL_HITS, snippets=0, facets=False, collapse=False))
        result["passes"]["all"] = _summarize("all: quoted, every hit, no snippets/facets/collapsing", queries,
                                             lat_a, resp_a)
        got = [{_relpath(h.path, root) for h in r.hits} for r in resp_a]
        sys.path.insert(0, str(SHARED_BENCH))
        from peers_bench import load_texts

        _, texts = load_texts(a.truth_corpus, a.limit)
        t0 = time.perf_counter()
        norm_docs = _normalized_docs(engine, root)
        log(f"normalized truth: {len(norm_docs)} files in {time.perf_counter() - t0:.1f} s")
        result["recall"] = _score(queries, got, texts, norm_docs)
        result["documents"] = sum(len(v) for v in norm_docs.values())
    emit(result)


# ---------------------------------------------------------------- cold start

def cmd_cold(a: argparse.Namespace) -> None:
    """A new process: import, open the index, first search, then the same search warm."""
    from searchapp.query.service import open_service
    from searchapp.model import SearchRequest
    from searchapp.query.service import search

    t_imported = time.perf_counter()
    engine = open_service(make_settings(a.index))
    t_open = time.perf_counter()
    req = SearchRequest(q=f'"{a.query}"', size=10, snippets=3, facets=True)
    first = search(engine, req)
    t_first = time.perf_counter()
    search(engine, req)
    t_second = time.perf_counter()
    emit({"import_s": round(t_imported - T_START, 3), "open_s": round(t_open - t_imported, 3),
          "first_query_s": round(t_first - t_open, 3), "open_plus_first_s": round(t_first - t_imported, 3),
          "since_process_start_s": round(t_first - T_START, 3),
          "second_query_ms": round(1000 * (t_second - t_first), 2), "total": first.total})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("index")
    p.add_argument("--index", required=True)
    p.add_argument("--paths-file", required=True, help="JSON list of files or folders")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--workers", type=int, default=None)
    p = sub.add_parser("queries")
    p.add_argument("--index", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--recall", action="store_true")
    p.add_argument("--plain", action="store_true")
    p.add_argument("--root", default=".")
    p.add_argument("--truth-corpus", default=".")
    p.add_argument("--limit", type=int, default=0)
    p = sub.add_parser("cold")
    p.add_argument("--index", required=True)
    p.add_argument("--query", required=True)
    a = ap.parse_args()
    {"index": cmd_index, "queries": cmd_queries, "cold": cmd_cold}[a.cmd](a)


if __name__ == "__main__":
    main()
