"""Response headers, CORS and the optional access checks, in one place.

Kept apart from the views so that later hardening (rate limits, audit logging)
changes one module. What it does now:

* security headers on every response, error pages and static files included;
  the Content-Security-Policy allows no inline script or style, and only our own
  origin plus the CORS allow-list may frame us (the ``/embed`` iframe) — original
  files get a sandboxing policy that keeps the same framing rule;
* CORS for ``/api/*``: an exact-match allow-list from ``server.cors_origins``;
  other origins get no ``Access-Control-Allow-Origin`` and the browser refuses
  to hand them the response;
* ``server.access_token``: header ``X-Searchapp-Token``, the ``searchapp_token``
  cookie, or a ``token`` parameter (which sets the cookie, so a link works once; a
  page request is then redirected to its URL without the token). The cookie is
  ``Secure`` when the request came over TLS — directly, or through the proxy named
  by ``server.trusted_proxy`` (``X-Forwarded-Proto``), never on a client's word;
* ``server.trusted_user_header``: set by an authenticating reverse proxy;
  requests without it are refused.

``/healthz`` and the static files (no data in them) stay open.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable

from flask import Flask, Request, Response, current_app, g, request

from searchapp.config import ServerSettings

TOKEN_HEADER = "X-Searchapp-Token"
TOKEN_COOKIE = "searchapp_token"
TOKEN_PARAM = "token"
#: Paths that never need a token or the trusted user header.
OPEN_PREFIXES = ("/healthz", "/static/", "/embed.js", "/favicon.ico")
#: Originals are third-party documents: HTML among them must not run script in our origin.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def normalize_origin(origin: str) -> str:
    """``https://Host:443/`` → ``https://host:443``: origins compare without case or trailing slash."""
    return origin.strip().rstrip("/").lower()


def frame_ancestors(frame_origins: Iterable[str]) -> str:
    return "frame-ancestors " + " ".join(["'self'", *frame_origins])


def content_security_policy(frame_origins: Iterable[str]) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"object-src 'none'; base-uri 'self'; form-action 'self'; {frame_ancestors(frame_origins)}")


def is_api(req: Request) -> bool:
    return req.path.startswith("/api/")


def is_open(req: Request) -> bool:
    return req.path.startswith(OPEN_PREFIXES)


def is_preflight(req: Request) -> bool:
    return req.method == "OPTIONS" and "Access-Control-Request-Method" in req.headers


def allowed_methods() -> list[str]:
    """The methods the current request's URL answers, for the ``Allow`` header a 405
    must carry (RFC 9110); the error handler that builds the 405 body drops the one
    werkzeug's exception had."""
    try:
        methods = current_app.url_map.bind_to_environ(request.environ).allowed_methods()
    except Exception:  # noqa: BLE001 - a header is not worth failing the answer for
        methods = []
    return sorted(set(methods) | {"OPTIONS"}) if methods else ["GET", "HEAD", "OPTIONS"]


def redirect_without_token() -> Response:
    """302 to the current URL minus ``token`` (as the search page's own canonical-URL
    redirect answers): the cookie set on this answer carries
    it from now on, and the token leaves the address bar, the history and the
    ``Referer`` of the next page. The location is a relative path (never built from
    the ``Host`` header), with one leading slash (``//host`` would leave the site)."""
    from urllib.parse import quote, urlencode

    kept = [(k, v) for k, v in request.args.items(multi=True) if k != TOKEN_PARAM]
    location = "/" + quote(request.path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")
    if kept:
        location += "?" + urlencode(kept)
    response = Response(status=302)
    response.headers["Location"] = location
    response.headers["Cache-Control"] = "no-store"
    return response


class Guard:
    """Installs the checks and headers on an app (``before_request``/``after_request``)."""

    def __init__(self, server: ServerSettings):
        self.allowed = {normalize_origin(o) for o in server.cors_origins if o.strip()}
        self.csp = content_security_policy(sorted(self.allowed))
        self.ancestors = frame_ancestors(sorted(self.allowed))
        self.token = server.access_token or None
        self.user_header = server.trusted_user_header or None

    def install(self, app: Flask, deny: Callable[[int, str], Response]) -> None:
        """``deny(status, message)`` builds the refusal (JSON for the API, a page otherwise)."""

        @app.before_request
        def _check_access() -> Response | None:
            if is_preflight(request):
                return self.preflight()
            if is_open(request):
                return None
            if self.user_header and not request.headers.get(self.user_header, "").strip():
                return deny(403, "访问被拒绝：请通过单位统一登录入口访问。")
            if self.token:
                offered = self._offered_token()
                if offered is None or not hmac.compare_digest(offered.encode(), self.token.encode()):
                    return deny(401, "需要有效的访问令牌（X-Searchapp-Token）。")
                g.set_token_cookie = request.args.get(TOKEN_PARAM) is not None
                if g.set_token_cookie and not is_api(request) and request.method in ("GET", "HEAD"):
                    return redirect_without_token()
            return None

        @app.after_request
        def _headers(response: Response) -> Response:
            self.add_headers(response)
            return response

    def _offered_token(self) -> str | None:
        return (request.headers.get(TOKEN_HEADER) or request.args.get(TOKEN_PARAM)
                or request.cookies.get(TOKEN_COOKIE))

    def origin_allowed(self, origin: str | None) -> bool:
        return bool(origin) and normalize_origin(origin or "") in self.allowed

    def preflight(self) -> Response:
        """Answer a CORS preflight for the API (allowed origins only; 403 otherwise)."""
        origin = request.headers.get("Origin")
        if not is_api(request) or not self.origin_allowed(origin):
            response = Response(status=403)
        else:
            response = Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = f"{TOKEN_HEADER}, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    def add_headers(self, response: Response) -> None:
        headers = response.headers
        if response.status_code == 405 and "Allow" not in headers:
            headers["Allow"] = ", ".join(allowed_methods())
        csp = headers.get("Content-Security-Policy")
        if csp is None:
            headers["Content-Security-Policy"] = self.csp
        elif "frame-ancestors" not in csp:  # a view's own policy (originals) keeps the framing rule
            headers["Content-Security-Policy"] = f"{csp}; {self.ancestors}"
        if not self.allowed:
            # Browsers without CSP frame-ancestors (old IE on office desktops) understand this;
            # with an allow-list it would also refuse the allowed portals, so it is left out.
            headers["X-Frame-Options"] = "SAMEORIGIN"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if is_api(request):
            # The answer depends on Origin for every API response, so caches must key on it.
            response.vary.add("Origin")
            origin = request.headers.get("Origin")
            if self.origin_allowed(origin):
                headers["Access-Control-Allow-Origin"] = origin  # type: ignore[assignment]
                headers["Access-Control-Allow-Credentials"] = "true"
        if self.token and g.get("set_token_cookie"):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Lax",
                                secure=request.is_secure)
