"""Saved searches as Atom feeds: new reports matching a query and filters.

``/feed.atom`` takes the search page's parameters (``q``, ``region``, ``year``,
``theme``, ``type``) and lists the matching reports newest-indexed first, so an
inspection office subscribes once to 控辍保学 in its district and its feed reader
shows each report that a later ``searchapp index`` run adds. The subscription is
the URL itself: nothing is stored on the server.

"Newest indexed" is the index's own order: documents added by a later indexing
run come after those already there. Entries carry the document id as their
``<id>`` (a reader shows each report once) and the source file's modification
time as ``<updated>``, because the index records no per-document indexing time.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, request, url_for

from searchapp.web.context import web_context
from searchapp.web.params import SearchState
from searchapp.web.resultset import all_hits
from searchapp.web.viewmodel import region_label

bp = Blueprint("feeds", __name__)

#: Matching documents looked at (the newest indexed of them become entries).
FEED_SCAN = 1000
#: Entries per feed.
FEED_ENTRIES = 50
ATOM = "application/atom+xml; charset=utf-8"


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts or 0, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_title(state: SearchState) -> str:
    """「教师交流」· 荔湾区 · 2016 — the search in words, for the feed reader's list."""
    parts = [f"「{state.q}」" if state.q else "全部报告"]
    parts += [v.split("/")[-1] for v in state.region] + state.year + state.theme + state.type
    return " · ".join(parts) + " - 报告搜索"


def newest_indexed(hits: list[dict[str, Any]], limit: int) -> list[tuple[dict[str, Any], float | None]]:
    """The hits newest-indexed first, with the time each was indexed."""
    records = web_context().engine.backend.documents(h["id"] for h in hits)
    placed = [(records[h["id"]].indexed_at or records[h["id"]].mtime or 0.0, h) for h in hits if h["id"] in records]
    placed.sort(key=lambda pair: -pair[0])
    return [(hit, stamp or None) for stamp, hit in placed[:limit]]


def atom(state: SearchState, entries: list[tuple[dict[str, Any], float | None]], base: str) -> str:
    """The Atom document (RFC 4287)."""
    search_url = base + state.with_(page=1).url(url_for("pages.search_page"))[1:]
    self_url = base + state.with_(page=1).url(url_for("feeds.feed"))[1:]
    updated = max((m or 0 for _, m in entries), default=0) or time.time()  # an empty feed: now
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
             f"<title>{escape(feed_title(state))}</title>",
             f"<subtitle>{escape('按索引时间排列的最新匹配报告')}</subtitle>",
             f"<id>{escape(self_url)}</id>",
             f"<link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(self_url)}/>",
             f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(search_url)}/>",
             f"<updated>{_iso(updated)}</updated>",
             "<author><name>报告搜索</name></author>",
             "<generator>searchapp</generator>"]
    for hit, mtime in entries:
        doc_url = base + url_for("pages.doc_page", doc_id=hit["id"], q=state.q or None)[1:]
        meta = " · ".join(x for x in (region_label(hit.get("region") or {}),
                                      f"{hit['year']} 年" if hit.get("year") else "", hit.get("type") or "",
                                      "、".join(hit.get("themes") or [])) if x)
        summary = meta + (f"\n{hit['path']}" if hit.get("path") else "")
        lines += ["<entry>",
                  f"<title>{escape(hit.get('heading') or hit.get('title') or '（无标题）')}</title>",
                  f"<id>urn:searchapp:doc:{escape(hit['id'])}</id>",
                  f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(doc_url)}/>",
                  f"<updated>{_iso(mtime)}</updated>",
                  f"<summary>{escape(summary)}</summary>"]
        lines += [f"<category term={quoteattr(t)}/>" for t in hit.get("themes") or []]
        lines.append("</entry>")
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


@bp.get("/feed.atom")
def feed() -> Response:
    state = SearchState.from_args(request.args).with_(page=1, sort="relevance", size=None)
    hits, _total = all_hits(state, FEED_SCAN, snippets=0)
    body = atom(state, newest_indexed(hits, FEED_ENTRIES), request.host_url)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Content-Type"] = ATOM
    response.headers["Cache-Control"] = "max-age=300"
    return response


__all__ = ["bp", "feed_title", "FEED_ENTRIES", "FEED_SCAN"]
