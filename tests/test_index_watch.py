"""``searchapp index --watch SECONDS``: a long-running indexer that polls the corpus.

Additions, edits and deletions show up in searches within a few rounds; a round
that cannot run (another indexing run holds the lock) is reported and the next
round catches up; Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading

from searchapp.backend.local.lock import IndexLock
from searchapp.model import SearchRequest
from searchapp.query.service import open_service, search
from conftest import wait_until
from support import PYTHON, bump_mtime, hardening_settings, make_corpus

INTERVAL = "0.5"
WAIT_S = 20


def eventually(predicate, seconds: float = WAIT_S) -> bool:
    return wait_until(predicate, seconds, step=0.2)


def collect(stream, lines: list[str]) -> None:
    """Read a child's output line by line as it comes (the test polls ``lines``)."""
    for line in stream:
        lines.append(line)


def test_watch_picks_up_changes_and_stops_cleanly(tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 6, random.Random(11))
    index_dir = tmp_path / "index"
    proc = subprocess.Popen([PYTHON, "-m", "searchapp", "index", str(docs), "--index", str(index_dir),
                             "--watch", INTERVAL, "--workers", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    err_lines: list[str] = []
    out_lines: list[str] = []
    readers = [threading.Thread(target=collect, args=(stream, lines), daemon=True)
               for stream, lines in ((proc.stderr, err_lines), (proc.stdout, out_lines))]
    for reader in readers:
        reader.start()
    try:
        assert eventually(lambda: (index_dir / "searchapp-index.json").exists()), "the first round never finished"
        engine = open_service(hardening_settings(tmp_path, index_dir))

        def total(q: str) -> int:
            return search(engine, SearchRequest(q=q, collapse=False)).total

        assert eventually(lambda: total('"号材料"') >= 6)
        (docs / "new.txt").write_text("新增的报告\n\n监视模式测试标记甲。\n", encoding="utf-8")
        assert eventually(lambda: total('"监视模式测试标记甲"') == 1), "an added file was not indexed"
        edited = docs / "new.txt"
        edited.write_text("新增的报告\n\n监视模式测试标记乙。\n", encoding="utf-8")
        bump_mtime(edited)
        assert eventually(lambda: total('"监视模式测试标记乙"') == 1 and total('"监视模式测试标记甲"') == 0)
        (docs / "r0000.txt").unlink()
        assert eventually(lambda: total('"本件为r0号材料"') == 0), "a deleted file stayed in the index"

        # Another run holds the lock: the round is reported, the next one catches up.
        with IndexLock(index_dir, wait=10):
            (docs / "late.txt").write_text("晚到的报告\n\n监视模式测试标记丙。\n", encoding="utf-8")
            assert eventually(lambda: any("another indexing run" in line for line in err_lines)), \
                "a round while the lock was held was not reported"
            assert total('"监视模式测试标记丙"') == 0
        assert eventually(lambda: total('"监视模式测试标记丙"') == 1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        for reader in readers:
            reader.join(timeout=10)
    err, out = "".join(err_lines), "".join(out_lines)
    assert proc.returncode == 0, err
    assert "stopped watching" in err and "Traceback" not in err
    assert "indexed 1" in out


def test_watch_refuses_a_silly_interval(tmp_path):
    proc = subprocess.run([PYTHON, "-m", "searchapp", "index", "--watch", "0", "--index", str(tmp_path / "ix")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--watch" in proc.stderr
