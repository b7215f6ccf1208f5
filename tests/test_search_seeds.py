"""The user's own example, on the five sample reports: 教师交流."""

from __future__ import annotations

from searchapp.model import SearchRequest
from searchapp.query.service import search


def seed_numbers(response) -> list[str]:
    return [hit.path.rsplit("/", 1)[-1][:3] for hit in response.hits]


def test_quoted_phrase_finds_exactly_the_four_reports_that_contain_it(engine):
    response = search(engine, SearchRequest(q='"教师交流"', size=50))
    assert sorted(set(seed_numbers(response))) == ["000", "001", "002", "004"]


def test_traditional_report_is_found_and_highlighted_in_its_own_script(engine):
    response = search(engine, SearchRequest(q='"教师交流"', size=50))
    traditional = [h for h in response.hits if "/001_" in h.path]
    assert len(traditional) == 1
    assert any("<mark>教師交流</mark>" in s for s in traditional[0].snippets)


def test_traditional_query_is_normalized_the_same_way(engine):
    simplified = search(engine, SearchRequest(q='"教师交流"', size=50))
    traditional = search(engine, SearchRequest(q='"教師交流"', size=50))
    assert {h.id for h in simplified.hits} == {h.id for h in traditional.hits}


def test_plain_query_ranks_reports_with_the_phrase_above_the_one_without(engine):
    response = search(engine, SearchRequest(q="教师交流", size=50))
    numbers = seed_numbers(response)
    assert "003" in numbers, "003 has 教师 and 交流 apart and should still match"
    with_phrase = {"000", "001", "002", "004"}
    assert all(n in with_phrase for n in numbers[: numbers.index("003")])
    assert with_phrase <= set(numbers[: numbers.index("003")])


def test_space_means_and_and_minus_excludes(engine):
    both = {h.path for h in search(engine, SearchRequest(q="教师 交流", size=50)).hits}
    without = {h.path for h in search(engine, SearchRequest(q="教师 交流 -南长区", size=50)).hits}
    assert any("/004_" in p for p in both)
    assert not any("/004_" in p for p in without)
    assert without < both


def test_or_unites_and_a_missing_phrase_finds_nothing(engine):
    a = {h.id for h in search(engine, SearchRequest(q='"荔湾区"', size=50)).hits}
    b = {h.id for h in search(engine, SearchRequest(q='"南长区"', size=50)).hits}
    either = {h.id for h in search(engine, SearchRequest(q='"荔湾区" OR "南长区"', size=50)).hits}
    assert a and b and either == a | b
    assert search(engine, SearchRequest(q='"这句话不在任何报告里"')).total == 0


def test_snippets_are_escaped_html_with_marks(engine):
    response = search(engine, SearchRequest(q='"教师交流"', size=50))
    for hit in response.hits:
        assert 1 <= len(hit.snippets) <= 3
        for snippet in hit.snippets:
            assert "<mark>" in snippet
            assert "<script" not in snippet


def test_pagination_and_total(engine):
    first = search(engine, SearchRequest(q="教育", size=2, page=1))
    second = search(engine, SearchRequest(q="教育", size=2, page=2))
    assert first.total == second.total >= 4
    assert first.pages == -(-first.total // 2)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_malformed_query_falls_back_to_plain_text_and_says_so(engine):
    response = search(engine, SearchRequest(q='"教师交流'))
    assert response.total >= 4
    assert response.notes and "普通文本" in response.notes[0]


def test_sort_by_year_puts_newest_first(engine):
    response = search(engine, SearchRequest(q="教育", sort="year", size=50))
    years = [h.year for h in response.hits if h.year is not None]
    assert years == sorted(years, reverse=True)
