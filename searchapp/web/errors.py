"""One error shape for the API, friendly pages for people.

API clients always get ``{"ok": false, "error": "...", "code": "...", "message":
"...", "status": N}`` with a matching HTTP status: ``error`` is the English detail
(as the CLI and logs print it), ``code`` a stable machine-readable name and
``message`` the same in Chinese (see :mod:`searchapp.web.messages`) — for bad parameters, unknown ids, refused access, unknown
routes and even unexpected failures — so they can handle errors without
parsing HTML. Pages get the same message inside the site layout, in Chinese.

A missing, damaged or incompatible index is a 503 ("unavailable"), never a 500:
the reason and the fix (``searchapp index --rebuild``) are in the message, with
the server's own folder names left out — they are the operator's business, and
the operator finds them in the log.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searchapp.errors import SearchappError, explain_index_failure
from searchapp.model import QueryError
from searchapp.web.messages import chinese, explain
from searchapp.web.twins import wants_json_twin

log = logging.getLogger("searchapp.web")

PAGE_MESSAGES = {
    400: "请求参数有误。",
    401: "需要访问令牌。",
    403: "访问被拒绝。",
    404: "找不到这个页面或文档。",
    405: "不支持这种请求方式。",
    500: "服务器内部错误，请稍后再试。",
    503: "搜索索引暂时不可用。",
}


class ApiError(Exception):
    """An error with an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def wants_json() -> bool:
    """API routes, the JSON twins of the pages (``.json`` suffix or ``Accept: application/json``),
    and the files programs fetch (exports, feeds): their errors are the API's JSON."""
    return (request.path.startswith("/api/") or request.path == "/healthz" or wants_json_twin()
            or request.path.endswith((".csv", ".xlsx", ".atom")))


def json_error(status: int, message: str) -> Response:
    explained = explain(status, message)
    response = jsonify({"ok": False, "error": message, "code": explained.code, "message": explained.message,
                        "status": status})
    response.status_code = status
    return response


def page_error(status: int, message: str | None = None) -> Response:
    """The error page, in Chinese whatever language ``message`` came in."""
    shown = chinese(status, message) if message else PAGE_MESSAGES.get(status, "")
    html = render_template("error.html", status=status, message=shown,
                           title=PAGE_MESSAGES.get(status, "出错了"))
    return Response(html, status=status, mimetype="text/html")


def error_response(status: int, message: str) -> Response:
    """The refusal/answer for the current request: JSON for the API, a page otherwise."""
    return json_error(status, message) if wants_json() else page_error(status, message)


def public_message(exc: BaseException) -> str:
    """``str(exc)`` without the index folder's absolute path (shown by name only)."""
    from searchapp.web.context import web_context

    message = str(exc)
    try:
        folder = web_context().index_dir
    except Exception:  # no app context: nothing to hide
        return message
    return message.replace(str(folder), folder.name)


def unavailable(exc: SearchappError) -> Response:
    """The 503 answer for a problem of the index (logged with the full message)."""
    log.warning("index unavailable on %s: %s", request.path, exc)
    return error_response(503, public_message(exc))


def install(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def _query_error(exc: QueryError) -> Response:
        return error_response(400, str(exc))

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if wants_json():
            return json_error(status, exc.description or exc.name)
        return page_error(status, PAGE_MESSAGES.get(status, exc.name))

    @app.errorhandler(SearchappError)
    def _searchapp_error(exc: SearchappError) -> Response:
        return unavailable(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from searchapp.web.context import web_context

        explained = explain_index_failure(exc, web_context().index_dir)
        if explained is not None:  # a damaged file met while answering
            log.error("index failure on %s", request.path, exc_info=exc)
            return unavailable(explained)
        log.exception("unexpected error on %s", request.path)
        return error_response(500, "internal error")
