"""Peak memory of a process *tree*, sampled from outside it.

Why from outside: searchapp indexes with worker processes, so neither the main
process's ``ru_maxrss`` nor ``/usr/bin/time -v`` (which reports the largest
single process) says how much memory the whole run holds at once. A thread in
the benchmark's own process polls ``/proc`` for the child and every descendant
and records the largest *sum* of their resident sets; the measured process
pays nothing for it. The sum counts shared pages (libraries) once per process,
so it slightly overstates what the kernel really uses: a safe upper figure.
The child also reports its own and its largest reaped worker's ``ru_maxrss``
(exact per-process peaks that a 0.1 s sampler could miss); see ``_child.py``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _ppid_table() -> dict[int, int]:
    """pid → parent pid for every process we can read (one pass over /proc)."""
    table: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces or brackets, so split after the last ')'.
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1:
            table[int(name)] = int(rest[1])
    return table


def descendants(root: int) -> list[int]:
    """``root`` and all processes below it."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _ppid_table().items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_bytes(pid: int) -> int:
    """Resident set size of one process now (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


@dataclass
class TreeSampler:
    """Polls a process tree until stopped; ``peak_sum`` is the largest total RSS seen."""

    root: int
    interval: float = 0.1
    peak_sum: int = 0
    peak_processes: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pids = descendants(self.root) if os.path.exists("/proc") else [self.root]
        total = sum(rss_bytes(p) for p in pids)
        self.samples += 1
        if total > self.peak_sum:
            self.peak_sum = total
            self.peak_processes = len(pids)

    def stop(self) -> dict[str, float | int]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return {"tree_peak_mb": round(self.peak_sum / 1e6, 1), "tree_peak_processes": self.peak_processes,
                "samples": self.samples, "interval_s": self.interval}
