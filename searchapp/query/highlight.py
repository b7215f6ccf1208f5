"""Snippets and full-text highlighting on the *original* text.

Matches are found in the normalized text (the same text the exact channel
searched, so every hit has something to show), then mapped back through
:class:`~searchapp.normalize.Normalized` to the original characters: a
Traditional report is shown in Traditional with 教師交流 marked for the query
教师交流. Output is HTML-escaped text with matches in ``<mark>``.

No re-analysis with the segmenter is needed, which keeps snippets cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from html import escape
from typing import Protocol

from searchapp.normalize import Normalized, normalize

#: Windows considered per fragment; enough to find the densest spot, bounded for
#: documents where a common word occurs thousands of times.
MAX_ANCHORS = 15
#: Matches considered when choosing fragments (a common word can occur thousands of times).
MAX_SNIPPET_MATCHES = 300
#: What :func:`html.escape` changes.
_NEEDS_ESCAPE = re.compile("[&<>\"']")


def _weight(term: str) -> float:
    """A window's worth grows faster than a term's length: a whole phrase beats its words apart."""
    return 10 * len(term) ** 1.5


class OriginalMap(Protocol):
    """The original text as far as snippets need it: the normalized text, offsets
    mapped back, and the original characters of a normalized span. A backend can give
    this without rebuilding a whole document (``OriginalSpans`` of the local backend)."""

    normalized: str

    def to_original(self, pos: int) -> int: ...

    def text(self, start: int, end: int) -> str:
        """The original characters of the normalized span [start, end)."""


class TextMap:
    """:class:`OriginalMap` over a whole original text and its :class:`Normalized`."""

    __slots__ = ("original", "norm", "normalized")

    def __init__(self, original: str, norm: Normalized):
        self.original = original
        self.norm = norm
        self.normalized = norm.text

    def to_original(self, pos: int) -> int:
        return self.norm.to_original(pos)

    def text(self, start: int, end: int) -> str:
        a, b = self.norm.span_to_original(start, end)
        return self.original[a:b]


@dataclass(frozen=True)
class Match:
    start: int   # normalized offsets
    end: int
    term: str


def _find(norm_text: str, terms: list[str], limit: int) -> tuple[list[int], list[int], list[str]]:
    """:func:`find_matches` as parallel lists (starts, ends, terms) in text order.

    An occurrence is kept when none of its characters is taken yet. After keeping one,
    the search goes on from its end: an occurrence starting inside it overlaps it and
    would be refused anyway. The first (longest) term cannot meet another term's
    match, so the marks of what is taken are only kept from the second term on."""
    found: list[tuple[int, int, str]] = []
    covered: bytearray | None = None
    ordered = sorted(dict.fromkeys(t for t in terms if t), key=len, reverse=True)
    for n, term in enumerate(ordered):
        size = len(term)
        start = norm_text.find(term)
        if n == 0:
            while start != -1 and len(found) < limit:
                found.append((start, start + size, term))
                start = norm_text.find(term, start + size)
            if len(ordered) > 1:
                covered = bytearray(len(norm_text))
                for a, b, _t in found:
                    covered[a:b] = b"\x01" * (b - a)
            continue
        assert covered is not None
        while start != -1 and len(found) < limit:
            end = start + size
            if covered.find(1, start, end) == -1:
                found.append((start, end, term))
                covered[start:end] = b"\x01" * size
                start = norm_text.find(term, end)
            else:
                start = norm_text.find(term, start + 1)
    found.sort()  # kept matches never share a start
    return [f[0] for f in found], [f[1] for f in found], [f[2] for f in found]


def find_matches(norm_text: str, terms: list[str], limit: int = 5000) -> list[Match]:
    """Non-overlapping occurrences of ``terms`` (longest term wins; of two as long, the
    one listed first), in text order. Not a ``set`` of the terms: its order changes with
    each process' hash seed, and two server processes gave one request different snippets."""
    starts, ends, found = _find(norm_text, terms, limit)
    return [Match(a, b, t) for a, b, t in zip(starts, ends, found)]


def _render(source: OriginalMap, a: int, b: int, starts: list[int], ends: list[int]) -> str:
    """HTML of normalized span [a, b) with the matches (``starts``/``ends``, in text order,
    all inside the span) marked; the span's original text is fetched once."""
    window = source.text(a, b)
    oa = source.to_original(a) if b > a else 0
    ob = len(window)
    to_original = source.to_original
    # Escaping every piece costs five replaces each; most windows hold none of the five
    # characters, and then no piece of them does.
    esc = escape if _NEEDS_ESCAPE.search(window) else str
    out: list[str] = []
    pos = 0
    for s, e in zip(starts, ends):
        ma, mb = to_original(s) - oa, to_original(e - 1) + 1 - oa
        if ma < pos or mb > ob:
            continue
        out.append(esc(window[pos:ma]))
        out.append(f"<mark>{esc(window[ma:mb])}</mark>")
        pos = mb
    out.append(esc(window[pos:ob]))
    return "".join(out).replace("\n", " ")


def snippets(original: str, terms: list[str], count: int = 3, width: int = 100,
             norm: Normalized | None = None) -> list[str]:
    """Up to ``count`` fragments of about ``width`` characters around the best matches.

    A window scores by the distinct terms it shows, longer terms (a whole
    phrase) worth more than its words apart, then by occurrences; the best
    fragment comes first. With no match, the opening of the text.
    """
    return snippets_from(TextMap(original, norm or normalize(original)), terms, count, width)


def snippets_from(source: OriginalMap, terms: list[str], count: int = 3, width: int = 100) -> list[str]:
    """:func:`snippets` over any :class:`OriginalMap` (the local index gives one that reads
    only the spans shown)."""
    text = source.normalized
    size = len(text)
    all_starts, all_ends, all_terms = _find(text, terms, MAX_SNIPPET_MATCHES)
    if not all_starts:
        if count == 0 or not text.strip():
            return []
        lead = text.lstrip()
        start = size - len(lead)
        end = min(size, start + width)
        return [_render(source, start, end, [], []) + ("…" if end < size else "")]
    chosen = _choose(all_starts, all_ends, all_terms, count, width, size)
    out = []
    for a, b in chosen:
        lo = bisect_left(all_starts, a)
        hi = bisect_right(all_ends, b, lo)   # ends are in text order too: matches do not overlap
        frag = _render(source, a, b, all_starts[lo:hi], all_ends[lo:hi]).strip()
        out.append(("…" if a > 0 else "") + frag + ("…" if b < size else ""))
    return out


def _choose(starts: list[int], ends: list[int], terms: list[str], count: int, width: int,
            size: int) -> list[tuple[int, int]]:
    """The fragments' normalized spans, best first.

    Each round tries a window around the first occurrence of every distinct term and
    around every ``len // MAX_ANCHORS``-th match still unshown, keeps the best (the first
    of equal scores), and drops the matches it shows. Matches do not overlap, so both
    their starts and their ends are sorted: a window's matches are one slice found by
    bisection, and the matches a chosen window shows are one slice too."""
    weight = {t: _weight(t) for t in set(terms)}
    worth: dict[frozenset[str], float] = {}
    chosen: list[tuple[int, int]] = []
    starts, ends, terms = list(starts), list(ends), list(terms)
    lead = width // 4
    while starts and len(chosen) < count:
        n = len(starts)
        present = set(terms)
        single = weight[terms[0]] if len(present) == 1 else None   # one term: its weight + occurrences
        firsts: dict[str, int] = {}
        for i, t in enumerate(terms):  # the first occurrence of every distinct term is always tried
            if t not in firsts:
                firsts[t] = i
                if len(firsts) == len(present):
                    break
        best_score = -1.0
        best_a = best_b = -1
        tried: set[int] = set()
        for i in [*firsts.values(), *range(0, n, max(1, n // MAX_ANCHORS))]:
            # a = max(0, start - width // 4), b = min(size, a + width), a = max(0, min(a, b - width))
            b = starts[i] - lead
            b = (b if b > 0 else 0) + width
            if b > size:
                b = size
            a = b - width
            if a < 0:
                a = 0
            if a in tried:  # the same window again: its score cannot beat itself
                continue
            tried.add(a)
            lo = bisect_left(starts, a)
            hi = bisect_right(ends, b, lo, bisect_left(starts, b, lo))
            if hi <= lo:
                continue
            if single is not None:
                w = single
            else:
                shown = frozenset(terms[lo:hi])
                w = worth.get(shown)
                if w is None:
                    w = worth[shown] = sum(weight[t] for t in sorted(shown))
            score = w + (hi - lo)
            if score > best_score:   # scores are positive: the first window always counts
                best_score, best_a, best_b = score, a, b
        if best_a < 0:
            break
        a, b = best_a, best_b
        chosen.append((a, b))
        lo = bisect_right(ends, a)      # the first match ending after a ...
        hi = bisect_left(starts, b, lo)  # ... up to the last one starting before b overlap the window
        del starts[lo:hi], ends[lo:hi], terms[lo:hi]
    return chosen


def highlight_all(original: str, terms: list[str]) -> tuple[str, int]:
    """The whole text as HTML with every match marked (``<mark id="m1">`` …), and the count."""
    norm = normalize(original)
    matches = find_matches(norm.text, terms, limit=100000)
    out: list[str] = []
    pos = 0
    for i, m in enumerate(matches, start=1):
        ma, mb = norm.span_to_original(m.start, m.end)
        out.append(escape(original[pos:ma]))
        out.append(f'<mark id="m{i}">{escape(original[ma:mb])}</mark>')
        pos = mb
    out.append(escape(original[pos:]))
    return "".join(out), len(matches)
