"""Ranking on features, not tiers: aboutness beats one verbatim mention, titles count,
and the BM25F function behaves as BM25F should."""

from __future__ import annotations

import numpy as np
import pytest

from searchapp.backend.local.ranking import K1, bm25f, heading_lines, idf, min_span, positions
from searchapp.model import SearchRequest
from searchapp.query.service import search

from ranking_corpus import names, service


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return service(tmp_path_factory.mktemp("ranking"))


# -- the behaviour users see ---------------------------------------------------------------

def test_topic_report_outranks_a_long_report_that_mentions_the_query_once(engine):
    found = names(search(engine, SearchRequest(q="校园安全", synonyms=False)))
    assert found[0] == "campus_safety_report.txt"
    assert found.index("campus_safety_report.txt") < found.index("government_work_report.txt")


def test_report_about_the_words_outranks_one_verbatim_mention_of_the_phrase(engine):
    # 教师 and 交流 run through the rotation report, never side by side; the work report
    # has 教师交流 once. An exact-phrase tier would put the work report first.
    found = names(search(engine, SearchRequest(q="教师交流", synonyms=False)))
    assert found.index("teacher_rotation_report.txt") < found.index("government_work_report.txt")


def test_report_whose_title_contains_the_query_ranks_first(engine):
    found = names(search(engine, SearchRequest(q="课后服务", synonyms=False)))
    assert found[0] == "after_school_service_plan.txt"


def test_scores_are_ordered_and_bounded_by_the_features(engine):
    response = search(engine, SearchRequest(q="校园安全"))
    scores = [h.score for h in response.hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] < 1000  # no tier constants left


# -- BM25F ------------------------------------------------------------------------------------

FIELDS = {"title": 3.0, "headings": 2.0, "body": 1.0}


def _tf(title=0.0, headings=0.0, body=0.0) -> dict[str, np.ndarray]:
    return {"title": np.array([title]), "headings": np.array([headings]), "body": np.array([body])}


def _norm(body=1.0, title=1.0) -> dict[str, np.ndarray | float]:
    return {"title": np.array([title]), "headings": 1.0, "body": np.array([body])}


def test_bm25f_is_zero_without_the_term_and_grows_with_its_frequency():
    scores = [float(bm25f(2.0, _tf(body=n), _norm(), FIELDS)[0][0]) for n in (0, 1, 2, 5, 50)]
    assert scores[0] == 0
    assert scores == sorted(scores) and len(set(scores)) == len(scores)


def test_bm25f_saturates_below_idf_times_k1_plus_one():
    score = float(bm25f(2.0, _tf(body=10_000), _norm(), FIELDS)[0][0])
    assert 2.0 * (K1 + 1) * 0.99 < score < 2.0 * (K1 + 1)


def test_bm25f_weighs_a_title_occurrence_above_a_body_occurrence():
    in_title = float(bm25f(2.0, _tf(title=1), _norm(), FIELDS)[0][0])
    in_body = float(bm25f(2.0, _tf(body=1), _norm(), FIELDS)[0][0])
    assert in_title > in_body


def test_bm25f_sums_fields_before_saturating():
    # title and body together: more than either, less than the two scores added
    both = float(bm25f(2.0, _tf(title=1, body=1), _norm(), FIELDS)[0][0])
    title = float(bm25f(2.0, _tf(title=1), _norm(), FIELDS)[0][0])
    body = float(bm25f(2.0, _tf(body=1), _norm(), FIELDS)[0][0])
    assert max(title, body) < both < title + body


def test_bm25f_prefers_the_shorter_document_for_the_same_frequency():
    short = float(bm25f(2.0, _tf(body=3), _norm(body=0.5), FIELDS)[0][0])
    long = float(bm25f(2.0, _tf(body=3), _norm(body=3.0), FIELDS)[0][0])
    assert short > long


def test_bm25f_split_by_field_adds_up_to_the_score():
    total, split = bm25f(1.7, _tf(title=1, headings=2, body=7), _norm(body=1.3, title=0.8), FIELDS)
    assert sum(float(v[0]) for v in split.values()) == pytest.approx(float(total[0]))
    assert all(float(v[0]) > 0 for v in split.values())


def test_idf_falls_as_the_term_gets_common_and_never_goes_negative():
    assert idf(1, 1000) > idf(100, 1000) > idf(999, 1000) >= 0


# -- proximity and headings helpers --------------------------------------------------------------

def test_min_span_finds_the_closest_pair_of_occurrences():
    assert min_span([[(0, 6), (100, 106)], [(50, 56), (109, 115)]]) == 15
    assert min_span([[(0, 6)], []]) is None


def test_headings_are_the_first_lines_and_short_lines_that_do_not_end_like_sentences():
    text = ("教师交流工作报告\n导语\n一、教师交流\n" + "正文" * 40 + "教师交流" + "正文" * 40 + "\n"
            "推进教师交流。\n二、下一步打算\n")
    headings = heading_lines(text.encode()).decode()
    assert headings.count("教师交流") == 2  # the title line and 一、教师交流
    assert "二、下一步打算" in headings
    assert "推进教师交流。" not in headings and "正文" not in headings


def test_positions_lists_each_occurrence_once():
    assert positions("甲乙甲乙甲".encode(), "甲".encode()) == [0, 6, 12]
    assert positions("甲乙甲乙甲".encode(), "甲".encode(), limit=2) == [0, 6]


# -- counting only where the page needs it ----------------------------------------------------

PRUNING_QUERIES = ["校园安全", "教师交流", "课后服务", '"校园安全"', "加强校园安全工作", "教师交流 校园安全",
                   '"办好人民满意的教育"', "推进教师交流工作"]


def _pages(engine, monkeypatch, lazy_candidates: int) -> list:
    from searchapp.backend.local import engine as local_engine
    from searchapp.query.plan import make_plan, synonyms_for

    monkeypatch.setattr(local_engine, "LAZY_CANDIDATES", lazy_candidates)
    out = []
    for q in PRUNING_QUERIES:
        for page, size in ((1, 1), (1, 3), (2, 2), (1, 10)):
            req = SearchRequest(q=q, page=page, size=size, snippets=0, explain=True)
            plan = make_plan(req, engine.settings.search, engine.segmenter, synonyms_for(engine.settings.search)).plan
            m = engine.backend.execute(plan)
            out.append((q, page, size, m.total, [(h.id, h.score, h.explain, h.duplicate_ids) for h in m.hits]))
    return out


def test_counting_terms_only_where_they_can_reach_the_page_keeps_every_score_and_order(engine, monkeypatch):
    # LAZY_CANDIDATES = 0: every long term is checked for presence and counted only in the
    # documents whose upper bound can still reach the page; the scores (unrounded), the
    # explained parts and the order must be those of counting everything.
    from searchapp.backend.local import ranking

    bounded = []
    real = ranking._rank_bounded

    def spy(*args, **kwargs):
        bounded.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ranking, "_rank_bounded", spy)
    lazy = _pages(engine, monkeypatch, 0)
    assert bounded, "the bounded ranking never ran: the test compares nothing"
    assert lazy == _pages(engine, monkeypatch, 10**12)


def test_sorting_only_the_head_of_the_matches_gives_the_pages_of_sorting_them_all(engine, monkeypatch):
    # topk.head partitions before it sorts; with a full sort in its place every page, score,
    # explained part and tie must be the same, for exact and for bounded counting.
    from searchapp.backend.local import topk

    heads = []
    real_head = topk.head

    def spy(primary, k, ties=None):
        heads.append(k < primary.size)
        return real_head(primary, k, ties)

    def full_sort(primary, k, ties=None):
        order = np.argsort(primary, kind="stable") if ties is None else np.lexsort((ties, primary))
        return order[:k]

    for lazy_candidates in (0, 10**12):
        monkeypatch.setattr(topk, "head", spy)
        partial = _pages(engine, monkeypatch, lazy_candidates)
        monkeypatch.setattr(topk, "head", full_sort)
        assert partial == _pages(engine, monkeypatch, lazy_candidates)
    assert any(heads), "no page was cut from more matches than it shows: the test compares nothing"
