"""Tag a report with the education themes it is mainly about.

A theme is a set of weighted keywords (the default taxonomy is the data file
``searchapp/data/themes.yaml``; config.yaml ``themes:`` replaces it). How a report
is scored:

* **Matching input.** Only the report's own words count. Before matching, this
  module strips what is not report prose, as a small local step on its own copy of
  the text (the indexed text is not changed): pinyin glosses after characters
  (学(xué)前教育 → 学前教育, left on pages served with ruby text), site names
  (…素材网, …文库) and list lines (honour rolls, navigation trails: five or more
  short items and no sentence).
* **Matches.** All keywords go into one Aho-Corasick automaton. Overlapping
  matches do not swallow each other: 优质均衡发展 counts for both 优质均衡 and
  均衡发展. Only a keyword *nested* in a longer keyword of the same theme is
  dropped (教育督导 does not also count as 督导). Keywords of one or two characters
  are common substrings, so they do not count where a jieba word crosses their
  edge: 保教 does not match inside 确保/教育, 中考 not inside 集中/考试.
* **Score.** The summed weight of a theme's matches per 1,000 characters (texts
  shorter than 1,500 characters count as 1,500), plus a bonus for keywords in the
  title, which names what a report is about more reliably than any count.
* **Education only.** The built-in themes are given only to documents about
  education (education words such as 学校, 教师, 学生 at least 4 per 1,000
  characters): a law on property management says 维修 45 times without being
  about 办学条件. A taxonomy from config.yaml has no such gate.
* **Mainly about.** A theme is assigned when its score reaches ``min_score``, it
  has at least a quarter of the best theme's score, it is mentioned at least three
  times (or its strong keyword is in the title: one or two mentions are passing
  remarks), and its evidence is specific: a strong keyword (weight ≥
  ANCHOR_WEIGHT) repeated, or a strong keyword with a second keyword, or an
  ordinary keyword (≥ 1.5) three times (a budget review says 预算 throughout), or a
  strong keyword in the title. So one strong repeated keyword is enough (教师队伍
  seven times), but generic words alone (考核, 经费, 党员) never make a theme.

:func:`score_themes` returns every candidate with its evidence (for
``searchapp inspect``); :func:`assign_themes` the assigned (theme, score) pairs.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right, insort
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Real
from pathlib import Path

import yaml

__all__ = [
    "ANCHOR_WEIGHT",
    "DEFAULT_MIN_SCORE",
    "DEFAULT_TAXONOMY",
    "EDUCATION_CONTEXT",
    "THEME_ABOUT",
    "ThemeEvidence",
    "assign_themes",
    "matching_text",
    "score_themes",
    "taxonomy_markdown",
    "validate_taxonomy",
]

#: Where the built-in taxonomy lives (theme → about, keywords).
TAXONOMY_FILE = Path(__file__).resolve().parents[1] / "data" / "themes.yaml"

#: Default threshold: weighted keyword hits per 1,000 characters (title bonus included).
DEFAULT_MIN_SCORE = 2.0
#: A theme must score at least this share of the document's best theme.
_MIN_SHARE_OF_TOP = 0.25
#: Keywords weighing at least this are specific to their theme ("anchors"); a
#: theme needs one, so generic words alone never tag a report.
ANCHOR_WEIGHT = 2.0
#: Texts shorter than this are scored as if they had this length, so a
#: two-line snippet with one keyword is not "about" it.
_MIN_LENGTH = 1500
#: Keyword occurrences a theme needs in the body unless its title names it: one or
#: two mentions are passing remarks, in an excerpt as in a long report.
_MIN_HITS = 3
#: A keyword repeated this often is a topic even if it is not an anchor (预算 ×8).
_REPEATED = 3
#: ...and weighing at least this.
_REPEATED_MIN_WEIGHT = 1.5
#: Keywords this short are matched as whole jieba words, not as substrings.
_WORD_MATCH_MAX_LEN = 2
#: Score added per unit of keyword weight found in the title (best keyword per theme,
#: plus half of each further one).
_TITLE_BONUS = 1.0


# --- the taxonomy ---------------------------------------------------------------


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


@dataclass(frozen=True)
class Context:
    """Words that say a document is about the taxonomy's field at all, and how dense they must be."""

    words: tuple[str, ...]
    min_per_thousand: float

    @property
    def pattern(self) -> re.Pattern[str]:
        return _context_pattern(self.words)


@lru_cache(maxsize=4)
def _context_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _load_default(path: Path = TAXONOMY_FILE) -> tuple[dict[str, dict[str, float]], dict[str, str], Context]:
    """Read the built-in taxonomy file: (theme → keywords, theme → what it covers, education context)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data["themes"]
    taxonomy = validate_taxonomy({theme: entry["keywords"] for theme, entry in entries.items()})
    about = {theme.strip(): str(entry.get("about", "")) for theme, entry in entries.items()}
    context = Context(tuple(data["context"]["words"]), float(data["context"]["min_per_thousand"]))
    return taxonomy, about, context


DEFAULT_TAXONOMY, THEME_ABOUT, EDUCATION_CONTEXT = _load_default()
"""Default themes for education reports: theme -> {keyword or phrase: weight}, what
each covers, and the words that make a document an education document (the built-in
themes are given only to those). Edit ``searchapp/data/themes.yaml``, not this module."""


def taxonomy_markdown(taxonomy: Mapping[str, Mapping[str, float]] | None = None,
                      about: Mapping[str, str] | None = None) -> str:
    """The taxonomy as a Markdown table (theme, what it covers, keywords by weight), for docs/config.md."""
    taxonomy = DEFAULT_TAXONOMY if taxonomy is None else taxonomy
    about = THEME_ABOUT if about is None else about
    lines = ["| theme | covers | keywords (weight) |", "|---|---|---|"]
    for theme, keywords in taxonomy.items():
        ranked = sorted(keywords.items(), key=lambda kw: (-kw[1], kw[0]))
        shown = "、".join(f"{k} {w:g}" for k, w in ranked)
        lines.append(f"| {theme} | {about.get(theme, '')} | {shown} |")
    return "\n".join(lines)


# --- the matching input ---------------------------------------------------------------

# A pinyin gloss after a character: 学(xué), 汇报(bào). Lowercase letters with at
# least one tone mark or ü, so an ordinary "(abc)" or "(2019)" is kept.
# (The bracket comes first and the look-behind after it, so that the engine can skip
# ahead to brackets instead of trying the look-behind at every character.)
_GLOSS = re.compile(r"[(（](?<=[\u4e00-\u9fff][(（])[a-zü\u00e0-\u01dc\u0300-\u036f]{1,7}[)）]")
_TONE = re.compile(r"[\u00e0-\u01dc\u0300-\u036fü]")
# A site name: a few characters ending in 网/网站/文库 not followed by more Chinese.
_SITE_NAME = re.compile(r"[\u4e00-\u9fff]{2,8}(?:网站|网|文库|范文站)(?![\u4e00-\u9fff+])")
# Networks that end in 网 but are report vocabulary, not site names.
_NETWORK_WORDS = ("互联网", "局域网", "城域网", "校园网", "宽带网", "物联网", "电网", "光纤网", "因特网")
# Separators of list items: enumeration commas, spaces, bars and navigation arrows.
# Clause commas are not among them: prose is a run of short clauses too.
_LIST_SEP = re.compile(r"[、;；|｜/>»\s]+")
_CLAUSE_COMMA = re.compile(r"[,，]")
_LIST_MIN_ITEMS = 5
_LIST_MAX_MEDIAN = 12


def _strip_gloss(match: re.Match[str]) -> str:
    return "" if _TONE.search(match.group(0)) else match.group(0)


def _strip_site_name(match: re.Match[str]) -> str:
    return match.group(0) if match.group(0).endswith(_NETWORK_WORDS) else " "


def _is_list_line(line: str) -> bool:
    """An honour roll or a navigation trail: many short items and no sentence."""
    if "。" in line or line.rstrip().endswith((".", ";", "；")):
        return False
    items = [item for item in _LIST_SEP.split(line) if item]
    if len(items) < _LIST_MIN_ITEMS or len(_CLAUSE_COMMA.findall(line)) * 2 >= len(items):
        return False
    lengths = sorted(len(item) for item in items)
    return lengths[len(lengths) // 2] <= _LIST_MAX_MEDIAN


def matching_text(text: str) -> str:
    """The text that theme keywords are matched against.

    A local step of this module, independent of the cleaning stage: pinyin glosses
    removed, site names and list lines blanked (honour rolls and site furniture name
    topics the report is not about)."""
    text = _GLOSS.sub(_strip_gloss, text)
    return "\n".join("" if _is_list_line(line) else line for line in map(_without_site_names, text.split("\n")))


def _without_site_names(line: str) -> str:
    """Site names blanked in one line. A site name never spans lines, so line by line
    is the same as over the whole text, and only lines with one of the endings need
    the (backtracking) pattern at all."""
    if "网" in line or "文库" in line or "范文站" in line:
        return _SITE_NAME.sub(_strip_site_name, line)
    return line


# --- matching ---------------------------------------------------------------------------

_Key = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


def _freeze(taxonomy: Mapping[str, Mapping[str, float]]) -> _Key:
    """A hashable, order-independent form of a taxonomy, to cache its automaton by content."""
    return tuple(sorted((theme, tuple(sorted(kws.items()))) for theme, kws in taxonomy.items()))


#: The last taxonomy frozen: (the object, a copy of its contents, its key).
_LAST_FROZEN: tuple[Mapping[str, Mapping[str, float]], dict[str, dict[str, float]], _Key] | None = None


def _frozen(taxonomy: Mapping[str, Mapping[str, float]]) -> _Key:
    """:func:`_freeze`, remembered for the taxonomy of the previous call.

    Every document is scored with the same taxonomy, and freezing it (sorting
    every keyword) cost as much as the scoring of a short page. Comparing it with a
    copy of what was frozen last time is a C-level dict comparison, and a taxonomy
    changed in place no longer compares equal, so the key is never stale."""
    global _LAST_FROZEN
    last = _LAST_FROZEN
    if last is not None and last[0] is taxonomy and last[1] == taxonomy:
        return last[2]
    key = _freeze(taxonomy)
    _LAST_FROZEN = (taxonomy, {theme: dict(keywords) for theme, keywords in taxonomy.items()}, key)
    return key


_Values = tuple[tuple[str, float], ...]


class _KeywordIndex:
    """Every occurrence of every keyword in a text, overlapping ones included: what
    an Aho-Corasick automaton reports, found about three times faster.

    Keyword matches are sparse (a few dozen in a report of thousands of characters),
    and pyahocorasick walks its trie at about 95 ns a character. Here NumPy marks the
    positions whose first two characters begin some keyword (two table lookups per
    character, over the text as UTF-32), and only those few positions are checked in
    Python with ``str.startswith``. Characters outside the BMP are always candidates
    when a keyword has one there, so nothing is missed."""

    def __init__(self, entries: dict[str, _Values]):
        import numpy as np

        words = [w for w in entries if w]
        self.by_char: dict[str, list[tuple[str, _Values]]] = {}     # one-character keywords
        self.by_prefix: dict[str, list[tuple[str, _Values]]] = {}   # the others, by their first two characters
        for word in words:
            table = self.by_char if len(word) == 1 else self.by_prefix
            table.setdefault(word[:2], []).append((word, entries[word]))
        firsts = sorted({w[0] for w in words})
        seconds = sorted({w[1] for w in words if len(w) > 1})
        # Code point -> row (first character) or column (second one); 0 = no keyword.
        # The last row/column stands for every supplementary-plane character.
        self.first_id = np.zeros(0x10000, dtype=np.intp)
        self.second_id = np.zeros(0x10000, dtype=np.intp)
        for table, chars in ((self.first_id, firsts), (self.second_id, seconds)):
            for i, ch in enumerate(chars, start=1):
                if ord(ch) < 0x10000:
                    table[ord(ch)] = i
        self.pair = np.zeros((len(firsts) + 2, len(seconds) + 2), dtype=bool)
        self.single = np.zeros(len(firsts) + 2, dtype=bool)
        astral_row, astral_col = len(firsts) + 1, len(seconds) + 1
        row = {ch: (i if ord(ch) < 0x10000 else astral_row) for i, ch in enumerate(firsts, start=1)}
        col = {ch: (i if ord(ch) < 0x10000 else astral_col) for i, ch in enumerate(seconds, start=1)}
        for word in words:
            if len(word) == 1:
                self.single[row[word]] = True
            else:
                self.pair[row[word[0]], col[word[1]]] = True
        if any(ord(ch) >= 0x10000 for ch in firsts):    # unknown which: check them all
            self.pair[astral_row, :] |= self.pair.any(axis=0)
            self.single[astral_row] = self.single.any()
        if any(ord(ch) >= 0x10000 for ch in seconds):
            self.pair[:, astral_col] |= self.pair.any(axis=1)
        self.astral = (astral_row, astral_col)

    def iter(self, text: str):
        """``(start, keyword, values)`` for every occurrence, by start."""
        import numpy as np

        if not text:
            return
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        bmp = codes < 0x10000
        rows = np.where(bmp, self.first_id[codes & 0xFFFF], self.astral[0])
        cols = np.where(bmp, self.second_id[codes & 0xFFFF], self.astral[1])
        hit = self.single[rows]
        hit[:-1] |= self.pair[rows[:-1], cols[1:]]
        by_char, by_prefix = self.by_char, self.by_prefix
        startswith = text.startswith
        for start in np.flatnonzero(hit).tolist():
            for keyword, values in by_char.get(text[start], ()):
                yield start, keyword, values
            for keyword, values in by_prefix.get(text[start : start + 2], ()):
                if startswith(keyword, start):
                    yield start, keyword, values


@lru_cache(maxsize=16)
def _automaton(key: _Key) -> _KeywordIndex:
    """One matcher for all keywords; each keyword maps to ((theme, weight), ...)."""
    entries: dict[str, list[tuple[str, float]]] = {}
    for theme, keywords in key:
        for keyword, weight in keywords:
            entries.setdefault(keyword, []).append((theme, weight))
    return _KeywordIndex({keyword: tuple(values) for keyword, values in entries.items()})


# jieba segments each run of these characters on its own (its "han" blocks), so the
# words around a match are those of the run that holds it.
_JIEBA_BLOCK = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+")


class _WordBounds:
    """jieba's words around short keyword matches, segmenting only the runs that hold one."""

    def __init__(self, text: str):
        self.text = text
        self._runs: dict[int, tuple[int, list[tuple[int, int]]]] = {}  # run start -> (run end, words)
        # The runs' starts, sorted: a match finds its run by bisection instead of a
        # scan over every run segmented so far (quadratic on long reports). Runs
        # never overlap (maximal block runs, or one non-block character), so at most
        # one holds a position.
        self._starts: list[int] = []
        self._segmenter = None

    def _words_at(self, pos: int) -> list[tuple[int, int]]:
        k = bisect_right(self._starts, pos) - 1
        if k >= 0:
            run_end, words = self._runs[self._starts[k]]
            if pos < run_end:
                return words
        if self._segmenter is None:
            from searchapp.analysis import Segmenter

            self._segmenter = Segmenter()
        lo = pos
        while lo > 0 and _JIEBA_BLOCK.match(self.text, lo - 1, lo):
            lo -= 1
        run = _JIEBA_BLOCK.match(self.text, lo)
        hi = run.end() if run else pos + 1
        words = [(lo + a, lo + b) for _, a, b in self._segmenter.tokens(self.text[lo:hi])]
        if lo not in self._runs:
            insort(self._starts, lo)
        self._runs[lo] = (hi, words)
        return words

    def _word_of(self, pos: int) -> tuple[int, int]:
        for a, b in self._words_at(pos):
            if a <= pos < b:
                return a, b
        return pos, pos + 1

    def straddles(self, start: int, stop: int) -> bool:
        """Whether a word crosses an edge of ``text[start:stop]``: 保教 in 确保/教育 does;
        预算 in 年度预算 (inside one word) and 双减 in 双/减 (whole words) do not."""
        first_start, first_stop = self._word_of(start)
        last_start, last_stop = self._word_of(stop - 1)
        return (first_start < start and first_stop < stop) or (last_start > start and last_stop > stop)


def _theme_hits(text: str, automaton: _KeywordIndex) -> dict[str, dict[str, tuple[int, float]]]:
    """theme -> keyword -> (occurrences, weight), nested same-theme matches dropped."""
    spans: dict[str, list[tuple[int, int, str, float]]] = {}
    bounds = _WordBounds(text)
    for start, keyword, values in automaton.iter(text):
        stop = start + len(keyword)
        if len(keyword) <= _WORD_MATCH_MAX_LEN and bounds.straddles(start, stop):
            continue
        for theme, weight in values:
            spans.setdefault(theme, []).append((start, stop, keyword, weight))
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for theme, found in spans.items():
        found.sort(key=lambda s: (s[0], -s[1]))
        counts: dict[str, tuple[int, float]] = {}
        reach = -1
        for start, stop, keyword, weight in found:
            if stop <= reach:
                continue  # inside a longer keyword of the same theme that starts no later
            reach = stop
            n, _ = counts.get(keyword, (0, weight))
            counts[keyword] = (n + 1, weight)
        out[theme] = counts
    return out


# --- scoring -------------------------------------------------------------------------------


@dataclass
class ThemeEvidence:
    """Why a theme scored what it did for one document."""

    theme: str
    score: float
    keywords: dict[str, int] = field(default_factory=dict)      # body keyword -> occurrences
    title_keywords: list[str] = field(default_factory=list)
    specific: bool = False      # the evidence includes a strong keyword used as a topic
    assigned: bool = False

    def as_json(self) -> dict[str, object]:
        return {"score": self.score, "assigned": self.assigned, "keywords": self.keywords,
                "title": self.title_keywords}


def _is_about_education(body: str, length: int) -> bool:
    """Whether the built-in education themes apply: education words dense enough.

    Laws, news bulletins and government work reports on everything else use the
    taxonomy's ordinary words (维修, 预算, 卫生, 脱贫) without being education reports."""
    found = len(EDUCATION_CONTEXT.pattern.findall(body))
    return found >= EDUCATION_CONTEXT.min_per_thousand * max(length, 1) / 1000.0


def _title_bonus(weights: list[float]) -> float:
    ranked = sorted(weights, reverse=True)
    return _TITLE_BONUS * (ranked[0] + 0.5 * sum(ranked[1:])) if ranked else 0.0


def score_themes(
    text: str,
    taxonomy: Mapping[str, Mapping[str, float]] | None = None,
    *,
    title: str = "",
    max_themes: int = 3,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[ThemeEvidence]:
    """Every theme with any evidence in ``text``, best first, the assigned ones marked.

    ``text`` and ``title`` should be normalized (Simplified). Scores are rounded to
    3 places; ties are broken by theme name so the result is deterministic.
    """
    if not text:
        return []
    builtin = taxonomy is None or taxonomy is DEFAULT_TAXONOMY
    automaton = _automaton(_frozen(DEFAULT_TAXONOMY if taxonomy is None else taxonomy))
    body = matching_text(text)
    head = matching_text(title) if title else ""
    # Non-whitespace characters: str.split() splits on exactly what str.isspace() calls
    # whitespace, and counting the pieces' lengths is far cheaper than a loop per character.
    length = sum(map(len, body.split()))
    in_field = not builtin or _is_about_education(body, length)
    per_thousand = max(length, _MIN_LENGTH) / 1000.0
    body_hits = _theme_hits(body, automaton)
    title_hits = _theme_hits(head, automaton) if head else {}
    out: list[ThemeEvidence] = []
    for theme in sorted(set(body_hits) | set(title_hits)):
        found = body_hits.get(theme, {})
        in_title = title_hits.get(theme, {})
        weight = sum(n * w for n, w in found.values())
        score = weight / per_thousand + _title_bonus([w for _, w in in_title.values()])
        anchors = [k for k, (n, w) in found.items() if w >= ANCHOR_WEIGHT]
        titled = any(w >= ANCHOR_WEIGHT for _, w in in_title.values())
        hits = sum(n for n, _ in found.values())
        specific = bool(
            found
            and (hits >= _MIN_HITS or titled)
            and (any(found[k][0] >= 2 for k in anchors)
                 or (anchors and len(found) >= 2)
                 or any(n >= _REPEATED and w >= _REPEATED_MIN_WEIGHT for n, w in found.values())
                 or titled)
        )
        out.append(ThemeEvidence(theme=theme, score=round(score, 3),
                                 keywords={k: n for k, (n, _) in sorted(found.items(), key=lambda kv: -kv[1][0])},
                                 title_keywords=sorted(in_title), specific=specific))
    out.sort(key=lambda e: (-e.score, e.theme))
    if max_themes > 0 and in_field:
        qualified = [e for e in out if e.specific]
        top = qualified[0].score if qualified else 0.0
        kept = [e for e in qualified if e.score >= min_score and e.score >= top * _MIN_SHARE_OF_TOP]
        for e in kept[:max_themes]:
            e.assigned = True
    return out


def assign_themes(
    text: str,
    taxonomy: Mapping[str, Mapping[str, float]] | None = None,
    *,
    title: str = "",
    max_themes: int = 3,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[tuple[str, float]]:
    """The themes ``text`` is mainly about, as (theme, score), best first.

    ``taxonomy`` defaults to DEFAULT_TAXONOMY; pass a validated one from the
    config otherwise. See :func:`score_themes` for the evidence behind them.
    """
    return [(e.theme, e.score)
            for e in score_themes(text, taxonomy, title=title, max_themes=max_themes, min_score=min_score)
            if e.assigned]
