"""Incremental indexing: new and changed files are (re)indexed, deleted ones removed.

Work is split so both cores are busy: worker processes read, clean, normalize,
extract and segment a batch of files and write its two segments (text store and
Whoosh); the main process deletes replaced documents and commits.

Crash safety (an interrupted run leaves the previous index usable):
1. workers write store segments under fresh names (invisible until named);
2. the store manifest is replaced atomically, naming old *and* new segments;
3. Whoosh commits (its own atomic table-of-contents switch);
4. segments without live documents are dropped from the manifest and deleted.
A crash before 3 leaves Whoosh at the previous generation, whose keys are all
still in the store; a crash after 3 leaves at worst unused files, removed by the
next run. ``--rebuild`` builds a complete new index beside the old one and swaps
the folders, so the old index answers until the new one is complete.
"""

from __future__ import annotations

import errno
import hashlib
import json
import stat
import os
import shutil
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, MERGE_SMALL, NO_MERGE, SegmentWriter

from searchapp.analysis import Segmenter, analyzer_signature
from searchapp.config import Settings
from searchapp.errors import IndexMismatchError, ReadError, SearchappError
from searchapp.lock import IndexLock
from searchapp.normalize import normalize
from searchapp.pipeline import Document, prepare_file
from searchapp.readers import is_supported, supported_suffixes
from searchapp.schema import INDEX_META, SCHEMA_VERSION, build_schema
from searchapp.sidecar import SidecarError, read_manifest, sidecar_path
from searchapp import textstore

#: Keys are ``file_number * KEY_STRIDE + article``: a file's articles get keys
#: without asking the main process.
KEY_STRIDE = 1024
CLUSTERS_PREFIX = "clusters-"
MIN_BATCH_BYTES = 1 * 1024 * 1024
MAX_BATCH_BYTES = 16 * 1024 * 1024
#: Above this many Whoosh segments, an incremental run merges the small ones.
MAX_SEGMENTS = 24
#: Texts shorter than this get no near-duplicate fingerprint (too little to compare).
MIN_DEDUP_CHARS = 200


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


# ---------------------------------------------------------------- discovery

def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Supported files under ``paths`` (recursive), with the display path of each.

    Hidden files and folders are skipped; symlink loops are detected by real path.
    Returns ``(files, problems)``.
    """
    files: list[tuple[Path, str]] = []
    problems: list[tuple[str, str]] = []
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()

    def add_file(p: Path, shown: str) -> None:
        real = os.path.realpath(p)
        if real not in seen_files:
            seen_files.add(real)
            files.append((p, shown))

    for root in paths:
        root_s = str(root)
        if root.is_file():
            if is_supported(root):
                add_file(root, root_s)
            else:
                problems.append((root_s, f"unsupported file type {root.suffix or '(none)'}"))
            continue
        if not root.is_dir():
            problems.append((root_s, "no such file or folder"))
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True,
                                                   onerror=lambda e: problems.append((e.filename, e.strerror))):
            real = os.path.realpath(dirpath)
            if real in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                p = Path(dirpath) / name
                if is_supported(p):
                    add_file(p, str(p))
                elif p.suffix.lower() in supported_suffixes():
                    problems.append((str(p), _not_a_document(p)))
    return files, problems


def _not_a_document(path: Path) -> str:
    """Why a file with a report's name is not read (for the summary)."""
    try:
        st = path.stat()
    except RuntimeError:  # pragma: no cover - some Pythons raise this for loops
        return "symbolic link loop"
    except OSError as exc:
        if path.is_symlink():
            return "symbolic link loop" if exc.errno == errno.ELOOP else "broken symbolic link"
        return f"cannot read: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return "a folder with a file's name"
    kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(
        st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "special file"
    return f"not a regular file ({kind})"


# ---------------------------------------------------------------- workers

@dataclass
class Task:
    path: str
    display: str
    key_base: int
    known_hash: str | None
    manifest_row: dict[str, Any] | None


@dataclass
class PreparedDoc:
    """A document with its title's words and its near-duplicate fingerprint."""

    doc: Document
    key: int
    title_words: list[str]
    fingerprint: int | None


@dataclass
class TaskResult:
    path: str
    display: str
    status: str                         # "indexed", "unchanged", "failed"
    reason: str = ""
    hash: str = ""
    mtime: float = 0.0
    size: int = 0
    encoding: str | None = None
    docs: list[PreparedDoc] = field(default_factory=list)
    removed_lines: int = 0
    mojibake_repairs: int = 0
    warnings: list[str] = field(default_factory=list)


def _file_hash(data: bytes, sidecar: bytes, manifest_row: dict[str, Any] | None) -> str:
    h = hashlib.sha1(data)
    h.update(b"\0sidecar\0" + sidecar)
    h.update(b"\0manifest\0" + json.dumps(manifest_row or {}, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def _run_task(task: Task, settings: Settings, segmenter: Segmenter) -> TaskResult:
    from searchapp.dedup import fingerprint
    from searchapp.readers.text import TEXT_SUFFIXES, text_from_bytes

    path = Path(task.path)
    res = TaskResult(path=task.path, display=task.display, status="failed")
    try:
        st = path.stat()
        res.mtime, res.size = st.st_mtime, st.st_size
        if st.st_size > settings.indexing.max_file_mb * 1024 * 1024:
            raise ReadError(f"larger than indexing.max_file_mb ({settings.indexing.max_file_mb:g} MB)")
        data = path.read_bytes()
        side = sidecar_path(path)
        side_bytes = side.read_bytes() if side else b""
        res.hash = _file_hash(data, side_bytes, task.manifest_row)
        if res.hash == task.known_hash:
            res.status = "unchanged"
            return res
        raw = text_from_bytes(data) if path.suffix.lower() in TEXT_SUFFIXES else None
        prepared = prepare_file(path, task.display, settings, task.manifest_row,
                                raw_text=raw.text if raw else None, encoding=raw.encoding if raw else None)
    except ReadError as exc:
        res.reason = str(exc)
        return res
    except OSError as exc:
        res.reason = f"cannot read: {exc.strerror or exc}"
        return res
    except Exception as exc:  # a bug or a parser crash must not stop the run
        res.reason = f"internal error while processing: {type(exc).__name__}: {exc}"
        return res
    if not prepared.documents:
        res.reason = "no text found (empty file or only boilerplate)"
        return res
    res.status = "indexed"
    res.encoding = prepared.encoding
    res.removed_lines = prepared.removed_lines
    res.mojibake_repairs = prepared.mojibake_repairs
    res.warnings = prepared.warnings
    for i, doc in enumerate(prepared.documents):
        res.docs.append(PreparedDoc(
            doc=doc, key=task.key_base + i,
            title_words=segmenter.words(normalize(doc.title).text),
            fingerprint=fingerprint(doc.norm) if len(doc.norm) >= MIN_DEDUP_CHARS else None))
    return res


_WORKER: dict[str, Any] = {}


def _worker_init(settings: Settings) -> None:
    _WORKER["settings"] = settings
    _WORKER["segmenter"] = Segmenter(settings.analysis.user_words)


@dataclass
class BatchResult:
    """What a worker hands back: names of the segments it wrote, and per-file results
    without texts or words (cheap to pass between processes)."""

    store_segment: str | None
    whoosh_segment: Any
    results: list[TaskResult]


def _document_fields(p: PreparedDoc, res: TaskResult, source: str) -> dict[str, Any]:
    d = p.doc
    levels = [x for x in (d.province, d.city, d.district) if x]
    region = ",".join(levels + (["/".join(levels)] if levels else []))
    return dict(
        id=d.id, key=p.key, source=source, path=d.path, article=d.article,
        title=p.title_words, _stored_title=d.title,
        province=d.province or "", city=d.city or "", district=d.district or "", region=region,
        year=d.year, themes=",".join(d.themes), doctype=d.doctype or "",
        hash=res.hash, mtime=res.mtime, size=res.size, length=len(d.norm), encoding=res.encoding,
        fingerprint=p.fingerprint, meta={"evidence": d.evidence})


def _run_batch(tasks: list[Task], index_dir: str, settings: Settings | None = None) -> BatchResult:
    """Process a batch of files and write its two segments: the text store's and
    Whoosh's. Runs in a worker process (or in-process for small runs); the main
    process only publishes the segments at commit time."""
    if settings is None:
        settings = _WORKER["settings"]
        segmenter = _WORKER["segmenter"]
    else:
        segmenter = Segmenter(settings.analysis.user_words)
    results = [_run_task(t, settings, segmenter) for t in tasks]
    docs = [textstore.StoredDoc(p.key, p.doc.norm, p.doc.text, *p.doc.norm_map) for r in results for p in r.docs]
    if not docs:
        return BatchResult(None, None, results)
    vocabulary: Counter[str] = Counter()
    for d in docs:
        vocabulary.update(set(segmenter.words(d.norm)))
    store_segment = textstore.write_segment(Path(index_dir) / textstore.STORE_DIRNAME, docs, vocabulary)
    ix = whoosh_index.open_dir(index_dir)
    # No lock: this writer only creates a new segment; the main process, which
    # holds the index lock, publishes it. (Its pool cleans up its own temp files;
    # the shared temp folder belongs to the main writer.)
    writer = SegmentWriter(ix, _lk=False, limitmb=128)
    for r in results:
        source = str(Path(r.path).resolve())
        for p in r.docs:
            writer.add_document(**_document_fields(p, r, source))
    whoosh_segment = writer._finalize_segment()
    for r in results:  # texts are on disk now; don't ship them back
        for p in r.docs:
            p.doc.text = p.doc.norm = ""
            p.doc.norm_map = ([], [])
            p.title_words = []
    return BatchResult(store_segment, whoosh_segment, results)


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


# ---------------------------------------------------------------- index files

def read_index_meta(index_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((index_dir / INDEX_META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SearchappError(f"the index at {index_dir} is damaged ({INDEX_META}: {exc}); "
                             "run `searchapp index --rebuild`") from None


def check_compatible(index_dir: Path, settings: Settings) -> dict[str, Any]:
    """Refuse an index built by another analyzer or schema (with the fix in the message)."""
    meta = read_index_meta(index_dir)
    if meta is None:
        raise IndexMismatchError(f"{index_dir} is not a searchapp index (no {INDEX_META}); "
                                 "run `searchapp index --rebuild`")
    want = analyzer_signature(settings.analysis.user_words)
    if meta.get("analyzer") != want or meta.get("schema") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"the index at {index_dir} was built with analyzer '{meta.get('analyzer')}' "
            f"(schema {meta.get('schema')}), but this searchapp uses '{want}' (schema {SCHEMA_VERSION}). "
            "Run `searchapp index --rebuild` to rebuild it.")
    return meta


def _create_index(index_dir: Path, settings: Settings) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    whoosh_index.create_in(str(index_dir), build_schema(settings.analysis.user_words))
    meta = {"analyzer": analyzer_signature(settings.analysis.user_words), "schema": SCHEMA_VERSION,
            "build_id": uuid.uuid4().hex, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    textstore.write_manifest(index_dir / textstore.STORE_DIRNAME, [], 1)
    (index_dir / INDEX_META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _recover_swap(index_dir: Path) -> None:
    """Finish or undo a rebuild swap that a crash interrupted."""
    previous = index_dir.with_name(index_dir.name + ".previous")
    if not index_dir.exists() and previous.exists():
        previous.rename(index_dir)
    elif previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    building = index_dir.with_name(index_dir.name + ".building")
    if building.exists():
        shutil.rmtree(building, ignore_errors=True)


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- the run

Progress = Callable[[int, int, int], None]   # (files done, files total, bytes done)


def index_paths(settings: Settings, paths: list[Path] | None = None, *, rebuild: bool = False,
                index_dir: Path | None = None, progress: Progress | None = None,
                workers: int | None = None) -> IndexSummary:
    """Bring the index at ``index_dir`` up to date with ``paths`` (config sources by default)."""
    index_dir = Path(index_dir or settings.index_path)
    paths = list(paths or settings.source_paths())
    with IndexLock(index_dir):
        _recover_swap(index_dir)
        if rebuild or not (index_dir / INDEX_META).exists():
            if index_dir.exists() and any(index_dir.iterdir()):
                if not rebuild and read_index_meta(index_dir) is None and any(
                        p.name.startswith("_MAIN_") for p in index_dir.iterdir()):
                    raise IndexMismatchError(f"{index_dir} holds an index searchapp did not build; "
                                             "run `searchapp index --rebuild`")
            # A new index is built beside the folder and renamed into place, so a
            # first run that dies leaves nothing half-made behind.
            return _rebuild(settings, paths, index_dir, progress, workers)
        else:
            check_compatible(index_dir, settings)
        return _update(settings, paths, index_dir, progress, workers, fresh=False)


def _rebuild(settings: Settings, paths: list[Path], index_dir: Path, progress: Progress | None,
             workers: int | None) -> IndexSummary:
    building = index_dir.with_name(index_dir.name + ".building")
    previous = index_dir.with_name(index_dir.name + ".previous")
    shutil.rmtree(building, ignore_errors=True)
    _create_index(building, settings)
    summary = _update(settings, paths, building, progress, workers, fresh=True)
    if index_dir.exists():
        _carry_over(index_dir, building)
        index_dir.rename(previous)
    building.rename(index_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return summary


def _is_index_file(name: str) -> bool:
    return (name.startswith(("_MAIN_", "MAIN_", "clusters")) or name in (INDEX_META, textstore.STORE_DIRNAME)
            or name.endswith(".tmp"))


def _carry_over(old: Path, new: Path) -> None:
    """Move what is not ours (a README beside the index, say) into the rebuilt folder."""
    for entry in old.iterdir():
        if not _is_index_file(entry.name) and not (new / entry.name).exists():
            shutil.move(str(entry), str(new / entry.name))


def _load_state(ix) -> dict[str, dict[str, Any]]:
    """Per source file: its hash, mtime, size and documents (id, key, fingerprint)."""
    state: dict[str, dict[str, Any]] = {}
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            st = state.setdefault(fields["source"], {"hash": fields.get("hash"), "mtime": fields.get("mtime"),
                                                     "size": fields.get("size"), "docs": []})
            st["docs"].append((fields["id"], fields["key"], fields.get("fingerprint")))
    return state


def _update(settings: Settings, paths: list[Path], index_dir: Path, progress: Progress | None,
            workers: int | None, fresh: bool) -> IndexSummary:
    t0 = time.perf_counter()
    summary = IndexSummary()
    store_dir = index_dir / textstore.STORE_DIRNAME
    manifest = textstore.read_manifest(store_dir)
    textstore.remove_orphans(store_dir, manifest["segments"])
    ix = whoosh_index.open_dir(str(index_dir))
    state = _load_state(ix)

    manifest_rows: dict[str, dict[str, Any]] = {}
    if settings.indexing.manifest:
        try:
            manifest_rows = read_manifest(settings.path(settings.indexing.manifest))
        except (OSError, SidecarError) as exc:
            raise SearchappError(f"indexing.manifest: {exc}") from None

    files, problems = discover(paths)
    summary.failed.extend(problems)
    next_file = (manifest["next_key"] + KEY_STRIDE - 1) // KEY_STRIDE
    tasks: list[Task] = []
    sizes: dict[str, int] = {}
    seen_sources: set[str] = set()
    for path, display in files:
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
        if known and known["mtime"] == max(st.st_mtime, side_mtime) and known["size"] == st.st_size \
                and not settings.indexing.manifest:
            summary.skipped += 1
            continue
        sizes[str(path)] = st.st_size
        tasks.append(Task(str(path), display, next_file * KEY_STRIDE, known["hash"] if known else None, row))
        next_file += 1

    gone = [src for src in state if src not in seen_sources and not os.path.exists(src)]
    n_workers = workers if workers is not None else (settings.indexing.workers or os.cpu_count() or 1)
    total_bytes = sum(sizes.values())
    if len(tasks) < 8 or total_bytes < 2 * 1024 * 1024:
        n_workers = 1

    writer = ix.writer(limitmb=64)
    new_segments: list[str] = []
    new_whoosh: list[Any] = []
    replaced: list[str] = []
    done = 0
    done_bytes = 0
    try:
        for batch in _map_batches(tasks, sizes, index_dir, settings, n_workers):
            if batch.store_segment:
                new_segments.append(batch.store_segment)
                new_whoosh.append(batch.whoosh_segment)
            for res in batch.results:
                done += 1
                done_bytes += res.size
                _apply_result(res, state, replaced, summary)
            if progress:
                progress(done, len(tasks), done_bytes)
        summary.removed = len(gone)
        _delete_sources(writer, replaced + gone)
        summary.duplicate_clusters, summary.duplicate_documents = _write_clusters(
            index_dir, state, gone, writer.generation)
        textstore.write_manifest(store_dir, manifest["segments"] + new_segments, next_file * KEY_STRIDE)
        changed = bool(summary.indexed or summary.updated or summary.removed)
        if changed:
            mergetype = CLEAR if fresh else (MERGE_SMALL if len(writer.segments) > MAX_SEGMENTS else NO_MERGE)
            _commit_with_segments(writer, new_whoosh, mergetype)
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    if changed:
        _compact_store(ix, store_dir)
    _remove_old_clusters(index_dir, ix.latest_generation())
    with ix.searcher() as s:
        summary.total_documents = s.doc_count()
    summary.bytes_read = done_bytes
    summary.seconds = time.perf_counter() - t0
    return summary


def _delete_sources(writer: SegmentWriter, sources: list[str]) -> None:
    """Delete the documents of ``sources`` from the existing segments, with one
    searcher (Whoosh's delete_by_term opens a new one per call)."""
    if not sources:
        return
    with writer.searcher() as searcher:
        for source in sources:
            for docnum in searcher.document_numbers(source=source):
                writer.delete_document(docnum)


def _commit_with_segments(writer: SegmentWriter, segments: list[Any], mergetype) -> None:
    """Commit the main writer's deletions and merges plus the segments the workers
    wrote, in one new Whoosh generation (an atomic switch of its table of contents)."""
    final = writer._merge_segments(mergetype, None, None)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + segments)
    writer._finish()


def _map_batches(tasks: list[Task], sizes: dict[str, int], index_dir: Path, settings: Settings,
                 n_workers: int) -> Iterator[BatchResult]:
    batches = list(_batches(tasks, sizes, n_workers))
    if n_workers <= 1:
        for batch in batches:
            yield _run_batch(batch, str(index_dir), settings)
        return
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(settings,)) as pool:
        futures = [pool.submit(_run_batch, b, str(index_dir)) for b in batches]
        try:
            for fut in futures:
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _apply_result(res: TaskResult, state: dict[str, dict[str, Any]], replaced: list[str],
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
    state[source] = {"hash": res.hash, "mtime": res.mtime, "size": res.size,
                     "docs": [(p.doc.id, p.key, p.fingerprint) for p in res.docs]}


def clusters_file(index_dir: Path, generation: int) -> Path:
    """Clusters belong to one Whoosh generation: a run that dies before its commit must
    not regroup the previous generation's documents."""
    return index_dir / f"{CLUSTERS_PREFIX}{generation}.json"


def _write_clusters(index_dir: Path, state: dict[str, dict[str, Any]], gone: list[str],
                    generation: int) -> tuple[int, int]:
    """Near-duplicate clusters over every live document: ``{doc id: representative id}``."""
    from searchapp.dedup import cluster

    gone_set = set(gone)
    fps: dict[str, int] = {}
    for src, st in state.items():
        if src in gone_set:
            continue
        for doc_id, _key, fp in st["docs"]:
            if fp is not None:
                fps[doc_id] = fp
    reps = cluster(fps)
    groups: dict[str, list[str]] = {}
    for doc_id, rep in reps.items():
        groups.setdefault(rep, []).append(doc_id)
    multi = {rep: sorted(m) for rep, m in groups.items() if len(m) > 1}
    mapping = {doc_id: rep for rep, members in multi.items() for doc_id in members}
    _write_json_atomic(clusters_file(index_dir, generation), mapping)
    return len(multi), sum(len(m) for m in multi.values())


def _remove_old_clusters(index_dir: Path, generation: int) -> None:
    """Keep the clusters of this generation and the one before (a server may be opening it)."""
    keep = {clusters_file(index_dir, generation).name, clusters_file(index_dir, generation - 1).name}
    for path in index_dir.glob(f"{CLUSTERS_PREFIX}*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


#: A store segment whose live share falls below this is rewritten with its live documents.
COMPACT_BELOW = 0.5


def _compact_store(ix, store_dir: Path) -> None:
    """Reclaim the space of deleted and replaced documents in the text store.

    Segments with no live document are dropped; segments less than half live are
    rewritten with their live documents (same keys, so Whoosh is unaffected). The
    manifest switch is atomic; searches holding the old files keep reading them.
    """
    with ix.searcher() as s:
        live = {f["key"] for f in s.all_stored_fields()}
    manifest = textstore.read_manifest(store_dir)
    keep: list[str] = []
    for name in manifest["segments"]:
        seg = textstore.Segment(store_dir, name)
        try:
            keys = seg.keys.tolist()
            alive = [i for i, k in enumerate(keys) if k in live]
            if not alive:
                continue
            if len(alive) >= COMPACT_BELOW * len(keys):
                keep.append(name)
                continue
            docs = []
            for i in alive:
                norm = seg.normalized(i)
                docs.append(textstore.StoredDoc(keys[i], norm.text, seg.original_text(i), *norm.breakpoints))
            # The vocabulary's counts stay those of the old segment: close enough for suggestions.
            keep.append(textstore.write_segment(store_dir, docs, seg.vocabulary()))
        finally:
            seg.close()
    if keep != manifest["segments"]:
        textstore.write_manifest(store_dir, keep, manifest["next_key"])
        textstore.remove_orphans(store_dir, keep)


def default_progress(stream=sys.stderr) -> Progress | None:
    """A one-line progress bar with files/s and MB/s, on a terminal only."""
    if not stream.isatty():
        return None
    start = time.perf_counter()

    def show(done: int, total: int, nbytes: int) -> None:
        elapsed = max(time.perf_counter() - start, 1e-6)
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files "
                     f"{done / elapsed:6.1f} files/s {nbytes / elapsed / 1e6:6.2f} MB/s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
