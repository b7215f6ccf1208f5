"""Split a scraped page that holds several articles into one article each.

范文 sites publish compilations — "第一篇:…", "第二篇:…" or "【篇一】…" — on one
page.  Indexed whole, a phrase from article three gets the title of article one,
and facets (region, year, kind) mix five reports.  So a compilation is cut at
its article headers.

A line is an article header when it *starts* with a numbered marker —
第一篇/第1篇, 篇一, 【篇一】, 范文一/範文一 — followed by a delimiter (:, 、, .,
space, a closing bracket or the end of the line), and is short.  A page is
split only when such headers form a run numbered 1, 2, 3 … in order, at least
two long.  So a report's own 第一章/第二章, 一、二、 headings, or a single
"第一篇" mention never split it.

Each :class:`Article` is the exact slice ``text[start:next_start]``, header line
included, so no character of the page is lost and offsets stay simple; the
header's own title is returned separately as ``title_hint``.  Text before the
first header (site chrome, the compilation's own title) is dropped when it is
only chrome or a few title lines, otherwise it stays with the first article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from searchapp.clean import clean_text

__all__ = ["Article", "split_articles"]

#: A header line longer than this is prose that happens to start with 第一篇.
MAX_HEADER_CHARS = 80
#: Preamble lines shorter than this without sentence punctuation count as a title.
_MAX_PREAMBLE_TITLE = 60

_NUM = r"[零〇一二两兩三四五六七八九十百\d０-９]{1,4}"
_HEADER_RE = re.compile(
    r"^[ \t\u3000]*(?P<open>[【\[〔(（]?)[ \t\u3000]*"
    rf"(?:第(?P<a>{_NUM})篇|篇(?P<b>{_NUM})|(?:范文|範文)(?P<c>{_NUM}))"
    r"(?P<gap>[ \t\u3000]*)(?P<close>[】\]〕)）]?)(?P<rest>[^\n]*)$",
    re.M,
)
_DELIM = ":：、.．,，-—_ \t\u3000"
_TITLE_TAG_RE = re.compile(
    r"[(（](?:精|精选|精選|精品|推荐|推薦|范文|範文|完整版|最新|最新版|优秀|優秀|word版|可编辑|可編輯|原创|原創|定稿|修改版|终稿|終稿|\d{1,2})[)）]\s*$",
    re.I,
)
_SENTENCE_END = re.compile(r"[。！？!?；;]")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass
class Article:
    """One article of a page: ``text == page[start:start+len(text)]``."""

    title_hint: str | None
    text: str
    start: int


@dataclass
class _Header:
    number: int
    start: int
    title: str | None


def _parse_number(s: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 3 → 3 (full-width digits too)."""
    s = s.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
    if s.isdigit():
        return int(s)
    if "百" in s:
        return None  # no compilation has a hundred articles; likely prose
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _DIGITS.get(tens, None) if tens else 1
        o = _DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    if len(s) == 1:
        return _DIGITS.get(s)
    return None


def _clean_title(rest: str) -> str | None:
    title = rest.strip().lstrip(_DELIM).strip()
    while True:
        stripped = _TITLE_TAG_RE.sub("", title).strip()
        if stripped == title:
            break
        title = stripped
    return title or None


def _headers(text: str) -> list[_Header]:
    found = []
    for m in _HEADER_RE.finditer(text):
        line = m.group(0)
        if len(line.strip()) > MAX_HEADER_CHARS:
            continue
        rest = m.group("rest")
        bracketed = bool(m.group("open")) and bool(m.group("close"))
        if rest.strip() and not bracketed and not m.group("gap") and rest[0] not in _DELIM:
            continue  # 第一篇文章… is prose, not a header
        number = _parse_number(m.group("a") or m.group("b") or m.group("c"))
        if number is None or number == 0:
            continue
        found.append(_Header(number, m.start(), _clean_title(rest)))
    return found


def _longest_run(headers: list[_Header]) -> list[_Header]:
    """The longest chain numbered 1, 2, 3 … in page order (other matches skipped)."""
    best: list[_Header] = []
    for i, h in enumerate(headers):
        if h.number != 1:
            continue
        run = [h]
        for later in headers[i + 1 :]:
            if later.number == run[-1].number + 1:
                run.append(later)
        if len(run) > len(best):
            best = run
    return best


def _preamble_is_chrome(preamble: str) -> bool:
    """Site chrome or the compilation's own title line(s): not part of article one."""
    kept = [line.strip() for line in clean_text(preamble).text.split("\n") if line.strip()]
    if not kept:
        return True
    return len(kept) <= 3 and all(len(line) <= _MAX_PREAMBLE_TITLE and not _SENTENCE_END.search(line) for line in kept)


def split_articles(text: str) -> list[Article]:
    """A page that holds several articles becomes one Article each; a normal
    report returns one Article covering the whole text."""
    run = _longest_run(_headers(text))
    if len(run) < 2:
        return [Article(title_hint=None, text=text, start=0)]
    first_start = run[0].start
    if first_start and not _preamble_is_chrome(text[:first_start]):
        first_start = 0
    starts = [first_start] + [h.start for h in run[1:]] + [len(text)]
    return [
        Article(title_hint=h.title, text=text[starts[i] : starts[i + 1]], start=starts[i])
        for i, h in enumerate(run)
    ]
