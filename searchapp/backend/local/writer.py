"""Writing the local index: worker processes write immutable segments, one commit
publishes them.

Crash safety (an interrupted run leaves the previous index usable):
1. workers write store segments under fresh names (invisible until named);
2. the store manifest is replaced atomically, naming old *and* new segments;
3. Whoosh commits (its own atomic table-of-contents switch);
4. store segments are maintained: dead ones dropped, mostly dead ones rewritten,
   and small ones merged by size tiers, within a fixed size (new segment first,
   then the manifest switch, then deletion of the old files). Whoosh segments are
   merged in step 3 itself (:func:`merge_tiered`), so neither count grows with the
   number of runs.
A crash before 3 leaves Whoosh at the previous generation, whose keys are all
still in the store; a crash after 3 leaves at worst unused files, removed by the
next run (and a run that fails removes what it wrote at once: :meth:`LocalWriter.cancel`).

Whoosh 2.7 has no public way to commit segments written by other processes, so
this module (and only this one) uses its writer's internals; Whoosh is pinned.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from searchapp.analysis import Segmenter
from searchapp.backend.base import PreparedDoc, SourceState
from searchapp.backend.local import layout, textstore
from searchapp.backend.local.schema import INDEX_META
from searchapp.config import Settings
from searchapp.dedup import compact_sketch
from searchapp.errors import IndexMismatchError
from searchapp.model import FACETS

if TYPE_CHECKING:
    from searchapp.backend.local.doctable import DocTable

#: Above this many Whoosh segments, a commit merges the small ones (see merge_tiered).
MAX_SEGMENTS = 10
#: At most this many documents are merged into one Whoosh segment at a time.
MERGE_MAX_DOCS = 20_000
#: Above this many text store segments, a commit merges the small ones (as long as
#: they fit in :data:`MERGE_MAX_BYTES`).
MAX_STORE_SEGMENTS = 10
#: At most this many bytes of text (normalized + stored original) go into one merged
#: store segment: a merge's memory is proportional to it (about 8 bytes a byte of
#: text: the new segment's postings), so it stays the same however big the corpus.
#: Segments this big are final; a corpus of N bytes ends in about N / this many.
MERGE_MAX_BYTES = 32 * 1024 * 1024
#: Store segments are grouped in size tiers of this factor (the smallest tier: up to
#: :data:`MERGE_TIER_FLOOR` bytes); a tier holding this many is merged (smallest first,
#: within MERGE_MAX_BYTES). Each document is thus rewritten a few times at most, and
#: a rebuild's many batch segments end as few large ones: a segment's gram table is a
#: fixed cost per segment, so small segments cost more index per byte of text.
MERGE_FACTOR = 4
MERGE_TIER_FLOOR = 256 * 1024
#: A store segment whose live share falls below this is rewritten with its live documents.
COMPACT_BELOW = 0.5


def stored_fields(doc: PreparedDoc) -> dict[str, Any]:
    """The Whoosh fields of one document (facet fields as the registry declares them)."""
    values: dict[str, Any] = {}
    for facet in FACETS:
        for name in facet.fields:
            value = doc.fields.get(name)
            if facet.kind == "multi":
                values[name] = ",".join(value or ())
            elif facet.kind == "range":
                values[name] = value
            else:
                values[name] = value or ""
    return dict(
        id=doc.id, key=doc.key, source=doc.source, path=doc.path, article=doc.article,
        title=doc.title, **values,
        hash=doc.hash, mtime=doc.mtime, indexed=time.time(), size=doc.size, length=len(doc.norm),
        encoding=doc.encoding, fingerprint=doc.fingerprint,
        meta={"evidence": doc.evidence, "sidecar": list(doc.sidecar) if doc.sidecar else None})


@dataclass
class SegmentNames:
    """What one batch (or one merge of this run's batches) wrote: the store segment's
    name, Whoosh's segment object and the store segment's text bytes (normalized +
    original: its size for the merge policy)."""

    store_segment: str
    whoosh_segment: Any
    text_bytes: int = 0


class LocalBatchWriter:
    """Writes a batch's two segments (text store and Whoosh) in a worker process.
    Picklable: it carries only the folder and the analysis settings."""

    def __init__(self, index_dir: Path, user_words: list[str], token: str | None = None):
        self.index_dir = Path(index_dir)
        self.user_words = list(user_words)
        self.token = token
        self._segmenter: Segmenter | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"index_dir": self.index_dir, "user_words": self.user_words, "token": self.token,
                "_segmenter": None}

    def check_run(self) -> None:
        """Refuse to write unless the folder still belongs to the run that made this
        writer: a worker orphaned by a killed run must not re-create (or write into)
        a folder the next run has cleaned or taken over."""
        if self.token is not None and layout.read_run_token(self.index_dir) != self.token:
            raise StaleRunError(f"{self.index_dir} no longer belongs to the run this worker was started for")

    def write(self, docs: list[PreparedDoc]) -> SegmentNames | None:
        if not docs:
            return None
        if self._segmenter is None:
            self._segmenter = Segmenter(self.user_words)
        stored = [textstore.StoredDoc(d.key, d.norm, d.text, *d.norm_map) for d in docs]
        vocabulary: Counter[str] = Counter()
        for d in docs:
            vocabulary.update(set(self._segmenter.words(d.norm)))
        self.check_run()
        store_segment = textstore.write_segment(self.index_dir / textstore.STORE_DIRNAME, stored, vocabulary)

        def fill(writer: SegmentWriter) -> None:
            for d in docs:
                writer.add_document(**stored_fields(d))

        return self._pair_with_whoosh(store_segment, fill)

    def merge(self, group: list[SegmentNames]) -> SegmentNames:
        """One store segment and one Whoosh segment holding every document of ``group``
        (unpublished outputs of this run), in that order, in a worker process while
        other workers prepare files: the main process's commit then has little left to
        merge. The inputs stay until the run discards them (:meth:`LocalWriter.discard`),
        so a worker that dies here loses nothing. A merge holds at most
        :data:`MERGE_MAX_BYTES` of text (the policy, :func:`_merge_group`)."""
        from whoosh.reading import SegmentReader

        store_dir = self.index_dir / textstore.STORE_DIRNAME
        vocabulary: Counter[str] = Counter()
        sources: list[tuple[str, range]] = []
        for names in group:
            seg = textstore.Segment(store_dir, names.store_segment)
            # Each document is in one batch: the sums are its segments' document counts.
            vocabulary.update(seg.vocabulary())
            sources.append((names.store_segment, range(len(seg))))
            seg.close()
        self.check_run()
        store_segment = textstore.merge_segments(store_dir, sources, vocabulary)

        def fill(writer: SegmentWriter) -> None:
            for names in group:
                reader = SegmentReader(writer.storage, writer.schema, names.whoosh_segment)
                try:
                    writer.add_reader(reader)
                finally:
                    reader.close()

        return self._pair_with_whoosh(store_segment, fill)

    def _pair_with_whoosh(self, store_segment: str,
                          fill: Callable[[SegmentWriter], None]) -> SegmentNames:
        """The Whoosh segment beside a just-written store segment, filled by ``fill``.
        Either both segments exist afterwards or neither: a failure removes the store
        segment and the half-written Whoosh one, so a dead batch or merge leaves no
        files for the run to publish. No lock: this writer only creates a new segment;
        the main process, which holds the index lock, publishes it."""
        try:
            self.check_run()
            ix = whoosh_index.open_dir(str(self.index_dir))
            writer = SegmentWriter(ix, _lk=False, limitmb=128)
            try:
                fill(writer)
                segment = writer._finalize_segment()
            except BaseException:
                _discard_segment(writer)
                raise
        except BaseException:
            textstore.remove_segment(self.index_dir / textstore.STORE_DIRNAME, store_segment)
            raise
        return SegmentNames(store_segment, segment, _text_bytes(self.index_dir, store_segment))


def _text_bytes(index_dir: Path, store_segment: str) -> int:
    """Normalized + original bytes of a store segment (what the merge policy weighs)."""
    store_dir = index_dir / textstore.STORE_DIRNAME
    return sum((store_dir / f"{store_segment}{suffix}").stat().st_size for suffix in (".norm", ".orig"))


class StaleRunError(RuntimeError):
    """A worker of a dead run tried to write into a folder that is no longer its run's."""


def _discard_segment(writer: SegmentWriter) -> None:
    """Close a Whoosh segment that failed half-way and delete its files (a full disk
    must not stay full because of them)."""
    try:
        writer._close_segment()
    except Exception:  # noqa: BLE001 - already failing; the files go below regardless
        pass
    prefix = writer.newsegment.segment_id()
    for name in list(writer.storage):
        if name.startswith(prefix):
            try:
                writer.storage.delete_file(name)
            except OSError:
                pass
    # Not writer._tempstorage: other workers share that folder; the run removes it.


class LocalWriter:
    """One write transaction on the local index (the caller holds the index lock)."""

    def __init__(self, index_dir: Path, settings: Settings):
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.store_dir = self.index_dir / textstore.STORE_DIRNAME
        self.manifest = textstore.read_manifest(self.store_dir)
        self.ix = whoosh_index.open_dir(str(self.index_dir))
        self.remove_leftovers()
        self._writer: SegmentWriter | None = None

    def state(self) -> dict[str, SourceState]:
        """Per source file: its hash, mtime, size and documents (id, key, fingerprint)."""
        state: dict[str, SourceState] = {}
        with self.ix.searcher() as s:
            for f in s.all_stored_fields():
                side = (f.get("meta") or {}).get("sidecar")
                st = state.setdefault(f["source"], SourceState(f.get("hash"), f.get("mtime"), f.get("size"),
                                                               sidecar=tuple(side) if side else None))
                st.docs.append((f["id"], f["key"], compact_sketch(f.get("fingerprint"))))
        return state

    def failures(self) -> dict[str, dict[str, Any]]:
        return layout.read_failures(self.index_dir)

    def record_failures(self, records: dict[str, dict[str, Any]]) -> None:
        layout.write_json_atomic(layout.failures_file(self.index_dir), records)

    def next_key(self) -> int:
        return int(self.manifest["next_key"])

    def batch_writer(self) -> LocalBatchWriter:
        """A writer for this run's workers, bound to the folder by a fresh run token."""
        token = uuid.uuid4().hex
        layout.write_run_token(self.index_dir, token)
        return LocalBatchWriter(self.index_dir, self.settings.analysis.user_words, token)

    def merge_task(self, written: list[SegmentNames], final: bool = False) -> list[SegmentNames]:
        """Which of this run's unpublished outputs a worker should merge next (see
        :meth:`LocalBatchWriter.merge`), by the store's policy (:func:`_merge_group`:
        a full size tier, or the smallest ones above :data:`MAX_STORE_SEGMENTS`, within
        :data:`MERGE_MAX_BYTES`); empty when none. The run submits merges while its
        batches are prepared and, when they are done, until this says none: merges
        happen in the workers, not in the commit, and the commit's maintenance finds
        few segments left to merge.

        ``final``: every batch of the run is written. Then the outputs are also packed
        (:func:`_pack_group`): a tier merged four at a time during the run can end with
        two or three segments of one tier, which the tier policy leaves alone, and each
        small segment carries its own gram table (a 20 MB rebuild ended as three
        segments and 2.11× the text instead of one and 1.96×)."""
        infos = [_SegmentInfo(str(i), 0, [], w.text_bytes) for i, w in enumerate(written)]
        group = _merge_group(infos) or (_pack_group(infos) if final else [])
        return [written[int(info.name)] for info in group]

    def discard(self, written: list[SegmentNames]) -> None:
        """Delete unpublished outputs a merge has replaced (their documents are in the
        merged segments); the disk then holds each document about once during a run."""
        for names in written:
            textstore.remove_segment(self.store_dir, names.store_segment)
            prefix = names.whoosh_segment.segment_id()
            for name in list(self.ix.storage):
                if name.startswith(prefix):
                    try:
                        self.ix.storage.delete_file(name)
                    except OSError:
                        pass

    def _main_writer(self) -> SegmentWriter:
        if self._writer is None:
            self._writer = self.ix.writer(limitmb=64)
        return self._writer

    def commit(self, batches: list[Any], delete_sources: list[str], clusters: dict[str, str],
               next_key: int, fresh: bool) -> None:
        """Publish the workers' segments with the deletions, in one Whoosh generation,
        merging small segments so their number stays bounded (see :func:`merge_tiered`)."""
        writer = self._main_writer()
        try:
            self._delete_sources(writer, delete_sources)
            layout.write_json_atomic(layout.clusters_file(self.index_dir, writer.generation), clusters)
            written = [b for b in batches if b is not None]
            textstore.write_manifest(self.store_dir, self.manifest["segments"] + [b.store_segment for b in written],
                                     next_key)
            existing = [] if fresh else list(writer.segments)
            final = merge_tiered(writer, existing + [b.whoosh_segment for b in written])
            if writer._added:
                final.append(writer._finalize_segment())
            else:
                writer._close_segment()
            writer._commit_toc(final)
            writer._finish()
        except BaseException:
            writer.cancel()
            raise
        finally:
            self._writer = None
        table = write_doc_table(self.index_dir)
        self._maintain_store(set(table.keys[table.live].tolist()))
        layout.remove_old_clusters(self.index_dir, self.ix.latest_generation())

    def cancel(self) -> None:
        """Give up the run: nothing is published, and whatever it wrote is deleted
        (segments of finished batches, partial files of a failed one), so a run that
        failed on a full disk does not keep the disk full."""
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self.remove_leftovers()
        layout.remove_old_clusters(self.index_dir, self.ix.latest_generation())

    def remove_leftovers(self) -> None:
        """Delete store and Whoosh files no committed state names (left by a failed or
        killed run). Only while holding the index lock, with no worker running."""
        textstore.remove_orphans(self.store_dir, textstore.read_manifest(self.store_dir)["segments"])
        remove_whoosh_orphans(self.index_dir)
        # Whoosh's scratch folder, shared by every segment writer of a run.
        shutil.rmtree(self.index_dir / f"{self.ix.indexname}.tmp", ignore_errors=True)

    def document_count(self) -> int:
        with self.ix.searcher() as s:
            return s.doc_count()

    @staticmethod
    def _delete_sources(writer: SegmentWriter, sources: list[str]) -> None:
        """Delete the documents of ``sources`` with one searcher (Whoosh's
        delete_by_term opens a new one per call)."""
        if not sources:
            return
        with writer.searcher() as searcher:
            for source in sources:
                for docnum in searcher.document_numbers(source=source):
                    writer.delete_document(docnum)

    def _maintain_store(self, live: set[int]) -> None:
        """Reclaim dead space and bound the number of text store segments.

        * a segment with no live document is dropped;
        * a segment less than half live is rewritten with its live documents;
        * small segments are merged by size tiers (see :data:`MERGE_FACTOR`), and
          above :data:`MAX_STORE_SEGMENTS` the smallest ones, never more than
          :data:`MERGE_MAX_BYTES` of text into one (a merge's memory is bounded), so
          one-file runs do not add a segment each forever and a rebuild's batch
          segments end as a few large ones: the count depends on the corpus size,
          not on the number of runs.

        Keys stay the same (Whoosh is unaffected). New segments are written first,
        then the manifest is switched atomically, then old files are deleted:
        a crash leaves either manifest valid, and a search holding old files keeps
        reading them. ``live``: the text store keys of the committed live documents.
        """
        manifest = textstore.read_manifest(self.store_dir)
        infos = [_segment_info(self.store_dir, name, live) for name in manifest["segments"]]
        kept: list[_SegmentInfo] = []
        for info in infos:
            if not info.alive:
                continue
            if len(info.alive) < COMPACT_BELOW * info.keys:
                name = _rewrite(self.store_dir, [info])
                info = _SegmentInfo(name, len(info.alive), list(range(len(info.alive))), info.live_bytes)
            kept.append(info)
        while len(group := _merge_group(kept)) >= 2:
            name = _rewrite(self.store_dir, group)
            n = sum(len(i.alive) for i in group)
            merged = _SegmentInfo(name, n, list(range(n)), sum(i.live_bytes for i in group))
            kept = [i for i in kept if i not in group] + [merged]
        keep = [i.name for i in kept]
        if keep != manifest["segments"]:
            textstore.write_manifest(self.store_dir, keep, manifest["next_key"])
        textstore.remove_orphans(self.store_dir, keep)


@dataclass
class _SegmentInfo:
    name: str
    keys: int                   # documents in the segment, live or not
    alive: list[int]            # ordinals of the live ones
    live_bytes: int             # text bytes of the live documents (estimated by share)


def _segment_info(store_dir: Path, name: str, live: set[int]) -> _SegmentInfo:
    seg = textstore.Segment(store_dir, name)
    try:
        keys = seg.keys.tolist()
        alive = [i for i, k in enumerate(keys) if k in live]
        size = len(seg.norm) + len(seg.orig)
        return _SegmentInfo(name, len(keys), alive, size * len(alive) // max(1, len(keys)))
    finally:
        seg.close()


def _tier(info: _SegmentInfo) -> int:
    """Size tier: 0 up to MERGE_TIER_FLOOR bytes, then one per MERGE_FACTOR times more."""
    tier, size = 0, MERGE_TIER_FLOOR
    while info.live_bytes > size:
        tier, size = tier + 1, size * MERGE_FACTOR
    return tier


def _merge_group(infos: list[_SegmentInfo]) -> list[_SegmentInfo]:
    """The segments to merge next, smallest first, at most MERGE_MAX_BYTES together:
    those of the lowest tier holding MERGE_FACTOR segments (and any smaller), or,
    above MAX_STORE_SEGMENTS, the smallest ones. Fewer than two: nothing to merge."""
    counts = Counter(_tier(i) for i in infos)
    full = [t for t, n in counts.items() if n >= MERGE_FACTOR]
    if not full and len(infos) <= MAX_STORE_SEGMENTS:
        return []
    upto = min(full) if full else None
    group: list[_SegmentInfo] = []
    total = 0
    for info in sorted(infos, key=lambda i: i.live_bytes):
        over_count = len(infos) - max(0, len(group) - 1) > MAX_STORE_SEGMENTS
        if upto is not None and _tier(info) > upto and not over_count:
            break
        if total + info.live_bytes > MERGE_MAX_BYTES:
            break
        group.append(info)
        total += info.live_bytes
    return group if len(group) >= 2 else []


def _pack_group(infos: list[_SegmentInfo]) -> list[_SegmentInfo]:
    """The smallest segments that fit together in :data:`MERGE_MAX_BYTES`, when at least
    two do: what a finished run merges so that it publishes as few segments as the size
    bound allows. Each merge leaves one segment fewer, so packing ends."""
    group: list[_SegmentInfo] = []
    total = 0
    for info in sorted(infos, key=lambda i: i.live_bytes):
        if total + info.live_bytes > MERGE_MAX_BYTES:
            break
        group.append(info)
        total += info.live_bytes
    return group if len(group) >= 2 else []


def _rewrite(store_dir: Path, infos: list[_SegmentInfo]) -> str:
    """One new segment holding the live documents of ``infos`` (same keys)."""
    vocabulary: Counter[str] = Counter()
    for info in infos:
        seg = textstore.Segment(store_dir, info.name)
        # Counts stay those of the old segments: close enough for suggestions.
        vocabulary.update(seg.vocabulary())
        seg.close()
    return textstore.merge_segments(store_dir, [(i.name, i.alive) for i in infos], vocabulary)


def merge_tiered(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: bounded segment count, small segments merged first.

    Segments without live documents are dropped. Above :data:`MAX_SEGMENTS`, the
    smallest (by live documents, at most :data:`MERGE_MAX_DOCS` together) are
    copied into ``writer``'s new segment, so the count comes back to about half
    the bound; big segments are left alone, so a merge costs little even in a
    large index. Returns the segments kept as they are.
    """
    from whoosh.reading import SegmentReader

    live = [s for s in segments if s.doc_count() > 0]
    if len(live) <= MAX_SEGMENTS:
        return live
    want = len(live) - MAX_SEGMENTS // 2 + 1
    group: list[Any] = []
    total = 0
    for seg in sorted(live, key=lambda s: s.doc_count()):
        if len(group) >= want or (len(group) >= 2 and total + seg.doc_count() > MERGE_MAX_DOCS):
            break
        group.append(seg)
        total += seg.doc_count()
    if len(group) < 2:
        return live
    for seg in group:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    merged = {id(s) for s in group}
    return [s for s in live if id(s) not in merged]


def write_doc_table(index_dir: Path) -> DocTable:
    """Store the committed generation's document table (:mod:`.doctable`), so a
    snapshot opens without reading every stored field; drop older tables; return it
    (its live keys serve the store's maintenance: one pass over the stored fields). After the
    Whoosh commit: a run killed in between leaves a generation without a table,
    which a snapshot then builds from the stored fields itself."""
    from searchapp.backend.local import doctable
    from searchapp.backend.local.snapshot import table_header

    ix = whoosh_index.open_dir(str(index_dir))
    toc = ix._read_toc()
    with ix.searcher() as searcher:
        table = doctable.write_from_reader(index_dir, searcher.reader(), table_header(index_dir, toc))
    doctable.remove_old(index_dir, toc.generation)
    return table


def remove_whoosh_orphans(index_dir: Path) -> None:
    """Delete Whoosh segment files the current table of contents does not name."""
    from whoosh.index import clean_files

    ix = whoosh_index.open_dir(str(index_dir))
    toc = ix._read_toc()
    clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)


class LocalIndexFolder:
    """The write side's handle on an index folder: the lock, the rebuild swap, and
    the transaction a run writes through."""

    def __init__(self, settings: Settings, index_dir: Path):
        self.settings = settings
        self.index_dir = Path(index_dir)

    @contextmanager
    def transaction(self, rebuild: bool) -> Iterator[tuple[LocalWriter, bool]]:
        """A writer on the index, and whether it starts empty. A new index is built
        beside the folder and renamed into place when the run succeeds, so a run that
        dies leaves the previous index (or nothing half-made) behind."""
        from searchapp.backend.local.lock import IndexLock

        index_dir = self.index_dir
        with IndexLock(index_dir):
            layout.recover_swap(index_dir)
            if rebuild or not (index_dir / INDEX_META).exists():
                if not rebuild and layout.holds_foreign_index(index_dir):
                    raise IndexMismatchError(f"{index_dir} holds an index searchapp did not build; "
                                             "run `searchapp index --rebuild`")
                if index_dir.exists():
                    layout.check_replaceable(index_dir)
                building = layout.sibling(index_dir, ".building")
                previous = layout.sibling(index_dir, ".previous")
                shutil.rmtree(building, ignore_errors=True)
                layout.create_index(building, self.settings)
                yield LocalWriter(building, self.settings), True
                if index_dir.exists():
                    layout.carry_over(index_dir, building)
                    index_dir.rename(previous)
                building.rename(index_dir)
                shutil.rmtree(previous, ignore_errors=True)
            else:
                layout.check_compatible(index_dir, self.settings)
                yield LocalWriter(index_dir, self.settings), False


__all__ = ["LocalIndexFolder", "LocalWriter", "LocalBatchWriter", "StaleRunError", "stored_fields", "merge_tiered",
           "MAX_SEGMENTS", "MAX_STORE_SEGMENTS"]
