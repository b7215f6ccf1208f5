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
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from searchapp.engine import Columns, SearchIndex, Snapshot
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
NEAR_WINDOW = 100
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
    cached: bool = False

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


def _name_ids(names: list[str], value: str) -> np.ndarray:
    """Codes of the names a region filter value selects: the exact name, or names
    it begins (荔湾 → 荔湾区), so users need not type the suffix."""
    return np.array([k for k, n in enumerate(names) if n and (n == value or (len(value) >= 2 and n.startswith(value)))],
                    dtype=np.int32)


def _region_mask(cols: Columns, value: str) -> np.ndarray:
    value = value.strip().strip("/")
    if "/" in value:  # a path from the facet tree: 广东省/广州市/荔湾区
        mask = np.ones(cols.size, dtype=bool)
        for names, codes, part in zip((cols.province_names, cols.city_names, cols.district_names),
                                      (cols.province, cols.city, cols.district), value.split("/")):
            mask &= codes == (names.index(part) if part in names else -1)
        return mask
    mask = np.zeros(cols.size, dtype=bool)
    for names, codes in ((cols.province_names, cols.province), (cols.city_names, cols.city),
                         (cols.district_names, cols.district)):
        ids = _name_ids(names, value)
        if ids.size:
            mask |= np.isin(codes, ids)
    return mask


class _Filters:
    """The request's filters as boolean masks over docnums (one per facet)."""

    def __init__(self, cols: Columns, regions: list[str], years: list[str], themes: list[str], types: list[str]):
        self.cols = cols
        self.masks: dict[str, np.ndarray] = {}
        regions = [r for r in regions if r.strip()]
        ranges = _parse_years([y for y in years if str(y).strip()])
        themes = [t.strip() for t in themes if t.strip()]
        types = [t.strip() for t in types if t.strip()]
        if regions:
            mask = np.zeros(cols.size, dtype=bool)
            for r in regions:
                mask |= _region_mask(cols, r)
            self.masks["region"] = mask
        if ranges:
            mask = np.zeros(cols.size, dtype=bool)
            for lo, hi in ranges:
                mask |= (cols.year >= lo) & (cols.year <= hi) & (cols.year > 0)
            self.masks["year"] = mask
        if themes:
            idx = [cols.theme_names.index(t) for t in themes if t in cols.theme_names]
            self.masks["theme"] = cols.themes[:, idx].any(axis=1) if idx else np.zeros(cols.size, dtype=bool)
        if types:
            ids = [cols.type_names.index(t) for t in types if t in cols.type_names]
            self.masks["type"] = np.isin(cols.doctype, ids) if ids else np.zeros(cols.size, dtype=bool)

    def active(self) -> bool:
        return bool(self.masks)

    def apply(self, docs: np.ndarray, skip: str | None = None) -> np.ndarray:
        """The docnums of ``docs`` that pass every filter (but ``skip``'s)."""
        keep = np.ones(docs.size, dtype=bool)
        for name, mask in self.masks.items():
            if name != skip:
                keep &= mask[docs]
        return docs[keep]


def chunk_words(snap_index: SearchIndex, text: str) -> list[str]:
    """The required words of an unquoted chunk (jieba words, particles dropped)."""
    seg = snap_index.segmenter
    words = seg.words(text)
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))


class _Evaluator:
    """Turns the parsed tree into sorted docnum arrays with the exact channel."""

    def __init__(self, index: SearchIndex, snap: Snapshot):
        self.index = index
        self.snap = snap
        self.tf: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._words: dict[str, list[str]] = {}

    def words(self, text: str) -> list[str]:
        """:func:`chunk_words`, segmented once per query (matching, ranking and
        highlighting all ask)."""
        if text not in self._words:
            self._words[text] = chunk_words(self.index, text)
        return self._words[text]

    def find_tf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if text not in self.tf:
            self.tf[text] = self.snap.find_tf(text)
        return self.tf[text]

    def find(self, text: str) -> np.ndarray:
        return self.find_tf(text)[0]

    def eval(self, node: Node) -> np.ndarray:
        if isinstance(node, Phrase):
            return self.find(node.text)
        if isinstance(node, Plain):
            words = self.words(node.text) or [node.text]
            result = None
            for arr in sorted((self.find(w) for w in words), key=len):
                result = arr if result is None else np.intersect1d(result, arr, assume_unique=True)
                if result.size == 0:
                    break
            return result
        if isinstance(node, Not):
            return np.setdiff1d(self.snap.all_docs, self.eval(node.node), assume_unique=True)
        if isinstance(node, And):
            pos = [i for i in node.items if not isinstance(i, Not)]
            neg = [i.node for i in node.items if isinstance(i, Not)]
            result = self.snap.all_docs
            for item in sorted(pos, key=lambda i: 0 if isinstance(i, Phrase) else 1):
                result = np.intersect1d(result, self.eval(item), assume_unique=True)
                if result.size == 0:
                    return result
            for item in neg:
                result = np.setdiff1d(result, self.eval(item), assume_unique=True)
            return result
        if isinstance(node, OrNode):
            result = np.zeros(0, dtype=np.int64)
            for item in node.items:
                result = np.union1d(result, self.eval(item))
            return result
        raise TypeError(node)  # pragma: no cover


def _collapse(cols: Columns, docs: np.ndarray) -> np.ndarray:
    """Keep one document per near-duplicate cluster (the longest, then the smallest id)."""
    clusters = cols.cluster[docs]
    clustered = clusters >= 0
    if not clustered.any():
        return docs
    members = docs[clustered]
    order = np.lexsort((cols.id_rank[members], -cols.length[members], cols.cluster[members]))
    _, first = np.unique(cols.cluster[members[order]], return_index=True)
    keep = members[order][first]
    return np.sort(np.concatenate([docs[~clustered], keep]))


def _copies(snap: Snapshot, matched: np.ndarray, docnum: int) -> list[int]:
    """The other members of ``docnum``'s cluster among the matches."""
    cluster = snap.columns.cluster[docnum]
    if cluster < 0:
        return []
    same = matched[snap.columns.cluster[matched] == cluster]
    return [int(d) for d in same if d != docnum]


def _facets(snap: Snapshot, matched: np.ndarray, filters: _Filters, limit: int, collapse: bool) -> dict[str, Any]:
    """Counts per facet value over the matched documents and every *other* facet's
    filter (so choosing one value still shows the counts of its siblings), copies
    folded the same way as the results."""
    cols = snap.columns

    def docs_for(facet: str) -> np.ndarray:
        docs = filters.apply(matched, skip=facet) if filters.active() else matched
        return _collapse(cols, docs) if collapse else docs

    def counted(codes: np.ndarray, names: list[str]) -> list[tuple[str, int]]:
        counts = np.bincount(codes, minlength=len(names))
        pairs = [(names[k], int(n)) for k, n in enumerate(counts) if k and n]
        return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))

    region_docs = docs_for("region")
    prov, city, dist = cols.province[region_docs], cols.city[region_docs], cols.district[region_docs]

    def tree(level: int, mask: np.ndarray, prefix: str) -> list[dict[str, Any]]:
        codes, names = ((prov, cols.province_names), (city, cols.city_names), (dist, cols.district_names))[level]
        out = []
        for name, n in counted(codes[mask], names)[:limit]:
            child_mask = mask & (codes == names.index(name))
            children = tree(level + 1, child_mask, prefix + name + "/") if level < 2 else []
            out.append({"value": name, "path": prefix + name, "count": n, "children": children})
        return out

    year_docs = docs_for("year")
    years = np.bincount(cols.year[year_docs]) if year_docs.size else np.zeros(1, dtype=np.int64)
    theme_docs = docs_for("theme")
    theme_counts = cols.themes[theme_docs].sum(axis=0) if theme_docs.size else np.zeros(len(cols.theme_names))
    themes = sorted(((t, int(n)) for t, n in zip(cols.theme_names, theme_counts) if n),
                    key=lambda kv: (-kv[1], kv[0]))
    return {
        "region": tree(0, np.ones(region_docs.size, dtype=bool), ""),
        "year": [{"value": y, "count": int(years[y])} for y in range(years.size - 1, 0, -1) if years[y]][:limit],
        "theme": [{"value": t, "count": n} for t, n in themes[:limit]],
        "type": [{"value": t, "count": n} for t, n in counted(cols.doctype[docs_for("type")], cols.type_names)[:limit]],
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


def _near(text: bytes, words: list[bytes]) -> bool:
    """All ``words`` occur within about :data:`NEAR_CHARS` characters of one another
    (UTF-8 bytes: three per Chinese character; the text is never decoded)."""
    first, rest = words[0], words[1:]
    reach = NEAR_CHARS * 3
    start = text.find(first)
    while start != -1:
        window = text[max(0, start - reach):start + len(first) + reach]
        if all(w in window for w in rest):
            return True
        start = text.find(first, start + 1)
    return False


def _rank(index: SearchIndex, snap: Snapshot, ev: _Evaluator, parsed: ParsedQuery,
          docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted docnums ``docs`` ordered by score (best first), with their scores."""
    phrases, plains = positive_texts(parsed.tree)
    terms: list[str] = list(phrases)
    for text in plains:
        terms.extend(ev.words(text))
    scores = _bm25f(snap, ev, list(dict.fromkeys(terms)), docs, index.settings.search.title_boost)
    tiers = np.zeros(docs.size, dtype=np.float64)
    for text in plains:
        words = ev.words(text)
        if len(words) < 2:
            continue
        exact_docs, _ = ev.find_tf(text)
        exact = np.isin(docs, exact_docs, assume_unique=True)
        tiers += np.where(exact, EXACT_TIER, 0.0)
        # Proximity, for the best candidates that lack the exact phrase.
        others = np.flatnonzero(~exact)
        if others.size:
            best = others[np.argsort(-scores[others], kind="stable")[:NEAR_WINDOW]]
            encoded = [w.encode("utf-8") for w in words]
            for i in best.tolist():
                if _near(snap.normalized_bytes(int(docs[i])), encoded):
                    tiers[i] += NEAR_TIER
    scores += tiers
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order]


class ResultCache:
    """A small LRU of responses for one snapshot: a new commit empties it, so a cached
    answer is always the answer of the state the server currently serves."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, SearchResponse] = OrderedDict()
        self._snapshot: Snapshot | None = None

    def get(self, snap: Snapshot, key: tuple) -> SearchResponse | None:
        with self._lock:
            if self._snapshot is not snap:
                self._items.clear()
                self._snapshot = snap
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, snap: Snapshot, key: tuple, response: SearchResponse) -> None:
        with self._lock:
            if self._snapshot is not snap or not self.capacity:
                return
            self._items[key] = response
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)


def _cache_for(index: SearchIndex) -> ResultCache:
    cache = getattr(index, "_result_cache", None)
    if cache is None:
        cache = index._result_cache = ResultCache(index.settings.search.cache_size)
    return cache


def search(index: SearchIndex, request: SearchRequest) -> SearchResponse:
    """Run one search (or answer it from the cache of the current snapshot)."""
    t0 = time.perf_counter()
    snap = index.snapshot()
    cache = _cache_for(index)
    key = (request.q, tuple(request.regions), tuple(map(str, request.years)), tuple(request.themes),
           tuple(request.types), request.sort, request.page, request.size, request.snippets, request.facets,
           request.collapse)
    hit = cache.get(snap, key) if cache.capacity else None
    if hit is not None:
        return replace(hit, took_ms=round((time.perf_counter() - t0) * 1000, 2), cached=True)
    response = _search(index, snap, request, t0)
    cache.put(snap, key, response)
    return response


def _search(index: SearchIndex, snap: Snapshot, request: SearchRequest, t0: float) -> SearchResponse:
    """Parse, match exactly, filter, count facets, rank, page, highlight."""
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
        filters = _Filters(snap.columns, filter_values["region"], filter_values["year"], filter_values["theme"],
                           filter_values["type"])
    except QueryError as exc:
        if request.years:
            raise
        notes.append(f"{exc}；已忽略该条件")
        filter_values["year"] = []
        filters = _Filters(snap.columns, filter_values["region"], [], filter_values["theme"], filter_values["type"])
    ev = _Evaluator(index, snap)
    matched = ev.eval(parsed.tree) if parsed.tree is not None else snap.all_docs
    # Filters first, then copies folded: a copy that passes a filter is found even
    # when the copy that represents its group elsewhere does not pass.
    filtered = filters.apply(matched) if filters.active() else matched
    final = _collapse(snap.columns, filtered) if request.collapse else filtered
    facets = _facets(snap, matched, filters, settings.facet_limit, request.collapse) if request.facets else {}

    total = int(final.size)
    pages = max(1, -(-total // size))
    start = (request.page - 1) * size
    scored: list[tuple[int, float | None]] = []
    if start < total:
        if request.sort == "year":
            order = np.lexsort((final, -snap.columns.year[final]))
            scored = [(int(d), None) for d in final[order][start:start + size]]
        else:
            ranked, scores = _rank(index, snap, ev, parsed, final)
            scored = [(int(d), round(float(sc), 4))
                      for d, sc in zip(ranked[start:start + size], scores[start:start + size])]

    phrases, plains = positive_texts(parsed.tree)
    terms = list(dict.fromkeys(phrases + plains + [w for t in plains for w in ev.words(t)]))
    hits = []
    for docnum, score in scored:
        info = snap.docs[docnum]
        snips = make_snippets(snap.original_text(docnum), terms, n_snippets, settings.snippet_chars,
                              norm=snap.normalized(docnum)) if n_snippets else []
        dups = _copies(snap, filtered, docnum) if request.collapse else []
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
