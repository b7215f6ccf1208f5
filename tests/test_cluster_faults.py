"""Faults on a real cluster while it serves: a mirror killed (-9) under load, a
whole shard down, re-indexing while searches run.

Each test prints its counts (requests, failures, kills); run with ``-s`` to see them.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from cluster_fixtures import parity_corpus, sphinx_settings, start_cluster
from conftest import wait_until
from searchapp.backend.sphinx.launch import LocalCluster
from searchapp.backend.sphinx.sql import ClusterError
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import SearchService, open_service

pytestmark = pytest.mark.cluster

QUERIES = ["教育", '"教育改革"', "教师 -民办", "均衡 OR 督导", "课后服务", '"教師隊伍"', ""]


def answer(service: SearchService, q: str) -> tuple:
    """What must not change: total, hit ids, facets (every hit on one page)."""
    r = service.search(SearchRequest(q=q, size=100, snippets=0))
    return r.total, sorted(h.id for h in r.hits), r.facets


@dataclass
class Load:
    """Threads searching in a loop; every answer is checked by ``check``."""

    service: SearchService
    check: Callable[[str, tuple], bool]
    threads: int = 3
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _worker(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            q = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                got = answer(self.service, q)
                ok = self.check(q, got)
                err = None
            except Exception as exc:  # counted: the assertion is that none happen
                ok, err = True, f"{q}: {type(exc).__name__}: {exc}"
            with self._lock:
                self.requests += 1
                if err:
                    self.failures.append(err)
                elif not ok:
                    self.wrong.append(q)

    def __enter__(self) -> "Load":
        self._threads = [threading.Thread(target=self._worker, args=(k,), daemon=True) for k in range(self.threads)]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def wait_for(self, more: int, deadline: float = 60.0) -> None:
        """Until ``more`` further requests were answered (polled, with a deadline)."""
        target = self.requests + more
        end = time.monotonic() + deadline
        while self.requests < target:
            assert time.monotonic() < end, f"load generator stalled at {self.requests} requests"
            time.sleep(0.02)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[LocalCluster, SearchService, Path, dict[str, tuple]]]:
    root = tmp_path_factory.mktemp("faults")
    cluster = start_cluster(root / "cluster")
    try:
        corpus = parity_corpus(root)
        settings = sphinx_settings(root, cluster, search={"cache_size": 0})
        index_paths(settings, [corpus], workers=1)
        service = open_service(settings)
        baseline = {q: answer(service, q) for q in QUERIES}
        yield cluster, service, corpus, baseline
        service.backend.close()
    finally:
        cluster.stop()


def test_killing_a_mirror_under_load_fails_no_request_and_changes_no_result(served):
    cluster, service, _corpus, baseline = served
    kills = 0
    with Load(service, lambda q, got: got == baseline[q]) as load:
        load.wait_for(30)
        for shard, mirror in ((0, 0), (1, 1), (0, 1)):
            victim = cluster.data[shard][mirror]
            victim.kill()
            kills += 1
            load.wait_for(60)
            cluster.restart(victim)
            load.wait_for(30)
    print(f"\nmirror kills under load: requests={load.requests} failures={len(load.failures)} "
          f"wrong={len(load.wrong)} kills={kills} repeated_batches={service.backend.repeated}")
    assert load.failures == [] and load.wrong == []
    assert load.requests >= 300 and kills == 3


def test_a_whole_shard_down_is_an_error_never_fewer_hits(served):
    cluster, service, _corpus, baseline = served
    for p in cluster.data[1]:
        p.kill()
    try:
        refused = 0
        for q in QUERIES:
            with pytest.raises(ClusterError, match="shard|answer|mirror"):
                answer(service, q)
            refused += 1
        print(f"\nshard down: requests={len(QUERIES)} refused={refused} kills=2")
    finally:
        for p in cluster.data[1]:
            cluster.restart(p)
    assert {q: answer(service, q) for q in QUERIES} == baseline


def test_the_web_api_answers_503_while_a_shard_is_down(served):
    from searchapp.web.app import create_app

    cluster, service, _corpus, _baseline = served
    app = create_app(service.settings, engine=service)
    client = app.test_client()
    assert client.get("/api/search", query_string={"q": "教育"}).status_code == 200
    for p in cluster.data[0]:
        p.kill()
    try:
        resp = client.get("/api/search", query_string={"q": "均衡"})
        assert resp.status_code == 503 and resp.get_json()["ok"] is False
    finally:
        for p in cluster.data[0]:
            cluster.restart(p)
    assert client.get("/api/search", query_string={"q": "均衡"}).status_code == 200


def test_reindexing_while_serving_shows_the_old_or_the_new_state_never_a_mix(served, tmp_path):
    cluster, service, corpus, before = served
    settings = service.settings
    # The change: one file removed, one edited, two added (one a near-duplicate of an existing file).
    removed = next(corpus.glob("seeds/*.txt"))
    edited = next(corpus.glob("cluster/school/*COVID*.txt"))
    changes = tmp_path / "saved"
    changes.mkdir()
    shutil.copy2(removed, changes / removed.name)
    shutil.copy2(edited, changes / edited.name)

    def change() -> None:
        removed.unlink()
        edited.write_text(edited.read_text(encoding="utf-8") + "\n教育改革继续深化，课后服务提质增效。\n",
                          encoding="utf-8")
        src = next(corpus.glob("cluster/bureau/*.txt"))
        shutil.copy2(src, corpus / "cluster" / "copy-of-bureau.txt")
        (corpus / "cluster" / "new.txt").write_text("新增报告\n均衡发展与教育督导的新进展。\n" * 20, encoding="utf-8")

    after_holder: dict[str, tuple] = {}
    seen_states = {"before": 0, "after": 0}

    def check(q: str, got: tuple) -> bool:
        if got == before[q]:
            seen_states["before"] += 1
            return True
        if after_holder and got == after_holder[q]:
            seen_states["after"] += 1
            return True
        return not after_holder  # judged after the run, below
    answers: list[tuple[str, tuple]] = []

    def record(q: str, got: tuple) -> bool:
        answers.append((q, got))
        return True

    try:
        with Load(service, record, threads=2) as load:
            load.wait_for(20)
            change()
            summary = index_paths(settings, [corpus], workers=1)
            # The web node looks for a new generation every REFRESH_INTERVAL: wait until it
            # serves the new state, then let the load see it too (however fast the machine).
            assert wait_until(lambda: {q: answer(service, q) for q in QUERIES} != before, timeout=30)
            load.wait_for(60)
        after_holder.update({q: answer(service, q) for q in QUERIES})
        assert summary.removed == 1 and summary.updated == 1 and summary.indexed == 2
        assert after_holder != before
        mixed = [q for q, got in answers if not check(q, got)]
        print(f"\nre-index while serving: requests={load.requests} failures={len(load.failures)} "
              f"old={seen_states['before']} new={seen_states['after']} mixed={len(mixed)}")
        assert load.failures == [] and mixed == []
        assert seen_states["after"] > 0
    finally:  # put the corpus back for the other tests of the module
        shutil.copy2(changes / removed.name, removed)
        shutil.copy2(changes / edited.name, edited)
        (corpus / "cluster" / "copy-of-bureau.txt").unlink(missing_ok=True)
        (corpus / "cluster" / "new.txt").unlink(missing_ok=True)
        index_paths(settings, [corpus], workers=1)
        assert wait_until(lambda: {q: answer(service, q) for q in QUERIES} == before, timeout=30)


def test_an_index_run_refuses_to_start_while_a_mirror_is_down(served):
    cluster, service, corpus, baseline = served
    victim = cluster.data[1][0]
    victim.kill()
    try:
        with pytest.raises(ClusterError, match=victim.node.sql):
            index_paths(service.settings, [corpus], rebuild=True, workers=1)
    finally:
        cluster.restart(victim)
    assert {q: answer(service, q) for q in QUERIES} == baseline
