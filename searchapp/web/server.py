"""``searchapp serve``: waitress in production, Flask's debugger with ``--debug``.

waitress is a pure-Python, multi-threaded WSGI server that runs the same on
Linux and Windows office machines; its thread count is ``server.threads``. The
search index is opened once, before the first request, so a missing or
incompatible index is reported at start-up; the server then keeps running and
answers 503 with the reason until an indexing run fixes it (no restart needed).

Python runs one thread at a time, so one process uses one core. Where the OS
offers ``SO_REUSEPORT`` (Linux, macOS), ``server.processes`` (0 = one per core)
forks that many waitress processes, each listening on the same port with its own
socket; the kernel spreads new connections among them (with one shared socket,
the first process to wake would take every keep-alive connection). Each process
opens the index read-only for itself. A process that dies is replaced. On
Windows one process serves.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from searchapp.config import Settings
from searchapp.errors import SearchappError
from searchapp.stopping import interrupt_on_signals

#: waitress refuses these before the app sees the request. No route reads a body,
#: and a request line plus headers past 64 KB is no browser's (waitress's defaults,
#: 1 GB and 256 KB, would let one client make it buffer a gigabyte to disk).
WAITRESS_LIMITS = {"max_request_body_size": 64 * 1024, "max_request_header_size": 64 * 1024}


def display_url(host: str, port: int) -> str:
    """The URL to print: wildcard addresses are shown as localhost, IPv6 in brackets."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(settings: Settings, index_dir: Path | str, host: str, port: int, debug: bool = False) -> None:
    """Serve the app on ``host:port`` until SIGINT (Ctrl-C) or SIGTERM, which are
    honoured even when the process was started with SIGINT ignored (``nohup``, a
    background job): see :mod:`searchapp.stopping`."""
    from searchapp.web.app import create_app

    _check_port_free(host, port)  # before saying "serving on": a taken port is the first thing to report
    app = create_app(settings, index_dir=index_dir)
    url = display_url(host, port)
    try:
        documents = app.extensions["searchapp"].engine.backend.info()["documents"]
        print(f"searchapp: {documents} documents from {index_dir}", flush=True)
    except SearchappError as exc:
        # Keep serving: /healthz and every search answer 503 with the reason until an
        # indexing run puts a usable index in place, which is then picked up.
        print(f"searchapp: warning: {exc}", file=sys.stderr, flush=True)
        print("searchapp: answering 503 until the index can be opened", file=sys.stderr, flush=True)
    print(f"searchapp: serving on {url}  (Ctrl-C to stop)", flush=True)
    if host in ("0.0.0.0", "::", ""):
        print("searchapp: listening on every network interface", file=sys.stderr, flush=True)
    processes = 1 if debug else server_processes(settings)
    if processes > 1:
        print(f"searchapp: {processes} server processes", flush=True)
        _prefork(settings, index_dir, host, port, processes)
    else:
        try:
            with interrupt_on_signals():
                if debug:
                    # The reloader would start a second process and open the index twice;
                    # templates still reload in debug mode.
                    app.run(host=host, port=port, debug=True, use_reloader=False, threaded=True)
                else:
                    _waitress(app, settings, host=host, port=port)
        except KeyboardInterrupt:
            pass  # a signal before waitress's loop started (in it, waitress shuts down and returns)
        except OSError as exc:
            raise SearchappError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    print("searchapp: stopped", file=sys.stderr, flush=True)


def server_processes(settings: Settings) -> int:
    """How many server processes to run (1 where ``fork`` is unavailable)."""
    if not hasattr(os, "fork") or not hasattr(socket, "SO_REUSEPORT"):
        return 1
    return settings.server.processes or os.cpu_count() or 1


def waitress_options(settings: Settings) -> dict[str, object]:
    """Everything we tell waitress: threads, sizes, timeouts and whom to trust for
    ``X-Forwarded-*`` (nobody unless ``server.trusted_proxy`` names the proxy)."""
    from searchapp.web.connections import ConnectionLimits

    server = settings.server
    options: dict[str, object] = {"threads": server.threads, "ident": "searchapp",
                                  "clear_untrusted_proxy_headers": True, **WAITRESS_LIMITS,
                                  **ConnectionLimits.from_settings(server).waitress_options()}
    if server.trusted_proxy:
        options.update(trusted_proxy=server.trusted_proxy, trusted_proxy_count=1,
                       trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host",
                                              "x-forwarded-port"})
    return options


def _waitress(app, settings: Settings, **where) -> None:
    """Run waitress with the guards of :mod:`searchapp.web.connections` until interrupted."""
    import logging

    from waitress.server import create_server

    from searchapp.web.connections import ConnectionLimits, guard_server

    logging.basicConfig()  # waitress logs its warnings through logging, as waitress.serve arranges
    server = create_server(app, **waitress_options(settings), **where)
    guard_server(server, ConnectionLimits.from_settings(settings.server))
    server.run()


def _listen(host: str, port: int, share: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _check_port_free(host: str, port: int) -> None:
    """Fail if the port is taken, by anyone. The check must not set SO_REUSEPORT: with
    it, a second `searchapp serve` on the same port would bind too and silently share
    the traffic with the first."""
    try:
        _listen(host, port, share=False).close()
    except OSError as exc:
        raise SearchappError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _prefork(settings: Settings, index_dir: Path | str, host: str, port: int, processes: int) -> None:
    """Run ``processes`` waitress children on one port until SIGINT/SIGTERM."""
    children: set[int] = set()
    stopping = False

    def start_child() -> None:
        pid = os.fork()
        if pid == 0:  # child: its own app and index handle
            try:
                with interrupt_on_signals():  # finish the requests in progress, then exit
                    from searchapp.web.app import create_app

                    app = create_app(settings, index_dir=index_dir)
                    _waitress(app, settings, sockets=[_listen(host, port)])
            except KeyboardInterrupt:
                pass
            finally:
                os._exit(0)
        children.add(pid)

    def stop(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                children.discard(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        start_child()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
            continue
        children.discard(pid)
        if not stopping:
            print(f"searchapp: server process {pid} exited; starting another", file=sys.stderr, flush=True)
            time.sleep(0.5)
            start_child()
