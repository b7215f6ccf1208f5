"""One client cannot lock others out of `searchapp serve`: slow-loris connections are
cut after ``server.request_timeout`` with 408, connections past
``server.connection_limit`` get an immediate 503, and meanwhile another client's
request is answered within a deadline."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import wait_until
from support import cli, serving

pytestmark = pytest.mark.slow

#: A probe must be answered (any status) within this many seconds.
ANSWER_DEADLINE_S = 3.0


class SlowLoris:
    """``count`` connections that each send a request one header byte at a time,
    every ``interval`` seconds, never finishing it (as the attack tool does)."""

    REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 10_000

    def __init__(self, port: int, count: int, interval: float = 0.3):
        self.sockets: list[socket.socket] = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.setblocking(False)
            self.sockets.append(sock)
        self.interval = interval
        self.sent = 0
        self.answers: dict[int, bytes] = {}  # index → what the server sent before closing
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.is_set() and self.sent < len(self.REQUEST):
            byte = self.REQUEST[self.sent:self.sent + 1]
            for i, sock in enumerate(self.sockets):
                if i in self.answers:
                    continue
                try:
                    data = sock.recv(4096)
                    self.answers[i] = data  # b"" is a close without an answer
                    continue
                except BlockingIOError:
                    pass
                except OSError:
                    self.answers[i] = b""
                    continue
                try:
                    sock.send(byte)
                except OSError:
                    self.answers[i] = b""
            self.sent += 1
            self._stop.wait(self.interval)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()


@contextmanager
def slow_loris(port: int, count: int) -> Iterator[SlowLoris]:
    attack = SlowLoris(port, count)
    try:
        yield attack
    finally:
        attack.close()


def probe(url: str) -> int | None:
    """Status of GET ``url``, or None when no answer came within the deadline."""
    try:
        with urllib.request.urlopen(url, timeout=ANSWER_DEADLINE_S) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def write_config(folder: Path, **server: object) -> Path:
    """A config for one server process over a one-report index (so /healthz says 200)."""
    docs = folder / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "r.txt").write_text("连接测试报告\n\n城乡教师交流轮岗。\n", encoding="utf-8")
    config = folder / "config.yaml"
    lines = [f"index_dir: {json.dumps(str(folder / 'index'))}", "server:", "  processes: 1"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in server.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli("--config", str(config), "index", str(docs), "--workers", "1", cwd=folder, check=True)
    return config


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def test_more_slow_connections_than_waitress_allows_do_not_lock_others_out(tmp_path: Path) -> None:
    """150 slow-loris connections (waitress alone stops accepting at 100 and leaves
    everyone else waiting): with the default settings every probe is answered."""
    with serving(write_config(tmp_path), tmp_path) as server, slow_loris(port_of(server.url), 150) as attack:
        assert wait_until(lambda: attack.sent >= 3, 10)
        statuses = [probe(server.url + "healthz") for _ in range(10)]
        assert None not in statuses, f"probes timed out while 150 slow connections were open: {statuses}"


def test_slow_requests_are_cut_with_408_and_connections_past_the_limit_get_a_fast_503(tmp_path: Path) -> None:
    config = write_config(tmp_path, connection_limit=40, request_timeout=2.0)
    with serving(config, tmp_path) as server, slow_loris(port_of(server.url), 80) as attack:
        # The 40 connections past the limit are refused at once, with the API's error shape.
        assert wait_until(lambda: sum(a.startswith(b"HTTP/1.1 503") for a in attack.answers.values()) >= 40, 5), \
            attack.answers
        refusal = next(a for a in attack.answers.values() if a.startswith(b"HTTP/1.1 503"))
        assert b"Retry-After: 1" in refusal and b"X-Content-Type-Options: nosniff" in refusal
        assert b'"status": 503' in refusal
        # Another client is answered all along: 503 while the slow ones fill the slots (never
        # silence), then 200 once the request timeout has cut them.
        deadline = time.monotonic() + 10
        statuses = []
        while time.monotonic() < deadline and 200 not in statuses:
            statuses.append(probe(server.url + "healthz"))
        assert None not in statuses and 200 in statuses, statuses
        # The slow ones are cut after request_timeout (2 s, checked every second) with a 408 …
        assert wait_until(lambda: len(attack.answers) == 80, 10), f"{80 - len(attack.answers)} still open"
        timeouts = [a for a in attack.answers.values() if a.startswith(b"HTTP/1.1 408")]
        assert len(timeouts) >= 35 and b"server.request_timeout" in timeouts[0]
