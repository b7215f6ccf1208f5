"""Writing to the cluster: incremental runs, near-duplicate groups kept on one shard,
runs that never publish, rebuilds — checked against the local backend."""

from __future__ import annotations

import shutil

import pytest

from cluster_fixtures import needs_searchd, parity_corpus, sphinx_settings, start_cluster
from conftest import make_settings
from searchapp.backend.sphinx import tokens
from searchapp.backend.sphinx.sql import Session
from searchapp.backend.sphinx.writer import SphinxIndexFolder, visible
from searchapp.config import settings_from_dict
from searchapp.errors import ConfigError
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import open_service

QUERIES = ["教育", '"教育改革"', "均衡 OR 督导", "", "课后服务 -双减", '"西湖区"']


def answers(service, collapse=True):
    out = {}
    for q in QUERIES:
        r = service.search(SearchRequest(q=q, size=100, snippets=0, collapse=collapse))
        out[q] = (r.total, sorted((h.id, tuple(sorted(h.duplicate_ids))) for h in r.hits), r.facets)
    return out


def test_encoding_keeps_every_character_apart_one_for_one():
    text = "教育,改革\n abc-def：「引号」 Ω 𠀀"
    encoded = tokens.encode(text)
    assert len(encoded) == len(text)
    assert all(not ("!" <= ch <= "/" or ch in " \n") for ch in encoded)  # no separators or query syntax left
    chars = ",.-!?( \n"
    assert len({tokens.encode(c) for c in chars}) == len(chars)  # distinct characters stay distinct
    assert tokens.phrase("a,b") == '"a \ue02c b"'


def test_the_sphinx_backend_needs_its_shards_in_the_config(tmp_path):
    with pytest.raises(ConfigError, match="cluster"):
        settings_from_dict({"backend": "sphinx"}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="backend"):
        settings_from_dict({"backend": "elastic"}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="ha_strategy"):
        settings_from_dict({"backend": "sphinx", "cluster": {"shards": [["h:1:2"]], "ha_strategy": "x"}},
                           base_dir=tmp_path)


@pytest.fixture
def two_indexes(tmp_path):
    cluster = start_cluster(tmp_path / "cluster")
    try:
        corpus = parity_corpus(tmp_path)
        local = make_settings(tmp_path / "local", search={"cache_size": 0})
        sphinx = sphinx_settings(tmp_path / "sphinx", cluster, search={"cache_size": 0})
        index_paths(local, [corpus], workers=1)
        index_paths(sphinx, [corpus], workers=1)
        yield cluster, corpus, local, sphinx
    finally:
        cluster.stop()


def shard_groups(cluster, settings):
    """Per shard (its first mirror): the group keys of its visible rows."""
    topo = cluster.topology()
    gen = open_service(settings).backend.generation()
    out = []
    for mirrors in topo.shards:
        session = Session(mirrors[0], 10)
        rows = session.one(f"SELECT grp, {visible(gen)} AS ok FROM {topo.docs_table} WHERE ok = 1 "
                           f"GROUP BY grp LIMIT 10000 OPTION max_matches=10000")
        out.append({r[0] for r in rows})
        session.close()
    return out


@needs_searchd
@pytest.mark.cluster
def test_incremental_runs_leave_the_cluster_equal_to_the_local_index(two_indexes):
    cluster, corpus, local, sphinx = two_indexes
    assert answers(open_service(sphinx)) == answers(open_service(local))
    # Delete one file, edit one, add a near-duplicate of an existing report (its group changes).
    seeds = sorted(corpus.glob("seeds/*.txt"))
    seeds[0].unlink()
    edited = next(corpus.glob("cluster/school/*COVID*.txt"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n西湖区教育改革经验交流。\n", encoding="utf-8")
    shutil.copy2(seeds[-1], corpus / "cluster" / "转载.txt")  # a copy of a report that had none
    for settings in (local, sphinx):
        s = index_paths(settings, [corpus], workers=1)
        assert (s.removed, s.updated, s.indexed) == (1, 1, 1)
    a, b = open_service(local), open_service(sphinx)
    for collapse in (True, False):
        ours, theirs = answers(b, collapse), answers(a, collapse)
        for q in QUERIES:
            for part in range(3):
                if ours[q][part] != theirs[q][part]:
                    print("DIFF", q, collapse, part, ours[q][part], "\nLOCAL", theirs[q][part])
        assert ours == theirs
    assert b.backend.info()["documents"] == a.backend.info()["documents"]
    every = b.search(SearchRequest(q="", size=100, collapse=False)).hits
    copy_id = next(h.id for h in every if h.path.endswith("转载.txt"))
    folded = b.search(SearchRequest(q="", size=100)).hits
    assert any(copy_id in h.duplicate_ids or (h.id == copy_id and h.duplicate_ids) for h in folded)
    groups = shard_groups(cluster, sphinx)
    assert not set.intersection(*groups)  # every group on exactly one shard
    assert all(groups)  # both shards hold documents


@needs_searchd
@pytest.mark.cluster
def test_a_run_that_never_publishes_changes_nothing_and_is_cleaned_up(two_indexes):
    cluster, corpus, _local, sphinx = two_indexes
    before = answers(open_service(sphinx))
    (corpus / "extra.txt").write_text("新的报告\n均衡发展督导评估。\n" * 30, encoding="utf-8")
    with pytest.raises(RuntimeError, match="stop"):
        with SphinxIndexFolder(sphinx, sphinx.index_path).transaction(False) as (writer, _fresh):
            from searchapp.indexing.worker import BatchJob, Task
            job = BatchJob(sphinx, writer.batch_writer())
            outcome = job([Task(str(corpus / "extra.txt"), "extra.txt", writer.next_key() + 4096, None, None,
                                origin="docs")])
            assert outcome.results[0].status == "indexed"
            raise RuntimeError("stop before commit")
    assert answers(open_service(sphinx)) == before
    topo = cluster.topology()

    def unpublished() -> int:
        session = Session(topo.shards[0][0], 10)
        gen = open_service(sphinx).backend.generation()
        n = sum(len(Session(m[0], 10).one(f"SELECT id, born > {gen} AS ok FROM {topo.docs_table} WHERE ok = 1"))
                for m in topo.shards)
        session.close()
        return n

    assert unpublished() == 1
    index_paths(sphinx, [corpus], workers=1)  # the next run removes the leftover, then adds the file properly
    assert unpublished() == 0
    assert open_service(sphinx).search(SearchRequest(q='"均衡发展督导评估"')).total == 1


@needs_searchd
@pytest.mark.cluster
def test_a_rebuild_gives_the_same_answers(two_indexes):
    _cluster, corpus, local, sphinx = two_indexes
    index_paths(sphinx, [corpus], rebuild=True, workers=1)
    assert answers(open_service(sphinx)) == answers(open_service(local))


@needs_searchd
@pytest.mark.cluster
def test_texts_longer_than_a_string_attribute_are_kept_whole_in_parts(two_indexes, monkeypatch):
    """Sphinx 2.2 cuts a string attribute at 4 MB; longer originals are stored in pieces.
    Pieces of 3,000 bytes here, so every fixture report is split."""
    from searchapp.backend.sphinx import rows

    monkeypatch.setattr(rows, "CHUNK_BYTES", 3000)
    cluster, corpus, local, sphinx = two_indexes
    index_paths(sphinx, [corpus], rebuild=True, workers=1)
    shutil.copy2(sorted(corpus.glob("seeds/*.txt"))[-1], corpus / "cluster" / "转载.txt")  # moves a group
    index_paths(local, [corpus], workers=1)
    index_paths(sphinx, [corpus], workers=1)
    a, b = open_service(local), open_service(sphinx)
    assert answers(b) == answers(a)
    ids = [h.id for h in a.search(SearchRequest(q="", size=100, collapse=False)).hits]
    long = [i for i in ids if len(a.backend.text(i)[0].encode("utf-8")) > 3000]
    assert len(long) >= 5
    for doc_id in ids:
        assert b.backend.text(doc_id)[0] == a.backend.text(doc_id)[0]
    q = '"教师交流"'
    assert {h.id: h.snippets for h in b.search(SearchRequest(q=q, size=100)).hits} == \
        {h.id: h.snippets for h in a.search(SearchRequest(q=q, size=100)).hits}
