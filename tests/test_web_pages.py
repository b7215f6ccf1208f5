"""The HTML pages through Flask's test client: search, facets, document, original
file, the iframe widget, error pages, escaping and the no-inline-script rule."""

from __future__ import annotations

import dataclasses
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from searchapp.config import settings_from_dict
from searchapp.query.service import open_service
from searchapp.indexing.run import index_paths
from searchapp.web import create_app

from conftest import file_prefix, ids_by_prefix

XSS = "<script>alert(1)</script>"
FRAMER = "http://portal.example.test:8000"


@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings, _ = seeds_index
    settings = dataclasses.replace(settings, server=dataclasses.replace(settings.server, cors_origins=[FRAMER]))
    return create_app(settings, engine=engine).test_client()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A small corpus with markup in the title and text, a GBK file, and a file deleted after indexing."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "docs"
    corpus.mkdir()
    (corpus / "xss_report.txt").write_text(
        f"{XSS}关于教师交流工作的汇报\n\n为推进教师交流，我区制定了办法。{XSS} 同时 <img src=x onerror=alert(2)> "
        "教师交流轮岗比例达到百分之二十。\n区教育局 2012年5月\n", encoding="utf-8")
    (corpus / "gbk_report.txt").write_bytes(
        "县教育局关于校长交流的报告\n\n今年全县共有十二名校长参加交流轮岗，教师交流同步推进。\n".encode("gbk"))
    shutil.copy(Path(__file__).parent / "fixtures" / "formats" / "gov_gbk.html", corpus / "gov_page.html")
    for name in ("copy_a.txt", "copy_b.txt"):  # the same report twice: one hit, "1 similar copy"
        shutil.copy(Path(__file__).parent / "fixtures" / "seeds" / "003_cfdc8fbd1761942d.txt", corpus / name)
    gone = corpus / "gone_report.txt"
    gone.write_text("即将被删除的报告\n\n这份报告里也写了教师交流。\n", encoding="utf-8")
    settings = settings_from_dict({"index_dir": str(root / "index")}, base_dir=root)
    index_paths(settings, [corpus], workers=1)
    gone.unlink()
    engine = open_service(settings)
    app = create_app(settings, engine=engine)
    by_name = {Path(info.source).name: info.id for info in engine.backend.snapshot().docs.values()}
    return app.test_client(), by_name, corpus




def _html(response) -> str:
    assert response.mimetype == "text/html"
    return response.data.decode("utf-8")


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def _params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# -- search page --------------------------------------------------------------------

def test_home_page_lists_everything_with_a_search_box(client, engine):
    html = _html(client.get("/"))
    assert '<form class="searchbox"' in html and 'name="q"' in html
    assert f"找到 <strong>{len(engine.backend.snapshot().docs)}</strong> 篇报告" in html
    assert 'lang="zh-CN"' in html


def test_search_results_show_metadata_snippets_and_count(client):
    html = _html(client.get("/?q=教师交流"))
    assert 'value="教师交流"' in html  # the query box keeps the query
    assert "找到 <strong>" in html and "毫秒" in html
    assert "<mark>教師交流</mark>" in html  # Traditional report, highlighted in Traditional
    assert "广东省 › 广州市 › 荔湾区" in html
    years = {h["year"] for h in client.get("/api/search?q=教师交流").get_json()["hits"] if h["year"]}
    assert years and all(f"{y} 年" in html for y in years)
    assert 'class="tag tag-type"' in html and 'class="tag tag-theme"' in html
    assert html.count('class="hit"') >= 4
    doc_links = [u for u in _links(html) if u.startswith("/doc/")]
    assert doc_links and all(("q", "教师交流") in _params(u) for u in doc_links)
    assert html.count('class="snippet"') <= 3 * html.count('class="hit"')


def test_region_drill_down(client):
    html = _html(client.get("/?q=教师交流"))
    province = [u for u in _links(html) if _params(u) == [("q", "教师交流"), ("region", "广东省")]]
    assert province, "the province must be a drill-down link"
    html = _html(client.get(province[0]))
    assert '<ol class="crumbs">' in html
    city = [u for u in _links(html) if ("region", "广东省/广州市") in _params(u)]
    assert city
    html = _html(client.get(city[0]))
    district = [u for u in _links(html) if ("region", "广东省/广州市/荔湾区") in _params(u)]
    assert district
    html = _html(client.get(district[0]))
    assert "找到 <strong>1</strong> 篇报告" in html
    assert "地区：广东省 › 广州市 › 荔湾区" in html  # the chip
    # The chip removes the filter.
    chip = re.search(r'<a class="chip" href="([^"]*)"', html)
    assert chip and _params(unescape(chip.group(1))) == [("q", "教师交流")]


def test_theme_and_type_checkboxes_and_year_counts(client):
    html = _html(client.get("/?q=教师交流&theme=教师队伍&type=汇报"))
    assert re.search(r'name="theme" value="教师队伍" checked', html)
    assert re.search(r'name="type" value="汇报" checked', html)
    # Counts of a facet ignore its own filter, so the other types stay offered.
    only_type = _html(client.get("/?q=教师交流&type=汇报"))
    assert re.search(r'name="type" value="讲话">', only_type)
    year_counts = client.get("/api/search?q=教师交流&type=汇报").get_json()["facets"]["year"]
    assert year_counts
    for y in year_counts:
        assert re.search(rf'name="year" value="{y["value"]}">.*?<span class="n">{y["count"]}</span>', only_type)
    assert 'name="year_from"' in html and 'name="year_to"' in html
    assert "主题：教师队伍" in html and "类型：汇报" in html


def test_year_range_form_redirects_to_a_canonical_url(client):
    response = client.get("/?q=教师&sort=relevance&page=1&year_from=2015&year_to=2016&size=")
    assert response.status_code == 302
    assert _params(response.headers["Location"]) == [("q", "教师"), ("year", "2015-2016")]
    html = _html(client.get(response.headers["Location"]))
    assert 'name="year_from" inputmode="numeric" min="1900" max="2100" placeholder="从" value="2015"' in html
    assert "年份：2015-2016" in html


def test_sort_and_pagination(client):
    html = _html(client.get("/?q=教师交流&size=2"))
    assert "第 1 / " in html
    nxt = re.search(r'<a class="next" rel="next" href="([^"]*)"', html)
    assert nxt
    url = unescape(nxt.group(1))
    assert ("page", "2") in _params(url) and ("size", "2") in _params(url)
    html2 = _html(client.get(url))
    assert '<ol class="hits" start="3">' in html2
    assert re.search(r'<a class="prev" rel="prev" href="[^"]*"', html2)
    by_year = [u for u in _links(html) if ("sort", "year") in _params(u)]
    assert by_year and ("page", "2") not in _params(by_year[0])
    years = [int(y) for y in re.findall(r'<span class="meta-year" title="年份">(\d{4}) 年', _html(client.get(by_year[0])))]
    assert years == sorted(years, reverse=True)


def test_zero_results_explain_and_offer_to_relax(client):
    html = _html(client.get("/?q=教师交流&region=荔湾区&type=讲话"))
    assert 'id="no-results"' in html
    assert "没有找到与「教师交流」相关的报告" in html
    assert "查询理解为：<code>教师交流</code>" in html
    relax = re.findall(r'<ul class="relax">(.*?)</ul>', html, re.S)[0]
    assert "去掉「地区：荔湾区」" in relax and "去掉「类型：讲话」" in relax and "去掉全部筛选条件" in relax
    drop_type = [unescape(u) for u in re.findall(r'href="([^"]*)"', relax)]
    assert [("q", "教师交流"), ("region", "荔湾区")] in [_params(u) for u in drop_type]


def test_notes_are_shown(client):
    html = _html(client.get('/?q="教师交流'))
    assert 'class="note"' in html


@pytest.mark.parametrize("query", ["page=abc", "page=0", "size=500", "sort=random", "year=abcd"])
def test_bad_parameters_render_a_400_page(client, query):
    response = client.get("/?q=教师&" + query)
    assert response.status_code == 400
    html = _html(response)
    assert 'class="alert"' in html and "请求参数有误" in html
    assert 'value="教师"' in html


# -- document page and original file --------------------------------------------------

def test_doc_page_highlights_and_navigates(client, engine):
    doc_id = ids_by_prefix(engine)["001"][0]
    html = _html(client.get(f"/doc/{doc_id}?q=教师交流"))
    assert "干部履行工作職責個人述職報告" in html
    assert re.search(r'<mark id="m\d+">教師交流</mark>', html)
    count = int(re.search(r'data-count="(\d+)"', html).group(1))
    assert count >= 2
    for i in range(1, min(count, 300) + 1):
        assert f'href="#m{i}"' in html and f'<mark id="m{i}">' in html
    assert "<details class=\"evidence\">" in html and "<summary>" in html
    assert f'href="/doc/{doc_id}/original"' in html
    assert "编码" in html and "广东省" in html
    back = re.search(r'<nav class="doc-back"><a href="([^"]*)"', html).group(1)
    assert _params(unescape(back)) == [("q", "教师交流")]


def test_doc_page_without_query(client, engine):
    doc_id = ids_by_prefix(engine)["003"][0]
    html = _html(client.get(f"/doc/{doc_id}"))
    assert 'id="matchbar"' not in html and "<mark" not in html
    assert 'class="doctext"' in html


def test_unknown_doc_is_a_404_page(client):
    response = client.get("/doc/ffffffffffffffff?q=x")
    assert response.status_code == 404
    assert "找不到这篇文档" in _html(response)
    assert client.get("/doc/ffffffffffffffff/original").status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_original_file_is_served_by_id(client, engine, seeds_index):
    _, corpus = seeds_index
    doc_id = ids_by_prefix(engine)["002"][0]
    response = client.get(f"/doc/{doc_id}/original")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == (corpus / "002_6bd464c48aba9942.txt").read_bytes()
    # Only ids are looked up; a path in the URL leads nowhere.
    for sneaky in ("/doc/..%2F..%2Fetc%2Fpasswd/original", "/doc/../../etc/passwd/original"):
        assert client.get(sneaky).status_code == 404


def test_original_keeps_its_encoding_and_gone_files_are_404(hostile):
    client, by_name, _ = hostile
    gbk = client.get(f"/doc/{by_name['gbk_report.txt']}/original")
    assert gbk.status_code == 200
    assert gbk.headers["Content-Type"].startswith("text/plain; charset=")
    charset = gbk.headers["Content-Type"].split("charset=")[1]
    assert "校长交流" in gbk.data.decode(charset)
    gone = by_name["gone_report.txt"]
    assert client.get(f"/doc/{gone}/original").status_code == 404
    html = _html(client.get(f"/doc/{gone}"))
    assert "原始文件已不在原处" in html


def test_original_web_pages_are_sandboxed(hostile):
    client, by_name, corpus = hostile
    response = client.get(f"/doc/{by_name['gov_page.html']}/original")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.data == (corpus / "gov_page.html").read_bytes()


def test_similar_copies_are_folded_and_linked(hostile):
    client, by_name, _ = hostile
    html = _html(client.get("/?q=领导决策机制"))
    assert html.count('class="hit"') == 1
    assert "另有 1 份相似副本" in html
    copies = {by_name["copy_a.txt"], by_name["copy_b.txt"]}
    linked = {u.split("/")[2].split("?")[0] for u in _links(html) if u.startswith("/doc/")}
    assert linked == copies  # the hit itself and its copy
    doc = _html(client.get(f"/doc/{by_name['copy_a.txt']}"))
    assert "索引中还有 1 份相似副本" in doc


# -- escaping -----------------------------------------------------------------------

def test_markup_in_reports_is_escaped(hostile):
    client, by_name, _ = hostile
    doc_id = by_name["xss_report.txt"]
    for url in ("/?q=教师交流", f"/doc/{doc_id}?q=教师交流", "/embed?q=教师交流", "/"):
        html = _html(client.get(url))
        assert XSS not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    snippet = client.get("/api/search?q=教师交流").get_json()["hits"][0]["snippets"][0]
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet
    assert "<mark>教师交流</mark>" in snippet


def test_markup_in_parameters_is_escaped(client):
    html = _html(client.get("/", query_string={"q": XSS, "region": XSS, "theme": '"><b>x'}))
    assert XSS not in html and '"><b>x' not in html
    assert "&lt;script&gt;" in html


# -- iframe widget, static files, headers -------------------------------------------------

def test_embed_iframe_page(client):
    html = _html(client.get("/embed?region=荔湾区&size=2"))
    assert '<input type="hidden" name="region" value="荔湾区">' in html
    assert 'action="/embed"' in html
    html = _html(client.get("/embed?q=教师交流&region=荔湾区&region=南长区&size=1"))
    assert html.count('class="hit"') == 1
    assert 'target="_blank"' in html
    full = [u for u in _links(html) if u.startswith("/?")]
    assert full and _params(full[0]) == [("q", "教师交流"), ("region", "荔湾区"), ("region", "南长区")]
    assert client.get("/embed?q=教师&size=abc").status_code == 400
    csp = client.get("/embed").headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {FRAMER}" in csp


def test_embed_script_and_static_files(client):
    js = client.get("/embed.js")
    assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
    assert b"currentScript" in js.data and b"attachShadow" in js.data
    assert js.headers["Access-Control-Allow-Origin"] == "*"
    for name in ("app.css", "app.js", "embed.css", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/favicon.ico").status_code == 200


@pytest.mark.parametrize("url", ["/", "/?q=教师交流", "/?q=zzzz", "/embed?q=教师", "/no/such/page", "/?page=x"])
def test_pages_have_no_inline_script_style_or_external_resources(client, url):
    html = client.get(url).data.decode("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert "<style" not in html
    for src in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert not src.startswith(("http:", "https:", "//")), src


def test_doc_page_has_no_inline_script(client, engine):
    doc_id = ids_by_prefix(engine)["000"][0]
    html = client.get(f"/doc/{doc_id}?q=教师").data.decode("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle\s*=", html)
