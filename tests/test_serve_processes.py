"""`searchapp serve` with several processes: all answer on one port, a dead one is replaced."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from searchapp.web.server import server_processes
from searchapp.config import settings_from_dict

from conftest import free_port, wait_until

pytestmark = pytest.mark.skipif(server_processes(settings_from_dict({"server": {"processes": 2}})) < 2,
                                reason="needs fork and SO_REUSEPORT (Linux/macOS)")


def port_accepts(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def test_two_processes_serve_and_a_killed_one_is_replaced(seeds_index, tmp_path):
    settings, _ = seeds_index
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"index_dir: {settings.index_path}\nserver: {{processes: 2, threads: 2}}\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "searchapp", "--config", str(cfg), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        assert wait_until(healthy), "server did not come up"
        assert wait_until(lambda: len(children_of(proc.pid)) == 2)
        for _ in range(20):  # many fresh connections, all answered
            with urllib.request.urlopen(url + "/api/search?q=%22%E6%95%99%E5%B8%88%E4%BA%A4%E6%B5%81%22", timeout=5) as r:
                assert json.load(r)["total"] >= 4
        victim = min(children_of(proc.pid))
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: victim not in children_of(proc.pid) and len(children_of(proc.pid)) == 2)
        assert wait_until(healthy)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_a_second_server_on_the_same_port_is_refused(seeds_index, tmp_path):
    settings, _ = seeds_index
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"index_dir: {settings.index_path}\nserver: {{processes: 2, threads: 2}}\n", encoding="utf-8")
    port = free_port()
    cmd = [sys.executable, "-m", "searchapp", "--config", str(cfg), "serve", "--port", str(port)]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: len(children_of(first.pid)) == 2)
        assert wait_until(lambda: port_accepts(port))  # the children have bound the port
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "Traceback" not in second.stderr
        assert "serving on" not in second.stdout  # the refusal comes first, not after a false start
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=15)
