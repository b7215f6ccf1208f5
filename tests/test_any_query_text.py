"""No query text can break the search or make it answer with a 500.

Property-based (hypothesis) over arbitrary Unicode and over the query language's
own pieces put together wrongly: unbalanced quotes and brackets, operators alone,
field names that do not exist, control characters, 10,000-character queries.
The query layer must answer every one of them (``QueryError`` is only for bad
*parameters*), quickly; the web app must answer 200 or a documented 4xx with the
error shape. Finally a few hundred random requests go to a real ``searchapp
serve`` over HTTP, raw bytes and broken percent-escapes included.
"""

from __future__ import annotations

import json
import random
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchapp.model import QueryError, SearchRequest
from searchapp.query.service import get_document, search
from searchapp.web import create_app
from searchapp.web.suggest import suggest
from support import env_int, raw_get, serving, write_config

EXAMPLES = env_int("SEARCHAPP_FUZZ_EXAMPLES", 300)
#: Documented statuses of the API (docs/api.md): anything else is a failure.
DOCUMENTED = {200, 400, 404, 413, 414}

WORDS = ["教师", "交流", "教师交流", "均衡", "发展", "督导", "民办", "荔湾区", "教育", "履行", "職責", "的", "a", "OR",
         "2008", "x", "學校"]
PIECES = ['"', "“", "”", "「", "」", "『", "』", "(", ")", "（", "）", "-", "+", "|", "或", "OR", "AND", "NOT", "*",
          "?", "~", "^", ":", "：", "region:", "year:", "theme:", "type:", "地区:", "年份:", "foo:", "title:", "content:",
          "year:20x8", "year:2007-", "year:-", "year:9999-0000", "region:/", "\\", "'", "`", "<", ">", "&", "%", "%00",
          "\x00", "\t", "\n", "\r", "\x1b[31m", "\x7f", "\u200b", "\u2028", "\ufeff", "\u202e", "\ufffd", "🙂",
          "\U00020000", "ｱ", "Ａ", "\u3000", " ", "  "]



query_language = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PIECES), st.text(max_size=4)),
                          max_size=30).map("".join)
any_text = st.text(max_size=200)
long_text = st.builds(lambda piece, n: (piece * n)[:10000], st.sampled_from(WORDS + PIECES), st.integers(100, 10000))
queries = st.one_of(query_language, any_text, long_text)


def check_response(engine, q: str, **params) -> None:
    # Speed on hostile queries is measured in benchmarks/, not asserted here (shared, noisy machines).
    r = search(engine, SearchRequest(q=q, **params))
    assert r.total >= 0 and len(r.hits) <= r.size
    assert r.page >= 1 and r.pages >= 1
    assert len({h.id for h in r.hits}) == len(r.hits)
    for hit in r.hits:
        for snippet in hit.snippets:
            # Snippets are escaped text with <mark> only: no other tag can come from the query.
            assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_query_layer_answers_any_text(engine, q):
    check_response(engine, q)
    check_response(engine, q, sort="year", page=2, size=3)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(q=queries)
def test_document_and_suggestions_take_any_text(engine, q):
    doc_id = next(iter(engine.backend.snapshot().docs.values())).id
    doc = get_document(engine, doc_id, q)
    assert doc is not None and doc["matches"] >= 0
    assert "<script" not in doc["html"].replace("&lt;script", "")
    out = suggest(engine, q)
    assert all(s["kind"] in ("title", "term") for s in out["suggestions"])


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(q=queries, page=st.integers(-5, 10**12), size=st.integers(-5, 10**6), sort=st.text(max_size=12))
def test_query_layer_refuses_only_bad_parameters(engine, q, page, size, sort):
    request = SearchRequest(q=q, page=page, size=size, sort=sort)
    bad = page < 1 or not 1 <= size <= engine.settings.search.max_page_size or sort not in ("relevance", "year")
    try:
        search(engine, request)
    except QueryError:
        assert bad, "QueryError for valid parameters"
    else:
        assert not bad, "bad parameters were accepted"


@pytest.mark.parametrize("q", ["教师交流」", "』", "「教师」交流」"])
def test_stray_closing_corner_bracket(engine, q):
    response = search(engine, SearchRequest(q=q))
    assert response.notes  # searched as text, with a note, like an unbalanced quote


@pytest.mark.parametrize("q", ["(" * 300, "（" * 300 + "教师"])
def test_deeply_nested_brackets(engine, q):
    response = search(engine, SearchRequest(q=q))
    assert response.notes


def test_lone_surrogates_from_a_mis_encoded_terminal(engine):
    """A GBK terminal under a UTF-8 locale hands Python undecodable bytes as lone
    surrogates (``sys.argv``); they must not crash a search."""
    for q in ("\udcb1\udca8\udcb8\udce6", "教师\udcff交流", '"\udc80"', "region:\udcff"):
        assert search(engine, SearchRequest(q=q)).total >= 0


# -- the web app (Flask test client) ----------------------------------------------------------------

@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings_, _ = seeds_index
    return create_app(settings_, engine=engine).test_client()


def assert_answer(response, url: str) -> None:
    if response.status_code == 302:  # pages redirect to their canonical URL (same site only)
        assert not url.startswith("/api/") and response.headers["Location"].startswith("/"), url
        return
    assert response.status_code in DOCUMENTED, (url[:200], response.status_code, response.data[:300])
    if response.status_code != 200 and response.mimetype == "application/json":
        body = response.get_json()
        assert set(body) == {"ok", "error", "code", "message", "status"} and body["status"] == response.status_code
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_api_and_pages_answer_any_query(client, q):
    for path in ("/api/search", "/", "/api/suggest", "/embed"):
        url = f"{path}?q={quote(q)}"
        response = client.get(url)
        assert_answer(response, url)
        if response.status_code == 302:
            assert_answer(client.get(response.headers["Location"]), response.headers["Location"])
        if path == "/api/search" and response.status_code == 200:
            assert response.get_json()["total"] >= 0


param_values = st.one_of(st.text(max_size=30), st.integers(-10**20, 10**20).map(str),
                         st.sampled_from(["", " ", "1", "0", "-1", "1e3", "0x10", "１", "1_000", "NaN", "∞", "2008-",
                                          "2007-2010", "-2010", "relevance", "year", "null", "[]", "{}", "%00"]))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(st.sampled_from(["q", "page", "size", "sort", "region", "year", "theme", "type",
                                                   "limit", "year_from", "year_to", "open", "placeholder", "token",
                                                   "unknown", "q[]", ""]), param_values), max_size=12))
def test_api_and_pages_answer_any_parameters(client, params):
    qs = "&".join(f"{quote(k)}={quote(v)}" for k, v in params)
    for path in ("/api/search", "/", "/api/suggest", "/embed", "/api/facets"):
        url = f"{path}?{qs}"
        response = client.get(url)
        assert_answer(response, url)
        if response.status_code == 302:
            assert_answer(client.get(response.headers["Location"]), response.headers["Location"])


# -- a real server ------------------------------------------------------------------------------------

def random_targets(rng: random.Random, n: int) -> list[str]:
    """Request targets as an attacker's script would send them: random query text,
    broken percent-escapes, raw non-UTF-8 bytes, parameters repeated or huge."""
    out = []
    for _ in range(n):
        kind = rng.randrange(6)
        words = "".join(rng.choice(WORDS + PIECES) for _ in range(rng.randrange(1, 12)))
        if kind == 0:
            out.append("/api/search?q=" + quote(words))
        elif kind == 1:
            out.append("/api/search?q=" + "".join(f"%{rng.randrange(256):02X}" for _ in range(rng.randrange(1, 40))))
        elif kind == 2:
            out.append("/api/search?q=%" + quote(words)[:5] + "%G%%zz")
        elif kind == 3:
            out.append("/?q=" + quote(words) + "&page=" + str(rng.choice([0, -1, 10**9, 10**30])))
        elif kind == 4:
            out.append("/api/suggest?q=" + quote(words) + "&limit=" + str(rng.choice([-1, 0, 10**6, 5])))
        else:
            regions = (f"region={quote(rng.choice(WORDS))}" for _ in range(rng.randrange(60)))
            out.append("/api/search?" + "&".join(regions))
    return out


@pytest.mark.slow
def test_real_server_answers_hostile_requests(seeds_index, tmp_path):
    settings_, _ = seeds_index
    config = write_config(tmp_path, settings_.index_path)
    rng = random.Random(env_int("SEARCHAPP_RANDOM_SEED", 0) or int(time.time()))
    targets = random_targets(rng, env_int("SEARCHAPP_SERVER_FUZZ", 300))
    statuses: dict[int, int] = {}
    with serving(config, tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        for target in targets:
            status, raw = raw_get(port, target)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 302 and not target.startswith("/api/"):
                location = raw.split(b"\r\nLocation: ", 1)[1].split(b"\r\n", 1)[0].decode("latin-1")
                assert location.startswith("/")  # the canonical URL, on this site
                status, raw = raw_get(port, location)
            assert status in DOCUMENTED, (target, raw[:500])
            head, _, body = raw.partition(b"\r\n\r\n")
            if target.startswith("/api/") and status != 200:
                assert set(json.loads(body)) == {"ok", "error", "code", "message", "status"}
        assert server.proc.poll() is None
    print(f"\nreal server: {len(targets)} hostile requests, statuses {dict(sorted(statuses.items()))}")
