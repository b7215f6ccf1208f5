"""Ranking metrics of the relevance benchmark: nDCG@k, MRR and recall@k over graded judgments (0–3).

A ranking is a list of document paths, best first. Grades map path → 0..3 for one query; a document
missing from the grades (unjudged) counts as 0, the usual pooled-evaluation convention: it can only
lower a system's figures, so a system that finds unpooled relevant documents is under-rated, never
over-rated, and the pool should be widened when a new system is compared (relevance_pool.py).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

RELEVANT = 2  # "a substantial passage" or better: what MRR and recall count as a right answer


def gain(grade: int) -> float:
    """Exponential gain (2^g − 1): a document mainly about the topic (3) is worth 7 passing mentions (1)."""
    return float(2 ** grade - 1)


def dcg(grades_in_order: Sequence[int]) -> float:
    """Discounted cumulative gain of grades listed in rank order (rank 1 undiscounted)."""
    return sum(gain(g) / math.log2(i + 2) for i, g in enumerate(grades_in_order))


def ndcg_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float | None:
    """DCG of the top k over the DCG of the ideal top k of all judged documents; None when nothing is relevant."""
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return None
    return dcg([grades.get(p, 0) for p in ranking[:k]]) / ideal


def reciprocal_rank(ranking: Sequence[str], grades: Mapping[str, int], min_grade: int = RELEVANT) -> float:
    """1/rank of the first document graded ≥ min_grade, 0 when none is returned (MRR is the mean of this)."""
    for i, p in enumerate(ranking, 1):
        if grades.get(p, 0) >= min_grade:
            return 1.0 / i
    return 0.0


def recall_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int = 100,
                min_grade: int = RELEVANT) -> float | None:
    """Share of the documents graded ≥ min_grade found in the top k; None when the query has none."""
    relevant = {p for p, g in grades.items() if g >= min_grade}
    if not relevant:
        return None
    return len(relevant & set(ranking[:k])) / len(relevant)


def mean(values: Sequence[float | None]) -> float | None:
    """Mean over the defined values (a query without relevant documents has no nDCG or recall)."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
