"""Tag a report with the education themes it is mainly about.

Each theme is a set of weighted keywords and phrases. A document's score for a
theme is the weight of the theme's keywords found in it per 1,000 characters, so
a 20,000-character report that mentions 幼儿园 once scores next to nothing for
学前教育, while a short note about kindergartens scores high. A theme is assigned
when its score reaches ``min_score``, at least two different keywords of it
occur (one repeated word is not a topic), one of them is specific to the theme
(weight ≥ ANCHOR_WEIGHT), and it is not dwarfed by the document's main theme.

All keywords of a taxonomy go into one Aho-Corasick automaton (pyahocorasick),
built once per distinct taxonomy and cached, so tagging is one pass over the
text whatever the number of keywords. Overlapping keywords of the same theme
count once, for the longest ("教育督导" does not also count as "督导").

Users edit the taxonomy in config.yaml and reindex, so ``assign_themes`` takes it
as an argument; ``validate_taxonomy`` checks what a config file provides.
Keywords must be in Simplified Chinese, like the normalized text they are
matched against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from numbers import Real

import ahocorasick

__all__ = ["ANCHOR_WEIGHT", "DEFAULT_MIN_SCORE", "DEFAULT_TAXONOMY", "assign_themes", "validate_taxonomy"]

#: Default threshold: weighted keyword hits per 1,000 characters.
DEFAULT_MIN_SCORE = 2.0

#: A theme must score at least this share of the document's best theme.
_MIN_SHARE_OF_TOP = 0.25
#: Distinct keywords a theme needs before it counts as a topic of the document.
_MIN_DISTINCT_KEYWORDS = 2
#: Keywords weighing at least this are specific to their theme ("anchors"); a
#: theme needs one, so generic words alone (考核, 党员, 消防) never tag a law
#: or a news bulletin with an education theme.
ANCHOR_WEIGHT = 2.0
#: Texts shorter than this are scored as if they had this length, so a
#: two-line snippet with one keyword is not "about" it.
_MIN_LENGTH = 1500

# fmt: off
DEFAULT_TAXONOMY: dict[str, dict[str, float]] = {
    "均衡发展": {
        "均衡发展": 2.0, "优质均衡": 2.5, "基本均衡": 2.5, "义务教育均衡": 3.0, "县域义务教育": 2.0,
        "均衡配置": 1.5, "均衡化": 1.5, "教育公平": 1.5, "城乡一体化": 1.5, "城乡差距": 1.5,
        "校际差距": 2.0, "薄弱学校": 1.5, "集团化办学": 1.5, "学区制": 1.5, "结对帮扶": 1.0,
        "城乡统筹": 1.0, "差异系数": 2.0, "择校": 1.0, "名校": 0.5, "教育资源": 0.5,
        "发展基本均衡县": 3.0, "高位均衡": 2.5,
    },
    "教师队伍": {
        "教师队伍": 2.0, "师资": 1.0, "师资队伍": 1.5, "教师培训": 1.5, "教师交流": 2.0,
        "交流轮岗": 2.0, "支教": 1.0, "特岗教师": 1.5, "教师招聘": 1.5, "骨干教师": 1.0,
        "名师": 1.0, "师德师风": 1.5, "师德": 1.0, "继续教育": 1.0, "国培": 1.5,
        "教师编制": 1.5, "绩效工资": 1.0, "教师待遇": 1.5, "职称": 1.0, "乡村教师": 1.5,
        "代课教师": 1.0, "青年教师": 1.0, "学科带头人": 1.0, "校长队伍": 1.0, "教师工资": 1.5,
    },
    "经费投入": {
        "教育经费": 2.0, "经费投入": 1.5, "教育投入": 1.5, "财政性教育经费": 2.0, "三个增长": 2.0,
        "生均公用经费": 2.0, "教育费附加": 2.0, "预算内": 1.0, "转移支付": 1.0, "专项资金": 1.0,
        "经费保障": 1.5, "足额拨付": 1.5, "拨款": 1.0, "助学金": 1.0, "两免一补": 1.5,
        "免除学杂费": 1.5, "资助": 0.5, "投入资金": 1.0, "筹措资金": 1.0, "教育收费": 1.0,
        "经费管理": 1.0, "经费": 0.3,
    },
    "办学条件": {
        "办学条件": 2.0, "校舍": 1.5, "标准化学校": 2.0, "标准化建设": 1.5, "改扩建": 1.5,
        "教学楼": 1.0, "运动场": 1.0, "塑胶跑道": 1.5, "实验室": 1.0, "功能室": 1.5,
        "仪器设备": 1.0, "教学设备": 1.0, "危房改造": 1.5, "全面改薄": 2.0, "薄弱学校改造": 1.5,
        "布局调整": 1.5, "寄宿制": 1.0, "学校建设": 1.0, "基础设施": 1.0, "图书": 0.5,
        "装备": 0.5, "新建学校": 1.5,
    },
    "学前教育": {
        "学前教育": 2.5, "幼儿园": 1.5, "幼儿": 1.0, "保育": 2.0, "保育员": 2.0, "幼儿园教师": 2.0,
        "学龄前儿童": 2.0, "托幼": 2.0, "在园幼儿": 1.5, "入园": 1.5, "入园难": 2.0,
        "普惠性": 2.0, "公办园": 2.0, "民办园": 1.5, "学前三年": 2.0, "毛入园率": 2.0,
        "幼儿教师": 1.5, "保教": 1.5, "小学化": 1.5, "学前教育三年行动计划": 3.0, "托育": 1.0,
        "幼教": 1.5, "中心幼儿园": 1.5,
    },
    "职业教育": {
        "职业教育": 2.5, "职业学校": 2.0, "中职": 2.0, "中等职业": 2.0, "高职": 1.5, "职教": 2.0,
        "职业技术": 1.5, "技工": 1.0, "产教融合": 2.0, "校企合作": 2.0, "实训": 1.5,
        "技能大赛": 1.5, "双师型": 2.0, "职业培训": 1.5, "现代学徒制": 2.0, "订单培养": 1.5,
        "技能人才": 1.0,
    },
    "素质教育与课程": {
        "素质教育": 2.0, "课程改革": 2.0, "新课程": 1.5, "课改": 1.5, "课堂教学": 1.0, "德育": 1.5,
        "美育": 1.5, "劳动教育": 1.5, "艺术教育": 1.5, "阳光体育": 1.5, "综合实践": 1.5,
        "减负": 1.5, "课业负担": 1.5, "校本课程": 1.5, "社团": 1.0, "核心素养": 1.5,
        "教学质量": 1.0, "教学改革": 1.0, "学生体质": 1.5, "心理健康教育": 1.5, "双减": 2.0,
        "课后服务": 1.5, "立德树人": 1.0, "书香校园": 1.0,
    },
    "党建与廉政": {
        "党风廉政": 2.5, "党建": 1.5, "党的建设": 1.5, "廉政": 1.5, "廉洁": 1.5, "从严治党": 2.0,
        "主体责任": 1.0, "一岗双责": 2.0, "三严三实": 2.0, "两学一做": 2.0, "民主生活会": 1.5,
        "党员": 1.0, "党组织": 1.0, "党支部": 1.5, "反腐": 2.0, "作风建设": 1.5, "八项规定": 2.0,
        "四风": 1.5, "廉政风险": 2.0, "主题教育": 1.0, "民主集中制": 1.5, "意识形态": 1.0,
    },
    "督导与考核": {
        "督导": 1.5, "教育督导": 2.5, "督导评估": 2.5, "督学": 2.0, "责任督学": 2.5, "督查": 1.0,
        "考核": 1.0, "责任考核": 2.0, "自查": 1.0, "自评": 1.0, "履行教育职责": 2.5,
        "履职": 1.5, "目标责任": 1.5, "整改": 1.0, "挂牌督导": 2.5, "专项督导": 2.0,
        "督导室": 2.0, "问责": 1.0, "考核指标": 1.5, "评估": 0.5,
    },
    "校园安全": {
        "校园安全": 2.5, "安全教育": 1.5, "安全工作": 1.5, "安全隐患": 1.0, "隐患排查": 1.0,
        "校舍安全": 2.0, "食品安全": 1.5, "交通安全": 1.5, "消防": 1.5, "防溺水": 2.0,
        "溺水": 1.5, "校车": 2.0, "应急预案": 1.5, "应急演练": 1.5, "疏散演练": 1.5,
        "平安校园": 2.0, "周边环境": 1.5, "校园欺凌": 2.0, "安保": 1.5, "安全事故": 1.0,
        "学生安全": 2.0, "学校安全": 2.0, "校园周边": 2.0,
        "安全管理": 1.0,
    },
    "教育信息化": {
        "教育信息化": 3.0, "信息化": 1.0, "信息技术": 1.5, "三通两平台": 3.0, "宽带网络": 1.5,
        "班班通": 2.5, "多媒体": 1.5, "电子白板": 2.0, "数字化": 1.0, "智慧校园": 2.0,
        "智慧教育": 2.0, "在线教育": 1.5, "网络学习空间": 2.0, "远程教育": 1.5, "计算机": 1.0,
        "录播": 1.5, "互联网+": 1.5, "教育云": 2.0, "资源平台": 1.5,
    },
    "入学与招生": {
        "招生": 1.5, "入学": 1.5, "划片招生": 2.5, "就近入学": 2.5, "免试入学": 2.0, "入学率": 1.5,
        "随迁子女": 2.0, "进城务工人员子女": 2.0, "流动人口子女": 1.5, "控辍保学": 2.0,
        "辍学": 1.5, "巩固率": 1.5, "中考": 1.5, "高考": 1.5, "招生计划": 1.5, "学位": 1.0,
        "适龄儿童": 1.5, "升学率": 1.0, "指标到校": 2.0, "阳光招生": 2.0, "留守儿童": 1.0,
        "招生考试": 2.0, "招生工作": 2.0, "招生简章": 2.0, "新生入学": 2.0,
    },
    "民办教育": {
        "民办教育": 2.5, "民办学校": 2.0, "民办教育促进法": 2.5, "社会力量办学": 2.0, "举办者": 1.0,
        "营利性": 1.5, "非营利性": 1.5, "办学许可证": 2.0, "校外培训机构": 2.0, "民办": 0.5,
    },
    "特殊教育": {
        "特殊教育": 2.5, "特殊教育学校": 2.0, "随班就读": 2.5, "送教上门": 2.5,
        "残疾儿童": 2.0, "残疾少年儿童": 2.0, "资源教室": 2.0, "培智": 2.0, "聋哑": 1.5,
        "孤独症": 2.0,
    },
}
"""Default themes for education reports: theme -> {keyword or phrase: weight}.

Weights say how specific a phrase is for its theme: 2-3 for phrases that only
occur when the theme is discussed (学前教育三年行动计划), 1-1.5 for common
words of the field (幼儿园), below 1 for words that also appear in passing.
"""
# fmt: on


def validate_taxonomy(obj: object) -> dict[str, dict[str, float]]:
    """Check a user-supplied taxonomy and return it as plain dicts with float weights.

    Raises ValueError naming the offending theme or keyword: theme names and
    keywords must be non-empty strings, weights positive finite numbers, and
    every theme needs at least one keyword.
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"taxonomy must be a mapping of theme -> {{keyword: weight}}, got {type(obj).__name__}")
    if not obj:
        raise ValueError("taxonomy has no themes")
    out: dict[str, dict[str, float]] = {}
    for theme, keywords in obj.items():
        if not isinstance(theme, str) or not theme.strip():
            raise ValueError(f"taxonomy theme name must be a non-empty string, got {theme!r}")
        if not isinstance(keywords, Mapping):
            raise ValueError(f"taxonomy theme {theme!r}: expected a mapping of keyword -> weight")
        if not keywords:
            raise ValueError(f"taxonomy theme {theme!r} has no keywords")
        clean: dict[str, float] = {}
        for keyword, weight in keywords.items():
            if not isinstance(keyword, str) or not keyword.strip():
                raise ValueError(f"taxonomy theme {theme!r}: keyword must be a non-empty string, got {keyword!r}")
            if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(weight) or weight <= 0:
                raise ValueError(
                    f"taxonomy theme {theme!r}: weight of {keyword!r} must be a positive number, got {weight!r}"
                )
            clean[keyword.strip()] = float(weight)
        out[theme.strip()] = clean
    return out


_Key = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


def _freeze(taxonomy: Mapping[str, Mapping[str, float]]) -> _Key:
    """A hashable, order-independent form of a taxonomy, to cache its automaton by content."""
    return tuple(sorted((theme, tuple(sorted(kws.items()))) for theme, kws in taxonomy.items()))


@lru_cache(maxsize=16)
def _automaton(key: _Key) -> ahocorasick.Automaton:
    """One automaton for all keywords; each keyword maps to its (theme, weight, length) list."""
    entries: dict[str, list[tuple[str, float, int]]] = {}
    for theme, keywords in key:
        for keyword, weight in keywords:
            entries.setdefault(keyword, []).append((theme, weight, len(keyword)))
    automaton = ahocorasick.Automaton()
    for keyword, values in entries.items():
        automaton.add_word(keyword, tuple(values))
    automaton.make_automaton()
    return automaton


def _theme_hits(text: str, automaton: ahocorasick.Automaton) -> dict[str, tuple[float, set[str], bool]]:
    """Weighted, leftmost-longest keyword hits per theme.

    Returns theme -> (total weight, distinct keywords seen, whether an anchor was seen).
    """
    spans: dict[str, list[tuple[int, int, float]]] = {}
    for end, values in automaton.iter(text):
        for theme, weight, length in values:
            spans.setdefault(theme, []).append((end - length + 1, end + 1, weight))
    out: dict[str, tuple[float, set[str], bool]] = {}
    for theme, found in spans.items():
        found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        total = 0.0
        seen: set[str] = set()
        anchored = False
        covered_to = -1
        for start, stop, weight in found:
            if start < covered_to:
                continue  # inside a longer keyword of the same theme
            total += weight
            seen.add(text[start:stop])
            anchored = anchored or weight >= ANCHOR_WEIGHT
            covered_to = stop
        out[theme] = (total, seen, anchored)
    return out


def assign_themes(
    text: str,
    taxonomy: Mapping[str, Mapping[str, float]] | None = None,
    *,
    max_themes: int = 3,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[tuple[str, float]]:
    """The themes ``text`` is mainly about, as (theme, score), best first.

    ``text`` should be normalized (Simplified). ``taxonomy`` defaults to
    DEFAULT_TAXONOMY; pass a validated one from the config otherwise. The
    score is weighted keyword hits per 1,000 characters, rounded to 3 places;
    ties are broken by theme name so the result is deterministic.
    """
    if not text or max_themes <= 0:
        return []
    automaton = _automaton(_freeze(DEFAULT_TAXONOMY if taxonomy is None else taxonomy))
    per_thousand = max(len(text), _MIN_LENGTH) / 1000.0
    scored = [
        (theme, round(weight / per_thousand, 3))
        for theme, (weight, seen, anchored) in _theme_hits(text, automaton).items()
        if anchored and len(seen) >= _MIN_DISTINCT_KEYWORDS
    ]
    if not scored:
        return []
    top = max(score for _, score in scored)
    kept = [(t, s) for t, s in scored if s >= min_score and s >= top * _MIN_SHARE_OF_TOP]
    kept.sort(key=lambda ts: (-ts[1], ts[0]))
    return kept[:max_themes]
