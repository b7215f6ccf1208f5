"""As-you-type suggestions for the search box and the embeddable widget.

Two kinds, both cheap enough to run on every keystroke (the widget debounces):

* ``title``: documents whose title contains what was typed (compared in
  normalized form, so 教師 finds 教师 titles), titles that *start* with it
  first; when filters are given (a widget restricted to one district) the
  candidates are the top hits of the same filtered search instead;
* ``term``: the most widespread words that start with what was typed
  (教师 → 教师队伍, 教师交流), from the index's jieba vocabulary.

Both come from the backend (normalized titles and the word vocabulary are kept
per index state), so a re-index is picked up without a restart and a request
never re-normalizes the whole collection.
"""

from __future__ import annotations

from typing import Any

from searchapp.model import SearchRequest
from searchapp.normalize import normalize_query
from searchapp.query.service import SearchService

DEFAULT_LIMIT = 8
MAX_LIMIT = 20


def suggest(engine: SearchService, q: str, limit: int = DEFAULT_LIMIT,
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
    filtered = filters is not None and filters.has_filters()
    titles: list[tuple[str, str]] = [] if filtered else engine.backend.titles_containing(needle, limit)
    if len(titles) < limit:
        base = filters or SearchRequest()
        request = SearchRequest(q=q, filters=base.filters, size=min(limit, engine.settings.search.max_page_size),
                                snippets=0, facets=False)
        hits = engine.search(request).hits
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
    out.extend({"text": word, "kind": "term"} for word in engine.backend.terms_starting(last_word, n_terms))
    return {"q": q, "suggestions": out}
