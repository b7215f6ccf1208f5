"""Find a report's own title line.

Reports reach us as scraped web pages, document-viewer pages and compilations,
so the first line is often not the title: it may be a site name, a file name
("….docx", "…_第1页"), an upload line ("上传人:…"), a 导语 blurb, a date, a
compilation header ("第一篇:…(精)") or a salutation (各位领导:). We skip those,
take the first line that looks like a title, and join a title that the author
broke over several lines ("县级政府…工作" + "汇" + "报") or that has a subtitle
("切实履行政府职责 促进教育优质均衡" + "——2007年、2008年…" + "…自查报告").

The function works on the original (cleaned, not normalized) text so the title
keeps its script; the patterns below therefore list Traditional forms as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from searchapp.chrome import is_site_blurb

__all__ = ["MAX_TITLE_CHARS", "extract_title", "heading_index", "is_first_sentence", "is_title_line"]

#: Titles longer than this are cut (a subtitle is dropped first).
MAX_TITLE_CHARS = 80

_SCAN_LINES = 40
_MIN_TITLE_CHARS = 3  # "教师法"
# Short lines that are document furniture, never a title.
_NOT_TITLES = frozenset({"目录", "目錄", "正文", "摘要", "前言", "附件", "说明", "說明", "全文", "简介", "簡介"})
_MAX_CONTINUATION_LINES = 2
_PARAGRAPH_MIN_CHARS = 60

_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\ufeff\u2060]")
_MARKDOWN_RE = re.compile(r"^(?:#{1,6}\s*|>\s*)+|^\*\*(.*)\*\*$")
_FILE_SUFFIX_RE = re.compile(
    r"\.(?:docx?|wps|pdf|txt|pptx?|xlsx?|rtf)(?:\s*[_-]\s*第\s*\d+\s*页)?\s*$|\s*[_-]\s*第\s*\d+\s*页\s*$",
    re.IGNORECASE,
)
_COMPILATION_RE = re.compile(
    r"^(?:第\s*[一二三四五六七八九十百\d]+\s*篇|篇\s*[一二三四五六七八九十\d]+)\s*[:：、.．\s]\s*"
)
# Labels that sharing sites glue on a title: (精) (精选) 【精品】 (完整版) (共5篇) …
_TAG_RE = re.compile(
    r"\s*[(（【\[](?:精|精选|精選|精品|完整版|最新|优质|優質|范文|範文|推荐|推薦|word版|可编辑|可編輯|"
    r"共\s*\d+\s*篇|\d+\s*篇)[^)）】\]]{0,6}[)）】\]]\s*$",
    re.IGNORECASE,
)

# A PDF viewer's page number before the first line: "1 2019年…", "3 关于…".
_PAGE_NUMBER_RE = re.compile(r"^\d{1,3}\s+(?=(?:19|20)\d\d\s*年|[\u4e00-\u9fff「“《])")
# "(新)", "【最新】" before a title.
_LEAD_TAG_RE = re.compile(r"^[(（【\[](?:新|最新|精选|精選|精品|推荐|推薦|热门|熱門|原创|原創)[)）】\]]\s*")
# A compilation's article number after the title: "…述职报告 篇1", "…工作总结1", "…总结篇1".
_ARTICLE_NUMBER_RE = re.compile(
    r"(?<=[告结結话話报報划劃案知见見点點要料稿])\s*(?:第?\s*[0-9一二三四五六七八九十]{1,2}\s*篇|篇\s*[0-9一二三四五六七八九十]{1,2}|[0-9]{1,2})(?:\s*[:：])?$"
)

# Lines that are page furniture rather than content: labelled metadata
# ("上传人:…", "发布时间:…"), short menu and breadcrumb lines ("下载 相关 举报",
# "首页 > 工作汇报"), and lines with site contacts or addresses.
_CHROME_LABEL_RE = re.compile(
    r"^(?:上传人|上傳人|文档编号|文檔編號|上传|上傳|导语|導語|时间|時間|日期|来源|來源|作者|编辑|編輯|"
    r"发布|發布|发表|發表|浏览|瀏覽|阅读|閱讀|更新|点击|點擊|您的位置|当前位置|當前位置|所在位置)[^:：]{0,6}[:：]"
)
_CHROME_MENU_RE = re.compile(
    r"^(?:下载|下載|相关|相關|分享|收藏|打印|全屏|【?字号|加大|还原|减小|点击|點擊|扫码|掃碼|关注|關注|返回|"
    r"首页|首頁|当前位置|當前位置|上一篇|下一篇|举报|舉報|】)"
)
_BREADCRUMB_MARKS = (">", "»", "›", "＞")
_CHROME_ANY_RE = re.compile(
    r"由会员分享|由會員分享|在线阅读|在線閱讀|点击查看更多|第\s*\d+\s*页\s*/\s*共|收集\s*整\s*理|本\s*文\s*由|"
    r"https?://|www\.|\.com|\.cn\b|客服微信|加微信|微信号|版权所有|版權所有|copyright|ICP备",
    re.IGNORECASE,
)
_SITE_NAME_RE = re.compile(r"^.{1,10}(?:网|網|文库|文庫|网站|網站)$")
_DATE_ONLY_RE = re.compile(
    r"^[\s(（\[]*(?:[\d〇○零一二三四五六七八九]{4}\s*[年.\-/]\s*[\d一二三四五六七八九十]{1,3}"
    r"(?:\s*[月.\-/]\s*[\d一二三四五六七八九十]{0,3}\s*[日号]?)?|\d{8})[\s)）\]]*$"
)
_SALUTATION_RE = re.compile(
    r"^.{1,30}[:：]$|^[^，。,]{0,16}(?:同志们|同志們|代表们|代表們|各位代表|各位领导|各位領導|各位委员|各位委員|"
    r"老师们|老師們|同学们|同學們|朋友们|朋友們|女士们|先生们)[!！,，]?$"
)
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．]\D"
    r"|第[一二三四五六七八九十\d]+[章节條条部])"
)
_SENTENCE_END_RE = re.compile(r"[。！？!?；;]")
_CLAUSE_RE = re.compile(r"[，,。；;！？!?]")
_SUBTITLE_RE = re.compile(r"^(?:——|—|－－|--|─)")
# A title is complete when it ends with the name of a document type.
_TYPE_END_RE = re.compile(
    r"(?:报告|報告|汇报|匯報|讲话|講話|讲话稿|講話稿|发言|發言|发言稿|發言稿|致辞|致辭|总结|總結|小结|小結|"
    r"计划|計劃|规划|規劃|方案|通知|通报|通報|意见|意見|决定|決定|决议|決議|办法|辦法|条例|條例|规定|規定|"
    r"细则|細則|纲要|綱要|要点|要點|材料|述职|述職|体会|體會|自查|汇报材料|公告|通告|纪要|紀要|简报|簡報)"
    r"[)）]?$"
)


@dataclass(frozen=True)
class _Line:
    """A cleaned line, remembering the chrome that was stripped from it."""

    text: str
    compilation: bool = False  # was "第一篇:…": a compiler's label for the next article
    markdown_heading: bool = False  # was "# …": a block of its own, never part of another line


# The end-anchored patterns above are searched from every position of a line (long
# paragraph lines too); a character test that any match needs skips most searches.
_TAG_CLOSERS = frozenset(")）】]")
_ARTICLE_NUMBER_ENDS = frozenset("0123456789一二三四五六七八九十篇:：")


def _closes_bracket(line: str) -> bool:
    """Whether :data:`_TAG_RE` can match: its match ends the line (``$``: before a
    final newline too) with a closing bracket and optional whitespace."""
    return not _TAG_CLOSERS.isdisjoint(line)


def _ends_like_number(line: str) -> bool:
    """Whether :data:`_ARTICLE_NUMBER_RE` can match: it ends with a digit, a Chinese
    numeral, 篇 or a colon, at the end of the line or before a final newline."""
    return not _ARTICLE_NUMBER_ENDS.isdisjoint(line[-2:])


@lru_cache(maxsize=4096)
def _clean(raw: str) -> _Line:
    """Strip markup and file/compilation chrome from one line.

    Cached: title extraction, :func:`is_first_sentence` (called by year and type
    detection) and the heading search each clean the same first lines of a
    document, about 200 calls per document; the result is an immutable value of
    the line alone."""
    line = _INVISIBLE_RE.sub("", raw).strip().strip("\u3000\xa0").strip()
    heading = line.startswith("#")
    m = _MARKDOWN_RE.match(line)
    if m:
        line = (m.group(1) if m.group(1) is not None else line[m.end() :]).strip()
    if "." in line or "页" in line:  # both alternatives need one: most lines skip the search
        line = _FILE_SUFFIX_RE.sub("", line).strip()
    if line.startswith("《") and line.endswith("》") and line.count("《") == 1:
        inner = line[1:-1]
        if _FILE_SUFFIX_RE.search(inner):
            line = _FILE_SUFFIX_RE.sub("", inner).strip()
    compilation = False
    m = _COMPILATION_RE.match(line)
    if m:
        line, compilation = line[m.end() :].strip(), True
    if _closes_bracket(line):
        line = _TAG_RE.sub("", line).strip()
    if _ends_like_number(line):
        line = _ARTICLE_NUMBER_RE.sub("", line)
    line = _LEAD_TAG_RE.sub("", line).strip()
    line = _PAGE_NUMBER_RE.sub("", line)
    return _Line(line, compilation, heading)


def _is_menu(line: str) -> bool:
    """Is this navigation ("下载 相关 举报", "首页 > 工作汇报", "【字号：") rather than content?"""
    if not _CHROME_MENU_RE.match(line):
        return False
    return any(mark in line for mark in _BREADCRUMB_MARKS) or all(len(tok) <= 4 for tok in line.split())


def _is_chrome(line: str) -> bool:
    """Page furniture: punctuation, labelled metadata, menus, site names, bare dates."""
    return bool(
        not any(c.isalnum() for c in line)
        or _CHROME_LABEL_RE.match(line)
        or _is_menu(line)
        or _CHROME_ANY_RE.search(line)
        or _SITE_NAME_RE.match(line)
        or _DATE_ONLY_RE.match(line)
    )


def _is_paragraph(line: str) -> bool:
    """A long line with clause punctuation: body text, so the title search stops."""
    return len(line) >= _PARAGRAPH_MIN_CHARS and bool(_CLAUSE_RE.search(line))


def _is_title_like(line: str) -> bool:
    """Short, not a sentence, not a heading, not a salutation."""
    return (
        _MIN_TITLE_CHARS <= len(line) <= 2 * MAX_TITLE_CHARS
        and line not in _NOT_TITLES
        and not _SENTENCE_END_RE.search(line)
        and line.count("，") + line.count(",") <= 1
        and not _SALUTATION_RE.match(line)
        and not _HEADING_RE.match(line)
        and not _is_paragraph(line)
    )


def is_title_line(raw: str) -> bool:
    """Is this raw line shaped like a title (not chrome, not a sentence)?"""
    text = _clean(raw).text
    return _is_title_like(text) and not _is_chrome(text)


def _can_continue(item: _Line) -> bool:
    """A line that may be the rest of a broken title (even a single character)."""
    line = item.text
    return (
        0 < len(line) <= 40
        and not item.markdown_heading
        and not item.compilation
        and not _SUBTITLE_RE.match(line)
        and not _CLAUSE_RE.search(line)
        and not _SALUTATION_RE.match(line)
        and not _HEADING_RE.match(line)
        and not _is_chrome(line)
    )


def _join(a: str, b: str) -> str:
    """Join two pieces of a broken title: no space between CJK characters."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _complete(title: str, rest: list[_Line]) -> tuple[str, int]:
    """Append following lines while they finish an unfinished title.

    Returns the joined text and how many lines of ``rest`` it used. Lines are
    taken only when, together, they end with a document-type word, so an author
    line or the first heading is never glued on; a title that ends with a
    bracket ("…(20220924)") is already complete.
    """
    if _TYPE_END_RE.search(title) or title.endswith((")", "）", "》", "]", "】")):
        return title, 0
    joined = ""
    for n, item in enumerate(rest[:_MAX_CONTINUATION_LINES], start=1):
        if not _can_continue(item) or item.text == title:
            break
        joined = _join(joined, item.text)
        if _TYPE_END_RE.search(joined):
            return _join(title, joined), n
    return title, 0


def _similar(a: str, b: str) -> bool:
    """Do two lines name the same thing? (shared characters, ignoring punctuation)."""
    sa = {c for c in a if c.isalnum()}
    sb = {c for c in b if c.isalnum()}
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= 0.5


def _shorten(title: str, main: str | None = None) -> str:
    """Fit in MAX_TITLE_CHARS: drop the subtitle first, then cut."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    if main and len(main) <= MAX_TITLE_CHARS:
        return main
    return title[:MAX_TITLE_CHARS].rstrip()


def _assemble(lines: list[_Line], i: int) -> str:
    """Build the title starting at ``lines[i]``: join a broken line and a subtitle.

    A main title is broken over two lines when its first line does not end with a
    type word and either the lines after it finish one ("…工作" + "汇" + "报") or a
    second short line is followed by a "——" subtitle (two parallel slogans).

    The subtitle is kept only when the main title does not say what the document
    is ("切实履行政府职责 促进教育优质均衡" needs its "——…自查报告"), because a
    self-describing title ("2026年上海市政府工作报告") reads better alone.
    """
    main, used = _complete(lines[i].text, lines[i + 1 :])
    j = i + 1 + used
    if (
        not used
        and j + 1 < len(lines)
        and not _TYPE_END_RE.search(main)
        and _is_title_like(lines[j].text)
        and len(lines[j].text) <= 30
        and not _SUBTITLE_RE.match(lines[j].text)
        and not lines[j].markdown_heading
        and _SUBTITLE_RE.match(lines[j + 1].text)
    ):
        # Two slogan lines before a "——…" subtitle are both the main title.
        main = f"{main} {lines[j].text}"
        j += 1
    if (
        j < len(lines)
        and _SUBTITLE_RE.match(lines[j].text)
        and not lines[j].markdown_heading
        and not _TYPE_END_RE.search(main)
    ):
        subtitle, _ = _complete(lines[j].text, lines[j + 1 :])
        return _shorten(_join(main, subtitle), main)
    return _shorten(main)


def _first_sentence(line: str) -> str:
    """The fallback title: the line up to its first full stop, capped."""
    m = _SENTENCE_END_RE.search(line)
    sentence = line[: m.start()] if m else line
    return _shorten(sentence.strip())


def _from_filename(filename: str | None) -> str:
    """The file name's stem without extensions and viewer chrome ("_第1页")."""
    if not filename:
        return ""
    stem = PurePath(filename).name
    while True:
        shorter = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", _FILE_SUFFIX_RE.sub("", stem)).strip()
        if shorter == stem or not shorter:
            break
        stem = shorter
    return _shorten(_TAG_RE.sub("", stem).strip())


def _head_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]`` without splitting the whole text.

    Only the first lines can matter for a title, and a long report has thousands:
    split a prefix, doubling it until it holds more than ``count`` lines (then the
    first ``count`` are complete) or is the whole text."""
    if not text:
        return []
    size = 4096
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:
            return lines[:count]
        size *= 2
    return text.splitlines()[:count]


def _content_lines(text: str) -> list[_Line]:
    """The first non-empty cleaned lines, without breadcrumb items.

    Breadcrumbs are often split one item per line ("首页" / ">" / "云南要闻"); the
    item after a ">" and any later repeat of it are navigation, not titles.
    """
    lines: list[_Line] = []
    crumbs: set[str] = set()
    after_mark = False
    for raw in _head_lines(text, _SCAN_LINES * 3):
        bare = raw.strip()
        if bare and bare.endswith(_BREADCRUMB_MARKS):
            after_mark = True
            continue
        item = _clean(raw)
        if not item.text:
            continue
        if after_mark and len(item.text) <= 12:
            crumbs.add(item.text)
        after_mark = False
        if item.text in crumbs:
            continue
        lines.append(item)
        if len(lines) >= _SCAN_LINES:
            break
    return lines


_LABEL_PREFIX_RE = re.compile(r"^(?:文章标题|文章標題|标题|標題|名称|名稱|题目|題目|文件名称|文件名稱)\s*[:：]?\s*")
# A sharing site's name glued before the title: "某某范文网 导航…", "某某範文站…".
_SITE_PREFIX_RE = re.compile(
    r"^[^\s，。]{0,8}(?:范文|範文|文库|文庫|文秘|写作|寫作|公文|文档|文檔)(?:网|網|站|吧)?\s*(?:导航|導航)?\s*"
)
_HEADING_SCAN = 60
# "最新異動日期：2024…", "法規類別：…": a labelled field, never a heading.
_FIELD_LINE_RE = re.compile(r"^[^：:，,。]{1,8}[：:]")
# "2001年12月25日 …会议通过": a dated line (a law's history, a stamp), never a heading.
_DATE_LEAD_RE = re.compile(r"^[(（]?(?:19|20)\d\d\s*(?:年\s*\d{1,2}\s*月|[-/.]\s*\d)")
_TITLE_OPENER_RE = re.compile(r"^(?:关于|關於|在|致)")
_URL_IN_LINE_RE = re.compile(r"https?://|www\.[A-Za-z0-9-]+\.")
_SITE_WORD_RE = re.compile(r"浏览|瀏覽|登录|登錄|注册|註冊|下载|下載|会员|會員|点击|點擊")
_REPORT_WORD_RE = re.compile(r"工作|会议|會議|召开|召開|举行|舉行|开展|開展|情况|情況|教育|学校|學校|教师|教師")


def _strip_labels(line: str) -> str:
    """"文章标题:…", "名称: …" and a site name glued before the title go."""
    line = _LABEL_PREFIX_RE.sub("", line)
    m = _SITE_PREFIX_RE.match(line)
    if m and m.end() < len(line) and len(line) - m.end() >= 8:
        line = line[m.end():]
    return line.strip()


def _heading_score(text: str, others: list[str]) -> int:
    score = 0
    if _TYPE_END_RE.search(text):
        score += 3
    elif _REPORT_WORD_RE.search(text):
        score += 1
    if any(text in o for o in others):
        score += 2  # the page repeats it (<title>, breadcrumb, h1)
    return score


def heading_index(lines: list[str]) -> int | None:
    """Index in ``lines`` of the report's heading (see :func:`_heading_choice`)."""
    choice = _heading_choice(lines)
    return choice[0] if choice else None


def _heading_choice(lines: list[str]) -> tuple[int, int] | None:
    """Index in ``lines`` of the report's heading: among the title-shaped lines above
    the first paragraph of prose, the one that says what the report is (ends with a
    document type, names work or a meeting) and that the page repeats, the closest to
    the body on ties. None when the page starts with its prose."""
    items: list[tuple[int, str]] = []
    for i, raw in enumerate(lines):
        item = _clean(raw)
        if not item.text:
            continue
        text = _strip_labels(item.text)
        if is_site_blurb(text) or (len(text) < 40 and _SITE_WORD_RE.search(text)) or _URL_IN_LINE_RE.search(text):
            continue  # the site speaking ("…方可瀏覽。"): not the report's first sentence
        if _SALUTATION_RE.match(text) or _is_paragraph(text) or _SENTENCE_END_RE.search(text[:-1] or "x"):
            if len(text) >= 20 or _SALUTATION_RE.match(text):
                break
        items.append((i, text))
        if len(items) >= _HEADING_SCAN:
            break
    texts = [t for _, t in items]
    best: tuple[int, int] | None = None
    shaped = [pos for pos, (_, text) in enumerate(items)
              if len(text) >= 5 and _is_title_like(text) and not _is_chrome(text) and not is_site_blurb(text)
              and not _FIELD_LINE_RE.match(text) and not _DATE_LEAD_RE.match(text)]
    nearest = shaped[-1] if shaped and len(items[shaped[-1]][1]) >= 8 else None
    for pos in shaped:
        text = items[pos][1]
        others = texts[:pos] + texts[pos + 1:]
        score = _heading_score(text, others) + (pos == nearest)  # right above the body
        if score == 0:
            continue
        if best is None or score > best[0]:
            best = (score, pos)
    if best is None:
        return None
    score, pos = best
    # The heading may be the last line of a title block: a main title, a "——"
    # subtitle and its continuation all belong to it.
    while pos > 0 and _is_title_like(items[pos - 1][1]) and not _is_chrome(items[pos - 1][1]):
        prev, cur = items[pos - 1][1], items[pos][1]
        if not (_SUBTITLE_RE.match(cur) or _SUBTITLE_RE.match(prev)):
            # A title broken over lines ("关于进一步加强…" + "…的实施意见"): move up only
            # when the line above, assembled as a title, takes this line in.
            bare_prev, bare_cur = re.sub(r"\s", "", prev), re.sub(r"\s", "", cur)
            if _TITLE_OPENER_RE.match(cur) or bare_cur in bare_prev or bare_prev in bare_cur:
                break  # "关于…" starts a title of its own; a line holding the other is a copy
            block = [_Line(t) for _, t in items[pos - 1 : pos + 3]]
            if cur not in _assemble(block, 0):
                break
        pos -= 1
    return items[pos][0], score


def _glued_heading(line: str) -> str | None:
    """On a one-line page the heading runs into the body: "…工作的汇报2022年以来,…".
    Cut after the last document-type word before the first clause mark."""
    first = _CLAUSE_RE.search(line)
    head = line[: first.start()] if first else line
    head = re.sub(r"^\d{1,2}\s*[、.．]\s*", "", head)
    best = None
    for m in re.finditer(_TYPE_END_RE.pattern.replace("[)）]?$", ""), head):
        if m.end() >= 6:
            best = m.end()
    if best is None or best > MAX_TITLE_CHARS:
        return None
    return head[:best]


def extract_title(text: str, filename: str | None = None, named: str | None = None) -> str:
    """The report's own title line, at most MAX_TITLE_CHARS characters.

    First the heading found by :func:`heading_index`; else the first title-like
    line; on a page whose first line is a paragraph, a heading glued to it (cut after
    its document-type word), else the file name's stem (without ".docx"/"_第1页"
    chrome); a short first sentence (a speech that starts with its salutation) is
    used as is. ``named`` (the document a removed site blurb names) comes before the
    file name.
    """
    first = _first_title(text, filename, named)
    content = _content_lines(text)
    if content and content[0].markdown_heading:
        return first  # the author marked the heading
    raw_lines = _head_lines(text, _SCAN_LINES * 3)
    choice = _heading_choice(raw_lines)
    if choice is None:
        return first
    h, h_score = choice
    sub = [_Line(_strip_labels(it.text), it.compilation, it.markdown_heading)
           for it in _content_lines("\n".join(raw_lines[h:]))]
    if not sub or not _is_title_like(sub[0].text):
        return first
    others = [_strip_labels(_clean(r).text) for r in raw_lines]
    first_score = _heading_score(first, [o for o in others if o != first]) if first else 0
    if first and _is_title_like(first) and not _is_chrome(first) and (
            first_score >= h_score):
        return first
    return _assemble(sub, 0)


def _first_title(text: str, filename: str | None, named: str | None = None) -> str:
    """The first title-like line (joined with its continuation and subtitle)."""
    lines = [_Line(_strip_labels(it.text), it.compilation, it.markdown_heading) for it in _content_lines(text)]
    first_meaningful: str | None = None
    for i, item in enumerate(lines):
        line = item.text
        if _is_chrome(line):
            continue
        if first_meaningful is None and not _SALUTATION_RE.match(line):
            first_meaningful = line
        if item.compilation:
            nxt = lines[i + 1].text if i + 1 < len(lines) else ""
            if nxt and _is_title_like(nxt) and _similar(line, nxt):
                continue  # the article's own title follows its compilation header
            if _is_title_like(line):
                return _shorten(line)
        if _SALUTATION_RE.match(line) or _is_paragraph(line):
            break  # the body has started: titles come before it
        if _is_title_like(line):
            return _assemble(lines, i)

    after_salutation = first_meaningful is None
    if first_meaningful is None:
        for item in lines:
            if not _is_chrome(item.text) and not _SALUTATION_RE.match(item.text):
                first_meaningful = item.text
                break
    if first_meaningful:
        if after_salutation:
            return named or _first_sentence(first_meaningful)
        if _is_paragraph(first_meaningful) or _is_sentence(first_meaningful):
            return (_glued_heading(first_meaningful) or named or _from_filename(filename)
                    or _first_sentence(first_meaningful))
        return _first_sentence(first_meaningful)
    return named or _from_filename(filename)


def _is_sentence(line: str) -> bool:
    """A full sentence of prose (clauses ending with a full stop): not a heading."""
    return len(line) >= 30 and line.rstrip().endswith(("。", "！", "!")) and len(_CLAUSE_RE.findall(line)) >= 2


def is_first_sentence(title: str, text: str) -> bool:
    """Is ``title`` only the start of a body line (``extract_title``'s fallback)?

    Year and type detection trust a title's words more than the body's; a
    "title" that is really the first sentence of a report without a title line
    must not get that trust. Compare title and text in the same normalization.
    The pipeline asks once per document and gives the answer to both.
    """
    key = (title or "").strip()
    if not key:
        return False
    for raw in _head_lines(text, _SCAN_LINES * 3):
        line = _clean(raw).text
        if line.startswith(key) and len(line) > len(key):
            rest = line[len(key) :]
            if _CLAUSE_RE.match(rest) or (len(rest) > 8 and _CLAUSE_RE.search(rest)):
                return True
    return False
