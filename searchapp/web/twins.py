"""The JSON twin of every page (datasette's habit).

The search page ``/?q=…`` and the document page ``/doc/<id>`` answer with the same
object as ``/api/search`` and ``/api/doc/<id>`` when asked for JSON — with a
``.json`` suffix (``/search.json?q=…``, ``/doc/<id>.json``) or an
``Accept: application/json`` header that prefers JSON to HTML. Both kinds of
answer come from one function per page, so the page and its twin cannot drift.
"""

from __future__ import annotations

from flask import Response, request

#: Paths whose answer is always JSON.
JSON_SUFFIX = ".json"


def prefers_json() -> bool:
    """``Accept`` ranks JSON above HTML (browsers send text/html first; curl's */* stays HTML)."""
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html") or (
        accept.best == "application/json")


def wants_json_twin() -> bool:
    """Whether this page request asks for its JSON twin (suffix or Accept header)."""
    path = request.path
    if path.endswith(JSON_SUFFIX) and (path == "/search.json" or path.startswith("/doc/")):
        return True
    return (path == "/" or (path.startswith("/doc/") and path.count("/") == 2)) and prefers_json()


def vary_on_accept(response: Response) -> Response:
    """Pages that answer HTML or JSON by ``Accept`` must say so to caches."""
    response.vary.add("Accept")
    return response


__all__ = ["wants_json_twin", "prefers_json", "vary_on_accept", "JSON_SUFFIX"]
