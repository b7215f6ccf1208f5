"""Saying clearly when a portal's origin is not on the allow-list (``server.cors_origins``).

A browser refuses a cross-origin answer without ``Access-Control-Allow-Origin``
(the widget only learns "Failed to fetch") and refuses to show a framed page that
``frame-ancestors`` does not allow (a broken-page icon). Neither tells the portal's
administrator what to change, so:

* ``/embed.js/origin`` answers any origin (no data in it) whether that origin is
  allowed; the script widget asks it when a request fails and then names the
  setting. It lives under ``/embed.js``, which is open like the script itself;
* ``/embed`` framed by an origin that is not allowed gets a short page that says
  so (it is frameable by anyone: it holds no data and no action);
* the server log gets one warning per refused origin, with the setting's name.

The allow-list itself is enforced by :mod:`searchapp.web.security`; this module
only explains it.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, g, jsonify, render_template, request

from searchapp.config import Settings
from searchapp.web.security import normalize_origin

log = logging.getLogger("searchapp.web")
SETTING = "server.cors_origins"
bp = Blueprint("origins", __name__)


class RefusedOrigins:
    """The allow-list, and which refused origins were already logged (once each)."""

    def __init__(self, settings: Settings):
        self.allowed = {normalize_origin(o) for o in settings.server.cors_origins if o.strip()}
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def allowed_origin(self, origin: str) -> bool:
        origin = normalize_origin(origin)
        return origin in self.allowed or origin == normalize_origin(request.host_url)

    def warn_once(self, origin: str, what: str) -> None:
        origin = normalize_origin(origin)
        with self._lock:
            if origin in self._logged or len(self._logged) > 1000:
                return
            self._logged.add(origin)
        log.warning("%s on %s refused: that origin is not in %s; add it to the config to allow it",
                    what, origin, SETTING)


def _refused() -> RefusedOrigins:
    from flask import current_app

    return current_app.extensions["searchapp.origins"]


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def framing_origin() -> str | None:
    """The origin of the page framing this request, when the browser says it is framed."""
    if request.headers.get("Sec-Fetch-Dest") not in ("iframe", "frame"):
        return None
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return None
    return _origin_of(request.headers.get("Referer"))


def refused_frame_page() -> Response | None:
    """The explanation page for ``/embed`` framed by an origin that is not allowed, else None."""
    origin = framing_origin()
    if origin is None or _refused().allowed_origin(origin):
        return None
    _refused().warn_once(origin, "the /embed iframe")
    g.frameable_refusal = True
    html = render_template("embed_refused.html", origin=origin, setting=SETTING)
    response = Response(html, status=403, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors *")
    return response


@bp.get("/embed.js/origin")
def origin_check() -> Response:
    """``{"origin", "allowed", "setting"}`` for the asking page's origin; readable by any origin."""
    origin = request.headers.get("Origin") or ""
    allowed = bool(origin) and _refused().allowed_origin(origin)
    if origin and not allowed:
        _refused().warn_once(origin, "the search widget")
    response = jsonify({"origin": origin, "allowed": allowed, "setting": SETTING})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask, settings: Settings) -> None:
    """Register before :class:`~searchapp.web.security.Guard`: after-request hooks run in
    reverse order, so this one sees the Guard's headers and can drop ``X-Frame-Options``
    from the (data-free) refusal page only."""
    app.extensions["searchapp.origins"] = RefusedOrigins(settings)
    app.register_blueprint(bp)

    @app.after_request
    def _explain(response: Response) -> Response:
        if g.get("frameable_refusal"):
            response.headers.pop("X-Frame-Options", None)
        origin = request.headers.get("Origin")
        if origin and request.path.startswith("/api/") and not _refused().allowed_origin(origin):
            _refused().warn_once(origin, "API request from a page")
        return response


__all__ = ["install", "refused_frame_page", "SETTING"]
