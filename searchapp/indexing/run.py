"""Incremental indexing: new and changed files are (re)indexed, deleted ones removed.

Work is split so both cores are busy: worker processes read, clean, normalize,
extract and segment a batch of files and write it through the backend's batch
writer; the main process decides what to redo, groups near-duplicates and
commits, all through the :class:`~searchapp.backend.base.Writer` seam. What an
index folder looks like, how it is locked, swapped on ``--rebuild`` and made
crash-safe is the backend's business (:mod:`searchapp.backend.local.writer`).
"""

from __future__ import annotations

import os
from array import array
from collections import deque
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator

from searchapp.backend import open_index_folder
from searchapp.backend.base import SourceState, Writer
from searchapp.config import Settings
from searchapp.dedup import compact_sketch
from searchapp.errors import SearchappError
from searchapp.indexing.discover import discover, sidecar_signature, under_any
from searchapp.indexing.progress import Progress
from searchapp.indexing.worker import BatchJob, BatchOutcome, Task, TaskResult, worker_init
from searchapp.sidecar import SidecarError, read_manifest, sidecar_path

#: Keys are ``file_number * KEY_STRIDE + article``: a file's articles get keys
#: without asking the main process.
KEY_STRIDE = 1024
MIN_BATCH_BYTES = 1 * 1024 * 1024
#: Also what a worker holds at once (its batch, and that batch's postings): capped so
#: indexing memory does not grow with the corpus.
MAX_BATCH_BYTES = 8 * 1024 * 1024


@dataclass
class IndexSummary:
    """What one run did; printed by the CLI, returned by the library."""

    indexed: int = 0          # new files
    updated: int = 0          # changed files
    removed: int = 0          # deleted files
    skipped: int = 0          # unchanged files
    failed: list[tuple[str, str]] = field(default_factory=list)   # (path, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0        # documents (articles) written in this run
    total_documents: int = 0  # documents in the index after the run
    split_files: int = 0      # files split into several articles
    articles_from_splits: int = 0
    cleaned_lines: int = 0
    mojibake_repairs: int = 0
    duplicate_clusters: int = 0
    duplicate_documents: int = 0
    bytes_read: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        d["warnings"] = [{"path": p, "message": m} for p, m in self.warnings]
        return d


def index_paths(settings: Settings, paths: list[Path] | None = None, *, rebuild: bool = False,
                index_dir: Path | None = None, progress: Progress | None = None,
                workers: int | None = None) -> IndexSummary:
    """Bring the index at ``index_dir`` up to date with ``paths`` (config sources by default)."""
    folder = open_index_folder(settings, index_dir)
    paths = list(paths or settings.source_paths())
    with folder.transaction(rebuild) as (writer, fresh):
        return _update(settings, paths, writer, progress, workers, fresh)


def origin_of(path: Path, root: Path) -> str:
    """The collection a file belongs to: the first folder under the indexed root, or
    the root's own name for files directly in it (the origin facet)."""
    if root.is_dir():
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            parts = ()
        if len(parts) > 1:
            return parts[0]
        return root.resolve().name
    return path.resolve().parent.name


def _update(settings: Settings, paths: list[Path], writer: Writer, progress: Progress | None,
            workers: int | None, fresh: bool) -> IndexSummary:
    t0 = time.perf_counter()
    summary = IndexSummary()
    state = writer.state()
    old_failures = writer.failures()
    failures: dict[str, dict[str, Any]] = {}

    manifest_rows: dict[str, dict[str, Any]] = {}
    if settings.indexing.manifest:
        try:
            manifest_rows = read_manifest(settings.path(settings.indexing.manifest))
        except (OSError, SidecarError) as exc:
            raise SearchappError(f"indexing.manifest: {exc}") from None

    files, problems = discover(paths)
    summary.failed.extend(problems)
    next_file = (writer.next_key() + KEY_STRIDE - 1) // KEY_STRIDE
    tasks: list[Task] = []
    sizes: dict[str, int] = {}
    seen_sources: set[str] = set()
    replaced: list[str] = []
    for path, display, root in files:
        source = str(path.resolve())
        seen_sources.add(source)
        known = state.get(source)
        row = manifest_rows.get(source)
        try:
            st = path.stat()
        except OSError as exc:
            summary.failed.append((display, f"cannot read: {exc.strerror}"))
            _forget(source, state, replaced)
            continue
        side = sidecar_signature(path)
        record = old_failures.get(source)
        if record and _same_file(record, st, side):
            # Its worker died on it last time: skipped, with the reason, until it changes.
            summary.failed.append((display, f"{record['reason']} (skipped: unchanged since it failed)"))
            failures[source] = record
            _forget(source, state, replaced)
            continue
        if known and known.mtime == st.st_mtime and known.size == st.st_size and _sig(known.sidecar) == side \
                and not settings.indexing.manifest:
            summary.skipped += 1
            continue
        sizes[str(path)] = st.st_size
        tasks.append(Task(str(path), display, next_file * KEY_STRIDE, known.hash if known else None, row,
                          origin=origin_of(path, root)))
        next_file += 1

    gone = _gone(state, seen_sources, paths)
    n_workers = workers if workers is not None else (settings.indexing.workers or os.cpu_count() or 1)
    total_bytes = sum(sizes.values())
    if len(tasks) < 8 or total_bytes < 2 * 1024 * 1024:
        n_workers = 1

    outputs = _Outputs(writer)
    done = done_bytes = 0
    # Records of files this run did not look at (outside its paths) stay.
    failures.update({src: rec for src, rec in old_failures.items() if src not in seen_sources and os.path.exists(src)})
    try:
        with tempfile.TemporaryDirectory(prefix="searchapp-run-") as scratch:
            job = BatchJob(settings, writer.batch_writer(), scratch) if tasks else None
            batches = list(_batches(tasks, sizes, n_workers))
            in_process = n_workers <= 1 and all(_safe_in_process(t) for t in tasks)
            for batch in _run_batches(job, batches, n_workers, in_process, outputs) if job else ():
                outputs.add(batch.written)
                for res in batch.results:
                    done += 1
                    done_bytes += res.size
                    if res.reason == WORKER_DIED:
                        failures[str(Path(res.path).resolve())] = _failure_record(res)
                    _apply_result(res, state, replaced, summary)
                if progress:
                    progress(done, len(tasks), done_bytes)
        summary.removed = len(gone)
        for src in gone:
            state.pop(src, None)
        clusters, summary.duplicate_clusters, summary.duplicate_documents = _clusters(state)
        if failures != old_failures:
            writer.record_failures(failures)
        if outputs.written or replaced or gone:
            writer.commit(outputs.written, replaced + gone, clusters, next_file * KEY_STRIDE, fresh)
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    summary.total_documents = writer.document_count()
    summary.bytes_read = done_bytes
    summary.seconds = time.perf_counter() - t0
    return summary


#: The reason recorded for a file whose worker process died while preparing it.
WORKER_DIED = "the worker processing this file died (out of memory?)"


def _sig(value: Any) -> tuple[str, float, int] | None:
    """A stored sidecar signature (a list after a round trip) as a comparable tuple."""
    return tuple(value) if value else None  # type: ignore[return-value]


def _same_file(record: dict[str, Any], st: os.stat_result, side: tuple[str, float, int] | None) -> bool:
    return record.get("mtime") == st.st_mtime and record.get("size") == st.st_size \
        and _sig(record.get("sidecar")) == side


def _failure_record(res: TaskResult) -> dict[str, Any]:
    return {"mtime": res.mtime, "size": res.size, "sidecar": list(res.sidecar) if res.sidecar else None,
            "reason": res.reason, "path": res.display}


def _forget(source: str, state: dict[str, SourceState], replaced: list[str]) -> None:
    """The file is no longer a readable report: its previous documents go (a rebuild
    would not have them either)."""
    if state.pop(source, None) is not None:
        replaced.append(source)


def _gone(state: dict[str, SourceState], seen: set[str], paths: list[Path]) -> list[str]:
    """Indexed sources this run must remove: those that no longer exist, and those
    inside an indexed folder (or named as a path) that are not documents any more (a
    FIFO, a folder, an unsupported file now). Files outside the paths of this run
    (``searchapp index one/folder`` on an index of two) are left alone."""
    folders = [os.path.realpath(p) for p in paths if p.is_dir()]
    named = {os.path.realpath(p) for p in paths if not p.is_dir()}
    return [src for src in state if src not in seen
            and (not os.path.exists(src) or src in named or under_any(src, folders))]


def _safe_in_process(task: Task) -> bool:
    """Plain text is decoded by our own code with the size limit checked first; other
    formats go through third-party parsers that a hostile file can make exhaust
    memory or crash, so they are prepared in a worker process even in a small run."""
    from searchapp.readers.text import TEXT_SUFFIXES

    return Path(task.path).suffix.lower() in TEXT_SUFFIXES


def _batches(tasks: list[Task], sizes: dict[str, int], n_workers: int) -> Iterator[list[Task]]:
    """Batches big enough to keep segment counts low, small enough to balance the
    workers and show progress."""
    total = sum(sizes.get(t.path, 0) for t in tasks)
    target = min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, total // max(1, n_workers * 6)))
    batch: list[Task] = []
    size = 0
    for t in tasks:
        batch.append(t)
        size += sizes.get(t.path, 0)
        if size >= target:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Outputs:
    """What this run's workers wrote and nothing has published yet, and the merges of
    it: when the backend's writer has a ``merge_task`` (the local one), groups of
    outputs it names are merged by a worker (``BatchJob.merge``) during the run, and
    the merged output replaces them here (their files discarded). Only what is still
    unmerged is kept: no list of every batch's result."""

    def __init__(self, writer: Writer):
        self.written: list[Any] = []
        self._pick = getattr(writer, "merge_task", None)
        self._discard = getattr(writer, "discard", None)

    def add(self, written: Any) -> None:
        if written is not None:
            self.written.append(written)

    def merges(self, final: bool = False) -> Iterator[list[Any]]:
        """Groups to merge now; each leaves :attr:`written` until its merge is back.
        ``final``: no batch is left to write, so the writer may pack what remains."""
        while self._pick is not None:
            group = self._pick(self.written, final=final)
            if len(group) < 2:
                return
            taken = {id(w) for w in group}
            self.written = [w for w in self.written if id(w) not in taken]
            yield group

    def merged(self, group: list[Any], result: Any) -> None:
        self.written.append(result)
        if self._discard is not None:
            self._discard(group)

    def not_merged(self, group: list[Any]) -> None:
        """A merge lost with its worker: the inputs are intact and stay to publish."""
        self.written.extend(group)


def _run_batches(job: BatchJob, batches: list[list[Task]], n_workers: int,
                 in_process: bool, outputs: _Outputs | None = None) -> Iterator[BatchOutcome]:
    """Each batch prepared and written, in worker processes unless ``in_process``.

    A worker that dies (the OOM killer, a parser crashing the interpreter) breaks the
    pool; instead of aborting the run, a new pool takes over. The files the dead
    workers were on (their notes in ``job.scratch``) are suspects: each is retried
    alone in a one-process pool, where a death is its own, and recorded as failed
    with :data:`WORKER_DIED`; the other files of the broken batches are retried as
    usual. Every file is tried at most twice, so the run ends.
    """
    if in_process:
        for batch in batches:
            yield job(batch)
        return
    queue = [b for b in batches if b]
    suspects: list[Task] = []
    while queue:
        broken: list[list[Task]] = []
        yield from _pool_round(job, queue, n_workers, broken, outputs)
        queue = []
        if not broken:
            break
        on = _notes(job)
        if not any(t.path in on for batch in broken for t in batch):
            on = {t.path for batch in broken for t in batch}  # no note (died writing?): isolate them all
        for batch in broken:
            # A batch without a noted file lost its worker to another's death: retried as it is.
            accused = [t for t in batch if t.path in on]
            suspects.extend(accused)
            rest = [t for t in batch if t not in accused]
            if rest:
                queue.append(rest)
    while suspects:
        broken = []
        yield from _pool_round(job, [[t] for t in suspects], 1, broken, outputs)
        if not broken:
            break
        # One process, one file at a time: the first unfinished file killed it.
        dead = broken[0][0]
        yield BatchOutcome(None, [TaskResult(path=dead.path, display=dead.display, status="failed",
                                             reason=WORKER_DIED, **_stat_of(dead.path))])
        suspects = [b[0] for b in broken[1:]]


def _pool_round(job: BatchJob, batches: list[list[Task]], n_workers: int,
                broken: list[list[Task]], outputs: _Outputs | None = None) -> Iterator[BatchOutcome]:
    """Run ``batches`` in one process pool; those lost with a dead worker go to ``broken``
    (in submission order). Any other error ends the run.

    Batches are sent as workers free up (one ahead), and between them, and after the
    last one until none is left to do, the merges ``outputs`` asks for run in the same
    pool. A future is forgotten as soon as it is handled, so the round holds only what
    is in flight."""
    _clear_notes(job)
    ctx = get_context("spawn")
    workers = min(n_workers, len(batches))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                             initializer=worker_init, initargs=(os.getpid(),)) as pool:
        running: dict[Future[Any], tuple[int, list[Any] | None]] = {}
        waiting = deque(range(len(batches)))
        lost: list[int] = []
        unsent: list[int] = []

        def submit(fn: Any, arg: Any, tag: tuple[int, list[Any] | None]) -> bool:
            try:
                running[pool.submit(fn, arg)] = tag
            except BrokenProcessPool:  # a worker just died: the futures in flight say which
                return False
            return True

        def top_up() -> None:
            """Merges first, then batches, one more than the workers in flight: a merge
            waits behind at most one batch, not behind every batch of the run."""
            if outputs is not None and not lost:
                # Every batch written (none waiting, none in flight): the outputs may be packed.
                final = not waiting and all(group is not None for _, group in running.values())
                for group in outputs.merges(final=final):
                    if not submit(job.merge, group, (-1, group)):
                        outputs.not_merged(group)
                        return
            while len(running) <= workers and not lost:
                if not waiting:
                    return
                i = waiting.popleft()
                if not submit(job, batches[i], (i, None)):
                    unsent.append(i)
                    return

        try:
            top_up()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    index, group = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        if group is None:
                            lost.append(index)
                        elif outputs is not None:
                            outputs.not_merged(group)
                        continue
                    if group is None:
                        yield result
                    elif outputs is not None:
                        outputs.merged(group, result)
                del finished, fut
                top_up()
        except BaseException:
            for fut in running:
                fut.cancel()
            raise
    # Batches never sent (the pool broke first) are retried with the lost ones.
    broken.extend(batches[i] for i in sorted(lost + unsent + list(waiting)))


def _notes(job: BatchJob) -> set[str]:
    """The files worker processes noted they were preparing (see BatchJob.scratch)."""
    out = set()
    for note in Path(job.scratch).iterdir() if job.scratch else ():
        try:
            out.add(note.read_text(encoding="utf-8", errors="surrogateescape"))
        except OSError:
            pass
    return out


def _clear_notes(job: BatchJob) -> None:
    for note in Path(job.scratch).iterdir() if job.scratch else ():
        note.unlink(missing_ok=True)


def _stat_of(path: str) -> dict[str, Any]:
    try:
        st = os.stat(path)
    except OSError:
        return {}
    return {"mtime": st.st_mtime, "size": st.st_size, "sidecar": sidecar_signature(Path(path))}


def _apply_result(res: TaskResult, state: dict[str, SourceState], replaced: list[str],
                  summary: IndexSummary) -> None:
    """Account for one file's result; note a file whose previous documents must go."""
    source = str(Path(res.path).resolve())
    if res.status == "failed":
        summary.failed.append((res.display, res.reason))
        _forget(source, state, replaced)
        return
    if res.status == "unchanged":
        # Same content under a new mtime (touched, copied back): the stored mtime
        # stays, so the next run hashes it again; cheap, and nothing is rewritten.
        summary.skipped += 1
        return
    if source in state:
        replaced.append(source)
        summary.updated += 1
    else:
        summary.indexed += 1
    for w in res.warnings:
        summary.warnings.append((res.display, w))
    summary.cleaned_lines += res.removed_lines
    summary.mojibake_repairs += res.mojibake_repairs
    if len(res.docs) > 1:
        summary.split_files += 1
        summary.articles_from_splits += len(res.docs)
    summary.documents += len(res.docs)
    docs = [(doc_id, key, compact_sketch(fp)) for doc_id, key, fp in res.docs]
    state[source] = SourceState(res.hash, res.mtime, res.size, docs, res.sidecar)


def _clusters(state: dict[str, SourceState]) -> tuple[dict[str, str], int, int]:
    """Near-duplicate clusters over every live document: ``{doc id: representative id}``.

    Copies are grouped by containment sketches (:func:`searchapp.dedup.sketch`): scraped
    copies are often excerpts of one another, with chrome, masked names or doubled
    characters, which a whole-text fingerprint cannot group."""
    from searchapp.dedup import cluster_sketches

    sketches = {doc_id: fp for st in state.values() for doc_id, _key, fp in st.docs
                if isinstance(fp, (tuple, list, array))}
    reps = cluster_sketches(sketches)
    groups: dict[str, list[str]] = {}
    for doc_id, rep in reps.items():
        groups.setdefault(rep, []).append(doc_id)
    multi = {rep: sorted(m) for rep, m in groups.items() if len(m) > 1}
    mapping = {doc_id: rep for rep, members in multi.items() for doc_id in members}
    return mapping, len(multi), sum(len(m) for m in multi.values())
