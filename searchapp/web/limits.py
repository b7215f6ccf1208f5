"""Bounds on what one request may ask, so no URL can make the server work hard.

The app only ever reads GET parameters: a query (cut to ``search.max_query_chars``
by the query layer), up to four repeatable filters, a page and a size. Everything
beyond generous use is refused up front with the API's error shape:

* a request body (no route accepts one): 413 past :data:`MAX_BODY_BYTES`;
* a query string over :data:`MAX_QUERY_STRING_BYTES` bytes — some 3,600 Chinese
  characters once percent-encoded, so a pasted paragraph still gets an answer (its
  first ``search.max_query_chars`` characters are searched, with a note): 414;
* more than :data:`MAX_PARAMETERS` parameters, or more than :data:`MAX_FILTER_VALUES`
  values of one filter: 400 — each filter value is checked against every matching
  document, so their number bounds the cost of a search.

Page size (``search.max_page_size``), suggestion count and facet sizes
(``search.facet_limit``) are bounded where they are used. waitress refuses
oversized headers and bodies before the app sees them (see
:mod:`searchapp.web.server`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

from searchapp.config import Settings

MAX_BODY_BYTES = 16 * 1024
MAX_QUERY_STRING_BYTES = 32 * 1024
MAX_PARAMETERS = 200
MAX_FILTER_VALUES = 50
#: The repeatable filter parameters (see :mod:`searchapp.web.params`).
FILTER_PARAMETERS = ("region", "year", "theme", "type")


def check_request() -> tuple[int, str] | None:
    """``(status, message)`` when the current request is over a limit, else ``None``."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return 413, f"request body over {MAX_BODY_BYTES} bytes"
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        return 414, f"query string over {MAX_QUERY_STRING_BYTES} bytes; shorten the query or use fewer filters"
    args = request.args
    count = sum(len(values) for values in args.listvalues())
    if count > MAX_PARAMETERS:
        return 400, f"too many parameters ({count}; at most {MAX_PARAMETERS})"
    for name in FILTER_PARAMETERS:
        n = len(args.getlist(name))
        if n > MAX_FILTER_VALUES:
            return 400, f"too many values of {name} ({n}; at most {MAX_FILTER_VALUES})"
    return None


def install(app: Flask, settings: Settings, deny: Callable[[int, str], Response]) -> None:
    """Refuse over-limit requests before any view runs; ``deny(status, message)``
    builds the answer (JSON for the API, a page otherwise)."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_BODY_BYTES

    @app.before_request
    def _limits() -> Response | None:
        refused = check_request()
        return deny(*refused) if refused else None
