"""End-to-end in real headless Chromium (Debian's /usr/bin/chromium via the PyPI
``playwright`` package; never ``playwright install``).

The real server (``searchapp serve``: waitress) runs as a subprocess on a free
loopback port over the seeds index; a second tiny HTTP server on another port
plays an intranet portal that embeds the widget, so the cross-origin path (CORS
allow-list, Shadow DOM, CSP frame-ancestors for the iframe) is exercised for
real. Screenshots for the docs are written to docs/screenshots/ when SEARCHAPP_SCREENSHOTS=1
(refreshing the README's pictures); otherwise to a temporary folder, so a test run leaves the
checkout as it was.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from searchapp.config import settings_from_dict
from searchapp.indexing.run import index_paths

from conftest import CHROMIUM, free_port, stop_process, wait_until

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 768}
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
SHOTS = (Path(__file__).resolve().parent.parent / "docs" / "screenshots" if os.environ.get("SEARCHAPP_SCREENSHOTS")
         else Path(tempfile.mkdtemp(prefix="searchapp-screenshots-")))
if not os.environ.get("SEARCHAPP_SCREENSHOTS"):
    atexit.register(shutil.rmtree, SHOTS, True)
TIMEOUT_MS = 10_000
START_TIMEOUT_S = 30


class _Portal:
    """A stand-in intranet page on its own loopback origin that embeds the widget.

    Its HTML is looked up in ``pages[key]`` per request, because the page needs the
    app's URL and the app's config needs this origin (created first).
    """

    def __init__(self, pages: dict[str, str], key: str):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(pages, key))
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> _Portal:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _handler_for(pages: dict[str, str], key: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?")[0]
            html = pages.get(key) if path in ("/", "/index.html") else pages.get(key + path)
            if html is not None:
                body = html.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:  # e.g. /favicon.ico: nothing, and no console error
                self.send_response(204)
                self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


#: What some portals really ship: a global rule that reaches every element it can.
HOSTILE_CSS = "* { font-size: 19px !important; line-height: 1 !important; letter-spacing: 3px !important; }"


def _portal_html(app_url: str, region: str | None = None, extra_css: str = "") -> str:
    region_attr = f' data-region="{region}"' if region else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>区教育局内网门户</title>
<style>
  body {{ margin: 0; font-family: serif; background: #eef2f6; color: #222; }}
  header {{ background: #8b1d1d; color: #fff; padding: 16px 40px; font-size: 22px; }}
  main {{ display: grid; grid-template-columns: 1fr 440px; gap: 28px; padding: 26px 40px; }}
  .card {{ background: #fff; padding: 18px 22px; border-radius: 4px; }}
  /* Hostile host styles: none of these may leak into the widget. */
  a {{ color: red; }} input {{ border: 5px solid green; }} li {{ list-style: square; font-size: 30px; }}
  #searchapp {{ --searchapp-accent: #8b1d1d; }}
  iframe {{ width: 100%; height: 150px; border: 1px solid #ccd; }}
  {extra_css}
</style></head>
<body><header>荔湾区教育局 · 内网门户</header>
<main>
  <section class="card"><h2>通知公告</h2>
    <p>关于开展2024年度教师交流轮岗工作的通知</p>
    <p>关于做好义务教育均衡发展督导评估准备工作的通知</p>
    <p>区教育局党风廉政建设工作会议纪要</p>
    <h3>iframe 版本</h3>
    <iframe title="报告搜索" src="{app_url}embed?region=%E5%B9%BF%E4%B8%9C%E7%9C%81&size=2"></iframe>
  </section>
  <aside class="card"><h3>报告检索</h3>
    <div id="searchapp"></div>
    <script src="{app_url}embed.js" data-target="#searchapp" data-placeholder="搜索区内报告…"
            data-size="4" data-open="_blank"{region_attr}></script>
  </aside>
</main></body></html>"""


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, object]]:
    """Two portal origins: one on the CORS allow-list, one not."""
    pages: dict[str, str] = {}
    with _Portal(pages, "allowed") as allowed, _Portal(pages, "refused") as refused:
        yield {"allowed": allowed, "refused": refused, "html": pages}


@pytest.fixture(scope="module")
def seeds_for_people(tmp_path_factory) -> Path:
    """The seeds indexed from a short relative folder name, so the paths shown on the
    pages (and in the screenshots) read like a real collection, not a pytest temp dir."""
    work = tmp_path_factory.mktemp("serve")
    shutil.copytree(SEEDS, work / "样例报告")
    settings = settings_from_dict({"index_dir": str(work / "index")}, base_dir=work)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        index_paths(settings, [Path("样例报告")], workers=1)
    finally:
        os.chdir(cwd)
    return work


@pytest.fixture(scope="module")
def app_url(seeds_for_people, portals) -> Iterator[str]:
    """``searchapp serve`` (waitress) on a free loopback port, the allowed portal in cors_origins."""
    work = seeds_for_people
    config = work / "config.yaml"
    config.write_text(
        "index_dir: index\n"
        "server:\n"
        "  threads: 4\n"
        f"  cors_origins: [{portals['allowed'].origin!r}]\n", encoding="utf-8")
    port = free_port()
    log_path = work / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "searchapp", "--config", str(config), "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=work, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"searchapp serve exited early:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"searchapp serve did not answer in {START_TIMEOUT_S} s:\n{log_path.read_text()}")
            time.sleep(0.1)
        assert f"serving on {url}" in log_path.read_text(), "serve must print its URL"
        portals["html"]["allowed"] = _portal_html(url)
        portals["html"]["allowed/hostile"] = _portal_html(url, extra_css=HOSTILE_CSS)
        portals["html"]["allowed/district"] = _portal_html(url, region="荔湾区")
        portals["html"]["refused"] = _portal_html(url)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh page (1366×768, zh-CN); fails the test on any console error such as a CSP violation."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not errors, f"console errors: {errors}"


def _doc_id(app_url: str, prefix: str, article: str | None = None) -> str:
    """The id of a sample report (article N of a compilation), asked of the running server."""
    with urllib.request.urlopen(app_url + "api/search?size=100&sort=year", timeout=5) as response:
        hits = json.load(response)["hits"]
    for hit in hits:
        name = Path(hit["path"].split("#")[0]).name
        if name.startswith(prefix) and (article is None or hit["path"].endswith("#" + article)):
            return hit["id"]
    raise LookupError(prefix)


def _shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / name))


# -- search page ---------------------------------------------------------------------

def test_search_and_filter_by_district(page, app_url):
    page.goto(app_url + "?q=教师交流")
    page.wait_for_selector(".hit")
    before = page.locator(".hit").count()
    assert before >= 5
    assert page.locator(".summary .count strong").inner_text() == str(before)
    _shot(page, "search.png")

    page.locator(".facet-region a.facet-link", has_text="广东省").click()
    page.wait_for_url(re.compile(r"region="))
    page.locator(".facet-region a.facet-link", has_text="广州市").click()
    page.wait_for_url(re.compile(r"%E5%B9%BF%E5%B7%9E%E5%B8%82"))
    page.locator(".facet-region a.facet-link", has_text="荔湾区").click()
    page.wait_for_url(re.compile(r"%E8%8D%94%E6%B9%BE%E5%8C%BA"))
    assert page.locator(".hit").count() == 1
    assert "荔湾区" in page.locator(".hit .meta-region").inner_text()
    assert page.locator(".chip", has_text="荔湾区").is_visible()

    # Every state is in the URL: back goes to the city level.
    page.go_back()
    page.wait_for_selector(".facet-region a.facet-link >> text=荔湾区")
    assert page.locator(".hit").count() == 2


def test_checkbox_filters_submit_themselves(page, app_url):
    page.goto(app_url + "?q=教师交流")
    page.locator(".facet-type label", has_text="讲话").locator("input").check()
    page.wait_for_url(re.compile(r"type=%E8%AE%B2%E8%AF%9D"))
    page.wait_for_selector(".hit")
    types = page.locator(".hit .tag-type").all_inner_texts()
    assert types and set(types) == {"讲话"}
    assert "&type=" in page.url and "year_from" not in page.url  # empty fields are not sent


def test_filters_work_without_javascript(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(app_url + "?q=教师交流")
        pg.locator(".facet-type label", has_text="讲话").locator("input").check()
        pg.locator(".facet-form .apply").click()
        pg.wait_for_url(re.compile(r"type=%E8%AE%B2%E8%AF%9D"))
        assert "year_from" not in pg.url  # the server redirected to the canonical URL
        assert set(pg.locator(".hit .tag-type").all_inner_texts()) == {"讲话"}
    finally:
        context.close()


def test_traditional_report_highlighted(page, app_url):
    page.goto(app_url + '?q="教师交流"')
    mark = page.locator(".hit .snippet mark", has_text="教師交流").first
    mark.wait_for()
    assert mark.inner_text() == "教師交流"
    assert mark.is_visible()


def test_pagination(page, app_url):
    page.goto(app_url + "?q=教师交流&size=2")
    first = page.locator(".hit-title").all_inner_texts()
    assert len(first) == 2
    page.locator(".pager a.next").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("ol.hits").get_attribute("start") == "3"
    second = page.locator(".hit-title").all_inner_texts()
    assert len(second) == 2 and not set(first) & set(second)
    page.locator(".pager a.prev").click()
    page.wait_for_url(re.compile(r"size=2$"))
    assert page.locator(".hit-title").all_inner_texts() == first


# -- document page -----------------------------------------------------------------------

def test_document_match_navigation(page, app_url):
    doc_id = _doc_id(app_url, "000", "1")
    page.goto(f"{app_url}doc/{doc_id}?q=教师交流")
    page.wait_for_selector(".matchnav .match-next")
    total = int(page.locator("#matchbar").get_attribute("data-count"))
    assert total >= 3
    page.locator(".match-next").click()
    assert page.locator("mark.current").get_attribute("id") == "m1"
    page.locator(".match-next").click()
    assert page.locator("mark.current").get_attribute("id") == "m2"
    assert page.evaluate("location.hash") == "#m2"
    assert page.locator(".matchnav .pos").inner_text() == f"2 / {total}"
    page.locator("body").press("p")
    assert page.locator("mark.current").get_attribute("id") == "m1"
    page.locator(".match-prev").click()  # wraps to the last match
    assert page.locator("mark.current").get_attribute("id") == f"m{total}"
    page.keyboard.press("n")
    assert page.locator("mark.current").get_attribute("id") == "m1"
    # The screenshot: title, metadata and the first match, current.
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    assert page.locator("mark.current").is_visible()
    _shot(page, "doc.png")


def test_document_page_from_results(page, app_url):
    page.goto(app_url + '?q="教师交流"')
    page.locator(".hit-title a").first.click()
    page.wait_for_selector("#doctext mark")
    assert "/doc/" in page.url
    page.locator("details.evidence summary").click()
    assert page.locator("details.evidence").get_attribute("open") is not None


# -- the embeddable widget ----------------------------------------------------------------

def test_widget_from_another_origin(page, app_url, portals):
    page.goto(portals["allowed"].origin + "/")
    box = page.locator("#searchapp input.sa-input")
    box.click()
    box.type("教师交流", delay=20)
    page.wait_for_selector("#searchapp .sa-hit")
    hits = page.locator("#searchapp .sa-hit")
    assert 1 <= hits.count() <= 4
    assert page.locator("#searchapp .sa-hit mark").first.is_visible()
    titles = page.locator("#searchapp .sa-hit .sa-title").all_inner_texts()
    assert all(titles)
    # The host page's styles do not leak in (its inputs have a 5px green border).
    assert page.evaluate("getComputedStyle(document.querySelector('#searchapp').shadowRoot"
                         ".querySelector('.sa-input')).borderTopWidth") == "1px"
    # Keyboard: arrows move, Esc closes.
    box.press("ArrowDown")
    box.press("ArrowDown")
    active = page.locator("#searchapp .sa-opt.active")
    assert active.count() == 1
    assert box.get_attribute("aria-activedescendant") == active.get_attribute("id")
    # The iframe variant loads too (its origin is allowed to frame us).
    frame = page.frame_locator("iframe")
    frame.locator("input[name=q]").wait_for()
    _shot(page, "widget.png")

    box.press("Escape")
    assert page.locator("#searchapp .sa-panel").is_hidden()

    # Enter on a result opens the document in a new tab; Enter with nothing chosen opens the results page.
    box.press("ArrowDown")
    page.wait_for_selector("#searchapp .sa-opt.active")
    context = page.context
    while not page.locator("#searchapp .sa-opt.active.sa-hit").count():
        box.press("ArrowDown")
    with context.expect_page() as opened:
        box.press("Enter")
    doc = opened.value
    doc.wait_for_load_state()
    assert "/doc/" in doc.url and "q=" in doc.url
    doc.close()
    box.press("Escape")
    with context.expect_page() as opened:
        box.press("Enter")
    results = opened.value
    results.wait_for_selector(".hit")
    assert results.url.startswith(app_url + "?q=")
    assert results.locator("input[name=q]").first.input_value() == "教师交流"
    results.close()


def test_widget_refused_from_an_origin_not_allowed(browser, app_url, portals, seeds_for_people):
    context = browser.new_context(viewport=VIEWPORT)
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(portals["refused"].origin + "/")
        box = pg.locator("#searchapp input.sa-input")
        box.type("教师交流")
        status = pg.locator("#searchapp .sa-status")
        status.filter(has_text="server.cors_origins").wait_for()
        text = status.inner_text()
        assert portals["refused"].origin in text and "未获准" in text  # what is wrong, and where to fix it
        assert "Failed to fetch" not in text
        assert pg.locator("#searchapp .sa-hit").count() == 0
        # The iframe says the same instead of the browser's broken-page icon.
        frame = pg.frame_locator("iframe")
        frame.locator("h1", has_text="未获准").wait_for()
        assert "server.cors_origins" in frame.locator("body").inner_text()
        # And the server log names the origin and the setting, for the administrator.
        log = seeds_for_people / "serve.log"
        assert wait_until(lambda: portals["refused"].origin in log.read_text(errors="replace"), timeout=5)
        line = next(ln for ln in log.read_text(errors="replace").splitlines() if portals["refused"].origin in ln)
        assert "server.cors_origins" in line
    finally:
        context.close()


# -- issue 13: the pages as office users live with them ------------------------------------

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def _api_queries(pg) -> list[str]:
    """Every ``q`` the page has sent to the search API so far (recorded by _record_api)."""
    return list(pg.api_queries)  # type: ignore[attr-defined]


def _record_api(pg) -> None:
    from urllib.parse import parse_qs, urlsplit

    pg.api_queries = []  # type: ignore[attr-defined]

    def seen(request) -> None:
        parts = urlsplit(request.url)
        if parts.path.endswith(("/api/search", "/api/suggest")) or (parts.path == "/" and
                                                                     request.resource_type == "fetch"):
            pg.api_queries.extend(parse_qs(parts.query).get("q", []))  # type: ignore[attr-defined]

    pg.on("request", seen)


def _compose(pg, pinyin: str, chosen: str) -> None:
    """Type like a pinyin input method: compose ``pinyin`` letter by letter, then commit ``chosen``."""
    cdp = pg.context.new_cdp_session(pg)
    for i in range(1, len(pinyin) + 1):
        cdp.send("Input.imeSetComposition", {"text": pinyin[:i], "selectionStart": i, "selectionEnd": i})
        pg.wait_for_timeout(60)  # a person's typing pace: longer than nothing, shorter than the debounce
    pg.wait_for_timeout(600)  # dwell on the candidate list, past every debounce
    cdp.send("Input.insertText", {"text": chosen})
    cdp.detach()


def test_widget_waits_for_the_input_method_to_commit(page, app_url, portals):
    _record_api(page)
    page.goto(portals["allowed"].origin + "/")
    page.locator("#searchapp input.sa-input").click()
    _compose(page, "jiaoshi", "教师")
    page.wait_for_selector("#searchapp .sa-hit")
    queries = _api_queries(page)
    assert queries and set(queries) == {"教师"}, queries  # never q=jiaoshi, q=j, …
    assert "没有找到" not in page.locator("#searchapp .sa-status").inner_text()


def test_search_as_you_type_updates_results_in_place_and_respects_the_input_method(page, app_url):
    _record_api(page)
    page.goto(app_url + "?q=义务教育")
    box = page.locator(".topbar input[type=search]")
    box.fill("")
    box.focus()
    _compose(page, "jiaoshi", "教师交流")
    page.wait_for_url(re.compile(r"q=%E6%95%99%E5%B8%88%E4%BA%A4%E6%B5%81"))
    page.wait_for_function("document.querySelector('.summary .count strong') && "
                           "document.title.indexOf('教师交流') === 0")
    assert set(_api_queries(page)) == {"教师交流"}, _api_queries(page)
    assert page.evaluate("document.activeElement.name") == "q"  # typing goes on
    assert page.locator(".hit").count() >= 5


def test_widget_list_closes_when_tab_leaves_it(page, app_url, portals):
    page.goto(portals["allowed"].origin + "/")
    box = page.locator("#searchapp input.sa-input")
    box.click()
    box.type("教师交流", delay=20)
    page.wait_for_selector("#searchapp .sa-hit")
    box.press("Tab")  # to the widget's own button, then out to the portal
    page.keyboard.press("Tab")
    page.wait_for_function("!document.querySelector('#searchapp').shadowRoot.activeElement")
    assert page.locator("#searchapp .sa-panel").is_hidden()


def test_widget_resists_portal_css_that_reaches_the_host(page, app_url, portals):
    page.goto(portals["allowed"].origin + "/hostile")
    box = page.locator("#searchapp input.sa-input")
    box.click()
    box.type("教师交流", delay=20)
    page.wait_for_selector("#searchapp .sa-all")
    style = page.evaluate("""() => {
        const root = document.querySelector('#searchapp').shadowRoot;
        const get = (sel) => getComputedStyle(root.querySelector(sel));
        const panel = root.querySelector('.sa-panel').getBoundingClientRect();
        const last = root.querySelector('.sa-all').getBoundingClientRect();
        return {font: get('.sa-title').fontSize, line: get('.sa-snippet').lineHeight,
                spacing: get('.sa-title').letterSpacing, lastInside: last.bottom <= panel.bottom + 1,
                panelHeight: panel.height};
    }""")
    assert style["font"] != "19px" and float(style["font"].rstrip("px")) < 18
    assert style["line"] not in ("19px", "normal") and float(style["line"].rstrip("px")) > 15
    assert style["spacing"] in ("normal", "0px")
    page.locator("#searchapp .sa-all").scroll_into_view_if_needed()
    assert page.locator("#searchapp .sa-all").is_visible()


def test_widget_says_it_searches_one_region_only(page, app_url, portals):
    page.goto(portals["allowed"].origin + "/district")
    scope = page.locator("#searchapp .sa-scope")
    assert "荔湾区" in scope.inner_text() and "仅" in scope.inner_text()
    describedby = page.locator("#searchapp input.sa-input").get_attribute("aria-describedby")
    assert describedby and page.evaluate(
        f"document.querySelector('#searchapp').shadowRoot.getElementById({describedby!r}) !== null")


def test_ticking_a_facet_keeps_keyboard_focus_on_it(page, app_url):
    page.goto(app_url + "?q=教师交流")
    box = page.locator(".facet-type label", has_text="讲话").locator("input")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"type=%E8%AE%B2%E8%AF%9D"))
    page.wait_for_function("document.activeElement && document.activeElement.type === 'checkbox'")
    focused = page.evaluate("[document.activeElement.name, document.activeElement.value, "
                            "document.activeElement.checked]")
    assert focused == ["type", "讲话", True]


def test_document_back_link_returns_to_the_same_filtered_page(page, app_url):
    start = app_url + "?q=教师&theme=%E5%9D%87%E8%A1%A1%E5%8F%91%E5%B1%95&sort=year&page=2&size=1"
    page.goto(start)
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    page.locator(".doc-back a").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert sorted(parse_qsl(urlsplit(page.url).query)) == sorted(parse_qsl(urlsplit(start).query))


def test_year_chart_click_filters_and_drag_picks_a_range(page, app_url):
    page.goto(app_url + "?q=教师")
    _shot(page.locator(".glance"), "glance.png")
    bars = page.locator("svg.chart-years a.bar:not(.empty)")
    assert bars.count() >= 2
    first_year = bars.first.get_attribute("data-year")
    bars.first.locator("rect.hit-area").click()
    page.wait_for_url(re.compile(rf"year={first_year}$"))
    assert set(page.locator(".hit .meta-year").all_inner_texts()) == {f"{first_year} 年"}

    page.goto(app_url + "?q=教师")
    years = [a.get_attribute("data-year") for a in page.locator("svg.chart-years a.bar").all()]
    areas = page.locator("svg.chart-years a.bar rect.hit-area")
    lo = areas.first.bounding_box()
    hi = areas.last.bounding_box()
    page.mouse.move(lo["x"] + lo["width"] / 2, lo["y"] + lo["height"] / 2)
    page.mouse.down()
    page.mouse.move(hi["x"] + hi["width"] / 2, hi["y"] + hi["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_url(re.compile(rf"year={years[0]}-{years[-1]}"))
    assert page.locator(".hit").count() >= 2


def test_charts_work_on_a_phone_and_without_javascript(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False,
                                  is_mobile=True, has_touch=True)
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(app_url + "?q=教师")
        _shot(pg, "phone.png")
        chart = pg.locator("svg.chart-regions")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= 390
        province = chart.locator("a.bar").first
        name = province.get_attribute("data-region")
        province.locator("rect.hit-area").tap()
        pg.wait_for_url(re.compile(r"region="))
        assert pg.locator(".chip", has_text=name).is_visible()
    finally:
        context.close()


def test_export_downloads_open_in_a_spreadsheet_reader(page, app_url):
    openpyxl = pytest.importorskip("openpyxl")
    page.goto(app_url + "?q=教师交流")
    total = int(page.locator(".summary .count strong").inner_text())
    with page.expect_download() as info:
        page.locator(".result-tools a", has_text="导出 Excel").click()
    data = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True)["搜索结果"].iter_rows(values_only=True))
    assert len(rows) - 1 == total and rows[0][0] == "标题"


def test_raw_utf8_in_the_url_is_accepted_like_a_browser_would_send_it(app_url):
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(app_url)
    with socket.create_connection((where.hostname, where.port), timeout=5) as sock:
        sock.sendall("GET /api/search?q=教师交流&size=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("utf-8"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert json.loads(body)["query"] == "教师交流"


# -- accessibility: axe-core in the browser -------------------------------------------------------

def _axe(pg, include: str | None = None) -> list[dict]:
    """Serious and critical axe-core violations on the page (or inside ``include``)."""
    pg.add_script_tag(path=str(AXE))
    context = f"{{include: [[{include!r}]]}}" if include else "document"
    result = pg.evaluate(f"axe.run({context}, {{resultTypes: ['violations']}})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe_page(browser):
    """A page that lets the test inject axe (bypass_csp: our CSP rightly allows no injected script)."""
    if not AXE.exists():
        pytest.skip("tests/vendor/axe.min.js is missing (see tests/vendor/README.txt)")
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "?q=教师交流", "?q=教师&size=2", "?q=教师&page=2&size=2&theme=%E5%9D%87%E8%A1%A1%E5%8F%91%E5%B1%95",
                                  "?q=zzzz", "?q=发展&page=0", "embed", "embed?q=教师交流"])
def test_pages_have_no_serious_accessibility_violations(axe_page, app_url, path):
    axe_page.goto(app_url + path)
    assert _axe(axe_page) == []


def test_document_page_has_no_serious_accessibility_violations(axe_page, app_url):
    axe_page.goto(f"{app_url}doc/{_doc_id(app_url, '000', '1')}?q=教师交流")
    axe_page.locator("details.evidence summary").click()
    assert _axe(axe_page) == []


def test_widget_has_no_serious_accessibility_violations(axe_page, app_url, portals):
    axe_page.goto(portals["allowed"].origin + "/")
    box = axe_page.locator("#searchapp input.sa-input")
    box.click()
    box.type("教师交流", delay=20)
    axe_page.wait_for_selector("#searchapp .sa-hit")
    box.press("ArrowDown")
    assert _axe(axe_page, "#searchapp") == []
