"""As-you-type suggestions for the search box and the embeddable widget.

Two kinds, both cheap enough to run on every keystroke (the widget debounces):

* ``title``: documents whose title contains what was typed (compared in
  normalized form, so 教師 finds 教师 titles), titles that *start* with it
  first; when filters are given (a widget restricted to one district) the
  candidates are the top hits of the same filtered search instead;
* ``term``: the most widespread words that start with what was typed
  (教师 → 教师队伍, 教师交流), from the index's jieba vocabulary.

Normalized titles come from the index snapshot (computed once when it opens),
so a re-index is picked up without a restart and a request never re-normalizes
the whole collection.
"""

from __future__ import annotations

import bisect
import heapq
from typing import Any

from searchapp.engine import SearchIndex, Snapshot
from searchapp.normalize import normalize_query
from searchapp.search import SearchRequest, search

#: Term dictionary entries examined per request (bounds the cost of a 1-character prefix).
MAX_TERMS_SCANNED = 20000
DEFAULT_LIMIT = 8
MAX_LIMIT = 20

def _title_matches(snap: Snapshot, needle: str, limit: int) -> list[tuple[str, str]]:
    starts: list[tuple[str, str]] = []
    contains: list[tuple[str, str]] = []
    for docnum, info in sorted(snap.docs.items()):
        if not info.title:
            continue
        pos = snap.norm_titles[docnum].find(needle)
        title, doc_id = info.title, info.id
        if pos == 0:
            starts.append((title, doc_id))
            if len(starts) >= limit:
                break
        elif pos > 0 and len(contains) < limit:
            contains.append((title, doc_id))
    return (starts + contains)[:limit]


def _terms(snap: Snapshot, prefix: str, limit: int) -> list[str]:
    """Indexed words starting with ``prefix``, most documents first."""
    if not prefix:
        return []
    words, dfs = snap.store.vocabulary()
    start = bisect.bisect_left(words, prefix)
    end = min(start + MAX_TERMS_SCANNED, bisect.bisect_left(words, prefix + "\U0010ffff", lo=start))
    best = heapq.nlargest(limit + 1, zip(dfs[start:end], words[start:end]))
    return [w for _, w in best if w != prefix and len(w) > 1][:limit]


def suggest(engine: SearchIndex, q: str, limit: int = DEFAULT_LIMIT,
            filters: SearchRequest | None = None) -> dict[str, Any]:
    """``{"q", "suggestions": [{"text", "kind", "id"?}]}`` for the typed text ``q``.

    ``filters`` (a request whose ``q`` is ignored) restricts title suggestions to
    documents those filters allow, as the widget's default region does.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    needle = normalize_query(q or "")
    out: list[dict[str, Any]] = []
    if not needle:
        return {"q": q, "suggestions": out}
    snap = engine.snapshot()
    filtered = filters is not None and bool(filters.regions or filters.years or filters.themes or filters.types)
    titles: list[tuple[str, str]] = [] if filtered else _title_matches(snap, needle, limit)
    if len(titles) < limit:
        base = filters or SearchRequest()
        request = SearchRequest(q=q, regions=base.regions, years=base.years, themes=base.themes, types=base.types,
                                size=min(limit, engine.settings.search.max_page_size), snippets=0, facets=False)
        hits = search(engine, request).hits
        # Hits whose title shows what was typed read as completions; the others still help.
        hits.sort(key=lambda h: needle not in normalize_query(h.title))
        titles.extend((h.title, h.id) for h in hits if h.title)
    seen: set[str] = set()
    for title, doc_id in titles:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        out.append({"text": title, "kind": "title", "id": doc_id})
        if len(out) >= limit:
            break
    last_word = needle.split()[-1] if needle.split() else needle
    n_terms = max(2, limit // 2)
    out.extend({"text": word, "kind": "term"} for word in _terms(snap, last_word, n_terms))
    return {"q": q, "suggestions": out}
