"""From a :class:`~searchapp.model.SearchRequest` to a checked, analysed
:class:`~searchapp.backend.base.Plan`: parameters validated, the query parsed,
filters from the request and from the query text merged, every unquoted chunk
split into the words it requires, the terms to highlight listed.

This is the only place that knows the rules of a request, so every backend gets
the same plan for the same request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from searchapp.analysis import Segmenter
from searchapp.backend.base import Plan, Slot
from searchapp.config import SearchSettings
from searchapp.model import FACET_BY_NAME, FACETS, SORTS, QueryError, SearchRequest
from searchapp.query.parse import ParsedQuery, Plain, parse_query, positive_texts
from searchapp.query.synonyms import Synonyms, load_synonyms

#: Particles dropped from the required words of an unquoted chunk (the phrase
#: boost still uses the whole chunk).
STOPWORDS = frozenset("的 了 和 与 及 在 是 对 等 之 其 为 把 被 并".split())
#: Synonyms listed in the response's note (「也搜索了：…」); more are searched, not listed.
MAX_SYNONYMS_SHOWN = 8
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*(?:-|–|~|到|至)\s*(\d{4})?\s*$")


def parse_years(values: list[str]) -> list[tuple[int, int]]:
    """``2008``, ``2007-2010``, ``2007-``, ``-2010`` → inclusive ranges."""
    ranges = []
    for v in values:
        v = str(v).strip()
        if re.fullmatch(r"\d{4}", v):
            ranges.append((int(v), int(v)))
            continue
        m = _YEAR_RANGE.match(v)
        if not m or not (m.group(1) or m.group(2)):
            raise QueryError(f"year filter '{v}' is not a year (2008) or a range (2007-2010)")
        lo = int(m.group(1)) if m.group(1) else 0
        hi = int(m.group(2)) if m.group(2) else 9999
        if lo > hi:
            lo, hi = hi, lo
        ranges.append((lo, hi))
    return ranges


def chunk_words(segmenter: Segmenter, text: str) -> list[str]:
    """The required words of an unquoted chunk (jieba words, particles dropped)."""
    words = segmenter.words(text)
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))


def tile(word: str, subs: list[str]) -> tuple[str, ...]:
    """The fewest of ``subs`` that spell ``word`` end to end without overlapping
    (中华人民共和国 → 中华, 人民, 共和国); () when they cannot or when one would do."""
    best: dict[int, tuple[str, ...]] = {0: ()}
    for i in range(len(word)):
        if i not in best:
            continue
        for sub in subs:
            if 1 < len(sub) < len(word) and word.startswith(sub, i):
                cand = best[i] + (sub,)
                j = i + len(sub)
                if j not in best or len(cand) < len(best[j]):
                    best[j] = cand
    found = best.get(len(word), ())
    return found if len(found) >= 2 else ()


def synonyms_for(settings: SearchSettings) -> Synonyms:
    """The synonym table the settings name ('' turns synonyms off; None is the bundled file)."""
    if settings.synonyms == "":
        return Synonyms()
    return load_synonyms(settings.synonyms)


def chunk_slots(segmenter: Segmenter, text: str, settings: SearchSettings,
                synonyms: Synonyms | None = None) -> tuple[Slot, ...]:
    """What the unquoted chunk ``text`` requires, slot by slot.

    Each word (particles dropped) is a slot that its parts may also satisfy: a
    dictionary word that jieba's search mode splits into sub-words (校园安全 → 校园,
    安全) is found in a report that has both parts but not the whole word, and ranks
    below the reports that have it. A stretch of the chunk that is a synonym key
    (on word boundaries, longest first) becomes one slot with the table's synonyms;
    a key of several words keeps them as slots of their own, so 残疾学生 is satisfied
    by 残疾 … 学生 (scored as the words are) or by 身心障碍学生.
    """
    tokens = [(w, a, b) for w, a, b in segmenter.tokens(text)]
    kept = [t for t in tokens if t[0] not in STOPWORDS] or tokens
    bounds = {0, len(text)} | {a for _, a, _ in tokens} | {b for _, _, b in tokens}
    spans = synonyms.spans(text, bounds) if synonyms else []
    slots: list[Slot] = []
    seen: set[str] = set()
    weights = {"part_weight": settings.part_weight, "synonym_weight": settings.synonym_weight}
    for word, a, b in kept:
        span = next((s for s in spans if s.start <= a and b <= s.end), None)
        if span is not None:
            if span.key in seen:
                continue
            inner = list(dict.fromkeys(w for w, x, y in kept if span.start <= x and y <= span.end))
            if len(inner) > 1:
                words = tuple(Slot(w, tile(w, segmenter.sub_words(w)), (), **weights) for w in inner)
                slots.append(Slot(span.key, (), span.synonyms, words=words, **weights))
            else:
                slots.append(Slot(span.key, tile(span.key, segmenter.sub_words(span.key)), span.synonyms, **weights))
            seen.add(span.key)
        elif word not in seen:
            slots.append(Slot(word, tile(word, segmenter.sub_words(word)), (), **weights))
            seen.add(word)
    if not slots and text:
        slots.append(Slot(text, (), (), **weights))
    return tuple(slots)


def _plains(node: Any) -> list[str]:
    """Every unquoted chunk of the tree, under a NOT too (it is matched as well)."""
    if node is None:
        return []
    if isinstance(node, Plain):
        return [node.text]
    inner = getattr(node, "items", None)
    if inner is not None:
        return [t for item in inner for t in _plains(item)]
    child = getattr(node, "node", None)
    return _plains(child)


@dataclass
class Planned:
    """A plan and what the response reports about it."""

    plan: Plan
    parsed: ParsedQuery
    size: int
    snippets: int
    filters: dict[str, list[str]]            # facet → the values as given (for the response)
    notes: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def _clean_values(facet: str, values: list[Any]) -> list[Any]:
    if FACET_BY_NAME[facet].kind == "tree":
        return [v for v in values if str(v).strip()]
    return [str(v).strip() for v in values if str(v).strip()]


def make_plan(request: SearchRequest, settings: SearchSettings, segmenter: Segmenter,
              synonyms: Synonyms | None = None) -> Planned:
    """Check ``request`` and turn it into a plan. Raises :class:`QueryError` for a
    parameter that cannot be used (the API answers 400). ``synonyms`` defaults to
    the table the settings name; ``request.synonyms`` False leaves them out."""
    if request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got '{request.sort}'")
    size = settings.page_size if request.size is None else request.size
    if not 1 <= size <= settings.max_page_size:
        raise QueryError(f"size must be between 1 and {settings.max_page_size}, got {size}")
    if request.page < 1:
        raise QueryError(f"page must be 1 or more, got {request.page}")
    unknown = [name for name in request.filters if name not in FACET_BY_NAME]
    if unknown:
        raise QueryError(f"unknown filter {unknown[0]!r}; filters are {', '.join(FACET_BY_NAME)}")
    n_snippets = settings.snippets if request.snippets is None else max(0, min(request.snippets, 10))

    q = request.q or ""
    notes: list[str] = []
    if len(q) > settings.max_query_chars:
        q = q[:settings.max_query_chars]
        notes.append(f"查询过长，只使用了前 {settings.max_query_chars} 个字符")
    parsed = parse_query(q)
    notes.extend(parsed.notes)
    given: dict[str, list[str]] = {}
    for facet in FACETS:
        values = [str(v) for v in request.filters.get(facet.name, [])] + parsed.filters.get(facet.name, [])
        given[facet.name] = _clean_values(facet.name, values)
    filters: dict[str, list[Any]] = {name: list(values) for name, values in given.items() if values}
    if "year" in filters:
        for value in filters["year"]:
            m = _YEAR_RANGE.match(str(value))
            if m and m.group(1) and m.group(2) and int(m.group(1)) > int(m.group(2)):
                notes.append(f"年份范围「{value.strip()}」起止颠倒，已按 {m.group(2)}-{m.group(1)} 搜索")
        try:
            filters["year"] = parse_years(filters["year"])
        except QueryError as exc:
            if any(str(y).strip() for y in request.filters.get("year", [])):
                raise
            notes.append(f"{exc}；已忽略该条件")  # a typo inside the query text is not fatal
            del filters["year"]
            given["year"] = []

    words = {text: chunk_words(segmenter, text) for text in _plains(parsed.tree)}
    table = synonyms if synonyms is not None else synonyms_for(settings)
    slots = {text: chunk_slots(segmenter, text, settings, table if request.synonyms else None) for text in words}
    phrases, plains = positive_texts(parsed.tree)
    expanded = [alt for t in plains for slot in slots.get(t, ()) for alt in (*slot.synonyms, *slot.parts)]
    terms = list(dict.fromkeys(phrases + plains + [w for t in plains for w in words.get(t, [])] + expanded))
    also = list(dict.fromkeys(syn for t in plains for slot in slots.get(t, ()) for syn in slot.synonyms))
    if also:
        shown = "、".join(also[:MAX_SYNONYMS_SHOWN]) + ("等" if len(also) > MAX_SYNONYMS_SHOWN else "")
        notes.append(f"也搜索了：{shown}")
    plan = Plan(tree=parsed.tree, words=words, filters=filters, sort=request.sort,
                offset=(request.page - 1) * size, limit=size, facets=request.facets,
                facet_limit=settings.facet_limit, collapse=request.collapse, explain=request.explain,
                slots=slots, partial_below=settings.partial_below)
    return Planned(plan=plan, parsed=parsed, size=size, snippets=n_snippets,
                   filters={k: v for k, v in given.items() if v}, notes=notes, terms=terms)


def highlight_terms(q: str, settings: SearchSettings, segmenter: Segmenter) -> list[str]:
    """The terms a document page marks for the query ``q``."""
    if not q:
        return []
    parsed = parse_query(q[:settings.max_query_chars])
    phrases, plains = positive_texts(parsed.tree)
    return list(dict.fromkeys(phrases + plains + [w for t in plains for w in chunk_words(segmenter, t)]))
