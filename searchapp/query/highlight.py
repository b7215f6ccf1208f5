"""Snippets and full-text highlighting on the *original* text.

Matches are found in the normalized text (the same text the exact channel
searched, so every hit has something to show), then mapped back through
:class:`~searchapp.normalize.Normalized` to the original characters: a
Traditional report is shown in Traditional with 教師交流 marked for the query
教师交流. Output is HTML-escaped text with matches in ``<mark>``.

No re-analysis with the segmenter is needed, which keeps snippets cheap.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from html import escape

from searchapp.normalize import Normalized, normalize

#: Windows considered per fragment; enough to find the densest spot, bounded for
#: documents where a common word occurs thousands of times.
MAX_ANCHORS = 15
#: Matches considered when choosing fragments (a common word can occur thousands of times).
MAX_SNIPPET_MATCHES = 300


def _weight(term: str) -> float:
    """A window's worth grows faster than a term's length: a whole phrase beats its words apart."""
    return 10 * len(term) ** 1.5


@dataclass(frozen=True)
class Match:
    start: int   # normalized offsets
    end: int
    term: str


def find_matches(norm_text: str, terms: list[str], limit: int = 5000) -> list[Match]:
    """Non-overlapping occurrences of ``terms`` (longest term wins; of two as long, the
    one listed first), in text order. Not a ``set`` of the terms: its order changes with
    each process' hash seed, and two server processes gave one request different snippets."""
    spans: list[Match] = []
    covered = bytearray(len(norm_text))
    for term in sorted(dict.fromkeys(t for t in terms if t), key=len, reverse=True):
        size = len(term)
        start = norm_text.find(term)
        while start != -1 and len(spans) < limit:
            end = start + size
            if not any(covered[start:end]):
                spans.append(Match(start, end, term))
                covered[start:end] = b"\x01" * size
            start = norm_text.find(term, start + 1)
    spans.sort(key=lambda m: m.start)
    return spans


def _render(original: str, norm: Normalized, a: int, b: int, matches: list[Match]) -> str:
    """HTML of normalized span [a, b) with ``matches`` inside it marked."""
    oa, ob = norm.span_to_original(a, b)
    out: list[str] = []
    pos = oa
    for m in matches:
        ma, mb = norm.span_to_original(m.start, m.end)
        if ma < pos or mb > ob:
            continue
        out.append(escape(original[pos:ma]))
        out.append(f"<mark>{escape(original[ma:mb])}</mark>")
        pos = mb
    out.append(escape(original[pos:ob]))
    return "".join(out).replace("\n", " ")


def snippets(original: str, terms: list[str], count: int = 3, width: int = 100,
             norm: Normalized | None = None) -> list[str]:
    """Up to ``count`` fragments of about ``width`` characters around the best matches.

    A window scores by the distinct terms it shows, longer terms (a whole
    phrase) worth more than its words apart, then by occurrences; the best
    fragment comes first. With no match, the opening of the text.
    """
    norm = norm or normalize(original)
    text = norm.text
    matches = find_matches(text, terms, limit=MAX_SNIPPET_MATCHES)
    if not matches:
        if count == 0 or not text.strip():
            return []
        lead = text.lstrip()
        start = len(text) - len(lead)
        end = min(len(text), start + width)
        return [_render(original, norm, start, end, []) + ("…" if end < len(text) else "")]
    chosen: list[tuple[int, int]] = []
    remaining = list(matches)
    while remaining and len(chosen) < count:
        starts = [m.start for m in remaining]
        step = max(1, len(remaining) // MAX_ANCHORS)
        firsts = {}
        for m in remaining:  # the first occurrence of every distinct term is always tried
            firsts.setdefault(m.term, m)
        best: tuple[float, int, int] | None = None
        for m in list(firsts.values()) + remaining[::step]:
            a = max(0, m.start - width // 4)
            b = min(len(text), a + width)
            a = max(0, min(a, b - width))
            inside = [x for x in remaining[bisect_left(starts, a):bisect_left(starts, b)] if x.end <= b]
            if not inside:
                continue
            score = sum(_weight(t) for t in {x.term for x in inside}) + len(inside)
            if best is None or score > best[0]:
                best = (score, a, b)
        if best is None:
            break
        _, a, b = best
        chosen.append((a, b))
        remaining = [x for x in remaining if not (x.start < b and x.end > a)]
    out = []
    for a, b in chosen:
        frag = _render(original, norm, a, b, [m for m in matches if m.start >= a and m.end <= b]).strip()
        out.append(("…" if a > 0 else "") + frag + ("…" if b < len(text) else ""))
    return out


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
