"""Small things an HTTP client sees: the API description does not echo the Host
header, 405s say what is allowed, waitress's own errors carry the security headers,
long URLs get 414, a token in a page URL is swapped for a cookie and removed from the
URL, and that cookie is Secure behind a trusted TLS proxy only."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import quote

import pytest

from searchapp.config import settings_from_dict
from searchapp.web.app import create_app
from support import serving, write_config

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings, _ = seeds_index
    return create_app(settings, engine=engine).test_client()


@pytest.fixture(scope="module")
def token_client(seeds_index, engine):
    settings, _ = seeds_index
    guarded = settings_from_dict({"index_dir": str(settings.index_path), "server": {"access_token": TOKEN}})
    return create_app(guarded, engine=engine).test_client()


def test_the_api_description_does_not_reflect_the_host_header(client) -> None:
    response = client.get("/api/openapi.json", headers={"Host": "evil.example"})
    assert response.get_json()["servers"] == [{"url": "/"}]
    assert b"evil.example" not in response.data


def test_the_api_description_states_the_limits_it_enforces(client, seeds_index) -> None:
    settings, _ = seeds_index
    spec = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params["size"]["maximum"] == settings.search.max_page_size
    assert "pattern" in params["year"]["items"]
    assert client.get(f"/api/search?size={settings.search.max_page_size + 1}").status_code == 400
    for empty in ("sort=", "size=", "page="):
        body = client.get(f"/api/search?q=教育&{empty}").get_json()
        assert body["status"] == 400 and empty[:-1] in body["error"]
    assert client.get("/api/suggest?q=教育&limit=").get_json()["status"] == 400


@pytest.mark.parametrize("method, path", [("POST", "/api/search"), ("DELETE", "/api/facets"), ("PUT", "/"),
                                          ("TRACE", "/healthz")])
def test_405_answers_say_which_methods_are_allowed(client, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and method not in allowed


def test_a_token_in_a_page_url_becomes_a_cookie_and_leaves_the_url(token_client) -> None:
    listing = token_client.get(f"/api/search?q=教育&token={TOKEN}")
    assert listing.status_code == 200, "the API answers scripts directly, without a redirect"
    doc_id = listing.get_json()["hits"][0]["id"]
    for page in (f"/doc/{doc_id}?q=教育&token={TOKEN}", f"/embed?token={TOKEN}&q=教育", f"/?token={TOKEN}"):
        response = token_client.get(page)
        assert response.status_code == 302, page
        location = response.headers["Location"]
        assert TOKEN not in location and "token" not in location and location.startswith("/")
        assert "HttpOnly" in response.headers["Set-Cookie"] and TOKEN in response.headers["Set-Cookie"]
        assert token_client.get(location).status_code == 200  # the test client keeps the cookie
    assert token_client.get(f"/doc/{doc_id}?q=%E6%95%99%E8%82%B2&token={TOKEN}").headers["Location"] == \
        f"/doc/{doc_id}?q={quote('教育')}"


def test_the_token_redirect_never_leaves_the_site(token_client) -> None:
    response = token_client.get(f"//evil.example/x?token={TOKEN}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/") and not response.headers["Location"].startswith("//")


# -- the real server ---------------------------------------------------------------------------

def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        try:
            while data := s.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def headers_of(raw: bytes) -> dict[str, str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in head)}


@pytest.fixture(scope="module")
def server(seeds_index, tmp_path_factory):
    settings, _ = seeds_index
    work = tmp_path_factory.mktemp("http")
    with serving(write_config(work, settings.index_path), work) as running:
        yield running


def port_of(server) -> int:
    return int(server.url.rstrip("/").rsplit(":", 1)[1])


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", b"431"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n", b"400"),
])
def test_errors_made_by_waitress_carry_the_security_headers(server, request_bytes: bytes, status: bytes) -> None:
    raw = raw_request(port_of(server), request_bytes)
    assert raw.split(b" ", 2)[1] == status, raw[:200]
    headers = headers_of(raw)
    for name in SECURITY_HEADERS:
        assert name in headers, (name, headers)


def test_a_45_kb_url_gets_414_even_with_raw_utf8(server) -> None:
    for target in ("/?q=" + "a" * 45_000, "/api/search?q=" + "教" * 15_000):  # the second is 45 KB of raw UTF-8
        raw = raw_request(port_of(server), f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                          .encode("utf-8"))
        assert raw.split(b" ", 2)[1] == b"414", raw[:200]


def test_raw_utf8_in_a_short_url_is_searched_as_if_encoded(server) -> None:
    raw = raw_request(port_of(server), "GET /api/search?q=教育 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                      .encode("utf-8"))
    assert raw.split(b" ", 2)[1] == b"200", raw[:300]
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["query"] == "教育"


@pytest.mark.parametrize("trusted_proxy, secure", [(None, False), ("127.0.0.1", True)])
def test_the_token_cookie_is_secure_only_behind_a_trusted_tls_proxy(seeds_index, tmp_path: Path,
                                                                     trusted_proxy, secure: bool) -> None:
    settings, _ = seeds_index
    options = {"access_token": TOKEN, **({"trusted_proxy": trusted_proxy} if trusted_proxy else {})}
    with serving(write_config(tmp_path, settings.index_path, **options), tmp_path) as running:
        raw = raw_request(port_of(running), f"GET /api/facets?token={TOKEN} HTTP/1.1\r\nHost: x\r\n"
                          "X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n".encode())
    assert raw.split(b" ", 2)[1] == b"200", raw[:300]
    cookie = headers_of(raw)["Set-Cookie"]
    assert ("; Secure" in cookie) is secure, cookie
