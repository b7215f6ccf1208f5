"""The recall fallback of plain queries: when requiring every word finds little, reports
that hold most of the query's words are found too, after the reports that hold them all;
quoted phrases and negated words keep their exact meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.backend.local import engine as local_engine
from searchapp.backend.local.engine import units_needed
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import SearchService, open_service, search

from conftest import make_settings

#: Small reports written for these tests: which of 残疾, 学生, 升学 each one holds.
DOCS = {
    "all_three.txt": ("残疾学生升学工作方案", "做好残疾学生升学服务，为每名学生制定升学计划。"),
    "two_of_three.txt": ("身心障碍学生升学辅导办法", "身心障碍学生参加升学考试，学校提供辅导与便利。学生升学由委员会审议。"),
    "other_two.txt": ("残疾人就业条例", "残疾人职业培训与就业扶持，帮助残疾学生就业。"),
    "one_of_three.txt": ("升学考试说明", "本年度升学考试安排如下，报名时间另行通知。"),
    "none.txt": ("城市道路管理办法", "城市道路的规划、建设、养护和管理。"),
}


def _names(response) -> list[str]:
    return [Path(h.path).name for h in response.hits]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("fallback")
    corpus = root / "docs"
    corpus.mkdir()
    for name, (title, body) in DOCS.items():
        (corpus / name).write_text(f"{title}\n{body}\n", encoding="utf-8")
    settings = make_settings(root, search={"cache_size": 0})  # a test changes the engine's threshold
    index_paths(settings, [corpus], workers=1)
    return open_service(settings)


def test_a_report_holding_most_of_the_words_is_found_below_the_one_holding_all(service):
    found = _names(search(service, SearchRequest(q="残疾学生 升学", synonyms=False)))
    assert found[0] == "all_three.txt"
    assert "two_of_three.txt" in found and "other_two.txt" in found
    assert "one_of_three.txt" not in found and "none.txt" not in found


def test_a_quoted_phrase_stays_required_in_the_fallback(service):
    found = _names(search(service, SearchRequest(q='残疾 学生 "升学"', synonyms=False)))
    assert set(found) == {"all_three.txt", "two_of_three.txt"}


def test_a_negated_word_stays_excluded_in_the_fallback(service):
    found = _names(search(service, SearchRequest(q="残疾学生 升学 -辅导", synonyms=False)))
    assert "two_of_three.txt" not in found
    assert "other_two.txt" in found


def test_quoted_phrases_alone_are_never_widened(service):
    found = _names(search(service, SearchRequest(q='"残疾学生" "升学"', synonyms=False)))
    assert found == ["all_three.txt"]


def test_no_fallback_when_the_full_match_finds_enough(service):
    strict = SearchService(service.backend, make_settings(Path(service.backend.index_dir).parent,
                                                          search={"partial_below": 1}))
    found = _names(search(strict, SearchRequest(q="残疾学生 升学", synonyms=False)))
    assert found == ["all_three.txt"]


def test_a_partial_match_needs_most_of_the_words():
    assert [units_needed(n) for n in (2, 3, 4, 5, 6)] == [1, 2, 3, 3, 4]


def test_explain_shows_what_a_missing_word_costs(service):
    hits = {Path(h.path).name: h for h in search(service, SearchRequest(q="残疾学生 升学", synonyms=False,
                                                                         explain=True)).hits}
    assert hits["all_three.txt"].explain["missing"] == 0
    assert hits["two_of_three.txt"].explain["missing"] < 0
    assert sum(hits["two_of_three.txt"].explain.values()) == pytest.approx(hits["two_of_three.txt"].score)


def test_the_response_says_how_many_results_hold_only_most_of_the_words(service):
    response = search(service, SearchRequest(q="残疾学生 升学", synonyms=False))
    assert any("只含大部分查询词" in n and "另有 2 条" in n for n in response.notes)
    quoted = search(service, SearchRequest(q='"残疾学生" "升学"', synonyms=False))
    assert quoted.total == 1 and not any("只含大部分查询词" in n for n in quoted.notes)
