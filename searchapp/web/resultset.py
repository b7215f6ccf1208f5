"""A whole result set, page after page, for export and feeds.

Only :func:`searchapp.query.service.search` is called (through
:func:`searchapp.web.api.search_dict`), so exports and feeds list exactly what the
search page lists, in its order, near-duplicate copies folded the same way.
"""

from __future__ import annotations

import html
import re
from typing import Any

from searchapp.web.api import search_dict
from searchapp.web.context import web_context
from searchapp.web.params import SearchState

_TAG = re.compile(r"<[^>]+>")


def all_hits(state: SearchState, limit: int, snippets: int = 1) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` hits of the search ``state`` (all pages) and the full total."""
    size = web_context().settings.search.max_page_size
    hits: list[dict[str, Any]] = []
    total = 0
    page = 1
    while len(hits) < limit:
        response = search_dict(state.with_(page=page, size=size), snippets=snippets, facets=False)
        total = response["total"]
        hits.extend(response["hits"])
        if page >= response["pages"] or not response["hits"]:
            break
        page += 1
    return hits[:limit], total


def plain(snippet_html: str) -> str:
    """A snippet's text without the highlight marks (and the … at its ends kept)."""
    return html.unescape(_TAG.sub("", snippet_html)).strip()


__all__ = ["all_hits", "plain"]
