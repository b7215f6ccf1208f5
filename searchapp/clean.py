"""Drop the web-page chrome that scraped reports carry, and nothing else.

Report pages arrive with site furniture around the text: navigation
(上一篇/下一篇), related-article lists, share/download buttons, copyright and ICP
lines, docx-viewer page lists, "本文由…收集整理" credits and publication stamps.
Indexing it makes every page match 下载 or 版权所有, so it goes.  The risk is
the opposite mistake — deleting a line of the report — so the rules are:

* A rule is a regular expression that must match a *whole* line.  Lines are
  compared in a compact form: leading list bullets dropped, full-width ASCII
  folded to half-width, every whitespace removed (so 本 文由第 一公文 网 收集整 理
  matches 本文由…收集整理).
* A compact line longer than :data:`MAX_CHROME_CHARS` is report prose and is
  never touched, except by rules marked ``(?#long)`` (the "由会员分享…搜索" and
  "不代表本站观点" disclaimers, which are long but unmistakable).
* Rules marked ``(?#head)`` apply only in the page header: the lines before the
  first paragraph of prose (a bare ``时间:2022-12-02`` stamp is chrome there but
  may be a meeting-minutes field further down).
* The title repeated several times in the header is kept once.
* A trailing block that starts at a 相关推荐/猜你喜欢/试读结束 marker is removed
  only when every line after the marker is list furniture (bullets, dates,
  counters, snippets of the listed titles, short captions).

Lines that are kept are returned unchanged and in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from searchapp.chrome import named_in_blurb, publication_stamps, strip_inline, structural_chrome
from searchapp.extract.title import heading_index, is_title_line
from searchapp.normalize import CodepointTable

__all__ = [
    "DEFAULT_BOILERPLATE_PATTERNS",
    "MAX_CHROME_CHARS",
    "CleanResult",
    "CompiledPatterns",
    "clean_text",
    "compile_patterns",
]

#: Longest compact line (characters) that an ordinary rule may remove.
MAX_CHROME_CHARS = 60
#: Longest compact line that a ``(?#long)`` rule may remove.
MAX_LONG_CHROME_CHARS = 400
#: The header zone ends at the first prose line, and after this many lines at most.
MAX_HEADER_LINES = 40

_HEAD = "(?#head)"
_LONG = "(?#long)"

# Each rule, in compact form (no whitespace, half-width punctuation).  Both
# Simplified and Traditional spellings are listed; matching ignores case.
DEFAULT_BOILERPLATE_PATTERNS: tuple[str, ...] = (
    # 1. Previous/next navigation: "上一篇:标题", "下一篇 2022年10月22日", "上一頁".
    r"[上下]一(?:篇|页|頁)(?:文章)?(?:[::].{0,60}|\d{4}[-/.年].{0,12}|)",
    # 2. Headers of related/recommended lists: 相关推荐, 相關推薦, 猜你喜欢, 热门文章, 相关搜索.
    r"(?:相关|相關|热门|熱門|精彩|最新|推荐|推薦|延伸|猜你|更多)"
    r"(?:推荐|推薦|文章|阅读|閱讀|资源|資源|搜索|搜尋|范文|範文|内容|內容|喜欢|喜歡|专题|專題|标签|標籤|下载|下載)"
    r"(?:[::]|>>|»)?",
    # 3. "相关政府工作报告资源,请阅读:…" pointers at the end of compilations.
    r"相[关關].{1,20}(?:资源|資源|文章|范文|範文)[,,]?(?:请|請)?(?:阅读|閱讀|点击|點擊|查看)[::].{0,60}",
    # 4. Read-more and paywall markers: 展开阅读全文, 点击查看更多>>, ……试读结束……, 查阅全文加微信….
    r"(?:展开|展開)(?:阅读|閱讀)?全文.{0,6}",
    r"(?:点击|點擊)?(?:查看|阅读|閱讀|进入|進入)(?:更多|全文|原文)(?:>>|》》|>|»|\.{2,}|…+)?",
    r"[.…·。]*(?:试读|試讀)(?:已)?(?:结束|結束)[.…·。]*",
    r"(?:查阅|查閱|获取|獲取|下载|下載|阅读|閱讀)全文.{0,30}",
    # 5. Contact plugs that carry an account id: 客服微信:3231169, 加微信3231169, QQ群123456.
    r".{0,16}(?:微信|客服|QQ群?|公众号|公眾號)(?:号|號)?[::]?[A-Za-z0-9_-]{5,}.{0,24}",
    # 6. Short QR/follow/customer-service calls: 扫码关注, 立即扫码添加我吧, 微信咨询, 客服代找资料.
    r"(?:扫码|掃碼|扫一扫|掃一掃)(?:关注|關注|添加|加入|下载|下載|阅读|閱讀).{0,8}|(?:立即)?(?:扫码|掃碼)添加.{0,6}",
    r"(?:微信|在线|在線)(?:咨询|諮詢|客服)|客服代找资料|客服代找資料|(?:关注|關注)(?:我们|我們|公众号|公眾號)",
    # 7. Site credits: 本文由第一公文网收集整理来源, 本文来源于网络, 文章来源:…网.
    r"本(?:文|篇)(?:由|来自|來自|来源于|來源於|来源于|转载自|轉載自).{0,30}",
    r"(?:文章|信息|新闻|新聞|稿件)(?:来源|來源|出处|出處)[::].{1,30}",
    r"(?#head)(?:来源|來源|出处|出處|作者|编辑|編輯)[::].{1,24}",
    r"(?#head)(?:时间|時間|日期|来源|來源|出处|出處|作者|发布时间|發布時間|发布日期|發布日期)[::]",
    r".{0,6}(?:转载|轉載)[,,]?(?:请|請|须|須|务必|務必)?(?:注明|註明|保留).{0,80}",
    # 8. Site self-promotion lines naming a domain: 如来写作网gw.rulaixiezuo.com(可搜索其他更多资料).
    r".{0,20}(?:网|網|文库|文庫|范文|範文|写作|寫作|公文)(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+.{0,30}",
    # 9. Collector intros: 以下是小编整理的…供大家参考, 以下提供一篇工作报告给大家参考!
    r".{0,10}(?:小编|小編|本站|本网|本網)(?:为大家|為大家|为您|為您|精心)?(?:整理|收集|搜集|推荐|推薦|分享)(?:了|的)?.{0,50}",
    r"以下(?:提供|是|为|為)?(?:一篇|几篇|幾篇|\d+篇).{0,30}(?:参考|參考|阅读|閱讀|借鉴|借鑒)[!!。.]*",
    # 10. Disclaimers (long): 導語:…來源于網友上傳,不代表本站觀點…; 本文内容由互联网用户自发贡献…本站仅提供信息存储空间服务.
    r"(?#long).{0,100}不代表本(?:站|网|網)(?:的)?(?:观点|觀點|立场|立場).{0,300}",
    r"(?#long).{0,160}本(?:站|网|網)(?:仅|僅|只)提供信息(?:存储|存儲)空间服务.{0,300}",
    r"(?#long).{0,60}(?:本文|该文|該文|文章)(?:观点|觀點)?(?:仅|僅)代表作者.{0,300}",
    r"(?#long)(?:导语|導語)[::].{0,120}(?:来源于|來源于|來源於|来源於)(?:网友|網友|网络|網絡).{0,200}",
    # 11. Scraped docx viewers: 上传人:… 文档编号:… 上传时间:…; 《…》由会员分享…请在冰豆网上搜索。
    r"(?#long)(?:上传人|上傳人|上传者|上傳者|贡献者|貢獻者|文档编号|文檔編號)[::].{0,160}",
    r"(?#long).{0,120}由(?:会员|會員|用户|用戶|网友|網友)(?:分享|上传|上傳).{0,240}",
    r"(?#long).{1,120}\.(?:docx?|pdf|pptx?|xlsx?|wps|txt)_第\d+(?:页|頁)",
    r"(?:第\d+(?:页|頁))?/?共\d+(?:页|頁)",
    r"(?:立即|免费|免費|马上|馬上|点击|點擊)?(?:下载|下載)(?:资源|資源|文档|文檔|此文档|此文檔|本文|全文|word版|pdf版|word|pdf|源文件|附件)?(?:>>|»)?",
    r"(?:资源|資源|文档|文檔)(?:描述|简介|簡介|信息|資訊|预览|預覽)[::]?",
    # 12. Button rows: "下载 相关 举报", "下载 打印 全屏 收藏", "分享到:".
    r"(?=.*[\u4e00-\u9fff])(?:下载|下載|收藏|分享到?|举报|舉報|打印|列印|全屏|评论|評論|相关|相關|纠错|糾錯|点赞|點讚|复制|複製|[|/·:])+",
    # 13. Breadcrumbs: 当前位置:首页 > 幼儿教育 > 幼儿读物; 首页>范文>….
    r"(?:当前位置|當前位置|您的位置|你的位置|所在位置|现在位置|現在位置)[::].{0,80}",
    r"(?:首页|首頁)(?:>|>>|»|/|→).{0,80}",
    # 14. Copyright and ICP: "copyright@ 2008-2022 冰豆网网站版权所有", "京ICP备12345号", 公网安备.
    r".{0,20}(?:copyright|©|\(c\)).{0,80}",
    r".{0,40}(?:网站|網站|网|網|站|公司|\d{4})(?:版权所有|版權所有).{0,30}",
    r"(?:版权所有|版權所有)[::©].{0,40}|allrightsreserved\.?",
    r".{0,30}[\u4e00-\u9fff]?ICP(?:备|備|证|證|許可證|许可证)[\d-]*\d+号?(?:-\d+)?.{0,10}",
    r".{0,10}(?:公网安备|公網安備).{0,30}",
    # 15. Counters and edit stamps: 浏览次数:  更新时间:2016-03-09 14:09:04, 點擊數:12.
    r"(?:浏览|瀏覽|阅读|閱讀|点击|點擊|访问|訪問)(?:次数|次數|数|數|量)[::]?\d*.{0,40}",
    r"(?:更新|发布|發布|发表|發表|上传|上傳|录入|錄入|添加|编辑|編輯)(?:时间|時間|日期|于|於)[::]?\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?.{0,40}",
    # 16. Bare web publication stamp at the top: 时间:2022-12-02 08:27:00 (numeric dates only).
    r"(?#head)(?:时间|時間|日期|发布|發布)[::]\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\d{1,2}:\d{2}(?::\d{2})?)?",
    # 17. Comment widgets: 网友评论《…》, 评论功能已关闭, 发表评论, 共3条评论.
    r"(?:网友|網友)(?:评论|評論).{0,60}|(?:评论|評論)功能已(?:关闭|關閉)|(?:发表|發表|我要)(?:评论|評論)|(?:已有|共)?\d+(?:条|條)(?:评论|評論)",
    # 18. Back-to-top and font-size widgets; the lone 加大/还原/减小 only in the header.
    r"返回(?:顶部|頂部|首页|首頁|列表|目录|目錄)|回到(?:顶部|頂部)",
    r"【?(?:字号|字號|字体|字體)[::]?(?:大|中|小|加大|还原|還原|减小|減小|默认|默認|\|)*】?",
    r"(?#head)(?:加大|还原|還原|减小|減小|【|】)",
    # 19. Header remnants of a breadcrumb or stamp split over lines: 首页 / > / 2026-02-03 09:02:33.
    r"(?#head)(?:首页|首頁|>|>>|»|›)",
    r"(?#head)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\d{1,2}:\d{2}(?::\d{2})?",
)

#: Lines any rule set must leave alone; compile_patterns rejects a rule that
#: matches one of them, because it would delete report text everywhere.
_PROBE_LINES: tuple[str, ...] = (
    "一、基本情况",
    "各位领导:",
    "尊敬的各位领导、各位专家:",
    "同志们:",
    "谢谢大家!",
    "2009年4月24日",
    "第一章总则",
    "(一)加强组织领导",
    "第一条为了规范管理,根据有关法律,制定本办法。",
    "南长区教育局",
)

_BULLET_CHARS = " \t\u3000-*•·●○◆◇■□▪►▶»>"
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FOLD_TEXT = CodepointTable(_FOLD)
_SENTENCE_END = re.compile(r"[。!?;…]")
_FILE_EXT_RE = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|wps|txt)$", re.I)
_COMPILATION_PREFIX_RE = re.compile(
    r"^(?:[【\[(]?(?:第[一二三四五六七八九十\d]{1,3}篇|篇[一二三四五六七八九十\d]{1,3}|范文[一二三四五六七八九十\d]{1,3}|範文[一二三四五六七八九十\d]{1,3})[】\])]?[::、.]?)"
)
_TITLE_TAG_RE = re.compile(r"[((](?:精|精选|精選|精品|推荐|推薦|范文|範文|完整版|最新|优秀|優秀|word版|可编辑|可編輯|原创|原創|定稿|\d{1,2})[))]$", re.I)
_TAIL_MARKER_RE = re.compile(
    r"(?:相关|相關|热门|熱門|精彩|推荐|推薦|延伸|猜你|更多)(?:推荐|推薦|文章|阅读|閱讀|资源|資源|搜索|范文|範文|内容|內容|喜欢|喜歡)"
    r"(?:[::]|>>)?|[.…·。]*(?:试读|試讀)已?(?:结束|結束)[.…·。]*|(?:展开|展開)(?:阅读|閱讀)?全文"
)
_DATE_LINE_RE = re.compile(
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\d{1,2}:\d{2}(?::\d{2})?)?|\d+(?:分钟|分鐘|小时|小時|天|周|週|个月|個月)前"
)
_COUNT_LINE_RE = re.compile(r"[(\[]?\d{1,7}[)\]]?(?:次|人|阅读|閱讀|浏览|瀏覽|赞|讚)?")


@dataclass
class CleanResult:
    """The cleaned text and what was dropped (for ``searchapp inspect``)."""

    text: str
    removed_lines: int = 0
    removed: list[str] = field(default_factory=list)
    #: (line, reason) for every removed line, reasons as in :data:`searchapp.chrome.REASONS`.
    reasons: list[tuple[str, str]] = field(default_factory=list)
    #: Chrome removed inside kept lines (pinyin glosses, Word field codes).
    inline: list[str] = field(default_factory=list)
    #: The document a removed site blurb names ("…整理的XX工作总结，供参考"): a title
    #: for a page that has no heading of its own.
    named_title: str | None = None
    #: Removed stamp lines near the top that date the page's item (news date).
    stamps: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CompiledPatterns:
    """Rules compiled once: one alternation per kind, so each line costs one match."""

    sources: tuple[str, ...]
    short: re.Pattern[str] | None
    long: re.Pattern[str] | None
    head: re.Pattern[str] | None
    head_long: re.Pattern[str] | None


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _check_one(pattern: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"boilerplate pattern {pattern!r} is empty or not a string")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"boilerplate pattern {pattern!r} is not a valid regular expression: {exc}") from None
    if compiled.fullmatch(""):
        raise ValueError(f"boilerplate pattern {pattern!r} matches an empty line")
    for probe in _PROBE_LINES:
        if compiled.fullmatch(probe):
            raise ValueError(f"boilerplate pattern {pattern!r} matches ordinary report text {probe!r}")
    return compiled


def compile_patterns(patterns: Sequence[str]) -> CompiledPatterns:
    """Validate and compile boilerplate rules (used by config loading).

    Raises ValueError naming the bad pattern when one is not a valid regular
    expression, matches the empty line, or matches a typical report line such
    as 一、基本情况 (such a rule would delete report text on every page).
    """
    if isinstance(patterns, str):
        raise ValueError("boilerplate patterns must be a list of regular expressions, not one string")
    buckets: dict[tuple[bool, bool], list[str]] = {}
    for pattern in patterns:
        _check_one(pattern)
        head = _HEAD in pattern
        long = _LONG in pattern
        buckets.setdefault((head, long), []).append(pattern)
    return CompiledPatterns(
        sources=tuple(patterns),
        short=_alternation(buckets.get((False, False), [])),
        long=_alternation(buckets.get((False, True), [])),
        head=_alternation(buckets.get((True, False), [])),
        head_long=_alternation(buckets.get((True, True), [])),
    )


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> CompiledPatterns:
    return compile_patterns(patterns)


def compact(line: str) -> str:
    """The form rules are matched against: bullets dropped, full-width ASCII
    folded, all whitespace removed."""
    return _compact_folded(line.translate(_FOLD))


def _compact_folded(folded: str) -> str:
    squeezed = "".join(folded.lstrip(_BULLET_CHARS).split())
    return squeezed or "".join(folded.split())  # a lone ">" or "-" is a line, not a bullet


def _compact_lines(lines: list[str], text: str) -> list[str]:
    """Compact every line; folding the whole text once is far cheaper than
    per line, which is what keeps a 20,000-character page at about a millisecond."""
    folded = _FOLD_TEXT(text).split("\n")
    return [_compact_folded(f) if len(f) <= 2 * MAX_LONG_CHROME_CHARS else f for f in folded[: len(lines)]]


def _is_chrome(c: str, rules: CompiledPatterns, in_head: bool) -> bool:
    n = len(c)
    if n == 0 or n > MAX_LONG_CHROME_CHARS:
        return False
    if n <= MAX_CHROME_CHARS:
        if rules.short is not None and rules.short.fullmatch(c):
            return True
        if in_head and rules.head is not None and rules.head.fullmatch(c):
            return True
    if rules.long is not None and rules.long.fullmatch(c):
        return True
    return in_head and rules.head_long is not None and rules.head_long.fullmatch(c) is not None


def _is_prose(c: str) -> bool:
    """A paragraph of report text: ends the header zone."""
    return len(c) > MAX_CHROME_CHARS or (len(c) >= 20 and _SENTENCE_END.search(c) is not None)


def _title_key(c: str) -> tuple[str, bool]:
    """Normalised title for duplicate detection, and whether the line carried
    decoration (file extension, 第一篇: prefix, (精) tag) around it."""
    key = _FILE_EXT_RE.sub("", c)
    key = _COMPILATION_PREFIX_RE.sub("", key)
    key = _TITLE_TAG_RE.sub("", key)
    return key, key != c


def _dedupe_titles(compacts: list[str], drop: list[bool], header_end: int, title_hint: str | None) -> None:
    """Keep one copy of the title repeated in the header: the plainest one (no
    .docx, no 第一篇: prefix), else the first.  Only the title is deduplicated
    (the first header line, file-name lines, ``title_hint``): a law's 第一章
    heading that repeats its table of contents must stay."""
    titles = {_title_key(compact(title_hint))[0]} if title_hint else set()
    groups: dict[str, list[tuple[int, bool]]] = {}
    for i in range(header_end):
        if drop[i] or not compacts[i] or _is_prose(compacts[i]):
            continue
        key, decorated = _title_key(compacts[i])
        if not groups or _FILE_EXT_RE.search(compacts[i]):
            titles.add(key)  # the page's first line, and file names, are titles
        groups.setdefault(key, []).append((i, decorated))
    for key, members in groups.items():
        if len(members) < 2 or key not in titles or not key:
            continue
        plain = [i for i, decorated in members if not decorated]
        keep = plain[0] if plain else members[0][0]
        for i, _decorated in members:
            if i != keep:
                drop[i] = True


_LIST_BULLETS = "-*•·●○◆◇■□▪►▶"


def _is_bullet(raw: str) -> bool:
    first = raw.lstrip()[:1]
    return first != "" and first in _LIST_BULLETS


def _tail_item(c: str, raw: str, last_title: str) -> tuple[bool, bool]:
    """(is list furniture, is a strong list signal) for one line after a tail marker."""
    if _is_bullet(raw) and len(c) <= 80:
        return True, True
    if _DATE_LINE_RE.fullmatch(c) or _COUNT_LINE_RE.fullmatch(c):
        return True, True
    if last_title:
        body = c.lstrip("?？.…")
        if body.startswith(last_title[:8]):
            return True, False  # the listed article's snippet
    if len(c) <= 24 and not _SENTENCE_END.search(c):
        return True, False
    return False, False


_WIDGET_OPEN_RE = re.compile(r"【?(?:字号|字號|字体|字體)[::]?")


def _drop_font_widget(compacts: list[str], drop: list[bool]) -> None:
    """【字体: / 大 / 中 / 小 / 】 spread over lines: the one-character options
    are chrome only between the widget's brackets."""
    for i, c in enumerate(compacts):
        if not (c and _WIDGET_OPEN_RE.fullmatch(c)):
            continue
        for j in range(i + 1, min(i + 8, len(compacts))):
            if compacts[j] == "】":
                for k in range(i, j + 1):
                    if compacts[k] and len(compacts[k]) <= 4:
                        drop[k] = True
                break
            if len(compacts[j]) > 4:
                break


def _trim_tail(lines: list[str], compacts: list[str], drop: list[bool], rules: CompiledPatterns) -> None:
    """Remove a related-articles/paywall block at the end when it is clearly chrome."""
    markers = [i for i, c in enumerate(compacts) if c and len(c) <= MAX_CHROME_CHARS and _TAIL_MARKER_RE.fullmatch(c)]
    for m in markers:
        strong = 0
        last_title = ""
        clean = True
        for i in range(m + 1, len(lines)):
            c = compacts[i]
            if not c or drop[i] or _TAIL_MARKER_RE.fullmatch(c):
                continue
            ok, is_strong = _tail_item(c, lines[i], last_title)
            if not ok:
                clean = False
                break
            strong += is_strong
            if _is_bullet(lines[i]):
                last_title = c
        is_paywall = "试读" in compacts[m] or "試讀" in compacts[m]
        if clean and (strong >= 2 or is_paywall or m + 1 >= len(lines)):
            for i in range(m, len(lines)):
                if compacts[i]:
                    drop[i] = True
            return


def _assemble(lines: list[str], drop: list[bool], ends_with_newline: bool) -> str:
    """Join kept lines; blank lines left next to removed ones collapse to one."""
    out: list[str] = []
    removed_since = False
    for line, dropped in zip(lines, drop):
        if dropped:
            removed_since = True
            continue
        if not line.strip():
            if removed_since and (not out or not out[-1].strip()):
                continue
            out.append(line)
            continue
        out.append(line)
        removed_since = False
    if removed_since:
        while out and not out[-1].strip():
            out.pop()
    text = "\n".join(out)
    if ends_with_newline and text:
        text += "\n"
    return text


def clean_text(
    text: str,
    patterns: Sequence[str] | CompiledPatterns | None = None,
    *,
    title_hint: str | None = None,
    structural: bool | None = None,
) -> CleanResult:
    """Remove site chrome lines from ``text``; kept lines are unchanged and in order.

    ``patterns`` are whole-line regular expressions (default
    :data:`DEFAULT_BOILERPLATE_PATTERNS`; a :class:`CompiledPatterns` from
    :func:`compile_patterns` avoids recompiling).  ``title_hint`` is the
    article's title when the caller knows it (a compilation header); copies of
    it in the header collapse to one like any repeated title.  ``structural``
    adds the shape-based rules of :mod:`searchapp.chrome` (vocabulary lines, link
    lists, counters, the header above the title, the footer after the end) and the
    removal of pinyin glosses and Word field codes inside lines; by default only with
    the built-in patterns (custom patterns mean the user wants exact control).
    """
    if structural is None:
        structural = patterns is None
    if patterns is None:
        rules = _compiled(DEFAULT_BOILERPLATE_PATTERNS)
    elif isinstance(patterns, CompiledPatterns):
        rules = patterns
    else:
        rules = _compiled(tuple(patterns))
    lines = text.split("\n")
    ends_with_newline = text.endswith("\n")
    if ends_with_newline:
        lines.pop()
    compacts = _compact_lines(lines, text)
    drop = [False] * len(lines)

    header_end = len(lines)
    seen = 0
    for i, c in enumerate(compacts):
        if not c:
            continue
        seen += 1
        in_head = header_end == len(lines)
        drop[i] = _is_chrome(c, rules, in_head)
        if in_head and not drop[i] and (_is_prose(c) or seen > MAX_HEADER_LINES):
            header_end = i
    _drop_font_widget(compacts, drop)
    reasons: list[str | None] = ["pattern" if d else None for d in drop]
    before = list(drop)
    _dedupe_titles(compacts, drop, header_end, title_hint)
    reasons = [r if r or not d or before[i] else "repeat" for i, (r, d) in enumerate(zip(reasons, drop))]
    _trim_tail(lines, compacts, drop, rules)
    reasons = [r if r or not d else "after-end" for r, d in zip(reasons, drop)]
    if structural:
        structural_chrome(lines, compacts, drop, reasons, heading_index, is_title_line)

    removed = [lines[i].strip() for i in range(len(lines)) if drop[i] and compacts[i]]
    why = [(lines[i].strip(), reasons[i] or "pattern") for i in range(len(lines)) if drop[i] and compacts[i]]
    out = _assemble(lines, drop, ends_with_newline)
    out, inline = strip_inline(out)
    named = next((n for line, _r in why for n in [named_in_blurb(compact(line))] if n), None)
    return CleanResult(text=out, removed_lines=len(removed), removed=removed, reasons=why, inline=inline,
                       named_title=strip_inline(named)[0] if named else None,
                       stamps=publication_stamps(lines, drop))
