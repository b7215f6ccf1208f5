"""``searchapp serve``: waitress in production, Flask's debugger with ``--debug``.

waitress is a pure-Python, multi-threaded WSGI server that runs the same on
Linux and Windows office machines; its thread count is ``server.threads``. The
search index is opened once, before the first request, so a missing or
incompatible index is reported at start-up rather than on the first search.
"""

from __future__ import annotations

import sys
from pathlib import Path

from searchapp.config import Settings


def display_url(host: str, port: int) -> str:
    """The URL to print: wildcard addresses are shown as localhost, IPv6 in brackets."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(settings: Settings, index_dir: Path | str, host: str, port: int, debug: bool = False) -> None:
    """Serve the app on ``host:port`` until interrupted."""
    from searchapp.web.app import create_app

    app = create_app(settings, index_dir=index_dir)
    documents = len(app.extensions["searchapp"].snapshot().docs)
    url = display_url(host, port)
    print(f"searchapp: {documents} documents from {index_dir}", flush=True)
    print(f"searchapp: serving on {url}  (Ctrl-C to stop)", flush=True)
    if host in ("0.0.0.0", "::", ""):
        print("searchapp: listening on every network interface", file=sys.stderr, flush=True)
    if debug:
        # The reloader would start a second process and open the index twice; templates
        # still reload in debug mode.
        app.run(host=host, port=port, debug=True, use_reloader=False, threaded=True)
        return
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=settings.server.threads, ident="searchapp",
                   clear_untrusted_proxy_headers=True)
