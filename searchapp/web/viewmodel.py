"""What the search page shows besides the response itself: facet navigation,
filter chips, pagination — all as plain dicts of labels, counts and URLs.

Keeping this out of the templates keeps them declarative, and because every
link is built from :class:`~searchapp.web.params.SearchState` the whole page
works with JavaScript off (links and GET forms only).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from searchapp.model import FACETS
from searchapp.web.charts import region_bars, year_histogram
from searchapp.web.params import SearchState

FACET_LABELS = {f.name: f.label for f in FACETS}
SORT_LABELS = {"relevance": "相关度", "year": "年份（新→旧）"}


def _find_region(tree: list[dict[str, Any]], value: str) -> list[dict[str, Any]] | None:
    """The chain of nodes from the root to the node matching ``value`` (a path or a name)."""
    value = value.strip().strip("/")
    for node in tree:
        if node["path"] == value or node["value"] == value:
            return [node]
        below = _find_region(node.get("children") or [], value)
        if below:
            return [node, *below]
    return None


def region_nav(state: SearchState, tree: list[dict[str, Any]]) -> dict[str, Any]:
    """Drill-down: a breadcrumb to the selected region and the next level's values.

    Choosing a region replaces the region filter (narrowing, not OR-ing), which
    is what a drill-down means; several regions can still be combined by URL.
    """
    crumbs: list[dict[str, Any]] = [{"label": "全部地区", "url": state.without("region").url(), "count": None}]
    level = tree
    current: dict[str, Any] | None = None
    if len(state.region) == 1:
        chain = _find_region(tree, state.region[0])
        if chain:
            current = chain[-1]
            for node in chain:
                if crumbs[-1]["label"] == node["value"]:
                    continue  # 上海市 › 上海市: a municipality is its own city, one step is enough
                crumbs.append({"label": node["value"], "url": state.with_(region=[node["path"]]).url(),
                               "count": node["count"]})
            level = current.get("children") or []
            while len(level) == 1 and level[0]["value"] == current["value"]:
                current = level[0]
                level = current.get("children") or []
        else:
            # Selected, but nothing matches there now: still show where we are.
            crumbs.append({"label": state.region[0], "url": state.url(), "count": 0})
    entries = [{"label": n["value"], "count": n["count"], "url": state.with_(region=[n["path"]]).url(),
              "has_children": bool(n.get("children"))} for n in level]
    return {"crumbs": crumbs, "entries": entries, "current": current}


def year_options(state: SearchState, years: list[dict[str, Any]]) -> dict[str, Any]:
    """Year checkboxes (with counts) and the range form's current values.

    Single years selected are checkboxes; the first range selected fills the
    from–to boxes; any further ranges ride along as hidden fields.
    """
    counts = {str(y["value"]): y["count"] for y in years}
    selected_single = [y for y in state.year if y.isdigit()]
    ranges = [y for y in state.year if not y.isdigit()]
    values = list(counts)
    for y in selected_single:
        if y not in counts:
            values.append(y)
    values.sort(reverse=True)
    options = [{"value": v, "count": counts.get(v, 0), "checked": v in selected_single} for v in values]
    lo = hi = ""
    if ranges:
        lo, _, hi = ranges[0].partition("-")
    return {"options": options, "from": lo.strip(), "to": hi.strip(), "hidden": ranges[1:],
            "known": sorted(int(v) for v in counts)}


def value_options(selected: list[str], values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checkbox options for a multi-select facet; selected values stay listed even at zero."""
    options = [{"value": str(v["value"]), "count": v["count"], "checked": str(v["value"]) in selected}
               for v in values]
    present = {o["value"] for o in options}
    options.extend({"value": s, "count": 0, "checked": True} for s in selected if s not in present)
    return options


def chips(state: SearchState) -> list[dict[str, str]]:
    return [{"facet": facet, "label": FACET_LABELS[facet], "value": value, "url": url,
             "shown": " › ".join(dict.fromkeys(value.split("/"))) if facet == "region" else value}
            for facet, value, url in state.chips()]


def pagination(state: SearchState, page: int, pages: int, window: int = 2) -> dict[str, Any]:
    """Previous/next and a window of page numbers around the current page, with gaps."""
    numbers: list[int | None] = []
    shown = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    last = 0
    for n in shown:
        if n - last > 1:
            numbers.append(None)
        numbers.append(n)
        last = n
    return {
        "prev": state.with_(page=page - 1).url() if page > 1 else None,
        "next": state.with_(page=page + 1).url() if page < pages else None,
        "pages": [{"number": n, "url": state.with_(page=n).url() if n else None, "current": n == page}
                  for n in numbers],
    }


def sort_links(state: SearchState) -> list[dict[str, Any]]:
    return [{"label": label, "url": state.with_(sort=key).url(), "current": state.sort == key}
            for key, label in SORT_LABELS.items()]


def region_label(region: dict[str, Any]) -> str:
    """广东省 › 广州市 › 荔湾区; a name repeated at the next level (上海市 › 上海市) shows once."""
    parts = [v for v in (region.get("province"), region.get("city"), region.get("district")) if v]
    return " › ".join(dict.fromkeys(parts))


#: Results-per-page choices offered on the search page (the server's maximum still applies).
PAGE_SIZES = (10, 20, 50, 100)


def size_options(state: SearchState, current: int) -> list[dict[str, Any]]:
    """The 每页 selector: sizes with links (no-JS) and which one is in use."""
    sizes = sorted({*PAGE_SIZES, current})
    return [{"value": n, "url": state.with_(size=n).url(), "current": n == current} for n in sizes]


def search_page_model(state: SearchState, response: dict[str, Any],
                      copy_lookup: Any = None) -> dict[str, Any]:
    """Everything the search template needs beyond ``response`` itself.

    ``copy_lookup(id)`` → (title, path) names the near-duplicate copies of a hit."""
    facets = response.get("facets") or {}
    lookup = copy_lookup or (lambda _id: None)
    region = region_nav(state, facets.get("region") or [])
    return {
        "year_chart": year_histogram(state, facets.get("year") or []),
        "region_chart": region_bars(region["entries"]),
        "copies": {h["id"]: copies(h.get("duplicate_ids") or [], lookup) for h in response.get("hits") or []},
        "sizes": size_options(state, response["size"]),
        "region": region,
        "years": year_options(state, facets.get("year") or []),
        # Checkbox lists, one per multi- or single-valued facet of the registry.
        "value_facets": [(f.name, value_options(getattr(state, f.name), facets.get(f.name) or []))
                         for f in FACETS if f.kind in ("multi", "single")],
        "chips": chips(state),
        "clear_url": state.without_filters().url(),
        "pagination": pagination(state, response["page"], response["pages"]),
        "sorts": sort_links(state),
        "first_rank": (response["page"] - 1) * response["size"] + 1,
    }


# -- telling results apart ------------------------------------------------------------

_SENTENCE_MARKS = re.compile(r"[，,；;。！？!?]|…|\.\.\.")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGIT = re.compile(r"\d")
#: A title no longer than this that names no year and no place says only what kind of report it is.
GENERIC_TITLE_CHARS = 6


@lru_cache(maxsize=4096)
def source_name(path: str) -> tuple[str, str]:
    """``…/2019年广州市政府工作报告.docx#3`` → (``2019年广州市政府工作报告``, ``3``).
    Cached: every hit of every result list asks, and PurePath parsing costs more than the rest."""
    file_part, _, article = (path or "").partition("#")
    name = PurePath(file_part.replace("\\", "/")).name
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return stem, article


def issuing_body(region: dict[str, Any] | None) -> str:
    """广东省广州市荔湾区 (province and city names joined without separators, as bodies are named)."""
    parts = [v for v in ((region or {}).get("province"), (region or {}).get("city"), (region or {}).get("district"))
             if v]
    return "".join(dict.fromkeys(parts))  # 上海市/上海市 once


def is_sentence(title: str) -> bool:
    """A "title" that is really the first sentence of the body (「现在，我代表…」)."""
    return bool(_SENTENCE_MARKS.search(title))


def is_generic(title: str, region: dict[str, Any] | None) -> bool:
    """A bare genre such as 「政府工作报告」: short, no year, no place of its own."""
    t = title.strip()
    if not t:
        return True
    if len(t) > GENERIC_TITLE_CHARS or _DIGIT.search(t):
        return False
    names = [v for v in (region or {}).values() if v]
    return not any(n.rstrip("省市区县") in t for n in names)


#: 「我代表国务院，向大会作政府工作报告」: who speaks (an office) and what report it gives.
_SPEAKER = re.compile(r"(?:代表|受)([\u4e00-\u9fff]{0,10}?(?:国务院|人民政府|政府|委员会|常委会|党委|党组|法院|"
                      r"检察院|教育局|教育厅|局|厅|委|办))(?=[，,、\s向作在的])")
_REPORT_KIND = re.compile(r"作([\u4e00-\u9fff]{0,14}?报告)")
_REPORTS_ON = re.compile(r"报告([\u4e00-\u9fff]{0,6}?)工作")


def speech_heading(sentence: str) -> tuple[str, str] | None:
    """(report kind, speaking office) from a speech's opening sentence, when it names both:
    「现在，我代表国务院，向大会作政府工作报告，请予审议」 → (政府工作报告, 国务院).
    A report that is "given" (「向大会报告工作」「报告政府工作」) reads as (政府)工作报告."""
    speaker = _SPEAKER.search(sentence + "，")
    if not speaker:
        return None
    kind = _REPORT_KIND.search(sentence)
    if kind:
        name = kind[1]
        name = re.sub(r"^(?:关于|有关)", "", name)
        return (name if len(name) >= 4 else "工作报告"), speaker[1]
    given = _REPORTS_ON.search(sentence)  # 向大会报告工作 / 报告政府工作
    if given:
        return f"{given[1]}工作报告", speaker[1]
    return None


def heading(hit: dict[str, Any], repeated: set[str] | frozenset[str] = frozenset()) -> str:
    """A title line that tells this result apart from its neighbours.

    The extracted title when it is a real heading; the source file's name when the
    "title" is a body sentence and the name says more; and, when the title is a bare
    genre or recurs in the list, the year and issuing body (or the file name) after it.
    """
    title = (hit.get("title") or "").strip()
    stem, article = source_name(hit.get("path") or "")
    if (not title or is_sentence(title)) and len(_CJK.findall(stem)) >= 4:
        return stem  # a file name that says what the report is: better than a body sentence
    spoken = speech_heading(title) if is_sentence(title) else None
    if spoken:
        kind, speaker = spoken
        year = f"{hit['year']}年" if hit.get("year") else ""
        return f"{kind}（{' · '.join(x for x in (year, speaker) if x)}）"
    main = title or "（无标题）"
    if not (title in repeated or not title or is_sentence(title) or is_generic(title, hit.get("region"))):
        return main
    qualifiers = []
    if hit.get("year") and str(hit["year"]) not in main:
        qualifiers.append(f"{hit['year']}年")
    body = issuing_body(hit.get("region"))
    if body and body not in main:
        qualifiers.append(body)
    if not qualifiers and stem:
        qualifiers.append(f"{stem}{' 第' + article + '篇' if article else ''}")
    return f"{main}（{' · '.join(qualifiers)}）" if qualifiers else main


def add_headings(hits: list[dict[str, Any]]) -> None:
    """Give every hit its ``heading`` (see :func:`heading`), judged against the whole list;
    headings that still coincide (same kind, body and year, or no year) name their file."""
    counts = Counter((h.get("title") or "").strip() for h in hits)
    repeated = {t for t, n in counts.items() if n > 1}
    for h in hits:
        h["heading"] = heading(h, repeated)
    clashes = Counter(h["heading"] for h in hits)
    for h in hits:
        if clashes[h["heading"]] > 1:
            stem, article = source_name(h.get("path") or "")
            name = f"{stem}{' 第' + article + '篇' if article else ''}"
            if name and name not in h["heading"]:
                h["heading"] = (h["heading"][:-1] + f" · {name}）" if h["heading"].endswith("）")
                                else f"{h['heading']}（{name}）")


# -- snippet and highlight tidying ------------------------------------------------------

_ADJACENT_MARKS = re.compile(r"</mark>(\s*)<mark>")
#: Markup and Markdown that .txt/.md sources carry as text (escaped by the query layer).
_FORMATTING_TAGS = "p|br|strong|b|em|i|u|span|div|font|h[1-6]|li|ul|ol|table|tbody|thead|tr|td|th|center|small|sup|sub"
_ESCAPED_TAG = re.compile(r"&lt;/?(?:" + _FORMATTING_TAGS + r")(?:\s[^&]{0,80})?/?&gt;", re.I)
_MARKDOWN = re.compile(r"(?:(?<=^)|(?<=\s)|(?<=>))#{1,6}\s+|\*\*|__(?=\S)|(?<=\S)__")
_SPACE_RUN = re.compile(r"[ \t]{2,}")


def tidy_snippet(html: str) -> str:
    """Adjacent highlights as one mark; stray tags and Markdown signs in the text dropped."""
    # Each pass only where its pattern can match (most snippets need none of them): the
    # query layer escapes the text, so a tag reads "&lt;…", and "&" appears only in escapes.
    if "&" in html:
        html = _ESCAPED_TAG.sub(" ", html)
    if "#" in html or "**" in html or "__" in html:
        html = _MARKDOWN.sub("", html)
    if "  " in html or "\t" in html:
        html = _SPACE_RUN.sub(" ", html)
    return merge_marks(html).strip()


def merge_marks(html: str) -> str:
    """``<mark>教师</mark><mark>交流</mark>`` → ``<mark>教师交流</mark>`` (no gap between them).
    Searched first: most snippets have no adjacent marks, and ``sub`` with a template
    parses the template on every call."""
    return _ADJACENT_MARKS.sub(r"\1", html) if "</mark>" in html and _ADJACENT_MARKS.search(html) else html


def copies(ids: list[str], lookup: Any) -> list[dict[str, str]]:
    """Near-duplicate copies with their title and file path (``lookup(id)`` → (title, path))."""
    out = []
    for doc_id in ids:
        found = lookup(doc_id)
        title, path = found if found else ("", "")
        out.append({"id": doc_id, "title": title or "（无标题）", "path": path})
    return out


_MARK = re.compile(r"<mark\b([^>]*)>([^<]*)</mark>")


def tidy_doc_html(html: str) -> str:
    """The document text with adjacent highlights drawn as one (their ids m1, m2… kept,
    so match navigation still counts each): the touching sides lose padding and rounding."""
    def join(m: re.Match[str]) -> str:
        left = html.endswith("</mark>", 0, m.start())
        right = html.startswith("<mark", m.end())
        side = "both" if left and right else "l" if left else "r" if right else ""
        return f'<mark{m[1]} data-join="{side}">{m[2]}</mark>' if side else m[0]

    return _MARK.sub(join, html)
