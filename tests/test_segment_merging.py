"""Segments are merged as runs go by: files and open descriptors do not grow with
the number of runs.

Each run writes new segments (text store and Whoosh). Without merging, a nightly
or ``--watch`` deployment gathers one more of each per run, until an opened index
holds more descriptors than ``ulimit -n`` allows and every search fails.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from conftest import make_settings
from rebuild_compare import differences, index_view, rebuilt_view
from searchapp.backend.local import textstore
from searchapp.backend.local.snapshot import Snapshot
from searchapp.indexing.run import index_paths
from support import seed_texts, variant

RUNS = 60
#: Generous bounds, far below what 60 unmerged runs leave (60+ segments, 180+ files).
MAX_STORE_FILES = 40
MAX_WHOOSH_SEGMENTS = 14
MAX_SNAPSHOT_FDS = 40


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def whoosh_segments(index_dir: Path) -> int:
    return len(list(index_dir.glob("*.seg")))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts descriptors in /proc/self/fd")
def test_sixty_one_file_runs_keep_files_and_descriptors_bounded(tmp_path, corpus):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], workers=1)
    rng = random.Random(7)
    texts = seed_texts()
    for run in range(RUNS):
        if run % 3 == 2:  # now and then an edit instead of a new file
            target = rng.choice(sorted(corpus.glob("n*.txt")))
            target.write_text(variant(texts, rng, f"edit{run}"), encoding="utf-8")
            os.utime(target, (time.time() + run + 1,) * 2)
        else:
            (corpus / f"n{run:03d}.txt").write_text(variant(texts, rng, f"n{run}"), encoding="utf-8")
        summary = index_paths(settings, [corpus], workers=1)
        assert summary.indexed + summary.updated == 1

    index_dir = settings.index_path
    store_files = list((index_dir / textstore.STORE_DIRNAME).iterdir())
    assert len(store_files) <= MAX_STORE_FILES, sorted(p.name for p in store_files)
    assert whoosh_segments(index_dir) <= MAX_WHOOSH_SEGMENTS

    before = open_fds()
    snap = Snapshot(index_dir, ("test", 0))
    try:
        held = open_fds() - before
    finally:
        snap.close()
    print(f"\nafter {RUNS} one-file runs: {len(store_files)} store files, {whoosh_segments(index_dir)} Whoosh "
          f"segments, {held} descriptors held by an opened snapshot")
    assert held <= MAX_SNAPSHOT_FDS, f"an opened snapshot holds {held} descriptors"

    want = rebuilt_view(settings, corpus, tmp_path / "rebuild")
    got = index_view(settings)
    assert not differences(got, want), differences(got, want)
