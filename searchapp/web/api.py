"""The JSON API: thin wrappers that return exactly what the query layer builds.

``/api/search`` answers ``SearchResponse.to_dict()`` — the same object as
``searchapp search --json`` — so a script, the pages and the widget can never
disagree. Bad parameters raise :class:`~searchapp.model.QueryError`, which the
app turns into ``{"ok": false, "error": ..., "status": 400}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from searchapp.errors import explain_index_failure
from searchapp.model import SearchRequest
from searchapp.query.service import get_document, search
from searchapp.web.context import web_context
from searchapp.web.errors import ApiError, json_error, public_message
from searchapp.web.openapi import openapi_spec
from searchapp.web.params import SearchState, parse_int
from searchapp.web.suggest import DEFAULT_LIMIT, suggest
from searchapp.web.viewmodel import add_headings, tidy_snippet

bp = Blueprint("api", __name__)


def search_dict(state: SearchState, **overrides: Any) -> dict[str, Any]:
    """One search as a dict — the single code path behind pages, API and widget.

    Each hit gains a ``heading`` (its title made distinguishable from the other hits,
    see :func:`~searchapp.web.viewmodel.heading`), and snippets lose the tags and
    Markdown signs that plain-text sources carry, with adjacent highlights joined."""
    response = search(web_context().engine, state.request(**overrides)).to_dict()
    hits = response["hits"]
    for hit in hits:
        hit["snippets"] = [tidy_snippet(s) for s in hit["snippets"]]
    add_headings(hits)
    return response


def document_dict(doc_id: str, q: str) -> dict[str, Any] | None:
    return get_document(web_context().engine, doc_id, q)


@bp.get("/api/search")
def api_search() -> Response:
    return jsonify(search_dict(SearchState.from_args(request.args)))


@bp.get("/api/doc/<doc_id>")
def api_doc(doc_id: str) -> Response:
    doc = document_dict(doc_id, request.args.get("q", ""))
    if doc is None:
        raise ApiError(404, f"no document with id '{doc_id}'")
    return jsonify(doc)


@bp.get("/api/facets")
def api_facets() -> Response:
    ctx = web_context()
    facets = ctx.engine.facet_values()
    return jsonify({"facets": facets, "stats": ctx.stats()})


@bp.get("/api/suggest")
def api_suggest() -> Response:
    state = SearchState.from_args(request.args)
    limit = parse_int(request.args, "limit", DEFAULT_LIMIT)
    return jsonify(suggest(web_context().engine, request.args.get("q", ""), limit or DEFAULT_LIMIT,
                           filters=state.request()))


@bp.get("/api/openapi.json")
def api_openapi() -> Response:
    return jsonify(openapi_spec(max_page_size=web_context().settings.search.max_page_size))


@bp.get("/healthz")
def healthz() -> Response | tuple[Response, int]:
    try:
        documents = web_context().engine.backend.info()["documents"]
    except Exception as exc:  # the probe must answer, not crash, when the index is gone
        explained = explain_index_failure(exc, web_context().index_dir, opening=True) or exc
        return json_error(503, f"index unavailable: {public_message(explained)}"), 503
    return jsonify({"ok": True, "documents": documents})
