"""A term's count in each title, from the titles' pair table, is what counting the titles
one by one gives (`searchapp.backend.local.titlegrams`, used by the ranking's title feature)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from searchapp.backend.local.titlegrams import TitleGrams, self_overlapping


def table(titles: list[str]) -> TitleGrams:
    starts = np.zeros(len(titles) + 1, dtype=np.int64)
    pos = 0
    for i, t in enumerate(titles):
        starts[i] = pos
        pos += len(t) + 1
    starts[-1] = pos
    return TitleGrams("\n".join(titles) + "\n", starts)


def by_hand(titles: list[str], term: str) -> list[float]:
    return [float(t.count(term)) for t in titles]


TITLES = ["关于加强教师交流工作的报告", "教师交流与校长交流", "", "2019年教育督导自查报告",
          "教師交流（繁體）", "教师", "师交流教师交流教", "\U00020000教师交流"]


@pytest.mark.parametrize("term", ["教师", "教师交流", "交流", "报告", "督导自查", "年教", "教師交流",
                                  "不存在", "流教", "师交流教"])
def test_pair_table_counts_equal_counting_each_title(term: str) -> None:
    assert table(TITLES).counts(term).tolist() == by_hand(TITLES, term)


def test_terms_whose_occurrences_can_overlap_are_left_to_the_plain_count() -> None:
    # 哈哈 occurs twice in 哈哈哈 as positions but once for str.count: the table refuses it.
    assert self_overlapping("哈哈") and self_overlapping("ABA") and not self_overlapping("教师交流")
    assert not TitleGrams.handles_term("哈哈")
    assert not TitleGrams.handles_term("教")                 # one character: the caller scans
    assert not TitleGrams.handles_term("\U00020000教")        # a wide character: the caller scans
    assert TitleGrams.handles_term("教师")


def test_random_titles_and_terms_count_as_str_count() -> None:
    rnd = random.Random(11)
    alphabet = "教师交流校长督导报告年"
    titles = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(300)]
    grams = table(titles)
    checked = 0
    for _ in range(300):
        t = rnd.choice(titles)
        if len(t) < 3:
            continue
        a = rnd.randrange(len(t) - 1)
        term = t[a:a + rnd.randint(2, 5)]
        if not TitleGrams.handles_term(term):
            continue
        assert grams.counts(term).tolist() == by_hand(titles, term), term
        checked += 1
    assert checked > 100


def test_ranking_title_counts_are_the_same_through_every_path(monkeypatch) -> None:
    # ranking._Extras picks title by title, the pair table or a scan by the number of
    # documents asked about: each path must give the same counts.
    from searchapp.backend.local import ranking

    rnd = random.Random(3)
    alphabet = "教师交流校长督导报告年哈"
    titles = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 20))) for _ in range(500)]
    extras = ranking._Extras(SimpleNamespace(norm_titles=titles))
    docs = np.arange(0, 500, 3)
    for term in ["教师", "交流校", "哈哈", "报", "督导报告"]:
        want = [float(titles[d].count(term)) for d in docs.tolist()]
        for pair_chars, scan_chars in ((10**9, 10**9), (0, 10**9), (0, 0)):
            monkeypatch.setattr(ranking, "TITLE_PAIR_CHARS", pair_chars)
            monkeypatch.setattr(ranking, "TITLE_SCAN_CHARS", scan_chars)
            assert extras.title_tf(term, docs).tolist() == want, (term, pair_chars, scan_chars)
        assert extras.title_tf(term).tolist() == [float(t.count(term)) for t in titles]
