"""Run a whole cluster of ``searchd`` processes on this machine: for the tests, the
benchmark and for trying the sphinx backend before deploying it.

Every node gets its own folder, config and free loopback ports; processes are
started in the foreground (``--nodetach``, no watchdog) so the PID we hold is the
server itself, stopped by that PID and never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.backend.sphinx import conf
from searchapp.backend.sphinx.topology import Node, Topology

#: Seconds a node may take to accept SphinxQL connections.
START_DEADLINE = 30.0


def searchd_binary() -> str | None:
    """The searchd on PATH (Debian: ``apt-get install sphinxsearch``), or None."""
    return shutil.which("searchd")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _accepts(node_host: str, port: int) -> bool:
    """searchd answers a SphinxQL request (listening is not enough: tables load after)."""
    import pymysql

    try:
        conn = pymysql.connect(host=node_host, port=port, connect_timeout=1, read_timeout=2)
    except pymysql.MySQLError:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW STATUS")
            cur.fetchall()
        return True
    except pymysql.MySQLError:
        return False
    finally:
        conn.close()


@dataclass
class Process:
    """One searchd of the cluster."""

    name: str
    node: Node
    folder: Path
    config: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.folder / "stdout.log", "ab")
        try:
            self.popen = subprocess.Popen([searchd_binary() or "searchd", "--config", str(self.config), "--nodetach"],
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          cwd=self.folder)
        finally:
            log.close()

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                tail = (self.folder / "stdout.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"searchd {self.name} exited with {self.popen.returncode}:\n{tail}")
            if _accepts(self.node.host, self.node.sql_port):
                return
            time.sleep(0.05)
        raise TimeoutError(f"searchd {self.name} did not answer on {self.node.sql} within {START_DEADLINE:.0f}s")

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """kill -9: what a crashed machine looks like to the rest of the cluster."""
        if self.alive:
            assert self.popen is not None
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, grace: float = 10.0) -> None:
        if not self.alive:
            return
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)


@dataclass
class LocalCluster:
    """``shards`` × ``mirrors`` data nodes and one search node under ``folder``."""

    folder: Path
    shards: int = 2
    mirrors: int = 2
    table: str = "searchapp"
    ha_strategy: str = "nodeads"
    host: str = "127.0.0.1"
    data: list[list[Process]] = field(default_factory=list)
    search: Process | None = None

    def settings(self) -> dict:
        """The ``cluster:`` section of a config.yaml for this cluster."""
        assert self.search is not None
        return {"search": self.search.node.sql, "table": self.table, "ha_strategy": self.ha_strategy,
                "shards": [[f"{p.node.host}:{p.node.sql_port}:{p.node.api_port}" for p in mirrors]
                           for mirrors in self.data],
                "agent_connect_timeout_ms": 200, "agent_query_timeout_ms": 10000}

    def topology(self) -> Topology:
        from searchapp.config import ClusterSettings

        return Topology.from_settings(ClusterSettings(**self.settings()))

    def start(self) -> "LocalCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        used: set[int] = set()

        def port() -> int:
            while True:
                p = free_port(self.host)
                if p not in used:
                    used.add(p)
                    return p

        self.data = [[self._process(f"s{s}m{m}", Node(self.host, port(), port())) for m in range(self.mirrors)]
                     for s in range(self.shards)]
        self.search = self._process("search", Node(self.host, port(), 0))
        topo = self.topology()
        for mirrors in self.data:
            for p in mirrors:
                p.config.write_text(conf.data_node_conf(topo, p.node, p.folder), encoding="utf-8")
        self.search.config.write_text(conf.search_node_conf(topo, self.search.folder, 200, 10000), encoding="utf-8")
        try:
            for p in self.processes:
                p.start()
            deadline = time.monotonic() + START_DEADLINE
            for p in self.processes:
                p.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _process(self, name: str, node: Node) -> Process:
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        return Process(name, node, folder, folder / "searchd.conf")

    @property
    def processes(self) -> list[Process]:
        return [p for mirrors in self.data for p in mirrors] + ([self.search] if self.search else [])

    def restart(self, process: Process) -> None:
        """Start a stopped or killed node again on its data (real-time tables replay their binlog)."""
        process.stop()
        process.start()
        process.wait_ready(time.monotonic() + START_DEADLINE)

    def stop(self) -> None:
        for p in self.processes:
            p.stop()

    def __enter__(self) -> "LocalCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["LocalCluster", "Process", "searchd_binary", "free_port"]
