"""The judged relevance set is complete and well-formed, so that benchmarks/relevance.py measures what it says."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

SET = Path(__file__).resolve().parents[1] / "benchmarks" / "relevance"
KINDS = {"topic", "two-concept", "cross-strait", "short"}


def _lines(name: str) -> list[dict]:
    return [json.loads(x) for x in (SET / name).open(encoding="utf-8") if x.strip()]


def test_at_least_forty_queries_of_every_kind_with_unique_ids() -> None:
    queries = _lines("queries.jsonl")
    assert len(queries) >= 40
    assert len({q["id"] for q in queries}) == len(queries)
    assert {q["kind"] for q in queries} == KINDS
    assert all(q["text"].strip() and '"' not in q["text"] for q in queries)  # plain, unquoted


def test_every_judgment_names_a_known_query_a_grade_and_a_reason() -> None:
    ids = {q["id"] for q in _lines("queries.jsonl")}
    qrels = _lines("qrels.jsonl")
    pairs = Counter((r["qid"], r["doc"]) for r in qrels)
    assert max(pairs.values()) == 1  # one judgment per (query, document)
    for r in qrels:
        assert r["qid"] in ids
        assert r["grade"] in (0, 1, 2, 3)
        assert r["reason"].strip()
        assert not r["doc"].startswith("/")  # corpus-relative, stable across engines


def test_every_query_has_a_relevant_document_so_its_figures_are_defined() -> None:
    relevant = {r["qid"] for r in _lines("qrels.jsonl") if r["grade"] >= 2}
    assert {q["id"] for q in _lines("queries.jsonl")} <= relevant
