"""What one client may hold of a server process: connections, and time to send a request.

waitress reads requests asynchronously, so a slow client costs no worker thread, but
it still holds a connection, and waitress on its own

* keeps a connection that sends one header byte every few seconds forever (its
  ``channel_timeout`` only closes connections that are *idle*);
* stops accepting at ``connection_limit`` and leaves new connections waiting in the
  kernel's queue, so every other client hangs until its own timeout (250 such
  connections locked everyone out for 30 s);
* answers its own errors (431 headers too large, 400 malformed request) without the
  security headers the app puts on every response;
* refuses a request line with raw (not percent-encoded) UTF-8, as ``curl`` sends
  Chinese, with 400 "Bad URI".

:func:`guard_server` fixes these on a server made by ``waitress.create_server``:

* **request timeout** (``server.request_timeout``): a request whose line, headers
  and body have not all arrived that many seconds after its first byte gets
  ``408 Request Timeout`` and the connection is closed;
* **connection limit** (``server.connection_limit``): past it, a new connection is
  accepted, told ``503`` with ``Retry-After`` at once, and closed — a fast, clear
  refusal instead of a hang;
* **idle timeout** (``server.idle_timeout``): waitress's ``channel_timeout``;
* waitress's error answers carry the security headers of
  :mod:`searchapp.web.security`, and raw UTF-8 in the request target is
  percent-encoded before parsing, as a browser would have sent it.

Behind a reverse proxy that buffers whole requests (nginx does by default) slow
clients never reach waitress at all; see docs/operations.md.
"""

from __future__ import annotations

import math
import re
import socket
import time
from dataclasses import dataclass
from types import MethodType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from searchapp.config import ServerSettings
from searchapp.web.security import content_security_policy

#: How long a refused connection may take to read its 503 before it is closed.
REFUSAL_LINGER_S = 2.0
#: Refused connections still lingering past which new ones are closed without an answer
#: (each holds a file descriptor for up to REFUSAL_LINGER_S).
MAX_LINGERING_REFUSALS = 512


def static_security_headers() -> list[tuple[str, str]]:
    """The security headers for answers made outside the app (no CORS allow-list:
    nothing but our own pages may frame an error)."""
    return [("Content-Security-Policy", content_security_policy([])), ("X-Frame-Options", "SAMEORIGIN"),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]


def plain_response(status: str, message: str, extra: list[tuple[str, str]] | None = None) -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response in the API's error shape."""
    code = int(status.split()[0])
    body = ('{"ok": false, "error": "%s", "status": %d}\n' % (message, code)).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close"),
               *static_security_headers(), *(extra or [])]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode("latin-1") + body


@dataclass(frozen=True)
class ConnectionLimits:
    """The server settings that bound connections, in seconds and counts."""

    connection_limit: int
    request_timeout: float
    idle_timeout: float

    @classmethod
    def from_settings(cls, server: ServerSettings) -> ConnectionLimits:
        return cls(server.connection_limit, server.request_timeout, server.idle_timeout)

    def waitress_options(self) -> dict[str, Any]:
        """waitress's own settings: its sweep every second (it takes whole seconds), which
        is when the request timeout is checked too; its ``connection_limit`` is replaced
        by ours (see :func:`guard_server`)."""
        return {"channel_timeout": max(1, math.ceil(self.idle_timeout)), "cleanup_interval": 1}


class SecureErrorTask(ErrorTask):
    """waitress's error answers (431, 400, …) with our security headers."""

    def execute(self) -> None:
        self.response_headers.extend(static_security_headers())
        super().execute()


_TARGET = re.compile(rb"^(\S+ )(\S+)( .*)?$", re.DOTALL)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


class LenientParser(HTTPRequestParser):
    """Percent-encodes raw non-ASCII bytes of the request target before parsing
    (``curl 'http://host/?q=教师'`` sends them raw; browsers encode them)."""

    def parse_header(self, header_plus: bytes) -> None:
        line_end = header_plus.find(b"\r\n")
        first = header_plus[:line_end] if line_end >= 0 else header_plus
        if _NON_ASCII.search(first):
            match = _TARGET.match(first)
            if match:
                target = _NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], match.group(2))
                first = match.group(1) + target + (match.group(3) or b"")
                header_plus = first + (header_plus[line_end:] if line_end >= 0 else b"")
        super().parse_header(header_plus)


class GuardedChannel(HTTPChannel):
    """A waitress channel that knows when its current request began."""

    error_task_class = SecureErrorTask
    parser_class = LenientParser
    #: ``time.monotonic()`` at the first byte of the request being received, if any.
    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        result = super().received(data)
        if self.request is None:
            self.request_started = None
        return result

    def timed_out(self, now: float, limit: float) -> bool:
        started = self.request_started
        return started is not None and now - started > limit and not self.requests


class Refusal(wasyncore.dispatcher):
    """A connection over the limit: answered 503 at once, then drained and closed."""

    RESPONSE = plain_response("503 Service Unavailable", "server busy: too many open connections; retry shortly",
                              [("Retry-After", "1")])

    def __init__(self, conn: socket.socket, map: dict[int, Any]):  # noqa: A002 - wasyncore's name
        super().__init__(conn, map=map)
        self.created = time.monotonic()
        try:
            conn.send(self.RESPONSE)  # small: fits in the socket's send buffer
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            self.close()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        # Read what the client sent, so that closing does not reset the connection
        # before it has read the 503.
        try:
            if not self.recv(65536):
                self.close()
        except OSError:
            self.close()

    def handle_close(self) -> None:
        self.close()

    def expire(self) -> None:
        """Make the event loop close this connection. Closing it here, while the loop
        is collecting descriptors to poll, would hand it a closed one (EBADF)."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)  # the next poll reports it; handle_read closes
        except OSError:
            pass


def _refusals(server: BaseWSGIServer) -> list[Refusal]:
    return [d for d in list(server._map.values()) if isinstance(d, Refusal)]


def guard_server(server: Any, limits: ConnectionLimits) -> None:
    """Apply the request timeout and the connection limit to every listening socket of
    ``server`` (what ``waitress.create_server`` returned)."""
    listeners = [d for d in list(getattr(server, "map", getattr(server, "_map", {})).values())
                 if isinstance(d, BaseWSGIServer)] or [server]
    for listener in listeners:
        _guard_listener(listener, limits)


def _guard_listener(listener: BaseWSGIServer, limits: ConnectionLimits) -> None:
    listener.channel_class = GuardedChannel
    waitress_maintenance = listener.maintenance

    def maintenance(self: BaseWSGIServer, now: float) -> None:
        waitress_maintenance(now)
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            if isinstance(channel, GuardedChannel) and channel.timed_out(mono, limits.request_timeout):
                channel.request_started = None
                try:
                    channel.write_soon(plain_response(
                        "408 Request Timeout",
                        f"the request did not arrive within server.request_timeout ({limits.request_timeout:g} s)"))
                    channel.close_when_flushed = True
                except Exception:  # noqa: BLE001 - the client is gone: just close
                    channel.will_close = True
        for refusal in _refusals(self):
            if mono - refusal.created > REFUSAL_LINGER_S:
                refusal.expire()

    def readable(self: BaseWSGIServer) -> bool:
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        return bool(self.accepting)  # always accept: over the limit, handle_accept refuses

    def handle_accept(self: BaseWSGIServer) -> None:
        if len(self.active_channels) < limits.connection_limit:
            waitress_accept()
            return
        try:
            accepted = self.accept()
        except OSError:
            return
        if accepted is None:
            return
        conn = accepted[0]
        if len(_refusals(self)) >= MAX_LINGERING_REFUSALS:
            conn.close()  # a flood: do not even answer
            return
        Refusal(conn, self._map)

    waitress_accept = listener.handle_accept
    listener.maintenance = MethodType(maintenance, listener)  # type: ignore[method-assign]
    listener.readable = MethodType(readable, listener)  # type: ignore[method-assign]
    listener.handle_accept = MethodType(handle_accept, listener)  # type: ignore[method-assign]
