"""The HTML pages: search, document, original file, and the iframe widget.

Each page builds the same dict the API returns (via :mod:`searchapp.web.api`)
and renders it with a Jinja template; nothing here searches differently.
"""

from __future__ import annotations

import codecs
import mimetypes
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, send_file, url_for

from searchapp.search import QueryError
from searchapp.web import originals
from searchapp.web.api import document_dict, search_dict
from searchapp.web.context import web_context
from searchapp.web.errors import page_error
from searchapp.web.params import SearchState, is_canonical, parse_int
from searchapp.web.security import SANDBOX_CSP
from searchapp.web.viewmodel import FACET_LABELS, region_label, search_page_model

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
        error, status = str(exc), 400
    model = search_page_model(state, response) if response else None
    html = render_template(template, state=state, r=response, m=model, error=error,
                           labels=FACET_LABELS, region_label=region_label, **extra)
    return Response(html, status=status, mimetype="text/html")


@bp.get("/")
def search_page() -> Response:
    if not is_canonical(request.args):
        try:
            return redirect(SearchState.from_args(request.args).url(url_for("pages.search_page")), code=302)
        except QueryError:
            pass  # rendered below with the message
    try:
        state = SearchState.from_args(request.args)
    except QueryError as exc:
        html = render_template("search.html", state=SearchState(q=(request.args.get("q") or "").strip()), r=None,
                               m=None, error=str(exc), labels=FACET_LABELS, region_label=region_label)
        return Response(html, status=400, mimetype="text/html")
    return _render_search(state, "search.html")


@bp.get("/doc/<doc_id>")
def doc_page(doc_id: str) -> Response:
    q = (request.args.get("q") or "").strip()
    doc = document_dict(doc_id, q)
    if doc is None:
        return page_error(404, "找不到这篇文档：它可能已从索引中删除。")
    back = SearchState(q=q).url(url_for("pages.search_page"))
    snap = web_context().snapshot()
    docnum = snap.by_id.get(doc_id)
    original_exists = docnum is not None and originals.is_available(snap, docnum)
    html = render_template("doc.html", doc=doc, q=q, back_url=back, region_label=region_label,
                           original_exists=original_exists, labels=FACET_LABELS)
    return Response(html, mimetype="text/html")


@bp.get("/doc/<doc_id>/original")
def doc_original(doc_id: str) -> Response:
    """The indexed source file, looked up by id only (never a path from the request),
    and only while it is still the file that was indexed (see :mod:`.originals`)."""
    snap = web_context().snapshot()
    docnum = snap.by_id.get(doc_id)
    if docnum is None:
        return page_error(404, "找不到这篇文档。")
    info = snap.docs[docnum]
    opened = originals.open_indexed_file(snap, docnum)
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
