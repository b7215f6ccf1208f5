"""Ranking of the local backend: a sum of bounded features, each one explainable.

For every matched document::

    score = fields (BM25F of each slot over title, headings/first lines, body)
          + parts + synonyms  (a slot found only through its parts or a synonym, weighted lower)
          + phrase            (the unquoted chunk as an exact phrase: BM25F of it, damped)
          + proximity         (the chunk's words close together; at most a fixed share of their idf)
          + title_match       (the title contains the whole chunk, or all its words)
          + coverage          (share of the query's words present as typed)
          + length            (a penalty for stubs: a document of a few lines is rarely *about* anything)
          + missing           (a document of the recall fallback, holding most of the query's words but
                               not all: minus the idf of each word it lacks; see engine.partial_matches)

Nothing is a tier: one verbatim mention in a long transcript no longer beats a
report devoted to the topic that words it differently; it only adds a bounded,
saturating amount. Term frequencies are the exact channel's (counted while
matching); the title comes from the snapshot; headings are the document's short
lines (chapter and section titles, list headings, the first lines) and are read
only for the best :data:`RERANK` documents, as is proximity. Everything else is
vectorized with NumPy over the matched set, so a query that matches thousands of
reports still costs a few milliseconds.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np

from searchapp.backend.base import Slot
from searchapp.backend.local import topk
from searchapp.backend.local.snapshot import Snapshot
from searchapp.backend.local.titlegrams import TitleGrams

#: BM25F saturation and length normalisation (body, title; headings are not normalised).
#: b = 0.5 (round 2; was the textbook 0.75): +0.01 nDCG@10 on the judged set with synonyms
#: off and on, flat between 0.3 and 0.6; stronger length normalisation (0.9, 1.0) loses
#: 0.01–0.02. k1 is flat between 1.2 and 2.0 (0.8 loses 0.005).
K1 = 1.2
B = 0.5
B_TITLE = 0.5
#: Weight of an occurrence in a heading or the first lines, relative to the body.
HEADING_BOOST = 2.0
#: The chunk as an exact phrase: this share of the phrase's own BM25F.
PHRASE_WEIGHT = 0.5
#: Proximity: at most this share of the idf of the chunk's words (when adjacent).
PROXIMITY_WEIGHT = 0.5
#: Proximity also between the parts of a single dictionary word (校园 … 安全)? Off: the
#: whole word already outranks its parts (part_weight), and a proximity bonus for it is a
#: second exact-word bonus (measured: it pushed one-mention documents up again).
PROXIMITY_OF_PARTS = False
#: Distance (characters) over which proximity halves.
NEAR_CHARS = 12
#: Title contains the whole chunk: this many times the idf of its words; all its words
#: but apart: :data:`TITLE_WORDS_SHARE` of that.
TITLE_MATCH_WEIGHT = 1.5
TITLE_WORDS_SHARE = 0.6
#: Coverage: this share of the mean idf of the query's words, times the share of them that
#: the title or the headings hold (a report whose structure names every concept of the query).
COVERAGE_WEIGHT = 0.5
#: Documents shorter than this (characters) get ``LENGTH_WEIGHT * log(length / SHORT_CHARS)``.
SHORT_CHARS = 300
LENGTH_WEIGHT = 1.0
#: Best documents (after the vectorized pass) that get headings and proximity.
RERANK = 30
#: Occurrences of one term read per document for proximity.
MAX_OCCURRENCES = 24
#: A line this short (characters) is a heading (章节标题, 一、…, a news item's headline).
HEADING_CHARS = 40
#: Documents of the recall fallback (most of the query's words, not all): rank them all
#: below every document that holds every word (True), or by score (False) with a penalty of
#: :data:`MISSING_WEIGHT` times the idf of each missing word (on top of its missing BM25F).
#: By score was +0.03 nDCG@10 on the judged set without synonyms (all below: +0.002); the
#: penalty weight is flat between 0 and 2 (±0.003), 1.0 keeps a full match ahead of an
#: equally good partial one.
PARTIAL_BELOW = False
MISSING_WEIGHT = 1.0
#: The score parts, in the order ``--explain`` shows them.
PARTS = ("title", "headings", "body", "parts", "synonyms", "phrase", "proximity", "title_match", "coverage",
         "length", "missing")

#: (sorted docnums, term frequencies) of a term: the exact channel's answer.
FindTf = Callable[[str], tuple[np.ndarray, np.ndarray]]

FIELDS = ("title", "headings", "body")


def idf(df: int, n_docs: int) -> float:
    """BM25's idf (never negative)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def bm25f(term_idf: float, tf: Mapping[str, np.ndarray], norm: Mapping[str, np.ndarray | float],
          boost: Mapping[str, float], k1: float | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """BM25F of one term: field frequencies, each divided by its length norm and
    weighted, are summed *before* saturation (Robertson & Zaragoza 2009), so a term
    repeated in title and body is not counted as two independent pieces of evidence.

    Returns the score per document and its split by field (proportional to each
    field's share of the weighted frequency, so the split adds up to the score).
    """
    k1 = K1 if k1 is None else k1
    weighted = {f: boost[f] * np.asarray(tf[f], dtype=np.float64) / norm[f] for f in tf}
    total_tf = sum(weighted.values()) if weighted else np.zeros(0)
    total = term_idf * total_tf * (k1 + 1) / (total_tf + k1)
    # Frequencies are never negative: where their sum is 0 every share is 0 * 0 / 1, so
    # no select is needed (a masked np.where over 100,000 documents costs several times
    # the arithmetic), and the shares are the same numbers.
    safe = total_tf + (total_tf == 0)
    split = {f: total * w / safe for f, w in weighted.items()}
    return total, split


class _Extras:
    """Per-snapshot helpers built on first use: the titles as one string (a term's
    title frequency for all documents in one pass) and a cache of heading lines."""

    def __init__(self, snap: Snapshot):
        titles = snap.norm_titles
        self.starts = np.zeros(len(titles) + 1, dtype=np.int64)
        pos = 0
        for i, t in enumerate(titles):
            self.starts[i] = pos
            pos += len(t) + 1
        self.starts[len(titles)] = pos
        self.joined = "\n".join(titles) + "\n"
        self.titles = titles
        self.title_lengths = np.array([len(t) for t in titles], dtype=np.float64)
        self.size = len(titles)
        #: docnum → its heading lines (see :func:`heading_text`), filled as documents are ranked.
        self.headings: dict[int, bytes] = {}
        self.heading_bytes = 0
        self._grams: TitleGrams | None = None
        self._grams_lock = threading.Lock()

    def grams(self) -> TitleGrams:
        """The titles' pair table (:mod:`.titlegrams`), built on first use."""
        with self._grams_lock:
            if self._grams is None:
                self._grams = TitleGrams(self.joined, self.starts)
            return self._grams

    def title_tf(self, term: str, docs: np.ndarray | None = None) -> np.ndarray:
        """Occurrences of ``term`` in every document's title (array by docnum), or in the
        titles of ``docs`` (aligned with them): counted title by title when they are few
        (:data:`TITLE_PAIR_CHARS`; :data:`TITLE_SCAN_CHARS` for the terms the pair table
        does not take: one character, one that can overlap itself), else from the titles'
        pair table (:mod:`.titlegrams`) or, for those other terms, one scan of all titles."""
        if docs is not None:
            if not term or "\n" in term:
                return np.zeros(docs.size, dtype=np.float64)
            if docs.size * TITLE_PAIR_CHARS < len(self.joined) or (
                    docs.size * TITLE_SCAN_CHARS < len(self.joined) and not TitleGrams.handles_term(term)):
                titles = self.titles
                return np.fromiter((titles[d].count(term) for d in docs.tolist()), dtype=np.float64,
                                   count=docs.size)
            return self.title_tf(term)[docs]
        counts = np.zeros(self.size, dtype=np.float64)
        if not term or "\n" in term:
            return counts
        if TitleGrams.handles_term(term):
            return self.grams().counts(term)
        hits = [m.start() for m in re.finditer(re.escape(term), self.joined)]
        if hits:
            owners = np.searchsorted(self.starts, np.array(hits), side="right") - 1
            counts += np.bincount(owners, minlength=self.size)[:self.size]
        return counts


#: Titles are counted one by one for a set of documents when each of them stands for more
#: than this many characters of all the titles; otherwise one regular-expression scan of
#: every title costs less. Measured on 147,175 titles (3.1 M characters): the scan takes
#: 2–3.5 ms whatever the term, a title counted in Python ≈ 2 µs, so the loop only wins
#: below ≈ 1,500 documents (a fixed share of the index, as before, let a common word at
#: 1 GB loop over 18,000 titles: 36 ms).
TITLE_SCAN_CHARS = 2000
#: The same threshold against the pair table (:mod:`.titlegrams`), which answers a term in
#: ≈ 0.1–0.5 ms at 1 GB: below ≈ 100 documents counting their titles one by one is cheaper.
TITLE_PAIR_CHARS = 30000

_EXTRAS: "weakref.WeakKeyDictionary[Snapshot, _Extras]" = weakref.WeakKeyDictionary()
_EXTRAS_LOCK = threading.Lock()
#: A heading line is at most this many bytes (HEADING_CHARS Chinese characters, 3 bytes each).
HEADING_BYTES = HEADING_CHARS * 3


def extras(snap: Snapshot) -> _Extras:
    with _EXTRAS_LOCK:
        found = _EXTRAS.get(snap)
        if found is None:
            found = _EXTRAS[snap] = _Extras(snap)
        return found


#: A short line ending like a sentence or a list item is text, not a heading.
_SENTENCE_ENDS = tuple(ch.encode("utf-8") for ch in "。；;，,、！？!?")
_SHORT_LINE = re.compile(rb"(?m)^[^\n]{1,%d}$" % HEADING_BYTES)
#: Headings are looked for in a document's first this many bytes (about 21,000 characters:
#: all of nine reports in ten; bounds the cost of the longest ones).
HEADINGS_SCAN_BYTES = 64 * 1024
#: Bytes of heading text kept per snapshot (the test corpus of 5,873 reports needs 6.8 MB).
MAX_CACHED_HEADING_BYTES = 64 * 1024 * 1024


def heading_lines(text: bytes) -> bytes:
    """The 'headings' field of a document: its first two lines, and every line of at
    most :data:`HEADING_CHARS` characters that does not end like a sentence (第三章
    校园安全, 一、校园安全责任落实, a news item's headline), one per line, from the
    first :data:`HEADINGS_SCAN_BYTES`."""
    parts = text[:HEADINGS_SCAN_BYTES].split(b"\n", 2)
    first, rest = parts[:2], (parts[2] if len(parts) > 2 else b"")
    lines = [s for ln in _SHORT_LINE.findall(rest) if (s := ln.strip()) and not s.endswith(_SENTENCE_ENDS)]
    return b"\n".join(first + lines)


def heading_text(snap: Snapshot, docnum: int) -> bytes:
    """:func:`heading_lines` of a document, cached per snapshot."""
    ex = extras(snap)
    found = ex.headings.get(docnum)
    if found is None:
        found = heading_lines(snap.normalized_bytes(docnum))
        if ex.heading_bytes + len(found) <= MAX_CACHED_HEADING_BYTES:
            ex.headings[docnum] = found
            ex.heading_bytes += len(found)
    return found


def positions(text: bytes, needle: bytes, limit: int = MAX_OCCURRENCES) -> list[int]:
    """Byte offsets of the first ``limit`` occurrences of ``needle``."""
    found: list[int] = []
    start = text.find(needle)
    while start != -1 and len(found) < limit:
        found.append(start)
        start = text.find(needle, start + len(needle))
    return found


def min_span(groups: Sequence[Sequence[tuple[int, int]]]) -> int | None:
    """Shortest stretch (in bytes) holding one occurrence ``(start, end)`` of every
    group, anchored on each occurrence of the rarest group and taking, in every other
    group, the occurrence nearest to it; None if a group is empty."""
    if not groups or any(not g for g in groups):
        return None
    anchor_i = min(range(len(groups)), key=lambda i: len(groups[i]))
    others = [sorted(g) for i, g in enumerate(groups) if i != anchor_i]
    starts = [[o[0] for o in g] for g in others]
    best: int | None = None
    for a_start, a_end in groups[anchor_i]:
        lo, hi = a_start, a_end
        for g, st in zip(others, starts):
            k = bisect.bisect_left(st, a_start)
            near = [g[j] for j in (k - 1, k) if 0 <= j < len(g)]
            o = min(near, key=lambda o: max(o[0] - a_end, a_start - o[1], 0))
            lo, hi = min(lo, o[0]), max(hi, o[1])
        if best is None or hi - lo < best:
            best = hi - lo
    return best


@dataclass
class Query:
    """What the ranking needs from the plan: quoted phrases and each unquoted chunk's slots."""

    phrases: list[str] = field(default_factory=list)
    chunks: dict[str, Sequence[Slot]] = field(default_factory=dict)


#: The upper bound of a count the store saturated (see :class:`_Bounded`).
UNBOUNDED = 1e12


class _Bounded:
    """A term whose body frequency is known only as bounds in some documents (see
    :class:`LazyTf`): ``low`` (1 where it occurs: presence is exact) and ``high`` (its
    bigrams' smallest count), both exact where counted; aligned with the scorer's docs."""

    def __init__(self, lazy: "LazyTf", docs: np.ndarray):
        pos = np.searchsorted(lazy.docs, docs)
        pos[pos >= lazy.docs.size] = 0
        present = lazy.docs[pos] == docs if lazy.docs.size else np.zeros(docs.size, dtype=bool)
        self.lazy = lazy
        self.at = np.where(present, pos, -1)          # position in lazy.docs, -1: absent
        self.low = present.astype(np.float64)
        bound = lazy.bound[pos].astype(np.float64) if lazy.docs.size else np.zeros(docs.size)
        # A bound of 255 (the store's largest count) means "at least": any count. Not
        # infinity, which BM25's saturation turns into NaN; no document is that long.
        self.high = np.where(present, np.where(bound >= 255, UNBOUNDED, bound), 0.0)
        self.known = ~present

    def count(self, rows: np.ndarray) -> None:
        """Count the term exactly in the documents at ``rows``."""
        rows = rows[~self.known[rows]]
        if rows.size:
            exact = self.lazy.counts(self.at[rows]).astype(np.float64)
            self.low[rows] = exact
            self.high[rows] = exact
            self.known[rows] = True


class LazyTf(Protocol):
    """What :meth:`engine.Evaluator.lazy_tf` gives for a term only the ranking needs."""

    docs: np.ndarray
    bound: np.ndarray

    def counts(self, at: np.ndarray) -> np.ndarray: ...


#: Ranking's view of the exact channel: exact (docnums, counts), or a :class:`LazyTf`.
LazyFindTf = Callable[[str], "tuple[np.ndarray, np.ndarray] | LazyTf"]


class Scorer:
    """The features of one query over the sorted docnums ``docs``.

    With ``lazy_tf``, a term only the ranking asks for may come with bounded body
    frequencies (:class:`_Bounded`); :attr:`mode` then says which bound the features use
    ("low" or "high"): every feature grows with a body frequency or reads only whether it
    is zero, so the two give a lower and an upper bound of each document's score."""

    def __init__(self, snap: Snapshot, find_tf: FindTf, docs: np.ndarray, title_boost: float,
                 lazy_tf: LazyFindTf | None = None):
        self.snap = snap
        self.find_tf = find_tf
        self.lazy_tf = lazy_tf
        self.docs = docs
        self.n_docs = max(1, len(snap.docs))
        self.ex = extras(snap)
        self.boost = {"title": title_boost, "headings": HEADING_BOOST, "body": 1.0}
        title_len = self.ex.title_lengths[docs]
        self.norm = {
            "body": 1 - B + B * snap.lengths[docs] / snap.avg_length,
            "title": 1 - B_TITLE + B_TITLE * title_len / max(1.0, snap.avg_title),
            "headings": 1.0,
        }
        self._tf: dict[str, tuple[float, np.ndarray, np.ndarray]] = {}
        self.heading_tf: dict[str, np.ndarray] = {}
        self.bounded: dict[str, _Bounded] = {}
        self.mode = "low"

    def stats(self, term: str) -> tuple[float, np.ndarray, np.ndarray]:
        """(idf, body tf, title tf) of ``term`` aligned with ``docs``."""
        found = self._tf.get(term)
        if found is None:
            got = self.lazy_tf(term) if self.lazy_tf is not None else self.find_tf(term)
            if not isinstance(got, tuple):
                bounded = self.bounded[term] = _Bounded(got, self.docs)
                found = (idf(int(got.docs.size), self.n_docs), bounded.low, self.ex.title_tf(term, self.docs))
                self._tf[term] = found
            else:
                term_docs, term_tf = got
                pos = np.searchsorted(term_docs, self.docs)
                pos[pos >= term_docs.size] = 0
                present = term_docs[pos] == self.docs if term_docs.size else np.zeros(self.docs.size, dtype=bool)
                body = np.where(present, term_tf[pos] if term_docs.size else 0, 0).astype(np.float64)
                title = self.ex.title_tf(term, self.docs)
                found = (idf(int(term_docs.size), self.n_docs), body, title)
                self._tf[term] = found
        if self.mode == "high" and term in self.bounded:
            return found[0], self.bounded[term].high, found[2]
        return found

    def count(self, rows: np.ndarray) -> None:
        """Count every bounded term exactly in the documents at ``rows``."""
        for bounded in self.bounded.values():
            bounded.count(rows)

    def exact(self) -> bool:
        return all(b.known.all() for b in self.bounded.values())

    def subset(self, rows: np.ndarray) -> "Scorer":
        """The scorer of the documents at ``rows`` (counted ones: their features are exact),
        sharing every term looked up so far."""
        sub = Scorer.__new__(Scorer)
        # No lazy lookups in a subset: a term it would look up anew is counted exactly.
        sub.snap, sub.find_tf, sub.lazy_tf = self.snap, self.find_tf, None
        sub.docs, sub.n_docs, sub.ex, sub.boost = self.docs[rows], self.n_docs, self.ex, self.boost
        sub.norm = {f: (v[rows] if isinstance(v, np.ndarray) else v) for f, v in self.norm.items()}
        sub._tf = {t: (i, body[rows], title[rows]) for t, (i, body, title) in self._tf.items()}
        sub.heading_tf = {t: v[rows] for t, v in self.heading_tf.items()}
        sub.bounded = {}
        sub.mode = "low"
        return sub

    def present(self, term: str) -> np.ndarray:
        _, body, title = self.stats(term)
        return (body > 0) | (title > 0)

    def field_scores(self, term: str, as_idf: float | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """BM25F of ``term`` over the three fields (with ``as_idf`` instead of its own idf)."""
        term_idf, body, title = self.stats(term)
        if as_idf is not None:
            term_idf = as_idf
        headings = self.heading_tf.get(term)
        tf = {"title": title, "body": body,
              "headings": headings if headings is not None else np.zeros(self.docs.size)}
        return bm25f(term_idf, tf, self.norm, self.boost)

    def read_headings(self, terms: Iterable[str], rows: np.ndarray) -> None:
        """Heading frequencies of ``terms`` in the documents at ``rows``."""
        terms = list(terms)
        for t in terms:
            self.heading_tf[t] = np.zeros(self.docs.size)
        # A term counts in a heading only where the document holds it at all (body or title).
        held = {t: ((self.stats(t)[1][rows] > 0) | (self.stats(t)[2][rows] > 0)).tolist() for t in terms}
        needles = [(t, t.encode("utf-8")) for t in terms]
        for i, r in enumerate(rows.tolist()):
            text = heading_text(self.snap, int(self.docs[r]))
            for t, n in needles:
                if held[t][i]:
                    self.heading_tf[t][r] = text.count(n)

    def positions(self, row: int, needles: Sequence[bytes]) -> dict[bytes, list[int]]:
        """First occurrences of each needle in the document at ``row`` (for proximity)."""
        text = self.snap.normalized_bytes(int(self.docs[row]))
        return {n: positions(text, n) for n in needles}


def _zeros(n: int) -> dict[str, np.ndarray]:
    return {p: np.zeros(n, dtype=np.float64) for p in PARTS}


def _slot_score(sc: Scorer, slot: Slot) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A slot's score per document — its best way of being found: the word, its parts,
    or a synonym (a key of several words: the words' own scores plus the key as a
    phrase) — and that score split into :data:`PARTS`."""
    n = sc.docs.size
    if slot.words:
        parts = _zeros(n)
        for w in slot.words:
            for k, v in _slot_score(sc, w)[1].items():
                parts[k] += v
        parts["phrase"] += PHRASE_WEIGHT * sc.field_scores(slot.word)[0]
        best = sum(parts.values())
    else:
        literal, split = sc.field_scores(slot.word)
        parts = _zeros(n)
        for f in FIELDS:
            parts[f] = split[f]
        best = literal
        if slot.parts:
            together = np.ones(n, dtype=bool)
            for p in slot.parts:
                together &= sc.present(p)
            part = slot.part_weight * np.mean([sc.field_scores(p)[0] for p in slot.parts], axis=0) * together
            better = part > best
            for f in FIELDS:
                parts[f] = np.where(better, 0.0, parts[f])
            parts["parts"] = np.where(better, part, 0.0)
            best = np.where(better, part, best)
    if slot.synonyms:
        # A synonym stands for the whole slot and counts as the user's words would, at the
        # synonym weight: with *their* idf (for a key of several words, theirs added up plus
        # the phrase's share), not its own — a Taiwan wording is rare in a mainland corpus,
        # and its own idf would say more about the corpus than about the report.
        as_idf = _slot_idf(sc, slot) + (PHRASE_WEIGHT * sc.stats(slot.word)[0] if slot.words else 0.0)
        syn = slot.synonym_weight * np.max([sc.field_scores(s, as_idf=as_idf)[0] for s in slot.synonyms], axis=0)
        better = syn > best
        for k in parts:
            parts[k] = np.where(better, 0.0, parts[k])
        parts["synonyms"] = np.where(better, syn, parts["synonyms"])
        best = np.where(better, syn, best)
    return best, parts


def _slot_idf(sc: Scorer, slot: Slot) -> float:
    """The idf a slot weighs with (a key of several words: theirs added up)."""
    if slot.words:
        return sum(_slot_idf(sc, w) for w in slot.words)
    return sc.stats(slot.word)[0]


def _in_title(sc: Scorer, slot: Slot, headings: bool = False) -> np.ndarray:
    """How the slot is found in the title (and, with ``headings``, the headings): 1 by
    its word(s), its synonym or part weight through those, 0 not at all."""
    def has(term: str) -> np.ndarray:
        found = sc.stats(term)[2] > 0
        if headings and term in sc.heading_tf:
            found = found | (sc.heading_tf[term] > 0)
        return found

    if slot.words:
        found = np.min([_in_title(sc, w, headings) for w in slot.words], axis=0)
    else:
        found = np.where(has(slot.word), 1.0, 0.0)
    if slot.parts:
        together = np.ones(found.size, dtype=bool)
        for p in slot.parts:
            together &= has(p)
        found = np.maximum(found, np.where(together, slot.part_weight, 0.0))
    for s in slot.synonyms:
        found = np.maximum(found, np.where(has(s), slot.synonym_weight, 0.0))
    return found


def _proximity(sc: Scorer, text: str, slots: Sequence[Slot], rows: np.ndarray) -> np.ndarray:
    """For the documents at ``rows``: how close together the chunk's units occur (its
    slots; a single slot's parts), as a share of their idf."""
    units: list[tuple[float, list[bytes]]] = []
    if len(slots) == 1 and slots[0].words:
        slots = slots[0].words
    if len(slots) >= 2:
        for s in slots:
            units.append((_slot_idf(sc, s), [a.encode("utf-8") for a in s.alternatives()]))
    elif slots and slots[0].parts and PROXIMITY_OF_PARTS:
        units = [(sc.stats(p)[0], [p.encode("utf-8")]) for p in slots[0].parts]
    out = np.zeros(sc.docs.size)
    if len(units) < 2:
        return out
    weight = PROXIMITY_WEIGHT * sum(u[0] for u in units)
    exact = sc.present(text)
    for r in rows.tolist():
        if exact[r]:
            out[r] = weight
            continue
        where = sc.positions(r, [n for _, needles in units for n in needles if sc.stats(n.decode("utf-8"))[1][r]])
        groups = [[(p, p + len(n)) for n in needles for p in where.get(n, ())] for _, needles in units]
        span = min_span(groups)
        if span is None:
            continue
        # bytes → characters (3 per Chinese character); adjacent words have span ≈ their length
        gap = max(0.0, span / 3 - sum(len(n[0]) for _, n in units) / 3)
        out[r] = weight * NEAR_CHARS / (NEAR_CHARS + gap)
    return out


def _terms(query: Query) -> list[str]:
    terms = list(query.phrases)
    for text, slots in query.chunks.items():
        if len(slots) >= 2:
            terms.append(text)
        for s in slots:
            terms.extend(s.alternatives())
    return list(dict.fromkeys(terms))


def _text_parts(sc: Scorer, query: Query) -> dict[str, np.ndarray]:
    """The parts that read term frequencies: fields, parts, synonyms, phrase."""
    out = _zeros(sc.docs.size)
    for p in query.phrases:
        _, split = sc.field_scores(p)
        for f in FIELDS:
            out[f] += split[f]
    for text, slots in query.chunks.items():
        for s in slots:
            for k, v in _slot_score(sc, s)[1].items():
                out[k] += v
        if len(slots) >= 2:
            out["phrase"] += PHRASE_WEIGHT * sc.field_scores(text)[0]
    return out


def _rerank(sc: Scorer, query: Query, terms: list[str], rows: np.ndarray) -> np.ndarray:
    """Headings of the best documents (at ``rows``) read; their proximity returned."""
    out = np.zeros(sc.docs.size)
    if rows.size and terms:
        sc.read_headings(terms, rows)
        for text, slots in query.chunks.items():
            out += _proximity(sc, text, slots, rows)
    return out


def _other_parts(sc: Scorer, query: Query, partial: np.ndarray | None) -> dict[str, np.ndarray]:
    """title_match, coverage, missing and length: the parts that read only titles,
    headings and whether a term occurs."""
    docs = sc.docs
    parts = {p: np.zeros(docs.size, dtype=np.float64) for p in ("title_match", "coverage", "missing", "length")}
    idfs: list[float] = []
    covered = np.zeros(docs.size)
    for p in query.phrases:
        p_idf = sc.stats(p)[0]
        idfs.append(p_idf)
        covered += _in_title(sc, Slot(p), headings=True)
        parts["title_match"] += np.where(sc.stats(p)[2] > 0, TITLE_MATCH_WEIGHT * p_idf, 0.0)
    for text, slots in query.chunks.items():
        chunk_idf = 0.0
        in_title = np.ones(docs.size)
        for s in slots:
            s_idf = _slot_idf(sc, s)
            chunk_idf += s_idf
            idfs.append(s_idf)
            covered += _in_title(sc, s, headings=True)
            in_title = np.minimum(in_title, _in_title(sc, s))
        # the whole chunk as typed in the title: full weight; all its slots but apart (or
        # through parts or synonyms): a share, times the weakest slot's weight
        whole = sc.stats(text if len(slots) >= 2 else slots[0].word)[2] > 0 if slots else np.zeros(docs.size, bool)
        share = np.where(whole, 1.0, TITLE_WORDS_SHARE * in_title)
        parts["title_match"] += TITLE_MATCH_WEIGHT * chunk_idf * share
    if partial is not None and partial.any():
        for text, slots in query.chunks.items():
            for s in slots:
                for unit in (s.words or (s,)):
                    absent = (_slot_score(sc, unit)[0] <= 0) if not s.synonyms else (_slot_score(sc, s)[0] <= 0)
                    parts["missing"] -= MISSING_WEIGHT * _slot_idf(sc, unit) * (absent & partial)
    if idfs:
        parts["coverage"] += COVERAGE_WEIGHT * float(np.mean(idfs)) * covered / len(idfs)
    lengths = sc.snap.lengths[docs]
    parts["length"] += LENGTH_WEIGHT * np.minimum(0.0, np.log(np.maximum(lengths, 1.0) / SHORT_CHARS))
    return parts


def features(snap: Snapshot, find_tf: FindTf, query: Query, docs: np.ndarray,
             title_boost: float, partial: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every score part (see :data:`PARTS`) for the sorted docnums ``docs`` (``partial``:
    which of them the recall fallback found, see :func:`rank`)."""
    return features_of(Scorer(snap, find_tf, docs, title_boost), query, partial)


def features_of(sc: Scorer, query: Query, partial: np.ndarray | None) -> dict[str, np.ndarray]:
    """:func:`features` with a scorer already made (every term exact)."""
    terms = _terms(query)
    parts = _text_parts(sc, query)
    first = sum(parts.values())
    rows = topk.head(-first, RERANK)
    proximity = _rerank(sc, query, terms, rows)
    if rows.size and terms:
        parts = _text_parts(sc, query)
        parts["proximity"] += proximity
    parts.update(_other_parts(sc, query, partial))
    return parts


def _total(parts: Mapping[str, np.ndarray]) -> np.ndarray:
    scores = np.zeros(next(iter(parts.values())).size)
    for p in PARTS:
        scores = scores + parts[p]
    return scores


#: Documents counted exactly per round of :func:`_best`, at first (doubling each round).
COUNT_BATCH = 64


def _best(sc: Scorer, k: int, score: Callable[[Scorer], np.ndarray],
          order: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the ``k`` best documents by ``score`` (exact), best first, counting the
    bounded terms only in the documents that can still be among them (MaxScore): the
    documents whose upper bound is highest are counted first, until the ``k``-th best exact
    score is above every bound not counted yet. ``order(rows, scores)`` sorts counted rows.
    Returns the rows and their exact scores."""
    sc.mode = "high"
    high = score(sc)
    sc.mode = "low"
    by_bound = topk.Prefix(-high)
    done = 0
    batch = max(COUNT_BATCH, 2 * k)
    counted = np.zeros(0, dtype=np.int64)
    exact = np.zeros(0)
    while True:
        take = by_bound[done:done + batch]
        done += take.size
        batch *= 2
        sc.count(take)
        counted = np.concatenate([counted, take])
        exact = np.concatenate([exact, score(sc.subset(take))])
        if done >= by_bound.size:
            break
        if counted.size >= k:
            kth = np.partition(exact, counted.size - k)[counted.size - k]
            if high[by_bound.at(done)] < kth:  # nothing left can reach (or tie) the k-th best
                break
    ranked = order(counted, exact)[:k]
    return counted[ranked], exact[ranked]


def _rank_bounded(sc: Scorer, query: Query, limit: int, partial: np.ndarray | None, explain: bool
                  ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """:func:`rank`'s best ``limit`` documents when some terms are bounded: the same
    documents, order and scores as scoring everything, with exact counts for few."""
    docs = sc.docs
    terms = _terms(query)
    # 1. The RERANK best by the text parts alone (ties: docnum order, as a stable sort).
    rows, _ = _best(sc, RERANK, lambda s: _total_text(s, query),
                    lambda r, e: np.lexsort((r, -e)))
    rows = np.sort(rows)
    # 2. Headings and proximity of those; then the page by the full score.
    proximity = _rerank(sc, query, terms, rows)
    other = _other_parts(sc, query, partial)
    ties = sc.snap.columns.id_rank[docs]

    def full(s: Scorer) -> np.ndarray:
        return _total(_full_parts(s, query, proximity, other, docs))

    top, scores = _best(sc, limit, full, lambda r, e: np.lexsort((ties[r], -e)))
    parts = None
    if explain:
        sub = sc.subset(top)
        parts = _full_parts(sub, query, proximity, other, docs)
    return docs[top], scores, parts


def _total_text(sc: Scorer, query: Query) -> np.ndarray:
    parts = _text_parts(sc, query)
    return sum(parts.values())


def _full_parts(sc: Scorer, query: Query, proximity: np.ndarray, other: Mapping[str, np.ndarray],
                docs: np.ndarray) -> dict[str, np.ndarray]:
    """Every part for the scorer's documents (a subset of ``docs``: ``proximity`` and
    ``other`` are aligned with ``docs`` and taken at the subset's rows)."""
    rows = np.searchsorted(docs, sc.docs)
    parts = _text_parts(sc, query)
    parts["proximity"] += proximity[rows]
    for p, v in other.items():
        parts[p] = v[rows]
    return parts


def rank(snap: Snapshot, find_tf: FindTf, query: Query, docs: np.ndarray, title_boost: float,
         explain: bool = False, partial: np.ndarray | None = None, limit: int | None = None,
         lazy_tf: LazyFindTf | None = None,
         ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """The sorted docnums ``docs`` ordered by score (best first), their scores, and
    (with ``explain``) every score part in the same order; the parts add up to the score.
    ``partial`` marks (aligned with ``docs``) the recall fallback's documents, which hold
    only most of the query's words: they follow the full matches.

    With ``limit``, only the best ``limit`` documents are returned; then ``lazy_tf`` may
    give a term only the ranking needs as its documents with bounded counts, which are
    counted exactly only where the bound could still reach the page (:func:`_best`): the
    same documents, order and scores, for a fraction of the counting."""
    if docs.size == 0 or (not query.phrases and not query.chunks):
        return docs, np.zeros(docs.size), ({p: np.zeros(docs.size) for p in PARTS} if explain else None)
    if limit is not None and lazy_tf is not None and (partial is None or not PARTIAL_BELOW):
        sc = Scorer(snap, find_tf, docs, title_boost, lazy_tf=lazy_tf)
        for t in _terms(query):
            sc.stats(t)
        if not sc.exact():
            return _rank_bounded(sc, query, limit, partial, explain)
        parts = features_of(sc, query, partial)
    else:
        parts = features(snap, find_tf, query, docs, title_boost, partial)
    scores = np.zeros(docs.size)
    for p in PARTS:
        scores = scores + parts[p]
    # Ties go by the stable document id, not the docnum: an incremental index and a
    # rebuild number documents differently but must list equal scores alike.
    ties = snap.columns.id_rank[docs]
    if partial is not None and PARTIAL_BELOW:
        order = np.lexsort((ties, -scores, partial.astype(np.int8)))[:limit]
    else:
        order = topk.head(-scores, docs.size if limit is None else limit, ties)
    ordered_parts = {p: v[order] for p, v in parts.items()} if explain else None
    return docs[order], scores[order], ordered_parts


__all__ = ["bm25f", "idf", "rank", "features", "Query", "Scorer", "PARTS", "min_span", "heading_lines", "positions"]
