"""Folding near-duplicates: a copy of the same document is folded into one hit, but two
versions of a law (different years) or one regulation adopted by two cities stay apart."""

from __future__ import annotations

import numpy as np

from searchapp.backend.local.engine import collapse, copy_groups


class _Region:
    def __init__(self, codes: list[int]):
        self.levels = [(["", "甲市", "乙市"], np.array(codes, dtype=np.int64))]


class _Columns:
    """The columns collapse reads: cluster, year, region levels, length, id order."""

    def __init__(self, cluster: list[int], year: list[int], region: list[int]):
        self.cluster = np.array(cluster, dtype=np.int64)
        self.year = np.array(year, dtype=np.int64)
        self.facets = {"region": _Region(region)}
        self.length = np.array([100 + i for i in range(len(cluster))], dtype=np.int64)
        self.id_rank = np.arange(len(cluster), dtype=np.int64)


def test_a_copy_with_the_same_year_and_region_is_folded():
    cols = _Columns(cluster=[0, 0, -1], year=[2020, 2020, 2020], region=[1, 1, 1])
    assert collapse(cols, np.array([0, 1, 2])).tolist() == [1, 2]  # the longer copy represents


def test_two_versions_of_a_law_stay_apart():
    cols = _Columns(cluster=[0, 0], year=[2020, 2024], region=[1, 1])
    assert collapse(cols, np.array([0, 1])).tolist() == [0, 1]
    assert copy_groups(cols)[0] != copy_groups(cols)[1]


def test_the_same_regulation_of_two_cities_stays_apart():
    cols = _Columns(cluster=[3, 3, 3], year=[2016, 2016, 2016], region=[1, 2, 2])
    assert collapse(cols, np.array([0, 1, 2])).tolist() == [0, 2]


def test_a_copy_that_lost_its_year_or_region_still_folds_with_the_dated_one():
    # A scraped copy without its date line or with its province masked is still a copy.
    cols = _Columns(cluster=[5, 5, 5], year=[2015, 0, 2015], region=[1, 1, 0])
    assert collapse(cols, np.array([0, 1, 2])).tolist() == [2]
    assert len(set(copy_groups(cols).tolist())) == 1


def test_unknown_values_join_the_group_they_fit_and_conflicts_split():
    cols = _Columns(cluster=[7, 7, 7, 7], year=[2020, 2024, 0, 2020], region=[1, 1, 2, 0])
    groups = copy_groups(cols).tolist()
    assert groups[0] == groups[3]  # the undated 甲市 copy joins the 2020 甲市 one
    assert len({groups[0], groups[1], groups[2]}) == 3  # the 2024 version and the 乙市 one stay apart


def test_each_group_is_represented_by_its_longest_copy_then_its_smallest_id():
    """Whatever subset of documents matched: per group of copies the longest matched copy
    stays (ties: the smallest id), every document without copies stays, order is kept."""
    rng = np.random.default_rng(3)
    n = 400
    cols = _Columns(cluster=rng.integers(-1, 40, n).tolist(), year=[2020] * n, region=[1] * n)
    cols.length = rng.integers(100, 110, n)          # many ties in length
    cols.id_rank = rng.permutation(n)
    groups = copy_groups(cols)
    for _ in range(5):
        docs = np.flatnonzero(rng.random(n) < 0.6)
        kept = collapse(cols, docs)
        expected = []
        for d in docs.tolist():
            g = int(groups[d])
            rivals = [e for e in docs.tolist() if g >= 0 and int(groups[e]) == g]
            if g < 0 or d == min(rivals, key=lambda e: (-int(cols.length[e]), int(cols.id_rank[e]))):
                expected.append(d)
        assert kept.tolist() == expected


def test_a_hits_copies_are_listed_longest_first_whatever_their_docnums(tmp_path):
    """duplicate_ids follow the order that ranks copies (the longest, then the smallest
    id), not docnums, which change with how segments were merged: here the files are
    indexed shortest first, so docnum order is the reverse."""
    from conftest import SEEDS, make_settings
    from searchapp.indexing.run import index_paths
    from searchapp.model import SearchRequest
    from searchapp.query.service import open_service, search

    text = next(t for t in (p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) if "教育局" in t)
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for i, name in enumerate("abcd"):
        (corpus / f"{name}.txt").write_text(text + "\n网友评论：转载。\n" * (i + 1), encoding="utf-8")
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], workers=1)
    service = open_service(settings)
    try:
        snap = service.backend.snapshot()
        length = {rec.id: rec.length for rec in snap.docs.values()}
        docnum = dict(snap.by_id)
        hits = search(service, SearchRequest(q='"教育局"', size=10, snippets=0)).hits
    finally:
        service.backend.close()
    listed = [h.duplicate_ids for h in hits if len(h.duplicate_ids) >= 2]
    assert listed
    for copies in listed:
        assert copies == sorted(copies, key=lambda c: (-length[c], c))
    # Docnums alone would have listed them otherwise (shortest file indexed first).
    assert any(copies != sorted(copies, key=docnum.get) for copies in listed)
