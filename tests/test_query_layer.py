"""The query layer over a backend that is not the local one (tests/memory_backend.py):
what it checks, plans, presents and caches, whatever engine answers."""

from __future__ import annotations

import pytest

from memory_backend import MemoryBackend, record
from searchapp.backend.base import Backend
from searchapp.config import settings_from_dict
from searchapp.model import QueryError, SearchRequest
from searchapp.query.service import SearchService, search

DOCS = [
    (record("a", "荔湾区教师交流工作汇报", "广东省", "广州市", "荔湾区", 2008, ("教师队伍",), "汇报", "site-a"),
     "荔湾区教师交流工作汇报\n我区推进教师交流轮岗，教师交流人数逐年增加。"),
    (record("b", "越秀区督导自查报告", "广东省", "广州市", "越秀区", 2010, ("督导与考核",), "自查报告", "site-a"),
     "越秀区督导自查报告\n督导工作中，教师培训与交流并重。"),
    (record("c", "南长区均衡发展汇报", "江苏省", "无锡市", "南长区", 2010, ("均衡发展", "教师队伍"), "汇报", "site-b"),
     "南長區均衡發展匯報\n推進教師交流機制。"),
    (record("d", "没有地区的讲话", year=None, doctype="讲话", origin="site-b"),
     "讲话稿\n关于校园安全的几点意见。"),
]


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend(DOCS)


@pytest.fixture
def service(backend) -> SearchService:
    return SearchService(backend, settings_from_dict({"search": {"page_size": 2}}))


def test_memory_backend_satisfies_the_backend_protocol(backend):
    assert isinstance(backend, Backend)


def test_a_phrase_in_either_script_finds_the_same_reports(service):
    simplified = {h.id for h in search(service, SearchRequest(q='"教师交流"', size=10)).hits}
    traditional = {h.id for h in search(service, SearchRequest(q='"教師交流"', size=10)).hits}
    assert simplified == traditional == {"a", "c"}


def test_unquoted_text_requires_each_word_not_the_phrase(service):
    # 教师 and 交流 both occur in b, apart: an unquoted query finds it, the quoted one does not.
    assert {h.id for h in search(service, SearchRequest(q="教师交流", size=10)).hits} == {"a", "b", "c"}


def test_filters_from_the_request_and_from_the_query_text_combine(service):
    by_param = search(service, SearchRequest(q="教师", filters={"region": ["广州市"], "year": ["2008"]}, size=10))
    by_text = search(service, SearchRequest(q="教师 region:广州市 year:2008", size=10))
    assert [h.id for h in by_param.hits] == [h.id for h in by_text.hits] == ["a"]
    assert by_text.filters == {"region": ["广州市"], "year": ["2008"]}


def test_year_ranges_open_at_either_end(service):
    assert {h.id for h in search(service, SearchRequest(filters={"year": ["2009-"]}, size=10)).hits} == {"b", "c"}
    assert {h.id for h in search(service, SearchRequest(filters={"year": ["-2009"]}, size=10)).hits} == {"a"}


def test_a_bad_year_parameter_is_refused_but_a_typo_in_the_query_is_a_note(service):
    with pytest.raises(QueryError):
        search(service, SearchRequest(filters={"year": ["20x8"]}))
    response = search(service, SearchRequest(q="教师 year:20x8"))
    assert response.total == 3 and any("20x8" in n for n in response.notes)


def test_unknown_filter_names_are_refused(service):
    with pytest.raises(QueryError, match="unknown filter"):
        search(service, SearchRequest(filters={"colour": ["red"]}))


def test_facets_are_presented_as_a_region_tree_and_value_lists(service):
    facets = search(service, SearchRequest(q="教师")).facets
    guangdong = facets["region"][0]
    assert (guangdong["value"], guangdong["count"]) == ("广东省", 2)
    assert [c["path"] for c in guangdong["children"]] == ["广东省/广州市"]
    assert {d["value"] for d in guangdong["children"][0]["children"]} == {"荔湾区", "越秀区"}
    assert facets["year"] == [{"value": 2010, "count": 2}, {"value": 2008, "count": 1}]  # newest first
    assert facets["theme"][0] == {"value": "教师队伍", "count": 2}
    assert {v["value"] for v in facets["origin"]} == {"site-a", "site-b"}


def test_a_facet_counts_with_the_other_filters_only(service):
    facets = search(service, SearchRequest(q="教师", filters={"origin": ["site-a"]})).facets
    assert {v["value"]: v["count"] for v in facets["origin"]} == {"site-a": 2, "site-b": 1}
    assert facets["year"] == [{"value": 2010, "count": 1}, {"value": 2008, "count": 1}]


def test_pages_cut_the_ranked_list(service):
    first = search(service, SearchRequest(q="教师"))
    second = search(service, SearchRequest(q="教师", page=2))
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (3, 2, 2, 1)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


@pytest.mark.parametrize("request_, message", [
    (SearchRequest(page=0), "page"), (SearchRequest(size=0), "size"), (SearchRequest(size=101), "size"),
    (SearchRequest(sort="date"), "sort")])
def test_bad_paging_and_sort_are_refused(service, request_, message):
    with pytest.raises(QueryError, match=message):
        search(service, request_)


def test_snippets_mark_the_original_script(service):
    hit = next(h for h in search(service, SearchRequest(q='"教师交流"', size=10)).hits if h.id == "c")
    assert "<mark>教師交流</mark>" in hit.snippets[0]
    assert hit.origin == "site-b" and hit.region["district"] == "南长区"


def test_the_document_page_highlights_every_match(service):
    doc = service.document("a", "教师交流")
    assert doc["matches"] == 3 and doc["html"].count("<mark") == 3 and doc["origin"] == "site-a"  # title line too
    assert service.document("missing") is None


def test_repeated_requests_are_answered_from_the_cache_until_the_generation_changes(service, backend):
    first = search(service, SearchRequest(q="教师"))
    assert search(service, SearchRequest(q="教师")).cached and backend.executed == 1
    assert not search(service, SearchRequest(q="教师", filters={"origin": ["site-b"]})).cached  # whole request is the key
    backend.load(DOCS[:1])
    after = search(service, SearchRequest(q="教师"))
    assert not after.cached and after.total == 1 and first.total == 3


def test_the_cache_is_bounded(backend):
    service = SearchService(backend, settings_from_dict({"search": {"cache_size": 3}}))
    for q in ("教师", "交流", "督导", "均衡", "讲话"):
        search(service, SearchRequest(q=q))
    assert len(service.cache) == 3


def test_stats_count_every_facet_over_all_documents(service):
    stats = service.stats()
    assert stats["documents"] == 4
    assert {v["value"]: v["count"] for v in stats["facets"]["district"]} == {"荔湾区": 1, "越秀区": 1, "南长区": 1}
    assert {v["value"]: v["count"] for v in stats["facets"]["type"]} == {"汇报": 2, "自查报告": 1, "讲话": 1}


def test_a_reversed_year_range_is_searched_the_right_way_round_with_a_note(service):
    response = search(service, SearchRequest(filters={"year": ["2010-2007"]}, size=10))
    assert {h.id for h in response.hits} == {"a", "b", "c"}
    assert any("起止颠倒" in n and "2007-2010" in n for n in response.notes)


def test_an_unknown_filter_value_gets_the_closest_names(service):
    response = search(service, SearchRequest(q="教师", filters={"region": ["荔湾县"]}))
    assert response.total == 0
    assert any("荔湾县" in n and "荔湾区" in n for n in response.notes)
    known = search(service, SearchRequest(q="不存在的词", filters={"region": ["荔湾"]}))
    assert known.total == 0 and not known.notes  # a real place with no match: nothing to suggest
