"""The parity suite: the same searches on the local backend and on a real Sphinx
cluster (2 shards × 2 mirrors) give the same hits, totals and facets.

Where the two must differ: relevance *order* (the cluster ranks with Sphinx's
BM25 + proximity over characters, the local backend with its own BM25F and
phrase tiers), so relevance-sorted results are compared as sets; year-sorted
results as their sequence of years (ties are ordered by docnum locally, by id on
the cluster).
"""

from __future__ import annotations

import random

import pytest

from cluster_fixtures import needs_searchd, parity_services, service  # noqa: F401  (fixtures)
from searchapp.model import FACETS, SearchRequest
from searchapp.normalize import normalize
from searchapp.query.service import SearchService

QUERIES = [
    "教育", '"教育改革"', "教育改革", "教师 -民办", "均衡 OR 督导", "(均衡 OR 督导) 教师", "-教育", '"教師隊伍"',
    "covid", '"abc def"', '"covid-19"', "课后服务 双减", '"高等教育，改革"', "督导 -\"薄弱学校\"", "荔湾",
]


def all_hits(service: SearchService, **kw) -> list:
    """Every hit of a search, page by page."""
    hits, page = [], 1
    while True:
        resp = service.search(SearchRequest(size=100, page=page, **kw))
        hits.extend(resp.hits)
        if page >= resp.pages or not resp.hits:
            return hits
        page += 1


def corpus_texts(service: SearchService) -> dict[str, str]:
    """Normalized text of every indexed document, as the backend itself returns it."""
    ids = [h.id for h in all_hits(service, collapse=False, facets=False)]
    return {i: service.backend.text(i)[1].text for i in ids}


def sample_phrases(texts: dict[str, str], n: int, seed: int = 14) -> list[str]:
    """Substrings of the documents (2–8 characters, punctuation included), seeded."""
    rng = random.Random(seed)
    out: list[str] = []
    pool = sorted(texts.values())
    while len(out) < n:
        text = rng.choice(pool)
        size = rng.randint(2, 8)
        start = rng.randrange(0, max(1, len(text) - size))
        piece = text[start:start + size]
        if "\n" in piece or '"' in piece or piece != piece.strip() or len(piece) < 2:
            continue
        out.append(piece)
    return out


def test_quoted_phrases_find_exactly_the_documents_that_contain_them(service):
    texts = corpus_texts(service)
    phrases = sample_phrases(texts, 60) + ["教育改革", "教师交流", "教师队伍建设", "covid-19", "abc def", "育改"]
    misses = false_hits = expected_total = 0
    for p in phrases:
        expected = {i for i, t in texts.items() if p in t}
        found = {h.id for h in all_hits(service, q=f'"{p}"', collapse=False, facets=False)}
        expected_total += len(expected)
        misses += len(expected - found)
        false_hits += len(found - expected)
    assert expected_total > len(phrases)  # the phrases do occur
    assert (misses, false_hits) == (0, 0)


def test_a_phrase_does_not_match_across_punctuation_or_line_breaks(service):
    texts = corpus_texts(service)
    # The fixtures hold "高等教育，改革" and "教育\n改革\n的成效": these phrases span the break.
    for across in ("等教育改", "教育改革的成效"):
        assert not any(across in t for t in texts.values())
        assert all_hits(service, q=f'"{across}"', collapse=False) == []
    assert len(all_hits(service, q='"等教育，改"', collapse=False)) == 2


def test_traditional_and_simplified_queries_find_the_same_documents(service):
    a = {h.id for h in all_hits(service, q='"教師隊伍建設"')}
    b = {h.id for h in all_hits(service, q='"教师队伍建设"')}
    assert a and a == b


def test_near_duplicates_fold_into_one_hit_that_names_its_copy(service):
    folded = all_hits(service, q='"西湖区2015年教育督导自评报告"')
    unfolded = all_hits(service, q='"西湖区2015年教育督导自评报告"', collapse=False)
    assert len(unfolded) == 2 and len(folded) == 1
    assert folded[0].duplicate_ids == [h.id for h in unfolded if h.id != folded[0].id]


def test_sort_by_year_puts_newest_first(service):
    years = [h.year or 0 for h in all_hits(service, q="教育", sort="year", collapse=False)]
    assert years == sorted(years, reverse=True) and len(set(years)) > 2


def _requests(local: SearchService) -> list[dict]:
    """The queries above, plain and with filters taken from the corpus's own facet values."""
    base = local.search(SearchRequest(size=1))
    reqs: list[dict] = [{"q": q} for q in QUERIES]
    for facet in FACETS:
        values = base.facets.get(facet.name) or []
        for item in values[:2]:
            value = item.get("path", item["value"])
            reqs.append({"q": "", "filters": {facet.name: [str(value)]}})
            reqs.append({"q": "教育", "filters": {facet.name: [str(value)], "year": ["2000-2020"]}})
    reqs.append({"q": "教育", "filters": {"year": ["2007", "2015-2021"]}})
    reqs.append({"q": "教育", "filters": {"region": ["荔湾"]}})
    return reqs


@needs_searchd
@pytest.mark.cluster
@pytest.mark.parametrize("collapse", [True, False])
def test_cluster_and_local_give_the_same_hits_totals_and_facets(parity_services, collapse):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    checked = 0
    for kw in _requests(local):
        a = local.search(SearchRequest(size=100, collapse=collapse, **kw))
        b = cluster.search(SearchRequest(size=100, collapse=collapse, **kw))
        label = f"{kw} collapse={collapse}"
        assert b.total == a.total, label
        assert {h.id for h in b.hits} == {h.id for h in a.hits}, label
        assert {h.id: sorted(h.duplicate_ids) for h in b.hits} == {h.id: sorted(h.duplicate_ids) for h in a.hits}
        assert b.facets == a.facets, label
        ya = [h.year for h in local.search(SearchRequest(size=100, sort="year", collapse=collapse, **kw)).hits]
        yb = [h.year for h in cluster.search(SearchRequest(size=100, sort="year", collapse=collapse, **kw)).hits]
        assert yb == ya, label
        checked += a.total
    assert checked > 50


@needs_searchd
@pytest.mark.cluster
def test_cluster_pages_through_the_same_results_as_local(parity_services):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    a = [h.id for h in all_hits(local, q="教育", sort="year")]
    b = [h.id for h in all_hits(cluster, q="教育", sort="year")]
    pages = [h.id for p in (1, 2, 3, 4) for h in cluster.search(SearchRequest(q="教育", sort="year", size=3,
                                                                              page=p)).hits]
    assert sorted(a) == sorted(b) and pages == b[:len(pages)] and len(set(pages)) == len(pages)


@needs_searchd
@pytest.mark.cluster
def test_snippets_and_document_pages_come_from_the_cluster_alone(parity_services):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    q = '"教师交流"'
    a = {h.id: h.snippets for h in local.search(SearchRequest(q=q, size=100)).hits}
    b = {h.id: h.snippets for h in cluster.search(SearchRequest(q=q, size=100)).hits}
    assert b == a and any(a.values())
    doc_id = next(iter(a))
    pa, pb = local.document(doc_id, q=q), cluster.document(doc_id, q=q)
    assert pb["text"] == pa["text"] and pb["html"] == pa["html"] and pb["matches"] == pa["matches"] > 0
    assert (pb["title"], pb["year"], pb["region"], pb["themes"]) == (pa["title"], pa["year"], pa["region"],
                                                                     pa["themes"])


@needs_searchd
@pytest.mark.cluster
def test_title_suggestions_match_local(parity_services):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    for needle in ("教育", "西湖", "报告", normalize("鼓樓").text):
        assert sorted(cluster.backend.titles_containing(needle, 50)) == sorted(
            local.backend.titles_containing(needle, 50)), needle


@needs_searchd
@pytest.mark.cluster
def test_stats_count_the_same_documents_and_facets_as_local(parity_services):
    a, b = parity_services["local"].stats(), parity_services["sphinx"].stats()
    assert (b["documents"], b["files"], b["facets"]) == (a["documents"], a["files"], a["facets"])
    assert b["size_bytes"] > b["text_bytes"] > 0 and b["index_dir"].startswith("sphinx://")


def random_queries(texts: dict[str, str], n: int, seed: int = 9) -> list[str]:
    """Queries of the whole language (phrases, chunks, -, OR, groups) built from the corpus's own words."""
    rng = random.Random(seed)
    pieces = [p for p in sample_phrases(texts, 80, seed) if not any(c in p for c in '()-|"：:')]

    def atom() -> str:
        p = rng.choice(pieces)
        return f'"{p}"' if rng.random() < 0.5 else p.replace(" ", "")

    def expr(depth: int = 0) -> str:
        kind = rng.random()
        if depth < 2 and kind < 0.25:
            return f"({expr(depth + 1)} OR {expr(depth + 1)})"
        if depth < 2 and kind < 0.45:
            return f"{expr(depth + 1)} -{atom()}"
        if depth < 2 and kind < 0.6:
            return f"{expr(depth + 1)} {expr(depth + 1)}"
        return atom()

    return [expr() for _ in range(n)] + [f"-{atom()}" for _ in range(3)] + [f"{atom()} OR -{atom()}"]


@needs_searchd
@pytest.mark.cluster
def test_random_queries_of_the_whole_language_agree(parity_services):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    texts = corpus_texts(local)
    nonempty = 0
    for q in random_queries(texts, 60):
        a = {h.id for h in all_hits(local, q=q, collapse=False, facets=False)}
        b = {h.id for h in all_hits(cluster, q=q, collapse=False, facets=False)}
        assert b == a, q
        nonempty += bool(a)
    assert nonempty > 20


@needs_searchd
@pytest.mark.cluster
def same_but_indexing_time(records: dict) -> dict:
    import dataclasses

    return {k: dataclasses.replace(r, indexed_at=None) for k, r in records.items()}


def test_documents_of_more_hits_than_one_in_list_holds_are_all_found(parity_services, monkeypatch):
    """Sphinx 2.2 refuses IN() sets over 4,096 values; lookups are cut into lists (here of 2)."""
    import searchapp.backend.sphinx as sphinx_backend

    monkeypatch.setattr(sphinx_backend, "IN_VALUES", 2)
    local, cluster = parity_services["local"], parity_services["sphinx"]
    ids = [h.id for h in all_hits(local, collapse=False)]
    assert len(ids) > 5
    # The same records, but for when each backend indexed them (two separate runs).
    assert (same_but_indexing_time(cluster.backend.documents(ids))
            == same_but_indexing_time(local.backend.documents(ids)))
    a = {h.id: h.duplicate_ids for h in all_hits(local, q="教育")}
    assert {h.id: h.duplicate_ids for h in all_hits(cluster, q="教育")} == a


@needs_searchd
@pytest.mark.cluster
def test_word_suggestions_match_local(parity_services):
    local, cluster = parity_services["local"], parity_services["sphinx"]
    asked = 0
    for prefix in ("教", "教育", "督", "均衡", "课后", "学"):
        expected = local.backend.terms_starting(prefix, 8)
        assert cluster.backend.terms_starting(prefix, 8) == expected, prefix
        asked += len(expected)
    assert asked > 10
