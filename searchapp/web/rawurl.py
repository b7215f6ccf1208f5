"""Accept raw UTF-8 in request URLs, as browsers and curl send them.

``curl "http://host/api/search?q=教师交流"`` puts the UTF-8 bytes of 教师交流 in the
request line unencoded (browsers percent-encode, but some HTTP clients and
scripts do not). waitress 3 refuses such a request line with "400 Bad URI"
before the app sees it, because it splits the URI with ``urllib.parse.urlsplit``,
which only takes ASCII bytes.

:func:`install` lets waitress percent-encode those bytes first — exactly what a
browser would have sent — and then parse as before. Nothing else changes:
ASCII URIs take the original path untouched. It is a small wrapper of
waitress's module-level ``split_uri`` (looked up at call time by its parser),
applied once per process; when a waitress release no longer has that function,
nothing is patched and raw UTF-8 is refused as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_HIGH_BYTES = re.compile(rb"[\x80-\xff]")


def percent_encode_high_bytes(uri: bytes) -> bytes:
    """``/?q=\\xe6\\x95\\x99`` → ``/?q=%E6%95%99`` (ASCII bytes, ``%`` included, unchanged)."""
    return _HIGH_BYTES.sub(lambda m: b"%%%02X" % m[0][0], uri)


def install() -> bool:
    """Make waitress accept raw UTF-8 request URIs; True when it is in place."""
    try:
        from waitress import parser
    except ImportError:  # pragma: no cover - waitress is a dependency
        return False
    original: Callable[[bytes], tuple[str, str, str, str, str]] | None = getattr(parser, "split_uri", None)
    if original is None:
        return False
    if getattr(original, "accepts_raw_utf8", False):
        return True

    def split_uri(uri: bytes) -> tuple[str, str, str, str, str]:
        return original(percent_encode_high_bytes(uri) if _HIGH_BYTES.search(uri) else uri)

    split_uri.accepts_raw_utf8 = True  # type: ignore[attr-defined]
    parser.split_uri = split_uri
    return True


__all__ = ["install", "percent_encode_high_bytes"]
