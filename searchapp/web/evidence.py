"""The document page's 「识别依据」 section, in Chinese.

The extractors record why they chose a year, region, type and themes as short
English notes (``searchapp inspect`` prints them as they are). The page shows the
same notes translated by the phrase table below, built from the shapes those
notes take (``province 江苏省: …(score 38.2 vs 北京市 3.2)``), so names, numbers
and quoted text pass through untouched. Phrases are replaced in table order:
whole sentences first, then longer phrases, then single words.
"""

from __future__ import annotations

import re
from typing import Any

#: Evidence keys → section labels.
SECTION_LABELS = {"title": "标题", "year": "年份", "region": "地区", "type": "类型", "doctype": "类型",
                  "themes": "主题", "theme": "主题", "theme_keywords": "主题依据（关键词出现次数）",
                  "sidecar": "元数据文件覆盖的字段"}

#: Year-mention roles (see searchapp.extract.year) as counted in "ignored: 1 start".
_ROLES = {"start": "起始年份", "target": "目标年份", "plan": "规划年份", "lastyear": "上一年", "review": "回顾年份",
          "neutral": "普通提及", "range": "年份区间", "list": "年份列举", "excluded": "页面附带内容中的年份"}

#: English phrase → Chinese, applied longest first (regular expressions allowed).
_PHRASES: list[tuple[str, str]] = [
    (r'repaired digits: the text has no "1" at all, so "20d年" was read as "201d年"',
     "数字已修复：正文中一个“1”都没有（文字提取时丢失），所以“20d年”读作“201d年”"),
    (r"全区/我区 here is the autonomous region itself \(自治区党委/政府 in the opening\)",
     "这里的“全区/我区”指自治区本身（开头提到自治区党委/政府）"),
    (r"years only in the body, with no sign of which one is the report's", "年份只出现在正文中，看不出哪一个是报告所属年份"),
    (r"no year in title or text", "标题和正文中都没有年份"),
    (r"no place names found", "没有找到地名"),
    (r"not stated or not sure", "未说明或不确定"),
    (r"compilation \(第一篇/第二篇\): later articles weigh less", "合集（第一篇/第二篇）：后面的文章权重较低"),
    (r"(\S+) is named most, but 港澳台 are topics unless the title starts with them",
     r"\1 被提到最多，但港澳台除非出现在标题开头，否则只当作话题"),
    (r"ambiguous and unresolved \(several units, no other place decides\)", "有歧义且无法判定（多个同名单位，没有其他地名可以判断）"),
    (r"\(its city or province is named\)", "（文中提到了它所属的市或省）"),
    (r"national in scope: names (\d+) provinces and never speaks as 我省/我市/我区: no region",
     r"全国性内容：提到 \1 个省份，且从未以“我省/我市/我区”自称：不定地区"),
    (r"national document \((.*?)\): no region", r"全国性文件（\1）：不定地区"),
    (r"no district: the report speaks for the whole ", "不定到区县：报告代表整个"),
    (r"report speaks as a ", "报告以此级别口吻讲话："),
    (r"anonymised names ignored: ", "已忽略匿名化地名："),
    (r"title starts with (\S+): taken as the author", r"标题以 \1 开头：视为发文单位"),
    (r"title starts with ", "标题开头为 "),
    (r"too weakly named", "提及太少"),
    (r"no clear ", "没有明确的"),
    (r"stays at (\S+): named ([\d.]+) itself, (\S+) only ([\d.]+)", r"停在 \1：本身得分 \2，\3 只有 \4"),
    (r"(\d+) of its units named", r"提到其下属单位 \1 个"),
    (r"title names it", "标题提到"),
    (r"opening names it", "开头提到"),
    (r"\bread as\b", "读作"),
    (r"document number", "文号"),
    (r"signature date line: ", "落款日期行："),
    (r"date in the text: ", "正文中的日期："),
    (r"ROC year: ", "民国纪年："),
    (r"ordinal: ", "届次推算："),
    (r"publication stamp: ", "发布日期戳："),
    (r"the only year the text names: ", "正文唯一提到的年份："),
    (r"year opening a sentence: ", "句首年份："),
    (r"title year (\S+) on a text that masks its years", r"标题年份 \1（正文隐去了年份）"),
    (r"county named plainly: (.+?) with 我县/全区 voice", r"直接提到的区县：\1（以我县/全区口吻）"),
    (r"dated opening line: ", "开头的日期行："),
    (r"title-like opening line", "开头的标题行"),
    (r"subtitle", "副标题"),
    (r"body: calls (.+?) last year", r"正文：称 \1 为去年"),
    (r"body: reviews (.+?) and plans 今年", r"正文：回顾 \1 并部署今年工作"),
    (r"body: reviews ", "正文：回顾 "),
    (r"body: plans for ", "正文：部署 "),
    (r"body: ", "正文："),
    (r"title: ", "标题："),
    (r"speaker: ", "讲话人："),
    (r"\balso\b ?", "另有线索："),
    (r"\bignored: ", "已忽略："),
    (r"\(score ", "（得分 "),
    (r"\bscore\b", "得分"),
    (r" vs ", " 对比 "),
    (r"district/county", "区县"),
    (r"(?<![A-Za-z])province(?![A-Za-z])", "省"),
    (r"(?<![A-Za-z])city(?![A-Za-z])", "市"),
    (r"(?<![A-Za-z])district(?![A-Za-z])", "区"),
    (r"urban area", "市辖区"),
    (r"common parent", "共同上级"),
]
_COMPILED = [(re.compile(p), r) for p, r in _PHRASES]
_ROLE_COUNT = re.compile(r"(\d+) (" + "|".join(_ROLES) + r")\b")


def translate(note: str) -> str:
    """One extractor note in Chinese (names, numbers and quotes unchanged)."""
    out = _ROLE_COUNT.sub(lambda m: f"{_ROLES[m[2]]} {m[1]} 处", note)
    for pattern, replacement in _COMPILED:
        out = pattern.sub(replacement, out)
    out = out.replace("(", "（").replace(")", "）").replace("; ", "；").replace(": ", "：")
    return out


def _items(value: Any) -> list[str]:
    if isinstance(value, dict):
        if all(isinstance(v, (int, float)) for v in value.values()):  # theme → weight
            return [f"{k}（得分 {float(v):.1f}）" for k, v in value.items()]
        return [f"{translate(str(k))}：{'；'.join(_items(v))}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _items(v)]
    if value is None or value == "":
        return []
    return [translate(str(value))]


def _theme_keywords(value: Any) -> list[str]:
    """均衡发展（得分 8.8，已采用）：均衡发展 ×8、优质均衡 ×7；标题含：优质均衡"""
    if not isinstance(value, dict):
        return _items(value)
    out = []
    for theme, info in value.items():
        if not isinstance(info, dict):
            out.extend(_items({theme: info}))
            continue
        state = "已采用" if info.get("assigned") else "未采用"
        words = "、".join(f"{k} ×{v}" for k, v in (info.get("keywords") or {}).items())
        title = "、".join(info.get("title") or [])
        line = f"{theme}（得分 {float(info.get('score') or 0):.1f}，{state}）：{words or '无'}"
        out.append(line + (f"；标题含：{title}" if title else ""))
    return out


def evidence_sections(evidence: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``[{"label": "地区", "items": ["省 江苏省：…"]}, …]`` for the page."""
    return [{"label": SECTION_LABELS.get(key, translate(key)),
             "items": (_theme_keywords(value) if key == "theme_keywords" else _items(value)) or ["无"]}
            for key, value in (evidence or {}).items()]


__all__ = ["evidence_sections", "translate"]
