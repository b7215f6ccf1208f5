"""Guess the year a report is about (or was written in) from its title and text.

Reports mention many years: the years they review, the years they plan for, the
years of the documents they cite (〔2008〕9号, 《…（2010-2020年）》), history
(1949年) and, when scraped from a website, the date the site re-published them
(时间:2022-12-02). Only some of these say when the report itself belongs, so the
extractor looks for evidence in a fixed order of trust and stops at the first
place that answers:

1. the title ("2007年、2008年…自查报告" → 2008, the latest year it names;
   "《新闻联播》 (20220924)" → 2022), or its "——…" subtitle line in the text;
2. a date line in the signature at the end ("二〇一〇年十月");
3. a dated line in the opening lines ("(2010.10)", "——2024年3月5日在…会议上",
   a law's "2020年5月14日…修正");
4. a year in a short title-like opening line (a subtitle the title missed);
5. the body: "今年是'十三五'开局之年" (a five-year-plan year named as this
   year); else a year the report plans for ("部署2016年工作任务", "二、2015年工作
   总体部署") if it is later than every year it reviews; else, for the latest
   reviewed year X ("2015年工作回顾", "刚刚过去的2017年"), X+1 when the report
   calls X last year or plans "今年要…" (a start-of-year report), and X itself
   otherwise (a year-end summary). Reports that review year X and deploy year
   X+1 are delivered in X+1, which is how 政府工作报告 are dated.

Body years are used only with such context: a bare "2014年，我县…" could be
the year under review, the current year or a comparison, and guessing from
frequencies was measured to be wrong too often.

When none of these answers the result is ``None``: an unknown year is better than
a wrong one, because a wrong year silently hides a report from a year filter.

Text is expected to be normalized (Simplified script, half-width digits), but
full-width digits, digits spaced out by PDF extraction ("1 9 9 7 年") and years
written in Chinese numerals ("二〇〇八年", "二00八年", "一九六○年") are handled
here too, because they are cheap to handle and common in the corpus.

Damaged digits: some PDF conversions drop every glyph "1", so 2015 becomes
"205年". A year is repaired only when the text has plenty of digits but not one
"1" (in normal text "1" is the commonest digit, so its total absence is strong
evidence of the loss), and only for "20d年" with d in 3..9, where re-inserting one
"1" gives exactly one plausible year (201d). "200"/"202" stay unrepaired because
they are ambiguous (2010 or 2001, 2012 or 2021).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from searchapp.extract.title import is_first_sentence

__all__ = ["MIN_YEAR", "YearGuess", "extract_year"]

#: Earliest year accepted as a report's year; older years are history, not dates.
MIN_YEAR = 1949

_SIGNATURE_LINES = 8
_HEADER_MAX_LINES = 25
_MIN_DIGITS_FOR_REPAIR = 40
_MAX_OTHER_CLUES = 3


@dataclass
class YearGuess:
    """The guessed year and the human-readable reasons behind it.

    ``evidence`` lists the deciding reason first, then other clues that were
    seen, so a reviewer can tell why a report landed in a year (or in none).
    """

    year: int | None
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, for the index and the API."""
        return {"year": self.year, "evidence": list(self.evidence)}


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_DIGIT_RE = re.compile("[０-９]")
# fmt: off
_CJK_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Ｏ": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
# fmt: on
_CJK_DIGITS.update({str(d): d for d in range(10)})

_SPACES = " \u3000\xa0"
# "1 9 9 7 年": digits spaced out by PDF extraction, right before 年.
_SPACED_TAIL_RE = re.compile(r"(?<!\d)(\d)[ \u3000\xa0](\d)[ \u3000\xa0](\d)[ \u3000\xa0](\d)[ \u3000\xa0]*$")
_CJK_YEAR_CHARS = frozenset("〇○零OoＯ0123456789一二三四五六七八九")
_CJK_ONLY_CHARS = frozenset("〇○零OoＯ一二三四五六七八九")
_CJK_NUM = "[一二三四五六七八九十]{1,3}|\\d{1,2}"
_ROC_YEAR_RE = re.compile(
    rf"民[国國]\s*([一二三四五六七八九十百零〇\d]{{1,6}})\s*年(?:\s*({_CJK_NUM})\s*月(?:\s*({_CJK_NUM})\s*([日号]))?)?"
)
_CJK_YEAR_RE = re.compile(
    r"([一二12][〇○零OoＯ0-9一二三四五六七八九]{3})\s*年"
    rf"(?:\s*({_CJK_NUM})\s*月(?:\s*({_CJK_NUM})\s*([日号]))?)?"
)


def _cjk_small_number(s: str) -> int | None:
    """Read a small Chinese number: "十二" → 12, "二十四" → 24, "9" → 9; None otherwise."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _CJK_DIGITS.get(s) if len(s) == 1 else None
    tens, _, units = s.partition("十")
    t = _CJK_DIGITS.get(tens, 0) if tens else 1
    u = _CJK_DIGITS.get(units, 0) if units else 0
    if (tens and tens not in _CJK_DIGITS) or (units and units not in _CJK_DIGITS):
        return None
    return t * 10 + u


def _cjk_year_sub(m: re.Match[str]) -> str:
    """Rewrite "二〇一〇年十月" as "2010年10月"; leave anything odd untouched."""
    raw_year, raw_month, raw_day, day_char = m.group(1), m.group(2), m.group(3), m.group(4)
    if raw_year.isdigit() and (raw_month is None or raw_month.isdigit()) and (raw_day is None or raw_day.isdigit()):
        return m.group(0)
    year = int("".join(str(_CJK_DIGITS[c]) for c in raw_year))
    if not 1900 <= year <= 2100:
        return m.group(0)
    out = f"{year}年"
    if raw_month is not None:
        month = _cjk_small_number(raw_month)
        if month is None:
            return out + m.group(0)[m.group(0).index("年") + 1 :]
        out += f"{month}月"
        if raw_day is not None:
            day = _cjk_small_number(raw_day)
            out += f"{day}{day_char}" if day is not None else f"{raw_day}{day_char}"
    return out


def _cjk_count(s: str) -> int | None:
    """Read a Chinese count below 1000: "一百零八" → 108, "八十五" → 85, "85" → 85."""
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch in _CJK_DIGITS:
            current = _CJK_DIGITS[ch]
        else:
            return None
    return total + current


def _roc_year_sub(m: re.Match[str]) -> str:
    """Taiwan's 民国 calendar: 民国108年 is 2019 (year + 1911)."""
    n = _cjk_count(m.group(1))
    if n is None or not 1 <= n <= 200:
        return m.group(0)
    out = f"{n + 1911}年"
    month = _cjk_small_number(m.group(2)) if m.group(2) else None
    if month is not None:
        out += f"{month}月"
        day = _cjk_small_number(m.group(3)) if m.group(3) else None
        if day is not None:
            out += f"{day}{m.group(4)}"
    return out


def _year_fixes(text: str) -> list[tuple[int, int, str]]:
    """Rewrites for the year in front of each 年: spaced digits and Chinese numerals.

    Scanning from the (few) 年 characters is much faster than running these
    patterns over the whole text.
    """
    fixes: list[tuple[int, int, str]] = []
    pos = text.find("年")
    while pos >= 0:
        end = pos
        while end > 0 and text[end - 1] in _SPACES:
            end -= 1
        start = end - 4
        if start >= 0:
            chunk = text[start:end]
            if all(c in _CJK_YEAR_CHARS for c in chunk) and any(c in _CJK_ONLY_CHARS for c in chunk):
                if start == 0 or (text[start - 1] not in _CJK_YEAR_CHARS and text[start - 1] != "十"):
                    m = _CJK_YEAR_RE.match(text, start)
                    if m:
                        fixes.append((m.start(), m.end(), _cjk_year_sub(m)))
            elif text[end - 1].isdigit() and any(c in _SPACES for c in text[max(0, end - 8) : end]):
                m = _SPACED_TAIL_RE.search(text, max(0, pos - 12), pos)
                if m:
                    fixes.append((m.start(), m.end(), "".join(m.groups())))
        pos = text.find("年", pos + 1)
    return fixes


def _normalize_digits(text: str) -> str:
    """Half-width digits, re-joined spaced digits, Chinese-numeral and 民国 years as digits."""
    if _FULLWIDTH_DIGIT_RE.search(text):
        text = text.translate(_FULLWIDTH_DIGITS)
    if "民国" in text or "民國" in text:
        text = _ROC_YEAR_RE.sub(_roc_year_sub, text)
    fixes = _year_fixes(text)
    if not fixes:
        return text
    pieces = []
    last = 0
    for start, end, new in fixes:
        if start < last:
            continue
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# Lines from which the rest of a scraped page is site chrome (related links,
# comments, footer). Only looked for after some real content.
_END_MARKER_RE = re.compile(
    r"^[\s\-•·*.…>]*(?:上一篇|下一篇|相关推荐|相关阅读|相关文章|相关资源|相关搜索|猜你喜欢|"
    r"热门推荐|推荐阅读|试读结束|展开阅读全文|如若转载|网友评论|浏览次数|评论功能|返回顶部|"
    r"版权所有|copyright)",
    re.IGNORECASE,
)
_MIN_CONTENT_BEFORE_END = 300


def _cut_site_tail(text: str) -> str:
    """Drop a scraped page's footer, whose dates belong to other pages."""
    seen = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        if seen >= _MIN_CONTENT_BEFORE_END and _END_MARKER_RE.match(line):
            return text[:pos]
        seen += len(line.strip())
        pos += len(line)
    return text


_LOST_ONE_RE = re.compile(r"(?<!\d)20([3-9])(?!\d)(?=\s*年|\s*[-—–~～至到]\s*20\d\d)")


def _repair_lost_ones(text: str) -> tuple[str, bool]:
    """Restore "205年" → "2015年" when the text has lost every digit "1"."""
    if "1" in text or sum(map(text.count, "023456789")) < _MIN_DIGITS_FOR_REPAIR:
        return text, False
    repaired, n = _LOST_ONE_RE.subn(r"201\1", text)
    return repaired, n > 0


# ---------------------------------------------------------------------------
# Mentions
# ---------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"((?:19|20)\d\d)(?:"
    r"\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?"
    r"|[-./](\d{1,2})(?:[-./](\d{1,2}))?(?![\d.])(?!\s*[万亿元%千百个人所名台套项次倍])"
    r")"
)
_COMPACT_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_RANGE_RE = re.compile(r"((?:19|20)\d\d)\s*年?\s*(?:[-—–－~～]+|至|到)\s*((?:19|20)\d\d)(?=\s*年|\s*[)）】\]])")
_LIST_RE = re.compile(r"((?:19|20)\d\d)\s*年?\s*[、和及与]\s*((?:19|20)\d\d)\s*年")
# A year used as a document number: 〔2008〕9号, [2008]12号, (2019)第3号, 2019年第3号.
_DOCNUM_RES = (
    re.compile(r"[〔【\[［]\s*(?:19|20)\d\d\s*[〕】\]］]"),
    re.compile(r"[(（]\s*(?:19|20)\d\d\s*[)）]\s*(?:第\s*)?\d{1,5}\s*号"),
    re.compile(r"(?:19|20)\d\d\s*年\s*第\s*\d{1,4}\s*号"),
)
# Cited titles, with a version note right after them: 《义务教育法》(2006年修订).
_BOOK_RE = re.compile(r"《[^《》\n]{0,120}》(?:\s*[(（][^()（）\n]{0,16}[)）])?|〈[^〈〉\n]{0,120}〉")
# Web page metadata: publication/upload/update dates of the copy, not the report.
_META_LABEL_RE = re.compile(
    r"(?:时间|時間|日期|更新|发布|發布|上传|上傳|浏览|瀏覽|来源|來源|编辑|編輯|作者|点击|點擊|阅读|閱讀|下载|下載|"
    r"今天是|今天|今日)\s*$"
)
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}")
_META_WORDS = ("copyright", "Copyright", "COPYRIGHT", "版权所有", "版權所有", "©", "ICP")

_PLAN_POST_RE = re.compile(
    r"^度?的?[^\s，。；、:：,;]{0,8}?"
    r"(?:总体部署|总体要求|工作任务|主要任务|重点工作|主要工作|工作要点|工作计划|工作打算|工作思路|"
    r"工作安排|目标任务|预期目标|国民经济计划|国民经济和社会发展计划|工作的建议)"
)
_PLAN_PRE_RE = re.compile(r"(?:部署|展望)\s*$")
_REVIEW_POST_RE = re.compile(r"^度?的?[^\s，。；、:：,;]{0,6}?(?:回顾|总结|小结)")
_REVIEW_PRE_RE = re.compile(r"(?:回顾|总结|过去的|回首|报告)\s*$")
# A reviewed year that the report calls last year: it was written the year after.
_LAST_YEAR_PRE_RE = re.compile(r"(?:刚刚过去的|刚过去的|去年|去年即|去年[(（])\s*$")
# "今年" used for plans: the report was written at the start of the year it plans.
_THIS_YEAR_PLAN_RE = re.compile(
    r"今年(?:要|将|计划|拟|的工作|工作|政府工作|的政府工作|经济工作|的经济工作|主要|的主要|重点|的重点"
    r"|经济社会发展|国民经济|预期|的预期)|做好今年|对今年|抓好今年"
)
_HEADING_MAX_CHARS = 30
# Five-year plan periods ("十二五" = 2011-2015). Only used when the report places
# "今年" in one, never to date a report that merely mentions a period.
_PERIOD_START = {"十五": 2001, "十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}
# fmt: off
_PERIOD_OFFSET = {
    "开局之年": 0, "起步之年": 0, "第一年": 0, "开局年": 0, "第二年": 1, "第三年": 2, "第四年": 3,
    "收官之年": 4, "最后一年": 4, "收官年": 4,
}
# fmt: on
_PERIOD_TODAY_RE = re.compile(
    r"今年是[^。；;\n]{0,16}?[“\"「]?(十五五|十[一二三四]五|十五)[”\"」]?(?:规划|计划)?(?:的|实施的)?"
    r"[^。；;\n]{0,6}?(开局之年|起步之年|第一年|开局年|第二年|第三年|第四年|收官之年|最后一年|收官年)"
)
_START_POST_RE = re.compile(r"^(?:以来|来|起|开始|至今|以后|后|之后)")
_START_PRE_RE = re.compile(r"(?:自|从|始于|建于|成立于|创建于|创办于|始建于|自从)\s*$")
_TARGET_PRE_RE = re.compile(r"(?<!截)(?<!截止)(?:到|至|力争|争取|预计|确保|预期)\s*$")
_TARGET_POST_RE = re.compile(r"^(?:底?前|以前|之前|底以前)")


#: What an evidence step returns: (year, human-readable reason), or None.
_Found = tuple[int, str] | None


@dataclass(frozen=True)
class _Mention:
    """One year found in the text, with what it looks like and how it is used."""

    year: int
    start: int
    end: int
    surface: str
    dated: bool  # carries at least a month: a date, not just a year
    role: str  # neutral | plan | review | lastyear | start | target | range | list | excluded


def _glued_to_number(text: str, start: int) -> bool:
    """Is the digit run at ``start`` part of a longer number (12015, 3.2015)?"""
    before = text[max(0, start - 2) : start]
    return before[-1:].isdigit() or (before[-1:] == "." and before[:1].isdigit())


def _spans(regex: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in regex.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _meta_line_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of lines that are web-page metadata.

    A line is metadata when it has a label such as "发布时间:" or "来源:", a
    clock time (08:27), or a copyright notice. Found from the colons and a few
    literal words, which is much faster than a pattern tried at every character.
    """
    hits: list[int] = []
    for colon in ":：":
        pos = text.find(colon)
        while pos >= 0:
            if _META_LABEL_RE.search(text, max(0, pos - 6), pos) or (
                colon == ":" and _CLOCK_RE.match(text, max(0, pos - 2)) and text[pos + 1 : pos + 3].isdigit()
            ):
                hits.append(pos)
            pos = text.find(colon, pos + 1)
    for word in _META_WORDS:
        pos = text.find(word)
        while pos >= 0:
            hits.append(pos)
            pos = text.find(word, pos + 1)
    out: list[tuple[int, int]] = []
    for pos in sorted(hits):
        start = text.rfind("\n", 0, pos) + 1
        if out and start < out[-1][1]:
            continue  # same line as the previous hit
        end = text.find("\n", pos)
        out.append((start, len(text) if end < 0 else end + 1))
    return out


def _range_roles(text: str) -> list[tuple[int, int, str]]:
    """Spans of year ranges: long ones are planning periods, short ones lists."""
    out = []
    for regex in (_RANGE_RE, _LIST_RE):
        for m in regex.finditer(text):
            a, b = int(m.group(1)), int(m.group(2))
            if b <= a:
                continue
            role = "range" if (regex is _RANGE_RE and b - a >= 3) else "list"
            out.append((m.start(), m.end() + 1, role))
    return out


def _role(text: str, start: int, end: int, year_end: int) -> str:
    """Classify a mention by the words right before and after it."""
    pre = text[max(0, start - 8) : start]
    post_year = text[year_end : year_end + 16]
    post = text[end : end + 8]
    if _START_PRE_RE.search(pre) or _START_POST_RE.match(post):
        return "start"
    if _TARGET_PRE_RE.search(pre) or _TARGET_POST_RE.match(post_year):
        return "target"
    if _PLAN_POST_RE.match(post_year) or _PLAN_PRE_RE.search(pre):
        return "plan"
    if _LAST_YEAR_PRE_RE.search(pre):
        return "lastyear"
    if _REVIEW_POST_RE.match(post_year) or _REVIEW_PRE_RE.search(pre):
        return "review"
    return "neutral"


def _bare_list_heads(
    text: str, found: list[_Mention], ranges: list[tuple[int, int, str]], excluded: list[tuple[int, int]]
) -> list[_Mention]:
    """The first year of "2005、2006年" has no 年 of its own: add it as a mention."""
    hi = _dt.date.today().year
    starts = {m.start for m in found}
    out = []
    for a, _b, kind in ranges:
        if kind != "list" or a in starts or _inside(a, excluded):
            continue
        year = int(text[a : a + 4])
        if MIN_YEAR <= year <= hi:
            out.append(_Mention(year, a, a + 4, text[a : a + 4], False, "list"))
    return out


def _share_list_roles(mentions: list[_Mention], ranges: list[tuple[int, int, str]]) -> list[_Mention]:
    """In "1980、1981年国民经济计划" the words after the list apply to every year in it."""
    out = list(mentions)
    for a, b, kind in ranges:
        if kind != "list":
            continue
        idx = [i for i, m in enumerate(out) if a <= m.start < b]
        if len(idx) < 2:
            continue
        last_role = out[idx[-1]].role
        if last_role in ("plan", "review", "lastyear"):
            for i in idx:
                m = out[i]
                out[i] = _Mention(m.year, m.start, m.end, m.surface, m.dated, last_role)
    return out


def _mentions(text: str, *, in_title: bool = False) -> list[_Mention]:
    """All plausible years in ``text`` (already digit-normalized), classified."""
    hi = _dt.date.today().year
    excluded = [span for regex in _DOCNUM_RES for span in _spans(regex, text)] + _meta_line_spans(text)
    if not in_title:
        excluded += _spans(_BOOK_RE, text)
    ranges = _range_roles(text)
    out: list[_Mention] = []
    for m in _DATE_RE.finditer(text):
        if _glued_to_number(text, m.start()):
            continue
        year = int(m.group(1))
        if not MIN_YEAR <= year <= hi:
            continue
        month = m.group(2) or m.group(4)
        day = m.group(3) or m.group(5)
        if m.group(4) is not None and not 1 <= int(m.group(4)) <= 12:
            continue  # "2010.15" is a number, not a date
        dated = month is not None and 1 <= int(month) <= 12
        if day is not None and not 1 <= int(day) <= 31:
            dated = False
        year_end = m.start() + 4
        year_end = text.index("年", year_end) + 1 if m.group(0)[4:].lstrip().startswith("年") else m.end()
        role = "excluded" if _inside(m.start(), excluded) else ""
        if not role:
            for a, b, r in ranges:
                if a <= m.start() < b:
                    role = r
                    break
        if not role:
            role = _role(text, m.start(), m.end(), year_end)
        elif role == "list":
            # "2007年至2008年": the 至 belongs to the list, it is not a target.
            inner = _role(text, m.start(), m.end(), year_end)
            role = inner if inner in ("plan", "review", "lastyear") else "list"
        out.append(_Mention(year, m.start(), m.end(), m.group(0), dated, role))
    out.extend(_bare_list_heads(text, out, ranges, excluded))
    out.sort(key=lambda x: x.start)
    out = _share_list_roles(out, ranges)
    if in_title:
        for m in _COMPACT_DATE_RE.finditer(text):
            year = int(m.group(1))
            if MIN_YEAR <= year <= hi and not any(x.start <= m.start() < x.end for x in out):
                out.append(_Mention(year, m.start(), m.end(), m.group(0), True, "neutral"))
    out.sort(key=lambda x: x.start)
    return out


# ---------------------------------------------------------------------------
# Evidence by place
# ---------------------------------------------------------------------------

_SENTENCE_PUNCT_RE = re.compile(r"[，。；！？,;!?]")
_SALUTATION_RE = re.compile(r"^.{1,30}[:：]$")
_SUBTITLE_RE = re.compile(r"^(?:——|—|－－|--|─)")
_PARAGRAPH_MIN_CHARS = 60


@dataclass(frozen=True)
class _Line:
    text: str
    start: int


def _lines(text: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            out.append(_Line(stripped, pos + raw.index(stripped[0])))
        pos += len(raw)
    return out


def _on_line(mentions: list[_Mention], line: _Line) -> list[_Mention]:
    end = line.start + len(line.text)
    return [m for m in mentions if line.start <= m.start < end]


def _is_paragraph(line: str) -> bool:
    return len(line) >= _PARAGRAPH_MIN_CHARS and bool(_SENTENCE_PUNCT_RE.search(line))


def _header_lines(lines: list[_Line], max_paragraphs: int) -> list[_Line]:
    """Opening lines before the body: the short lines before the given number of
    paragraph-like lines (one may be left-over site chrome or a salutation speech)."""
    out = []
    paragraphs = 0
    for line in lines[:_HEADER_MAX_LINES]:
        if _SALUTATION_RE.match(line.text):
            break  # "各位领导:" starts the body
        if _is_paragraph(line.text):
            paragraphs += 1
            if paragraphs >= max_paragraphs:
                break
            continue
        out.append(line)
    return out


# Section headings ("一、2015年工作回顾") belong to the body, not to the title.
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．]"
    r"|第[一二三四五六七八九十\d]+[章节条部])"
)

_USABLE = ("neutral", "list", "review", "lastyear", "plan")


def _title_evidence(title: str) -> tuple[int, str] | None:
    """The latest year the title names, ignoring planning periods.

    A "title" that is really a sentence (the title extractor's fallback when a
    report has no title line) is body text, so it gives no title evidence.
    """
    if not title:
        return None
    mentions = [m for m in _mentions(title, in_title=True) if m.role in _USABLE]
    if not mentions:
        return None
    best = max(mentions, key=lambda m: m.year)
    names = "、".join(dict.fromkeys(m.surface.strip() for m in mentions))
    return best.year, f"title: {names} → {best.year}"


def _signature_evidence(lines: list[_Line], mentions: list[_Mention]) -> tuple[int, str] | None:
    """A short date-only line (maybe after an organisation name) near the end."""
    for line in reversed(lines[-_SIGNATURE_LINES:]):
        if len(line.text) > 40:
            continue
        dated = [m for m in _on_line(mentions, line) if m.dated and m.role in _USABLE]
        if not dated:
            continue
        m = dated[-1]
        rest = line.text.replace(m.surface, "").strip(" ()（）[]【】-—")
        tail = line.text[line.text.index(m.surface) + len(m.surface) :].strip(" )）]】")
        if _SENTENCE_PUNCT_RE.search(rest) or "、" in rest or (tail and len(rest) > 8) or len(rest) > 25:
            continue
        return m.year, f"signature date line: {line.text} → {m.year}"
    return None


def _header_dated_evidence(header: list[_Line], mentions: list[_Mention]) -> tuple[int, str] | None:
    """The latest full date on a short opening line (delivery date, law history)."""
    found: list[tuple[_Mention, _Line]] = []
    for line in header:
        for m in _on_line(mentions, line):
            if m.dated and m.role in _USABLE:
                found.append((m, line))
    if not found:
        return None
    m, line = max(found, key=lambda ml: (ml[0].year, ml[0].start))
    return m.year, f"dated opening line: {line.text[:40]} → {m.year}"


def _header_year_evidence(
    header: list[_Line], mentions: list[_Mention], *, subtitles_only: bool = False
) -> tuple[int, str] | None:
    """A year on a title-like opening line (a subtitle or a broken title).

    With ``subtitles_only``, only "——…" lines count: a subtitle is part of the
    title, so it ranks with the title, above the signature.
    """
    for line in header:
        if len(line.text) > 50 or _SENTENCE_PUNCT_RE.search(line.text) or _HEADING_RE.match(line.text):
            continue
        if subtitles_only and not _SUBTITLE_RE.match(line.text):
            continue
        usable = [m for m in _on_line(mentions, line) if m.role in _USABLE]
        if usable:
            best = max(usable, key=lambda m: m.year)
            kind = "subtitle" if _SUBTITLE_RE.match(line.text) else "title-like opening line"
            return best.year, f"{kind}: {line.text[:40]} → {best.year}"
    return None


def _period_evidence(text: str) -> tuple[int, str] | None:
    """Date "today" from a five-year-plan year: "今年是'十三五'开局之年" → 2016."""
    hi = _dt.date.today().year
    for m in _PERIOD_TODAY_RE.finditer(text):
        first = _PERIOD_START[m.group(1)]
        offset = _PERIOD_OFFSET.get(m.group(2))
        if offset is None:
            continue
        year = first + offset
        if MIN_YEAR <= year <= hi:
            return year, f"body: {m.group(0)[:30]} → {year}"
    return None


def _is_heading_mention(m: _Mention, lines: list[_Line]) -> bool:
    """Is the mention on a short line (a section heading such as "二、2015年工作总体部署")?"""
    for line in lines:
        if line.start <= m.start < line.start + len(line.text):
            return len(line.text) <= _HEADING_MAX_CHARS
    return False


def _snippet(text: str, m: _Mention) -> str:
    """The mention with a few words around it, for evidence messages."""
    before = re.split(r"[，。；,;:：\n]", text[max(0, m.start - 6) : m.start])[-1]
    after = re.split(r"[，。；,;:：\n]", text[m.end : m.end + 8])[0]
    return f"{before}{m.surface}{after}".strip()


def _plan_vote(text: str, mentions: list[_Mention], lines: list[_Line], after: int | None) -> tuple[int, str] | None:
    """The year most strongly planned for, if it is later than every reviewed year."""
    votes: Counter[int] = Counter()
    surfaces: dict[int, str] = {}
    for m in mentions:
        if m.role != "plan" or (after is not None and m.year <= after):
            continue
        votes[m.year] += 3 if _is_heading_mention(m, lines) else 1
        surfaces.setdefault(m.year, _snippet(text, m))
    if not votes:
        return None
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # two years planned for equally: no telling which is the report's
    year = ranked[0][0]
    return year, f"body: plans for {surfaces[year]} → {year}"


def _plans_this_year(text: str) -> bool:
    """Does the report plan "今年" (a start-of-year report) rather than "明年" (a year-end one)?"""
    this_year = len(_THIS_YEAR_PLAN_RE.findall(text))
    return this_year >= 1 and this_year > text.count("明年")


def _body_evidence(text: str, lines: list[_Line], mentions: list[_Mention]) -> tuple[int, str] | None:
    """The year the report plans for, else the year after the reviewed one for a
    start-of-year report, else the latest reviewed year."""
    period = _period_evidence(text)
    if period is not None:
        return period
    reviews = [m for m in mentions if m.role in ("review", "lastyear")]
    latest_review = max(reviews, key=lambda m: (m.year, m.role == "lastyear")) if reviews else None
    planned = _plan_vote(text, mentions, lines, latest_review.year if latest_review else None)
    if planned is not None:
        return planned
    if latest_review is None:
        return None
    x = latest_review.year
    seen = _snippet(text, latest_review)
    if latest_review.role == "lastyear":
        return x + 1, f"body: calls {seen} last year → {x + 1}"
    if _plans_this_year(text):
        return x + 1, f"body: reviews {seen} and plans 今年 → {x + 1}"
    return x, f"body: reviews {seen} → {x}"


#: Texts up to this long (a news item, a short summary) may be dated by a year that
#: opens a sentence; a long report opens many sentences with the years it reviews.
SHORT_TEXT_CHARS = 6000
#: Dates count as the text's own in this many opening and closing lines.
DATED_EDGE_LINES = 12
#: 第N个教师节: the first Teachers' Day was in 1985.
_ORDINAL_RE = re.compile(r"第\s*([一二三四五六七八九十百\d]{1,4})\s*[个個届屆]\s*(教师节|教師節)")
_ORDINAL_BASE = {"教师节": 1984, "教師節": 1984}
#: Taiwan's calendar without 民国: "104年12月", "102学年度" (year + 1911).
_ROC_BARE_RE = re.compile(r"(?<![\d.])(\d{2,3})\s*(?:学年度|學年度|年度|年(?=\s*\d{1,2}\s*月))")
_TAIWAN_RE = re.compile(r"台湾|臺灣|台灣|台北|臺北|台中|臺中|台南|臺南|高雄|花莲|花蓮|台东|臺東|宜兰|屏东|新竹|"
                        r"嘉义|彰化|南投|云林|苗栗|桃园|基隆|澎湖|金门|县议会|縣議會|学年度|學年度|国小|國小")
_SENTENCE_START_YEAR_RE = re.compile(r"(?:^|[\n。！？；])\s*((?:19|20)\d\d)\s*年(?!\s*[)）])(?:\s*(?:是|以来|,|，|上半年|下半年|\d{1,2}\s*月))")


def _ordinal_evidence(text: str) -> _Found:
    """第39个教师节 → 2023: the ordinal of a yearly event dates the text."""
    years = []
    for m in _ORDINAL_RE.finditer(text):
        n = _cjk_count(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
        if n and 1 <= n <= 80:
            years.append((_ORDINAL_BASE[m.group(2)] + n, m.group(0)))
    if not years:
        return None
    year, surface = Counter(years).most_common(1)[0][0]
    return year, f"ordinal: {surface} → {year}"


def _roc_evidence(text: str) -> _Found:
    """A Taiwanese page counts years from 1912: "104年12月2日" → 2015, "102学年度" → 2013."""
    if not _TAIWAN_RE.search(text):
        return None
    years = [(int(m.group(1)) + 1911, m.group(0)) for m in _ROC_BARE_RE.finditer(text) if 40 <= int(m.group(1)) <= 130]
    if not years:
        return None
    counts = Counter(y for y, _ in years)
    year = max(counts, key=lambda y: (counts[y], y))
    surface = next(t for y, t in years if y == year)
    return year, f"ROC year: {surface} → {year}"


def _dated_body_evidence(mentions: list[_Mention], text: str) -> _Found:
    """Full dates in the opening or closing lines (not web-page metadata, not
    targets): the most frequent year, the latest on ties. A news item's or a
    record's own dates are there; dates further inside are often citations of older
    documents ("1998年9月22日公布的…")."""
    head_end = _nth_line_end(text, DATED_EDGE_LINES)
    tail_start = _nth_line_end(text[::-1], DATED_EDGE_LINES)
    tail_start = len(text) - tail_start
    dated = [m for m in mentions if m.dated and m.role in ("neutral", "review", "lastyear")
             and re.search(r"[日号]|\d[-/.]\d{1,2}[-/.]\d", m.surface)
             and (m.start < head_end or m.start >= tail_start)]
    if not dated:
        return None
    counts = Counter(m.year for m in dated)
    year = max(counts, key=lambda y: (counts[y], y))
    if year < _latest_usable(mentions):
        return None  # a dated event of the past (1976年10月6日) in a text that goes on to later years
    surface = next(m.surface for m in dated if m.year == year)
    return year, f"date in the text: {surface} → {year}"


def _nth_line_end(text: str, n: int) -> int:
    """Offset just after the ``n``-th non-empty line of ``text``."""
    pos = 0
    seen = 0
    while seen < n:
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        if text[pos:nxt].strip():
            seen += 1
        pos = nxt + 1
    return pos


def _latest_usable(mentions: list[_Mention]) -> int:
    """The latest year the text names as a date, a period under review or a plan."""
    return max((m.year for m in mentions if m.role in ("neutral", "review", "plan", "lastyear")), default=0)


def _sentence_start_evidence(text: str, mentions: list[_Mention]) -> _Found:
    """"2025年，在党委…" / "2014年是…": a year that opens a sentence is the year the
    text talks about; the most frequent, the latest on ties."""
    usable = {m.start for m in mentions if m.role in ("neutral", "review")}
    years = [int(m.group(1)) for m in _SENTENCE_START_YEAR_RE.finditer(text) if m.start(1) in usable]
    if not years:
        return None
    counts = Counter(years)
    year = max(counts, key=lambda y: (counts[y], y))
    if len(text) > SHORT_TEXT_CHARS or year < _latest_usable(mentions):
        return None  # a long review ("1952年,…") of years before the one it is written in
    return year, f"year opening a sentence: {year}年 → {year}"


_DOC_TITLE_RE = re.compile(
    r"(?:报告|总结|讲话|讲话稿|发言|致辞|汇报|计划|规划|方案|要点|意见|办法|材料|述职|自查|纲要|思路|范文)[)）\]】]?\s*$"
)
# Laws and regulations cite the dates of older documents and are dated by amendments
# the text may not show: their body dates say little about their own year.
_NORMATIVE_TITLE_RE = re.compile(
    r"(?:条例|规定|办法|解释|决定|细则|通知|法|规则|准则|標準|标准|规程|章程|准則|準則|條例|規定|辦法)[)）]?\s*$"
)
_MASKED_YEAR_RE = re.compile(r"(?:[xX×*]{2}|20[xX×*]{2}|[xX×*]{4})\s*年|[xX×*]{2}\s*学年")


def _only_year_evidence(mentions: list[_Mention]) -> _Found:
    """A text that names one year only (not as a target, a start or history), however
    often, is about that year: a news item's "召开2014年…推进会"."""
    years = {m.year for m in mentions if m.role in ("neutral", "review", "plan")}
    others = {m.year for m in mentions if m.role != "excluded"}
    if len(years) != 1 or others - years:
        return None
    year = years.pop()
    named = [m for m in mentions if m.year == year and m.role != "excluded"]
    if len(named) < 2 and all(m.dated for m in named):
        return None  # "1998年3月就职": one event's date, not the period the text is about
    return year, f"the only year the text names: {year}"


def _stamp_evidence(stamps: list[str], text: str, title: str) -> _Found:
    """A publication stamp the cleaner removed near the top (a news item's date),
    unless the text masks its own years (xx年: a template whose year is hidden) or the
    title names a document type (a report's page date is when it was posted)."""
    if not stamps or _MASKED_YEAR_RE.search(text) or _DOC_TITLE_RE.search(title or ""):
        return None
    hi = _dt.date.today().year
    for stamp in stamps:
        m = re.search(r"((?:19|20)\d\d)", _normalize_digits(stamp))
        if m and MIN_YEAR <= int(m.group(1)) <= hi:
            return int(m.group(1)), f"publication stamp: {stamp[:40]} → {m.group(1)}"
    return None


def extract_year(title: str, text: str, stamps: list[str] | None = None,
                 title_is_sentence: bool | None = None) -> YearGuess:
    """Guess the report's year from its title and (normalized) text.

    ``stamps`` are date lines the cleaner removed near the top of the page; they are
    the weakest evidence (a news item's publication date). ``title_is_sentence``:
    :func:`~searchapp.extract.title.is_first_sentence` of the two, when the caller
    already knows it (the pipeline asks once for year and type).

    Returns a :class:`YearGuess` whose ``year`` is None when the evidence is
    missing or only points at other documents' years (citations, history,
    planning periods, web-page dates).
    """
    norm_title = _normalize_digits(title or "")
    body, repaired = _repair_lost_ones(_normalize_digits(_cut_site_tail(text or "")))
    mentions = _mentions(body)
    lines = _lines(body)
    opening = _header_lines(lines, max_paragraphs=1)
    header = _header_lines(lines, max_paragraphs=2)

    notes: list[str] = []
    if repaired:
        notes.append('repaired digits: the text has no "1" at all, so "20d年" was read as "201d年"')
    if title_is_sentence is None:
        title_is_sentence = is_first_sentence(title, text)
    title_found = None if title_is_sentence else _title_evidence(norm_title)
    steps: tuple[Callable[[], _Found], ...] = (
        lambda: title_found,
        lambda: _header_year_evidence(opening, mentions, subtitles_only=True),
        lambda: _signature_evidence(lines, mentions),
        lambda: _header_dated_evidence(header, mentions),
        lambda: _header_year_evidence(opening, mentions),
        lambda: _body_evidence(body, lines, mentions),
    )
    found = [f for f in (step() for step in steps) if f is not None]
    late: tuple[Callable[[], _Found], ...] = (
        lambda: _ordinal_evidence(body),
        lambda: _roc_evidence(body),
        lambda: (_dated_body_evidence(mentions, body)
                 if len(body) <= SHORT_TEXT_CHARS and not _NORMATIVE_TITLE_RE.search(norm_title) else None),
        lambda: None if _NORMATIVE_TITLE_RE.search(norm_title) else _sentence_start_evidence(body, mentions),
        lambda: (None if _DOC_TITLE_RE.search(norm_title) or _NORMATIVE_TITLE_RE.search(norm_title)
                 else _only_year_evidence(mentions)),
        lambda: _stamp_evidence(stamps or [], body, norm_title),
    )
    strong = [f for f in (step() for step in late) if f is not None]
    # Does the text name the title's year anywhere but in its copy of the title?
    rest = body.replace(norm_title, "", 1) if norm_title else body
    text_names_title_year = title_found is not None and str(title_found[0]) in rest
    if found and strong and title_found is not None and found[0] == title_found:
        # A year on the title that the text never names, while the text dates itself
        # by a yearly event's ordinal or the ROC calendar, is a sharing site's SEO year.
        if (not text_names_title_year and strong[0][0] != title_found[0]
                and strong[0][1].startswith(("ordinal", "ROC"))):
            found = [strong[0], *found]
    elif found and strong and strong[0][1].startswith(("ordinal", "ROC")) and strong[0][0] != found[0][0] \
            and not any(m.year == found[0][0] and m.dated for m in mentions):
        found = [strong[0], *found]
    found += strong
    if (found and title_found is not None and found[0] == title_found and _MASKED_YEAR_RE.search(body)
            and not text_names_title_year):
        # The text hides its own years (xx年) and never names the title's: the title's
        # year was stuck on by the sharing site.
        return YearGuess(None, [f"ignored: title year {title_found[0]} on a text that masks its years", *notes])
    if found:
        year, reason = found[0]
        # Lower-ranked clues are kept for the reader, not used.
        others = [r for r in dict.fromkeys(r for _, r in found[1:]) if r != reason]
        also = [f"also {r}" for r in others[:_MAX_OTHER_CLUES]]
        return YearGuess(year, [reason, *notes, *also])
    ignored = Counter(m.role for m in mentions if m.role not in _USABLE)
    if ignored:
        notes.append("ignored: " + ", ".join(f"{n} {r}" for r, n in sorted(ignored.items())))
    elif not mentions:
        notes.append("no year in title or text")
    else:
        notes.append("years only in the body, with no sign of which one is the report's")
    return YearGuess(None, notes)
