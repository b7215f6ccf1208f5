"""An incremental run leaves the index a fresh rebuild of the same folder would build.

The named cases are the ones that used to differ: a report that stops being a
readable report (emptied, overwritten with binary data, replaced by a FIFO, grown
past ``indexing.max_file_mb``) kept its old text searchable, and a sidecar YAML
added with an older mtime (``cp -p``, ``rsync -t``, unzip) or deleted was not
noticed. The property test drives random sequences of such changes.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from conftest import SEEDS, make_settings
from rebuild_compare import differences, index_view, rebuilt_view
from searchapp.indexing.run import index_paths

TARGET = "002_6bd464c48aba9942.txt"
#: A past moment, as ``cp -p`` or ``rsync -t`` keep it.
OLD = time.time() - 30 * 86400


def assert_equals_rebuild(settings, corpus: Path, tmp_path: Path) -> None:
    index_paths(settings, [corpus], workers=1)
    got = index_view(settings)
    want = rebuilt_view(settings, corpus, tmp_path / f"rebuild-{time.monotonic_ns()}")
    assert not differences(got, want), differences(got, want)


def bump(path: Path) -> None:
    """Move the mtime forward: the change is seen whatever the timestamp granularity."""
    t = path.stat().st_mtime + 5
    os.utime(path, (t, t))


@pytest.fixture
def indexed(tmp_path, corpus):
    settings = make_settings(tmp_path, indexing={"max_file_mb": 0.2})
    index_paths(settings, [corpus], workers=1)
    return settings, corpus


def test_a_report_that_becomes_empty_loses_its_old_text(tmp_path, indexed):
    settings, corpus = indexed
    (corpus / TARGET).write_bytes(b"")
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_a_report_overwritten_with_binary_data_loses_its_old_text(tmp_path, indexed):
    settings, corpus = indexed
    (corpus / TARGET).write_bytes(bytes(range(256)) * 40)
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_a_report_replaced_by_a_fifo_loses_its_old_text(tmp_path, indexed):
    settings, corpus = indexed
    (corpus / TARGET).unlink()
    os.mkfifo(corpus / TARGET)
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_a_report_grown_past_max_file_mb_loses_its_old_text(tmp_path, indexed):
    settings, corpus = indexed
    target = corpus / TARGET
    target.write_text(target.read_text(encoding="utf-8") * 40, encoding="utf-8")
    assert target.stat().st_size > 0.2 * 1024 * 1024
    summary = index_paths(settings, [corpus], workers=1)
    assert any("max_file_mb" in reason for _, reason in summary.failed)
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_a_sidecar_added_with_an_older_mtime_reindexes_its_report(tmp_path, indexed):
    settings, corpus = indexed
    side = (corpus / TARGET).with_suffix(".yaml")
    side.write_text("title: 边车标题\nyear: 2011\n", encoding="utf-8")
    os.utime(side, (OLD, OLD))
    summary = index_paths(settings, [corpus], workers=1)
    assert summary.updated == 1
    titles = {rec[2] for rec in index_view(settings)["records"].values()}
    assert "边车标题" in titles
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_a_deleted_sidecar_reindexes_its_report(tmp_path, corpus):
    settings = make_settings(tmp_path)
    side = (corpus / TARGET).with_suffix(".yaml")
    side.write_text("title: 边车标题\n", encoding="utf-8")
    os.utime(side, (OLD, OLD))
    index_paths(settings, [corpus], workers=1)
    side.unlink()
    assert index_paths(settings, [corpus], workers=1).updated == 1
    assert_equals_rebuild(settings, corpus, tmp_path)


def test_indexing_part_of_a_folder_keeps_the_rest(tmp_path, corpus):
    """Removal of non-documents is limited to the paths of the run."""
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], workers=1)
    before = set(index_view(settings)["records"])
    index_paths(settings, [corpus / TARGET], workers=1)
    assert set(index_view(settings)["records"]) == before


# ------------------------------------------------------------------ the property

def _texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


class Folder:
    """A small corpus and the changes an operator's folder goes through."""

    NAMES = [f"r{i}.txt" for i in range(5)]

    def __init__(self, root: Path, rng: random.Random):
        self.root = root
        self.rng = rng
        self.texts = _texts()
        root.mkdir()

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.glob("*.txt"))

    def apply(self, op: str) -> None:
        rng = self.rng
        files = self.files()
        target = rng.choice(files) if files else None
        name = self.root / rng.choice(self.NAMES)
        if op == "add" or target is None:
            if name.exists() or name.is_fifo():
                name.unlink()
            lines = rng.choice(self.texts).splitlines()
            name.write_text("\n".join(lines[: rng.randint(5, len(lines))]) + f"\n附件{rng.randint(0, 99)}。\n",
                            encoding="utf-8")
            bump(name)
        elif op == "edit":
            if target.is_fifo():
                return
            target.write_text(rng.choice(self.texts) + f"\n修订{rng.randint(0, 99)}。\n", encoding="utf-8")
            bump(target)
        elif op == "delete":
            target.unlink()
        elif op == "empty":
            if target.is_fifo():
                return
            target.write_bytes(b"")
            bump(target)
        elif op == "binary":
            if target.is_fifo():
                return
            target.write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
            bump(target)
        elif op == "fifo":
            target.unlink()
            os.mkfifo(target)
        elif op == "sidecar_add":
            side = target.with_suffix(".yaml")
            side.write_text(f"title: 边车标题{rng.randint(0, 9)}\nyear: {rng.randint(2000, 2020)}\n", encoding="utf-8")
            os.utime(side, (OLD, OLD))  # copied with its old mtime
        elif op == "sidecar_remove":
            for side in self.root.glob("*.yaml"):
                side.unlink()
                break
        elif op == "rename":
            if not name.exists() and not name.is_fifo():
                target.rename(name)
                side = target.with_suffix(".yaml")
                if side.exists():
                    side.rename(name.with_suffix(".yaml"))


OPS = ["add", "edit", "delete", "empty", "binary", "fifo", "sidecar_add", "sidecar_remove", "rename"]


@pytest.mark.slow
def test_random_change_sequences_leave_what_a_rebuild_builds(tmp_path_factory):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    @hsettings(max_examples=12, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(seed=st.integers(0, 2**16), ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=5))
    def check(seed: int, ops: list[str]) -> None:
        tmp = tmp_path_factory.mktemp("prop")
        folder = Folder(tmp / "docs", random.Random(seed))
        for _ in range(3):
            folder.apply("add")
        settings = make_settings(tmp)
        index_paths(settings, [folder.root], workers=1)
        for op in ops:  # an incremental run after every change
            folder.apply(op)
            index_paths(settings, [folder.root], workers=1)
        got = index_view(settings)
        want = rebuilt_view(settings, folder.root, tmp / "rebuild")
        assert not differences(got, want), f"after {ops}:\n{differences(got, want)}"
        shutil.rmtree(tmp, ignore_errors=True)

    assert hypothesis is not None
    check()
