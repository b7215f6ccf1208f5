"""The document table a commit writes (``backend/local/doctable.py``): a snapshot
opened from it sees exactly what one built from Whoosh's stored fields sees, and
a missing, foreign or damaged table only costs time, never an answer."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from searchapp.backend.local import doctable
from searchapp.backend.local.snapshot import Snapshot
from searchapp.indexing.run import index_paths
from searchapp.model import FACETS
from support import answers, hardening_settings, make_corpus

QUERIES = ['"教师交流"', "均衡发展", '"号材料"', "督导 OR 考核", "region:荔湾区", "year:2008", "校长 交流"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("doctable")
    make_corpus(work / "docs", 10, random.Random(5))
    settings = hardening_settings(work, work / "index")
    index_paths(settings, [work / "docs"], workers=1)
    return work, settings


def open_snapshot(index_dir: Path) -> Snapshot:
    return Snapshot(index_dir, ("test", 0))


def view(snap: Snapshot) -> dict:
    """Everything a reader takes from the snapshot's table, in plain Python values."""
    records = {d: dataclasses.asdict(snap.docs[d]) for d in snap.docs}
    facets = {}
    for facet in FACETS:
        col = snap.columns.facets[facet.name]
        facets[facet.name] = (col.names, [(names, codes.tolist()) for names, codes in col.levels],
                              None if col.matrix is None else col.matrix.tolist(),
                              None if col.values is None else col.values.tolist())
    return {"records": records, "facets": facets, "by_id": snap.by_id, "by_key": {snap.key(d): d for d in snap.all_docs.tolist()},
            "lengths": snap.lengths.tolist(), "titles": snap.norm_titles, "id_rank": snap.columns.id_rank.tolist(),
            "fold": snap.columns.fold_group.tolist(), "docnum_of": [a.tolist() for a in snap.docnum_of],
            "avg": (snap.avg_length, snap.avg_title), "files": snap.files}


def test_a_commit_writes_the_table_of_its_generation(built):
    _work, settings = built
    index_dir = settings.index_path
    generation = whoosh_index.open_dir(str(index_dir)).latest_generation()
    arrays, rows = doctable.table_files(index_dir, generation)
    assert arrays.exists() and rows.exists()
    snap = open_snapshot(index_dir)
    try:
        assert snap.table_loaded
    finally:
        snap.close()


def test_snapshot_from_the_table_equals_one_from_the_stored_fields(built, tmp_path):
    _work, settings = built
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_path, index_dir)
    snap = open_snapshot(index_dir)
    try:
        assert snap.table_loaded
        from_table = view(snap)
        evidence = {d: snap.docs[d].meta.get("evidence") for d in snap.docs}
    finally:
        snap.close()
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        stored = {f["id"]: doctable.record_from_stored(f) for f in searcher.all_stored_fields()}
    assert {r["id"]: r for r in from_table["records"].values()} == {i: dataclasses.asdict(r) for i, r in stored.items()}
    assert any(evidence.values()), "the evidence rows were read back"
    for path in index_dir.glob(f"{doctable.TABLE_PREFIX}*"):
        path.unlink()
    snap = open_snapshot(index_dir)
    try:
        assert not snap.table_loaded
        assert view(snap) == from_table
    finally:
        snap.close()


@pytest.mark.parametrize("damage", ["garbled arrays", "truncated rows", "another build's table"])
def test_a_bad_table_is_rebuilt_in_memory_with_the_same_answers(built, damage):
    work, settings = built
    expected = answers(settings, QUERIES)
    copy = work / f"copy-{damage.replace(' ', '-')}"
    shutil.copytree(settings.index_path, copy)
    arrays = next(copy.glob(f"{doctable.TABLE_PREFIX}*.npz"))
    rows = arrays.with_suffix(".rows")
    if damage == "garbled arrays":
        data = bytearray(arrays.read_bytes())
        for i in range(0, len(data), 5):
            data[i] ^= 0x5A
        arrays.write_bytes(bytes(data))
    elif damage == "truncated rows":
        with open(rows, "r+b") as fh:
            fh.truncate(rows.stat().st_size // 2)
    else:
        meta_file = copy / "searchapp-index.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        meta_file.write_text(json.dumps({**meta, "build_id": "another"}), encoding="utf-8")
    snap = open_snapshot(copy)
    try:
        assert not snap.table_loaded
    finally:
        snap.close()
    assert answers(hardening_settings(work, copy), QUERIES) == expected


def test_an_incremental_run_rewrites_the_table_and_drops_old_ones(built, tmp_path):
    work, _settings = built
    corpus = tmp_path / "docs"
    shutil.copytree(work / "docs", corpus)
    settings = hardening_settings(tmp_path, tmp_path / "index")
    index_paths(settings, [corpus], workers=1)
    for run in range(3):
        (corpus / f"new{run}.txt").write_text((corpus / "r0001.txt").read_text(encoding="utf-8") + f"\n第{run}次新增。\n",
                                              encoding="utf-8")
        index_paths(settings, [corpus], workers=1)
    generation = whoosh_index.open_dir(str(settings.index_path)).latest_generation()
    stems = {p.name.split(".", 1)[0] for p in settings.index_path.glob(f"{doctable.TABLE_PREFIX}*")}
    assert stems <= {f"{doctable.TABLE_PREFIX}{generation}", f"{doctable.TABLE_PREFIX}{generation - 1}"}
    snap = open_snapshot(settings.index_path)
    try:
        assert snap.table_loaded
        assert {Path(snap.docs[d].source).name for d in snap.docs} >= {"new0.txt", "new1.txt", "new2.txt"}
        assert len(snap.docs) == snap.all_docs.size == len(snap.by_id)
        assert np.all(snap.table.keys[snap.all_docs] >= 0)
    finally:
        snap.close()


def test_the_commit_streams_the_same_table_bytes_as_building_it_whole(built, tmp_path):
    """The commit writes the table in one pass (rows deflated and written as the stored
    fields are read): the same two files, byte for byte, as the table built whole in
    memory and then written, here on a generation with deleted documents (holes)."""
    from searchapp.backend.local.snapshot import table_header

    work, _settings = built
    corpus = tmp_path / "docs"
    shutil.copytree(work / "docs", corpus)
    settings = hardening_settings(tmp_path, tmp_path / "index")
    index_paths(settings, [corpus], workers=1)
    (corpus / "r0002.txt").unlink()
    (corpus / "r0004.txt").write_text("第一条 本办法自发布之日起施行。\n" * 40, encoding="utf-8")
    index_paths(settings, [corpus], workers=1)
    index_dir = settings.index_path
    ix = whoosh_index.open_dir(str(index_dir))
    toc = ix._read_toc()
    whole = tmp_path / "whole"
    whole.mkdir()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_count() < reader.doc_count_all()  # holes
        doctable.write(whole, doctable.from_reader(reader), table_header(index_dir, toc))
    for path in doctable.table_files(index_dir, toc.generation):
        assert path.read_bytes() == (whole / path.name).read_bytes()


def test_a_hit_is_named_and_listed_without_inflating_evidence_rows(built, monkeypatch):
    # Listing every hit (exports, every-hit API pages) reads ids and record fields; the
    # evidence row is inflated only when a page reads it, as the document page does.
    _work, settings = built
    snap = open_snapshot(settings.index_path)
    try:
        inflated: list[tuple[int, int]] = []
        real_row = doctable.DocTable._row
        monkeypatch.setattr(doctable.DocTable, "_row",
                            lambda self, a, b: (inflated.append((a, b)), real_row(self, a, b))[1])
        docnum = int(snap.all_docs[0])
        assert snap.doc_id(docnum) == snap.table.ids[docnum] and not inflated
        record = snap.table.record(docnum)
        assert len(inflated) == 1          # the record's own row only
        evidence = record.meta["evidence"]
        assert len(inflated) == 2 and isinstance(evidence, dict)
    finally:
        snap.close()
