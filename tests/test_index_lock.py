"""Only one indexing run at a time, with two real processes: the second is refused
with a message naming the first, changes nothing, and the first completes a
correct index. A lock file left by a dead run never blocks the next one.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from searchapp.indexing.run import index_paths
from support import (answers, cli, hardening_settings, kill_group, make_corpus, start_cli,
                                    write_config)

QUERIES = ['"教师交流"', "均衡发展", '"号材料"', "region:荔湾区"]


def lock_file(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def wait_for_lock_holder(index_dir: Path, pid: int, proc, seconds: float = 30) -> None:
    """Until the run ``pid`` holds the lock (it writes its pid into the lock file then)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if lock_file(index_dir).read_text().strip() == str(pid):
                return
        except FileNotFoundError:
            pass
        assert proc.poll() is None, "the first run ended before it could be observed holding the lock"
        time.sleep(0.02)
    raise AssertionError("the first run never took the lock")


@pytest.fixture
def setting(tmp_path):
    make_corpus(tmp_path / "docs", 50, random.Random(7))  # a run of a second or two
    index_dir = tmp_path / "index"
    return tmp_path, index_dir, write_config(tmp_path, index_dir)


@pytest.mark.parametrize("second", [["index"], ["index", "--rebuild"]])
def test_second_run_is_refused_while_the_first_works(setting, second):
    work, index_dir, config = setting
    make_corpus(work / "docs", 30, random.Random(8), prefix="more")  # a longer first run: the refusal must land in it
    first = start_cli("--config", str(config), "index", str(work / "docs"), "--rebuild", cwd=work)
    try:
        wait_for_lock_holder(index_dir, first.pid, first)
        refused = cli("--config", str(config), *second, str(work / "docs"), cwd=work)
        assert first.poll() is None, "the refusal must come while the first run is still working"
    finally:
        out, err = first.communicate(timeout=300)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert "another indexing run" in refused.stderr and f"pid {first.pid}" in refused.stderr
    assert first.returncode == 0, err
    # The first run's index is complete and exactly what a single run produces.
    alone = work / "alone"
    index_paths(hardening_settings(work, alone), [work / "docs"], workers=1)
    assert answers(hardening_settings(work, index_dir), QUERIES) == answers(hardening_settings(work, alone), QUERIES)


def test_search_and_serve_are_not_blocked_by_a_run(setting):
    work, index_dir, config = setting
    cli("--config", str(config), "index", str(work / "docs"), cwd=work, check=True)
    (work / "docs" / "r0000.txt").unlink()
    run = start_cli("--config", str(config), "index", str(work / "docs"), "--rebuild", cwd=work)
    try:
        wait_for_lock_holder(index_dir, run.pid, run)
        searched = cli("--config", str(config), "search", "教师交流", "--json", cwd=work)
        assert searched.returncode == 0, searched.stderr
    finally:
        run.communicate(timeout=300)
    assert run.returncode == 0


def test_lock_left_by_a_killed_run_does_not_block(setting):
    work, index_dir, config = setting
    run = start_cli("--config", str(config), "index", str(work / "docs"), cwd=work)
    wait_for_lock_holder(index_dir, run.pid, run)
    kill_group(run)
    assert lock_file(index_dir).read_text().strip() == str(run.pid)  # the stale file is there …
    done = cli("--config", str(config), "index", str(work / "docs"), cwd=work)
    assert done.returncode == 0, done.stderr  # … and means nothing
    assert "indexed 50" in done.stdout


def test_lock_file_with_garbage_or_a_dead_pid_does_not_block(setting):
    work, index_dir, config = setting
    for content in ("999999999", "garbage\x00\xff"):
        lock_file(index_dir).write_text(content, encoding="utf-8", errors="surrogateescape")
        done = cli("--config", str(config), "index", str(work / "docs"), cwd=work)
        assert done.returncode == 0, done.stderr
    assert lock_file(index_dir).read_text().strip().isdigit()


def test_lock_is_released_after_a_failed_run(setting):
    work, index_dir, config = setting
    index_dir.mkdir()
    (index_dir / "searchapp-index.json").write_text("{not json", encoding="utf-8")
    damaged = cli("--config", str(config), "index", str(work / "docs"), cwd=work)
    assert damaged.returncode != 0 and "--rebuild" in damaged.stderr
    fixed = cli("--config", str(config), "index", str(work / "docs"), "--rebuild", cwd=work)
    assert fixed.returncode == 0, fixed.stderr


def test_two_processes_racing_for_the_lock_one_wins(setting):
    """Both start at the same moment: exactly one indexes, the other is refused."""
    work, index_dir, config = setting
    runs = [start_cli("--config", str(config), "index", str(work / "docs"), cwd=work) for _ in range(2)]
    results = [(r.pid, *r.communicate(timeout=300), r.returncode) for r in runs]
    codes = sorted(code for *_, code in results)
    assert codes[0] == 0 and codes[1] != 0, [(code, err.decode()[-300:]) for _, _, err, code in results]
    loser = next(err.decode() for _, _, err, code in results if code != 0)
    assert "another indexing run" in loser and "Traceback" not in loser
    assert os.path.exists(index_dir / "searchapp-index.json")
