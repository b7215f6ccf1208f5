"""The pages as office users live with them (issue 13), through Flask's test client:
Chinese messages with machine codes in the API, the Chinese evidence section,
titles that tell results apart, the way back to the same search, tidy snippets,
a municipality drill-down in one step, near-duplicate copies named, charts,
export (opened with csv and openpyxl), Atom feeds (parsed with feedparser) and
the JSON twin of each page."""

from __future__ import annotations

import csv
import dataclasses
import io
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
from searchapp.web.export import COLUMNS, EXPORT_LIMIT
from searchapp.web.viewmodel import is_sentence

from conftest import ids_by_prefix

SEEDS = Path(__file__).parent / "fixtures" / "seeds"

#: Reports written for these tests: two titled only 「政府工作报告」 (different cities and
#: years), one whose "title" is its opening sentence but whose file name says what it
#: is, one from a municipality (上海市 is its own city), one with Markdown and stray
#: HTML tags in its text, and the same seed report twice (near-duplicate copies).
OFFICE_FILES = {
    "a1.txt": "政府工作报告\n\n——2019年1月15日在广州市第十五届人民代表大会第四次会议上\n\n各位代表：\n\n"
              "现在，我代表广州市人民政府，向大会报告工作，请予审议。\n\n一、2018年工作回顾\n\n"
              "过去一年，我市推进义务教育均衡发展，教师交流轮岗人数达到三千人。广州市各区学校办学条件明显改善。\n",
    "b2.txt": "政府工作报告\n\n——2020年1月10日在杭州市第十三届人民代表大会第五次会议上\n\n各位代表：\n\n"
              "现在，我代表杭州市人民政府，向大会报告工作，请予审议。\n\n一、2019年工作回顾\n\n"
              "过去一年，我市推进义务教育均衡发展，教师交流轮岗人数达到两千人。杭州市各区县学校办学条件明显改善。\n",
    "2021年示例市政府工作报告.txt": "现在，我代表市人民政府，向大会报告工作，请予审议。\n\n过去一年，全市推进义务教育均衡发展，"
                                 "教师交流轮岗工作扎实开展，学校办学条件明显改善。今年我们将继续推进教师交流。\n",
    "sh.txt": "上海市浦东新区教育局关于教师交流工作的汇报\n\n2017年，上海市浦东新区推进教师交流轮岗，浦东新区共有一百名教师"
              "参加交流。我区将继续做好教师交流工作。上海市教委给予指导。\n",
    "md.txt": "# 教师交流工作总结\n\n## 一、基本情况\n\n</p><p><strong>教师交流</strong>轮岗制度全面推行，"
              "**教师交流**比例达到百分之二十。\n",
}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("office")
    corpus = root / "docs"
    corpus.mkdir()
    for name, text in OFFICE_FILES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    for name in ("copy_a.txt", "copy_b.txt"):
        shutil.copy(SEEDS / "003_cfdc8fbd1761942d.txt", corpus / name)
    settings = settings_from_dict({"index_dir": str(root / "index")}, base_dir=root)
    index_paths(settings, [corpus], workers=1)
    engine = open_service(settings)
    by_name = {Path(info.source).name: info.id for info in engine.backend.snapshot().docs.values()}
    return create_app(settings, engine=engine).test_client(), by_name


@pytest.fixture(scope="module")
def client(seeds_index, engine):
    settings, _ = seeds_index
    return create_app(settings, engine=engine).test_client()


def _html(response) -> str:
    assert response.mimetype == "text/html", response.mimetype
    return response.get_data(as_text=True)


def _visible_text(html: str) -> str:
    """The page's text without tags, scripts or attribute values."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _english_words(text: str) -> list[str]:
    """Runs of three or more Latin letters, leaving out what is not English prose: the
    user's own input echoed in 「」, a parameter's URL name in （）, addresses quoted from
    a report (www.example.cn), and product names."""
    text = re.sub(r"「[^」]*」|（[A-Za-z_.]+）|https?://\S+|[\w-]+(?:\.[A-Za-z0-9-]+)+", "", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in {"API", "JSON", "CSV", "Excel", "Atom"}]


# -- 2: Chinese on pages, codes plus Chinese in the API ----------------------------------------

@pytest.mark.parametrize("query, code", [("page=0", "bad_page"), ("page=abc", "bad_number"), ("size=500", "bad_size"),
                                         ("sort=random", "bad_sort"), ("year=20x8", "bad_year")])
def test_bad_parameters_are_explained_in_chinese_on_pages_and_coded_in_the_api(client, query, code):
    page = client.get("/?q=发展&" + query)
    assert page.status_code == 400
    alert = re.search(r'<div class="alert".*?</div>', _html(page), re.S).group(0)
    assert not _english_words(_visible_text(alert)), _visible_text(alert)
    body = client.get("/api/search?q=发展&" + query).get_json()
    assert body["code"] == code and body["status"] == 400
    assert re.search(r"[\u4e00-\u9fff]", body["message"]) and body["error"]  # Chinese message, English detail


def test_notes_from_the_query_are_shown_in_chinese(client):
    html = _html(client.get("/?q=" + "发展 year:20x8"))
    notes = re.findall(r'<p class="note">(.*?)</p>', html)
    assert notes, "the ignored year condition must be explained"
    assert all(not _english_words(unescape(n)) for n in notes), notes


def test_error_pages_speak_chinese(client):
    for url in ("/no/such/page", "/doc/ffffffffffffffff"):
        html = _html(client.get(url))
        main = re.search(r"<main.*?</main>", html, re.S).group(0)
        assert not _english_words(_visible_text(main)), _visible_text(main)


def test_document_evidence_section_is_chinese(client, engine):
    for doc_id in [i for ids in ids_by_prefix(engine).values() for i in ids]:
        html = _html(client.get(f"/doc/{doc_id}"))
        section = re.search(r'<details class="evidence">.*?</details>', html, re.S)
        assert section, doc_id
        assert not _english_words(_visible_text(section.group(0))), _visible_text(section.group(0))


# -- 4: results that can be told apart ----------------------------------------------------------

def test_results_with_the_same_title_get_year_and_issuing_body(office):
    client, _ = office
    hits = client.get("/api/search?q=教师交流&size=50").get_json()["hits"]
    same = [h for h in hits if h["title"] == "政府工作报告"]
    assert len(same) == 2, [h["title"] for h in hits]
    headings = [h["heading"] for h in same]
    assert len(set(headings)) == 2
    for h in same:
        assert str(h["year"]) in h["heading"] and h["region"]["city"] in h["heading"]
    html = _html(client.get("/?q=教师交流"))
    shown = [unescape(t) for t in re.findall(r'<h2 class="hit-title"><a [^>]*>(.*?)</a>', html)]
    assert len(shown) == len(set(shown)), shown


def test_a_body_sentence_as_title_gives_way_to_the_file_name(office):
    client, by_name = office
    hits = client.get("/api/search?q=教师交流&size=50").get_json()["hits"]
    hit = next(h for h in hits if h["id"] == by_name["2021年示例市政府工作报告.txt"])
    assert hit["heading"] == "2021年示例市政府工作报告"


# -- 5: the way back keeps the search ---------------------------------------------------------

def test_document_links_and_the_back_link_keep_filters_sort_and_page(client):
    search = "/?q=教师&theme=均衡发展&sort=year&page=2&size=1"
    html = _html(client.get(search))
    link = unescape(re.search(r'<h2 class="hit-title"><a href="([^"]+)"', html).group(1))
    doc_html = _html(client.get(link))
    back = unescape(re.search(r'<nav class="doc-back"><a href="([^"]+)"', doc_html).group(1))
    assert sorted(parse_qsl(urlsplit(back).query)) == sorted(parse_qsl(urlsplit(search).query))


# -- 10: the smaller things -------------------------------------------------------------------

def test_municipality_drills_down_in_one_step(office):
    client, _ = office
    html = _html(client.get("/?q=教师交流&region=上海市"))
    region = re.search(r'<section class="facet facet-region">.*?</section>', html, re.S).group(0)
    crumbs = [_visible_text(c).strip() for c in re.findall(r"<li>(.*?)</li>", region.split("</ol>")[0], re.S)]
    assert crumbs == ["全部地区", "上海市"]
    assert "浦东新区" in region  # the next level shown is the districts
    assert "上海市 › 上海市" not in _visible_text(html)
    district = re.search(r'<a href="([^"]+)" class="facet-link"><span class="label">浦东新区', region).group(1)
    below = _visible_text(_html(client.get(unescape(district))))
    assert "上海市 › 浦东新区" in below and "上海市 › 上海市" not in below  # chip and hit meta


def test_snippets_have_no_stray_tags_markdown_or_split_highlights(office):
    client, by_name = office
    hits = client.get("/api/search?q=教师交流&size=50").get_json()["hits"]
    snippet = " ".join(next(h for h in hits if h["id"] == by_name["md.txt"])["snippets"])
    assert "&lt;" not in snippet and "**" not in snippet and "#" not in snippet, snippet
    assert "</mark><mark>" not in snippet
    assert "<mark>教师交流</mark>" in snippet


def test_adjacent_highlights_on_the_document_page_join_but_keep_their_numbers(client, engine):
    doc_id = ids_by_prefix(engine)["000"][0]
    html = _html(client.get(f"/doc/{doc_id}?q=教师 交流"))
    joined = re.findall(r'<mark id="m(\d+)" data-join="(r|l|both)">', html)
    assert joined, "教师 and 交流 side by side must be drawn as one highlight"
    count = int(re.search(r'data-count="(\d+)"', html).group(1))
    assert len(re.findall(r'<mark id="m\d+"', html)) == count


def test_similar_copies_are_named_by_title_and_path(office):
    client, by_name = office
    html = _html(client.get("/?q=领导决策机制"))
    dups = re.search(r'<details class="dups">.*?</details>', html, re.S).group(0)
    assert "副本 1" not in dups
    assert "copy_a.txt" in dups or "copy_b.txt" in dups
    title = client.get(f"/api/doc/{by_name['copy_a.txt']}").get_json()["title"]
    assert title in unescape(dups)


def test_search_box_says_slash_focuses_it(client):
    html = _html(client.get("/"))
    assert 'aria-keyshortcuts="/"' in html and "<kbd>/</kbd>" in html


# -- results at a glance ---------------------------------------------------------------------

def test_year_and_region_charts_link_to_filtered_searches(client):
    html = _html(client.get("/?q=教师"))
    years = re.search(r'<svg class="chart chart-years".*?</svg>', html, re.S).group(0)
    bars = re.findall(r'<a href="([^"]+)" class="bar[^"]*" data-year="(\d+)"', years)
    assert len(bars) >= 2
    for url, year in bars:
        assert ("year", year) in parse_qsl(urlsplit(unescape(url)).query)
    regions = re.search(r'<svg class="chart chart-regions".*?</svg>', html, re.S).group(0)
    region_urls = [unescape(u) for u in re.findall(r'<a href="([^"]+)" class="bar"', regions)]
    assert region_urls and all(dict(parse_qsl(urlsplit(u).query)).get("region") for u in region_urls)
    # The year a bar stands for gets the hits that bar promised.
    url, year = bars[0]
    promised = int(re.search(rf'data-year="{year}" aria-label="{year} 年：(\d+) 篇"', years).group(1))
    assert client.get("/api/search?" + urlsplit(unescape(url)).query).get_json()["total"] == promised


def test_results_per_page_selector(client):
    html = _html(client.get("/?q=教师"))
    nav = re.search(r'<nav class="per-page".*?</nav>', html, re.S).group(0)
    assert "<strong" in nav and 'href="/?q=%E6%95%99%E5%B8%88&amp;size=20"' in nav


# -- export ---------------------------------------------------------------------------------

def test_csv_export_has_every_hit_with_bom_for_excel(client):
    api = client.get("/api/search?q=教师&theme=均衡发展&size=100").get_json()
    response = client.get("/export.csv?q=教师&theme=均衡发展&size=1&page=2")  # page and size do not limit an export
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == api["total"] == int(response.headers["X-Searchapp-Total"])
    by_id = {r[-1]: dict(zip(COLUMNS, r)) for r in rows[1:]}
    for hit in api["hits"]:
        row = by_id[hit["id"]]
        assert row["文件"] == hit["path"] and row["省"] == (hit["region"]["province"] or "")
        assert set(filter(None, row["主题"].split("、"))) == set(hit["themes"])
        assert row["摘要"] and "<mark>" not in row["摘要"]


def test_xlsx_export_opens_in_openpyxl(client):
    openpyxl = pytest.importorskip("openpyxl")
    api = client.get("/api/search?q=教师&size=100").get_json()
    response = client.get("/export.xlsx?q=教师")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book["搜索结果"].iter_rows(values_only=True))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == api["total"]
    years = {r[COLUMNS.index("编号")]: r[COLUMNS.index("年份")] for r in rows[1:]}
    for hit in api["hits"]:
        assert years[hit["id"]] in (hit["year"], None if hit["year"] is None else hit["year"], "")
    assert EXPORT_LIMIT >= 5000


def test_export_neutralises_spreadsheet_formulas(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "f.txt").write_text("=HYPERLINK(\"http://x\")关于教师交流的汇报\n\n教师交流工作。\n", encoding="utf-8")
    settings = settings_from_dict({"index_dir": str(tmp_path / "index")}, base_dir=tmp_path)
    index_paths(settings, [corpus], workers=1)
    engine = open_service(settings)
    client = create_app(settings, engine=engine).test_client()
    rows = list(csv.reader(io.StringIO(client.get("/export.csv?q=教师交流").data.decode("utf-8-sig"))))
    assert all(not cell.startswith("=") for row in rows[1:] for cell in row)


# -- feeds -----------------------------------------------------------------------------------

def test_search_page_offers_a_feed_that_feedparser_reads(client):
    feedparser = pytest.importorskip("feedparser")
    html = _html(client.get("/?q=教师&theme=均衡发展"))
    href = unescape(re.search(r'<a class="subscribe" href="([^"]+)"', html).group(1))
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"', html)
    response = client.get(href)
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    api = client.get("/api/search?q=教师&theme=均衡发展&size=100").get_json()
    assert {e.id.rsplit(":", 1)[1] for e in feed.entries} == {h["id"] for h in api["hits"]}
    assert "教师" in feed.feed.title
    assert all(e.link.startswith("http://localhost/doc/") and e.updated_parsed for e in feed.entries)


def test_feed_lists_newly_indexed_reports_first(tmp_path):
    feedparser = pytest.importorskip("feedparser")
    corpus = tmp_path / "docs"
    corpus.mkdir()
    shutil.copy(SEEDS / "000_41e64b6455ebe894.txt", corpus)
    settings = settings_from_dict({"index_dir": str(tmp_path / "index")}, base_dir=tmp_path)
    index_paths(settings, [corpus], workers=1)
    (corpus / "new.txt").write_text("关于控辍保学工作的新报告\n\n我区控辍保学与教师交流工作取得进展。\n", encoding="utf-8")
    index_paths(settings, [corpus], workers=1)
    engine = open_service(settings)
    client = create_app(settings, engine=engine).test_client()
    new_id = next(i.id for i in engine.backend.snapshot().docs.values() if Path(i.source).name == "new.txt")
    feed = feedparser.parse(client.get("/feed.atom?q=教师交流").data)
    assert len(feed.entries) >= 2
    assert feed.entries[0].id.endswith(new_id)


# -- JSON twins ---------------------------------------------------------------------------------

def _without_timing(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("took_ms", "cached")}


def test_search_page_has_a_json_twin(client):
    api = _without_timing(client.get("/api/search?q=教师&theme=均衡发展").get_json())
    by_suffix = client.get("/search.json?q=教师&theme=均衡发展")
    by_accept = client.get("/?q=教师&theme=均衡发展", headers={"Accept": "application/json"})
    assert _without_timing(by_suffix.get_json()) == api
    assert by_accept.mimetype == "application/json" and _without_timing(by_accept.get_json()) == api
    assert "Accept" in by_accept.headers.get("Vary", "")
    assert client.get("/?q=教师").mimetype == "text/html"  # a browser's Accept still gets the page


def test_document_page_has_a_json_twin(client, engine):
    doc_id = ids_by_prefix(engine)["000"][0]
    api = client.get(f"/api/doc/{doc_id}?q=教师").get_json()
    assert client.get(f"/doc/{doc_id}.json?q=教师").get_json() == api
    assert client.get(f"/doc/{doc_id}?q=教师", headers={"Accept": "application/json"}).get_json() == api
    missing = client.get("/doc/ffffffffffffffff.json")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


# -- 3: a portal origin that is not allowed ----------------------------------------------------------

def test_origin_check_names_the_setting_and_logs_once(seeds_index, engine, caplog):
    settings, _ = seeds_index
    allowed = "http://portal.example.test"
    app = create_app(dataclasses.replace(settings, server=dataclasses.replace(settings.server,
                                                                              cors_origins=[allowed])), engine=engine)
    client = app.test_client()
    ok = client.get("/embed.js/origin", headers={"Origin": allowed}).get_json()
    assert ok["allowed"] is True
    with caplog.at_level("WARNING", logger="searchapp.web"):
        for _ in range(3):
            response = client.get("/embed.js/origin", headers={"Origin": "http://other.example.test"})
    body = response.get_json()
    assert body == {"origin": "http://other.example.test", "allowed": False, "setting": "server.cors_origins"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    warnings = [r.getMessage() for r in caplog.records if "other.example.test" in r.getMessage()]
    assert len(warnings) == 1 and "server.cors_origins" in warnings[0]


def test_iframe_framed_by_an_origin_not_allowed_explains_itself(client):
    response = client.get("/embed?q=教师", headers={"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site",
                                                   "Referer": "http://other.example.test/portal.html"})
    html = _html(response)
    assert "server.cors_origins" in html and "http://other.example.test" in html
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert 'class="hit"' not in html  # no results for a portal that may not show them


def test_document_page_heading_tells_the_report_apart_too(office):
    client, by_name = office
    html = _html(client.get(f"/doc/{by_name['a1.txt']}"))
    h1 = unescape(re.search(r'<h1 class="doc-title">(.*?)</h1>', html).group(1))
    assert h1.startswith("政府工作报告") and "2019" in h1 and "广州市" in h1
    assert re.search(r"<title>政府工作报告（2019年", html)


def test_a_speech_opening_as_title_becomes_the_report_kind_with_year_and_speaker(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name, year in (("gw_0101.txt", 2013), ("gw_0102.txt", 2016)):  # names that say nothing
        (corpus / name).write_text(
            f"各位代表：\n\n现在，我代表国务院，向大会作政府工作报告，请予审议，并请全国政协各位委员提出意见。\n\n"
            f"一、{year}年工作回顾\n\n过去一年，教师交流轮岗全面推进，义务教育均衡发展取得新进展。\n", encoding="utf-8")
    settings = settings_from_dict({"index_dir": str(tmp_path / "index")}, base_dir=tmp_path)
    index_paths(settings, [corpus], workers=1)
    client = create_app(settings, engine=open_service(settings)).test_client()
    hits = client.get("/api/search?q=教师交流").get_json()["hits"]
    assert len(hits) == 2 and all(is_sentence(h["title"]) for h in hits), [h["title"] for h in hits]
    headings = [h["heading"] for h in hits]
    assert all(h.startswith("政府工作报告（") and "国务院" in h for h in headings), headings
    assert len(set(headings)) == 2, headings


def _shared_corpus() -> Path | None:
    """The team's shared corpus: $SEARCHAPP_SHARED, else a folder named ``shared`` holding
    ``corpus`` in a parent of the repository (a worktree at /work/wt/X finds /work/shared)."""
    import os

    given = os.environ.get("SEARCHAPP_SHARED")
    candidates = [Path(given)] if given else [p / "shared" for p in Path(__file__).resolve().parents]
    for folder in candidates:
        if (folder / "corpus").is_dir():
            return folder / "corpus"
    return None


def test_evidence_of_real_reports_reads_as_chinese(tmp_path):
    """The phrase table is checked on reports it was not written from: every 97th file of
    the shared corpus (skipped where that corpus is absent)."""
    shared = _shared_corpus()
    if shared is None:
        pytest.skip("the shared corpus is not present (set SEARCHAPP_SHARED)")
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for source in sorted(shared.glob("*.txt"))[::97][:60]:
        shutil.copy(source, corpus)
    settings = settings_from_dict({"index_dir": str(tmp_path / "index")}, base_dir=tmp_path)
    index_paths(settings, [corpus], workers=1)
    engine = open_service(settings)
    client = create_app(settings, engine=engine).test_client()
    english = {}
    for info in engine.backend.snapshot().docs.values():
        html = _html(client.get(f"/doc/{info.id}"))
        section = re.search(r'<details class="evidence">.*?</details>', html, re.S)
        words = _english_words(_visible_text(section.group(0))) if section else []
        if words:
            english[info.id] = words
    assert not english, english
