"""Build the judging pool of the relevance set: top N of six systems per query, so no one system defines it.

    python benchmarks/relevance_pool.py [--corpus DIR] [--index DIR] [--depth 20] [--out POOL.jsonl]

Systems: (a) searchapp through its CLI JSON, (b) tantivy BM25 over rjieba tokens of t2s text (OR of the
words), (c) the naive Whoosh + jieba build, (d) exact string (documents containing every space-separated
part of the query verbatim, after t2s; most occurrences first), (d') the same where each part may
appear as one of its alternative wordings, (e) title match (query words or their
alternatives in the title), (f) BM25 with the query's alternative wordings (benchmarks/relevance/
pool_synonyms.tsv, incl. Taiwan terms) at a lower weight. One JSON line per (query, document) with the
systems and ranks that brought it in. Only for building and extending the judged set; scoring is
benchmarks/relevance.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relsystems as rs  # noqa: E402

HERE = Path(__file__).resolve().parent / "relevance"


def load_queries(path: Path = HERE / "queries.jsonl") -> list[dict]:
    """The judged queries: {"id", "text", "kind"} per line."""
    return [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]


def load_alternatives(path: Path = HERE / "pool_synonyms.tsv") -> dict[str, list[str]]:
    """word → alternative wordings (Simplified), the pool's own small list (not a ranking feature)."""
    out: dict[str, list[str]] = {}
    for line in path.open(encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            key, alts = line.rstrip("\n").split("\t")
            out[key] = [a for a in alts.split("|") if a]
    return out


def alternatives_for(query: str, table: dict[str, list[str]]) -> list[str]:
    """Alternatives of every listed word that occurs in the (t2s) query."""
    q = rs.t2s(query)
    out: list[str] = []
    for key, alts in table.items():
        if key in q:
            out += [a for a in alts if a not in out and a not in q]
    return out


def exact(corpus: rs.Corpus, query: str, size: int) -> list[str]:
    """Documents containing every part of the query verbatim, most occurrences first."""
    parts = rs.t2s(query).split()
    scored = []
    for p in corpus.paths:
        t = corpus.texts[p]
        counts = [t.count(x) for x in parts]
        if all(counts):
            scored.append((-sum(counts), p))
    return [p for _, p in sorted(scored)[:size]]


def exact_alternatives(corpus: rs.Corpus, query: str, table: dict[str, list[str]], size: int) -> list[str]:
    """Like exact(), but each part may also appear as one of its alternative wordings (课后照顾 for 课后服务)."""
    groups = []
    for part in rs.t2s(query).split():
        alts = [part] + table.get(part, [])
        alts += [a for w in rs.query_words(part) if w != part for a in table.get(w, [])]
        groups.append(alts)
    scored = []
    for p in corpus.paths:
        t = corpus.texts[p]
        counts = [sum(t.count(a) for a in g) for g in groups]
        if all(counts):
            scored.append((-sum(counts), p))
    return [p for _, p in sorted(scored)[:size]]


def title_match(corpus: rs.Corpus, query: str, table: dict[str, list[str]], size: int) -> list[str]:
    """Titles holding the query's words (or an alternative): whole query first, then word coverage, shorter first."""
    q = rs.t2s(query)
    whole = q.replace(" ", "")
    concepts = [[w] + table.get(w, []) for w in rs.query_words(query)]
    parts = [[part] + table.get(part, []) for part in q.split()]
    scored = []
    for p in corpus.paths:
        title = corpus.titles[p]
        cover = sum(any(a in title for a in c) for c in concepts + parts)
        whole_part = any(any(a in title for a in c) for c in parts)
        # one generic word (学生) alone is not a title match; a whole part or its alternative is
        if cover >= min(2, len(concepts)) or whole_part:
            scored.append((-(3 * (whole in title) + 2 * whole_part + cover), len(title), p))
    return [p for *_, p in sorted(scored)[:size]]


def synonym_bm25(tv: rs.Tantivy, query: str, table: dict[str, list[str]], size: int) -> list[str]:
    """OR of the query's words (weight 1) and of its alternatives' words (weight 0.6)."""
    weights: dict[str, float] = {w: 1.0 for w in rs.query_words(query)}
    for alt in alternatives_for(query, table):
        for w in rs.query_words(alt):
            weights.setdefault(w, 0.6)
    return tv.run(tv.or_query(weights.items()), size) if weights else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=rs.default_corpus())
    ap.add_argument("--index", type=Path, default=Path("/tmp/relidx"), help="searchapp index folder")
    ap.add_argument("--work", type=Path, default=rs.DEFAULT_WORK)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--out", type=Path, default=rs.DEFAULT_WORK / "pool.jsonl")
    a = ap.parse_args()
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    corpus = rs.load_corpus(a.corpus, a.work)
    queries = load_queries()
    table = load_alternatives()
    tv = rs.Tantivy(corpus, a.work, log)
    nv = rs.Naive(corpus, a.work, log)
    sa = rs.searchapp_search([q["text"] for q in queries], a.corpus, a.index, a.depth)
    rows = []
    for q, sa_top in zip(queries, sa):
        text = q["text"]
        runs = {"searchapp": sa_top, "tantivy": tv.search(text, a.depth), "naive": nv.search(text, a.depth),
                "exact": exact(corpus, text, a.depth),
                "exact_alt": exact_alternatives(corpus, text, table, a.depth), "title": title_match(corpus, text, table, a.depth),
                "synonyms": synonym_bm25(tv, text, table, a.depth)}
        pool: dict[str, dict[str, int]] = {}
        for name, top in runs.items():
            for rank, p in enumerate(top, 1):
                pool.setdefault(p, {})[name] = rank
        for p, by in pool.items():
            rows.append({"qid": q["id"], "path": p, "systems": by})
        log(f"{q['id']} {text}: pool {len(pool)}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    log(f"{len(rows)} (query, document) pairs → {a.out}")


if __name__ == "__main__":
    main()
