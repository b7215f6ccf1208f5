"""The HTML pages: search, document, original file, and the iframe widget.

Each page builds the same dict the API returns (via :mod:`searchapp.web.api`)
and renders it with a Jinja template; nothing here searches differently.
"""

from __future__ import annotations

import codecs
import mimetypes
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, send_file, url_for

from searchapp.model import QueryError
from searchapp.web import originals
from searchapp.web.api import document_dict, search_dict
from searchapp.web.context import web_context
from searchapp.web.errors import ApiError, page_error
from searchapp.web.evidence import evidence_sections
from searchapp.web.export import EXPORT_LIMIT
from searchapp.web.messages import chinese, note_zh
from searchapp.web.origins import refused_frame_page
from searchapp.web.params import SearchState, is_canonical, parse_int
from searchapp.web.security import SANDBOX_CSP
from searchapp.web.twins import vary_on_accept, wants_json_twin
from searchapp.web.viewmodel import FACET_LABELS, copies, heading, region_label, search_page_model, tidy_doc_html

bp = Blueprint("pages", __name__)

#: Encodings as the reader names them → the charset a browser understands.
_CHARSETS = {"utf-8-sig": "utf-8", "gbk": "gb18030", "gb2312": "gb18030", "utf-16-le": "utf-16le",
             "utf-16-be": "utf-16be"}
EMBED_DEFAULT_SIZE = 5


def _render_search(state: SearchState, template: str, status: int = 200, **extra: Any) -> Response:
    error = None
    response: dict[str, Any] | None = None
    try:
        response = search_dict(state)
    except QueryError as exc:
        error, status = chinese(400, str(exc)), 400
    model = search_page_model(state, response, copy_lookup=_copy_lookup) if response else None
    html = render_template(template, state=state, r=response, m=model, error=error, note_zh=note_zh,
                           export_limit=EXPORT_LIMIT,
                           labels=FACET_LABELS, region_label=region_label, **extra)
    return Response(html, status=status, mimetype="text/html")


def _copy_lookup(doc_id: str) -> tuple[str, str] | None:
    """(title, path) of a document, for the near-duplicate lists."""
    info = web_context().engine.backend.documents([doc_id]).get(doc_id)
    return None if info is None else (info.title, info.path)


@bp.get("/search.json")
def search_json() -> Response:
    """The search page's JSON twin (the same object as ``/api/search``)."""
    return jsonify(search_dict(SearchState.from_args(request.args)))


@bp.get("/")
def search_page() -> Response:
    if wants_json_twin():
        return vary_on_accept(jsonify(search_dict(SearchState.from_args(request.args))))
    if not is_canonical(request.args):
        try:
            return redirect(SearchState.from_args(request.args).url(url_for("pages.search_page")), code=302)
        except QueryError:
            pass  # rendered below with the message
    try:
        state = SearchState.from_args(request.args)
    except QueryError as exc:
        html = render_template("search.html", state=SearchState(q=(request.args.get("q") or "").strip()), r=None,
                               m=None, error=chinese(400, str(exc)), labels=FACET_LABELS, region_label=region_label,
                               note_zh=note_zh)
        return Response(html, status=400, mimetype="text/html")
    return vary_on_accept(_render_search(state, "search.html"))


def _search_state_of_doc_link() -> SearchState:
    """The search a document was opened from (its link carries the whole search state),
    so 返回搜索结果 returns to the same filters, sort and page; a bad parameter there
    only loses the extras, never the page."""
    try:
        return SearchState.from_args(request.args)
    except QueryError:
        return SearchState(q=(request.args.get("q") or "").strip())


@bp.get("/doc/<doc_id>.json")
def doc_json(doc_id: str) -> Response:
    """The document page's JSON twin (the same object as ``/api/doc/<id>``)."""
    doc = document_dict(doc_id, (request.args.get("q") or "").strip())
    if doc is None:
        raise ApiError(404, f"no document with id '{doc_id}'")
    return jsonify(doc)


@bp.get("/doc/<doc_id>")
def doc_page(doc_id: str) -> Response:
    state = _search_state_of_doc_link()
    q = state.q
    doc = document_dict(doc_id, q)
    if wants_json_twin():
        if doc is None:
            raise ApiError(404, f"no document with id '{doc_id}'")
        return vary_on_accept(jsonify(doc))
    if doc is None:
        return page_error(404, "找不到这篇文档：它可能已从索引中删除。")
    back = state.url(url_for("pages.search_page"))
    record = web_context().engine.backend.documents([doc_id]).get(doc_id)
    original_exists = record is not None and originals.is_available(record)
    html = render_template("doc.html", doc=doc, q=q, state=state, back_url=back, region_label=region_label,
                           doc_heading=heading(doc),
                           original_exists=original_exists, labels=FACET_LABELS,
                           evidence=evidence_sections(doc.get("evidence")), doc_html=tidy_doc_html(doc["html"]),
                           copies=copies(doc.get("duplicate_ids") or [], _copy_lookup),
                           back_has_filters=state.has_filters() or state.page != 1 or state.sort != "relevance")
    return vary_on_accept(Response(html, mimetype="text/html"))


@bp.get("/doc/<doc_id>/original")
def doc_original(doc_id: str) -> Response:
    """The indexed source file, looked up by id only (never a path from the request),
    and only while it is still the file that was indexed (see :mod:`.originals`)."""
    info = web_context().engine.backend.documents([doc_id]).get(doc_id)
    if info is None:
        return page_error(404, "找不到这篇文档。")
    opened = originals.open_indexed_file(info)
    if opened is None:
        return page_error(404, "原始文件已不在原处，或在建立索引后被改动（可能已被移动、删除或替换）。")
    fh, st = opened
    source = Path(info.source)
    mimetype = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    charset = _charset(info.encoding)
    if mimetype.startswith("text/") and charset:
        mimetype = f"{mimetype}; charset={charset}"
    response = send_file(fh, mimetype=mimetype, conditional=True, max_age=0,
                         etag=f"{st.st_size:x}-{st.st_mtime_ns:x}", last_modified=st.st_mtime)
    response.headers["Content-Disposition"] = originals.content_disposition(source.name)
    if mimetype.startswith(("text/html", "application/xhtml", "image/svg")):
        response.headers["Content-Security-Policy"] = SANDBOX_CSP
    return response


def _charset(encoding: str | None) -> str | None:
    """The charset to declare for an original text file, or ``None`` when it has no
    single one (a file pasted together from several encodings reads as ``mixed``)."""
    if not encoding:
        return None
    name = encoding.lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return _CHARSETS.get(name, name)


@bp.get("/embed")
def embed_page() -> Response:
    """The iframe widget: a compact, server-rendered search box (works without JavaScript)."""
    refused = refused_frame_page()
    if refused is not None:
        return refused
    args = request.args
    size = parse_int(args, "size", EMBED_DEFAULT_SIZE)
    state = SearchState.from_args(args).with_(size=size)
    target = args.get("open", "_blank")
    if target not in ("_blank", "_top", "_parent", "_self"):
        target = "_blank"
    placeholder = (args.get("placeholder") or "搜索报告、讲话、自查报告…")[:60]
    if not state.q:
        html = render_template("embed.html", state=state, r=None, m=None, error=None, target=target,
                               placeholder=placeholder, region_label=region_label, labels=FACET_LABELS)
        return Response(html, mimetype="text/html")
    return _render_search(state, "embed.html", target=target, placeholder=placeholder)


@bp.get("/embed.js")
def embed_js() -> Response:
    """The script widget; any page may load it (its API calls still obey the CORS allow-list)."""
    response = send_file(Path(bp.root_path) / "static" / "embed.js", mimetype="text/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_file(Path(bp.root_path) / "static" / "favicon.svg", mimetype="image/svg+xml", max_age=86400)


__all__ = ["bp"]
