"""Tell what kind of document a report is (讲话, 汇报, 述职报告, …).

Chinese official titles end with the document type ("关于…的通知", "…情况汇报",
"在…会议上的讲话"), so the title is read first and the type word that ends
last wins: in "关于印发《…实施方案》的通知" the document is a 通知, not a 方案
(titles quoted in 《》 are ignored for the same reason). When the title names no
type, the opening lines often do: a speech starts with "同志们:", a report to
visiting leaders with "各位领导:" and "现将…汇报如下", a self-review with
"…自查情况报告如下", a regulation with "第一条". Anything else is None: a wrong
facet value is worse than none.
"""

from __future__ import annotations

import re

from searchapp.extract.title import is_first_sentence

__all__ = ["DOC_TYPES", "detect_type"]

DOC_TYPES: tuple[str, ...] = (
    "讲话",
    "汇报",
    "述职报告",
    "自查报告",
    "工作总结",
    "工作计划",
    "规划",
    "方案",
    "通知",
    "意见",
    "决定",
    "报告",
    "法规",
    "新闻",
    "心得体会",
)
"""Document types ``detect_type`` can return, most specific first.

- 讲话: speeches and remarks (讲话稿, 发言, 致辞, 主持词, 演讲).
- 汇报: reports to superiors or visiting inspectors (情况汇报, 汇报材料).
- 述职报告: an official's account of their own duties (述职, 述职述廉).
- 自查报告: self-inspection and self-evaluation reports (自查, 自评).
- 工作总结: year-end or stage summaries (总结, 小结).
- 工作计划: plans and work priorities (计划, 工作要点, 工作打算).
- 规划: multi-year development plans (规划, 纲要).
- 方案: implementation and work schemes (实施方案, 工作方案).
- 通知: notices and announcements (通知, 通告, 公告).
- 意见: opinions and guidance (实施意见, 指导意见).
- 决定: decisions and resolutions (决定, 决议).
- 报告: other reports (工作报告, 调研报告, 政府工作报告).
- 法规: laws and regulations (…法, 条例, 办法, 规定, 细则, 规则, 章程).
- 新闻: news items and transcripts (新闻, 简讯, 报道).
- 心得体会: reflections after study or training (心得, 体会, 读后感).
"""

# Traditional forms of the characters the patterns use, so a title that kept its
# script (the title extractor does not normalize) is still recognised.
_T2S = str.maketrans(
    "報匯講話發職總結計劃規決議辦條細則綱聞體會關於實見論調說統啟書頒稱結學習讀後觀務屆長發處標點導說",
    "报汇讲话发职总结计划规决议办条细则纲闻体会关于实见论调说统启书颁称结学习读后观务届长发处标点导说",
)

# (type, pattern) in priority order: on a tie (same end, same length) the
# earlier entry wins, so specific types come before 报告.
_TITLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p))
    for name, p in (
        ("述职报告", r"述职(?:述廉|述德|述学|述法|述责)*(?:报告|材料)?"),
        ("自查报告", r"自查(?:自评|自纠|自改)?(?:报告|情况|材料|总结)?|自评报告|自检报告"),
        ("讲话", r"(?:讲话|发言|演讲)(?:稿|材料|提纲)?|致辞|主持词|主持讲话|动员讲话"),
        ("汇报", r"汇报(?:材料|提纲)?"),
        ("工作总结", r"总结(?:报告|材料)?|小结"),
        ("工作计划", r"计划|工作要点|工作打算|工作思路|工作安排"),
        ("规划", r"规划|纲要"),
        ("方案", r"方案"),
        ("通知", r"通知|通告|公告"),
        ("意见", r"意见"),
        ("决定", r"决定|决议"),
        ("报告", r"报告"),
        ("法规", r"条例|办法|规定|细则|规则|规程|章程|准则|标准|司法解释|(?<![方做看想说写用手技立司执])法"),
        ("新闻", r"新闻联播|新闻稿|新闻|简讯|快讯|报道"),
        ("心得体会", r"心得体会|心得|体会|感想|读后感|观后感"),
    )
)

# Qualifiers after the type word do not change the type: "…办法(试行)".
_QUALIFIER_RE = re.compile(
    r"\s*[(（](?:试行|暂行|草案|征求意见稿|修订|修订稿|修正|讨论稿|送审稿|定稿|摘要|全文)[)）]\s*$"
)
_QUOTED_RE = re.compile(r"《[^《》]*》")
_DATE_SUFFIX_RE = re.compile(r"\s*[(（][\d.\-年月日\s]*[)）]\s*$")

_OPENING_LINES = 12
_OPENING_CHARS = 800
_HEADER_LINES = 6
_HEADER_LINE_CHARS = 50
_CLAUSE_RE = re.compile(r"[，,。；;！？!?]")
# A salutation ("各位领导:") or a paragraph ends the title block.
_BODY_START_RE = re.compile(r"^.{1,30}[:：]$|^.{60,}")

# Opening-line cues, strongest first.
_OPENING_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p))
    for name, p in (
        ("法规", r"^第[一1]条|^第一章\s*总\s*则"),
        ("新闻", r"本期节目主要内容|新闻联播"),
        ("自查报告", r"自查(?:自评)?(?:工作|情况)?(?:报告|汇报)如下|开展了?自查|进行了?自查|认真自查"),
        ("述职报告", r"述职如下|现述职|进行述职|作述职|述职报告"),
        ("工作总结", r"总结如下"),
        ("汇报", r"汇报如下|作(?:一|个)?(?:简要)?汇报|汇报工作"),
        ("通知", r"通知如下"),
        ("报告", r"向大会报告|报告如下"),
    )
)
_SPEECH_SALUTATION_RE = re.compile(r"^[^。，,;；]{0,30}同志们[!！:：,，]")
_REPORT_SALUTATION_RE = re.compile(r"^[^。，,;；]{0,20}各位代表[!！:：,，]")
_LEADERS_SALUTATION_RE = re.compile(r"^[^。，,;；]{0,20}各位领导[^。；;]{0,20}[:：]")


def _strip_title(title: str) -> str:
    title = _DATE_SUFFIX_RE.sub("", title.translate(_T2S).strip())
    while True:
        shorter = _QUALIFIER_RE.sub("", title)
        if shorter == title:
            return title
        title = shorter


def _type_from_title(title: str) -> str | None:
    """The type word that ends last in the title (ties: longer, then more specific)."""
    title = _strip_title(title)
    if not title:
        return None
    unquoted = _QUOTED_RE.sub("", title)
    for candidate in (unquoted, title):
        best: tuple[int, int, int] | None = None
        best_type = None
        for rank, (name, pattern) in enumerate(_TITLE_PATTERNS):
            for m in pattern.finditer(candidate):
                key = (m.end(), m.end() - m.start(), -rank)
                if best is None or key > best:
                    best, best_type = key, name
        if best_type is not None:
            if best_type == "工作计划" and "总结" in candidate:
                return "工作总结"  # "2015年工作总结和2016年工作计划" is mainly a summary
            return best_type
    return None


def _opening(text: str) -> list[str]:
    lines = []
    size = 0
    for raw in text.splitlines():
        line = raw.strip().translate(_T2S)
        if not line:
            continue
        lines.append(line)
        size += len(line)
        if len(lines) >= _OPENING_LINES or size >= _OPENING_CHARS:
            break
    return lines


def _type_from_opening(lines: list[str]) -> str | None:
    """Phrases and salutations that give the genre away in the first lines."""
    joined = "\n".join(lines)
    for name, pattern in _OPENING_CUES:
        if any(pattern.search(line) for line in lines) or (name != "法规" and pattern.search(joined)):
            return name
    for line in lines:
        if _SPEECH_SALUTATION_RE.match(line):
            return "讲话"
        if _REPORT_SALUTATION_RE.match(line):
            return "报告"
        if _LEADERS_SALUTATION_RE.match(line):
            return "汇报"
    return None


def _type_from_header(lines: list[str]) -> str | None:
    """A type word on a title-like line before the body: a subtitle or the rest of
    a broken title ("——2007年、2008年…" / "基础教育工作责任考核自查报告")."""
    for line in lines[:_HEADER_LINES]:
        if _SPEECH_SALUTATION_RE.match(line) or _BODY_START_RE.search(line):
            break
        if len(line) <= _HEADER_LINE_CHARS and not _CLAUSE_RE.search(line):
            found = _type_from_title(line)
            if found is not None:
                return found
    return None


def detect_type(title: str, text: str, title_is_sentence: bool | None = None) -> str | None:
    """One of DOC_TYPES, from the title first and then the opening lines; None when unsure.

    The opening lines are read twice: first their title-like lines (a subtitle
    the caller's title may lack), then phrases and salutations. ``title_is_sentence``:
    :func:`~searchapp.extract.title.is_first_sentence`, when the caller already knows it.
    """
    opening = _opening(text or "")
    if title_is_sentence is None:
        title_is_sentence = is_first_sentence(title, text)
    from_title = None if title_is_sentence else _type_from_title(title or "")
    if from_title is None:
        from_title = _type_from_header(opening)
    from_opening = _type_from_opening(opening)
    if from_title == "报告" and from_opening in ("自查报告", "述职报告"):
        return from_opening  # a generic 报告 whose opening says what kind
    return from_title or from_opening
