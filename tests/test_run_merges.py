"""A run merges its own segments in the worker processes while it indexes.

Each batch of files becomes one text store segment and one Whoosh segment. Merging
them all in the commit made the main process' time and memory grow with the
corpus; the run now hands groups of finished segments (the store's size-tier policy)
to a worker, and the commit finds them merged. Nothing a reader sees may differ
from an index built without those merges.
"""

from __future__ import annotations

import random
from pathlib import Path

from whoosh import index as whoosh_index

from conftest import make_settings
from rebuild_compare import differences, index_view, rebuilt_view
from searchapp.backend.local import textstore
from searchapp.backend.local.writer import LocalWriter
from searchapp.indexing import run
from searchapp.indexing.run import index_paths
from support import make_corpus


def test_a_run_merges_its_segments_in_workers_and_equals_a_build_without_merges(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 80, random.Random(3))  # ≈ 2.4 MB: enough for a pool of two workers
    settings = make_settings(tmp_path)
    # Batches of ≈ 200 KB: a dozen segments of the smallest size tier, which the
    # policy merges four at a time.
    monkeypatch.setattr(run, "MIN_BATCH_BYTES", 64 * 1024)
    merged: list[int] = []
    discard = LocalWriter.discard

    def counting_discard(self, written):
        merged.append(len(written))
        discard(self, written)

    monkeypatch.setattr(LocalWriter, "discard", counting_discard)
    batches: list[object] = []
    add = run._Outputs.add
    monkeypatch.setattr(run._Outputs, "add", lambda self, written: (batches.append(written), add(self, written)))
    index_paths(settings, [corpus], rebuild=True, workers=2)

    assert merged and all(n >= 2 for n in merged)
    index_dir = settings.index_path
    segments = textstore.read_manifest(index_dir / textstore.STORE_DIRNAME)["segments"]
    # Each merge of n segments leaves one: what the commit publishes is already merged.
    assert len(batches) >= 8 and len(segments) <= len(batches) - sum(n - 1 for n in merged)
    # The merged inputs are gone: every store file and Whoosh segment is published.
    store_files = {p.name for p in (index_dir / textstore.STORE_DIRNAME).iterdir() if p.suffix != ".json"}
    assert store_files == {f"{s}{x}" for s in segments for x in textstore.SEGMENT_SUFFIXES}
    toc = whoosh_index.open_dir(str(index_dir))._read_toc()
    assert {p.stem for p in index_dir.glob("*.seg")} == {s.segment_id() for s in toc.segments}

    got = index_view(settings)
    monkeypatch.setattr(LocalWriter, "merge_task", lambda self, written, final=False: [])
    want = rebuilt_view(settings, corpus, tmp_path / "rebuilt")
    assert differences(got, want) == ""
    assert got == want


def test_a_finished_run_packs_what_the_size_tiers_left_into_as_few_segments_as_fit(tmp_path, monkeypatch):
    # Merging four at a time during the run can leave two or three segments of one tier;
    # each carries its own gram table, so the run packs them once every batch is written.
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 80, random.Random(5))
    settings = make_settings(tmp_path)
    monkeypatch.setattr(run, "MIN_BATCH_BYTES", 64 * 1024)
    finals: list[int] = []
    pick = LocalWriter.merge_task

    def spy(self, written, final=False):
        group = pick(self, written, final=final)
        if final and group:
            finals.append(len(group))
        return group

    monkeypatch.setattr(LocalWriter, "merge_task", spy)
    index_paths(settings, [corpus], rebuild=True, workers=2)

    segments = textstore.read_manifest(settings.index_path / textstore.STORE_DIRNAME)["segments"]
    assert len(segments) == 1  # ≈ 2.4 MB of text: far below MERGE_MAX_BYTES
    assert finals, "the tiers alone left one segment: the packing was not exercised"


def test_packing_takes_the_smallest_segments_that_fit_the_size_bound():
    from searchapp.backend.local import writer

    infos = [writer._SegmentInfo(n, 1, [0], size) for n, size in
             (("a", 20 << 20), ("b", 5 << 20), ("c", 6 << 20), ("d", 30 << 20))]
    assert [i.name for i in writer._pack_group(infos)] == ["b", "c", "a"]   # 31 MB ≤ 32 MB
    assert writer._pack_group(infos[3:]) == []                              # one segment: nothing to pack
