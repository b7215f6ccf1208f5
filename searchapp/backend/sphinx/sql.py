"""Talking SphinxQL: literals, connections, batches of statements with their
``SHOW META`` (where a distributed table reports a shard that did not answer).

PyMySQL is a pure-Python MySQL client; SphinxQL speaks the MySQL wire protocol,
so one well-kept library serves Sphinx 2.2 and Manticore alike.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from searchapp.backend.sphinx.topology import Node
from searchapp.errors import SearchappError


class ClusterError(SearchappError):
    """The cluster cannot answer completely: a node is unreachable, or a shard has no
    live mirror. The web app answers 503; a search is never answered with fewer hits.
    ``transient`` is False when searchd refused the request itself (asking again
    would not help)."""

    def __init__(self, message: str, transient: bool = True):
        super().__init__(message)
        self.transient = transient


def _agent_failure(message: str) -> bool:
    """A distributed table's error about a shard it could not reach (connect refused,
    reset, timed out): the cluster's state, worth asking again. An agent's *remote
    error* is the shard refusing the request itself: asking again would not help."""
    return "agent" in message and "remote error" not in message


def quote(value: Any) -> str:
    """A SphinxQL literal (strings escaped for SphinxQL's lexer: backslash and quote)."""
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\x00", "")
    return f"'{text}'"


def mva(values: Sequence[int]) -> str:
    return "(" + ",".join(str(int(v)) for v in values) + ")"


def connect(node: Node, timeout: float) -> Any:
    import pymysql

    try:
        return pymysql.connect(host=node.host, port=node.sql_port, charset="utf8mb4", autocommit=True,
                               connect_timeout=min(timeout, 5), read_timeout=timeout, write_timeout=timeout,
                               client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    except pymysql.MySQLError as exc:
        raise ClusterError(f"searchd at {node.sql} is unreachable: {exc}") from None


class Session:
    """One connection to one searchd, reopened after a failure."""

    def __init__(self, node: Node, timeout: float):
        self.node = node
        self.timeout = timeout
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = connect(self.node, self.timeout)
        return self._conn

    def run(self, statements: list[str]) -> list[list[tuple]]:
        """Run ``statements`` in one round trip; the rows of each, in order."""
        import pymysql

        if not statements:
            return []
        conn = self._connection()
        try:
            with conn.cursor() as cur:
                cur.execute(";\n".join(statements))
                out = [list(cur.fetchall() or ())]
                while cur.nextset():
                    out.append(list(cur.fetchall() or ()))
            return out
        except pymysql.MySQLError as exc:
            self.close()
            if isinstance(exc, pymysql.ProgrammingError):
                message = str(exc.args[-1])
                raise ClusterError(f"searchd at {self.node.sql} refused a request: {message}",
                                   transient=_agent_failure(message)) from None
            raise ClusterError(f"searchd at {self.node.sql} failed: {exc}") from None

    def one(self, statement: str) -> list[tuple]:
        return self.run([statement])[0]

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken
                pass
            self._conn = None


class SessionPool:
    """A session per thread (PyMySQL connections are not thread-safe)."""

    def __init__(self, node: Node, timeout: float):
        self.node = node
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[Session] = []
        self._lock = threading.Lock()

    def get(self) -> Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = Session(self.node, self.timeout)
            self._local.session = session
            with self._lock:
                self._all.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for s in self._all:
                s.close()
            self._all.clear()


def with_meta(statements: list[str]) -> list[str]:
    """Each statement followed by ``SHOW META`` (the distributed table's warnings)."""
    out = []
    for s in statements:
        out.extend([s, "SHOW META"])
    return out


def split_meta(results: list[list[tuple]]) -> tuple[list[list[tuple]], list[str]]:
    """Rows of each statement, and the warnings their SHOW META reported."""
    rows, warnings = [], []
    for i in range(0, len(results), 2):
        rows.append(results[i])
        meta = dict((str(k), str(v)) for k, v in results[i + 1]) if i + 1 < len(results) else {}
        if meta.get("warning"):
            warnings.append(meta["warning"])
    return rows, warnings


__all__ = ["ClusterError", "quote", "mva", "Session", "SessionPool", "with_meta", "split_meta"]
