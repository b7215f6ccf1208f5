"""Months of nightly runs, simulated: files and descriptors stay bounded, searches
never fail, and the index equals a rebuild at the end.

Each "night" changes the corpus at random (edits, new files, deletions, a file
emptied, a sidecar copied in with an old mtime), then runs ``searchapp index``
as cron would. On a few nights the run is killed with SIGKILL (its whole process
group) at a random moment and the next run must finish the work. A real
``searchapp serve`` answers searches from a client thread throughout.

``SEARCHAPP_SOAK_NIGHTS`` sets the number of nights (default 40, bounded for CI;
e.g. 300 for a real soak); ``SEARCHAPP_RANDOM_SEED`` reproduces a run.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from rebuild_compare import differences, index_view, rebuilt_view
from searchapp.backend.local import textstore
from support import (PYTHON, cli, env_int, get, hardening_settings, kill_group, make_corpus,
                                    seed_texts, serving, start_cli, variant, write_config)

NIGHTS = env_int("SEARCHAPP_SOAK_NIGHTS", 40)
KILL_SHARE = 0.12
QUERIES = ['"教师交流"', "均衡发展", '"号材料"', "督导 OR 考核", "校长 交流"]
#: The server's descriptors (all its processes) rise and fall as segments are added
#: and merged, but must not grow with the number of nights: the second half of the
#: soak may peak at most this much above the first (unmerged, each night adds about
#: three per process and segment, and 40 nights add well over a hundred).
FD_SLACK = 15
MAX_STORE_FILES = 40
MAX_WHOOSH_SEGMENTS = 14


class Reader(threading.Thread):
    """A client searching the server without pause; every failure is kept."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.searches = 0
        self.failures: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        i = 0
        while not self._halt.is_set():
            q = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                status, _, body = get(f"{self.url}api/search?q={quote(q)}&size=10", timeout=30)
                if status != 200:
                    self.failures.append(f"{q}: {status} {body[:200]!r}")
                else:
                    json.loads(body)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                self.failures.append(f"{q}: {type(exc).__name__}: {exc}")
            self.searches += 1
            self._halt.wait(0.05)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=60)


def change(corpus: Path, night: int, rng: random.Random, texts: list[str]) -> None:
    """One day's changes to the shared folder."""
    files = sorted(corpus.glob("*.txt"))
    for path in rng.sample(files, min(len(files), rng.randint(0, 3))):
        path.write_text(variant(texts, rng, f"edit{night}"), encoding="utf-8")
        os.utime(path, (time.time() + night + 1,) * 2)
    for i in range(rng.randint(0, 2)):
        (corpus / f"n{night:03d}_{i}.txt").write_text(variant(texts, rng, f"n{night}_{i}"), encoding="utf-8")
    files = sorted(corpus.glob("*.txt"))
    if rng.random() < 0.3 and len(files) > 10:
        rng.choice(files).unlink()
    if rng.random() < 0.1:
        rng.choice(sorted(corpus.glob("*.txt"))).write_bytes(b"")
    if rng.random() < 0.15:
        side = rng.choice(sorted(corpus.glob("*.txt"))).with_suffix(".yaml")
        side.write_text(f"year: {rng.randint(2001, 2020)}\n", encoding="utf-8")
        os.utime(side, (time.time() - 86400 * 30,) * 2)   # copied with its old mtime


def fds_of(pid: int) -> int:
    """Open descriptors of ``pid`` and every process under it (``serve`` may run
    several worker processes)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += len(os.listdir(f"/proc/{p}/fd"))
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return total


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts descriptors in /proc")
def test_months_of_nightly_runs_stay_bounded_and_equal_a_rebuild(tmp_path):
    seed = env_int("SEARCHAPP_RANDOM_SEED", 0) or int(time.time())
    print(f"\nsoak: SEARCHAPP_RANDOM_SEED={seed}")
    rng = random.Random(seed)
    texts = seed_texts()
    corpus = tmp_path / "docs"
    make_corpus(corpus, 30, rng)
    index_dir = tmp_path / "idx"
    config = write_config(tmp_path, index_dir)
    nightly = ["--config", str(config), "index", str(corpus), "--workers", "2"]
    cli(*nightly, cwd=tmp_path, check=True)

    kills = runs = 0
    server_fds: list[int] = []
    with serving(config, tmp_path) as server:
        reader = Reader(server.url)
        reader.start()
        try:
            for night in range(NIGHTS):
                change(corpus, night, rng, texts)
                if rng.random() < KILL_SHARE:
                    proc = start_cli(*nightly, cwd=tmp_path)
                    time.sleep(rng.uniform(0.2, 2.5))
                    kill_group(proc)
                    kills += 1
                done = cli(*nightly, cwd=tmp_path)
                # 3: some files failed (a night may empty one, as a real corpus does), the rest indexed.
                assert done.returncode in (0, 3), done.stderr
                runs += 1
                get(f"{server.url}api/search?q=x", timeout=30)   # let the server pick up the commit
                server_fds.append(fds_of(server.proc.pid))
        finally:
            reader.stop()

    settings = hardening_settings(tmp_path, index_dir)
    store_files = len(list((index_dir / textstore.STORE_DIRNAME).iterdir()))
    whoosh = len(list(index_dir.glob("*.seg")))
    diff = differences(index_view(settings), rebuilt_view(settings, corpus, tmp_path / "rebuild"))
    print(f"soak: {NIGHTS} nights, {runs} completed runs, {kills} runs killed with SIGKILL, "
          f"{reader.searches} searches, {len(reader.failures)} failed; index: {store_files} store files, "
          f"{whoosh} Whoosh segments; server descriptors first {server_fds[0]}, max {max(server_fds)}, "
          f"last {server_fds[-1]}; equal to a rebuild: {not diff}")
    assert not reader.failures, reader.failures[:5]
    assert reader.searches > NIGHTS
    assert store_files <= MAX_STORE_FILES
    assert whoosh <= MAX_WHOOSH_SEGMENTS
    half = len(server_fds) // 2
    assert max(server_fds[half:]) <= max(server_fds[:half]) + FD_SLACK, server_fds
    assert not diff, diff
