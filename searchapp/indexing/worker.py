"""One batch of files → prepared documents → one written batch, in a worker process.

A :class:`BatchJob` carries everything a worker needs (settings, the backend's
batch writer), so nothing lives in module globals and the same code runs
in-process for small runs.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searchapp.backend.base import BatchWriter, PreparedDoc
from searchapp.config import Settings
from searchapp.errors import ReadError
from searchapp.model import FACET_FIELDS
from searchapp.indexing.discover import sidecar_signature
from searchapp.sidecar import MAX_SIDECAR_BYTES, sidecar_path

#: Texts shorter than this get no near-duplicate sketch (too little to compare).
MIN_DEDUP_CHARS = 200

#: Test hook, read only by the test suite: a *worker process* about to prepare a file
#: whose name contains this string kills itself with SIGKILL, as the OOM killer
#: would. Never set in operation; ignored in the main process.
DIE_ON_ENV = "SEARCHAPP_TEST_WORKER_DIES_ON"


def in_worker_process() -> bool:
    return multiprocessing.parent_process() is not None


def die_like_oom_killer_if_asked(path: Path) -> None:
    """The test hook of :data:`DIE_ON_ENV` (a parser that takes the process down)."""
    needle = os.environ.get(DIE_ON_ENV)
    if needle and needle in path.name and in_worker_process():
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Task:
    path: str
    display: str
    key_base: int
    known_hash: str | None
    manifest_row: dict[str, Any] | None
    origin: str | None = None


@dataclass
class TaskResult:
    """One file's outcome, without its texts (cheap to send between processes)."""

    path: str
    display: str
    status: str                         # "indexed", "unchanged", "failed"
    reason: str = ""
    hash: str = ""
    mtime: float = 0.0
    size: int = 0
    encoding: str | None = None
    docs: list[tuple[str, int, tuple[int, ...] | None]] = field(default_factory=list)   # (id, key, sketch)
    removed_lines: int = 0
    mojibake_repairs: int = 0
    warnings: list[str] = field(default_factory=list)
    sidecar: tuple[str, float, int] | None = None   # the sidecar's (name, mtime, size) as read


@dataclass
class BatchOutcome:
    written: Any                        # what the batch writer returned (published at commit)
    results: list[TaskResult]


def file_hash(data: bytes, sidecar: bytes, manifest_row: dict[str, Any] | None) -> str:
    h = hashlib.sha1(data)
    h.update(b"\0sidecar\0" + sidecar)
    h.update(b"\0manifest\0" + json.dumps(manifest_row or {}, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


class BatchJob:
    """Prepares files and writes them through the backend's batch writer."""

    def __init__(self, settings: Settings, writer: BatchWriter, scratch: str | None = None):
        self.settings = settings
        self.writer = writer
        #: A folder where each worker process notes the file it is preparing (one small
        #: file named by its pid), so the run knows which file a dead worker was on.
        self.scratch = scratch

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings, "writer": self.writer, "scratch": self.scratch}

    def _open_note(self) -> int | None:
        """This process's note file (named by its pid), open for the batch; None without a scratch folder."""
        if self.scratch is None:
            return None
        return os.open(Path(self.scratch) / str(os.getpid()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    @staticmethod
    def _note_current(note: int | None, task: Task) -> None:
        """Note the file about to be prepared: two system calls on the batch's open note
        instead of creating a file per task. Emptied first, so a worker killed between
        the calls leaves an empty note (no suspect: the run then isolates the whole
        batch), never a mix of two paths."""
        if note is None:
            return
        os.ftruncate(note, 0)
        os.pwrite(note, task.path.encode("utf-8", "surrogateescape"), 0)

    def _close_note(self, note: int | None) -> None:
        if note is None:
            return
        os.close(note)
        (Path(self.scratch or "") / str(os.getpid())).unlink(missing_ok=True)

    def __call__(self, tasks: list[Task]) -> BatchOutcome:
        results: list[TaskResult] = []
        docs: list[PreparedDoc] = []
        note = self._open_note()
        try:
            for task in tasks:
                self._note_current(note, task)
                res, prepared = self.run_task(task)
                results.append(res)
                docs.extend(prepared)
            written = self.writer.write(docs) if docs else None
        finally:
            self._close_note(note)
        return BatchOutcome(written, results)

    def merge(self, group: list[Any]) -> Any:
        """Merge outputs of earlier batches of this run (the backend's
        ``merge``; see :class:`searchapp.indexing.run._Outputs`)."""
        return self.writer.merge(group)  # type: ignore[attr-defined]

    def run_task(self, task: Task) -> tuple[TaskResult, list[PreparedDoc]]:
        from searchapp.dedup import sketch
        from searchapp.pipeline import prepare_file

        settings = self.settings
        path = Path(task.path)
        res = TaskResult(path=task.path, display=task.display, status="failed")
        try:
            st = path.stat()
            res.mtime, res.size = st.st_mtime, st.st_size
            if st.st_size > settings.indexing.max_file_mb * 1024 * 1024:
                raise ReadError(f"larger than indexing.max_file_mb ({settings.indexing.max_file_mb:g} MB)")
            die_like_oom_killer_if_asked(path)
            data = path.read_bytes()
            res.sidecar = sidecar_signature(path)
            side = sidecar_path(path)
            side_bytes = _read_at_most(side, MAX_SIDECAR_BYTES + 1) if side else b""
            res.hash = file_hash(data, side_bytes, task.manifest_row)
            if res.hash == task.known_hash:
                res.status = "unchanged"
                return res, []
            # Every reader takes the bytes read above: one read per changed file, and the
            # readers' own limits (inflated size, pages, tags) apply to every format.
            prepared = prepare_file(path, task.display, settings, task.manifest_row, data=data, origin=task.origin)
        except ReadError as exc:
            res.reason = str(exc)
            return res, []
        except OSError as exc:
            res.reason = f"cannot read: {exc.strerror or exc}"
            return res, []
        except Exception as exc:  # a bug or a parser crash must not stop the run
            res.reason = f"internal error while processing: {type(exc).__name__}: {exc}"
            return res, []
        if not prepared.documents:
            res.reason = "no text found (empty file or only boilerplate)"
            return res, []
        res.status = "indexed"
        res.encoding = prepared.encoding
        res.removed_lines = prepared.removed_lines
        res.mojibake_repairs = prepared.mojibake_repairs
        res.warnings = prepared.warnings
        source = prepared.source  # str(path.resolve()), resolved once by the pipeline
        out = []
        for i, doc in enumerate(prepared.documents):
            fp = sketch(doc.norm) if len(doc.norm) >= MIN_DEDUP_CHARS else None
            key = task.key_base + i
            out.append(PreparedDoc(
                id=doc.id, key=key, source=source, path=doc.path, article=doc.article, title=doc.title,
                text=doc.text, norm=doc.norm,
                norm_map=doc.norm_map, fields={name: getattr(doc, name) for name in FACET_FIELDS},
                evidence=doc.evidence, fingerprint=fp, hash=res.hash, mtime=res.mtime, size=res.size,
                encoding=res.encoding, sidecar=res.sidecar))
            res.docs.append((doc.id, key, fp))
        return res, out


def _read_at_most(path: Path, limit: int) -> bytes:
    """A sidecar's bytes, never more than ``limit`` (the pipeline refuses an oversized one)."""
    with open(path, "rb") as fh:
        return fh.read(limit)


def worker_init(parent_pid: int) -> None:
    """Run in each worker process as it starts: leave Ctrl-C to the run (a terminal sends
    SIGINT to the whole group; the run finishes or stops its workers itself), and die
    with the run.

    A ``kill -9`` of ``searchapp index`` alone (not its process group) would leave
    its workers preparing and writing files into a folder the next run has already
    cleaned. Linux delivers SIGKILL to a process whose parent dies when it asks with
    ``PR_SET_PDEATHSIG``; elsewhere the writer's run token check is the only guard.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before we asked
        os._exit(1)
