"""An opened index: a consistent snapshot of Whoosh and the text store, refreshed
when a new commit appears, shared by every request of the process.

The snapshot caches what each query would otherwise re-read: the stored fields
of every document as per-docnum columns (for filters, facets and result
metadata), the key ↔ docnum join with the text store, and the duplicate
clusters. It is rebuilt only when ``searchapp index`` commits, so the server
picks up a re-indexed or incrementally updated index without a restart, and a
request always sees one committed state.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from searchapp import textstore
from searchapp.config import Settings
from searchapp.errors import IndexDamagedError, IndexMissingError, SearchappError
from searchapp.normalize import normalize
from searchapp.indexer import check_compatible, clusters_file, read_index_meta
from searchapp.schema import INDEX_META

#: Seconds between checks for a new commit.
REFRESH_INTERVAL = 0.5


@dataclass
class DocInfo:
    """The stored fields of one live document (what results and facets need)."""

    docnum: int
    id: str
    key: int
    path: str
    source: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    themes: tuple[str, ...]
    doctype: str
    length: int
    encoding: str | None
    meta: dict[str, Any] = field(default_factory=dict)


class Columns:
    """Per-docnum metadata as NumPy arrays, so filters, facet counts and duplicate
    collapsing cost vector operations instead of a Python loop per document.

    Names are coded as small integers (0 = none) with the names in ``*_names``;
    themes are a boolean matrix (documents × themes).
    """

    def __init__(self, docs: dict[int, DocInfo]):
        self.size = (max(docs) + 1) if docs else 0
        self.live_docs = np.array(sorted(docs), dtype=np.int64)
        self.province_names, self.province = self._code(docs, lambda i: i.province)
        self.city_names, self.city = self._code(docs, lambda i: i.city)
        self.district_names, self.district = self._code(docs, lambda i: i.district)
        self.type_names, self.doctype = self._code(docs, lambda i: i.doctype)
        self.year = np.zeros(self.size, dtype=np.int32)
        themes = sorted({t for i in docs.values() for t in i.themes})
        self.theme_names = themes
        index = {t: k for k, t in enumerate(themes)}
        self.themes = np.zeros((self.size, len(themes)), dtype=bool)
        self.length = np.zeros(self.size, dtype=np.int64)
        #: Order of the stable document ids: ties between copies are broken by id, so
        #: an incremental index shows the same copy as a clean one (docnums differ).
        self.id_rank = np.zeros(self.size, dtype=np.int64)
        for rank, d in enumerate(sorted(docs, key=lambda d: docs[d].id)):
            self.id_rank[d] = rank
        for d, info in docs.items():
            self.year[d] = info.year or 0
            self.length[d] = info.length
            for t in info.themes:
                self.themes[d, index[t]] = True
        self.cluster = np.full(self.size, -1, dtype=np.int64)

    def _code(self, docs: dict[int, DocInfo], get) -> tuple[list[str], np.ndarray]:
        names = [""] + sorted({get(i) for i in docs.values() if get(i)})
        index = {n: k for k, n in enumerate(names)}
        codes = np.zeros(self.size, dtype=np.int32)
        for d, info in docs.items():
            codes[d] = index.get(get(info) or "", 0)
        return names, codes

    def set_clusters(self, cluster_of: dict[int, str]) -> None:
        reps = {rep: k for k, rep in enumerate(sorted(set(cluster_of.values())))}
        for d, rep in cluster_of.items():
            self.cluster[d] = reps[rep]


class Snapshot:
    """One committed state of the index. Read-only; safe to share between threads
    (Whoosh calls go through ``lock`` because Whoosh readers share file positions)."""

    def __init__(self, index_dir: Path, generation: tuple[str, int]):
        self.index_dir = index_dir
        self.generation = generation
        self.lock = threading.Lock()
        self.ix = whoosh_index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.store = textstore.TextStore(index_dir / textstore.STORE_DIRNAME)
        self.docs: dict[int, DocInfo] = {}
        self.by_key: dict[int, int] = {}
        self.by_id: dict[str, int] = {}
        for docnum, f in self.searcher.reader().iter_docs():
            info = DocInfo(
                docnum=docnum, id=f["id"], key=f["key"], path=f.get("path", ""), source=f.get("source", ""),
                title=f.get("title", ""), province=f.get("province", ""), city=f.get("city", ""),
                district=f.get("district", ""), year=f.get("year"),
                themes=tuple(t for t in (f.get("themes") or "").split(",") if t),
                doctype=f.get("doctype", ""), length=f.get("length") or 0, encoding=f.get("encoding"),
                meta=f.get("meta") or {})
            self.docs[docnum] = info
            self.by_key[info.key] = docnum
            self.by_id[info.id] = docnum
        self.columns = Columns(self.docs)
        self.all_docs = self.columns.live_docs
        #: Ranking columns by docnum: normalized length (characters) and normalized title.
        size = self.columns.size
        self.lengths = np.ones(size, dtype=np.float64)
        self.norm_titles: list[str] = [""] * size
        for d, info in self.docs.items():
            self.lengths[d] = max(1, info.length)
            self.norm_titles[d] = normalize(info.title).text if info.title else ""
        live = self.lengths[self.all_docs] if self.docs else self.lengths
        self.avg_length = float(live.mean()) if live.size else 1.0
        self.avg_title = (sum(len(t) for t in self.norm_titles) / len(self.docs)) if self.docs else 1.0
        try:
            generation = self.searcher.reader().generation()
            clusters = json.loads(clusters_file(index_dir, generation).read_text(encoding="utf-8"))
        except FileNotFoundError:
            clusters = {}
        self.cluster_of: dict[int, str] = {self.by_id[i]: rep for i, rep in clusters.items() if i in self.by_id}
        self.columns.set_clusters(self.cluster_of)
        # Per store segment: ordinal -> docnum (-1 for documents no longer live).
        self._docnum_of = [np.array([self.by_key.get(k, -1) for k in seg.keys.tolist()], dtype=np.int64)
                           for seg in self.store.segments]
        self.opened_at = time.time()

    def close(self) -> None:
        self.searcher.close()
        self.store.close()

    def find_tf(self, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """Live documents whose normalized text contains ``phrase``: sorted docnums
        and the phrase's occurrences in each (its term frequency, for ranking)."""
        docs_parts, tf_parts = [], []
        for docnums, (ords, counts) in zip(self._docnum_of, self.store.find_ordinals(phrase)):
            hits = docnums[ords]
            live = hits >= 0
            docs_parts.append(hits[live])
            tf_parts.append(counts[live])
        if not docs_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        docnums = np.concatenate(docs_parts)
        tf = np.concatenate(tf_parts)
        order = np.argsort(docnums, kind="stable")
        return docnums[order], tf[order]

    def original_text(self, docnum: int) -> str:
        return self.store.original_text(self.docs[docnum].key)

    def normalized_bytes(self, docnum: int) -> bytes:
        """The normalized text as stored (UTF-8), without decoding it."""
        return self.store.normalized_bytes(self.docs[docnum].key)

    def normalized(self, docnum: int):
        """Normalized text and its map back to :meth:`original_text` (for highlighting)."""
        return self.store.normalized(self.docs[docnum].key)


class SearchIndex:
    """The process-wide handle on an index folder; hands out current snapshots."""

    def __init__(self, settings: Settings, index_dir: Path | None = None):
        self.settings = settings
        self.index_dir = Path(index_dir or settings.index_path)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        from searchapp.analysis import Segmenter

        self.segmenter = Segmenter(settings.analysis.user_words)
        self.snapshot()  # fail early with a clear message

    def _live_dir(self) -> Path:
        """The index folder, or during the instant of a ``--rebuild`` swap (or after a
        crash inside it) the previous index that stands beside it."""
        if not (self.index_dir / INDEX_META).exists():
            previous = self.index_dir.with_name(self.index_dir.name + ".previous")
            if (previous / INDEX_META).exists():
                return previous
        return self.index_dir

    def _generation(self) -> tuple[str, int]:
        live = self._live_dir()
        meta = read_index_meta(live)
        if meta is None:
            raise IndexMissingError(
                f"no search index at {self.index_dir}: run `searchapp index` first")
        try:
            gen = whoosh_index.open_dir(str(live)).latest_generation()
        except Exception as exc:
            raise SearchappError(f"the index at {self.index_dir} cannot be opened ({exc}); "
                                 "run `searchapp index --rebuild`") from None
        return meta.get("build_id", ""), gen

    def snapshot(self) -> Snapshot:
        """The current snapshot, reopened if a newer commit exists (checked at most
        every :data:`REFRESH_INTERVAL` seconds)."""
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked < REFRESH_INTERVAL:
            return snap
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked < REFRESH_INTERVAL:
                return self._snapshot
            try:
                gen = self._generation()
                if self._snapshot is None or gen != self._snapshot.generation:
                    check_compatible(self._live_dir(), self.settings)
                    self._snapshot = self._open(gen)
            except SearchappError:
                if self._snapshot is None:
                    raise
                # Keep answering from the last good snapshot (e.g. during a rebuild swap).
            self._checked = time.monotonic()
            return self._snapshot

    def _open(self, gen: tuple[str, int]) -> Snapshot:
        last_exc: Exception | None = None
        for _ in range(3):  # a commit may land while we open; retry once or twice
            try:
                return Snapshot(self._live_dir(), gen)
            except (FileNotFoundError, KeyError, ValueError, EOFError, struct.error, OSError) as exc:
                last_exc = exc
                time.sleep(0.05)
                gen = self._generation()
        raise IndexDamagedError(f"the index at {self.index_dir} could not be opened ({type(last_exc).__name__}: "
                                f"{last_exc}); run `searchapp index --rebuild`")


__all__ = ["SearchIndex", "Snapshot", "DocInfo", "INDEX_META"]
