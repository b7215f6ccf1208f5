"""HTTP side of bench.py: start ``searchapp serve``, time its first answer, load it.

The load tool is ``wrk`` (Debian package ``wrk``) when it is on PATH, with a Lua
script that rotates through the query URLs and stops each thread after a request
budget; otherwise a bounded Python client in a second process (threads, one
keep-alive ``http.client`` connection each). Both only ever talk to 127.0.0.1,
and both are bounded in time and in requests.

    python benchmarks/_http.py load --base http://127.0.0.1:PORT --paths FILE --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _memory import descendants  # noqa: E402

WRK_LUA = r"""
-- Rotate through request paths (one per line in args[1]); stop a thread after args[2] responses.
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  budget = tonumber(args[2]) or 0
  counter = id * 37
  responses = 0
  non200 = 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
  if budget > 0 and responses >= budget then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local non = 0
  for _, t in ipairs(threads) do non = non + (t:get("non200") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "mean_ms": %.2f, "non200": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3, non,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_answers(url: str, proc: subprocess.Popen, limit_s: float) -> float | None:
    """Seconds from now until ``url`` answers 200 (None if the server died or time ran out)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        if proc.poll() is not None:
            return None
        try:
            status, _ = get(url, timeout=limit_s)
            if status == 200:
                return time.perf_counter() - t0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.01)
    return None


def stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (by its own pid), politely first."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and every process below it (the forked server
    processes), from ``/proc/PID/stat``; a process that has gone counts 0."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                rest = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += int(rest[11]) + int(rest[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def run_wrk(base: str, paths_file: Path, clients: int, seconds: float, budget: int, work: Path) -> dict[str, Any]:
    """wrk with ``clients`` connections over 2 threads, ``seconds`` long, at most ``budget`` responses."""
    lua = work / "rotate.lua"
    lua.write_text(WRK_LUA, encoding="utf-8")
    threads = min(2, clients)
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, int(seconds))}s", "--timeout", "10s",
           "-s", str(lua), base + "/", "--", str(paths_file), str(max(1, budget // threads))]
    pr = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in pr.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if pr.returncode or line is None:
        raise RuntimeError(f"wrk failed (rc={pr.returncode}): {pr.stderr[-500:]} {pr.stdout[-500:]}")
    d = json.loads(line[8:])
    d["req_per_s"] = round(d["requests"] / max(d["duration_s"], 1e-9), 1)
    d["tool"] = f"wrk -t{threads} -c{clients} -d{int(seconds)}s (Lua: rotating {count_lines(paths_file)} URLs)"
    d["wrk_stdout"] = pr.stdout[-1500:]
    return d


def count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line)


def run_python_load(base: str, paths_file: Path, clients: int, seconds: float, budget: int) -> dict[str, Any]:
    """The fallback client, in its own process so it does not share our GIL with the sampler."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "load", "--base", base, "--paths", str(paths_file),
           "--clients", str(clients), "--seconds", str(seconds), "--budget", str(budget)]
    pr = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in pr.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if pr.returncode or line is None:
        raise RuntimeError(f"python load client failed (rc={pr.returncode}): {pr.stderr[-800:]}")
    return json.loads(line[7:])


def load_tool_available() -> str:
    return "wrk" if shutil.which("wrk") else "python"


# ---------------------------------------------------------------- fallback client (runs as a process)

def _client(host: str, port: int, paths: list[str], offset: int, deadline: float, budget: int,
            lat: list[float], bad: list[int]) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    i = offset
    done = 0
    while time.perf_counter() < deadline and done < budget:
        path = paths[i % len(paths)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            status = -1
        lat.append(time.perf_counter() - t0)
        done += 1
        if status != 200:
            bad.append(status)
    conn.close()


def cmd_load(a: argparse.Namespace) -> None:
    from urllib.parse import urlsplit

    u = urlsplit(a.base)
    assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    paths = [ln for ln in Path(a.paths).read_text(encoding="utf-8").splitlines() if ln]
    lats: list[list[float]] = [[] for _ in range(a.clients)]
    bad: list[int] = []
    per_client = max(1, a.budget // a.clients)
    t0 = time.perf_counter()
    deadline = t0 + a.seconds
    threads = [threading.Thread(target=_client, args=(u.hostname, u.port, paths, k * 37, deadline, per_client,
                                                      lats[k], bad)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    lat = sorted(x for part in lats for x in part)
    n = len(lat)
    print("RESULT " + json.dumps({
        "requests": n, "duration_s": round(dt, 3), "req_per_s": round(n / dt, 1),
        "p50_ms": round(1000 * lat[n // 2], 2) if n else None,
        "p90_ms": round(1000 * lat[int(n * .9)], 2) if n else None,
        "p95_ms": round(1000 * lat[int(n * .95)], 2) if n else None,
        "p99_ms": round(1000 * lat[min(n - 1, int(n * .99))], 2) if n else None,
        "max_ms": round(1000 * lat[-1], 2) if n else None,
        "non200": len(bad), "tool": f"python http.client, {a.clients} threads with keep-alive, {a.seconds:g} s",
    }), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--base", required=True)
    p.add_argument("--paths", required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--budget", type=int, default=200_000)
    a = ap.parse_args()
    if a.cmd == "load":
        cmd_load(a)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
