"""A worker process that dies (the OOM killer, a parser crashing the interpreter)
costs its one file, never the run.

The death is real: a test hook (``SEARCHAPP_TEST_WORKER_DIES_ON``, read only in
worker processes) makes the worker preparing a file with that name SIGKILL
itself, exactly as the kernel's OOM killer ends a process.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from conftest import make_settings
from rebuild_compare import index_view
from searchapp.indexing.run import WORKER_DIED, index_paths
from searchapp.indexing.worker import DIE_ON_ENV
from support import make_corpus

HTML = "<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>"


def write_html(path: Path, title: str, body: str = "本区推进教师交流轮岗，促进义务教育均衡发展。") -> Path:
    path.write_text(HTML.format(title=title, body=body * 20), encoding="utf-8")
    return path


def failed_reasons(summary) -> dict[str, str]:
    return {Path(p).name: reason for p, reason in summary.failed}


def sources(settings) -> set[str]:
    return {Path(rec[1]).name for rec in index_view(settings)["records"].values()}


def test_a_dying_worker_costs_its_file_not_the_run(tmp_path, monkeypatch):
    corpus = tmp_path / "docs"
    make_corpus(corpus, 80, random.Random(1))  # 2.4 MB: two workers, several batches
    write_html(corpus / "r0040-boom.html", "会杀死工作进程的报告")
    monkeypatch.setenv(DIE_ON_ENV, "boom")
    settings = make_settings(tmp_path)

    summary = index_paths(settings, [corpus], workers=2)

    assert failed_reasons(summary) == {"r0040-boom.html": WORKER_DIED}
    assert summary.indexed == 80
    assert sources(settings) == {p.name for p in corpus.glob("*.txt")}


def test_a_file_that_killed_its_worker_is_skipped_until_it_changes(tmp_path, corpus, monkeypatch):
    boom = write_html(corpus / "boom.html", "会杀死工作进程的报告")
    monkeypatch.setenv(DIE_ON_ENV, "boom")
    settings = make_settings(tmp_path)
    assert failed_reasons(index_paths(settings, [corpus], workers=1)) == {"boom.html": WORKER_DIED}

    again = index_paths(settings, [corpus], workers=1)   # unchanged: not tried again
    reason = failed_reasons(again)["boom.html"]
    assert reason.startswith(WORKER_DIED) and "skipped" in reason

    monkeypatch.delenv(DIE_ON_ENV)   # the file is fixed (and so changed): indexed again
    write_html(boom, "修好的报告")
    st = boom.stat()
    os.utime(boom, (st.st_atime, st.st_mtime + 5))
    fixed = index_paths(settings, [corpus], workers=1)
    assert fixed.failed == [] and fixed.indexed == 1
    assert "boom.html" in sources(settings)


def test_a_known_file_that_starts_killing_its_worker_loses_its_old_documents(tmp_path, corpus, monkeypatch):
    boom = write_html(corpus / "boom.html", "一份普通的报告")
    settings = make_settings(tmp_path)
    index_paths(settings, [corpus], workers=1)
    assert "boom.html" in sources(settings)

    write_html(boom, "变得危险的报告", "恶意内容。")
    st = boom.stat()
    os.utime(boom, (st.st_atime, st.st_mtime + 5))
    monkeypatch.setenv(DIE_ON_ENV, "boom")
    summary = index_paths(settings, [corpus], workers=1)

    assert failed_reasons(summary) == {"boom.html": WORKER_DIED}
    assert "boom.html" not in sources(settings)   # as a rebuild would have it
    assert len(sources(settings)) == 5


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's PR_SET_PDEATHSIG")
def test_workers_die_with_their_run(tmp_path):
    """``kill -9`` of the run alone (not its process group) takes its workers with it,
    so none is left writing into a folder the next run has cleaned."""
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "docs"
    make_corpus(corpus, 120, random.Random(2))
    proc = subprocess.Popen([sys.executable, "-m", "searchapp", "index", str(corpus), "--index",
                             str(tmp_path / "idx"), "--rebuild", "--workers", "2"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = _children(proc.pid)
            time.sleep(0.05)
        assert len(children) >= 2, "the run never started its workers"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)]


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    # the resource tracker is a child too; workers are the ones running the pool's code
    return [c for c in out if "resource_tracker" not in _cmdline(c)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
