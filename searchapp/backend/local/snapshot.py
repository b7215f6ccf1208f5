"""One committed state of the local index, opened for reading.

The snapshot holds what each query would otherwise re-read: the facet fields as
per-docnum NumPy columns (for filters, facet counts and duplicate folding), lengths
and normalized titles (ranking), the key ↔ docnum join with the text store, and
the duplicate clusters, all loaded from the commit's document table
(:mod:`.doctable`); a document's record (:class:`~searchapp.model.DocRecord`) is
built when a hit or page asks for it. A new snapshot is opened only when
``searchapp index`` commits, so a server picks up a re-indexed index without a
restart and a request always sees one committed state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from searchapp.backend.local import doctable, textstore
from searchapp.backend.local.copies import fold_groups
from searchapp.backend.local.doctable import record_from_stored
from searchapp.backend.local.layout import clusters_file, read_index_meta
from searchapp.backend.local.textdiff import OriginalSpans
from searchapp.model import FACETS, DocRecord, Facet
from searchapp.normalize import Normalized


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

    def parts(self) -> dict[str, Any]:
        """The column as plain lists and arrays (what the document table stores)."""
        return {"names": self.names, "levels": self.levels, "matrix": self.matrix, "values": self.values}

    @classmethod
    def from_parts(cls, facet: Facet, parts: dict[str, Any]) -> FacetColumn:
        col = cls.__new__(cls)
        col.facet = facet
        col.names = list(parts["names"])
        col.levels = [(list(names), codes) for names, codes in parts["levels"]]
        col.matrix, col.values = parts["matrix"], parts["values"]
        return col


class Columns:
    """Per-docnum columns: every facet, lengths, id order and duplicate clusters."""

    def __init__(self, docs: dict[int, DocRecord], size: int | None = None):
        self.size = size if size is not None else ((max(docs) + 1) if docs else 0)
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

    @classmethod
    def from_table(cls, table: doctable.DocTable) -> Columns:
        """The columns as the document table stores them (no per-document work)."""
        cols = cls({}, size=0)
        cols.size = table.size
        cols.live_docs = table.live
        cols.facets = {f.name: FacetColumn.from_parts(f, table.facets[f.name]) for f in FACETS}
        cols.length = table.length
        cols.id_rank = table.id_rank
        cols.cluster = np.full(cols.size, -1, dtype=np.int64)
        cols.fold_group = np.full(cols.size, -1, dtype=np.int64)
        return cols

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
    """One committed state of the index. Read-only; safe to share between threads.

    Its columns come from the document table the writer stored for this Whoosh
    generation (:mod:`.doctable`), loaded without per-document work; records are
    built per document when asked (:attr:`docs`). Without a matching table (an index
    whose last run died between its commit and the table write) the same table is
    built from Whoosh's stored fields, which is slower but answers the same."""

    def __init__(self, index_dir: Path, generation: tuple[str, int]):
        self.index_dir = index_dir
        self.generation = generation
        ix = whoosh_index.open_dir(str(index_dir))
        toc = ix._read_toc()
        whoosh_generation = toc.generation
        header = table_header(index_dir, toc)
        table = doctable.load(index_dir, header)
        self.table_loaded = table is not None
        # Opening Whoosh's reader (a few milliseconds) checks its segments even when the
        # table makes reading them unnecessary: a damaged index must say so, not half-answer.
        reader = ix.reader()
        try:
            if table is None:
                table = doctable.from_reader(reader)
        finally:
            reader.close()
        self.table = table
        self.store = textstore.TextStore(index_dir / textstore.STORE_DIRNAME)
        live = table.live
        live_keys = table.keys[live]
        ids = table.ids
        #: Live documents as records, each built when asked.
        self.docs: Mapping[int, DocRecord] = doctable.DocRecords(table)
        self.by_id: dict[str, int] = {ids[d]: d for d in live.tolist()}
        self.columns = Columns.from_table(table)
        self.all_docs = self.columns.live_docs
        #: Ranking columns by docnum: normalized length (characters) and normalized title.
        size = self.columns.size
        self.lengths = np.maximum(table.length, 1).astype(np.float64) if size else np.ones(0)
        self.norm_titles: list[str] = table.norm_titles
        live_lengths = self.lengths[self.all_docs]
        self.avg_length = float(live_lengths.mean()) if live_lengths.size else 1.0
        self.avg_title = (sum(len(table.norm_titles[d]) for d in live.tolist()) / live.size) if live.size else 1.0
        #: Distinct source files of the live documents (``info``, every health check).
        self.files = len({table.sources[d] for d in live.tolist()})
        try:
            clusters = json.loads(clusters_file(index_dir, whoosh_generation).read_text(encoding="utf-8"))
        except FileNotFoundError:
            clusters = {}
        self.cluster_of: dict[int, str] = {self.by_id[i]: rep for i, rep in clusters.items() if i in self.by_id}
        self.columns.set_clusters(self.cluster_of)
        # Per store segment: ordinal -> docnum (-1 for documents no longer live), by one
        # sorted lookup of the segment's keys among the live keys.
        order = np.argsort(live_keys, kind="stable")
        sorted_keys, sorted_docs = live_keys[order], live[order]
        self.docnum_of = [_lookup(sorted_keys, sorted_docs, seg.keys) for seg in self.store.segments]
        self.opened_at = time.time()

    def close(self) -> None:
        self.store.close()
        self.table.close()

    def doc_id(self, docnum: int) -> str:
        """A live document's id, from the table's id column: the engine names its hits
        and their copies by id, and building each one's whole record for that (two rows
        inflated and parsed) made a listing of every hit cost 0.1 ms per hit."""
        if self.table.keys[docnum] < 0:
            raise KeyError(docnum)
        return self.table.ids[docnum]

    def key(self, docnum: int) -> int:
        """The text store key of a live document."""
        key = int(self.table.keys[docnum])
        if key < 0:
            raise KeyError(docnum)
        return key

    def find_tf(self, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """Live documents whose normalized text contains ``phrase``: sorted docnums
        and the phrase's occurrences in each (its term frequency, for ranking)."""
        return self.live_hits(self.store.find_ordinals(phrase))

    def live_hits(self, per_segment: Iterable[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Per store segment (in order) its matching ordinals and their counts → the live
        documents' sorted docnums and counts."""
        docs_parts, tf_parts = [], []
        for docnums, (ords, counts) in zip(self.docnum_of, per_segment):
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
        return self.store.original_text(self.key(docnum))

    def normalized_bytes(self, docnum: int) -> bytes:
        """The normalized text as stored (UTF-8), without decoding it."""
        return self.store.normalized_bytes(self.key(docnum))

    def normalized(self, docnum: int) -> Normalized:
        """Normalized text and its map back to :meth:`original_text` (for highlighting)."""
        return self.store.normalized(self.key(docnum))

    def spans(self, docnum: int) -> OriginalSpans:
        """The normalized text with the original characters of any of its spans, read from
        the stored difference (what snippets need, without rebuilding the whole original)."""
        return self.store.original_spans(self.key(docnum))

    def copies(self, docnum: int) -> list[int]:
        """The documents that fold with ``docnum`` into one hit (its copies, not other versions)."""
        group = int(self.columns.fold_group[docnum]) if docnum < self.columns.size else -1
        if group < 0:
            return []
        return [int(d) for d in np.flatnonzero(self.columns.fold_group == group) if d != docnum]


def table_header(index_dir: Path, toc: Any) -> dict[str, Any]:
    """What identifies one committed state for its document table: the index build,
    the Whoosh generation and its segments (with their deletions)."""
    meta = read_index_meta(index_dir) or {}
    return {"build_id": meta.get("build_id", ""), "generation": int(toc.generation),
            "segments": [[seg.segment_id(), int(seg.deleted_count())] for seg in toc.segments]}


def _lookup(sorted_keys: np.ndarray, sorted_docs: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Docnum of each of ``keys`` (-1 where no live document has it)."""
    if not sorted_keys.size:
        return np.full(keys.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return np.where(sorted_keys[pos] == keys, sorted_docs[pos], -1).astype(np.int64)


__all__ = ["Snapshot", "Columns", "FacetColumn", "record_from_stored", "table_header"]
