"""Facet counts of the local engine: every facet over the matches and every *other* facet's
filter, copies folded, whatever shortcut computes them (one fold for the facets without a
filter, per-snapshot masks, tree paths numbered once)."""

from __future__ import annotations

import numpy as np
import pytest

from searchapp.backend.local.engine import Filters, _TreePaths, collapse, count_facet, facet_counts
from searchapp.model import FACETS, FACET_BY_NAME


class _Tree:
    def __init__(self, levels):
        self.facet = FACET_BY_NAME["region"]
        self.levels = levels


def _naive_tree(col, docs):
    """The definition: every prefix whose levels are all known, counted (sorted by codes)."""
    out = []
    stack = np.stack([codes[docs] for _n, codes in col.levels], axis=1)
    for depth in range(1, len(col.levels) + 1):
        rows = [tuple(r[:depth]) for r in stack.tolist() if all(r[:depth])]
        for row in sorted(set(rows)):
            out.append((tuple(col.levels[i][0][c] for i, c in enumerate(row)), rows.count(row)))
    return out


def test_a_tree_facet_counts_every_known_prefix_of_every_path():
    rng = np.random.default_rng(3)
    names = [["", "甲省", "乙省"], ["", "A市", "B市", "C市"], ["", "x区", "y区"]]
    levels = [(n, rng.integers(0, len(n), size=200)) for n in names]
    col = _Tree(levels)
    paths = _TreePaths(col, 200)
    for docs in (np.arange(200), np.sort(rng.choice(200, 37, replace=False)), np.array([5])):
        assert count_facet(col, docs, paths) == _naive_tree(col, docs)
        assert count_facet(col, docs) == _naive_tree(col, docs)


@pytest.mark.parametrize("filters", [
    {}, {"region": ["广东省"]}, {"year": [(2009, 2011)], "theme": ["教师队伍"]},
    {"region": ["广州市", "江苏省"], "type": ["讲话"]}, {"origin": ["nowhere"]}])
def test_facet_counts_equal_counting_each_facet_over_its_own_filtered_folded_matches(engine, filters):
    snap = engine.backend.snapshot()
    cols = snap.columns
    matched = snap.all_docs
    plan_filters = Filters(cols, filters)
    got = facet_counts(cols, matched, plan_filters, True)
    for facet in FACETS:
        docs = plan_filters.apply(matched, skip=facet.name) if plan_filters.active() else matched
        assert got[facet.name] == count_facet(cols.facets[facet.name], collapse(cols, docs)), facet.name
    # The same filters again: the masks come from the snapshot's cache, the counts do not change.
    assert facet_counts(cols, matched, Filters(cols, filters), True) == got
