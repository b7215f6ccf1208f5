"""Cost that grows slower than the archive (issue 12): searchapp and tantivy on synthetic corpora of
growing size, with the growth ratios.

usage: python benchmarks/scale.py [--sizes 20,100] [--out DIR] [--seed 12] [--workers N] [--repeat R]
                                  [--skip-tantivy] [--only searchapp|tantivy] [--peers-from SCALE_JSON]
                                  [--corpus DIR] [--publish]

For each size (MB of UTF-8 text; `--sizes 20,100,1000` adds the ≈ 1 GB run, by hand):
1. a synthetic corpus, built deterministically from the paragraphs of ../shared/corpus: each
   document is 5–60 paragraphs drawn at random (fixed seed) from random files; the documents of a
   smaller size are the first documents of every larger one (one random stream), so the growth
   ratios compare the same documents plus more;
2. searchapp indexes it (full rebuild, a fresh child process, `_child.py index`): seconds, MB/s,
   index size, peak resident memory of the process tree;
3. the same 200 queries at every size, sampled once from the smallest corpus with the peers' own
   sampler (`peers_bench.sample_queries`, seed 7); every even-numbered one is sent quoted, every
   odd one plain. *page* = all 200 as a user page (10 hits, 3 snippets each, facet counts) through
   `search()` in one process; *quoted* / *plain* = the same latencies split by kind. Phrase recall,
   false hits and exact totals: the quoted ones once more with every hit, against a brute-force
   substring scan of every document's normalized text (got through the public API);
4. tantivy on the same files and queries (`relsystems.Tantivy`: BM25 over rjieba tokens of OpenCC
   t2s text, one writer thread): quoted = phrase query of the rjieba tokens (as peers_bench.py),
   plain = OR of the query's words (as relsystems.py); top 10 with the exact count, no snippets or
   facets. Index time = t2s + segmentation + indexing; recall against a substring scan of its own
   t2s text.
5. the growth, measured again **interleaved**: one process opens every size's index and runs each
   page query on every size in turn (order rotated per query), best of `--repeat` passes, in CPU
   time; the machines are shared and their speed drifts by a third within minutes, so sizes
   measured one after the other can show a growth that is only the drift, while interleaved
   figures are taken in the same seconds.
With `--only tantivy` only the peer runs (e.g. its slow 1 GB build while the machine is free), and
`--peers-from` takes its figures from such a run for the corpora with the same recipe stamp.
Prints a Markdown table (also OUT/SCALE.md, and every figure in OUT/scale.json); --publish writes
it to benchmarks/RESULTS.md as the section "Scale (issue 12)", leaving the other sections alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import ROOT, SHARED_BENCH, du_mb, log, machine, run_child, snapshot_code  # noqa: E402
from _memory import TreeSampler  # noqa: E402
from _report import replace_section  # noqa: E402
from _scale_report import ratio as _r, render_interleaved  # noqa: E402

import peers_bench  # noqa: E402  (on sys.path through bench)

SECTION = "Scale (issue 12)"
DEFAULT_SIZES = "20,100"
#: Paragraphs shorter than this (headings, page numbers) are not drawn.
MIN_PARAGRAPH = 8


# ---------------------------------------------------------------- 1. synthetic corpora

def paragraphs(source: Path) -> list[list[str]]:
    """Per source file (sorted), its paragraphs: non-empty lines of at least MIN_PARAGRAPH characters."""
    out = []
    for f in sorted(source.rglob("*.txt")):
        paras = [ln.strip() for ln in f.read_text(encoding="utf-8", errors="replace").splitlines()]
        paras = [p for p in paras if len(p) >= MIN_PARAGRAPH]
        if paras:
            out.append(paras)
    return out


def synthetic_documents(files: list[list[str]], seed: int):
    """An endless, deterministic stream of documents: 5–60 paragraphs, each from a random file."""
    rnd = random.Random(seed)
    while True:
        parts = []
        for _ in range(rnd.randint(5, 60)):
            paras = files[rnd.randrange(len(files))]
            parts.append(paras[rnd.randrange(len(paras))])
        yield "\n\n".join(parts) + "\n"


def build_corpus(files: list[list[str]], dest: Path, mb: float, seed: int) -> dict[str, Any]:
    """Write documents until ``mb`` MB of UTF-8 text; reused when a stamp of the recipe matches."""
    stamp = json.dumps({"mb": mb, "seed": seed, "paragraph_files": len(files), "v": 1})
    stampf = dest / "STAMP.json"
    if stampf.is_file() and json.loads(stampf.read_text())["stamp"] == stamp:
        return json.loads(stampf.read_text())
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    target = int(mb * 1e6)
    total = n = 0
    for text in synthetic_documents(files, seed):
        if total >= target:
            break
        data = text.encode("utf-8")
        path = dest / f"d{n // 1000:04d}" / f"doc_{n:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        total += len(data)
        n += 1
    info = {"stamp": stamp, "files": n, "text_mb": round(total / 1e6, 2)}
    stampf.write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------- 2. searchapp

def searchapp_index(corpus: Path, index: Path, workers: int, work: Path) -> dict[str, Any]:
    shutil.rmtree(index, ignore_errors=True)
    pf = work / f"paths-{corpus.name}.json"
    pf.write_text(json.dumps([str(corpus)]), encoding="utf-8")
    res = run_child(["index", "--index", str(index), "--paths-file", str(pf), "--workers", str(workers),
                     "--rebuild"], timeout=7200, sample_memory=True)
    res["index_size_mb"] = du_mb(index)
    return res


def searchapp_queries(index: Path, queries: Path, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_searchapp", "--index", str(index),
           "--queries", str(queries), "--repeat", str(repeat), "--recall"]
    return _child_with_memory(cmd)


def _child_with_memory(cmd: list[str]) -> dict[str, Any]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    sampler = TreeSampler(proc.pid).start()
    try:
        stdout, _ = proc.communicate(timeout=7200)
    finally:
        mem = sampler.stop()
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{cmd[2]} failed (exit {proc.returncode})")
    return {**json.loads(line[7:]), **mem}


def _kinds(queries: list[str]) -> list[str]:
    return ["quoted" if q.startswith('"') else "plain" for q in queries]


def _passes(lat: list[float], kinds: list[str]) -> dict[str, Any]:
    """Percentiles over all queries (page) and per kind, with the peers' own formula."""
    out = {"page": peers_bench.pct(lat)}
    for kind in ("plain", "quoted"):
        sub = [t for t, k in zip(lat, kinds) if k == kind]
        out[kind] = peers_bench.pct(sub)
    return out


def child_interleaved(a: argparse.Namespace) -> None:
    """In one fresh process: every index open at once, each query run on every size in
    turn (the order rotated per query), ``repeat`` passes, each query's best CPU time per
    size. The growth ratios then compare measurements taken in the same seconds: on a
    shared machine whose speed drifts by a third within minutes, sizes measured one after
    the other minutes apart can show a growth that is only the drift."""
    from searchapp.config import settings_from_dict
    from searchapp.model import SearchRequest
    from searchapp.query.service import open_service, search

    queries = peers_bench.read_queries(a.queries)
    kinds = _kinds(queries)
    services = []
    for path in a.indexes.split(","):
        index = Path(path).resolve()
        services.append(open_service(settings_from_dict({"index_dir": str(index), "search": {"cache_size": 0}},
                                                        base_dir=index.parent)))
        search(services[-1], SearchRequest(q='"教育"', size=10, snippets=3))  # lazy state, untimed
    cpu = [[float("inf")] * len(queries) for _ in services]
    for _ in range(a.repeat):
        for i, q in enumerate(queries):
            for k in range(len(services)):
                at = (i + k) % len(services)
                c1 = time.thread_time()
                search(services[at], SearchRequest(q=q, size=10, snippets=3, facets=True))
                cpu[at][i] = min(cpu[at][i], time.thread_time() - c1)
    print("RESULT " + json.dumps({"passes_cpu": [_passes(c, kinds) for c in cpu]}), flush=True)


def child_searchapp(a: argparse.Namespace) -> None:
    """In a fresh process: open the index, time the page pass, check the quoted ones' every hit."""
    from _child import ALL_HITS
    from searchapp.config import settings_from_dict
    from searchapp.model import SearchRequest
    from searchapp.normalize import normalize, normalize_query
    from searchapp.query.service import get_document, open_service, search

    queries = peers_bench.read_queries(a.queries)
    kinds = _kinds(queries)
    t0 = time.perf_counter()
    index = Path(a.index).resolve()
    # The response cache off: every request computed (repeats would otherwise be cache hits).
    service = open_service(settings_from_dict({"index_dir": str(index), "search": {
        "max_page_size": ALL_HITS, "cache_size": 0}}, base_dir=index.parent))
    search(service, SearchRequest(q='"教育"', size=10, snippets=3))  # lazy state, untimed
    open_s = time.perf_counter() - t0
    best = [float("inf")] * len(queries)
    cpu = [float("inf")] * len(queries)
    totals: list[int] = []
    for _ in range(a.repeat):
        totals = []
        for i, q in enumerate(queries):
            t1, c1 = time.perf_counter(), time.thread_time()
            resp = search(service, SearchRequest(q=q, size=10, snippets=3, facets=True))
            best[i] = min(best[i], time.perf_counter() - t1)
            cpu[i] = min(cpu[i], time.thread_time() - c1)
            totals.append(resp.total)
    slowest = sorted(range(len(queries)), key=lambda i: -best[i])[:8]
    import resource

    # What a server process holds for this index (before the recall check reads every text).
    page_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    result: dict[str, Any] = {"open_plus_first_s": round(open_s, 3), "passes": _passes(best, kinds),
                              # CPU time of the query's thread: what the query costs, without the time
                              # it waited for a core on a shared machine (wall = CPU + waiting).
                              "passes_cpu": _passes(cpu, kinds),
                              "page_maxrss_mb": round(page_rss, 1),
                              "slowest": [{"q": queries[i], "ms": round(1000 * best[i], 1), "total": totals[i]}
                                          for i in slowest]}
    if not a.recall:
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        return
    # Recall, false hits and exact totals of the quoted ones, against the normalized texts.
    every = search(service, SearchRequest(q="", size=ALL_HITS, snippets=0, facets=False, collapse=False))
    texts = {}
    for hit in every.hits:
        doc = get_document(service, hit.id)
        if doc is not None:
            texts[hit.id] = normalize(doc["text"]).text
    hit_n = want_n = false_n = wrong_totals = 0
    all_lat = []
    for q, kind in zip(queries, kinds):
        if kind != "quoted":
            continue
        t1 = time.perf_counter()
        resp = search(service, SearchRequest(q=q, size=ALL_HITS, snippets=0, facets=False, collapse=False))
        all_lat.append(time.perf_counter() - t1)
        got = {h.id for h in resp.hits}
        nq = normalize_query(q.strip('"'))
        want = {i for i, t in texts.items() if nq in t}
        hit_n += len(want & got)
        want_n += len(want)
        false_n += len(got - want)
        wrong_totals += resp.total != len(want)
    result["recall"] = {"phrase_recall": round(hit_n / max(want_n, 1), 4), "false_hits": false_n,
                        "true_pairs": want_n, "wrong_totals": wrong_totals, "documents": len(texts),
                        "all_hits_pass": peers_bench.pct(all_lat)}
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


# ---------------------------------------------------------------- 3. tantivy (the repo's peer code)

def tantivy_run(corpus: Path, queries: Path, work: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_tantivy", "--corpus", str(corpus),
           "--queries", str(queries), "--work", str(work)]
    return _child_with_memory(cmd)


def child_tantivy(a: argparse.Namespace) -> None:
    """relsystems.Tantivy built from scratch; phrase queries for quoted, OR of words for plain."""
    import rjieba
    from relsystems import Tantivy, load_corpus, query_words, t2s

    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    rjieba.cut("预热词典")
    t2s("預熱")
    t0 = time.perf_counter()
    corpus = load_corpus(Path(a.corpus), work)
    t_t2s = time.perf_counter() - t0
    t1 = time.perf_counter()
    tv = Tantivy(corpus, work, log=lambda m: None)
    t_index = time.perf_counter() - t1
    size = du_mb(work / "tantivy")
    queries = peers_bench.read_queries(a.queries)
    kinds = _kinds(queries)
    schema, tvm, s = tv.schema, tv._tv, tv.searcher
    objs = []
    for q, kind in zip(queries, kinds):  # query objects built outside the timed region, as the peers do
        if kind == "quoted":
            toks = [x for x in rjieba.cut(t2s(q.strip('"'))) if x.strip()]
            objs.append(tvm.Query.phrase_query(schema, "content", toks) if len(toks) > 1
                        else tvm.Query.term_query(schema, "content", toks[0]))
        else:
            words = query_words(q)
            objs.append(tv.or_query((w, 1.0) for w in words) if words else None)
    lat = []
    for qo in objs:
        t2 = time.perf_counter()
        if qo is not None:
            r = s.search(qo, limit=10, count=True)
            [s.doc(addr)["path"][0] for _, addr in r.hits]
        lat.append(time.perf_counter() - t2)
    hit_n = want_n = false_n = 0
    ndocs = len(corpus.paths)
    for q, kind, qo in zip(queries, kinds, objs):
        if kind != "quoted":
            continue
        got = {s.doc(addr)["path"][0] for _, addr in s.search(qo, limit=ndocs).hits}
        nq = t2s(q.strip('"'))
        want = {p for p, t in corpus.texts.items() if nq in t}
        hit_n += len(want & got)
        want_n += len(want)
        false_n += len(got - want)
    print("RESULT " + json.dumps({
        "index_s": round(t_t2s + t_index, 2), "t2s_s": round(t_t2s, 2), "tantivy_s": round(t_index, 2),
        "index_size_mb": size, "passes": _passes(lat, kinds),
        "recall": {"phrase_recall": round(hit_n / max(want_n, 1), 4), "false_hits": false_n, "true_pairs": want_n}},
        ensure_ascii=False), flush=True)


# ---------------------------------------------------------------- report

def _cpu(ix: dict[str, Any]) -> Any:
    """CPU seconds of an indexing run (main process + workers): on a shared machine the
    wall time also measures the neighbours, the CPU time much less."""
    if ix.get("cpu_workers_s") is None:
        return "–"
    return round((ix.get("cpu_main_s") or 0) + ix["cpu_workers_s"], 1)


def render(res: dict[str, Any]) -> str:
    sizes = res["sizes"]
    rows = ["| corpus | system | docs | index s (CPU s) | MB/s | index MB (× text) | peak MB index / query | "
            "page p50/p95/p99 ms | plain p50/p95/p99 | quoted p50/p95/p99 | phrase recall, false hits, wrong totals |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]

    def trio(p: dict[str, Any] | None) -> str:
        return f"{p['p50_ms']:.1f} / {p['p95_ms']:.1f} / {p['p99_ms']:.1f}" if p else "–"

    for s in sizes:
        sa, tv, c = s.get("searchapp") or {}, s.get("tantivy") or {}, s["corpus"]
        ix = sa.get("index") or {}
        q = sa.get("queries") or {}
        rec = q.get("recall") or {}
        if ix:
            rows.append(
                f"| {c['text_mb']} MB | searchapp | {ix.get('total_documents')} | {ix['seconds']:.1f} ({_cpu(ix)}) | "
                f"{c['text_mb'] / ix['seconds']:.2f} | {ix['index_size_mb']} ({ix['index_size_mb'] / c['text_mb']:.2f}×) | "
                f"{ix.get('tree_peak_mb')} / {q.get('page_maxrss_mb', q.get('tree_peak_mb'))} | {trio((q.get('passes') or {}).get('page'))} | "
                f"{trio((q.get('passes') or {}).get('plain'))} | {trio((q.get('passes') or {}).get('quoted'))} | "
                f"{rec.get('phrase_recall')}, {rec.get('false_hits')}, {rec.get('wrong_totals')} |")
        if tv:
            trec = tv.get("recall") or {}
            rows.append(
                f"| {c['text_mb']} MB | tantivy | {c['files']} | {tv['index_s']:.1f} (–) | {c['text_mb'] / tv['index_s']:.2f} | "
                f"{tv['index_size_mb']} ({tv['index_size_mb'] / c['text_mb']:.2f}×) | {tv.get('tree_peak_mb')} | "
                f"{trio(tv['passes']['page'])} | {trio(tv['passes']['plain'])} | {trio(tv['passes']['quoted'])} | "
                f"{trec.get('phrase_recall')}, {trec.get('false_hits')}, – |")
    lines = [rows[0], rows[1], *rows[2:]]
    cpu_rows = [(s["corpus"]["text_mb"], ((s.get("searchapp") or {}).get("queries") or {}).get("passes_cpu"))
                for s in sizes]
    if any(p for _, p in cpu_rows):
        lines += ["", "searchapp's queries in CPU time of the query thread (`time.thread_time`: the wall time "
                      "above minus the time spent waiting for a core):", "",
                  "| corpus | page p50/p95/p99 ms | plain p50/p95/p99 | quoted p50/p95/p99 |", "|---|---|---|---|"]
        lines += [f"| {mb} MB | {trio(p.get('page'))} | {trio(p.get('plain'))} | {trio(p.get('quoted'))} |"
                  for mb, p in cpu_rows if p]
    # Growth between each size and the next (5× then 10×: the targets are per step), and
    # across the whole range when there are more than two sizes.
    steps = list(zip(sizes, sizes[1:]))
    if len(sizes) > 2:
        steps.append((sizes[0], sizes[-1]))
    for lo, hi in steps:
        lines += ["", f"Growth, {hi['corpus']['text_mb']} MB ÷ {lo['corpus']['text_mb']} MB "
                      f"({_r(hi['corpus']['text_mb'], lo['corpus']['text_mb'])} the text):", "",
                  "| system | index time | index CPU | index size | peak index memory | page p95 | page p99 | plain p95 | quoted p95 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        cpu_growth = ""
        for name in ("searchapp", "tantivy"):
            a_, b_ = lo.get(name) or {}, hi.get(name) or {}
            if not a_ or not b_:
                continue
            ia, ib = (a_.get("index") or a_), (b_.get("index") or b_)
            pa = ((a_.get("queries") or a_).get("passes")) or {}
            pb = ((b_.get("queries") or b_).get("passes")) or {}
            ka = "seconds" if "seconds" in ia else "index_s"

            def p(d: dict[str, Any], kind: str, key: str) -> Any:
                return (d.get(kind) or {}).get(key)

            if name == "searchapp" and (a_.get("queries") or {}).get("passes_cpu") and \
                    (b_.get("queries") or {}).get("passes_cpu"):
                ca, cb = a_["queries"]["passes_cpu"], b_["queries"]["passes_cpu"]
                cpu_growth = (f" CPU: page p95 {_r(p(cb, 'page', 'p95_ms'), p(ca, 'page', 'p95_ms'))}, "
                              f"p99 {_r(p(cb, 'page', 'p99_ms'), p(ca, 'page', 'p99_ms'))}, "
                              f"plain p95 {_r(p(cb, 'plain', 'p95_ms'), p(ca, 'plain', 'p95_ms'))}, "
                              f"quoted p95 {_r(p(cb, 'quoted', 'p95_ms'), p(ca, 'quoted', 'p95_ms'))}.")
            lines.append(f"| {name} | {_r(ib.get(ka), ia.get(ka))} | {_r(_cpu(ib), _cpu(ia))} | "
                         f"{_r(ib.get('index_size_mb'), ia.get('index_size_mb'))} | "
                         f"{_r(ib.get('tree_peak_mb'), ia.get('tree_peak_mb'))} | "
                         f"{_r(p(pb, 'page', 'p95_ms'), p(pa, 'page', 'p95_ms'))} | "
                         f"{_r(p(pb, 'page', 'p99_ms'), p(pa, 'page', 'p99_ms'))} | "
                         f"{_r(p(pb, 'plain', 'p95_ms'), p(pa, 'plain', 'p95_ms'))} | "
                         f"{_r(p(pb, 'quoted', 'p95_ms'), p(pa, 'quoted', 'p95_ms'))} |")
        if cpu_growth:
            lines += ["", "searchapp's growth in" + cpu_growth]
    lines += render_interleaved(res.get("interleaved"))
    m = res.get("machine") or {}
    code = res.get("code") or {}
    head = [f"Run {res.get('started')} → {res.get('finished')}; `{res.get('command')}`; searchapp at git "
            f"`{code.get('git_head')}` ({code.get('git_dirty_files')} uncommitted file(s) under `searchapp/`); "
            f"{m.get('cores')} cores, load average at start {m.get('loadavg_start')}; "
            f"{res['workers']} indexing workers; latencies: the best of {res['repeat']} passes per query.", ""]
    return "\n".join(head + lines) + "\n"


# ---------------------------------------------------------------- main

def parse_args() -> argparse.Namespace:
    shared = SHARED_BENCH.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="comma list of corpus sizes in MB (default 20,100)")
    ap.add_argument("--corpus", default=str(shared / "corpus"), help="where the paragraphs come from")
    ap.add_argument("--out", default=str(HERE / "out" / "scale"))
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=2, help="page passes; each query's best is kept (noise)")
    ap.add_argument("--skip-tantivy", action="store_true")
    ap.add_argument("--live-code", action="store_true", help="no frozen copy of searchapp/")
    ap.add_argument("--reuse", metavar="SCALE_JSON",
                    help="keep the corpora, indexes and their figures (and tantivy's) of an earlier run with the "
                         "same --out and re-measure only searchapp's queries: for a change to the read side")
    ap.add_argument("--peers-from", metavar="SCALE_JSON",
                    help="take tantivy's figures from an earlier run (same corpora and queries, e.g. one made with "
                         "--only tantivy while the machine was free) instead of running it again")
    ap.add_argument("--only", choices=("searchapp", "tantivy"), help="run one system only")
    ap.add_argument("--render", metavar="SCALE_JSON", help="only print (and with --publish, publish) an earlier run")
    ap.add_argument("--publish", action="store_true", help=f"write the section '{SECTION}' of benchmarks/RESULTS.md")
    return ap.parse_args()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("_searchapp", "_tantivy", "_interleaved"):
        ap = argparse.ArgumentParser()
        for opt in ("--index", "--indexes", "--queries", "--corpus", "--work"):
            ap.add_argument(opt)
        ap.add_argument("--repeat", type=int, default=1)
        ap.add_argument("--recall", action="store_true", help="also phrase recall (slow: reads every document)")
        a = ap.parse_args(sys.argv[2:])
        {"_searchapp": child_searchapp, "_tantivy": child_tantivy, "_interleaved": child_interleaved}[sys.argv[1]](a)
        return
    a = parse_args()
    if a.render:
        publish(render(json.loads(Path(a.render).read_text(encoding="utf-8"))), a.publish)
        return
    out = Path(a.out).resolve()
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"),
                           "command": " ".join(["python benchmarks/scale.py", *sys.argv[1:]]),
                           "machine": machine(), "workers": a.workers, "repeat": a.repeat, "seed": a.seed, "sizes": []}
    if not a.live_code:
        holder = argparse.Namespace(work=work, results={})
        snapshot_code(holder)  # the code measured is frozen, as in bench.py
        res["code"] = holder.results["code"]
    t0 = time.perf_counter()
    files = paragraphs(Path(a.corpus))
    log(f"{sum(map(len, files))} paragraphs from {len(files)} files ({time.perf_counter() - t0:.1f} s)")
    sizes = sorted(float(x) for x in a.sizes.split(","))
    prior = json.loads(Path(a.reuse).read_text(encoding="utf-8"))["sizes"] if a.reuse else []
    peers = json.loads(Path(a.peers_from).read_text(encoding="utf-8"))["sizes"] if a.peers_from else []
    qfile = work / "queries.txt"
    for mb in sizes:
        label = f"{mb:g}mb"
        corpus = work / f"corpus-{label}"
        info = build_corpus(files, corpus, mb, a.seed)
        log(f"{label}: {info['files']} files, {info['text_mb']} MB")
        entry: dict[str, Any] = {"corpus": info}
        res["sizes"].append(entry)
        if mb == sizes[0]:  # the same 200 queries at every size, from the smallest corpus
            _, texts = peers_bench.load_texts(str(corpus))
            queries = peers_bench.sample_queries(texts)
            peers_bench.write_queries([f'"{q}"' if i % 2 == 0 else q for i, q in enumerate(queries)], str(qfile))
        earlier = next((s for s in prior if s["corpus"]["text_mb"] == info["text_mb"]), None)
        peer = next((s for s in peers if s["corpus"]["stamp"] == info["stamp"] and "tantivy" in s), None)
        if peer is not None:
            entry["tantivy"] = {**peer["tantivy"], "reused_from": a.peers_from}
        if a.only != "tantivy":
            if earlier is not None:
                ix = earlier["searchapp"]["index"]
                ix["reused_from"] = a.reuse
                if "tantivy" in earlier:
                    entry["tantivy"] = earlier["tantivy"]
            else:
                ix = searchapp_index(corpus, work / f"index-{label}", a.workers, work)
            log(f"{label} searchapp index: {ix['seconds']:.1f} s, {ix['index_size_mb']} MB, peak {ix.get('tree_peak_mb')} MB")
            q = searchapp_queries(work / f"index-{label}", qfile, a.repeat)
            log(f"{label} searchapp page p50/p95/p99 {q['passes']['page']}; recall {q['recall']}")
            entry["searchapp"] = {"index": ix, "queries": q}
        if not a.skip_tantivy and a.only != "searchapp" and "tantivy" not in entry:
            try:
                tv = tantivy_run(corpus, qfile, work / f"tantivy-{label}")
                entry["tantivy"] = tv
                log(f"{label} tantivy index {tv['index_s']} s, page {tv['passes']['page']}")
            except Exception as exc:  # the peer's failure must not cost searchapp's figures
                entry["tantivy_error"] = f"{type(exc).__name__}: {exc}"
            shutil.rmtree(work / f"tantivy-{label}", ignore_errors=True)
        (out / "scale.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    measured = [s for s in res["sizes"] if "searchapp" in s]
    if len(measured) >= 2 and a.only != "tantivy":
        labels = [f"{s['corpus']['text_mb']:g}mb" for s in measured]
        log(f"interleaved page pass over {', '.join(labels)}")
        cmd = [sys.executable, str(Path(__file__).resolve()), "_interleaved", "--queries", str(qfile),
               "--repeat", str(a.repeat), "--indexes", ",".join(str(work / f"index-{x}") for x in labels)]
        try:
            got = _child_with_memory(cmd)
            res["interleaved"] = {"sizes": [s["corpus"]["text_mb"] for s in measured],
                                  "passes_cpu": got["passes_cpu"], "tree_peak_mb": got.get("tree_peak_mb")}
        except Exception as exc:  # the per-size figures above stand on their own
            res["interleaved_error"] = f"{type(exc).__name__}: {exc}"
    res["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    (out / "scale.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    report = render(res)
    (out / "SCALE.md").write_text(report, encoding="utf-8")
    publish(report, a.publish)


def publish(report: str, to_results: bool) -> None:
    """Print the report; with ``to_results`` also write it into benchmarks/RESULTS.md (its section only)."""
    if to_results:
        path = HERE / "RESULTS.md"
        path.write_text(replace_section(path.read_text(encoding="utf-8"), SECTION, report), encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
