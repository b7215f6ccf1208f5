"""Incremental indexing, deletion, sidecars, bad files and interrupted runs, on a real index."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from searchapp.backend.local.lock import IndexLock
from searchapp.errors import IndexLockedError, IndexMismatchError
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import open_service, search

from conftest import make_settings, wait_until


def ids_for(settings, q: str) -> set[str]:
    return {h.path for h in search(open_service(settings), SearchRequest(q=q, size=100)).hits}


def test_second_run_skips_unchanged_files(tmp_path, corpus):
    settings = make_settings(tmp_path)
    first = index_paths(settings, [corpus])
    assert first.indexed == 5 and not first.failed
    second = index_paths(settings, [corpus])
    assert (second.indexed, second.updated, second.removed, second.skipped) == (0, 0, 0, 5)


def test_changed_new_and_deleted_files(tmp_path, corpus):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    changed = corpus / "003_cfdc8fbd1761942d.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一句:城乡教师交流轮岗常态化。\n", encoding="utf-8")
    os.utime(changed, (time.time() + 5, time.time() + 5))
    (corpus / "new.txt").write_text("新文件\n这是关于集团化办学的报告。", encoding="utf-8")
    (corpus / "000_41e64b6455ebe894.txt").unlink()
    summary = index_paths(settings, [corpus])
    assert (summary.indexed, summary.updated, summary.removed) == (1, 1, 1)
    assert any(p.endswith("003_cfdc8fbd1761942d.txt") for p in ids_for(settings, '"教师交流轮岗常态化"'))
    assert any(p.endswith("new.txt") for p in ids_for(settings, '"集团化办学"'))
    assert not any("000_" in p for p in ids_for(settings, '"荔湾区"'))


def test_touched_but_unchanged_file_is_not_reindexed(tmp_path, corpus):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    f = corpus / "002_6bd464c48aba9942.txt"
    os.utime(f, (time.time() + 10, time.time() + 10))
    summary = index_paths(settings, [corpus])
    assert summary.updated == 0 and summary.skipped == 5


def test_sidecar_yaml_sets_metadata_and_wins_over_extraction(tmp_path, corpus):
    (corpus / "003_cfdc8fbd1761942d.yaml").write_text(
        "title: 某区履行教育职责汇报\nprovince: 湖南省\ncity: 长沙市\ndistrict: 岳麓区\nyear: 2019\n"
        "themes: [督导与考核]\ntype: 汇报\n", encoding="utf-8")
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    engine = open_service(settings)
    response = search(engine, SearchRequest(filters={"region": ["岳麓区"], "year": ["2019"]}, size=10))
    assert response.total == 1
    hit = response.hits[0]
    assert hit.title == "某区履行教育职责汇报"
    assert hit.region == {"province": "湖南省", "city": "长沙市", "district": "岳麓区"}
    assert hit.themes == ["督导与考核"] and hit.type == "汇报"


def test_changing_a_sidecar_reindexes_its_file(tmp_path, corpus):
    side = corpus / "003_cfdc8fbd1761942d.yaml"
    side.write_text("year: 2019\n", encoding="utf-8")
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    side.write_text("year: 2020\n", encoding="utf-8")
    os.utime(side, (time.time() + 5, time.time() + 5))
    summary = index_paths(settings, [corpus])
    assert summary.updated == 1
    assert search(open_service(settings), SearchRequest(filters={"year": ["2020"]})).total == 1


def test_csv_manifest_from_config(tmp_path, corpus):
    manifest = tmp_path / "meta.csv"
    manifest.write_text("path,title,province,city,district,year,themes,type\n"
                        "docs/003_cfdc8fbd1761942d.txt,,山东省,济南市,历下区,2018,校园安全;办学条件,\n",
                        encoding="utf-8")
    settings = make_settings(tmp_path, indexing={"manifest": "meta.csv"})
    index_paths(settings, [corpus])
    response = search(open_service(settings), SearchRequest(filters={"region": ["历下区"]}))
    assert response.total == 1 and response.hits[0].year == 2018
    assert response.hits[0].themes == ["校园安全", "办学条件"]


def test_bad_files_are_reported_and_skipped(tmp_path, corpus):
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 50)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "gbk.txt").write_bytes("关于教师交流工作的汇报\n今年全县推进城乡教师交流。".encode("gbk"))
    (corpus / "big5.txt").write_bytes("關於教師交流工作的報告\n本縣推動教師交流輪崗。".encode("big5"))
    settings = make_settings(tmp_path)
    summary = index_paths(settings, [corpus])
    failed = dict((Path(p).name, reason) for p, reason in summary.failed)
    assert set(failed) == {"binary.txt", "empty.txt"}
    assert "binary" in failed["binary.txt"]
    assert summary.indexed == 7
    found = ids_for(settings, '"教师交流"')
    assert any(p.endswith("gbk.txt") for p in found) and any(p.endswith("big5.txt") for p in found)


def test_interrupted_run_leaves_previous_index_usable(tmp_path, corpus, monkeypatch):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    before = ids_for(settings, '"教师交流"')
    (corpus / "new.txt").write_text("新报告\n教师交流的新做法。", encoding="utf-8")
    (corpus / "002_6bd464c48aba9942.txt").unlink()

    import searchapp.indexing.run as run

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "_clusters", boom)
    with pytest.raises(KeyboardInterrupt):
        index_paths(settings, [corpus])
    monkeypatch.undo()
    assert ids_for(settings, '"教师交流"') == before  # previous committed state, intact
    summary = index_paths(settings, [corpus])
    assert (summary.indexed, summary.removed) == (1, 1)
    after = ids_for(settings, '"教师交流"')
    assert any(p.endswith("new.txt") for p in after) and not any("002_" in p for p in after)


def test_interrupted_rebuild_keeps_the_old_index(tmp_path, corpus, monkeypatch):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    before = ids_for(settings, '"教师交流"')
    import searchapp.indexing.run as run

    monkeypatch.setattr(run, "_clusters", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        index_paths(settings, [corpus], rebuild=True)
    monkeypatch.undo()
    assert ids_for(settings, '"教师交流"') == before
    summary = index_paths(settings, [corpus], rebuild=True)
    assert summary.indexed == 5
    assert ids_for(settings, '"教师交流"') == before


def test_second_indexing_run_is_refused_while_one_holds_the_lock(tmp_path, corpus):
    settings = make_settings(tmp_path)
    with IndexLock(settings.index_path):
        with pytest.raises(IndexLockedError, match="another indexing run"):
            index_paths(settings, [corpus])


def test_index_built_with_another_analyzer_refuses_to_open(tmp_path, corpus):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    other = make_settings(tmp_path, analysis={"user_words": ["完全不同的词典"]})
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        open_service(other)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        index_paths(other, [corpus])
    index_paths(other, [corpus], rebuild=True)
    assert open_service(other).backend.snapshot().docs


def test_parallel_workers_give_the_same_index_as_one_process(tmp_path, corpus):
    for i in range(12):  # enough files to use the worker pool
        (corpus / f"copy{i}.txt").write_text((corpus / "004_7953d57669bfc55d.txt").read_text(encoding="utf-8")
                                             + f"\n第{i}份副本。\n" + "补充材料。" * 40000, encoding="utf-8")
    one = make_settings(tmp_path / "one")
    two = make_settings(tmp_path / "two")
    index_paths(one, [corpus], workers=1)
    index_paths(two, [corpus], workers=2)
    for q in ('"教师交流"', "均衡发展", '"第3份副本"'):
        assert {Path(p).name for p in ids_for(one, q)} == {Path(p).name for p in ids_for(two, q)}


def test_replaced_documents_do_not_grow_the_text_store_forever(tmp_path, corpus):
    from searchapp.backend.local import textstore

    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    store = settings.index_path / textstore.STORE_DIRNAME
    size_after_first = sum(p.stat().st_size for p in store.iterdir())
    target = corpus / "002_6bd464c48aba9942.txt"
    original = target.read_text(encoding="utf-8")
    for round_no in range(6):  # the same file changed again and again
        target.write_text(original + f"\n第{round_no}次修订。\n", encoding="utf-8")
        os.utime(target, (time.time() + 10 * (round_no + 1),) * 2)
        assert index_paths(settings, [corpus]).updated == 1
    size_now = sum(p.stat().st_size for p in store.iterdir())
    assert size_now < size_after_first * 1.5
    assert any(p.endswith("002_6bd464c48aba9942.txt") for p in ids_for(settings, '"第5次修订"'))
    assert not ids_for(settings, '"第4次修订"')


def test_a_mostly_replaced_store_segment_is_rewritten_with_its_live_documents(tmp_path, corpus):
    from searchapp.backend.local import textstore

    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    store = settings.index_path / textstore.STORE_DIRNAME
    (first_segment,) = textstore.read_manifest(store)["segments"]
    files = sorted(corpus.glob("*.txt"))
    for f in files[:4]:  # four of five files (8 of 9 documents) change; 004 stays
        f.write_text(f.read_text(encoding="utf-8") + "\n补记。\n", encoding="utf-8")
        os.utime(f, (time.time() + 10,) * 2)
    assert index_paths(settings, [corpus]).updated == 4
    segments = textstore.read_manifest(store)["segments"]
    assert first_segment not in segments and len(segments) == 2
    assert not (store / f"{first_segment}.norm").exists()
    # the untouched report is still found, with its text and highlights
    response = search(open_service(settings), SearchRequest(q='"南长区教育局"'))
    assert response.total == 1 and "<mark>南长区教育局</mark>" in response.hits[0].snippets[0]


def test_repeated_searches_are_cached_until_the_index_changes(tmp_path, corpus):
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus])
    engine = open_service(settings)
    first = search(engine, SearchRequest(q='"教师交流"'))
    again = search(engine, SearchRequest(q='"教师交流"'))
    assert not first.cached and again.cached
    assert [h.id for h in again.hits] == [h.id for h in first.hits]
    assert not search(engine, SearchRequest(q='"教师交流"', page=2)).cached  # another request
    (corpus / "new.txt").write_text("新报告\n推进教师交流。", encoding="utf-8")
    index_paths(settings, [corpus])
    # The backend looks for a new commit every half second; the cached answer must give way to it.
    assert wait_until(lambda: search(engine, SearchRequest(q='"教师交流"')).total == first.total + 1, timeout=10)


def test_cache_can_be_turned_off(tmp_path, corpus):
    settings = make_settings(tmp_path, search={"cache_size": 0})
    index_paths(settings, [corpus])
    engine = open_service(settings)
    search(engine, SearchRequest(q="教育"))
    assert not search(engine, SearchRequest(q="教育")).cached
