"""Show what a grader must read to judge a pooled document: title, length, opening, passages at the query.

    python benchmarks/relevance_read.py QID [--pool POOL.jsonl] [--windows 4] [--width 150] [--head 200]
                                            [--only PATH ...] [--skip-judged]

For each document in the pool of query QID: the title, its length in characters, how often each query
word and each alternative wording occurs, the first `--head` characters, and up to `--windows` passages
of about `--width` characters around occurrences (whole query parts first, then single words, then
alternatives; each passage at a different place). Text is shown after t2s (what the engines index).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relsystems as rs  # noqa: E402
from relevance_pool import HERE, alternatives_for, load_alternatives, load_queries  # noqa: E402

_WS = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]{0,40}>|&[a-z]+;")


def _clean(s: str) -> str:
    return _WS.sub(" ", _TAGS.sub("", s)).strip()


def terms_for(query: str, table: dict[str, list[str]]) -> list[str]:
    """What to look for, most specific first: the query's parts, alternative wordings, then single words."""
    q = rs.t2s(query)
    terms: list[str] = []
    for t in q.split() + alternatives_for(query, table) + rs.query_words(query):
        if t not in terms and len(t) >= 2 or (t not in terms and len(q) <= 2):
            terms.append(t)
    return terms


def windows(text: str, terms: list[str], n: int, width: int) -> list[str]:
    """Up to n passages around occurrences of the terms, far enough apart not to repeat each other."""
    out, starts = [], []
    for t in terms:
        pos = 0
        while len(out) < n:
            i = text.find(t, pos)
            if i < 0:
                break
            pos = i + len(t)
            if any(abs(i - s) < width for s in starts):
                continue
            starts.append(i)
            a = max(0, i - width // 2)
            out.append(f"[{t}] …{_clean(text[a:a + width])}…")
            break  # one passage per term first; a second round fills up
    if len(out) < n:  # second round: more passages of the first terms
        for t in terms:
            for m in re.finditer(re.escape(t), text):
                i = m.start()
                if len(out) >= n:
                    break
                if any(abs(i - s) < width for s in starts):
                    continue
                starts.append(i)
                a = max(0, i - width // 2)
                out.append(f"[{t}] …{_clean(text[a:a + width])}…")
    return out


def describe(corpus: rs.Corpus, path: str, query: str, table: dict[str, list[str]],
             n: int = 4, width: int = 150, head: int = 200) -> str:
    """The grading view of one document for one query."""
    text = corpus.texts[path]
    terms = terms_for(query, table)
    counts = " ".join(f"{t}×{text.count(t)}" for t in terms if t in text)
    lines = [f"## {path} | {corpus.titles[path]} | {len(text)} chars | {counts or 'no term'}"]
    if head:
        lines.append(f"   head: {_clean(text[:head])}")
    lines += [f"   {w}" for w in windows(text, terms, n, width)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("qid")
    ap.add_argument("--corpus", type=Path, default=rs.default_corpus())
    ap.add_argument("--work", type=Path, default=rs.DEFAULT_WORK)
    ap.add_argument("--pool", type=Path, default=rs.DEFAULT_WORK / "pool.jsonl")
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--width", type=int, default=150)
    ap.add_argument("--head", type=int, default=200)
    ap.add_argument("--only", nargs="*", default=None, help="just these document paths")
    ap.add_argument("--skip-judged", action="store_true", help="leave out documents already in qrels.jsonl")
    a = ap.parse_args()
    corpus = rs.load_corpus(a.corpus, a.work)
    table = load_alternatives()
    q = next(x for x in load_queries() if x["id"] == a.qid)
    paths = a.only or [r["path"] for r in map(json.loads, a.pool.open(encoding="utf-8")) if r["qid"] == a.qid]
    judged = set()
    qrels = HERE / "qrels.jsonl"
    if a.skip_judged and qrels.is_file():
        judged = {r["doc"] for r in map(json.loads, qrels.open(encoding="utf-8")) if r["qid"] == a.qid}
    print(f"# {q['id']} {q['text']} ({q['kind']}); terms: {' '.join(terms_for(q['text'], table))}")
    for p in paths:
        if p in corpus.texts and p not in judged:
            print(describe(corpus, p, q["text"], table, a.windows, a.width, a.head))


if __name__ == "__main__":
    main()
