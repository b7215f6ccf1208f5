"""Site chrome recognised by the shape of a page, not by a list of its strings.

:mod:`searchapp.clean` removes lines that match known boilerplate patterns. Real
scraped pages carry far more chrome than any list can name (every site words its
menus, counters and paywalls differently), but the chrome has a shape that sites
share, and that shape is what this module looks at:

* **vocabulary lines**: short lines (no sentence) made of generic site words
  (浏览, 上一篇, 分享到, 责任编辑, 打印本页, 关闭窗口, 字号, 来源, 登录, 下载 …);
* **link lists**: a line of many short items separated by ``|``, ``_``, ``•`` or
  wide spaces (menus, tag clouds, porn-SEO keyword lines);
* **counters and stamps**: a line of numbers with units (``- 48``, ``约8.6千字``,
  ``1 / 2``, ``3764次查看``, ``本篇文章1766字,读完约4分钟``, ``2017-08-17 发布于河南``);
* **before the title**: once the page's heading is known, the non-prose lines above it
  are the site's header;
* **after the end**: a list header (相关文章, 推荐文章, 新闻推荐 …) after the report's
  last paragraph starts the site's footer when what follows is not longer than what
  came before.

Inside report prose nothing is removed by these rules: a line is "prose" when it is
long or ends a sentence, and every rule here applies to non-prose lines only, except
:func:`strip_inline` which removes two kinds of chrome glued inside sentences that
cannot be report text (pinyin glosses such as 總結(jié) and Word field codes such as
``HYPERLINK /x/ \\t _blank``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

__all__ = ["publication_stamps", "strip_inline", "structural_chrome", "is_prose", "is_site_blurb", "named_in_blurb", "REASONS"]

#: Why a line was removed, as shown by ``searchapp inspect``.
REASONS = {
    "pattern": "matches a boilerplate pattern",
    "vocabulary": "short line of site-navigation words",
    "link-list": "list of short links or keywords",
    "counter": "counter, size or stamp line",
    "before-title": "site header above the report's title",
    "after-end": "site footer after the report's end",
    "repeat": "title repeated by the page",
    "blurb": "site's blurb, disclaimer or advertisement",
    "emoji": "line with emoji (comments, ads)",
    "repeated-short": "short line the page repeats that is not its title",
    "contact": "site contact details next to other chrome",
}

# A site talking about itself: collector intros (下面是小编为大家整理的…), paywall and
# copyright notices, marketing lines. Such a line uses several of these words; a
# report sentence hardly ever uses three of them, and never one of the strong ones
# together with two others.
_BLURB_STRONG = ("预览", "預覽", "小编", "小編", "本站", "本网", "本網", "网站", "網站", "范文", "範文", "文档", "文檔", "会员", "會員",
                 "vip", "下载", "下載", "上传", "上傳", "付费", "付費", "版权", "版權", "侵权", "侵權", "客服", "浏览器",
                 "瀏覽器", "转载", "轉載", "写作", "寫作", "素材", "网友", "網友", "投稿", "登录", "登錄", "公文")
_BLURB_WEAK = ("精选", "精選", "精心", "筛选", "篩選", "整理", "参考", "參考", "欢迎", "歡迎", "阅读", "閱讀", "分享",
               "收藏", "灵感", "靈感", "举报", "舉報", "申诉", "申訴", "权益", "權益", "免费", "免費", "立即", "点击",
               "點擊", "热线", "熱線", "全文", "仅供", "僅供", "所有", "浏览", "瀏覽", "神器", "了解", "出处", "出處", "一对一")
_ADDRESS_RE = re.compile(r"您|大家|你们|你的|为你|給你|给你|读者|讀者|请点击|請點擊|请进行|請進行|请联系|請聯繫|请先|請先|请自行|請自行")


def _cased(ch: str) -> bool:
    return ch.lower() != ch or ch.upper() != ch


class _WordList:
    """An alternation of literal words matched like ``re.IGNORECASE``, but fast.

    With ``re.IGNORECASE`` the regular expression engine cannot skip ahead to the
    possible first characters of an alternation, and these lists are matched
    against every line of every page (8 times slower). The words without cased
    characters (the Chinese ones) go in a case-sensitive pattern, which is
    the same for them; the few Latin ones keep ``re.IGNORECASE`` in a second
    pattern. The two groups share no character, so no match of one can overlap a
    match of the other: :meth:`findall` returns the same matches as the single
    alternation, though not in text order (callers count them or make sets), and
    within each group the alternatives keep their order (longest first where the
    caller sorted them so)."""

    def __init__(self, words: Sequence[str]):
        plain = [w for w in words if not any(_cased(ch) for ch in w)]
        folded = [w for w in words if any(_cased(ch) for ch in w)]
        if any(not all(_cased(ch) for ch in w) for w in folded):
            raise ValueError("a word mixes cased and uncased characters")
        self._plain = re.compile("|".join(map(re.escape, plain))) if plain else None
        self._folded = re.compile("|".join(map(re.escape, folded)), re.IGNORECASE) if folded else None

    def findall(self, text: str) -> list[str]:
        found = self._plain.findall(text) if self._plain is not None else []
        if self._folded is not None:
            found += self._folded.findall(text)
        return found

    def search(self, text: str) -> bool:
        return bool((self._plain is not None and self._plain.search(text))
                    or (self._folded is not None and self._folded.search(text)))


_BLURB_STRONG_RE = _WordList(_BLURB_STRONG)
_BLURB_WEAK_RE = _WordList(_BLURB_WEAK)


# The document a collector's intro names: "…整理的2022年…的讲话，供大家参考", "为您筛选了一篇…通知范文".
_NAMED_RE = re.compile(
    r"(?:整理的|整理了|筛选了一篇|篩選了一篇|准备了|準備了|精选了?|精選了?|分享的|推荐的|推薦的)"
    r"(?:\d+篇|[一二三四五六七八九十]+篇)?(?P<name>[^,，。!！:：“”\s]{6,50}?)(?:\d+篇)?(?:参考)?(?:范文|範文)?"
    r"(?=[,，。!！]|[,，]?(?:供|仅供|僅供|希望|欢迎|歡迎|愿|願))"
)


_FULL_DATE_RE = re.compile(
    r"(?:19|20)\d\d\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)|(?:19|20)\d{6}\s*\d{1,2}:\d{2}"
)
# Dates that belong to the site or the reader, not to the page's item.
_NOT_PUBLICATION_RE = re.compile(r"今天|今日|上传|上傳|发布于|發布於|下载|下載|更新|修改|copyright|©|版权|版權", re.I)
# Words of document-sharing (文库/范文) sites, whose page dates are upload dates.
_SHARING_RE = re.compile(r"范文|範文|文档|文檔|文库|文庫|小编|小編|会员|會員|vip|下载|下載|上传|上傳|投稿|写作|寫作|"
                         r"付费|付費|文秘|公文|总结网|總結網|资料|資料", re.I)
#: Publication stamps are looked for in the page's first lines only.
STAMP_LINES = 25


def publication_stamps(lines: Sequence[str], drop: Sequence[bool]) -> list[str]:
    """Removed lines near the top that date the page's item ("2016/12/09 06:00",
    "左江日报 2020-04-25 10:33", "发布时间:2017-06-01"): the date of a news item,
    a weaker clue than any date in the text. Upload, "today" and update stamps are
    not publication dates and are left out."""
    if any(dropped and _SHARING_RE.search(line) for line, dropped in zip(lines, drop)):
        return []  # a document-sharing site: its dates are upload dates
    out = []
    seen = 0
    for line, dropped in zip(lines, drop):
        if not line.strip():
            continue
        seen += 1
        if seen > STAMP_LINES:
            break
        if dropped and _FULL_DATE_RE.search(line) and not _NOT_PUBLICATION_RE.search(line):
            out.append(line.strip())
    return out


def named_in_blurb(line: str) -> str | None:
    """The document a site's blurb introduces, if it names one."""
    m = _NAMED_RE.search(line)
    return m.group("name") if m else None


def is_site_blurb(line: str) -> bool:
    """A line in which the site speaks about itself (see ``_BLURB_STRONG``)."""
    if len(line) > 400:
        return False
    strong = {m.lower() for m in _BLURB_STRONG_RE.findall(line)}
    if not strong:
        return False
    weak = set(_BLURB_WEAK_RE.findall(line))
    total = len(strong) + len(weak)
    if len(line) <= 40 and total >= 3 and not line.rstrip().endswith("。"):
        return True
    if _CLAUSE_RE.search(line.rstrip("。!！")):
        # A sentence: only unmistakable self-talk, or talk to the reader (您, 大家).
        return len(strong) >= 3 or (total >= 3 and _ADDRESS_RE.search(line) is not None)
    return total >= 3 or (len(line) <= 30 and total >= 2)

# Generic words of site furniture, Simplified and Traditional. Short on purpose: a
# line is chrome when it is short, is not a sentence and is made of these.
_VOCAB = (
    "浏览", "瀏覽", "阅读数", "閱讀數", "阅读量", "阅读人数", "阅读:", "閱讀:", "点击", "點擊", "上一篇", "下一篇",
    "上一页", "下一页", "分享", "责任编辑", "責任編輯", "编辑:", "編輯:", "编辑人", "打印", "关闭", "關閉",
    "字号", "字號", "字体", "字體", "来源:", "來源:", "作者:", "发布时间", "發布時間", "发布日期", "发布于",
    "發布於", "上传", "上傳", "下载", "下載", "收藏", "举报", "舉報", "登录", "登錄", "注册", "註冊",
    "无障碍", "無障礙", "长者", "長者", "繁体", "繁體", "简体", "簡體", "首页", "首頁", "当前位置", "當前位置",
    "所在位置", "您的位置", "返回", "投稿", "会员", "會員", "vip",
    "客服", "联系我们", "聯繫我們", "聯系我們", "验证码", "驗證碼", "二维码", "扫码", "公众号", "预览", "預覽",
    "文档", "文檔", "千字", "推荐", "推薦", "热点", "熱點", "排行", "标签", "標籤", "栏目", "欄目",
    "索引号", "索引號", "发布机构", "主题分类", "组配分类", "有效性", "搜索", "搜尋", "评论", "評論",
    "点赞", "网站", "網站", "导航", "導航", "本站", "小编", "小編", "范文网", "文库", "官网", "官網",
    "浏览器", "窄屏", "宽屏", "摄影", "攝影", "记者", "記者", "通讯员", "本页", "url", "感受",
    "复制", "複製", "全文", "免费", "免費", "在线", "在線", "查看", "写作", "寫作", "热线", "熱線",
    "页数", "頁數", "字数", "字數", "download", "transcript", "embed", "citation", "preview", "login",
    "跳至", "跳到", "跳至主要内容", "返回顶部", "关闭窗口", "關閉窗口", "关闭本页", "關閉本頁", "预览结束", "預覽結束", "公开方式", "公开形式", "公开范围", "公开责任", "信息公开",
)
# Field labels that meeting minutes and notices use too: chrome only next to other chrome.
_WEAK = frozenset({"来源:", "來源:", "作者:", "编辑:", "編輯:", "发布时间", "發布時間", "发布日期", "记者", "記者",
                   "摄影", "攝影", "通讯员", "查看", "全文", "在线", "在線", "写作", "寫作", "返回", "关闭", "關閉"})
_VOCAB_RE = _WordList(sorted(_VOCAB, key=len, reverse=True))
# What a report heading or a list item of the report says: such lines are never
# removed for their vocabulary alone.
_REPORT_WORDS_RE = re.compile(
    r"报告|報告|总结|總結|讲话|講話|汇报|匯報|通知|方案|计划|計劃|规划|規劃|要点|要點|意见|意見|"
    r"会议|會議|召开|召開|举行|舉行|开展|開展|工作|教育|学校|學校|教师|教師|学生|學生"
)
_ENUM_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十\d]+[章节條条])")
_SENTENCE_END_RE = re.compile(r"[。!?！？;；]")
# A line that ends like a document's title, or starts with a date (a law's history).
_DOC_TYPE_END_RE = re.compile(
    r"(?:报告|報告|总结|總結|讲话|講話|汇报|匯報|通知|方案|计划|計劃|规划|規劃|要点|要點|意见|意見|办法|辦法|"
    r"条例|條例|规定|規定|决定|決定|法|细则|細則|纲要|綱要|解释|解釋|公告|通告|纪要|紀要|准则|準則|规程|規程|"
    r"标准|標準|规则|規則|章程|须知|須知|守则|守則)[)）]?$"
)
_DATED_LINE_RE = re.compile(r"^(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
# A site's name: "某某网", "某某範文站", "…文库".
_SITE_NAME_RE = re.compile(r"(?:网|網|站|文库|文庫|频道|頻道)$|^.{0,10}(?:网|網)(?:\s|$)")
_CHAPTER_RE = re.compile(r"第[一二三四五六七八九十百\d]+[章节節条條编編部]")
_CLAUSE_RE = re.compile(r"[,，。;；!?！？]")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_NOT_HAN_RE = re.compile(r"[^\u4e00-\u9fff]+")
_LINK_SEP_RE = re.compile(r"\s*(?:[|｜_•·■◆►>＞»›]|&gt;)\s*|\s{2,}|\u3000+")
# "索引号: … 组配分类: …": two or more labelled fields on one line.
_FIELD_RE = re.compile(r"[\u4e00-\u9fff]{2,6}\s*[:：]")
_COUNTER_RE = re.compile(
    r"^[-—•·*\s]*(?:约|約|共)?\s*[\d.,]+\s*(?:[wW万萬千kKmM]?\s*(?:字|页|頁|次|人|篇|份|B|KB|MB|k)?)"
    r"(?:\s*(?:/|／)\s*\d+)?(?:\s*(?:查看|浏览|瀏覽|阅读|閱讀|下载|下載|收藏|点赞|評論|评论|download|views?))?\s*$",
    re.IGNORECASE,
)
_STAMP_RE = re.compile(
    r"^[-—•·*\s]*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?"
    r"(?:发布于|發布於|发表于|發表於|上传于|上傳於|post(?:ed)?\s+on)\s*\S{0,12}$",
    re.IGNORECASE,
)
_READ_TIME_RE = re.compile(r"(?:本篇|本文|全文)?(?:文章)?(?:共|约|約)?\d+字.{0,4}(?:读完|讀完|阅读|閱讀).{0,6}(?:分钟|分鐘)")
_TAIL_HEAD_RE = re.compile(
    r"^[\s•·*-]*(?:相关|相關|推荐|推薦|热点|熱點|热门|熱門|最新|精彩|延伸|猜你|更多|其他|其它|新闻|新聞|"
    r"猜您|同类|同類|大家都在|为您|為您)(?:推荐|推薦|文章|新闻|新聞|阅读|閱讀|资讯|資訊|喜欢|喜歡|内容|內容|"
    r"范文|範文|资源|資源|看|文档|文檔|链接|鏈接)?(?:文章)?(?:related|more)?[:：>》\s]*$",
    re.IGNORECASE,
)
_PINYIN_GLOSS_RE = re.compile(  # bracket first, then the look-behind: the engine skips to brackets
    r"[(（](?<=[\u4e00-\u9fff][(（])[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ][a-zü]*[)）]"
)
# "[某某网-找文章,到某某网]" glued into a sentence by a copying site.
_SITE_BRACKET_RE = re.compile(r"\[[^\[\]\n]{0,30}(?:网|網|站)[^\[\]\n]{0,30}\]")
# A photo credit closing a caption line: "…情况。记者 杨鹏飞 摄".
_PHOTO_CREDIT_RE = re.compile(r"(?<=[。!！\s])\s*(?:记者|記者|摄影|攝影|通讯员|通訊員)\s*[\u4e00-\u9fff]{2,4}\s*摄\s*$", re.M)
# "文章标题:" before the title line.
_TITLE_LABEL_RE = re.compile(r"^\s*(?:文章标题|文章標題)\s*[:：]\s*", re.M)
_EMOJI_RE = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]")
_URL_RE = re.compile(r"https?://|www\.[a-z0-9-]+\.", re.I)
_CLOCK_STAMP_RE = re.compile(r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{8})\s*\d{1,2}:\d{2}")
_LABELLED_DATE_RE = re.compile(r"(?:发布|發布|更新|上传|上傳|发表|發表)(?:时间|時間|日期|于|於)[:：]?\s*\d{4}\s*[-/.年]")
_CONTACT_RE = re.compile(r"[\w.-]+@[\w-]+\.[\w.]+|(?:电话|電話|tel|热线|熱線|传真|傳真)\D{0,6}\d{3,4}[-\s]?\d{6,8}", re.I)
_FIELD_CODE_RE = re.compile(r"\s*HYPERLINK\s+(?:\"[^\"\n]*\"|\S+)(?:\s+\\[a-z]\s+(?:\"[^\"\n]*\"|\S+))*\s*")

#: Longest line (characters without spaces) the vocabulary and link-list rules touch.
MAX_SHORT = 40
#: A non-prose line longer than this is never "before the title" chrome unless it
#: has chrome vocabulary or is a link list.
PROSE_CHARS = 60


def strip_inline(text: str) -> tuple[str, list[str]]:
    """Remove pinyin glosses (總結(jié) → 總結) and Word field codes (``HYPERLINK /x/ \\t
    _blank``) glued inside sentences. Both are made by converters, never by authors:
    a tone-marked Latin syllable in brackets right after a Han character is a reading
    aid that breaks phrase search; a field code is markup. Returns the text and
    one note per kind removed."""
    notes = []
    rules = ((_PINYIN_GLOSS_RE, "", "pinyin glosses", ("(", "（")), (_FIELD_CODE_RE, " ", "Word field codes", ("HYPERLINK",)),
             (_SITE_BRACKET_RE, "", "site names in brackets", ("[",)), (_PHOTO_CREDIT_RE, "", "photo credits", ("摄",)),
             (_TITLE_LABEL_RE, "", "title labels", ("标题", "標題")))
    for regex, repl, what, needles in rules:
        if not any(needle in text for needle in needles):
            continue  # the cheap test first: most pages have none of these
        text, n = regex.subn(repl, text)
        if n:
            notes.append(f"{n} {what}")
    return text, notes


@lru_cache(maxsize=8192)
def is_prose(c: str) -> bool:
    """A compact line that reads as report text: long, or a sentence. (Cached: the
    rules below ask it of the same lines several times.)"""
    if len(c) < 16:
        return False
    han = len(_NOT_HAN_RE.sub("", c))  # Han characters, without a list of them
    if han >= PROSE_CHARS:
        return True
    return han >= 16 and (_SENTENCE_END_RE.search(c) is not None or len(_CLAUSE_RE.findall(c)) >= 2)


def _is_heading_markup(raw: str) -> bool:
    """A Markdown heading or a table row: the document's own structure."""
    stripped = raw.strip()
    return stripped.startswith("#") or any(ch in stripped for ch in "│┃|｜") and stripped.count("│") >= 2


def _is_sentence(c: str) -> bool:
    """A line that ends a sentence and has some words in it (not a caption or a button)."""
    return len(_HAN_RE.findall(c)) >= 8 and c.rstrip().endswith(("。", "!", "！", "?", "？")) and not _VOCAB_RE.search(c)


def _vocabulary_line(raw: str, c: str) -> bool:
    if not c or len(c) > 2 * MAX_SHORT or _ENUM_RE.match(c) or _is_heading_markup(raw):
        return False
    if c.endswith((":", "：")) and len(c) >= 8 and len(_VOCAB_RE.findall(c)) == 1:
        return False  # "会员大会行使下列职权:" introduces the text's own list
    hits = _VOCAB_RE.findall(c)
    if not hits or all(h.lower() in _WEAK for h in hits) and len(hits) < 2:
        return False
    if _SENTENCE_END_RE.search(c[:-1]):
        return False
    covered = sum(len(h) for h in hits)
    if len(c) > MAX_SHORT:
        return len(hits) >= 3
    if _REPORT_WORDS_RE.search(c) and len(hits) == 1 and len(c) >= 8:
        return False
    return len(hits) >= 2 or len(c) <= 12 or covered * 3 >= len(c)


#: Whatever :data:`_LINK_SEP_RE` can split on: a line without any is one item.
_ANY_LINK_SEP_RE = re.compile(r"[|｜_•·■◆►>＞»›\u3000]|&gt;|\s\s")


def _link_list(raw: str, c: str) -> bool:
    stripped = raw.strip()
    if _SENTENCE_END_RE.search(stripped[:-1]):
        return False
    # Most lines (prose) have no separator at all: one item, which neither item rule
    # below accepts, so the split (a pattern tried at every character) is skipped.
    items = [p for p in _LINK_SEP_RE.split(stripped) if p] if _ANY_LINK_SEP_RE.search(stripped) else [stripped]
    if len(items) >= 4 and all(len(p) <= 16 for p in items):
        return True
    if len(items) >= 3 and all(len(p) <= 12 for p in items[1:]) and re.search(r"[>＞»›]", raw):
        return True  # a breadcrumb: 您当前的位置:首页 > 专题 > 栏目
    # keyword stuffing (porn/gambling SEO): many short comma-separated items, no full
    # stop, hardly any report word
    if "。" in stripped or stripped.endswith((";", "；")):
        return False
    parts = [p.strip() for p in re.split(r"[,，|_]", stripped) if p.strip()]
    if len(parts) < 5:
        return False
    short = sum(len(p) <= 14 for p in parts)
    reportish = sum(bool(_REPORT_WORDS_RE.search(p)) for p in parts)
    return short >= 0.8 * len(parts) and max(len(p) for p in parts) <= 30 and reportish <= len(parts) // 5


def _counter_line(c: str, raw: str) -> bool:
    return bool(_COUNTER_RE.match(raw.strip()) or _STAMP_RE.match(raw.strip()) or _READ_TIME_RE.fullmatch(c)
                or _READ_TIME_RE.match(c) and len(c) <= 24)


def structural_chrome(
    lines: Sequence[str],
    compacts: Sequence[str],
    drop: list[bool],
    reasons: list[str | None],
    find_title: Callable[[list[str]], int | None],
    is_title_like: Callable[[str], bool] = lambda line: False,
) -> None:
    """Mark chrome lines by their shape (see the module docstring), in place.

    ``find_title`` gets the kept lines (``""`` for dropped ones) and returns the
    index of the report's heading, or None; ``is_title_like`` says whether a line above
    it is shaped like a title (such a line is kept unless it has site words)."""
    n = len(lines)

    def mark(i: int, why: str) -> None:
        if not drop[i] and compacts[i]:
            drop[i] = True
            reasons[i] = why

    for i in range(n):
        c = compacts[i]
        if drop[i] or not c:
            continue
        if is_site_blurb(c):
            mark(i, "blurb")
            continue
        if _link_list(lines[i], c) or (_URL_RE.search(c) and not _SENTENCE_END_RE.search(c)):
            mark(i, "link-list")
            continue
        if is_prose(c):
            continue
        if _EMOJI_RE.search(c):
            mark(i, "emoji")
        elif _URL_RE.search(c) and not _SENTENCE_END_RE.search(c):
            mark(i, "link-list")
        elif _CLOCK_STAMP_RE.search(c) and "《" not in c and len(_HAN_RE.findall(_CLOCK_STAMP_RE.sub("", c))) <= 12:
            mark(i, "counter")
        elif _counter_line(c, lines[i]):
            mark(i, "counter")
        elif _LABELLED_DATE_RE.search(c) and len(c) <= 40:
            mark(i, "counter")
        elif len(_FIELD_RE.findall(c)) >= 2 and not _SENTENCE_END_RE.search(c) and _VOCAB_RE.search(c):
            mark(i, "vocabulary")
        # (A link list was marked above already: asking again here was always false.)
        elif _vocabulary_line(lines[i], c):
            mark(i, "vocabulary")

    counts = Counter(c for i, c in enumerate(compacts) if c and not drop[i])
    for i in range(n):
        c = compacts[i]
        if (not drop[i] and counts[c] >= 2 and 4 <= len(c) <= 24 and not is_prose(c)
                and not _REPORT_WORDS_RE.search(c) and not _ENUM_RE.match(c) and not _SENTENCE_END_RE.search(c)
                and not _is_heading_markup(lines[i]) and not _CHAPTER_RE.search(c)):
            mark(i, "repeated-short")

    kept = [lines[i] if not drop[i] else "" for i in range(n)]
    title = find_title(kept)
    if title is not None:
        for i in range(title):
            c = compacts[i]
            if drop[i] or not c:
                continue
            if _SENTENCE_END_RE.search(c) and is_prose(c) and not _VOCAB_RE.search(c):
                break  # report text above the heading: stop, remove nothing more
            site_ish = bool(_VOCAB_RE.search(c) or _SITE_NAME_RE.search(lines[i].strip()) or "\ufffd" in c)
            if _is_heading_markup(lines[i]) or not site_ish and (
                    _DOC_TYPE_END_RE.search(c) or _DATED_LINE_RE.match(c) or (is_title_like(lines[i]) and len(c) >= 8)):
                continue  # the document's own heading, title-shaped line or history line
            mark(i, "before-title")
    _after_end(compacts, drop, mark)
    _tail_zone(compacts, drop, mark)


def _tail_zone(compacts: Sequence[str], drop: list[bool], mark: Callable[[int, str], None]) -> None:
    """After the report's last paragraph: short lines with any site word (weak ones
    too: 编辑:…), and contact lines right after other chrome."""
    last = max((i for i, c in enumerate(compacts) if not drop[i] and is_prose(c)), default=None)
    if last is None:
        return
    rest = [i for i in range(last + 1, len(compacts)) if compacts[i]]
    was_dropped = {i: drop[i] for i in rest}
    for pos, i in enumerate(rest):
        c = compacts[i]
        if drop[i]:
            continue
        near_chrome = (pos > 0 and drop[rest[pos - 1]]) or (pos + 1 < len(rest) and was_dropped[rest[pos + 1]])
        hits = [h.lower() for h in _VOCAB_RE.findall(c)]
        strong = [h for h in hits if h not in _WEAK]
        if len(c) <= 30 and (strong or (hits and near_chrome)) and not _ENUM_RE.match(c):
            mark(i, "after-end")
        elif near_chrome and _CONTACT_RE.search(c) and len(c) <= 80:
            mark(i, "contact")


def _after_end(compacts: Sequence[str], drop: list[bool], mark: Callable[[int, str], None]) -> None:
    """From a list header after the body to the end, when the rest is the smaller part."""
    sizes = [len(c) if not drop[i] else 0 for i, c in enumerate(compacts)]
    total = sum(sizes)
    before = 0
    seen_prose = False
    for i, c in enumerate(compacts):
        if seen_prose and 0 < len(c) <= 24 and _TAIL_HEAD_RE.match(c):
            rest = total - before
            if rest <= before * 0.6:
                # Sentences after the last line of furniture are the text again (a
                # paragraph appended after the footer), not a listed snippet.
                end = len(compacts)
                while end > i and (not compacts[end - 1] or (not drop[end - 1] and _is_sentence(compacts[end - 1]))):
                    end -= 1
                for j in range(i, end):
                    mark(j, "after-end")
                return
        if not seen_prose and not drop[i] and is_prose(c):
            seen_prose = True
        before += sizes[i]
