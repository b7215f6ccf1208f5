"""Security: hostile documents and hostile requests against a real server.

* A report whose title, text and file name carry ``<script>``, ``<img onerror>``,
  ``javascript:`` links and ``"><svg onload>`` is indexed; in real Chromium
  (Debian's, through the PyPI playwright package) no script of it runs on the
  search page, the document page, the iframe widget, the script widget on a
  portal of another origin, or its original file — checked with the CSP on and
  also with the CSP bypassed, so that escaping alone is shown to suffice.
* Paths: the document and original-file routes serve indexed documents only —
  ``../``, ``%2e%2e%2f``, double encoding, absolute paths and backslashes reach
  nothing; a file replaced by a symlink after indexing is not served.
* Every response carries the security headers, errors and static files included.
* The optional access control (shared token, trusted proxy header) on a real server.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from searchapp.query.service import open_service
from searchapp.indexing.run import index_paths
from searchapp.web import create_app
from support import get, hardening_settings, raw_get, serving, write_config

CANARY = "CANARY-7f3e9a-不应泄露的机密内容"
PAYLOADS = [
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<a href=\"javascript:window.__pwned='link'\">点此查看</a>",
    "\"><svg onload=\"window.__pwned='svg'\">",
    "'><iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "</textarea></title><script>window.__pwned='breakout'</script>",
    "{{ 7*7 }}{% raw %}",
]
HOSTILE_TEXT = (PAYLOADS[0] + "关于恶意标记测试的报告" + PAYLOADS[1] + "\n\n"
                + "为推进恶意标记测试，" + "".join(PAYLOADS) + "特此报告。恶意标记测试结束。\n"
                + "区教育局 2015年6月\n")
HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>报告.txt"
HOSTILE_HTML = ("<html><head><title>恶意网页</title><script>window.__pwned='original-html'</script></head>"
                "<body onload=\"window.__pwned='body'\"><p>恶意标记测试网页。" + PAYLOADS[1] + "</p></body></html>")
QUERY = "恶意标记测试"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A corpus with hostile reports, a secret file beside it, and an index of the corpus."""
    work = tmp_path_factory.mktemp("hostile")
    docs = work / "docs"
    docs.mkdir()
    (docs / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (docs / HOSTILE_NAME).write_text("文件名带有标记的报告\n\n恶意标记测试之二。\n", encoding="utf-8")
    (docs / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    outside = work / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(CANARY + "\n", encoding="utf-8")
    (outside / "linked.txt").write_text("链接到语料之外的报告\n\n外部链接测试内容。\n", encoding="utf-8")
    os.symlink(outside / "linked.txt", docs / "linked.txt")  # a link in the corpus pointing outside it
    (docs / "victim.txt").write_text("将被替换的报告\n\n替换测试内容，长度与机密文件不同。\n", encoding="utf-8")
    settings = hardening_settings(work, work / "index")
    index_paths(settings, [docs], workers=1)
    engine = open_service(settings)
    ids = {Path(info.source).name: info.id for info in engine.backend.snapshot().docs.values()}
    return {"work": work, "docs": docs, "outside": outside, "settings": settings, "engine": engine, "ids": ids}


@pytest.fixture(scope="module")
def client(hostile):
    return create_app(hostile["settings"], engine=hostile["engine"]).test_client()


# -- escaping, server side ------------------------------------------------------------------------

RAW_MARKUP = ["<script>window", "<img src=x", "<svg onload", "<iframe srcdoc", "href=\"javascript:"]


def assert_no_raw_markup(html: str, where: str) -> None:
    for needle in RAW_MARKUP:
        assert needle not in html, (where, needle)


def test_pages_and_api_escape_document_text(client, hostile):
    doc_id = hostile["ids"]["hostile.txt"]
    name_id = hostile["ids"][HOSTILE_NAME]
    for url in (f"/?q={QUERY}", f"/doc/{doc_id}?q={QUERY}", f"/doc/{name_id}", f"/embed?q={QUERY}",
                f"/?q={quote(PAYLOADS[0])}", f"/doc/{doc_id}?q={quote(PAYLOADS[3])}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert_no_raw_markup(html, url)
    page = client.get(f"/?q={QUERY}").get_data(as_text=True)
    assert "&lt;script&gt;" in page  # shown, as text
    doc_page = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    assert "{{ 7*7 }}" in doc_page  # document text is never evaluated as a template
    api = client.get(f"/api/search?q={QUERY}").get_json()
    for hit in api["hits"]:
        for snippet in hit["snippets"]:
            assert "<" not in snippet.replace("<mark>", "").replace("</mark>", ""), snippet
    doc = client.get(f"/api/doc/{doc_id}?q={QUERY}").get_json()
    assert "<" not in doc["html"].replace("<mark id=", "").replace("</mark>", "").replace('">', "")
    assert PAYLOADS[0] in doc["text"]  # JSON carries the text as is; clients insert it as text


# -- escaping, in the browser ---------------------------------------------------------------------



class Portal:
    """An intranet page on another loopback origin that embeds the script widget."""

    def __init__(self):
        self.html = ""
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = portal.html.encode("utf-8") if self.path.split("?")[0] == "/" else b""
                self.send_response(200 if body else 204)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def live(hostile):
    """``searchapp serve`` over the hostile index, the portal's origin allowed."""
    portal = Portal()
    config = write_config(hostile["work"], hostile["work"] / "index", cors_origins=[portal.origin])
    try:
        with serving(config, hostile["work"]) as server:
            portal.html = (f'<!doctype html><html><head><meta charset="utf-8"><title>门户</title></head><body>'
                           f'<div id="box"></div><script src="{server.url}embed.js" data-target="#box"></script>'
                           f'</body></html>')
            yield server, portal
    finally:
        portal.close()


def visit(browser, url: str, bypass_csp: bool, action=None) -> dict:
    """Open ``url``; report whether any script of the documents ran, dialogs, and the DOM's
    active content that did not come from our templates."""
    context = browser.new_context(bypass_csp=bypass_csp, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        if action:
            action(page)
        page.wait_for_timeout(300)
        return {
            "pwned": page.evaluate("() => window.__pwned"),
            "dialogs": dialogs,
            "active": page.evaluate("""() => {
                const all = [document, ...[...document.querySelectorAll('*')].filter(e => e.shadowRoot)
                             .map(e => e.shadowRoot)];
                const found = [];
                for (const root of all) {
                  root.querySelectorAll('img[src="x"], svg, iframe[srcdoc], [onerror], [onload]')
                      .forEach(e => found.push(e.outerHTML.slice(0, 80)));
                  root.querySelectorAll('a[href^="javascript:"]').forEach(e => found.push(e.outerHTML.slice(0, 80)));
                  root.querySelectorAll('script:not([src])').forEach(e => found.push(e.outerHTML.slice(0, 80)));
                }
                return found;
            }"""),
            "text": page.evaluate("""() => [document.body ? document.body.innerText : '',
                ...[...document.querySelectorAll('*')].filter(e => e.shadowRoot)
                   .map(e => [...e.shadowRoot.children].map(c => c.innerText || '').join(' '))].join(' ')"""),
        }
    finally:
        context.close()


def type_in_widget(page) -> None:
    box = page.locator("#box input.sa-input")
    box.click()
    box.type(QUERY, delay=10)
    page.wait_for_selector("#box .sa-hit")


@pytest.mark.browser
@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "csp-bypassed"])
def test_no_document_script_runs_in_the_browser(browser, live, hostile, bypass_csp):
    server, portal = live
    doc_id = hostile["ids"]["hostile.txt"]
    name_id = hostile["ids"][HOSTILE_NAME]
    visits = {
        "search page": visit(browser, f"{server.url}?q={QUERY}", bypass_csp),
        "search page, hostile query": visit(browser, f"{server.url}?q={quote(PAYLOADS[1] + QUERY)}", bypass_csp),
        "document page": visit(browser, f"{server.url}doc/{doc_id}?q={QUERY}", bypass_csp),
        "document with a hostile name": visit(browser, f"{server.url}doc/{name_id}", bypass_csp),
        "iframe widget": visit(browser, f"{server.url}embed?q={QUERY}", bypass_csp),
        "script widget on a portal": visit(browser, portal.origin + "/", bypass_csp, type_in_widget),
        "original text file": visit(browser, f"{server.url}doc/{doc_id}/original", bypass_csp),
    }
    for where, seen in visits.items():
        assert seen["pwned"] is None, (where, seen["pwned"])
        assert not seen["dialogs"], where
        assert not seen["active"], (where, seen["active"])
    assert "<script>" in visits["search page"]["text"]  # the markup is shown as text
    assert "恶意标记测试" in visits["script widget on a portal"]["text"]


@pytest.mark.browser
def test_original_html_file_runs_no_script(browser, live, hostile):
    server, _ = live
    html_id = hostile["ids"]["hostile.html"]
    seen = visit(browser, f"{server.url}doc/{html_id}/original", bypass_csp=False)
    assert seen["pwned"] is None and not seen["dialogs"]


# -- paths ------------------------------------------------------------------------------------------

TRAVERSALS = [
    "/doc/../../../../etc/passwd", "/doc/..%2f..%2f..%2fetc%2fpasswd", "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd/original",
    "/doc/%252e%252e%252fetc%252fpasswd/original", "/doc//etc/passwd/original", "/doc/%2Fetc%2Fpasswd/original",
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fconfig.yaml",
    "/static/%252e%252e/config.yaml", "/static//etc/passwd", "/static/..%5c..%5cconfig.yaml",
    "/static/app.css/../../../outside/secret.txt", "/embed.js/../../outside/secret.txt", "//etc/passwd",
    "/doc/{secret_path}/original", "/doc/..%00/original", "/api/doc/..%2f..%2foutside%2fsecret.txt",
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/favicon.ico/..%2f..%2fconfig.yaml",
]


def test_no_path_reaches_a_file_that_was_not_indexed(live, hostile):
    server, _ = live
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    secret = str(hostile["outside"] / "secret.txt")
    for target in TRAVERSALS:
        target = target.replace("{secret_path}", quote(secret, safe=""))
        status, raw = raw_get(port, target)
        assert status in (400, 404, 405, 308, 301), (target, status)
        assert CANARY.encode("utf-8") not in raw and b"root:x:0:0" not in raw, target
        assert b"index_dir" not in raw, target  # config.yaml


def test_original_is_served_only_while_it_is_the_indexed_file(client, hostile):
    docs, outside = hostile["docs"], hostile["outside"]
    victim = hostile["ids"]["victim.txt"]
    assert client.get(f"/doc/{victim}/original").status_code == 200
    # A symlink to the secret now stands where the indexed file was.
    saved = (docs / "victim.txt").read_bytes()
    (docs / "victim.txt").unlink()
    os.symlink(outside / "secret.txt", docs / "victim.txt")
    try:
        response = client.get(f"/doc/{victim}/original")
        assert response.status_code == 404 and CANARY.encode() not in response.data
        page = client.get(f"/doc/{victim}").get_data(as_text=True)
        assert "原始文件已不在原处" in page  # no link to it
    finally:
        (docs / "victim.txt").unlink()
        (docs / "victim.txt").write_bytes(saved)
    # Replaced by a file of another size (edited, or a different file): not served until re-indexed.
    (docs / "victim.txt").write_text("替换后的内容。" * 50, encoding="utf-8")
    try:
        assert client.get(f"/doc/{victim}/original").status_code == 404
    finally:
        (docs / "victim.txt").write_bytes(saved)
    assert client.get(f"/doc/{victim}/original").status_code == 200
    # A FIFO in its place is not read (the request would hang).
    (docs / "victim.txt").unlink()
    os.mkfifo(docs / "victim.txt")
    try:
        started = time.monotonic()
        assert client.get(f"/doc/{victim}/original").status_code == 404
        assert time.monotonic() - started < 5
    finally:
        (docs / "victim.txt").unlink()
        (docs / "victim.txt").write_bytes(saved)


def test_link_in_the_corpus_to_a_file_outside_is_served_as_that_document(client, hostile):
    """Decision (docs/operations.md): the indexer follows links; the document *is* the
    target file, so its original is served like any other — but nothing else there is."""
    linked = hostile["ids"]["linked.txt"]
    response = client.get(f"/doc/{linked}/original")
    assert response.status_code == 200 and "外部链接测试内容" in response.get_data(as_text=True)
    assert "secret.txt" not in hostile["ids"]


def test_original_html_gets_a_sandbox_that_keeps_the_framing_rule(client, hostile):
    response = client.get(f"/doc/{hostile['ids']['hostile.html']}/original")
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "frame-ancestors 'self'" in csp
    text = client.get(f"/doc/{hostile['ids']['hostile.txt']}/original")
    assert text.mimetype == "text/plain" and text.headers["X-Content-Type-Options"] == "nosniff"


# -- headers on every response ------------------------------------------------------------------------

PORTAL = "http://portal.example.test:8000"


def header_urls(hostile) -> list[tuple[str, str, int]]:
    doc_id = hostile["ids"]["hostile.txt"]
    return [
        ("GET", "/", 200), ("GET", f"/?q={QUERY}", 200), ("GET", "/?q=x&sort=relevance", 302),
        ("GET", f"/doc/{doc_id}", 200), ("GET", f"/doc/{doc_id}/original", 200), ("GET", "/doc/nope", 404),
        ("GET", "/embed", 200), ("GET", "/embed.js", 200), ("GET", "/static/app.css", 200),
        ("GET", "/static/missing.css", 404), ("GET", "/favicon.ico", 200), ("GET", "/healthz", 200),
        ("GET", "/api/search?q=x", 200), ("GET", "/api/search?page=0", 400), ("GET", "/api/nothing", 404),
        ("POST", "/api/search", 405), ("GET", "/api/search?q=" + "a" * 40_000, 414),
        ("GET", "/api/openapi.json", 200), ("OPTIONS", "/api/search", 403),
    ]


@pytest.mark.parametrize("allowed", [[], [PORTAL]], ids=["no-embedding", "portal-allowed"])
def test_security_headers_on_every_response(hostile, allowed):
    settings = dataclasses.replace(hostile["settings"],
                                   server=dataclasses.replace(hostile["settings"].server, cors_origins=allowed))
    client = create_app(settings, engine=hostile["engine"]).test_client()
    ancestors = "frame-ancestors " + " ".join(["'self'", *allowed])
    for method, url, status in header_urls(hostile):
        headers = {"Origin": PORTAL, "Access-Control-Request-Method": "GET"} if method == "OPTIONS" else {}
        response = client.open(url, method=method, headers=headers)
        expected_status = 204 if method == "OPTIONS" and allowed else status
        assert response.status_code == expected_status, (method, url, response.status_code)
        csp = response.headers.get("Content-Security-Policy", "")
        assert ancestors in csp, (url, csp)
        assert "unsafe-inline" not in csp.replace("style-src 'unsafe-inline'", ""), (url, csp)
        assert "script-src 'self'" in csp or csp.startswith("sandbox"), (url, csp)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert (response.headers.get("X-Frame-Options") == "SAMEORIGIN") == (not allowed), url


def test_security_headers_on_503(hostile, tmp_path):
    missing = hardening_settings(tmp_path, tmp_path / "missing")
    client = create_app(missing, index_dir=missing.index_path).test_client()
    for url in ("/", "/api/search?q=x", "/healthz"):
        response = client.get(url)
        assert response.status_code == 503
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- access control on a real server -------------------------------------------------------------------

def test_access_token_on_a_real_server(hostile):
    work = hostile["work"]
    config = write_config(work, work / "index", access_token="s3cret-令牌")
    doc_id = hostile["ids"]["hostile.txt"]
    with serving(config, work) as server:
        for path in (f"api/search?q={QUERY}", f"?q={QUERY}", f"doc/{doc_id}", f"doc/{doc_id}/original",
                     f"api/doc/{doc_id}", "api/facets", "embed"):
            status, headers, body = get(server.url + path)
            assert status == 401, path
            assert CANARY.encode() not in body and "恶意标记测试".encode() not in body, path
        for path in ("healthz", "embed.js", "static/app.css", "favicon.ico"):
            assert get(server.url + path)[0] == 200, path
        token = {"X-Searchapp-Token": quote("s3cret-令牌")}
        assert get(server.url + f"api/search?q={QUERY}", headers=token)[0] == 401  # the exact token only
        status, headers, _ = get(server.url + f"api/facets?token={quote('s3cret-令牌')}")
        assert status == 200 and "HttpOnly" in headers.get("Set-Cookie", "")
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        status, _, body = get(server.url + f"api/search?q={QUERY}", headers={"Cookie": cookie})
        assert status == 200 and json.loads(body)["total"] >= 1
        assert get(server.url + "api/search?q=x", headers={"Cookie": "searchapp_token=wrong"})[0] == 401


def test_trusted_user_header_on_a_real_server(hostile):
    work = hostile["work"]
    config = write_config(work, work / "index", trusted_user_header="X-Remote-User")
    with serving(config, work) as server:
        assert get(server.url + f"api/search?q={QUERY}")[0] == 403
        assert get(server.url + f"api/search?q={QUERY}", headers={"X-Remote-User": " "})[0] == 403
        assert get(server.url + f"api/search?q={QUERY}", headers={"X-Remote-User": "zhang.san"})[0] == 200
        assert get(server.url + "healthz")[0] == 200
