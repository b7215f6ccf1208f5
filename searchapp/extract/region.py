"""Guess the region (province > city > district) a report is about.

The gazetteer is ``searchapp/data/areacodes.csv`` (every province-, prefecture- and
county-level unit since 1981, abolished ones included, so a 2010 report by 南长区
still resolves). One Aho-Corasick automaton holds every full name, every short form
and a few look-alike words; a scan of the title and the text yields mentions, which
are then

1. filtered (``_accept_all``): short forms and weak names are taken only where they
   are safe, because many are ordinary words (资源, 合作, 平安, 城区), idioms (长治久安)
   or people's and street names (孙中山, 中山路);
2. resolved (``_score``): a name shared by several units (鼓楼区) goes to the unit
   whose city or province the report also names, else to nobody;
3. weighted: the title and the opening count more than the body, because a report
   states its subject there and names other places in passing further down; a title
   that starts with a place (上海市…条例, 金寨县教育局…) names the author outright;
4. rolled up the hierarchy (``_decide``): the answer descends province > city >
   district only while one child clearly dominates its siblings and the level the
   report speaks from (我省 / 全市 / 我区 …) allows it. Several counties of one city
   and no district dominating give that city alone (the "common parent").

No region is given for national documents (国务院, 中共中央 as author, or news naming
places all over the country), for 港澳台 as mere topics, or for anonymised names
(xx市, X区, 某县, *区), which are never in the gazetteer and only noted in evidence.
"""

from __future__ import annotations

import csv
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

__all__ = ["RegionGuess", "extract_region"]

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "areacodes.csv"

PROVINCE, CITY, DISTRICT = 1, 2, 3
_LEVELS = {"省级": PROVINCE, "地级": CITY, "县级": DISTRICT}
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})
_AUTONOMOUS = frozenset({"内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区"})
_LEVEL_NAME = {PROVINCE: "province", CITY: "city", DISTRICT: "district/county"}

# --- weights and thresholds ------------------------------------------------------
# A report states its subject in the title and the first lines; later mentions are
# often places named in passing (other cities, the province, model schools).
W_TITLE = 5.0
W_HEAD = 2.5
W_BODY = 1.0
W_LATER_ARTICLE = 0.25  # later articles of a 第一篇/第二篇 compilation
HEAD_CHARS = 800  # long enough to pass page chrome (seed 004's author line is at 519)
W_FULL = 1.0
W_SHORT = 0.7  # 广州 is usual, but short forms are likelier to be something else
W_SPECIAL = 0.5  # 港澳台 are mostly topics (台湾同胞, 粤港澳大湾区), see SPECIAL_REGIONS
W_DOCNO = 1.0  # province abbreviation in a document number: 粤办发〔2009〕9号

MIN_SCORE = 2.0  # a single passing mention in the body is not enough for any level
MIN_SCORE_PER_CHARS = 10_000  # the province needs one more point per 10,000 characters
DOMINANCE = 2.0  # the winner needs twice the runner-up ...
MIN_SHARE = 0.5  # ... and at least half of its level's weight
NATIONAL_BREADTH = 8  # provinces named by a document that has no local voice (我省/我市/我区)
CHILD_VS_PARENT = 0.5  # descend only if the child weighs half the parent's own mentions

# --- names that need care --------------------------------------------------------
# Full county-level names that are ordinary words (城区 "urban area", 郊区 "suburbs").
# Only taken when written right after the parent city: 阳泉市城区, 攀枝花东区.
GENERIC_FULL = frozenset(
    "城区 郊区 矿区 东区 西区 南区 北区 新区 市区 市中区 城中区 新城区 老城区 新市区 "
    "城关区 城东区 城西区 城北区 城南区 河东区 河西区 江北区 江南区 市南区 市北区 "
    "新华区 和平区 长安区 白云区 向阳区 前进区 红旗区 东风区 太平区 胜利区 建设区 "
    "中原区 海城区 山城区 开发区 高新区".split()
)

# Three-character county-level names that are mostly something else in running text.
WEAK_FULL = frozenset("会同县 解放区 市郊区 新建区".split())

# Prefecture short forms that are common words, idioms, people's or street names,
# landmarks or history (孙中山/中山路, 长治久安, 世界大同, 来宾 "guests", 日照 "sunlight",
# 三明治, 文山会海, 黄山, 红河, 延安精神, 遵义会议). Taken only if the full name (or 大理州
# for 大理白族自治州) also appears. Short forms of abolished prefectures need that too.
RISKY_CITY_SHORT = frozenset(
    "中山 通化 开封 长治 大同 安康 来宾 日照 白银 朝阳 大庆 三明 普洱 阿里 北海 黄山 "
    "白山 保山 玉林 德州 河源 清远 山南 淮南 淮北 延安 遵义 四平 文山 红河 怒江 大理 "
    "兴安 玉树 和田 哈密 宁德 巢湖 黄南 海南 海北 海西 海东 金华 黑河 甘南".split()
)

# County-level short forms that are everyday words (新建, 平安, 解放) or landmarks (鼓楼,
# 西湖). Other county short forms count when the full name appears somewhere or when
# written right after their city or province (江西南昌, 北京大兴); these only in the
# first case (江西新建一批学校 is not 南昌市新建区).
COMMON_COUNTY_SHORT = frozenset(
    "资源 合作 平和 惠民 利通 新和 解放 新星 和政 公安 友好 新建 江东 富民 比如 民权 "
    "中原 平原 凤凰 和平 动力 建安 工农 建平 和安 市中 会同 博爱 镇原 平安 光明 新丰 "
    "新兴 威信 立新 振兴 南湖 城关 新华 城中 长安 白云 新城 老城 永安 安定 长寿 大方 "
    "正安 安远 宁远 东方 前进 向阳 红旗 胜利 先锋 团结 友谊 东风 永红 太平 兴隆 清河 "
    "安宁 定远 安化 开化 通化 安福 吉利 江北 江南 河东 河西 城东 城西 城北 城南 市南 "
    "市北 南山 北山 东山 西山 中山 新市 东兴 海城 铁东 铁西 西湖 滨湖 滨海 高新 经济 "
    "金融 文化 青年 新疆 互助 共和 民和 大通 东乡 朝阳 宝山 龙华 龙岗 城阳 阳光 和顺 "
    "长丰 建华 龙山 龙泉 金山 海港 港口 港南 港北 华容 延长 开发 桥东 桥西 西安 江城 "
    "明山 平山 高明 南海 南岸 河北 鼓楼".split()
)

# Words that contain a place name but are not about that place. They are put in the
# automaton with no unit so that leftmost-longest matching consumes them: 黄河南岸
# is not 河南, 中山大学 is not 中山市, 洞庭湖南 is not 湖南.
BLOCKERS = tuple(
    "孙中山 中山大学 中山路 中山东路 中山西路 中山南路 中山北路 中山公园 中山装 中山陵 中山舰 "
    "中山医院 中山先生 黄河 淮河 海河 辽河 渭河 汾河 长江 珠江 湘江 汉江 赣江 闽江 松花江 "
    "黄浦江 苏州河 钱塘江 嘉陵江 金沙江 澜沧江 雅鲁藏布江 富春江 新安江 乌苏里江 图们江 鸭绿江 "
    "洞庭湖 鄱阳湖 洪泽湖 太湖流域 泰山 太行山 大别山 秦岭 华山 嵩山 庐山 天山山脉 "
    "三明治 长治久安 大同小异 世界大同 天下大同 文山会海 延安精神 遵义会议 大庆精神 "
    "宁德时代 普洱茶 大理石 四平八稳 黄山松 安康杯 日照时数 来宾们 各位来宾 尊敬的来宾 "
    "美国德州 德州仪器 新疆棉 和田玉 哈密瓜 普通话 通化学".split()
)

_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 "
    "基诺 各"
).split()
# Ethnic names written without 族 inside unit names (伊犁哈萨克自治州).
_ETHNIC_BARE = ("蒙古", "哈萨克", "柯尔克孜", "锡伯", "塔吉克", "维吾尔", "鄂伦春")

# One character class first, so the regular expression engine skips ahead to the mask
# characters (the former second alternative, [xX×]{1,3}, matched nothing more).
_ANON = re.compile(r"[xX×＊*某]{1,3}[省市区县]")
_DOCNO = re.compile(
    r"([京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川黔滇藏陕甘青宁新])"
    r"[办政府委教财人党]{0,3}[发函字]\s*[〔\[(【]"
)
_DOCNO_PROVINCE = {
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省", "晋": "山西省",
    "蒙": "内蒙古自治区", "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "苏": "江苏省",
    "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省", "鲁": "山东省", "豫": "河南省",
    "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "桂": "广西壮族自治区", "琼": "海南省",
    "川": "四川省", "黔": "贵州省", "滇": "云南省", "藏": "西藏自治区", "陕": "陕西省",
    "甘": "甘肃省", "青": "青海省", "宁": "宁夏回族自治区", "新": "新疆维吾尔自治区",
}
# 我省/全省 ...: the level the report speaks from. 全市场, 全区域 are not levels.
_LEVEL_HINTS = (
    (PROVINCE, re.compile(r"[我全本]省")),
    (CITY, re.compile(r"[我全本](?:市(?!场)|州|盟)")),
    (DISTRICT, re.compile(r"[我全本](?:区(?!域)|县(?!域)|旗)")),
)
# The issuing level is national: the 中央/国务院 level gives no province.
_NATIONAL_TITLE = re.compile(
    r"^[\s\d年度第届次《〈“\"(]*(?:中华人民共和国|国务院|中共中央|党中央|中国共产党第|全国人民代表大会|全国人大|"
    r"全国政协|最高人民法院|最高人民检察院|中央(?:委员会|军委|办公厅|经济工作会议)|教育部|财政部|国家发展)"
)
_NATIONAL_SPEAKER = re.compile(
    r"我代表(?:国务院|中央委员会|党中央|全国人民代表大会常务委员会|全国人大常委会)"
    r"|(?:在|向)第.{1,3}届全国人民代表大会第.{1,3}次会议"
)
# Hong Kong, Macau and Taiwan are topics of mainland documents (台湾同胞, 港澳台侨,
# 粤港澳大湾区), hardly ever their author: only a title that starts with them counts.
SPECIAL_REGIONS = frozenset({"香港特别行政区", "澳门特别行政区", "台湾省"})
_TITLE_PREFIX = re.compile(r"^[\s\d年度第一二三四五六七八九十篇:、.《〈“\"(\[#]*")
# An autonomous region speaking for itself: its 全区/我区 is then the region, not a district.
_REGION_VOICE = re.compile(r"自治区(?:党委|人民政府|政府|主席|教育厅|人大|政协)|全自治区")
_DESTINATION_BEFORE = frozenset("赴到往去访")
_COMPILATION_START = re.compile(r"\s*第[一1]篇")
_SECOND_ARTICLE = re.compile(r"(?:^|\n)\s*第[二2]篇")
# A province short form followed by these is a riverbank or slope (太行山西麓).
_GEO_AFTER = frozenset("岸麓坡")


# --- public API ------------------------------------------------------------------


@dataclass
class RegionGuess:
    """The region a report is about; every field may be None when unsure."""

    province: str | None
    city: str | None
    district: str | None
    code: str | None
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON output and the index's stored fields."""
        return {
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "code": self.code,
            "evidence": list(self.evidence),
        }


def extract_region(title: str, text: str, year: int | None = None) -> RegionGuess:
    """Guess province, city and district from a normalized title and text.

    ``year`` (the report's year, if known) picks between a unit that existed then
    and a later namesake. The result is conservative: a level is filled only when
    one unit clearly dominates, so None means "not stated or not sure".
    """
    gaz = _gazetteer()
    doc = _Document.scan(gaz, title or "", text or "", year)
    guess = _decide(gaz, doc)
    if guess.district is None and not doc.national:
        better = _county_fallback(gaz, doc, guess, title or "", text or "")
        if better is not None:
            return better
    return guess


# --- a county named plainly, when the weighing above gave no answer ---------------
# A county's or district's report often names itself in a way the weighing above
# does not trust: a full name used twice (新县, whose name is also a common word), a
# short form once before 教育/县委 (推动平昌教育…), the name only in the title. When
# the text speaks as a county (我县/全区) and exactly one county-level unit is named
# that way, consistent with what was already decided, it is the report's.
#: A text that never speaks as 我省/我市/我县 gets a county only when it is short (one
#: news item), not a bulletin that names a county in one of its stories.
VOICELESS_MAX_CHARS = 6000
_COUNTY_CONTEXT = re.compile(r"^(?:教育|县委|县政府|区委|区政府|县人民|区人民|全县|全区|籍|人民政府|党委|讯|报道|新闻)")
_COUNTY_VOICE = re.compile(r"[我全本]县(?!域)")
_DISTRICT_VOICE = re.compile(r"[我全本]区(?!域)")
# Taiwanese pages: their places are Taiwan's, never a same-named mainland county.
_TAIWAN_PAGE = re.compile(r"台湾|臺灣|台灣|学年度|學年度|国小|國小|县议会|縣議會|民国|民國|乡公所|鄉公所")
_HONG_KONG_PAGE = re.compile(r"香港|立法会|立法會|特区政府|特區政府|教育局局长")


def _county_fallback(gaz: _Gazetteer, doc: _Document, guess: RegionGuess, title: str,
                     text: str) -> RegionGuess | None:
    """See the comment above: one county-level unit named plainly, or None."""
    if _TAIWAN_PAGE.search(title + text[:HEAD_CHARS]) or _HONG_KONG_PAGE.search(title + text[:HEAD_CHARS]):
        return None
    if guess.province in SPECIAL_REGIONS:
        return None
    if any(mask.endswith(("县", "区")) for mask in doc.anonymised):
        return None  # the report masks its own county (x县, 某区): never guess it
    # Without a county voice (我县/全区), only a text that speaks from no level at all.
    voiceless = not any(doc.hints.values())
    if doc.hints.get(DISTRICT, 0) == 0 and not (voiceless and doc.length <= VOICELESS_MAX_CHARS):
        return None
    provinces = {gaz.nodes[nid].province for m, accepted in zip(doc.mentions, doc.candidates) for nid, _ in accepted}
    if len(provinces) > 2:
        return None  # a text that ranges over provinces (a national bulletin) is about none of its counties
    # The unit word the text speaks with (全县 or 全区) must be the county's own for a
    # short form: 振兴教育 in a 全县 speech is not 振兴区.
    county_voice = len(_COUNTY_VOICE.findall(text)) >= len(_DISTRICT_VOICE.findall(text))
    short_seen: Counter = Counter()
    for m in doc.mentions:
        for nid, form in gaz.surfaces[m.surface][1]:
            if form == SHORT:
                short_seen[nid] += 1
    counts: Counter = Counter()
    in_title: set[int] = set()
    names_by_surface: dict[int, set[int]] = defaultdict(set)
    for m, accepted in zip(doc.mentions, doc.candidates):
        if m.zone == "later":
            continue
        for nid, form in gaz.surfaces[m.surface][1]:
            node = gaz.nodes[nid]
            if form == FULL and len(node.name) <= 2 and nid not in doc.title_lead:
                continue  # a two-character full name (新县, 和县) only where the title starts with it
            if node.name in WEAK_FULL:
                continue
            if node.level != DISTRICT or node.name in GENERIC_FULL:
                continue
            if doc.year is not None and not node.exists_in(doc.year):
                continue
            if guess.province is not None and node.province != guess.province:
                continue
            if guess.city is not None and node.city not in (guess.city, None) and node.city != guess.province:
                continue
            if form == SHORT:
                if not node.in_use and doc.year is None:
                    continue  # an abolished unit's short form (南长) needs the report's date
                if node.name.endswith("县") != county_voice or not node.name.endswith(("县", "区")):
                    continue
                if not _COUNTY_CONTEXT.match(m.follow):
                    continue
            names_by_surface[m.surface].add(nid)
            counts[nid] += 1
            if m.zone == "title":
                in_title.add(nid)
    # Versions of one place (平昌县 under 达川地区, then 巴中市) are one unit: the one in
    # use stands for them. A name shared by several places (two 鼓楼区) decides nothing.
    for surface, nids in names_by_surface.items():
        places = {(gaz.nodes[n].name, gaz.nodes[n].province) for n in nids}
        if len(places) == 1 and len(nids) > 1:
            keep = [n for n in nids if gaz.nodes[n].in_use] or [max(nids)]
            for n in nids - {keep[0]}:
                counts[keep[0]] += counts.pop(n, 0)
                in_title.discard(n) if n not in in_title else (in_title.discard(n), in_title.add(keep[0]))
            names_by_surface[surface] = {keep[0]}
    ambiguous = {nid for nids in names_by_surface.values() if len(nids) > 1 for nid in nids}
    ranked = [(n, nid) for nid, n in counts.most_common() if nid not in ambiguous]
    if not ranked:
        return None
    best_n, best = ranked[0]
    if len(ranked) > 1 and ranked[1][0] * 2 > best_n:
        return None
    if best_n < 2 and best not in in_title and not _context_only(gaz, doc, best):
        return None
    if voiceless and best_n < 2:
        return None
    chain = [gaz.nodes[a] for a in gaz.ancestors[best]]
    province = next((n.name for n in chain if n.level == PROVINCE), None)
    city = next((n.name for n in chain if n.level == CITY), None)
    node = gaz.nodes[best]
    return RegionGuess(province, city, node.name, node.code_for(doc.year),
                       [*guess.evidence, f"county named plainly: {_label(gaz, best)} ×{best_n} with 我县/全区 voice"])


def _context_only(gaz: _Gazetteer, doc: _Document, nid: int) -> bool:
    """A single mention counts when it is the short form before 教育/县委…: the county
    speaking of itself (推动平昌教育高质量发展)."""
    for m in doc.mentions:
        for cand, form in gaz.surfaces[m.surface][1]:
            if cand == nid and form == SHORT and _COUNTY_CONTEXT.match(m.follow):
                return True
    return False


# --- gazetteer -------------------------------------------------------------------


@dataclass
class _Node:
    """One place across all its versions (a renamed unit is a new node)."""

    nid: int
    name: str
    level: int
    province: str
    city: str | None  # prefecture name; the municipality for its districts; None if none
    parent: int | None
    versions: list[tuple[str, int, int | None, bool]] = field(default_factory=list)
    in_use: bool = False

    def exists_in(self, year: int) -> bool:
        """True if some version of the unit existed in ``year`` (change year included)."""
        return any(start <= year and (end is None or year <= end) for _, start, end, _ in self.versions)

    def code_for(self, year: int | None) -> str:
        """The code valid in ``year``; else the current one; else the latest."""
        versions = self.versions
        if year is not None:
            valid = [v for v in versions if v[1] <= year and (v[2] is None or year < v[2])]
            if valid:
                return max(valid, key=lambda v: v[1])[0]
        current = [v for v in versions if v[3]]
        return max(current or versions, key=lambda v: v[1])[0]


FULL, SHORT = 0, 1


@dataclass
class _Gazetteer:
    """Units, their hierarchy and names, and the automaton over the names."""

    nodes: list[_Node]
    children: dict[int, list[int]]
    ancestors: list[tuple[int, ...]]  # node itself first, then parent, grandparent
    surfaces: list[tuple[str, tuple[tuple[int, int], ...]]]  # (text, ((nid, FULL|SHORT), ...))
    automaton: ahocorasick.Automaton  # over _encode()d text, see there
    province_by_name: dict[str, int]
    table: list[str]  # str.translate table: BMP code point -> two symbols
    prefix_of: list[int]  # surface id -> id of the longest shorter surface it starts with, or -1
    _symbols: Any = field(default=None, repr=False, compare=False)  # ``table`` as an array, built on first use

    def encode(self, text: str) -> str:
        """Rewrite ``text`` as two symbols per character for the automaton.

        pyahocorasick scans a node's edges linearly, and the root of a trie of ~7,600
        Chinese names has ~1,000 edges (one per distinct first character): 4-5 ms per
        20,000 characters. Writing each character as (high, low) symbols of a dense
        index over the ~1,300 characters used in names keeps every node under 64
        edges, so the scan takes under 1 ms. Other characters become a separator
        pair, which keeps offsets exact: character i is symbols 2i and 2i+1.
        """
        if _NON_BMP.search(text):
            text = _NON_BMP.sub("\ufffd", text)
        if len(text) < 256:
            return text.translate(self.table)
        # Long texts: the same table as a (code point -> 2 symbols) NumPy array, one
        # lookup for the whole text instead of ``str.translate``'s per-character
        # dictionary-style lookups (about 15 times faster, identical output).
        import numpy as np

        symbols = self._symbols
        if symbols is None:
            symbols = np.array([[ord(pair[0]), ord(pair[1])] for pair in self.table], dtype=np.uint32)
            self._symbols = symbols
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return symbols[codes].astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


_LOCK = threading.Lock()
_GAZ: _Gazetteer | None = None


def _gazetteer() -> _Gazetteer:
    """Build the gazetteer once per process, on first use (about 0.1 s)."""
    global _GAZ
    if _GAZ is None:
        with _LOCK:
            if _GAZ is None:
                _GAZ = _build(DATA_FILE)
    return _GAZ


def _read_rows(path: Path) -> list[dict[str, str]]:
    """The CSV rows; utf-8-sig because the file starts with a byte-order mark."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _year(value: str) -> int | None:
    """A year column ("1983", or empty for a unit still in use)."""
    value = value.strip()
    return int(value[:4]) if value[:4].isdigit() else None


def _build(path: Path) -> _Gazetteer:
    """Turn the CSV rows into nodes (one per place and name) and the automaton."""
    rows = _read_rows(path)
    nodes: list[_Node] = []
    index: dict[tuple, int] = {}

    def node_for(level: int, province: str, city: str | None, name: str, parent: int | None) -> _Node:
        key = (level, province, city, name)
        if key not in index:
            index[key] = len(nodes)
            nodes.append(_Node(len(nodes), name, level, province, city, parent))
        return nodes[index[key]]

    # Parents first, so that children can point at them.
    for level in (PROVINCE, CITY, DISTRICT):
        for row in rows:
            if _LEVELS.get(row["级别"]) != level:
                continue
            province, second, name = row["一级行政区"], row["二级行政区"], row["名称"]
            if level == PROVINCE:
                city, parent = (name if name in MUNICIPALITIES else None), None
            elif level == CITY:
                city = name
                parent = index.get((PROVINCE, province, None, province))
                if parent is None:
                    parent = index.get((PROVINCE, province, province, province))
            else:
                city = (province if province in MUNICIPALITIES else None) if second == "直辖" else second
                if second == "直辖":
                    parent = index.get((PROVINCE, province, city, province))
                else:
                    parent = index.get((CITY, province, second, second))
            node = node_for(level, province, city, name, parent)
            in_use = row["状态"] == "在用"
            node.versions.append((row["代码"], _year(row["启用时间"]) or 0, _year(row["变更/弃用时间"]), in_use))
            node.in_use = node.in_use or in_use

    children: dict[int, list[int]] = defaultdict(list)
    ancestors: list[tuple[int, ...]] = []
    for node in nodes:
        chain = [node.nid]
        parent = node.parent
        while parent is not None:
            chain.append(parent)
            parent = nodes[parent].parent
        ancestors.append(tuple(chain))
        if node.parent is not None:
            children[node.parent].append(node.nid)

    forms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for node in nodes:
        forms[node.name].append((node.nid, FULL))
        shorts = _short_forms(node)
        for short in shorts:
            if short != node.name:
                forms[short].append((node.nid, SHORT))
        for alias in _autonomous_aliases(node.name, shorts):
            forms[alias].append((node.nid, SHORT))

    words = list(forms) + [w for w in BLOCKERS if w not in forms]
    table = _symbol_table(words)
    automaton = ahocorasick.Automaton()
    surfaces: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for text, entries in forms.items():
        automaton.add_word(text.translate(table), len(surfaces))
        surfaces.append((text, tuple(entries)))
    for word in words[len(forms) :]:
        automaton.add_word(word.translate(table), -1)
    automaton.make_automaton()
    province_by_name = {n.name: n.nid for n in nodes if n.level == PROVINCE}
    ids = {text: i for i, (text, _) in enumerate(surfaces)}
    prefix_of = [
        next((ids[text[:k]] for k in range(len(text) - 1, 1, -1) if text[:k] in ids), -1) for text, _ in surfaces
    ]
    return _Gazetteer(nodes, dict(children), ancestors, surfaces, automaton, province_by_name, table, prefix_of)


_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
_SEPARATOR = "\x01\x01"


def _symbol_table(words: list[str]) -> list[str]:
    """Map each character used in ``words`` to a (high, low) symbol pair; see encode()."""
    table = [_SEPARATOR] * 0x10000
    for i, char in enumerate(sorted(set("".join(words)))):
        table[ord(char)] = chr(0x100 + (i >> 6)) + chr(0x200 + (i & 63))
    return table


def _strip_ethnic(stem: str) -> str:
    """广西壮族 -> 广西, 湘西土家族苗族 -> 湘西, 伊犁哈萨克 -> 伊犁; 鄂伦春 stays."""
    changed = True
    original = stem
    while changed:
        changed = False
        for ethnic in sorted(_ETHNIC, key=len, reverse=True):
            if stem.endswith(ethnic + "族") and len(stem) > len(ethnic) + 1:
                stem, changed = stem[: -len(ethnic) - 1], True
                break
            if ethnic in _ETHNIC_BARE and stem.endswith(ethnic) and len(stem) > len(ethnic):
                stem, changed = stem[: -len(ethnic)], True
                break
    if len(stem) < 2:
        stem = original
    if stem.endswith("族") and stem[:-1] in _ETHNIC:  # 东乡族自治县 -> 东乡
        stem = stem[:-1]
    return stem


def _short_forms(node: _Node) -> list[str]:
    """Names people write without the unit word: 广东, 广州, 荔湾, 延边, 神农架."""
    name = node.name
    if name in GENERIC_FULL:
        return []
    m = re.match(r"^(.+?)(自治区|自治州|自治县|自治旗)$", name)
    if m:
        stem = _strip_ethnic(m.group(1))
    else:
        stem = re.sub(r"(特别行政区|行政区|地区|林区|特区|矿区|新区|省|市|区|县|盟|旗)$", "", name)
    out = [stem] if len(stem) >= 2 else []
    if name == "内蒙古自治区":
        out.append("内蒙")
    return out


def _autonomous_aliases(name: str, shorts: list[str]) -> list[str]:
    """The usual written names of autonomous units: 黔东南州, 大理州, 石柱县, 鄂伦春旗.
    Kept as short forms: 大理州 is safe where 大理 (marble) is not, but 河南县 (青海) is
    more often 河南 + 县域 than the county."""
    kind = {"自治州": "州", "自治县": "县", "自治旗": "旗"}.get(name[-3:])
    if kind is None or not shorts or shorts[0] == name:
        return []
    return [shorts[0] + kind]


# --- scanning --------------------------------------------------------------------


@dataclass
class _Mention:
    """One gazetteer name found in the title or text."""

    surface: int  # index into _Gazetteer.surfaces
    start: int
    end: int
    zone: str  # "title" | "head" | "body" | "later"
    weight: float
    follow: str  # the few characters after the match


@dataclass
class _Document:
    """Everything the decision needs from one title and text."""

    mentions: list[_Mention]
    candidates: list[list[tuple[int, int]]]  # per mention: accepted (nid, form)
    hints: Counter
    docno: Counter
    anonymised: Counter
    compilation: bool
    year: int | None
    length: int
    region_voice: int  # 自治区党委/自治区政府 …, see _REGION_VOICE
    national: str | None  # why the document is national, if it is
    title_lead: set[int]  # units the title starts with (its author, usually)

    @classmethod
    def scan(cls, gaz: _Gazetteer, title: str, text: str, year: int | None) -> _Document:
        """Find every gazetteer name in the title and text, weighted by where it is."""
        later_from = _later_articles_start(title, text)
        mentions: list[_Mention] = []
        _scan_into(gaz, title, "title", mentions, later_from=None)
        _scan_into(gaz, text, "text", mentions, later_from=later_from)
        candidates = _accept_all(gaz, mentions, year)
        considered = text if later_from is None else text[:later_from]
        lead_end = _TITLE_PREFIX.match(title).end() if title else 0
        title_lead = {
            nid
            for m, readings in zip(mentions, candidates)
            if m.zone == "title" and m.start <= lead_end
            for nid, _ in readings
        }
        return cls(
            mentions=mentions,
            candidates=candidates,
            hints=_level_hints(title, considered),
            docno=Counter(m.group(1) for m in _DOCNO.finditer(considered)),
            anonymised=Counter(m.group(0) for m in _ANON.finditer(title + "\n" + considered)),
            compilation=later_from is not None,
            year=year,
            length=len(considered),
            region_voice=len(_REGION_VOICE.findall(title + "\n" + considered[:HEAD_CHARS])),
            national=_national(title, text),
            title_lead=title_lead,
        )


def _national(title: str, text: str) -> str | None:
    """A national document (国务院, 中共中央, 全国人大 as author) names provinces in
    passing only; say why, or None."""
    m = _NATIONAL_TITLE.match(title)
    if m:
        return f"title starts with {m.group(0).strip()}"
    m = _NATIONAL_SPEAKER.search(text[:HEAD_CHARS])
    if m:
        return f"speaker: {m.group(0)}"
    return None


def _later_articles_start(title: str, text: str) -> int | None:
    """Offset of 第二篇 in a 第一篇/第二篇 compilation: the title is the first article's."""
    if not (_COMPILATION_START.match(title) or _COMPILATION_START.match(text[:50])):
        return None
    m = _SECOND_ARTICLE.search(text)
    return m.start() if m else None


def _scan_into(gaz: _Gazetteer, text: str, where: str, out: list[_Mention], later_from: int | None) -> None:
    for end_symbol, value in gaz.automaton.iter_long(gaz.encode(text)):
        if value < 0:  # a blocker word
            continue
        surface = gaz.surfaces[value][0]
        end_index = end_symbol // 2
        start = end_index - len(surface) + 1
        if where == "title":
            # 赴浙江学习考察报告: a destination, not the author.
            visited = start > 0 and text[start - 1] in _DESTINATION_BEFORE
            zone, weight = "title", (W_BODY if visited else W_TITLE)
        elif later_from is not None and start >= later_from:
            zone, weight = "later", W_LATER_ARTICLE
        elif start < HEAD_CHARS:
            zone, weight = "head", W_HEAD
        else:
            zone, weight = "body", W_BODY
        out.append(_Mention(value, start, end_index + 1, zone, weight, text[end_index + 1 : end_index + 5]))


def _level_hints(title: str, text: str) -> Counter:
    """Count 我省/全市/我区 ...; the title and opening count triple."""
    hints: Counter = Counter()
    head = title + "\n" + text[:HEAD_CHARS]
    for level, pattern in _LEVEL_HINTS:
        hints[level] += len(pattern.findall(text)) + 2 * len(pattern.findall(head))
    return hints


def _accept_all(gaz: _Gazetteer, mentions: list[_Mention], year: int | None) -> list[list[tuple[int, int]]]:
    """Keep, for each mention, the readings that are safe in this document.

    Two passes. The first collects what the document names safely: full names and
    ordinary short forms of provinces and prefectures (``_unconditional``), and
    county short forms written right after their city or province (无锡南长,
    北京大兴), which "anchor" that short form for the whole document. The second
    pass accepts conditional readings with that support (``_supported``).

    Leftmost-longest matching can hide a good name inside a rejected longer one
    (河南 inside 河南县, a county of 青海, in 河南县域经济): such a mention falls back
    to the longest shorter name it starts with. ``mentions`` is updated in place.
    """
    raw = [_readings(gaz, m, year) for m in mentions]
    fallback: dict[int, tuple[_Mention, list[tuple[int, int]]]] = {}
    support = _Support(set(), set(), set())
    previous: set[int] = set()
    previous_end = -1
    for i, mention in enumerate(mentions):
        adjacent = previous if previous_end == mention.start else set()
        safe = [nid for nid, form in raw[i] if _unconditional(gaz, nid, form, mention)]
        if not safe:
            shorter = _shorter_mention(gaz, mention)
            if shorter is not None:
                readings = _readings(gaz, shorter, year)
                safe = [nid for nid, form in readings if _unconditional(gaz, nid, form, shorter)]
                if safe:
                    fallback[i] = (shorter, readings)
        _note_support(gaz, mention, raw[i], safe, adjacent, support)
        previous, previous_end = set(safe), mention.end

    accepted: list[list[tuple[int, int]]] = []
    previous, previous_end = set(), -1
    for i, mention in enumerate(mentions):
        adjacent = previous if previous_end == mention.start else set()
        keep = _keep(gaz, mention, raw[i], support, adjacent)
        if not keep and i in fallback:
            mention, readings = fallback[i]
            keep = _keep(gaz, mention, readings, support, adjacent)
            mentions[i] = mention
        accepted.append(keep)
        previous, previous_end = {nid for nid, _ in keep}, mention.end
    return accepted


def _readings(gaz: _Gazetteer, mention: _Mention, year: int | None) -> list[tuple[int, int]]:
    """The (unit, form) pairs a mention could stand for, before any acceptance test."""
    return _downgrade(gaz, mention, _by_year(gaz, gaz.surfaces[mention.surface][1], year))


def _shorter_mention(gaz: _Gazetteer, mention: _Mention) -> _Mention | None:
    """The same mention cut to the longest shorter name it starts with, if any."""
    prefix = gaz.prefix_of[mention.surface]
    if prefix < 0:
        return None
    long_surface = gaz.surfaces[mention.surface][0]
    cut = len(gaz.surfaces[prefix][0])
    follow = (long_surface[cut:] + mention.follow)[:4]
    return _Mention(prefix, mention.start, mention.start + cut, mention.zone, mention.weight, follow)


def _note_support(
    gaz: _Gazetteer,
    mention: _Mention,
    readings: list[tuple[int, int]],
    safe: list[int],
    adjacent: set[int],
    support: _Support,
) -> None:
    """Record what one mention tells about the document (first pass)."""
    surface = gaz.surfaces[mention.surface][0]
    for nid, form in readings:
        if form == FULL:
            if nid in safe:  # 解放区 in 解放区革命教育 must not license 解放
                support.full_named.add(nid)
        elif gaz.nodes[nid].level == DISTRICT and surface not in COMMON_COUNTY_SHORT:
            if adjacent.intersection(gaz.ancestors[nid][1:]):
                support.anchored.add(nid)
    for nid in safe:
        support.named.update(gaz.ancestors[nid])


def _keep(
    gaz: _Gazetteer, mention: _Mention, readings: list[tuple[int, int]], support: _Support, adjacent: set[int]
) -> list[tuple[int, int]]:
    """The readings of one mention accepted in this document (second pass)."""
    return [
        (nid, form)
        for nid, form in readings
        if _unconditional(gaz, nid, form, mention) or _supported(gaz, nid, form, mention, support, adjacent)
    ]


@dataclass
class _Support:
    """What the whole document names, used to accept the risky readings."""

    named: set[int]  # units named safely, and all their ancestors
    full_named: set[int]  # units whose full name appears
    anchored: set[int]  # county-level units whose short form follows their city somewhere


_UNIT_WORD_AFTER = re.compile(r"^(?:级|域|[(、](?:市|区|县))")


def _downgrade(gaz: _Gazetteer, mention: _Mention, readings: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Read a full name as its short form when its last character starts a generic
    phrase: 沿河县(市、区) is 沿河 + 县(市、区), 深圳市场 is 深圳 + 市场, 河南县域 is
    河南 + 县域."""
    surface = gaz.surfaces[mention.surface][0]
    follow = mention.follow
    generic = _UNIT_WORD_AFTER.match(follow) is not None or (surface.endswith("市") and follow[:1] == "场")
    if not generic or surface[-1] not in "市区县":
        return readings
    return [(nid, SHORT) if gaz.nodes[nid].level > PROVINCE else (nid, form) for nid, form in readings]


def _by_year(gaz: _Gazetteer, readings: tuple[tuple[int, int], ...], year: int | None) -> list[tuple[int, int]]:
    """Among namesakes, prefer units that existed in ``year`` (or exist now)."""
    if len(readings) < 2:
        return list(readings)
    if year is not None:
        alive = [r for r in readings if gaz.nodes[r[0]].exists_in(year)]
    else:
        alive = [r for r in readings if gaz.nodes[r[0]].in_use]
    return alive or list(readings)


def _weak_full(surface: str) -> bool:
    """Full names that are easily an accident of two words: 沛县 in 国务院和县 (和县),
    海城市 in 红海城市, 南山区 in 西南山区, 会同县 in 应当会同县(市)人民政府."""
    return len(surface) < 3 or surface in WEAK_FULL or surface[-2:] in ("城市", "城区", "山区", "郊区")


def _unconditional(gaz: _Gazetteer, nid: int, form: int, mention: _Mention) -> bool:
    """Readings safe on their own, wherever they appear."""
    node = gaz.nodes[nid]
    surface = gaz.surfaces[mention.surface][0]
    if node.level == PROVINCE:
        return not (form == SHORT and mention.follow[:1] in _GEO_AFTER)
    if node.level == CITY:
        if form == FULL:
            return True
        return node.in_use and surface not in RISKY_CITY_SHORT
    return form == FULL and surface not in GENERIC_FULL and not _weak_full(surface)


def _supported(gaz: _Gazetteer, nid: int, form: int, mention: _Mention, support: _Support, adjacent: set[int]) -> bool:
    """Readings that are safe only with help from the rest of the document."""
    node = gaz.nodes[nid]
    surface = gaz.surfaces[mention.surface][0]
    if node.level == CITY:  # risky or historical short form: 中山 needs 中山市
        return nid in support.full_named
    if node.level != DISTRICT:
        return False
    after_ancestor = bool(adjacent.intersection(gaz.ancestors[nid][1:]))
    if surface in GENERIC_FULL:  # 城区, 郊区: only as 阳泉市城区
        return node.parent in adjacent
    if form == FULL:  # weak full names: 沛县 with 徐州 named, or 徐州沛县
        return after_ancestor or node.parent in support.named
    if nid in support.full_named or nid in support.anchored:  # 荔湾 after 荔湾区
        return True
    return after_ancestor and surface not in COMMON_COUNTY_SHORT


# --- scoring ---------------------------------------------------------------------


@dataclass
class _Scores:
    """Weights per unit, and what to say about them."""

    own: dict[int, float]  # weight of the unit's own mentions
    agg: dict[int, float]  # own + all descendants': how much the document is about it
    counts: dict[int, Counter[str]]  # surface -> mentions, for the evidence
    zones: dict[int, set[str]]  # where it was named: title, head, body, later, docno
    notes: list[str]  # how shared names were read


def _score(gaz: _Gazetteer, doc: _Document) -> _Scores:
    """Credit each mention to its unit, resolving shared names from context."""
    own: defaultdict = defaultdict(float)
    agg: defaultdict = defaultdict(float)
    counts: dict = defaultdict(Counter)
    zones: dict = defaultdict(set)
    notes: list[str] = []

    def credit(nid: int, mention: _Mention, form: int, share: float = 1.0) -> None:
        weight = mention.weight * (W_FULL if form == FULL else W_SHORT) * share
        if gaz.nodes[nid].province in SPECIAL_REGIONS:
            weight *= W_SPECIAL
        own[nid] += weight
        for a in gaz.ancestors[nid]:
            agg[a] += weight
        counts[nid][gaz.surfaces[mention.surface][0]] += 1
        zones[nid].add(mention.zone)

    ambiguous: list[tuple[_Mention, list[tuple[int, int]]]] = []
    for mention, readings in zip(doc.mentions, doc.candidates):
        readings = _drop_descendants(gaz, readings)
        if len(readings) == 1:
            credit(readings[0][0], mention, readings[0][1])
        elif readings:
            ambiguous.append((mention, readings))

    context = dict(agg)  # support from unambiguous mentions only
    unresolved: Counter = Counter()
    resolved: dict[tuple[str, int], int] = {}
    for mention, readings in ambiguous:
        support = _context_support(gaz, context, [nid for nid, _ in readings])
        total = sum(support)
        surface = gaz.surfaces[mention.surface][0]
        if total > 0:
            for (nid, form), s in zip(readings, support):
                if s > 0:
                    credit(nid, mention, form, s / total)
            best = readings[max(range(len(readings)), key=support.__getitem__)][0]
            resolved[(surface, best)] = resolved.get((surface, best), 0) + 1
            continue
        fallback = _fallback_reading(gaz, readings)
        if fallback is not None:
            credit(fallback[0], mention, fallback[1])
        else:
            unresolved[surface] += 1
    for (surface, nid), n in resolved.items():
        notes.append(f"{surface} ×{n} read as {_label(gaz, nid)} (its city or province is named)")
    for surface, n in unresolved.items():
        notes.append(f"{surface} ×{n} ambiguous and unresolved (several units, no other place decides)")
    for abbr, n in doc.docno.items():
        nid = gaz.province_by_name.get(_DOCNO_PROVINCE[abbr])
        if nid is not None:
            own[nid] += W_DOCNO * n
            agg[nid] += W_DOCNO * n
            counts[nid][f"{abbr}…发〔〕 document number"] += n
            zones[nid].add("docno")
    return _Scores(own, agg, counts, zones, notes)


def _context_support(gaz: _Gazetteer, context: dict[int, float], nids: list[int]) -> list[float]:
    """How much the rest of the document backs each reading of a shared name.

    The most specific level that tells the readings apart decides: for 鼓楼区 the
    city (南京 named: 南京市鼓楼区, not 徐州市鼓楼区 of the same province); only if no
    city is named, the province (福建 named: 福州市鼓楼区).
    """
    for depth in range(3):  # the unit itself, then its parent, then its grandparent
        support = [
            context.get(gaz.ancestors[nid][depth], 0.0) if depth < len(gaz.ancestors[nid]) else 0.0 for nid in nids
        ]
        if any(support):
            return support
    return [0.0] * len(nids)


def _drop_descendants(gaz: _Gazetteer, readings: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """吉林 is the province and its city 吉林市: read it as the higher unit."""
    if len(readings) < 2:
        return readings
    ids = {nid for nid, _ in readings}
    return [(nid, form) for nid, form in readings if not any(a in ids for a in gaz.ancestors[nid][1:])]


def _fallback_reading(gaz: _Gazetteer, readings: list[tuple[int, int]]) -> tuple[int, int] | None:
    """No context: a single province or prefecture reading wins (海南 is the province);
    namesakes all inside one province or city give that common ancestor."""
    top = min(gaz.nodes[nid].level for nid, _ in readings)
    highest = [r for r in readings if gaz.nodes[r[0]].level == top]
    if len(highest) == 1 and top <= CITY:
        return highest[0]
    common = set(gaz.ancestors[readings[0][0]][1:])
    for nid, _ in readings[1:]:
        common &= set(gaz.ancestors[nid][1:])
    if common:
        lowest = max(common, key=lambda a: gaz.nodes[a].level)
        return (lowest, SHORT)
    return None


# --- decision --------------------------------------------------------------------


def _decide(gaz: _Gazetteer, doc: _Document) -> RegionGuess:
    """Walk down province > city > district while the evidence stays clear."""
    scores = _score(gaz, doc)
    level_hint = _hint_level(doc.hints)
    evidence = _preamble(doc, level_hint)
    if doc.national:
        evidence.append(f"national document ({doc.national}): no region")
        return RegionGuess(None, None, None, None, evidence)
    anchor = _title_anchor(gaz, scores, doc)
    breadth = _breadth(gaz, scores)
    if anchor is None and level_hint is None and breadth >= NATIONAL_BREADTH:
        evidence.append(f"national in scope: names {breadth} provinces and never speaks as 我省/我市/我区: no region")
        return RegionGuess(None, None, None, None, evidence)
    province = _choose_province(gaz, scores, doc, anchor, evidence)
    if province is None:
        evidence.extend(scores.notes)
        return RegionGuess(None, None, None, None, evidence or ["no place names found"])
    if level_hint == DISTRICT and gaz.nodes[province].name in _AUTONOMOUS and doc.region_voice and anchor is None:
        evidence.append("全区/我区 here is the autonomous region itself (自治区党委/政府 in the opening)")
        level_hint = PROVINCE
    city, district = _descend(gaz, scores, province, anchor, level_hint, evidence)
    evidence.extend(scores.notes)
    nodes = gaz.nodes
    most_specific = district if district is not None else (city if city is not None else province)
    return RegionGuess(
        province=nodes[province].name,
        city=nodes[city].name if city is not None else None,
        district=nodes[district].name if district is not None else None,
        code=nodes[most_specific].code_for(doc.year),
        evidence=evidence,
    )


def _breadth(gaz: _Gazetteer, scores: _Scores) -> int:
    """How many provinces the document names at least once."""
    return sum(1 for nid in gaz.province_by_name.values() if scores.agg.get(nid, 0.0) >= W_SHORT)


def _preamble(doc: _Document, level_hint: int | None) -> list[str]:
    """Evidence about the document as a whole."""
    evidence: list[str] = []
    if doc.compilation:
        evidence.append("compilation (第一篇/第二篇): later articles weigh less")
    if level_hint is not None:
        evidence.append(f"report speaks as a {_LEVEL_NAME[level_hint]} ({_hint_summary(doc.hints)})")
    if doc.anonymised:
        listed = ", ".join(f"{k} ×{v}" for k, v in doc.anonymised.most_common(3))
        evidence.append(f"anonymised names ignored: {listed}")
    return evidence


def _title_anchor(gaz: _Gazetteer, scores: _Scores, doc: _Document) -> int | None:
    """The unit a title starts with (上海市…条例, 济宁市…条例, 南长区教育局…): in
    Chinese official titles that is the issuing government, whatever else the text
    is about (台湾同胞投资, 京津冀, 长三角)."""
    leads = [
        nid
        for nid in doc.title_lead
        if gaz.nodes[nid].province not in SPECIAL_REGIONS and scores.own.get(nid, 0.0) > 0.0
    ]  # a lead left ambiguous (鼓楼区 with no city named) is no anchor
    if not leads:
        return None
    return max(leads, key=lambda nid: (scores.agg.get(nid, 0.0), -gaz.nodes[nid].level))


def _choose_province(
    gaz: _Gazetteer, scores: _Scores, doc: _Document, anchor: int | None, evidence: list[str]
) -> int | None:
    """The title anchor's province, else the clearly dominant one (never 港澳台 as topics)."""
    if anchor is not None:
        province = gaz.ancestors[anchor][-1]
        ranked = sorted(
            (n for n in gaz.province_by_name.values() if scores.agg.get(n)), key=lambda n: -scores.agg[n]
        )
        evidence.append(f"title starts with {gaz.nodes[anchor].name}: taken as the author")
        evidence.append(_explain(gaz, scores, province, [province] + [n for n in ranked if n != province]))
        return province
    provinces = [nid for nid in gaz.province_by_name.values() if scores.agg.get(nid)]
    province, why = _pick(gaz, scores, provinces, parent=None, min_score=_min_score(doc))
    if province is not None and gaz.nodes[province].name in SPECIAL_REGIONS:
        why = [f"{gaz.nodes[province].name} is named most, but 港澳台 are topics unless the title starts with them"]
        province = None
    evidence.extend(why)
    return province


def _descend(
    gaz: _Gazetteer,
    scores: _Scores,
    province: int,
    anchor: int | None,
    level_hint: int | None,
    evidence: list[str],
) -> tuple[int | None, int | None]:
    """City and district under ``province``: forced by the title anchor where it is
    that specific, else the clearly dominant child, within the report's level."""
    pname = gaz.nodes[province].name
    forced = gaz.ancestors[anchor] if anchor is not None else ()
    forced_city = next((a for a in forced if gaz.nodes[a].level == CITY), None)
    forced_district = forced[0] if forced and gaz.nodes[forced[0]].level == DISTRICT else None
    if forced_district is not None and forced_city is None and pname not in MUNICIPALITIES:
        evidence.append(_explain(gaz, scores, forced_district, [forced_district]))
        return None, forced_district  # a county-level unit directly under the province
    stop_at_province = level_hint == PROVINCE or (level_hint == CITY and pname in MUNICIPALITIES)
    city: int | None = None
    if pname in MUNICIPALITIES:
        city = province
    elif forced_city is not None:
        city = forced_city
        evidence.append(_explain(gaz, scores, city, [city]))
    elif not stop_at_province:
        kids = [c for c in gaz.children.get(province, []) if scores.agg.get(c)]
        picked, why = _pick(gaz, scores, kids, parent=province, level_stated=level_hint in (CITY, DISTRICT))
        evidence.extend(why)
        if picked is not None and gaz.nodes[picked].level == DISTRICT:
            return None, picked  # a county-level unit directly under the province (仙桃市)
        city = picked
    if city is None:
        return None, None
    if forced_district is not None:
        evidence.append(_explain(gaz, scores, forced_district, [forced_district]))
        return city, forced_district
    district_allowed = not stop_at_province and (
        level_hint in (None, DISTRICT) or (level_hint == PROVINCE and pname in _AUTONOMOUS)
    )
    kids = [c for c in gaz.children.get(city, []) if scores.agg.get(c)]
    if not district_allowed:
        # 我市 may be a county-level city (义乌市), if the title or opening names it.
        kids = [c for c in kids if _county_city_up_front(gaz, scores, c)] if forced_city is None else []
        if not kids:
            evidence.append(f"no district: the report speaks for the whole {_LEVEL_NAME[level_hint or CITY]}")
            return city, None
    picked, why = _pick(gaz, scores, kids, parent=city, level_stated=level_hint == DISTRICT)
    evidence.extend(why)
    return city, picked


def _hint_level(hints: Counter) -> int | None:
    """The level the report speaks from, if one kind of 我X/全X clearly dominates."""
    if not hints:
        return None
    (best, n), *rest = hints.most_common() + [(None, 0)]
    second = rest[0][1] if rest else 0
    if n >= 3 and n >= 1.5 * second:
        return best
    return None


def _hint_summary(hints: Counter) -> str:
    """我省/全省 13, 我市/全市 2: the counts behind the level, for the evidence."""
    marks = {PROVINCE: "我省/全省", CITY: "我市/全市", DISTRICT: "我区/全区/我县"}
    return ", ".join(f"{marks[k]} {v}" for k, v in hints.most_common() if v)


def _county_city_up_front(gaz: _Gazetteer, scores: _Scores, nid: int) -> bool:
    """A county-level city (义乌市) named in the title or the opening."""
    return gaz.nodes[nid].name.endswith("市") and bool(scores.zones.get(nid, set()) & {"title", "head"})


def _min_score(doc: _Document) -> float:
    """A long document names its own region many times; a few mentions in 50,000
    characters are places named in passing."""
    return MIN_SCORE + doc.length / MIN_SCORE_PER_CHARS


def _pick(
    gaz: _Gazetteer,
    scores: _Scores,
    candidates: list[int],
    parent: int | None,
    min_score: float = MIN_SCORE,
    level_stated: bool = False,
) -> tuple[int | None, list[str]]:
    """The candidate that clearly dominates its siblings, with the reasons.

    Below a parent, the winner must also weigh at least half the parent's own
    mentions (a provincial report names its capital, but names the province more),
    unless the report states it speaks from the child's level (我区, 全市).
    """
    if not candidates:
        return None, []
    ranked = sorted(candidates, key=lambda c: scores.agg[c], reverse=True)
    best = ranked[0]
    top = scores.agg[best]
    second = scores.agg[ranked[1]] if len(ranked) > 1 else 0.0
    total = sum(scores.agg[c] for c in ranked)
    label = gaz.nodes[best].name
    rivals = ", ".join(f"{gaz.nodes[c].name} {scores.agg[c]:.1f}" for c in ranked[1:4])
    if second == 0.0 and scores.zones.get(best, set()) & {"title", "head"}:
        min_score = MIN_SCORE  # named up front and unopposed: length does not matter
    if top < min_score:
        also = f"; also {rivals}" if rivals else ""
        return None, [f"{label} too weakly named ({top:.1f} < {min_score:.1f}){also}"]
    if top < DOMINANCE * second or top < MIN_SHARE * total:
        return None, [f"no clear {_LEVEL_NAME[gaz.nodes[best].level]}: {label} {top:.1f} vs {rivals}"]
    if parent is not None and not level_stated and top < CHILD_VS_PARENT * scores.own.get(parent, 0.0):
        return None, [
            f"stays at {gaz.nodes[parent].name}: named {scores.own[parent]:.1f} itself, {label} only {top:.1f}"
        ]
    return best, [_explain(gaz, scores, best, ranked)]


def _explain(gaz: _Gazetteer, scores: _Scores, nid: int, ranked: list[int]) -> str:
    """Say what was matched, how often and where, for ``searchapp inspect``."""
    node = gaz.nodes[nid]
    parts = []
    zones = scores.zones.get(nid, set())
    if "title" in zones:
        parts.append("title names it")
    elif "head" in zones:
        parts.append("opening names it")
    direct = scores.counts.get(nid)
    if direct:
        parts.append(", ".join(f"{s} ×{n}" for s, n in direct.most_common(3)))
    kids = [c for c in gaz.children.get(nid, []) if scores.agg.get(c)]
    if kids:
        kids.sort(key=lambda c: scores.agg[c], reverse=True)
        names = ", ".join(gaz.nodes[c].name for c in kids[:6]) + ("…" if len(kids) > 6 else "")
        parts.append(f"{len(kids)} of its units named ({names})")
    score = f"{scores.agg[nid]:.1f}"
    if len(ranked) > 1:
        score += f" vs {gaz.nodes[ranked[1]].name} {scores.agg[ranked[1]]:.1f}"
    return f"{_LEVEL_NAME[node.level]} {node.name}: " + "; ".join(parts) + f" (score {score})"


def _label(gaz: _Gazetteer, nid: int) -> str:
    """江苏省南京市鼓楼区, 北京市海淀区: a unit with its parents, for the evidence."""
    node = gaz.nodes[nid]
    city = node.city if node.city and node.city != node.name else ""
    return f"{node.province if node.province != city else ''}{city}{node.name}"
