"""Executing a plan on a local snapshot: exact matching, filters, folding copies,
facet counts and ranking, all over NumPy arrays of docnums.

Matching is exact and segmentation-independent: every quoted phrase, and every
word of an unquoted chunk (the plan carries the chunk's words), is looked up in
the text store's character-gram channel: a document matches 教师 when its text
contains 教师, whatever the segmenter did with that document.

An unquoted chunk is matched slot by slot (:class:`~searchapp.backend.base.Slot`):
a slot is satisfied by its word, by all of its parts (a dictionary word's
sub-words; the word itself contains them, so "all parts" is the whole test), or by
any of its synonyms. Quoted phrases are never widened.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Hashable

import numpy as np

from searchapp.backend.base import Matches, Plan, RankedHit, Slot
from searchapp.backend.local import ranking, topk
from searchapp.backend.local.copies import fold_groups
from searchapp.backend.local.snapshot import Columns, FacetColumn, Snapshot
from searchapp.backend.local.textstore import query_grams as textstore_grams
from searchapp.model import FACETS
from searchapp.query.parse import And, Node, Not, Or, Phrase, Plain, positive_texts


#: A term that only ranking asks for (the chunk as a phrase, a word matched through its
#: parts) with at least this many candidates (documents holding all its bigrams) is looked up
#: lazily: which documents contain it, at once (its document frequency is exact), how often
#: only for the documents that can still reach the page (:func:`ranking.rank`). Below it,
#: counting every candidate costs less than the bookkeeping.
LAZY_CANDIDATES = 1500


class LazyTf:
    """A term's documents, exactly, with an upper bound of its frequency in each (its
    bigrams' smallest count); the exact frequency is counted for the documents asked.

    Presence is checked in place with a search that stops at the first occurrence, the
    count (a scan of the whole document) only where the ranking needs it: for a common
    phrase most of the verifying cost."""

    def __init__(self, docs: np.ndarray, bound: np.ndarray, segs: np.ndarray, ords: np.ndarray,
                 store_segments: list[Any], needle: bytes):
        self.docs = docs                    # sorted live docnums holding the term
        self.bound = bound                  # per doc: upper bound of the count (>= 1)
        self._segs = segs                   # per doc: its store segment and ordinal
        self._ords = ords
        self._segments = store_segments
        self._needle = needle

    def counts(self, at: np.ndarray) -> np.ndarray:
        """Exact occurrences in the documents at positions ``at`` of :attr:`docs`."""
        out = np.zeros(at.size, dtype=np.int64)
        segs = self._segs[at]
        for si in np.unique(segs).tolist():
            rows = np.flatnonzero(segs == si)
            out[rows] = self._segments[si].count_each(self._ords[at[rows]], self._needle,
                                                      bounds=self.bound[at[rows]].astype(np.uint8))
        return out


class Evaluator:
    """Turns the parsed tree into sorted docnum arrays with the exact channel, each
    term looked up once per query (matching and ranking both ask)."""

    def __init__(self, snap: Snapshot, words: dict[str, list[str]], slots: dict[str, tuple[Slot, ...]] | None = None):
        self.snap = snap
        self.words = words
        self.slots = slots or {}
        self.tf: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lazy: dict[str, LazyTf] = {}

    def chunk_slots(self, text: str) -> tuple[Slot, ...]:
        """The chunk's slots from the plan, else its words required literally."""
        return self.slots.get(text) or tuple(Slot(w) for w in (self.words.get(text) or [text]))

    def slot_docs(self, slot: Slot) -> np.ndarray:
        """Documents that contain the slot's word (or all its words), or all its parts, or a synonym."""
        if slot.words:
            result = None
            for arr in sorted((self.slot_docs(w) for w in slot.words), key=len):
                result = arr if result is None else np.intersect1d(result, arr, assume_unique=True)
                if result.size == 0:
                    break
            assert result is not None
        elif slot.parts:
            result = None
            for arr in sorted((self.find(p) for p in slot.parts), key=len):
                result = arr if result is None else np.intersect1d(result, arr, assume_unique=True)
                if result.size == 0:
                    break
            assert result is not None
        else:
            result = self.find(slot.word)
        for syn in slot.synonyms:
            result = np.union1d(result, self.find(syn))
        return result

    def find_tf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if text not in self.tf:
            self.tf[text] = self.snap.find_tf(text)
        return self.tf[text]

    def find(self, text: str) -> np.ndarray:
        """The documents that contain ``text`` (matching needs no counts: a common phrase
        is only checked for presence, and counted later where the ranking asks)."""
        got = self.lazy_tf(text)
        return got[0] if isinstance(got, tuple) else got.docs

    def lazy_tf(self, text: str) -> LazyTf | tuple[np.ndarray, np.ndarray]:
        """The term's exact (docnums, counts) when already known or cheap to count, else
        a :class:`LazyTf` (its documents exact, its counts on demand)."""
        if text in self.tf or len(text) <= 2:
            return self.find_tf(text)
        if text in self.lazy:
            return self.lazy[text]
        store = self.snap.store
        grams = textstore_grams(text)
        found = [seg.candidates(grams) for seg in store.segments]
        needle = text.encode("utf-8")
        maps = self.snap.docnum_of  # per store segment: ordinal → docnum (-1: not live)
        if sum(int(ords.size) for ords, _ in found) < LAZY_CANDIDATES:
            # Few candidates: count them all now (as Snapshot.find_tf would, from the same
            # candidates rather than looking them up a second time).
            per_segment = []
            for seg, (ords, bound) in zip(store.segments, found):
                exact = seg.count_each(ords, needle, bounds=bound) if ords.size else np.zeros(0, np.int32)
                keep = exact > 0
                per_segment.append((ords[keep], exact[keep]))
            self.tf[text] = self.snap.live_hits(per_segment)
            return self.tf[text]
        parts: list[tuple[np.ndarray, ...]] = []
        for si, (seg, (ords, bound), docnum_of) in enumerate(zip(store.segments, found, maps)):
            if not ords.size:
                continue
            # A bound of 1 asks for presence only: a search in place that stops at the first occurrence.
            present = seg.count_each(ords, needle, bounds=np.ones(ords.size, dtype=np.uint8)) > 0
            ords, bound = ords[present], bound[present]
            docnums = docnum_of[ords]
            live = docnums >= 0
            parts.append((docnums[live], bound[live].astype(np.int64), np.full(int(live.sum()), si), ords[live]))
        if not parts:
            self.tf[text] = (np.zeros(0, np.int64), np.zeros(0, np.int32))
            return self.tf[text]
        docs, bound, segs, ords = (np.concatenate(col) for col in zip(*parts))
        order = np.argsort(docs, kind="stable")
        found_lazy = self.lazy[text] = LazyTf(docs[order], bound[order], segs[order], ords[order], store.segments,
                                              needle)
        return found_lazy

    def eval(self, node: Node) -> np.ndarray:
        if isinstance(node, Phrase):
            return self.find(node.text)
        if isinstance(node, Plain):
            result = None
            for arr in sorted((self.slot_docs(s) for s in self.chunk_slots(node.text)), key=len):
                result = arr if result is None else np.intersect1d(result, arr, assume_unique=True)
                if result.size == 0:
                    break
            assert result is not None
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
        if isinstance(node, Or):
            result = np.zeros(0, dtype=np.int64)
            for item in node.items:
                result = np.union1d(result, self.eval(item))
            return result
        raise TypeError(node)  # pragma: no cover


#: The recall fallback of a query of several words (reports holding most of its words, not
#: all) runs when the strict match (every word required) finds fewer documents than this.
#: Measured on the judged set, a low bound (30, 100) helps only queries that find almost
#: nothing; up to 1,000 it also lets a report devoted to one concept of a two-concept query
#: that never uses the other, weaker word (教育经费 without 投入) compete on its score. Above
#: it the full matches fill the first pages anyway, and the fallback's cost is saved.


def _conjuncts(tree: Node | None) -> tuple[list[Plain], list[Phrase], list[Node]] | None:
    """The unquoted chunks, quoted phrases and negated parts of a plain conjunctive query
    (``A B "C" -D``); None for anything else (an OR, nesting), which keeps its exact meaning."""
    if isinstance(tree, Plain):
        return [tree], [], []
    if not isinstance(tree, And):
        return None
    plains: list[Plain] = []
    phrases: list[Phrase] = []
    negs: list[Node] = []
    for item in tree.items:
        if isinstance(item, Plain):
            plains.append(item)
        elif isinstance(item, Phrase):
            phrases.append(item)
        elif isinstance(item, Not):
            negs.append(item.node)
        else:
            return None
    return plains, phrases, negs


def units_needed(n: int) -> int:
    """How many of a query's ``n`` word units a partial match must hold: one of two,
    two of three, then more than half."""
    return 1 if n <= 2 else n // 2 + 1


def partial_matches(ev: Evaluator, tree: Node | None) -> np.ndarray:
    """Documents that hold most, but not all, of the words of a plain query: the recall
    fallback. A user who types 贫困学生 补助 also wants the 助学 rules that say 贫困学生
    and 补助金 apart from each other, or only two of the three words; every word required
    finds nothing of that. Quoted phrases stay required (and exact), negated parts stay
    excluded, and each unit is matched as strictly as the full match does (its word, all its
    parts, or a synonym). Empty when the query has fewer than two units or is not a plain
    conjunction."""
    shape = _conjuncts(tree)
    if shape is None:
        return np.zeros(0, dtype=np.int64)
    plains, phrases, negs = shape
    units: list[np.ndarray] = []
    for node in plains:
        for slot in ev.chunk_slots(node.text):
            if slot.words:
                shared = np.zeros(0, dtype=np.int64)
                for syn in slot.synonyms:
                    shared = np.union1d(shared, ev.find(syn))
                units.extend(np.union1d(ev.slot_docs(w), shared) for w in slot.words)
            else:
                units.append(ev.slot_docs(slot))
    if len(units) < 2:
        return np.zeros(0, dtype=np.int64)
    size = 1 + max(int(a.max()) for a in (*units, ev.snap.all_docs) if a.size) if any(a.size for a in units) else 0
    counts = np.zeros(size, dtype=np.int32)
    for arr in units:
        counts[arr] += 1
    found = np.flatnonzero((counts >= units_needed(len(units))) & (counts < len(units))).astype(np.int64)
    found = np.intersect1d(found, ev.snap.all_docs, assume_unique=True)
    for ph in phrases:
        found = np.intersect1d(found, ev.find(ph.text), assume_unique=True)
    for neg in negs:
        found = np.setdiff1d(found, ev.eval(neg), assume_unique=True)
    return found


def _name_ids(names: list[str], value: str) -> np.ndarray:
    """Codes of the names a tree filter value selects: the exact name, or names it
    begins (荔湾 → 荔湾区), so users need not type the suffix."""
    return np.array([k for k, n in enumerate(names) if n and (n == value or (len(value) >= 2 and n.startswith(value)))],
                    dtype=np.int32)


def _tree_mask(col: FacetColumn, size: int, value: str) -> np.ndarray:
    value = value.strip().strip("/")
    if "/" in value:  # a path from the facet tree: 广东省/广州市/荔湾区
        mask = np.ones(size, dtype=bool)
        for (names, codes), part in zip(col.levels, value.split("/")):
            mask &= codes == (names.index(part) if part in names else -1)
        return mask
    mask = np.zeros(size, dtype=bool)
    for names, codes in col.levels:
        ids = _name_ids(names, value)
        if ids.size:
            mask |= np.isin(codes, ids)
    return mask


def facet_mask(col: FacetColumn, size: int, values: list[Any]) -> np.ndarray:
    """Documents with any of ``values`` (OR within a facet)."""
    kind = col.facet.kind
    mask = np.zeros(size, dtype=bool)
    if kind == "tree":
        for v in values:
            mask |= _tree_mask(col, size, v)
    elif kind == "range":
        assert col.values is not None
        for lo, hi in values:
            mask |= (col.values >= lo) & (col.values <= hi) & (col.values > 0)
    elif kind == "multi":
        assert col.matrix is not None
        idx = [col.names.index(v) for v in values if v in col.names]
        if idx:
            mask = col.matrix[:, idx].any(axis=1)
    else:
        names, codes = col.levels[0]
        ids = [names.index(v) for v in values if v in names and v]
        if ids:
            mask = np.isin(codes, ids)
    return mask


def _hashable(value: Any) -> Hashable:
    """A filter value as a dict key (a year range arrives as a list or a tuple)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


class _TreePaths:
    """A tree facet's paths, numbered once per snapshot: per depth, every document's
    path prefix as one integer (0: the prefix has an unknown level), so counting a
    depth is one ``np.bincount`` instead of sorting the matches' rows of codes."""

    def __init__(self, col: FacetColumn, size: int):
        #: Per depth: (prefix id per docnum, the paths in id order - 1; lexicographic by code).
        self.depths: list[tuple[np.ndarray, list[tuple[str, ...]]]] = []
        known = np.ones(size, dtype=bool)
        for depth in range(1, len(col.levels) + 1):
            known = known & (col.levels[depth - 1][1] > 0)
            rows = np.stack([codes for _names, codes in col.levels[:depth]], axis=1)[known]
            ids = np.zeros(size, dtype=np.int64)
            paths: list[tuple[str, ...]] = []
            if rows.size:
                uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
                ids[known] = inverse.reshape(-1) + 1
                paths = [tuple(col.levels[i][0][c] for i, c in enumerate(row)) for row in uniq.tolist()]
            self.depths.append((ids, paths))

    def count(self, docs: np.ndarray) -> list[tuple[tuple[str, ...], int]]:
        out: list[tuple[tuple[str, ...], int]] = []
        for ids, paths in self.depths:
            if not paths:
                continue
            counts = np.bincount(ids[docs], minlength=len(paths) + 1)[1:]
            out.extend((paths[k], n) for k, n in zip(np.flatnonzero(counts).tolist(), counts[counts > 0].tolist()))
        return out


#: Filter masks kept per snapshot (each is one byte per document: 64 × 120,000 documents = 7.7 MB).
MASK_CACHE_SIZE = 64


class _ColumnCache:
    """What filters and facet counts derive from one snapshot's columns and would
    otherwise rebuild on every request: each filter's mask (a facet and its values:
    a scan of every document) and the tree facets' numbered paths."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.masks: OrderedDict[tuple[str, tuple[Hashable, ...]], np.ndarray] = OrderedDict()
        self.trees: dict[str, _TreePaths] = {}
        self.rank: tuple[np.ndarray, np.ndarray] | None = None   # (the groups, fold_rank)

    def mask(self, cols: Columns, name: str, values: list[Any]) -> np.ndarray:
        key = (name, tuple(_hashable(v) for v in values))
        with self.lock:
            found = self.masks.get(key)
            if found is not None:
                self.masks.move_to_end(key)
                return found
        found = facet_mask(cols.facets[name], cols.size, values)
        found.flags.writeable = False  # shared by every request of the snapshot
        with self.lock:
            self.masks[key] = found
            while len(self.masks) > MASK_CACHE_SIZE:
                self.masks.popitem(last=False)
        return found

    def fold_rank(self, cols: Columns, groups: np.ndarray) -> np.ndarray:
        """Per docnum, its place in the order that picks a group's representative (group,
        then the longest, then the smallest id): folding the matches is then a per-group
        minimum, not a sort of every clustered match per request (44,000 at 1 GB)."""
        with self.lock:
            held = self.rank
        if held is not None and held[0] is groups:
            return held[1]
        order = np.lexsort((cols.id_rank, -cols.length, groups))
        found = np.empty(order.size, dtype=np.int64)
        found[order] = np.arange(order.size)
        with self.lock:
            self.rank = (groups, found)   # one grouping per snapshot (see FOLD_VERSIONS)
        return found

    def tree(self, cols: Columns, name: str) -> _TreePaths:
        with self.lock:
            found = self.trees.get(name)
        if found is None:
            found = _TreePaths(cols.facets[name], cols.size)
            with self.lock:
                self.trees[name] = found
        return found


_CACHES: "weakref.WeakKeyDictionary[Any, _ColumnCache]" = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def column_cache(cols: Columns) -> _ColumnCache:
    """The :class:`_ColumnCache` of ``cols`` (one per snapshot; it goes with the snapshot)."""
    with _CACHES_LOCK:
        found = _CACHES.get(cols)
        if found is None:
            found = _CACHES[cols] = _ColumnCache()
        return found


class Filters:
    """The plan's filters as boolean masks over docnums (one per facet), each built
    once per snapshot (:class:`_ColumnCache`)."""

    def __init__(self, cols: Columns, filters: dict[str, list[Any]]):
        cache = column_cache(cols)
        self.masks = {name: cache.mask(cols, name, values) for name, values in filters.items() if values}

    def active(self) -> bool:
        return bool(self.masks)

    def apply(self, docs: np.ndarray, skip: str | None = None) -> np.ndarray:
        """The docnums of ``docs`` that pass every filter (but ``skip``'s)."""
        keep = np.ones(docs.size, dtype=bool)
        for name, mask in self.masks.items():
            if name != skip:
                keep &= mask[docs]
        return docs[keep]


#: Fold every member of a near-duplicate cluster into one hit (True), or only the members
#: that also share their year and region (False): two versions of a law (2020 and 2024) or
#: one regulation adopted by four cities are different documents that a user may want side
#: by side; a copy saved twice is not.
FOLD_VERSIONS = False
def copy_groups(cols: Columns) -> np.ndarray:
    """Per docnum, the group of copies it folds with (-1: none): its near-duplicate
    cluster, split where years or regions disagree (:mod:`.copies`) unless
    :data:`FOLD_VERSIONS`. The snapshot computes it once (``fold_group``)."""
    if FOLD_VERSIONS:
        return cols.cluster
    found = getattr(cols, "fold_group", None)
    return found if found is not None else fold_groups(cols)


def collapse(cols: Columns, docs: np.ndarray) -> np.ndarray:
    """Keep one document per group of copies (:func:`copy_groups`; the longest, then the smallest id)."""
    groups = copy_groups(cols)
    clusters = groups[docs]
    at = np.flatnonzero(clusters >= 0)
    if not at.size:
        return docs
    rank = column_cache(cols).fold_rank(cols, groups)[docs[at]]
    best = np.full(int(clusters[at].max()) + 1, rank.max() + 1, dtype=rank.dtype)
    np.minimum.at(best, clusters[at], rank)
    keep = np.ones(docs.size, dtype=bool)
    keep[at] = rank == best[clusters[at]]
    return docs[keep]


def count_facet(col: FacetColumn, docs: np.ndarray, tree: _TreePaths | None = None) -> list[tuple[Any, int]]:
    """``(value, count)`` over ``docs``; a tree facet's values are tuples of levels
    (every prefix of every document's path whose levels are all known)."""
    kind = col.facet.kind
    if kind == "range":
        assert col.values is not None
        counts = np.bincount(col.values[docs]) if docs.size else np.zeros(1, dtype=np.int64)
        return [(y, int(counts[y])) for y in np.flatnonzero(counts).tolist() if y > 0]
    if kind == "multi":
        assert col.matrix is not None
        counts = (np.count_nonzero(col.matrix[docs], axis=0) if docs.size
                  else np.zeros(len(col.names), dtype=np.int64))
        return [(col.names[k], int(counts[k])) for k in np.flatnonzero(counts).tolist()]
    if kind == "single":
        names, codes = col.levels[0]
        counts = np.bincount(codes[docs], minlength=len(names))
        return [(names[k], int(counts[k])) for k in np.flatnonzero(counts).tolist() if k]
    if not docs.size:
        return []
    return (tree or _TreePaths(col, col.levels[0][1].size)).count(docs)


def facet_counts(cols: Columns, matched: np.ndarray, filters: Filters, collapsed: bool,
                 results: np.ndarray | None = None) -> dict[str, list]:
    """Counts per facet value over the matched documents and every *other* facet's
    filter (so choosing one value still shows the counts of its siblings), copies
    folded the same way as the results.

    ``results`` (the matches through every filter, copies folded: what the search
    lists) is the set of every facet that has no filter of its own; passing it saves
    folding the same documents again per facet."""
    cache = column_cache(cols)
    if results is None:
        results = filters.apply(matched) if filters.active() else matched
        if collapsed:
            results = collapse(cols, results)
    out = {}
    for facet in FACETS:
        docs = results
        if facet.name in filters.masks:
            docs = filters.apply(matched, skip=facet.name)
            if collapsed:
                docs = collapse(cols, docs)
        col = cols.facets[facet.name]
        out[facet.name] = count_facet(col, docs, cache.tree(cols, facet.name) if facet.kind == "tree" else None)
    return out


def execute(snap: Snapshot, plan: Plan, title_boost: float) -> Matches:
    """Match, filter, fold copies, count facets, rank and cut the page."""
    ev = Evaluator(snap, plan.words, plan.slots)
    cols = snap.columns
    matched = ev.eval(plan.tree) if plan.tree is not None else snap.all_docs
    partial = np.zeros(0, dtype=np.int64)
    if plan.tree is not None and matched.size < plan.partial_below:
        partial = partial_matches(ev, plan.tree)
        if partial.size:
            matched = np.union1d(matched, partial)
    filters = Filters(cols, plan.filters)
    # Filters first, then copies folded: a copy that passes a filter is found even
    # when the copy that represents its group elsewhere does not pass.
    filtered = filters.apply(matched) if filters.active() else matched
    final = collapse(cols, filtered) if plan.collapse else filtered
    facets = facet_counts(cols, matched, filters, plan.collapse, results=final) if plan.facets else {}
    total = int(final.size)
    missing = np.isin(final, partial, assume_unique=True) if partial.size else None
    start, stop = plan.offset, plan.offset + plan.limit
    page: list[tuple[int, float | None]] = []
    explained: list[dict[str, float] | None] = []
    if start < total and plan.limit > 0:
        if plan.sort == "year":
            order = topk.head(-cols.year[final], stop, cols.id_rank[final])
            page = [(int(d), None) for d in final[order][start:stop]]
        else:
            phrases, plains = positive_texts(plan.tree)
            query = ranking.Query(phrases=phrases, chunks={t: ev.chunk_slots(t) for t in dict.fromkeys(plains)})
            ranked, scores, parts = ranking.rank(snap, ev.find_tf, query, final, title_boost, explain=plan.explain,
                                                 partial=missing, limit=stop, lazy_tf=ev.lazy_tf)
            page = [(int(d), float(s)) for d, s in zip(ranked[start:stop], scores[start:stop])]
            if parts is not None:
                explained = [{p: float(v[i]) for p, v in parts.items()} for i in range(start, min(stop, total))]
    hits = []
    groups = copy_groups(cols)
    # The page's copies are looked up among the filtered matches that have copies at all.
    grouped = filtered[groups[filtered] >= 0] if plan.collapse and page else filtered[:0]
    # A hit's copies in the order copies are ranked (the longest, then the smallest id),
    # not in docnum order, which depends on how the index's segments were merged.
    fold_rank = column_cache(cols).fold_rank(cols, groups) if grouped.size else None
    for i, (docnum, score) in enumerate(page):
        dups: list[int] = []
        if plan.collapse and groups[docnum] >= 0 and fold_rank is not None:
            same = grouped[groups[grouped] == groups[docnum]]
            same = same[np.argsort(fold_rank[same], kind="stable")]
            dups = [int(d) for d in same if d != docnum]
        hits.append(RankedHit(id=snap.doc_id(docnum), score=score,
                              duplicate_ids=[snap.doc_id(d) for d in dups],
                              explain=explained[i] if i < len(explained) else None))
    return Matches(total=total, hits=hits, facets=facets, partial=int(missing.sum()) if missing is not None else 0)
