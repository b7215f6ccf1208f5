"""Runs leave no files behind: not when nothing changed, not when the disk is full,
not when a rebuild cannot replace the index, not from workers of a killed run."""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_settings
from rebuild_compare import index_view
from searchapp.backend.local import layout, textstore
from searchapp.backend.local.writer import LocalBatchWriter, StaleRunError
from searchapp.backend.base import PreparedDoc
from searchapp.indexing.run import index_paths
from support import make_corpus, permissions_enforced_preexec


def listing(folder: Path) -> list[str]:
    """Every file and folder under ``folder`` (relative), sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_runs_with_no_changes_leave_the_index_folder_as_it_was(tmp_path, corpus):
    settings = make_settings(tmp_path)
    (corpus / "empty.txt").write_bytes(b"")           # fails every run
    touched = corpus / "002_6bd464c48aba9942.txt"     # new mtime, same content
    index_paths(settings, [corpus], workers=1)
    index_paths(settings, [corpus], workers=1)
    before = listing(settings.index_path)
    for i in range(20):
        os.utime(touched, (time.time() + i + 1,) * 2)
        summary = index_paths(settings, [corpus], workers=1)
        assert summary.indexed == summary.updated == summary.removed == 0
    assert listing(settings.index_path) == before


def test_a_run_failing_on_a_full_disk_removes_what_it_wrote(tmp_path, monkeypatch):
    corpus = tmp_path / "docs"
    make_corpus(corpus, 12, random.Random(3))
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], workers=1)
    before_files = listing(settings.index_path)
    before_view = index_view(settings)
    make_corpus(corpus, 60, random.Random(4), prefix="more")   # 1.8 MB: two batches

    real_write = textstore._write_part
    files: list[str] = []

    def disk_fills_up(fh, data) -> None:
        if fh.name not in files:
            files.append(fh.name)
        if len(files) <= 4:   # the first batch's segment, and the start of the second
            return real_write(fh, data)
        fh.write(bytes(data)[: len(data) // 2])   # part of the piece, then no space left
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), fh.name)

    monkeypatch.setattr(textstore, "_write_part", disk_fills_up)
    with pytest.raises(OSError):
        index_paths(settings, [corpus], workers=1)
    monkeypatch.undo()

    assert listing(settings.index_path) == before_files
    assert index_view(settings) == before_view


def test_rebuild_that_cannot_remove_the_old_index_fails_clearly(tmp_path, corpus):
    try:
        preexec = permissions_enforced_preexec()
    except OSError as exc:
        pytest.skip(f"cannot make permissions bind as root here: {exc}")
    index_dir = tmp_path / "idx"
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], index_dir=index_dir, workers=1)
    before = listing(index_dir)
    os.chmod(index_dir, 0o555)   # the index belongs to someone else; its parent is ours
    try:
        proc = subprocess.run([sys.executable, "-m", "searchapp", "index", str(corpus), "--index", str(index_dir),
                               "--rebuild", "--workers", "1"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, preexec_fn=preexec)
    finally:
        os.chmod(index_dir, 0o755)
    assert proc.returncode != 0
    assert str(index_dir) in proc.stderr and "rebuild" in proc.stderr, proc.stderr
    assert not layout.sibling(index_dir, ".previous").exists()
    assert not layout.sibling(index_dir, ".building").exists()
    assert listing(index_dir) == before


def _doc(key: int, source: str) -> PreparedDoc:
    text = "教师交流轮岗工作稳步推进。"
    return PreparedDoc(id=f"d{key}", key=key, source=source, path=source, article=0, title="报告",
                       text=text, norm=text, norm_map=([], []), fields={}, evidence={},
                       fingerprint=None, hash="h", mtime=0.0, size=len(text), encoding="utf-8")


def test_a_worker_of_a_killed_rebuild_does_not_recreate_the_cleaned_folder(tmp_path, corpus):
    settings = make_settings(tmp_path)
    building = layout.sibling(settings.index_path, ".building")
    layout.create_index(building, settings)
    from searchapp.backend.local.writer import LocalWriter

    orphan = LocalWriter(building, settings).batch_writer()   # the killed run's worker
    shutil.rmtree(building)                                    # the next run cleans up
    with pytest.raises((StaleRunError, OSError)):
        orphan.write([_doc(1, str(corpus / "a.txt"))])
    assert not building.exists()


def test_a_worker_of_a_killed_run_does_not_write_into_the_next_runs_folder(tmp_path, corpus):
    settings = make_settings(tmp_path)
    building = layout.sibling(settings.index_path, ".building")
    layout.create_index(building, settings)
    from searchapp.backend.local.writer import LocalWriter

    orphan = LocalWriter(building, settings).batch_writer()
    shutil.rmtree(building)                      # the next run cleans up, starts its own rebuild
    layout.create_index(building, settings)
    LocalWriter(building, settings).batch_writer()
    before = listing(building)
    with pytest.raises(StaleRunError):
        orphan.write([_doc(1, str(corpus / "a.txt"))])
    assert listing(building) == before


def test_a_live_batch_writer_writes(tmp_path, corpus):
    """The check does not get in the way of the run that owns the folder."""
    settings = make_settings(tmp_path)
    layout.create_index(settings.index_path, settings)
    from searchapp.backend.local.writer import LocalWriter

    names = LocalWriter(settings.index_path, settings).batch_writer().write([_doc(1, str(corpus / "a.txt"))])
    assert (settings.index_path / textstore.STORE_DIRNAME / f"{names.store_segment}.idx").exists()


def test_a_lock_file_of_another_user_is_named_as_the_problem(tmp_path, corpus):
    """Not the parent folder's permissions, which are fine."""
    try:
        preexec = permissions_enforced_preexec()
    except OSError as exc:
        pytest.skip(f"cannot make permissions bind as root here: {exc}")
    index_dir = tmp_path / "idx"
    index_paths(make_settings(tmp_path), [corpus], index_dir=index_dir, workers=1)
    lock = index_dir.parent / f".{index_dir.name}.lock"
    os.chmod(lock, 0o444)   # someone else's file: readable, not writable
    try:
        proc = subprocess.run([sys.executable, "-m", "searchapp", "index", str(corpus), "--index", str(index_dir)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=preexec)
    finally:
        os.chmod(lock, 0o644)
    assert proc.returncode != 0
    assert f"lock file {lock}" in proc.stderr and "belongs to" in proc.stderr, proc.stderr
    assert "needs write access to" not in proc.stderr
