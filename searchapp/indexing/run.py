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
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator

from searchapp.backend import open_index_folder
from searchapp.backend.base import SourceState, Writer
from searchapp.config import Settings
from searchapp.errors import SearchappError
from searchapp.indexing.discover import discover
from searchapp.indexing.progress import Progress
from searchapp.indexing.worker import BatchJob, BatchOutcome, Task, TaskResult
from searchapp.sidecar import SidecarError, read_manifest, sidecar_path

#: Keys are ``file_number * KEY_STRIDE + article``: a file's articles get keys
#: without asking the main process.
KEY_STRIDE = 1024
MIN_BATCH_BYTES = 1 * 1024 * 1024
MAX_BATCH_BYTES = 16 * 1024 * 1024


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
    for path, display, root in files:
        source = str(path.resolve())
        seen_sources.add(source)
        known = state.get(source)
        row = manifest_rows.get(source)
        try:
            st = path.stat()
        except OSError as exc:
            summary.failed.append((display, f"cannot read: {exc.strerror}"))
            continue
        side = sidecar_path(path)
        side_mtime = side.stat().st_mtime if side else 0.0
        if known and known.mtime == max(st.st_mtime, side_mtime) and known.size == st.st_size \
                and not settings.indexing.manifest:
            summary.skipped += 1
            continue
        sizes[str(path)] = st.st_size
        tasks.append(Task(str(path), display, next_file * KEY_STRIDE, known.hash if known else None, row,
                          origin=origin_of(path, root)))
        next_file += 1

    gone = [src for src in state if src not in seen_sources and not os.path.exists(src)]
    n_workers = workers if workers is not None else (settings.indexing.workers or os.cpu_count() or 1)
    total_bytes = sum(sizes.values())
    if len(tasks) < 8 or total_bytes < 2 * 1024 * 1024:
        n_workers = 1

    written: list[Any] = []
    replaced: list[str] = []
    done = done_bytes = 0
    job = BatchJob(settings, writer.batch_writer())
    try:
        for batch in _map_batches(job, tasks, sizes, n_workers):
            written.append(batch.written)
            for res in batch.results:
                done += 1
                done_bytes += res.size
                _apply_result(res, state, replaced, summary)
            if progress:
                progress(done, len(tasks), done_bytes)
        summary.removed = len(gone)
        for src in gone:
            state.pop(src, None)
        clusters, summary.duplicate_clusters, summary.duplicate_documents = _clusters(state)
        if summary.indexed or summary.updated or summary.removed:
            writer.commit(written, replaced + gone, clusters, next_file * KEY_STRIDE, fresh)
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    summary.total_documents = writer.document_count()
    summary.bytes_read = done_bytes
    summary.seconds = time.perf_counter() - t0
    return summary


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


def _map_batches(job: BatchJob, tasks: list[Task], sizes: dict[str, int], n_workers: int) -> Iterator[BatchOutcome]:
    batches = list(_batches(tasks, sizes, n_workers))
    if n_workers <= 1:
        for batch in batches:
            yield job(batch)
        return
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
        futures = [pool.submit(job, b) for b in batches]
        try:
            for fut in futures:
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _apply_result(res: TaskResult, state: dict[str, SourceState], replaced: list[str],
                  summary: IndexSummary) -> None:
    """Account for one file's result; note a file whose previous documents must go."""
    if res.status == "failed":
        summary.failed.append((res.display, res.reason))
        return
    source = str(Path(res.path).resolve())
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
    state[source] = SourceState(res.hash, res.mtime, res.size, list(res.docs))


def _clusters(state: dict[str, SourceState]) -> tuple[dict[str, str], int, int]:
    """Near-duplicate clusters over every live document: ``{doc id: representative id}``."""
    from searchapp.dedup import cluster

    fps = {doc_id: fp for st in state.values() for doc_id, _key, fp in st.docs if fp is not None}
    reps = cluster(fps)
    groups: dict[str, list[str]] = {}
    for doc_id, rep in reps.items():
        groups.setdefault(rep, []).append(doc_id)
    multi = {rep: sorted(m) for rep, m in groups.items() if len(m) > 1}
    mapping = {doc_id: rep for rep, members in multi.items() for doc_id in members}
    return mapping, len(multi), sum(len(m) for m in multi.values())
