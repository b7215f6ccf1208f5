"""The JSON API through Flask's test client, on the real seeds index.

Pins the contract integrators rely on: ``/api/search`` is exactly the query
layer's ``to_dict()`` (the ``searchapp search --json`` object) with raw UTF-8
Chinese, one error shape for every 4xx, CORS only for the allow-list, and the
security headers and access checks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from searchapp.model import SearchRequest
from searchapp.query.service import get_document, search
from searchapp.web import create_app

from searchapp.web.viewmodel import add_headings, tidy_snippet

from conftest import file_prefix, ids_by_prefix

ALLOWED = "http://portal.example.test:8000"
OTHER = "http://evil.example.test"
ERROR_KEYS = {"ok", "error", "code", "message", "status"}


def _with_server(settings, **server):
    return dataclasses.replace(settings, server=dataclasses.replace(settings.server, **server))


@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings, _ = seeds_index
    app = create_app(_with_server(settings, cors_origins=[ALLOWED]), engine=engine)
    return app.test_client()




def _assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status and body["error"]
    return body


# -- /api/search ------------------------------------------------------------------

def test_search_quoted_phrase_finds_the_four_reports(client):
    response = client.get('/api/search?q="教师交流"')
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {file_prefix(h["path"]) for h in body["hits"]} == {"000", "001", "002", "004"}
    assert body["total"] == len(body["hits"])
    # ensure_ascii is off: the Chinese goes out as raw UTF-8, as the CLI prints it.
    assert "教师交流".encode() in response.data
    assert b"\\u6559" not in response.data


def test_search_is_exactly_the_query_layer_dict(client, engine):
    """The query layer's dict, plus each hit's distinguishing ``heading`` and tidied snippets."""
    body = client.get('/api/search?q="教师交流"&size=3&sort=year').get_json()
    expected = search(engine, SearchRequest(q='"教师交流"', size=3, sort="year")).to_dict()
    for hit in expected["hits"]:
        hit["snippets"] = [tidy_snippet(s) for s in hit["snippets"]]
    add_headings(expected["hits"])
    for per_call in ("took_ms", "cached"):  # properties of the call, not of the answer
        body.pop(per_call), expected.pop(per_call)
    assert body == expected
    assert list(body) == list(expected)  # same field order as the CLI's JSON


def test_traditional_report_is_highlighted_in_traditional(client):
    body = client.get('/api/search?q="教师交流"').get_json()
    traditional = [h for h in body["hits"] if file_prefix(h["path"]) == "001"]
    assert traditional, "the Traditional-script report must be found"
    assert any("<mark>教師交流</mark>" in s for s in traditional[0]["snippets"])


def test_search_has_facets(client):
    facets = client.get("/api/search?q=教师交流").get_json()["facets"]
    assert set(facets) == {"region", "year", "theme", "type", "origin"}
    assert facets["region"] and {"value", "path", "count", "children"} <= set(facets["region"][0])
    assert all({"value", "count"} <= set(y) for y in facets["year"])


def test_filters_repeat(client):
    one = client.get("/api/search?q=教师交流&region=荔湾区").get_json()
    both = client.get("/api/search?q=教师交流&region=荔湾区&region=南长区").get_json()
    assert both["filters"]["region"] == ["荔湾区", "南长区"]
    assert one["total"] >= 1 and both["total"] > one["total"]
    districts = {h["region"]["district"] for h in both["hits"]}
    assert districts == {"荔湾区", "南长区"}
    known = sorted(y["value"] for y in client.get("/api/facets").get_json()["facets"]["year"])
    assert len(known) >= 3
    single, lo, hi = known[0], known[-2], known[-1]
    years = client.get(f"/api/search?year={single}&year={lo}-{hi}").get_json()
    assert years["filters"]["year"] == [str(single), f"{lo}-{hi}"]
    assert {h["year"] for h in years["hits"]} == {single, lo, hi}
    typed = client.get("/api/search?type=汇报&type=讲话").get_json()
    assert typed["hits"] and {h["type"] for h in typed["hits"]} <= {"汇报", "讲话"}
    themed = client.get("/api/search?theme=教师队伍").get_json()
    assert themed["hits"] and all("教师队伍" in h["themes"] for h in themed["hits"])


def test_pages_and_sizes(client):
    first = client.get("/api/search?q=教师交流&size=2").get_json()
    second = client.get("/api/search?q=教师交流&size=2&page=2").get_json()
    assert first["size"] == 2 and len(first["hits"]) == 2 and first["pages"] >= 2
    assert second["page"] == 2
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


@pytest.mark.parametrize("query", [
    "page=0", "page=abc", "page=-3", "size=0", "size=101", "size=x1", "sort=title", "sort=", "year=abcd",
    "year=20O8", "q=教师&year=2008-20x",
])
def test_bad_parameters_are_400_with_the_error_shape(client, query):
    # An empty sort is not one of the documented values either (the pages take it as the default).
    _assert_error(client.get("/api/search?" + query), 400)


def test_malformed_query_is_not_an_error(client):
    body = client.get('/api/search?q="教师交流').get_json()
    assert body["total"] >= 1
    assert body["notes"], "the fallback must be explained in notes"


# -- /api/doc, /api/facets, /api/suggest, /healthz, openapi -------------------------

def test_doc_is_the_get_document_dict(client, engine):
    doc_id = ids_by_prefix(engine)["001"][0]
    body = client.get(f"/api/doc/{doc_id}?q=教师交流").get_json()
    assert body == get_document(engine, doc_id, "教师交流")
    assert re.search(r'<mark id="m\d+">教師交流</mark>', body["html"])
    assert '<mark id="m1">' in body["html"]
    assert body["matches"] >= 2


def test_unknown_doc_is_404_with_the_error_shape(client):
    _assert_error(client.get("/api/doc/ffffffffffffffff"), 404)


def test_facets_of_the_whole_index(client, engine):
    body = client.get("/api/facets").get_json()
    assert body["facets"] == search(engine, SearchRequest(q="", size=1, snippets=0)).to_dict()["facets"]
    assert body["stats"]["documents"] == len(engine.backend.snapshot().docs)
    assert body["stats"]["files"] == 5


def test_suggest_titles_and_terms(client):
    body = client.get("/api/suggest?q=履行").get_json()
    assert body["q"] == "履行"
    titles = [s for s in body["suggestions"] if s["kind"] == "title"]
    assert titles and all(s["id"] for s in titles)
    assert any("履行" in s["text"] for s in titles)
    # Traditional input finds Simplified titles and vice versa.
    trad = client.get("/api/suggest?q=職責").get_json()["suggestions"]
    assert any("职责" in s["text"] or "職責" in s["text"] for s in trad if s["kind"] == "title")
    terms = [s for s in client.get("/api/suggest?q=教师").get_json()["suggestions"] if s["kind"] == "term"]
    assert terms and all(s["text"].startswith("教师") and s["text"] != "教师" for s in terms)


def test_suggest_respects_filters_limit_and_empty_input(client):
    body = client.get("/api/suggest?q=教育&region=南长区&limit=3").get_json()
    titles = [s for s in body["suggestions"] if s["kind"] == "title"]
    assert 1 <= len(titles) <= 3
    assert client.get("/api/suggest?q=").get_json() == {"q": "", "suggestions": []}
    _assert_error(client.get("/api/suggest?q=教师&limit=many"), 400)


def test_healthz(client, engine):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "documents": len(engine.backend.snapshot().docs)}


def test_openapi_describes_every_route(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/search", "/api/doc/{id}", "/api/facets", "/api/suggest", "/api/openapi.json", "/healthz",
                 "/search.json", "/doc/{id}.json", "/export.csv", "/export.xlsx", "/feed.atom", "/embed.js/origin"):
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "region", "year", "theme", "type", "origin", "sort", "page", "size", "explain", "synonyms"}
    assert set(spec["components"]["schemas"]["Error"]["required"]) == ERROR_KEYS


def test_unknown_api_route_and_method_use_the_error_shape(client):
    _assert_error(client.get("/api/nothing"), 404)
    _assert_error(client.post("/api/search?q=x"), 405)


# -- CORS and headers ---------------------------------------------------------------

def test_cors_allowed_origin(client):
    response = client.get("/api/search?q=教师", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers.get("Vary", "")
    # The allow-list compares origins without case or a trailing slash.
    loose = client.get("/api/suggest?q=教师", headers={"Origin": ALLOWED.upper().replace("HTTP", "http")})
    assert loose.headers.get("Access-Control-Allow-Origin")


def test_cors_other_origin_gets_no_allow_header(client):
    response = client.get("/api/search?q=教师", headers={"Origin": OTHER})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    # Pages are never CORS-enabled, even for allowed origins.
    page = client.get("/?q=教师", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_preflight(client):
    ok = client.options("/api/search", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET",
                                                 "Access-Control-Request-Headers": "x-searchapp-token"})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "GET" in ok.headers["Access-Control-Allow-Methods"]
    assert "X-Searchapp-Token" in ok.headers["Access-Control-Allow-Headers"]
    refused = client.options("/api/search", headers={"Origin": OTHER, "Access-Control-Request-Method": "GET"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_default_allows_no_origin(seeds_index, engine):
    settings, _ = seeds_index
    client = create_app(settings, engine=engine).test_client()
    response = client.get("/api/search?q=教师", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "frame-ancestors 'self';" in response.headers["Content-Security-Policy"] + ";"


@pytest.mark.parametrize("url", ["/api/search?q=教师", "/api/nothing", "/healthz", "/", "/static/app.css", "/embed.js"])
def test_security_headers_everywhere(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert f"frame-ancestors 'self' {ALLOWED.lower()}" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


# -- access control -------------------------------------------------------------------

def test_access_token(seeds_index, engine):
    settings, _ = seeds_index
    client = create_app(_with_server(settings, access_token="s3cret", cors_origins=[ALLOWED]),
                        engine=engine).test_client()
    _assert_error(client.get("/api/search?q=教师"), 401)
    _assert_error(client.get("/api/search?q=教师", headers={"X-Searchapp-Token": "wrong"}), 401)
    assert client.get("/").status_code == 401
    assert client.get("/api/search?q=教师", headers={"X-Searchapp-Token": "s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/embed.js").status_code == 200
    # A CORS preflight carries no credentials and must still be answered.
    assert client.options("/api/search", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
                          ).status_code == 204
    # ?token= sets a cookie, so the next requests (and the redirect target) need nothing else.
    first = client.get("/api/facets?token=s3cret")
    assert first.status_code == 200
    assert "searchapp_token=" in first.headers.get("Set-Cookie", "")
    assert "HttpOnly" in first.headers["Set-Cookie"]
    assert client.get("/api/search?q=教师").status_code == 200
    page = client.get("/?q=教师&token=s3cret")
    assert page.status_code == 302 and "token" not in page.headers["Location"]


def test_trusted_user_header(seeds_index, engine):
    settings, _ = seeds_index
    client = create_app(_with_server(settings, trusted_user_header="X-Remote-User"), engine=engine).test_client()
    _assert_error(client.get("/api/search?q=教师"), 403)
    assert client.get("/?q=教师").status_code == 403
    assert client.get("/api/search?q=教师", headers={"X-Remote-User": "zhang.san"}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_json_is_utf8_everywhere(client, engine):
    doc_id = ids_by_prefix(engine)["000"][0]
    for url in ("/api/facets", "/api/suggest?q=教育", f"/api/doc/{doc_id}", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"\\u" not in response.data.replace(b"\\\\u", b""), url
        json.loads(response.data.decode("utf-8"))
