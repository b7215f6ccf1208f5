"""Relevance of the first results (issue 10): searchapp and its BM25 peers on our judged set, in one run.

    python benchmarks/relevance.py [--corpus DIR] [--index DIR] [--reindex] [--only searchapp,tantivy,naive]
                                   [--json] [--no-per-query] [--show QID ...]

Prints nDCG@10 (exponential gain 2^g−1 over grades 0–3), MRR (first result graded ≥2) and recall@100
(of the documents graded ≥2) per query, per query kind and overall, for each system:
- searchapp: `searchapp search --queries FILE --json --size 100 --index DIR` (the CLI JSON only, so any
  later searchapp works with this script); the index is built with `searchapp index` when DIR holds
  none, or refreshed with `--reindex` (needed after a change to indexing).
- tantivy: BM25 over rjieba tokens of OpenCC-t2s text, OR of the query's words.
- naive: Whoosh 2.7.4 + jieba ChineseAnalyzer over raw text, Whoosh's default QueryParser.
The peers' indexes are kept in --work and reused while the corpus is unchanged.
Unjudged documents count as grade 0. Judgments: benchmarks/relevance/{queries,qrels}.jsonl.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relmetrics as m  # noqa: E402
import relsystems as rs  # noqa: E402

HERE = Path(__file__).resolve().parent / "relevance"
SYSTEMS = ("searchapp", "tantivy", "naive")
DEPTH = 100


def load_judgments(folder: Path = HERE) -> tuple[list[dict], dict[str, dict[str, int]]]:
    """Queries ({"id","text","kind"}) and grades per query id (path → 0..3)."""
    queries = [json.loads(x) for x in (folder / "queries.jsonl").open(encoding="utf-8") if x.strip()]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "qrels.jsonl").open(encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            grades[r["qid"]][r["doc"]] = int(r["grade"])
    return queries, grades


def run_systems(names: list[str], queries: list[dict], a: argparse.Namespace,
                log) -> dict[str, list[list[str]]]:
    """Top DEPTH paths per query for each named system, same queries, same run."""
    texts = [q["text"] for q in queries]
    runs: dict[str, list[list[str]]] = {}
    if "searchapp" in names:
        if a.reindex or not a.index.is_dir() or not any(a.index.iterdir()):
            rs.searchapp_build(a.corpus, a.index, log)
        t0 = time.perf_counter()
        runs["searchapp"] = rs.searchapp_search(texts, a.corpus, a.index, DEPTH)
        log(f"searchapp: {len(texts)} queries in {time.perf_counter() - t0:.1f} s (CLI, incl. start-up)")
    if "tantivy" in names or "naive" in names:
        corpus = rs.load_corpus(a.corpus, a.work)
        if "tantivy" in names:
            tv = rs.Tantivy(corpus, a.work, log)
            runs["tantivy"] = [tv.search(t, DEPTH) for t in texts]
        if "naive" in names:
            nv = rs.Naive(corpus, a.work, log)
            runs["naive"] = [nv.search(t, DEPTH) for t in texts]
    return runs


def score(queries: list[dict], grades: dict[str, dict[str, int]],
          runs: dict[str, list[list[str]]]) -> dict:
    """Per-query, per-kind and overall figures for every system."""
    per_query = []
    for i, q in enumerate(queries):
        g = grades.get(q["id"], {})
        row = {"id": q["id"], "text": q["text"], "kind": q["kind"],
               "relevant": sum(v >= m.RELEVANT for v in g.values()), "judged": len(g)}
        for name, ranked in runs.items():
            r = ranked[i]
            row[name] = {"ndcg10": m.ndcg_at_k(r, g, 10), "mrr": m.reciprocal_rank(r, g),
                         "recall100": m.recall_at_k(r, g, 100),
                         "unjudged_top10": sum(p not in g for p in r[:10])}
        per_query.append(row)

    def agg(rows: list[dict]) -> dict:
        return {name: {k: m.mean([r[name][k] for r in rows]) for k in ("ndcg10", "mrr", "recall100")}
                | {"unjudged_top10": sum(r[name]["unjudged_top10"] for r in rows)} for name in runs}

    kinds = sorted({q["kind"] for q in queries}, key=[q["kind"] for q in queries].index)
    return {"queries": len(queries), "systems": list(runs), "per_query": per_query,
            "per_kind": {k: {"n": sum(r["kind"] == k for r in per_query),
                             **agg([r for r in per_query if r["kind"] == k])} for k in kinds},
            "overall": agg(per_query)}


def _f(v: float | None) -> str:
    return "  –  " if v is None else f"{v:.3f}"


def render(res: dict, per_query: bool) -> str:
    """Plain-text tables: per query (optional), per kind, overall."""
    names = res["systems"]
    head = " | ".join(f"{n[:9]:>9} nDCG  MRR   R@100" for n in names)
    out = []
    if per_query:
        out.append(f"{'id':4} {'kind':12} {'query':16} rel | {head}")
        for r in res["per_query"]:
            cells = " | ".join(f"{_f(r[n]['ndcg10']):>15} {_f(r[n]['mrr'])} {_f(r[n]['recall100'])}" for n in names)
            out.append(f"{r['id']:4} {r['kind']:12} {r['text']:<{16 - sum(ord(c) > 255 for c in r['text'])}} "
                       f"{r['relevant']:3} | {cells}")
        out.append("")
    out.append(f"{'kind':12} {'n':>3} | " + " | ".join(f"{n:>9} nDCG@10  MRR   R@100" for n in names))
    rows = list(res["per_kind"].items()) + [("overall", {"n": res["queries"], **res["overall"]})]
    for k, d in rows:
        out.append(f"{k:12} {d['n']:3} | " + " | ".join(
            f"{_f(d[n]['ndcg10']):>17} {_f(d[n]['mrr'])} {_f(d[n]['recall100'])}" for n in names))
    out.append("unjudged documents in the top 10 (counted as grade 0): " +
               ", ".join(f"{n} {res['overall'][n]['unjudged_top10']}" for n in names))
    return "\n".join(out)


def show_query(qid: str, queries: list[dict], grades: dict[str, dict[str, int]],
               runs: dict[str, list[list[str]]], titles: dict[str, str]) -> str:
    """One query in detail: each system's top 10 with grades, then where each relevant document ranks."""
    i = next(n for n, q in enumerate(queries) if q["id"] == qid)
    g = grades.get(qid, {})
    out = [f"{qid} {queries[i]['text']} ({queries[i]['kind']})"]
    for name, ranked in runs.items():
        out.append(f"-- {name} top 10")
        for r, p in enumerate(ranked[i][:10], 1):
            out.append(f"  {r:2} [{g.get(p, '?')}] {p} {titles.get(p, '')[:40]}")
    out.append("-- relevant documents (grade ≥ 2): rank per system (– = not in top 100)")
    for p, gr in sorted(g.items(), key=lambda kv: -kv[1]):
        if gr >= m.RELEVANT:
            ranks = " ".join(f"{name} {ranked[i].index(p) + 1 if p in ranked[i] else '–':>3}"
                             for name, ranked in runs.items())
            out.append(f"  [{gr}] {p} {titles.get(p, '')[:30]:30} {ranks}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=rs.default_corpus(),
                    help="the judged corpus (default ../shared/corpus)")
    ap.add_argument("--index", type=Path, default=rs.DEFAULT_WORK / "searchapp-index",
                    help="searchapp index folder (built when empty)")
    ap.add_argument("--reindex", action="store_true", help="run `searchapp index` on --index first")
    ap.add_argument("--work", type=Path, default=rs.DEFAULT_WORK, help="peers' indexes and caches")
    ap.add_argument("--only", default=",".join(SYSTEMS), help="comma list of searchapp,tantivy,naive")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--show", metavar="QID", action="append", default=[],
                    help="also print this query's top 10 per system with grades, and the ranks of its relevant documents")
    ap.add_argument("--no-per-query", dest="per_query", action="store_false", help="only per kind and overall")
    a = ap.parse_args()
    if a.corpus is None or not a.corpus.is_dir():
        ap.error("no corpus: pass --corpus (the judged set is about ../shared/corpus)")
    names = [n.strip() for n in a.only.split(",") if n.strip()]
    unknown = set(names) - set(SYSTEMS)
    if unknown:
        ap.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    queries, grades = load_judgments()
    runs = run_systems(names, queries, a, log)
    res = score(queries, grades, runs)
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(render(res, a.per_query))
    if a.show:
        titles = rs.load_corpus(a.corpus, a.work).titles
        for qid in a.show:
            print()
            print(show_query(qid, queries, grades, runs, titles))


if __name__ == "__main__":
    main()
