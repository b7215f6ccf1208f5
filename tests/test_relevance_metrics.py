"""The relevance benchmark's metrics on hand-made rankings whose values are worked out by hand."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import relmetrics as m  # noqa: E402

GRADES = {"a": 3, "b": 2, "c": 1, "d": 0}


def test_ideal_ranking_has_ndcg_one() -> None:
    assert m.ndcg_at_k(["a", "b", "c", "d"], GRADES) == pytest.approx(1.0)


def test_ndcg_of_a_swapped_pair_matches_the_hand_computation() -> None:
    # gains 2^g-1: a=7, b=3, c=1. Ranking b, a, c: 3/1 + 7/log2(3) + 1/2 ; ideal 7 + 3/log2(3) + 1/2.
    got = m.ndcg_at_k(["b", "a", "c"], GRADES, k=10)
    want = (3 + 7 / math.log2(3) + 0.5) / (7 + 3 / math.log2(3) + 0.5)
    assert got == pytest.approx(want)


def test_ndcg_cuts_at_k_but_the_ideal_uses_every_judged_document() -> None:
    # Only the top 1 counts; it holds c (gain 1); the ideal top 1 is a (gain 7).
    assert m.ndcg_at_k(["c", "a", "b"], GRADES, k=1) == pytest.approx(1 / 7)


def test_unjudged_documents_count_as_zero() -> None:
    with_unjudged = m.ndcg_at_k(["x", "a", "b", "c"], GRADES)
    with_a_zero = m.ndcg_at_k(["d", "a", "b", "c"], GRADES)
    assert with_unjudged == pytest.approx(with_a_zero)
    assert with_unjudged < 1.0
    assert m.reciprocal_rank(["x", "y", "b"], GRADES) == pytest.approx(1 / 3)


def test_ndcg_is_undefined_for_a_query_without_relevant_documents() -> None:
    assert m.ndcg_at_k(["d"], {"d": 0}) is None
    assert m.recall_at_k(["d"], {"d": 0}) is None


def test_reciprocal_rank_counts_only_grade_two_or_more() -> None:
    assert m.reciprocal_rank(["c", "d", "b", "a"], GRADES) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["c", "d"], GRADES) == 0.0


def test_recall_at_k_counts_relevant_documents_found_in_the_top_k() -> None:
    ranking = ["d", "b", "x", "c", "a"]
    assert m.recall_at_k(ranking, GRADES, k=2) == pytest.approx(0.5)   # b of {a, b}
    assert m.recall_at_k(ranking, GRADES, k=100) == pytest.approx(1.0)


def test_mean_skips_undefined_values() -> None:
    assert m.mean([1.0, None, 0.5]) == pytest.approx(0.75)
    assert m.mean([None]) is None


def test_score_reports_per_query_per_kind_and_overall_means() -> None:
    import relevance
    queries = [{"id": "a", "text": "甲", "kind": "topic"}, {"id": "b", "text": "乙", "kind": "short"}]
    grades = {"a": {"x": 3, "y": 0}, "b": {"z": 2}}
    runs = {"sys": [["x", "y"], ["u", "z"]]}   # a: ideal; b: relevant doc second, after an unjudged one
    res = relevance.score(queries, grades, runs)
    a, b = res["per_query"]
    assert a["sys"]["ndcg10"] == pytest.approx(1.0) and a["sys"]["mrr"] == 1.0
    assert b["sys"]["ndcg10"] == pytest.approx(1 / math.log2(3))
    assert b["sys"]["mrr"] == pytest.approx(0.5) and b["sys"]["unjudged_top10"] == 1
    assert res["per_kind"]["short"]["sys"]["mrr"] == pytest.approx(0.5)
    assert res["overall"]["sys"]["mrr"] == pytest.approx(0.75)
    assert res["overall"]["sys"]["recall100"] == pytest.approx(1.0)
