"""The query layer: one function, :func:`search`, used by the CLI, the JSON API,
the pages and the widget.

Matching is exact and segmentation-independent: every quoted phrase, and every
word of an unquoted chunk (jieba splits the chunk into words), is looked up in
the text store's character-gram channel: a document matches 教师 when its text
contains 教师, whatever the segmenter did with that document.

Ranking is BM25F over those same terms: term frequencies come from the exact
channel (counted while matching), document lengths and titles from the
snapshot's columns, title matches boosted. Scoring is vectorized with NumPy over
the matched set, so a query that matches thousands of reports still costs a few
milliseconds. On top, tiers put documents that contain an unquoted chunk as an
exact phrase first, and documents with its words close together next (checked
within the best-scored window). Filters and facet counts come from the
snapshot's columns.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from searchapp.engine import DocInfo, SearchIndex, Snapshot
from searchapp.highlight import snippets as make_snippets
from searchapp.query_parse import And, Node, Not, Or as OrNode, ParsedQuery, Phrase, Plain, parse_query, positive_texts

SORTS = ("relevance", "year")
#: Score added to documents that contain an unquoted chunk as an exact phrase;
#: larger than any BM25F score, so they rank first.
EXACT_TIER = 1000.0
#: Score added when all words of a chunk occur within :data:`NEAR_CHARS` characters.
NEAR_TIER = 100.0
NEAR_CHARS = 12
#: Documents (best BM25F first, below the exact tier) checked for proximity.
NEAR_WINDOW = 300
#: BM25F parameters.
K1 = 1.2
B = 0.75
B_TITLE = 0.5
#: Particles dropped from the required words of an unquoted chunk (the exact
#: phrase tier still uses the whole chunk).
STOPWORDS = frozenset("的 了 和 与 及 在 是 对 等 之 其 为 把 被 并".split())
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*(?:-|–|~|到|至)\s*(\d{4})?\s*$")


class QueryError(ValueError):
    """A request parameter is invalid (the API answers 400 with this message)."""


@dataclass
class SearchRequest:
    q: str = ""
    regions: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)      # "2008", "2007-2010", "2007-"
    themes: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    size: int | None = None
    snippets: int | None = None
    facets: bool = True
    collapse: bool = True


@dataclass
class Hit:
    id: str
    path: str
    title: str
    region: dict[str, str | None]
    year: int | None
    themes: list[str]
    type: str | None
    score: float | None
    snippets: list[str]
    duplicates: int = 0
    duplicate_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResponse:
    query: str
    understood: str
    total: int
    took_ms: float
    page: int
    size: int
    pages: int
    sort: str
    hits: list[Hit]
    facets: dict[str, Any]
    filters: dict[str, list[str]]
    notes: list[str]
    terms: list[str]

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["hits"] = [h.to_dict() for h in self.hits]
        return d


def _parse_years(values: list[str]) -> list[tuple[int, int]]:
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


def _region_matches(info: DocInfo, value: str) -> bool:
    value = value.strip().strip("/")
    if "/" in value:
        path = "/".join(p for p in (info.province, info.city, info.district) if p)
        return path == value or path.startswith(value + "/")
    for name in (info.district, info.city, info.province):
        if name and (name == value or (len(value) >= 2 and name.startswith(value))):
            return True
    return False


class _Filters:
    def __init__(self, regions: list[str], years: list[str], themes: list[str], types: list[str]):
        self.regions = [r for r in regions if r.strip()]
        self.years = _parse_years([y for y in years if str(y).strip()])
        self.themes = set(t.strip() for t in themes if t.strip())
        self.types = set(t.strip() for t in types if t.strip())

    def ok(self, info: DocInfo, skip: str | None = None) -> bool:
        if self.regions and skip != "region" and not any(_region_matches(info, r) for r in self.regions):
            return False
        if self.years and skip != "year":
            if info.year is None or not any(lo <= info.year <= hi for lo, hi in self.years):
                return False
        if self.themes and skip != "theme" and not self.themes.intersection(info.themes):
            return False
        if self.types and skip != "type" and info.doctype not in self.types:
            return False
        return True

    def active(self) -> bool:
        return bool(self.regions or self.years or self.themes or self.types)


def chunk_words(snap_index: SearchIndex, text: str) -> list[str]:
    """The required words of an unquoted chunk (jieba words, particles dropped)."""
    seg = snap_index.segmenter
    words = seg.words(text)
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))


class _Evaluator:
    """Turns the parsed tree into a set of docnums with the exact channel."""

    def __init__(self, index: SearchIndex, snap: Snapshot):
        self.index = index
        self.snap = snap
        self.cache: dict[str, set[int]] = {}
        self.tf: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def find_tf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if text not in self.tf:
            self.tf[text] = self.snap.find_tf(text)
        return self.tf[text]

    def find(self, text: str) -> set[int]:
        if text not in self.cache:
            self.cache[text] = set(self.find_tf(text)[0].tolist())
        return self.cache[text]

    def eval(self, node: Node) -> set[int]:
        if isinstance(node, Phrase):
            return self.find(node.text)
        if isinstance(node, Plain):
            words = chunk_words(self.index, node.text) or [node.text]
            sets = sorted((self.find(w) for w in words), key=len)
            result = set(sets[0])
            for s in sets[1:]:
                result &= s
            return result
        if isinstance(node, Not):
            return set(self.snap.all) - self.eval(node.node)
        if isinstance(node, And):
            pos = [i for i in node.items if not isinstance(i, Not)]
            neg = [i.node for i in node.items if isinstance(i, Not)]
            result = set(self.snap.all)
            for item in sorted(pos, key=lambda i: 0 if isinstance(i, Phrase) else 1):
                result &= self.eval(item)
                if not result:
                    return result
            for item in neg:
                result -= self.eval(item)
            return result
        if isinstance(node, OrNode):
            result: set[int] = set()
            for item in node.items:
                result |= self.eval(item)
            return result
        raise TypeError(node)  # pragma: no cover


def _collapse(snap: Snapshot, docnums: set[int]) -> tuple[set[int], dict[int, list[int]]]:
    """Keep one document per near-duplicate cluster (the longest); remember the others."""
    groups: dict[str, list[int]] = {}
    for d in docnums:
        rep = snap.cluster_of.get(d)
        if rep is not None:
            groups.setdefault(rep, []).append(d)
    if not groups:
        return docnums, {}
    kept = set(docnums)
    copies: dict[int, list[int]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: (-snap.docs[d].length, d))
        keep, rest = members[0], members[1:]
        kept.difference_update(rest)
        copies[keep] = rest
    return kept, copies


def _facets(snap: Snapshot, matched: set[int], filters: _Filters, limit: int) -> dict[str, Any]:
    """Counts per facet value over the matched documents and every *other* facet's
    filter (so choosing one value still shows the counts of its siblings)."""
    docs = snap.docs
    per_facet: dict[str, set[int]] = {}
    for facet in ("region", "year", "theme", "type"):
        per_facet[facet] = {d for d in matched if filters.ok(docs[d], skip=facet)} if filters.active() else matched

    region: dict[str, Any] = {}
    for d in per_facet["region"]:
        info = docs[d]
        if not info.province:
            continue
        p = region.setdefault(info.province, {"count": 0, "children": {}})
        p["count"] += 1
        if info.city:
            c = p["children"].setdefault(info.city, {"count": 0, "children": {}})
            c["count"] += 1
            if info.district:
                dd = c["children"].setdefault(info.district, {"count": 0, "children": {}})
                dd["count"] += 1

    def tree(level: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
        items = sorted(level.items(), key=lambda kv: (-kv[1]["count"], kv[0]))[:limit]
        return [{"value": k, "path": prefix + k, "count": v["count"], "children": tree(v["children"], prefix + k + "/")}
                for k, v in items]

    def counts(facet: str, values_of) -> list[dict[str, Any]]:
        c: dict[Any, int] = {}
        for d in per_facet[facet]:
            for v in values_of(docs[d]):
                c[v] = c.get(v, 0) + 1
        return [{"value": k, "count": n} for k, n in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]]

    years = counts("year", lambda i: [i.year] if i.year is not None else [])
    years.sort(key=lambda x: -x["value"])
    return {
        "region": tree(region, ""),
        "year": years,
        "theme": counts("theme", lambda i: i.themes),
        "type": counts("type", lambda i: [i.doctype] if i.doctype else []),
    }


def _bm25f(snap: Snapshot, ev: _Evaluator, terms: list[str], docs: np.ndarray, title_boost: float) -> np.ndarray:
    """BM25F of ``terms`` for the sorted docnums ``docs`` (body and title fields)."""
    scores = np.zeros(docs.size, dtype=np.float64)
    if docs.size == 0:
        return scores
    n_docs = max(1, len(snap.docs))
    body_norm = 1 - B + B * snap.lengths[docs] / snap.avg_length
    titles = [snap.norm_titles[d] for d in docs.tolist()]
    title_norm = 1 - B_TITLE + B_TITLE * np.fromiter((len(t) for t in titles), np.float64, docs.size) / max(
        1.0, snap.avg_title)
    for term in terms:
        term_docs, term_tf = ev.find_tf(term)
        if term_docs.size == 0:
            continue
        idf = np.log(1 + (n_docs - term_docs.size + 0.5) / (term_docs.size + 0.5))
        pos = np.searchsorted(term_docs, docs)
        pos[pos >= term_docs.size] = 0
        present = term_docs[pos] == docs
        tf = np.where(present, term_tf[pos], 0).astype(np.float64)
        title_tf = np.fromiter((t.count(term) for t in titles), np.float64, docs.size)
        weighted = tf / body_norm + title_boost * title_tf / title_norm
        scores += idf * weighted * (K1 + 1) / (weighted + K1)
    return scores


def _near(text: str, words: list[str]) -> bool:
    """All ``words`` occur within :data:`NEAR_CHARS` characters of one another."""
    first, rest = words[0], words[1:]
    start = text.find(first)
    while start != -1:
        lo, hi = max(0, start - NEAR_CHARS), start + len(first) + NEAR_CHARS
        window = text[lo:hi]
        if all(w in window for w in rest):
            return True
        start = text.find(first, start + 1)
    return False


def _rank(index: SearchIndex, snap: Snapshot, ev: _Evaluator, parsed: ParsedQuery,
          final: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """Final docnums ordered by score (best first), with their scores."""
    docs = np.fromiter(sorted(final), dtype=np.int64, count=len(final))
    phrases, plains = positive_texts(parsed.tree)
    terms: list[str] = list(phrases)
    for text in plains:
        terms.extend(chunk_words(index, text))
    scores = _bm25f(snap, ev, list(dict.fromkeys(terms)), docs, index.settings.search.title_boost)
    tiers = np.zeros(docs.size, dtype=np.float64)
    for text in plains:
        words = chunk_words(index, text)
        if len(words) < 2:
            continue
        exact_docs, _ = ev.find_tf(text)
        exact = np.isin(docs, exact_docs, assume_unique=True)
        tiers += np.where(exact, EXACT_TIER, 0.0)
        # Proximity, for the best candidates that lack the exact phrase.
        others = np.flatnonzero(~exact)
        if others.size:
            best = others[np.argsort(-scores[others], kind="stable")[:NEAR_WINDOW]]
            for i in best.tolist():
                if _near(snap.store.normalized_text(snap.docs[int(docs[i])].key), words):
                    tiers[i] += NEAR_TIER
    scores += tiers
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order]


def search(index: SearchIndex, request: SearchRequest) -> SearchResponse:
    """Run one search: parse, match exactly, filter, count facets, rank, page, highlight."""
    t0 = time.perf_counter()
    settings = index.settings.search
    if request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got '{request.sort}'")
    size = settings.page_size if request.size is None else request.size
    if not 1 <= size <= settings.max_page_size:
        raise QueryError(f"size must be between 1 and {settings.max_page_size}, got {size}")
    if request.page < 1:
        raise QueryError(f"page must be 1 or more, got {request.page}")
    n_snippets = settings.snippets if request.snippets is None else max(0, min(request.snippets, 10))

    q = request.q or ""
    notes: list[str] = []
    if len(q) > settings.max_query_chars:
        q = q[:settings.max_query_chars]
        notes.append(f"查询过长，只使用了前 {settings.max_query_chars} 个字符")
    parsed = parse_query(q)
    notes.extend(parsed.notes)
    filter_values = {
        "region": list(request.regions) + parsed.filters.get("region", []),
        "year": [str(y) for y in request.years] + parsed.filters.get("year", []),
        "theme": list(request.themes) + parsed.filters.get("theme", []),
        "type": list(request.types) + parsed.filters.get("type", []),
    }
    try:
        filters = _Filters(filter_values["region"], filter_values["year"], filter_values["theme"],
                           filter_values["type"])
    except QueryError as exc:
        if request.years:
            raise
        notes.append(f"{exc}；已忽略该条件")
        filter_values["year"] = []
        filters = _Filters(filter_values["region"], [], filter_values["theme"], filter_values["type"])

    snap = index.snapshot()
    ev = _Evaluator(index, snap)
    matched = ev.eval(parsed.tree) if parsed.tree is not None else set(snap.all)
    copies: dict[int, list[int]] = {}
    if request.collapse:
        matched, copies = _collapse(snap, matched)
    final = {d for d in matched if filters.ok(snap.docs[d])} if filters.active() else matched
    facets = _facets(snap, matched, filters, settings.facet_limit) if request.facets else {}

    total = len(final)
    pages = max(1, -(-total // size))
    start = (request.page - 1) * size
    scored: list[tuple[int, float | None]] = []
    if start < total:
        if request.sort == "year":
            order = sorted(final, key=lambda d: (-(snap.docs[d].year or 0), d))
            scored = [(d, None) for d in order[start:start + size]]
        else:
            ranked, scores = _rank(index, snap, ev, parsed, final)
            scored = [(int(d), round(float(sc), 4))
                      for d, sc in zip(ranked[start:start + size], scores[start:start + size])]

    phrases, plains = positive_texts(parsed.tree)
    terms = list(dict.fromkeys(phrases + plains + [w for t in plains for w in chunk_words(index, t)]))
    hits = []
    for docnum, score in scored:
        info = snap.docs[docnum]
        snips = make_snippets(snap.original_text(docnum), terms, n_snippets, settings.snippet_chars,
                              norm=snap.normalized(docnum)) if n_snippets else []
        dups = copies.get(docnum, [])
        hits.append(Hit(
            id=info.id, path=info.path, title=info.title,
            region={"province": info.province or None, "city": info.city or None, "district": info.district or None},
            year=info.year, themes=list(info.themes), type=info.doctype or None, score=score, snippets=snips,
            duplicates=len(dups), duplicate_ids=[snap.docs[d].id for d in dups]))
    return SearchResponse(
        query=request.q, understood=parsed.describe(), total=total,
        took_ms=round((time.perf_counter() - t0) * 1000, 2), page=request.page, size=size, pages=pages,
        sort=request.sort, hits=hits, facets=facets,
        filters={k: v for k, v in filter_values.items() if v}, notes=notes, terms=terms)


def get_document(index: SearchIndex, doc_id: str, q: str = "") -> dict[str, Any] | None:
    """A document with metadata, its full original text highlighted for ``q``."""
    from searchapp.highlight import highlight_all

    snap = index.snapshot()
    docnum = snap.by_id.get(doc_id)
    if docnum is None:
        return None
    info = snap.docs[docnum]
    text = snap.original_text(docnum)
    parsed = parse_query(q[: index.settings.search.max_query_chars]) if q else None
    terms: list[str] = []
    if parsed is not None:
        phrases, plains = positive_texts(parsed.tree)
        terms = list(dict.fromkeys(phrases + plains + [w for t in plains for w in chunk_words(index, t)]))
    html, count = highlight_all(text, terms)
    copies = [snap.docs[d].id for d, rep in snap.cluster_of.items()
              if rep == snap.cluster_of.get(docnum) and d != docnum]
    return {
        "id": info.id, "path": info.path, "source": info.source, "title": info.title,
        "region": {"province": info.province or None, "city": info.city or None, "district": info.district or None},
        "year": info.year, "themes": list(info.themes), "type": info.doctype or None,
        "encoding": info.encoding, "length": info.length, "evidence": info.meta.get("evidence", {}),
        "text": text, "html": html, "matches": count, "terms": terms, "duplicate_ids": copies,
    }
