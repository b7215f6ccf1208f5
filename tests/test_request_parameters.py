"""API parameters at and beyond their limits: a 4xx with the error shape, or a sensible
200 (a page past the end is an empty page), never a 500. Also the request-size
limits, through the Flask test client and through a real waitress server.
"""

from __future__ import annotations

import dataclasses
import socket
from urllib.parse import quote

import pytest

from searchapp.web import create_app
from searchapp.web.limits import MAX_FILTER_VALUES, MAX_PARAMETERS, MAX_QUERY_STRING_BYTES
from support import raw_get, serving, write_config

ERROR_KEYS = {"ok", "error", "code", "message", "status"}


@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings, _ = seeds_index
    return create_app(settings, engine=engine).test_client()


def error(response, status: int, needle: str = "") -> dict:
    assert response.status_code == status, (response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status
    assert needle in body["error"]
    return body


def ok(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


@pytest.mark.parametrize("page", ["0", "-1", "-999999999999"])
def test_page_below_one_is_400(client, page):
    error(client.get(f"/api/search?q=教师&page={page}"), 400, "page")


@pytest.mark.parametrize("page", ["abc", "1.5", "1e3", "0x10", "二", "", "[]", "1;2"])
def test_page_that_is_not_a_whole_number(client, page):
    error(client.get(f"/api/search?q=教师&page={quote(page)}"), 400, "page")  # the API keeps to its spec
    if page == "":
        assert client.get("/?q=教师&page=", follow_redirects=True).status_code == 200  # a page's form field left empty: the default


@pytest.mark.parametrize("page", [10**9, 10**30])
def test_page_past_the_end_is_an_empty_page(client, page):
    first = ok(client.get("/api/search?q=教师"))
    far = ok(client.get(f"/api/search?q=教师&page={page}"))
    assert far["hits"] == [] and far["page"] == page
    assert far["total"] == first["total"] and far["pages"] == first["pages"]
    html = client.get(f"/?q=教师&page={page}")
    assert html.status_code == 200


def test_page_size_limits(client, seeds_index):
    settings, _ = seeds_index
    top = settings.search.max_page_size
    assert ok(client.get(f"/api/search?q=教师&size={top}"))["size"] == top
    for size in (top + 1, 10**9, 0, -5):
        error(client.get(f"/api/search?q=教师&size={size}"), 400, "size")
    error(client.get("/api/search?q=教师&size=ten"), 400, "size")


@pytest.mark.parametrize("sort", ["title", "RELEVANCE", "year;drop", "x" * 5000])
def test_unknown_sort_is_400(client, sort):
    error(client.get(f"/api/search?q=教师&sort={quote(sort)}"), 400, "sort")


def test_repeated_filters(client):
    once = ok(client.get("/api/search?q=教师&region=荔湾区"))
    twice = ok(client.get("/api/search?q=教师&region=荔湾区&region=荔湾区&region=%20荔湾区%20"))
    assert twice["filters"]["region"] == ["荔湾区"] and twice["total"] == once["total"]
    many = "&".join(f"theme={quote(f'主题{i}')}" for i in range(MAX_FILTER_VALUES))
    assert ok(client.get(f"/api/search?q=教师&{many}"))["total"] == 0
    too_many = many + "&theme=one-more"
    error(client.get(f"/api/search?q=教师&{too_many}"), 400, "too many values of theme")


@pytest.mark.parametrize("year", ["abcd", "20O8", "2008-20x", "99999", "-", "2008--2010", "２００８"])
def test_bad_year_filter_is_400(client, year):
    response = client.get(f"/api/search?q=教师&year={quote(year)}")
    if year == "２００８":  # full-width digits are digits
        assert response.status_code in (200, 400)
    else:
        error(response, 400, "year")


def test_year_range_reversed_or_open(client):
    reversed_range = ok(client.get("/api/search?year=2010-2007"))
    assert reversed_range["total"] == ok(client.get("/api/search?year=2007-2010"))["total"]
    assert ok(client.get("/api/search?year=-2010"))["total"] >= 1


def test_huge_values_within_the_limit(client):
    long_q = "教师交流" * 600  # 2400 characters, 7 KB encoded
    body = ok(client.get(f"/api/search?q={quote(long_q)}"))
    assert any("查询过长" in note for note in body["notes"])
    assert ok(client.get(f"/api/search?region={quote('区' * 2000)}"))["total"] == 0
    assert ok(client.get(f"/api/suggest?q={quote(long_q)}"))["q"] == long_q


def test_query_string_over_the_limit_is_414(client):
    q = "a" * (MAX_QUERY_STRING_BYTES + 1)
    error(client.get(f"/api/search?q={q}"), 414, "query string")
    page = client.get(f"/?q={q}")
    assert page.status_code == 414 and page.mimetype == "text/html"


def test_too_many_parameters_is_400(client):
    qs = "&".join(f"x{i}=1" for i in range(MAX_PARAMETERS + 1))
    error(client.get(f"/api/search?{qs}"), 400, "too many parameters")


def test_unknown_and_odd_parameters_are_ignored(client):
    plain = ok(client.get("/api/search?q=教师"))
    odd = ok(client.get("/api/search?q=教师&foo=bar&q[]=x&=empty&callback=alert"))
    assert odd["total"] == plain["total"]


def test_suggest_limit(client):
    suggestions = ok(client.get("/api/suggest?q=教育&limit=20"))["suggestions"]
    assert len([s for s in suggestions if s["kind"] == "title"]) <= 20
    for limit in ("-1", "0", "21", "1000000000", "many", ""):  # outside the documented 1–20
        error(client.get(f"/api/suggest?q=教育&limit={limit}"), 400, "limit")


@pytest.mark.parametrize("doc_id", ["x" * 5000, "..%2f..%2fetc%2fpasswd", "%00", "' OR 1=1 --", "ＡＢＣ"])
def test_unknown_document_ids(client, doc_id):
    error(client.get(f"/api/doc/{doc_id}"), 404)
    assert client.get(f"/doc/{doc_id}").status_code == 404


def test_request_body_is_refused(client):
    error(client.post("/api/search", data=b"x" * 100_000), 413)
    error(client.post("/api/search", data=b"x"), 405)
    assert client.put("/").status_code == 405


def test_head_and_options(client):
    assert client.head("/api/search?q=教师").status_code == 200
    assert client.options("/api/search").status_code in (200, 204)


# -- a real server: waitress's own limits ---------------------------------------------------------

def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse and close before reading everything
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_real_server_refuses_oversized_requests(seeds_index, tmp_path):
    settings, _ = seeds_index
    config = write_config(tmp_path, settings.index_path)
    with serving(config, tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        status, raw = raw_get(port, "/api/search?q=" + "a" * 40_000)
        assert status == 414 and b'"status":414' in raw
        huge_line = raw_request(port, b"GET /api/search?q=" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert huge_line.split(b" ", 2)[1].startswith(b"4"), huge_line[:200]
        body = raw_request(port, b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
                                 b"Connection: close\r\n\r\n" + b"x" * 100_000)
        assert body.split(b" ", 2)[1] == b"413", body[:200]
        headers = raw_request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Junk: " + b"j" * 100_000
                              + b"\r\nConnection: close\r\n\r\n")
        assert headers.split(b" ", 2)[1].startswith(b"4"), headers[:200]
        # It still serves.
        assert raw_get(port, "/api/search?q=%E6%95%99%E5%B8%88")[0] == 200
        assert server.proc.poll() is None


def test_facet_sizes_follow_the_setting(seeds_index, engine):
    settings, _ = seeds_index
    small = dataclasses.replace(settings, search=dataclasses.replace(settings.search, facet_limit=1))
    client = create_app(small, index_dir=small.index_path).test_client()  # the query layer reads the engine's settings

    def widest(nodes: list) -> int:
        return max([len(nodes), *(widest(n.get("children") or []) for n in nodes)]) if nodes else 0

    facets = ok(client.get("/api/search?q=教育"))["facets"]
    unlimited = ok(create_app(settings, engine=engine).test_client().get("/api/search?q=教育"))["facets"]
    assert max(len(unlimited["theme"]), len(unlimited["year"])) > 1  # the limit has something to cut
    assert all(len(facets[f]) <= 1 for f in ("year", "theme", "type")) and widest(facets["region"]) <= 1
