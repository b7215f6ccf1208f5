"""A damaged or foreign index, a full disk, a folder the indexer may not write:
always a message that says what to do, never a traceback or a 500 — and a failed
run never harms the index that is already there.

* damaged files (a Whoosh segment, its table of contents, ``store.json``,
  ``searchapp-index.json``, the text store's segments) and an index built by
  another analyzer version: the command line exits non-zero with the advice to
  run ``searchapp index --rebuild``; the web app answers 503 with the error
  shape; ``--rebuild`` repairs it, and a running server picks the repair up;
* a full disk: simulated with ``RLIMIT_FSIZE`` in a child process (writes past the
  limit fail with EFBIG, as they fail with ENOSPC on a full disk — this works as
  root, unlike a full tmpfs, which needs privileges) and in-process by making
  writes fail with ENOSPC;
* no permission: the index folder made read-only, permissions enforced even for
  root by dropping CAP_DAC_OVERRIDE in the child.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import random
import resource
import shutil
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchapp.cli import main
from searchapp.query.service import open_service
from searchapp.indexing.run import index_paths
from searchapp.web import create_app
from support import (answers, cli, cli_parallel, get, hardening_settings, make_corpus,
                                    permissions_enforced_preexec, serving, write_config)

QUERIES = ['"教师交流"', "均衡发展", '"号材料"', "督导 OR 考核"]
REBUILD_ADVICE = "searchapp index --rebuild"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A corpus and a good index of it (copied, then damaged, by each test)."""
    work = tmp_path_factory.mktemp("damage")
    make_corpus(work / "docs", 12, random.Random(3))
    settings = hardening_settings(work, work / "good")
    index_paths(settings, [work / "docs"], workers=1)
    return work, answers(settings, QUERIES)


def copy_index(good, name: str) -> Path:
    work, _ = good
    target = work / name
    shutil.copytree(work / "good", target)
    return target


def files(index_dir: Path, pattern: str, exclude: str | None = None) -> list[Path]:
    found = [p for p in index_dir.glob(pattern) if p.is_file() and p.name != exclude]
    assert found, f"no {pattern} in {sorted(p.name for p in index_dir.rglob('*'))}"
    return found


def truncate(paths: list[Path], keep: int = 20) -> None:
    for p in paths:
        with open(p, "r+b") as fh:
            fh.truncate(min(keep, p.stat().st_size // 2))


def garble(paths: list[Path]) -> None:
    for p in paths:
        data = bytearray(p.read_bytes())
        for i in range(0, len(data), 7):
            data[i] ^= 0x5A
        p.write_bytes(bytes(data))


DAMAGE = {
    "whoosh segment truncated": lambda d: truncate(files(d, "*.seg")),
    "whoosh segment garbled": lambda d: garble(files(d, "*.seg")),
    "table of contents truncated": lambda d: truncate(files(d, "_MAIN_*.toc"), 10),
    "table of contents garbled": lambda d: garble(files(d, "_MAIN_*.toc")),
    "table of contents deleted": lambda d: [p.unlink() for p in files(d, "_MAIN_*.toc")],
    "store.json garbled": lambda d: garble(files(d, "store/store.json")),
    "store.json emptied": lambda d: truncate(files(d, "store/store.json"), 0),
    "text store segments truncated": lambda d: truncate(files(d, "store/*", exclude="store.json"), 8),
    "text store segment deleted": lambda d: files(d, "store/*", exclude="store.json")[0].unlink(),
    "searchapp-index.json garbled": lambda d: garble(files(d, "searchapp-index.json")),
    "other analyzer version": lambda d: (d / "searchapp-index.json").write_text(json.dumps(
        {**json.loads((d / "searchapp-index.json").read_text(encoding="utf-8")),
         "analyzer": "searchapp-zh/0 normalizer/0 rjieba/0.1"}), encoding="utf-8"),
}


def assert_clear_failure(proc, *needles: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_gives_the_rebuild_advice_everywhere(good, damage):
    work, expected = good
    index_dir = copy_index(good, "d-" + damage.replace(" ", "-"))
    DAMAGE[damage](index_dir)

    commands = [[*args, "--index", str(index_dir)] for args in (["search", "教师交流"], ["stats"],
                                                                 ["index", str(work / "docs")])]
    for proc in cli_parallel(commands, cwd=work):
        assert_clear_failure(proc, REBUILD_ADVICE)

    client = create_app(hardening_settings(work, index_dir), index_dir=index_dir).test_client()
    for url in ("/api/search?q=教师交流", "/healthz", "/api/facets", "/api/suggest?q=教师"):
        response = client.get(url)
        assert response.status_code == 503, (url, response.data[:300])
        body = response.get_json()
        assert set(body) == {"ok", "error", "code", "message", "status"} and body["status"] == 503
        assert str(work) not in body["error"]  # the server's folders are not shown to clients
    page = client.get("/?q=教师交流")
    assert page.status_code == 503 and "搜索索引暂时不可用" in page.get_data(as_text=True)

    rebuilt = cli("index", str(work / "docs"), "--index", str(index_dir), "--rebuild", cwd=work)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert answers(hardening_settings(work, index_dir), QUERIES) == expected


def test_damage_met_while_answering_is_a_503_not_a_500(good):
    """The index opened fine, then the texts it shows were damaged (a disk error)."""
    work, _ = good
    index_dir = copy_index(good, "late-damage")
    engine = open_service(hardening_settings(work, index_dir))
    client = create_app(hardening_settings(work, index_dir), engine=engine).test_client()
    assert client.get("/api/search?q=教师交流").status_code == 200
    doc_id = client.get("/api/search?q=教师交流").get_json()["hits"][0]["id"]
    garble(files(index_dir, "store/*", exclude="store.json"))
    for url in ("/api/search?q=教师交流", f"/api/doc/{doc_id}", f"/doc/{doc_id}"):
        response = client.get(url)
        assert response.status_code in (200, 503), (url, response.status_code)
        if response.status_code == 503 and url.startswith("/api/"):
            assert response.get_json()["status"] == 503


def test_server_started_on_a_damaged_index_recovers_after_a_rebuild(good):
    work, expected = good
    index_dir = copy_index(good, "serve-damaged")
    DAMAGE["store.json garbled"](index_dir)
    config = write_config(work, index_dir)
    with serving(config, work) as server:
        status, _, body = get(server.url + "healthz")
        assert status == 503 and json.loads(body)["ok"] is False
        status, _, body = get(server.url + "api/search?q=教师交流")
        assert status == 503 and REBUILD_ADVICE in json.loads(body)["error"]
        assert "answering 503" in server.log.read_text(encoding="utf-8")
        cli("--config", str(config), "index", str(work / "docs"), "--rebuild", cwd=work, check=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status, _, body = get(server.url + 'api/search?q="教师交流"&size=1000')
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, body
        assert json.loads(body)["total"] == expected['"教师交流"'][0]
        assert server.proc.poll() is None


def test_server_started_before_the_first_index_run(tmp_path):
    make_corpus(tmp_path / "docs", 3, random.Random(4))
    config = write_config(tmp_path, tmp_path / "index")
    with serving(config, tmp_path) as server:
        status, _, body = get(server.url + "api/search?q=教师")
        assert status == 503 and "searchapp index" in json.loads(body)["error"]
        cli("--config", str(config), "index", str(tmp_path / "docs"), cwd=tmp_path, check=True)
        # Each server process retries on its own (every 2 s): wait until a run of answers,
        # which the kernel spreads over all of them, are all good.
        deadline = time.monotonic() + 15
        good: list[bytes] = []
        while len(good) < 8 and time.monotonic() < deadline:
            status, _, body = get(server.url + "healthz")
            good = good + [body] if status == 200 else []
            time.sleep(0.1)
        assert len(good) == 8, body
        assert all(json.loads(b)["documents"] >= 3 for b in good)


# -- a full disk ---------------------------------------------------------------------------------

def file_size_limit(limit: int):
    """preexec_fn: writes past ``limit`` bytes per file fail with EFBIG (SIGXFSZ ignored,
    so the process gets the error instead of being killed)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("limit", [2_000, 150_000])
@pytest.mark.parametrize("rebuild", [False, True])
def test_file_size_limit_during_indexing_leaves_the_previous_index(good, tmp_path, limit, rebuild):
    work, expected = good
    index_dir = copy_index(good, f"full-{limit}-{rebuild}")
    docs = tmp_path / "docs"
    shutil.copytree(work / "docs", docs)
    make_corpus(docs, 20, random.Random(limit), prefix="new")  # about 600 KB of new work
    settings = hardening_settings(work, index_dir)
    before = answers(settings, QUERIES, index_dir)
    args = ["index", str(work / "docs"), str(docs), "--index", str(index_dir)] + (["--rebuild"] if rebuild else [])
    proc = cli(*args, cwd=work, preexec_fn=file_size_limit(limit))
    assert_clear_failure(proc, "could not write the index", "previous index is unchanged")
    assert answers(settings, QUERIES, index_dir) == before
    done = cli(*args, cwd=work)
    assert done.returncode == 0, done.stderr
    assert answers(settings, QUERIES, index_dir) != before
    assert not index_dir.with_name(index_dir.name + ".building").exists()


class FullDisk:
    """Every file opened for writing under ``root`` fails with ENOSPC once ``budget``
    bytes have been written in total — the disk filling up during a run."""

    def __init__(self, root: Path, budget: int):
        self.root = str(root)
        self.left = budget
        self.real_open = builtins.open

    def open(self, file, mode="r", *args, **kwargs):
        fh = self.real_open(file, mode, *args, **kwargs)
        if any(c in mode for c in "wax+") and str(file).startswith(self.root):
            return _Metered(fh, self)
        return fh


class _Metered:
    def __init__(self, fh, disk: FullDisk):
        self._fh = fh
        self._disk = disk

    def write(self, data):
        self._disk.left -= len(data)
        if self._disk.left < 0:
            raise OSError(errno.ENOSPC, "No space left on device", getattr(self._fh, "name", None))
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()

    def __iter__(self):
        return iter(self._fh)


@pytest.mark.parametrize("budget", [500, 100_000])
def test_disk_full_during_indexing_says_so(good, tmp_path, monkeypatch, budget):
    work, expected = good
    index_dir = copy_index(good, f"enospc-{budget}")
    docs = tmp_path / "docs"
    make_corpus(docs, 30, random.Random(budget), prefix="new")
    settings = hardening_settings(work, index_dir)
    before = answers(settings, QUERIES, index_dir)
    disk = FullDisk(index_dir.parent, budget)
    monkeypatch.setattr(builtins, "open", disk.open)
    monkeypatch.setattr(io, "open", disk.open)
    result = CliRunner().invoke(main, ["index", str(work / "docs"), str(docs), "--index", str(index_dir),
                                       "--workers", "1"])
    monkeypatch.undo()
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a crash
    assert "the disk is full" in result.output and "previous index is unchanged" in result.output
    assert answers(settings, QUERIES, index_dir) == before


# -- no permission -------------------------------------------------------------------------------

@pytest.fixture
def enforce():
    try:
        return permissions_enforced_preexec()
    except OSError as exc:  # pragma: no cover
        pytest.skip(str(exc))


def test_read_only_index_folder(good, tmp_path, enforce):
    work, _ = good
    index_dir = copy_index(good, "read-only")
    docs = tmp_path / "docs"
    make_corpus(docs, 5, random.Random(5), prefix="new")
    settings = hardening_settings(work, index_dir)
    before = answers(settings, QUERIES, index_dir)
    folders = [index_dir, *[p for p in index_dir.rglob("*") if p.is_dir()]]
    for folder in folders:
        folder.chmod(0o555)
    try:
        proc = cli("index", str(work / "docs"), str(docs), "--index", str(index_dir), cwd=work, preexec_fn=enforce)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert_clear_failure(proc, "permission denied", "previous index is unchanged")
    assert answers(settings, QUERIES, index_dir) == before


def test_lock_file_cannot_be_created(good, tmp_path, enforce):
    work, _ = good
    parent = tmp_path / "ro"
    parent.mkdir()
    index_dir = parent / "index"
    shutil.copytree(work / "good", index_dir)
    parent.chmod(0o555)
    try:
        proc = cli("index", str(work / "docs"), "--index", str(index_dir), cwd=work, preexec_fn=enforce)
    finally:
        parent.chmod(0o755)
    assert_clear_failure(proc, "cannot create the lock file", "needs write access")


def test_unreadable_index_folder(good, enforce):
    work, _ = good
    index_dir = copy_index(good, "unreadable")
    index_dir.chmod(0)
    try:
        proc = cli("search", "教师交流", "--index", str(index_dir), cwd=work, preexec_fn=enforce)
    finally:
        index_dir.chmod(0o755)
    assert_clear_failure(proc)
    assert "permission denied" in proc.stderr.lower()
