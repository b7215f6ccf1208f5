"""One committed state of the local index, opened for reading.

The snapshot caches what each query would otherwise re-read: the stored fields
of every document (as :class:`~searchapp.model.DocRecord`), the facet fields as
per-docnum NumPy columns (for filters, facet counts and duplicate folding), the
key ↔ docnum join with the text store, and the duplicate clusters. A new one is
opened only when ``searchapp index`` commits, so a server picks up a re-indexed
index without a restart and a request always sees one committed state.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from searchapp.backend.local import textstore
from searchapp.backend.local.copies import fold_groups
from searchapp.backend.local.layout import clusters_file
from searchapp.model import FACETS, DocRecord, Facet
from searchapp.normalize import Normalized, normalize


def record_from_stored(fields: dict[str, Any]) -> DocRecord:
    """A :class:`DocRecord` from Whoosh's stored fields (facet fields per the registry)."""
    values: dict[str, Any] = {}
    for facet in FACETS:
        for name in facet.fields:
            raw = fields.get(name)
            if facet.kind == "multi":
                values[name] = tuple(t for t in (raw or "").split(",") if t)
            elif facet.kind == "range":
                values[name] = raw if isinstance(raw, int) and raw else None
            else:
                values[name] = raw or ""
    return DocRecord(id=fields["id"], path=fields.get("path", ""), source=fields.get("source", ""),
                     title=fields.get("title", ""), fields=values, length=fields.get("length") or 0,
                     encoding=fields.get("encoding"), size=fields.get("size"),
                     meta={"evidence": (fields.get("meta") or {}).get("evidence") or {}},
                     mtime=fields.get("mtime"), indexed_at=fields.get("indexed"))


class FacetColumn:
    """One facet over docnums: codes into ``names`` (0 = none) per level, a boolean
    matrix for multi-valued facets, the integer itself for a range facet."""

    def __init__(self, facet: Facet, size: int, docs: dict[int, DocRecord]):
        self.facet = facet
        self.levels: list[tuple[list[str], np.ndarray]] = []
        self.matrix: np.ndarray | None = None
        self.names: list[str] = []
        self.values: np.ndarray | None = None
        if facet.kind == "range":
            self.values = np.zeros(size, dtype=np.int32)
            for d, rec in docs.items():
                self.values[d] = rec.fields.get(facet.fields[0]) or 0
        elif facet.kind == "multi":
            field = facet.fields[0]
            self.names = sorted({v for rec in docs.values() for v in rec.fields.get(field) or ()})
            index = {v: k for k, v in enumerate(self.names)}
            self.matrix = np.zeros((size, len(self.names)), dtype=bool)
            for d, rec in docs.items():
                for v in rec.fields.get(field) or ():
                    self.matrix[d, index[v]] = True
        else:
            for field in facet.fields:
                names = [""] + sorted({rec.fields.get(field) for rec in docs.values() if rec.fields.get(field)})
                index = {n: k for k, n in enumerate(names)}
                codes = np.zeros(size, dtype=np.int32)
                for d, rec in docs.items():
                    codes[d] = index.get(rec.fields.get(field) or "", 0)
                self.levels.append((names, codes))


class Columns:
    """Per-docnum columns: every facet, lengths, id order and duplicate clusters."""

    def __init__(self, docs: dict[int, DocRecord]):
        self.size = (max(docs) + 1) if docs else 0
        self.live_docs = np.array(sorted(docs), dtype=np.int64)
        self.facets = {f.name: FacetColumn(f, self.size, docs) for f in FACETS}
        self.length = np.zeros(self.size, dtype=np.int64)
        for d, rec in docs.items():
            self.length[d] = rec.length
        #: Order of the stable document ids: ties between copies are broken by id, so
        #: an incremental index shows the same copy as a clean one (docnums differ).
        self.id_rank = np.zeros(self.size, dtype=np.int64)
        for rank, d in enumerate(sorted(docs, key=lambda d: docs[d].id)):
            self.id_rank[d] = rank
        self.cluster = np.full(self.size, -1, dtype=np.int64)
        self.fold_group = np.full(self.size, -1, dtype=np.int64)

    @property
    def year(self) -> np.ndarray:
        values = self.facets["year"].values
        assert values is not None
        return values

    def set_clusters(self, cluster_of: dict[int, str]) -> None:
        reps = {rep: k for k, rep in enumerate(sorted(set(cluster_of.values())))}
        for d, rep in cluster_of.items():
            self.cluster[d] = reps[rep]
        #: The copies that fold into one hit: clusters split where years or regions disagree.
        self.fold_group = fold_groups(self)


class Snapshot:
    """One committed state of the index. Read-only; safe to share between threads."""

    def __init__(self, index_dir: Path, generation: tuple[str, int]):
        self.index_dir = index_dir
        self.generation = generation
        self._lock = threading.Lock()  # Whoosh readers share file positions between threads
        ix = whoosh_index.open_dir(str(index_dir))
        searcher = ix.searcher()
        try:
            self.store = textstore.TextStore(index_dir / textstore.STORE_DIRNAME)
            self.docs: dict[int, DocRecord] = {}
            self.by_key: dict[int, int] = {}
            self.by_id: dict[str, int] = {}
            for docnum, f in searcher.reader().iter_docs():
                rec = record_from_stored(f)
                self.docs[docnum] = rec
                self.by_key[f["key"]] = docnum
                self.by_id[rec.id] = docnum
            whoosh_generation = searcher.reader().generation()
        finally:
            searcher.close()
        self.keys = {d: k for k, d in self.by_key.items()}
        self.columns = Columns(self.docs)
        self.all_docs = self.columns.live_docs
        #: Ranking columns by docnum: normalized length (characters) and normalized title.
        size = self.columns.size
        self.lengths = np.ones(size, dtype=np.float64)
        self.norm_titles: list[str] = [""] * size
        for d, rec in self.docs.items():
            self.lengths[d] = max(1, rec.length)
            self.norm_titles[d] = normalize(rec.title).text if rec.title else ""
        live = self.lengths[self.all_docs] if self.docs else self.lengths
        self.avg_length = float(live.mean()) if live.size else 1.0
        self.avg_title = (sum(len(t) for t in self.norm_titles) / len(self.docs)) if self.docs else 1.0
        try:
            clusters = json.loads(clusters_file(index_dir, whoosh_generation).read_text(encoding="utf-8"))
        except FileNotFoundError:
            clusters = {}
        self.cluster_of: dict[int, str] = {self.by_id[i]: rep for i, rep in clusters.items() if i in self.by_id}
        self.columns.set_clusters(self.cluster_of)
        # Per store segment: ordinal -> docnum (-1 for documents no longer live).
        self._docnum_of = [np.array([self.by_key.get(k, -1) for k in seg.keys.tolist()], dtype=np.int64)
                           for seg in self.store.segments]
        self.opened_at = time.time()

    def close(self) -> None:
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
        if docnums.size > 1 and not bool((docnums[1:] > docnums[:-1]).all()):
            # Segments written in Whoosh's order (a rebuild) are already sorted: the check is
            # one pass, the sort would be a second and a copy of both arrays.
            order = np.argsort(docnums, kind="stable")
            docnums, tf = docnums[order], tf[order]
        return docnums, tf

    def original_text(self, docnum: int) -> str:
        return self.store.original_text(self.keys[docnum])

    def normalized_bytes(self, docnum: int) -> bytes:
        """The normalized text as stored (UTF-8), without decoding it."""
        return self.store.normalized_bytes(self.keys[docnum])

    def normalized(self, docnum: int) -> Normalized:
        """Normalized text and its map back to :meth:`original_text` (for highlighting)."""
        return self.store.normalized(self.keys[docnum])

    def copies(self, docnum: int) -> list[int]:
        """The documents that fold with ``docnum`` into one hit (its copies, not other versions)."""
        group = int(self.columns.fold_group[docnum]) if docnum < self.columns.size else -1
        if group < 0:
            return []
        return [int(d) for d in np.flatnonzero(self.columns.fold_group == group) if d != docnum]


__all__ = ["Snapshot", "Columns", "FacetColumn", "record_from_stored"]
