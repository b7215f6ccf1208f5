"""Chinese for the people, codes for the programs.

The query layer and the request limits raise short English messages (they are
also what the CLI and the logs print). Pages speak Chinese, and the JSON API
keeps its English ``error`` text but adds a stable machine-readable ``code`` and
a Chinese ``message``. This module is that one translation table, so pages,
API and widget say the same thing.

It works on the messages' shapes (regular expressions with the values pulled
out), never on particular queries: an unknown message keeps a generic Chinese
sentence for its HTTP status, and its English detail stays in the API's ``error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Chinese names of the GET parameters, for messages about them.
PARAM_NAMES = {"page": "页码（page）", "size": "每页条数（size）", "limit": "条数（limit）", "sort": "排序（sort）",
               "year": "年份（year）", "region": "地区（region）", "theme": "主题（theme）", "type": "类型（type）",
               "year_from": "起始年份", "year_to": "截止年份"}

#: Fallback code and Chinese sentence per HTTP status.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求参数有误。"),
    401: ("unauthorized", "需要有效的访问令牌。"),
    403: ("forbidden", "访问被拒绝。"),
    404: ("not_found", "找不到这个页面或文档。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    413: ("too_large", "请求内容过大。"),
    414: ("uri_too_long", "网址过长：请缩短查询或减少筛选条件。"),
    500: ("internal", "服务器内部错误，请稍后再试。"),
    503: ("unavailable", "搜索索引暂时不可用。"),
}


def _param(name: str) -> str:
    return PARAM_NAMES.get(name, name)


#: (pattern over the English message, code, Chinese template over the groups).
_RULES: list[tuple[re.Pattern[str], str, object]] = [
    (re.compile(r"page must be 1 or more, got (.+)"), "bad_page",
     lambda m: f"页码必须是 1 或更大的整数（收到「{m[1]}」）。"),
    (re.compile(r"size must be between 1 and (\d+), got (.+)"), "bad_size",
     lambda m: f"每页条数必须在 1 到 {m[1]} 之间（收到「{m[2]}」）。"),
    (re.compile(r"sort must be one of (.+), got '(.*)'"), "bad_sort",
     lambda m: f"排序方式只能是「相关度」（relevance）或「年份」（year），收到「{m[2]}」。"),
    (re.compile(r"year filter '(.*)' is not a year .*"), "bad_year",
     lambda m: f"年份条件「{m[1]}」不是年份（如 2008）或年份范围（如 2007-2010）"),
    (re.compile(r"limit must be between 1 and (\d+), got (.+)"), "bad_limit",
     lambda m: f"条数（limit）必须在 1 到 {m[1]} 之间（收到「{m[2]}」）。"),
    (re.compile(r"(\w+) must be a whole number, got '(.*)'"), "bad_number",
     lambda m: f"{_param(m[1])}必须是整数，收到「{m[2]}」。"),
    (re.compile(r"too many values of (\w+) \((\d+); at most (\d+)\)"), "too_many_values",
     lambda m: f"{_param(m[1])}的取值太多（{m[2]} 个，最多 {m[3]} 个）。"),
    (re.compile(r"too many parameters \((\d+); at most (\d+)\)"), "too_many_parameters",
     lambda m: f"参数太多（{m[1]} 个，最多 {m[2]} 个）。"),
    (re.compile(r"query string over (\d+) bytes.*"), "uri_too_long",
     lambda m: f"网址过长（超过 {m[1]} 字节）：请缩短查询或减少筛选条件。"),
    (re.compile(r"request body over (\d+) bytes"), "too_large",
     lambda m: f"请求内容过大（超过 {m[1]} 字节）。"),
    (re.compile(r"no document with id '(.*)'"), "not_found",
     lambda m: f"找不到编号为「{m[1]}」的文档：它可能已从索引中删除。"),
    (re.compile(r"(?:index unavailable: )?(.*--rebuild.*)", re.S), "unavailable",
     lambda m: "搜索索引已损坏或由其他版本建立：请管理员运行 searchapp index --rebuild 重建索引。"),
    (re.compile(r"index unavailable: (.*)", re.S), "unavailable",
     lambda m: "搜索索引暂时不可用，请联系管理员（详情见服务器日志）。"),
    (re.compile(r"internal error"), "internal", lambda m: "服务器内部错误，请稍后再试。"),
]

_HAS_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Explained:
    """One error as the API reports it: a stable ``code`` and the Chinese ``message``."""

    code: str
    message: str


def explain(status: int, english: str) -> Explained:
    """The code and Chinese sentence for an error message (any status)."""
    english = (english or "").strip()
    for pattern, code, template in _RULES:
        if code == "unavailable" and status != 503:
            continue
        m = pattern.fullmatch(english)
        if m:
            return Explained(code, template(m))  # type: ignore[operator]
    code, fallback = STATUS_TEXT.get(status, ("error", "出错了。"))
    if _HAS_CJK.search(english):  # already written for people (access refusals, missing files)
        return Explained(code, english)
    return Explained(code, fallback)


def chinese(status: int, english: str) -> str:
    """Just the Chinese sentence (for pages)."""
    return explain(status, english).message


_NOTE_SUFFIX = "；已忽略该条件"


def note_zh(note: str) -> str:
    """A query-layer note in Chinese: ``year filter '20x8' is not a year…；已忽略该条件`` →
    ``年份条件「20x8」不是年份…；已忽略该条件``. Notes already in Chinese pass unchanged."""
    head, sep, tail = note.partition(_NOTE_SUFFIX)
    for pattern, _code, template in _RULES:
        m = pattern.fullmatch(head.strip())
        if m:
            return template(m).rstrip("。") + sep + tail  # type: ignore[operator]
    return note


__all__ = ["Explained", "explain", "chinese", "note_zh", "STATUS_TEXT"]
