"""Helpers shared by the hardening tests (this module holds no tests).

Everything here drives searchapp the way an operator does: real ``searchapp``
processes on a real index folder, a real ``searchapp serve`` on a loopback port,
a corpus of files on disk. The corpus is made from the seed reports with
variations, so runs have real work to do and the answers are known.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchapp.config import Settings, settings_from_dict
from searchapp.query.service import open_service
from searchapp.model import SearchRequest
from searchapp.query.service import search

from conftest import free_port, stop_process  # noqa: F401 - free_port is used by the hardening tests too

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
PYTHON = sys.executable
#: Seconds a started server gets to answer /healthz.
START_TIMEOUT_S = 30
#: The page size the hardening settings allow, so one request returns every match.
BIG_PAGE = 1000


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment (e.g. SEARCHAPP_KILL_POINTS=200 for a soak)."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def write_config(folder: Path, index_dir: Path, **server: Any) -> Path:
    """A config.yaml for the hardening runs: big pages allowed, server options as given."""
    lines = [f"index_dir: {json.dumps(str(index_dir))}",
             "search:", f"  max_page_size: {BIG_PAGE}"]
    if server:
        lines.append("server:")
        lines.extend(f"  {key}: {json.dumps(value)}" for key, value in server.items())
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hardening_settings(folder: Path, index_dir: Path, **extra: Any) -> Settings:
    data: dict[str, Any] = {"index_dir": str(index_dir), "search": {"max_page_size": BIG_PAGE}}
    data.update(extra)
    return settings_from_dict(data, base_dir=folder)


# ------------------------------------------------------------------ the command line

def cli(*args: str, cwd: Path, timeout: float = 120, check: bool = False,
        **popen: Any) -> subprocess.CompletedProcess:
    """``python -m searchapp ARGS`` as a real process; output decoded as UTF-8."""
    proc = subprocess.run([PYTHON, "-m", "searchapp", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout, **popen)
    if check and proc.returncode != 0:
        raise AssertionError(f"searchapp {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def cli_parallel(commands: list[list[str]], cwd: Path, timeout: float = 120) -> list[subprocess.CompletedProcess]:
    """Several ``searchapp`` commands at once (they only read): the same results as
    :func:`cli` one after the other, in a fraction of the time."""
    procs = [subprocess.Popen([PYTHON, "-m", "searchapp", *args], cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
             for args in commands]
    done = []
    for args, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=timeout)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def start_cli(*args: str, cwd: Path, **popen: Any) -> subprocess.Popen:
    """``python -m searchapp ARGS`` in its own process group (so a kill reaches its workers)."""
    return subprocess.Popen([PYTHON, "-m", "searchapp", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **popen)


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group ``proc`` leads (the run and its worker processes)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def group_is_gone(pgid: int) -> bool:
    """Whether no process of group ``pgid`` is left (the workers died with the run)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - someone else's process with that id
        return False
    return False


# ------------------------------------------------------------------ the server

@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path


@contextmanager
def serving(config: Path, cwd: Path, threads: int | None = None) -> Iterator[Server]:
    """``searchapp serve`` on a free loopback port; stopped (and waited for) at the end."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [PYTHON, "-m", "searchapp", "--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"searchapp serve exited early:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (503 while the index is not usable is an answer too)
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"searchapp serve did not answer in {START_TIMEOUT_S} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, proc, log)
    finally:
        stop_process(proc)


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: (status, headers, body), error statuses included (no exception).
    Non-ASCII characters in ``url`` are percent-encoded as a browser does."""
    from urllib.parse import quote

    req = urllib.request.Request(quote(url, safe=":/?&=%#+,;@!$'()*[]~"), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, dict(exc.headers.items()), body


def raw_get(port: int, target: str, timeout: float = 10) -> tuple[int, bytes]:
    """A GET with the request target sent byte for byte (no client-side normalization of
    ``..`` or percent-escapes), as an attacker's tool would send it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    raw = b"".join(chunks)
    status = int(raw.split(b" ", 2)[1])
    return status, raw


# ------------------------------------------------------------------ corpora

def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def variant(texts: list[str], rng: random.Random, tag: str) -> str:
    """A seed report with its paragraphs shuffled and a unique line: a plausible
    re-publication that is still a different file (and has real text to index)."""
    lines = rng.choice(texts).splitlines()
    rng.shuffle(lines)
    return "\n".join(lines) + f"\n补充说明：本件为{tag}号材料。\n"


def make_corpus(folder: Path, files: int, rng: random.Random, prefix: str = "r") -> list[Path]:
    """``files`` seed variants in ``folder`` (about 30 KB each)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = seed_texts()
    out = []
    for i in range(files):
        path = folder / f"{prefix}{i:04d}.txt"
        path.write_text(variant(texts, rng, f"{prefix}{i}"), encoding="utf-8")
        out.append(path)
    return out


def bump_mtime(path: Path, seconds: float = 2.0) -> None:
    """Move a file's mtime forward, so an incremental run sees the change even within
    the file system's timestamp granularity."""
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + seconds))


# ------------------------------------------------------------------ answers

def answers(settings: Settings, queries: Iterable[str], index_dir: Path | None = None) -> dict[str, Any]:
    """What a fresh process sees, per query: the total, the near-duplicate groups shown
    (each hit with the copies folded into it), and every matching id without folding.

    Groups are compared as sets of ids, not by which copy represents them: the
    representative of equally long copies depends on document order, which differs
    between an incremental and a clean index. For the same reason a query with a
    field filter (``region:…``) is compared without folding: filters are applied after
    folding, so whether a group passes depends on its representative (both reported
    as bugs; see test_killed_runs).
    """
    engine = open_service(settings, index_dir)
    out: dict[str, Any] = {}
    for q in queries:
        flat = search(engine, SearchRequest(q=q, size=BIG_PAGE, snippets=0, facets=False, collapse=False))
        flat_ids = sorted(h.id for h in flat.hits)
        if ":" in q:
            out[q] = (flat.total, None, flat_ids)
            continue
        r = search(engine, SearchRequest(q=q, size=BIG_PAGE, snippets=0, facets=False))
        groups = sorted(tuple(sorted([h.id, *h.duplicate_ids])) for h in r.hits)
        out[q] = (r.total, groups, flat_ids)
    snap = engine.backend.snapshot()
    out["#documents"] = len(snap.docs)
    snap.close()
    return out


# ------------------------------------------------------------------ load client

def load_client(url: str, queries: list[str], threads: int, seconds: float, out: Path) -> None:
    """Hit ``url`` (``/api/search?q=…&size=…``) from ``threads`` threads for ``seconds``,
    or until a file named like ``out`` with the suffix ``.stop`` appears (the test says
    when it is done, however slow the machine is); write one JSON line per request:
    start, end, status, total, hits, ids distinct, error.

    Runs in its own process (``python tests/support.py load …``), so the
    server is loaded from outside as a real client would; stdlib only, bounded in time.
    """
    import threading
    from urllib.parse import quote

    deadline = time.time() + seconds
    stop = out.with_suffix(".stop")
    records: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        i = n
        while time.time() < deadline and not stop.exists():
            q = queries[i % len(queries)]
            i += 1
            rec: dict[str, Any] = {"q": q, "start": time.time()}
            try:
                with urllib.request.urlopen(f"{url}api/search?q={quote(q)}&size={BIG_PAGE}", timeout=30) as r:
                    rec["status"] = r.status
                    body = json.loads(r.read().decode("utf-8"))
                rec["total"] = body["total"]
                ids = [h["id"] for h in body["hits"]]
                rec["hits"] = len(ids)
                rec["distinct"] = len(set(ids)) == len(ids)
            except urllib.error.HTTPError as exc:
                rec["status"] = exc.code
                rec["error"] = exc.read().decode("utf-8", "replace")[:500]
            except Exception as exc:  # noqa: BLE001 - every failure is a finding to report
                rec["status"] = None
                rec["error"] = f"{type(exc).__name__}: {exc}"
            rec["end"] = time.time()
            with lock:
                records.append(rec)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "load":
        _, _, url_, threads_, seconds_, out_, *queries_ = sys.argv
        load_client(url_, queries_, int(threads_), float(seconds_), Path(out_))
    else:
        sys.exit("usage: support.py load URL THREADS SECONDS OUT QUERY...")


# ------------------------------------------------------------------ permissions as root

def permissions_enforced_preexec():
    """A ``preexec_fn`` that makes file permissions bind the child even when the tests run
    as root (as in CI containers), or ``None`` when they already do (not root).

    Root ignores ``chmod`` because of two capabilities; dropping them from the child's
    bounding set (``prctl(PR_CAPBSET_DROP)``) before ``exec`` leaves it a root that
    obeys permission bits — what an unprivileged service account experiences.
    Raises ``OSError`` when the kernel refuses (no CAP_SETPCAP)."""
    if os.geteuid() != 0:
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2

    def drop() -> None:
        for cap in (cap_dac_override, cap_dac_read_search):
            if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err))

    # Try it once in a throwaway child, so a refusal becomes a skip, not a failure.
    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=drop, capture_output=True, check=True)
    except (OSError, subprocess.SubprocessError) as exc:  # pragma: no cover - depends on the container
        raise OSError(f"cannot drop CAP_DAC_OVERRIDE in a child process: {exc}") from None
    return drop
