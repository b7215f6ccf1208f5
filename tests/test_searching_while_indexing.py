"""Search keeps answering, correctly, while ``searchapp index`` changes the index.

Three real processes, as on a server: ``searchapp serve`` (waitress), a load
client with several threads hitting ``/api/search`` (a second process), and
``searchapp index`` runs (a third) that add, modify and delete files containing
a marker phrase, with a ``--rebuild`` among them. Every answer must be a 200
with valid JSON whose ``total`` is the marker count of a committed state that
was current at some moment while the request was in flight: never an
in-between state (a document missing while being replaced, counted twice, a
deletion without its addition).
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import (PYTHON, answers, bump_mtime, cli, env_int, hardening_settings, make_corpus,
                                    serving, write_config)

MARKER = "并发校验标记"
QUERIES = [f'"{MARKER}"', MARKER]
#: How long the server is under load (default run); SEARCHAPP_SOAK_SECONDS for longer.
INDEX_RUNS = env_int("SEARCHAPP_SOAK_RUNS", 4)
#: The load stops when the runs are done; this only bounds a run that hangs.
MAX_LOAD_SECONDS = 600
CLIENT_THREADS = 6
#: Slack after a commit before the server must show it (it checks every 0.5 s).
REOPEN_SLACK_S = 1.5


def marker_text(n: int, revision: int = 0) -> str:
    """A short report with the marker (under 200 characters: no near-duplicate
    fingerprint, so each marker file is exactly one hit)."""
    return f"关于第{n}号校验工作的报告\n\n本报告包含{MARKER}。编号{n}，第{revision}次修订，区教育局。\n"


@dataclass
class State:
    """One committed state: the marker count, and from when until when it may be seen."""

    total: int
    run_started: float       # the run that commits it started here
    superseded_by_end: float  # the next run's end (it may commit any time before)


class Corpus:
    """The corpus under change: bulk seed variants plus marker files."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder = folder
        self.rng = rng
        self.next_marker = 0
        self.revision = 0
        make_corpus(folder, 40, rng)
        for _ in range(12):
            self.add_marker()

    def markers(self) -> list[Path]:
        return sorted(self.folder.glob("m*.txt"))

    def add_marker(self) -> None:
        path = self.folder / f"m{self.next_marker:04d}.txt"
        path.write_text(marker_text(self.next_marker), encoding="utf-8")
        self.next_marker += 1

    def change(self) -> None:
        """Add 1–4 marker files, delete 0–3, rewrite 2 (marker kept), rewrite 3 bulk files."""
        self.revision += 1
        markers = self.markers()
        for path in self.rng.sample(markers, min(len(markers), self.rng.randint(0, 3))):
            path.unlink()
        for path in self.rng.sample(self.markers(), 2):
            n = int(path.stem[1:])
            path.write_text(marker_text(n, self.revision), encoding="utf-8")
            bump_mtime(path)
        for _ in range(self.rng.randint(1, 4)):
            self.add_marker()
        for path in self.rng.sample(sorted(self.folder.glob("r*.txt")), 3):
            path.write_text(path.read_text(encoding="utf-8") + f"\n第{self.revision}次补充。\n", encoding="utf-8")
            bump_mtime(path)


def allowed_totals(states: list[State], start: float, end: float) -> set[int]:
    """Totals of the states current at some moment of [start, end]."""
    return {s.total for s in states
            if s.run_started <= end and start <= s.superseded_by_end + REOPEN_SLACK_S}


@pytest.mark.slow
def test_search_answers_only_committed_states_while_indexing(tmp_path):
    rng = random.Random(20240606)
    corpus = Corpus(tmp_path / "docs", rng)
    index_dir = tmp_path / "index"
    config = write_config(tmp_path, index_dir, threads=8)
    settings = hardening_settings(tmp_path, index_dir)
    cli("--config", str(config), "index", str(corpus.folder), "--workers", "1", cwd=tmp_path, check=True)
    states = [State(len(corpus.markers()), 0.0, float("inf"))]

    with serving(config, tmp_path) as server:
        out = tmp_path / "load.jsonl"
        client = subprocess.Popen([PYTHON, str(Path(__file__).with_name("support.py")), "load",
                                   server.url, str(CLIENT_THREADS), str(MAX_LOAD_SECONDS), str(out), *QUERIES],
                                  cwd=tmp_path)
        runs = 0
        try:
            # A fixed number of indexing runs under load, however long they take here.
            while runs < INDEX_RUNS:
                corpus.change()
                runs += 1
                args = ["--config", str(config), "index", str(corpus.folder), "--workers", str(1 + runs % 2)]
                if runs % 3 == 2:
                    args.append("--rebuild")
                started = time.time()
                cli(*args, cwd=tmp_path, check=True)
                ended = time.time()
                states[-1].superseded_by_end = ended
                expected = len(corpus.markers())
                # The committed state really has the count we expect (checked in-process).
                assert answers(settings, QUERIES[:1])[QUERIES[0]][0] == expected
                states.append(State(expected, started, float("inf")))
            out.with_suffix(".stop").touch()
            client.wait(timeout=MAX_LOAD_SECONDS + 60)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
        assert server.proc.poll() is None, "the server must survive"

    failed = [r for r in records if r.get("status") != 200 or "total" not in r]
    wrong = [r for r in records if "total" in r and r["total"] not in allowed_totals(states, r["start"], r["end"])]
    broken = [r for r in records if "total" in r and (r["hits"] != r["total"] or not r["distinct"])]
    duration = max(r["end"] for r in records) - min(r["start"] for r in records)
    totals_seen = sorted({r["total"] for r in records if "total" in r})
    print(f"\nconcurrency: {len(records)} requests in {duration:.1f} s ({len(records) / duration:.0f} req/s) "
          f"from {CLIENT_THREADS} threads while {runs} indexing runs committed {len(states) - 1} states "
          f"(totals {[s.total for s in states]}; seen {totals_seen}); failed {len(failed)}, "
          f"in-between {len(wrong)}, inconsistent {len(broken)}")
    assert runs >= 3 and len(records) >= 100
    assert not failed, failed[:5]
    assert not wrong, [(r, sorted(allowed_totals(states, r["start"], r["end"]))) for r in wrong[:5]]
    assert not broken, broken[:5]
    # The load saw the index change: more than one committed state was served.
    assert len(totals_seen) >= 2


def test_a_second_server_on_the_same_port_is_refused(tmp_path):
    """Several server processes share one port on purpose (SO_REUSEPORT); a second,
    independent ``searchapp serve`` must not join them and take half the requests."""
    make_corpus(tmp_path / "docs", 2, random.Random(1))
    config = write_config(tmp_path, tmp_path / "index")
    cli("--config", str(config), "index", str(tmp_path / "docs"), cwd=tmp_path, check=True)
    with serving(config, tmp_path) as server:
        port = server.url.rsplit(":", 1)[1].strip("/")
        second = cli("--config", str(config), "serve", "--host", "127.0.0.1", "--port", port, cwd=tmp_path,
                     timeout=60)
        assert second.returncode != 0
        assert "cannot listen on 127.0.0.1:" in second.stderr and "Traceback" not in second.stderr
        assert server.proc.poll() is None
