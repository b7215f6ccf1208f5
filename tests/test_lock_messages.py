"""When the index's lock file cannot be opened, the error names the lock file and
its owner (a run of another user, often root, left it), not the parent folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import cli, permissions_enforced_preexec

NOBODY = 65534


@pytest.fixture
def enforce():
    try:
        return permissions_enforced_preexec()
    except OSError as exc:  # pragma: no cover - depends on the container
        pytest.skip(str(exc))


def test_a_lock_file_of_another_user_is_named_in_the_error(tmp_path: Path, enforce) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "r.txt").write_text("锁文件测试报告\n\n城乡教师交流轮岗。\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    lock = tmp_path / ".index.lock"
    lock.write_text("12345")
    lock.chmod(0o644)
    if os.geteuid() == 0:
        os.chown(lock, NOBODY, NOBODY)  # as if another account's run had left it
    elif lock.stat().st_uid == os.geteuid():  # pragma: no cover - not root: make it unwritable instead
        lock.chmod(0o444)
    try:
        proc = cli("index", str(docs), "--index", str(index_dir), cwd=tmp_path, preexec_fn=enforce)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
    assert proc.returncode != 0
    assert f"cannot open the lock file {lock}" in proc.stderr, proc.stderr
    assert "belongs to" in proc.stderr and "needs write access to" not in proc.stderr
    assert "Traceback" not in proc.stderr
