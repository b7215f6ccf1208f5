"""The document table: every per-document column a snapshot needs, written once per commit.

Opening a snapshot used to read Whoosh's stored fields of every document (one zlib +
pickle each, ≈ 1.1 KB, most of it the extraction evidence only the document page
shows), normalize every title and build the facet columns in Python: seconds at
100 MB, a minute at 1 GB, paid by the first request after every commit. The writer
now does that work once, right after its Whoosh commit, and stores the result beside
the index for that Whoosh generation:

    doctable-<gen>.npz    NumPy arrays per docnum (keys, lengths, id order, facet codes,
                          the multi-valued facets' matrices) and, as UTF-8 JSON arrays,
                          ids, titles, normalized titles, sources and the facets' names
    doctable-<gen>.rows   per document two JSON rows, read only when that document is
                          shown: its record (path, facet values, sizes, times) and its
                          extraction evidence; memory-mapped, so unread rows cost nothing.
                          Each row is deflated with a preset dictionary sampled from the
                          rows themselves (stored in the arrays file): the rows repeat
                          their keys and the evidence its phrases, so this keeps them at
                          ≈ a sixth of their JSON size (the index must stay ≤ 2× the text)
                          for ≈ 10 µs per record shown

A snapshot loads the arrays (milliseconds, no per-document Python work but the id
dictionaries) and decodes a row when a hit or the document page asks for it.

The table is derived data: Whoosh stays the record. It is used only when its header
names the same index build, Whoosh generation and segments as the table of contents
being opened; otherwise (a run killed between its Whoosh commit and the table write,
a table left by another build) :func:`from_reader` builds the same table from the
stored fields in memory, the slow way, and the index stays usable.
"""

from __future__ import annotations

import io
import json
import zlib
import mmap
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from searchapp.model import FACETS, DocRecord
from searchapp.normalize import normalize

#: Bumped when the table's layout changes (an older table is then rebuilt in memory).
TABLE_FORMAT = 2  # 2: rows deflated with a preset dictionary
#: Rows sampled for the preset dictionary, and its size (zlib's window: 32 KB).
ZDICT_SAMPLES = 64
ZDICT_BYTES = 32768
TABLE_PREFIX = "doctable-"
#: Records a snapshot keeps once built (hits and their copies are shown again and again;
#: the whole table once cost a record per document in every server process).
RECORDS_KEPT = 4096


def table_files(index_dir: Path, generation: int) -> tuple[Path, Path]:
    """The table's two files for one Whoosh generation (arrays, rows)."""
    stem = index_dir / f"{TABLE_PREFIX}{generation}"
    return stem.with_suffix(".npz"), stem.with_suffix(".rows")


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


class LazyMeta(dict):
    """A record's ``meta`` whose evidence row is decoded on first read: a search hit
    never reads it, the document page does. A ``dict`` so callers (and ``repr``,
    comparisons, pickling through ``items``) see an ordinary mapping."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any = b""):
        if isinstance(raw, (bytes, bytearray)) or callable(raw):
            # bytes: the evidence row; a callable: what inflates it, called on first read
            # (a listing of every hit never reads it and need not inflate it either).
            super().__init__()
            self._raw: Any = raw if callable(raw) else bytes(raw)
        else:  # built from items, as dataclasses.asdict and copy do
            super().__init__(raw)
            self._raw = None

    def _load(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            if callable(raw):
                raw = raw()
            dict.update(self, evidence=json.loads(str(raw, "utf-8")) if raw else {})

    def __getitem__(self, key: Any) -> Any:
        self._load()
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._load()
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self._load()
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[Any]:
        self._load()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self._load()
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._load()
        return dict.__repr__(self)

    def keys(self):  # type: ignore[override]
        self._load()
        return dict.keys(self)

    def values(self):  # type: ignore[override]
        self._load()
        return dict.values(self)

    def items(self):  # type: ignore[override]
        self._load()
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        self._load()
        return dict(dict.items(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self.copy(),))


@dataclass
class DocTable:
    """Per-docnum columns of one Whoosh generation (docnums of deleted documents are
    holes: key -1, empty strings)."""

    size: int
    live: np.ndarray                       # docnums of live documents, ascending (int64)
    keys: np.ndarray                       # text store key per docnum (-1: deleted)
    length: np.ndarray                     # characters of normalized text
    id_rank: np.ndarray                    # rank of the document's id among live ids
    ids: list[str]
    titles: list[str]
    norm_titles: list[str]
    sources: list[str]
    facets: dict[str, dict[str, Any]]      # facet name → its column's parts (see FacetColumn)
    rows: Any                              # bytes-like: the JSON rows
    rec_off: np.ndarray                    # record row d is rows[rec_off[d]:ev_off[d]]
    ev_off: np.ndarray                     # evidence row d is rows[ev_off[d]:rec_off[d + 1]]
    zdict: bytes = b""                     # the rows' preset deflate dictionary
    _mmap: mmap.mmap | None = None

    def _row(self, start: int, end: int) -> bytes:
        """One row, inflated (an empty slice is an empty row)."""
        if start == end:
            return b""
        inflate = zlib.decompressobj(zdict=self.zdict) if self.zdict else zlib.decompressobj()
        return inflate.decompress(bytes(self.rows[start:end])) + inflate.flush()

    def record(self, docnum: int) -> DocRecord:
        """The document's record; its evidence is decoded only if read (:class:`LazyMeta`)."""
        start, mid, end = int(self.rec_off[docnum]), int(self.ev_off[docnum]), int(self.rec_off[docnum + 1])
        row = json.loads(self._row(start, mid).decode("utf-8"))
        fields = row["fields"]
        for facet in FACETS:
            if facet.kind == "multi":
                for name in facet.fields:
                    fields[name] = tuple(fields.get(name) or ())
        return DocRecord(id=self.ids[docnum], path=row["path"], source=self.sources[docnum],
                         title=self.titles[docnum], fields=fields, length=int(self.length[docnum]),
                         encoding=row["encoding"], size=row["size"], meta=LazyMeta(partial(self._row, mid, end)),
                         mtime=row["mtime"], indexed_at=row["indexed"])

    def close(self) -> None:
        """Nothing to release early: the rows stay mapped until the table is dropped, so
        a record asked for after its snapshot was closed (a request still holding it
        during a swap) is still read, as before the table existed."""


def from_reader(reader: Any) -> DocTable:
    """The table of a Whoosh reader's documents, from their stored fields (the slow
    path: one unpickle per document; the writer runs it once per commit)."""
    from searchapp.backend.local.snapshot import Columns

    size = reader.doc_count_all()
    docs: dict[int, DocRecord] = {}
    keys = np.full(size, -1, dtype=np.int64)
    # The evidence is kept as its JSON row, not as the record's dicts (several KB of
    # Python objects per document, held for every document until the table is written).
    evidence_rows: dict[int, bytes] = {}
    for docnum, f in reader.iter_docs():
        rec = record_from_stored(f)
        evidence_rows[docnum] = json.dumps(rec.meta.get("evidence") or {}, ensure_ascii=False).encode("utf-8")
        rec.meta = {}
        docs[docnum] = rec
        keys[docnum] = f["key"]
    size = max(size, (max(docs) + 1) if docs else 0)
    if keys.size < size:
        keys = np.concatenate([keys, np.full(size - keys.size, -1, dtype=np.int64)])
    cols = Columns(docs, size=size)
    ids, titles, norm_titles, sources = [""] * size, [""] * size, [""] * size, [""] * size
    plain: list[tuple[bytes, bytes]] = []
    for d in range(size):
        rec = docs.get(d)
        if rec is not None:
            ids[d], titles[d], sources[d] = rec.id, rec.title, rec.source
            norm_titles[d] = normalize(rec.title).text if rec.title else ""
            row = json.dumps({"path": rec.path, "fields": rec.fields, "encoding": rec.encoding, "size": rec.size,
                              "mtime": rec.mtime, "indexed": rec.indexed_at}, ensure_ascii=False).encode("utf-8")
            evidence = evidence_rows.pop(d)
        else:
            row, evidence = b"{}", b""
        plain.append((row, evidence))
    zdict = _preset_dictionary(plain)
    parts: list[bytes] = []
    rec_off = np.zeros(size + 1, dtype=np.int64)
    ev_off = np.zeros(size, dtype=np.int64)
    pos = 0
    deflate = _deflater(zdict)
    for d, (row, evidence) in enumerate(plain):
        row, evidence = deflate(row), deflate(evidence)
        rec_off[d] = pos
        parts.append(row)
        ev_off[d] = pos + len(row)
        parts.append(evidence)
        pos += len(row) + len(evidence)
    rec_off[size] = pos
    return DocTable(size=size, live=cols.live_docs, keys=keys, length=cols.length, id_rank=cols.id_rank,
                    ids=ids, titles=titles, norm_titles=norm_titles, sources=sources,
                    facets={name: col.parts() for name, col in cols.facets.items()},
                    rows=b"".join(parts), rec_off=rec_off, ev_off=ev_off, zdict=zdict)


def _preset_dictionary(rows: list[tuple[bytes, bytes]]) -> bytes:
    """Rows spread over the table, joined (deflate matches against the dictionary's
    last 32 KB, so it holds whole rows from across the index, not one folder's)."""
    step = max(1, len(rows) // ZDICT_SAMPLES)
    return b"".join(row + evidence for row, evidence in rows[::step])[-ZDICT_BYTES:]


def _deflater(zdict: bytes) -> Callable[[bytes], bytes]:
    """Deflate one row with the preset dictionary: a copy of one compressor primed with
    it, the same bytes as a new one, without hashing the 32 KB dictionary again for
    every row (that was most of writing the table)."""
    primed = zlib.compressobj(9, zdict=zdict) if zdict else zlib.compressobj(9)

    def deflate(data: bytes) -> bytes:
        if not data:
            return b""
        one = primed.copy()
        return one.compress(data) + one.flush()

    return deflate


def _strings(values: list[str]) -> np.ndarray:
    return np.frombuffer(json.dumps(values, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _unstrings(array: np.ndarray) -> Any:
    return json.loads(array.tobytes().decode("utf-8"))


def write(index_dir: Path, table: DocTable, header: dict[str, Any]) -> None:
    """Write ``table`` for the generation in ``header`` (rows first, then the arrays,
    each under a temporary name and renamed: the arrays file is the table's commit)."""
    arrays_path, rows_path = table_files(index_dir, int(header["generation"]))
    tmp_rows = rows_path.with_name(rows_path.name + f".{os.getpid()}.tmp")
    tmp_rows.write_bytes(table.rows)
    os.replace(tmp_rows, rows_path)
    _write_arrays(arrays_path, table, header, len(table.rows))


def write_from_reader(index_dir: Path, reader: Any, header: dict[str, Any]) -> DocTable:
    """:func:`from_reader` then :func:`write`, in one pass over the stored fields and
    with the same bytes in both files, without holding the rows: each document's two
    rows are deflated and written as its stored fields are read, and only the
    columns stay (the commit of a large index held every row twice, plain and
    deflated, plus every record's evidence). The preset dictionary is made of the
    same sampled rows, read first by docnum. Returns the table without its rows
    (``rows`` empty: the commit reads only keys and live documents)."""
    from searchapp.backend.local.snapshot import Columns

    size = reader.doc_count_all()
    step = max(1, size // ZDICT_SAMPLES)
    sampled = []
    for d in range(0, size, step):
        if reader.is_deleted(d):
            sampled.append((b"{}", b""))
        else:
            sampled.append(_plain_rows(record_from_stored(reader.stored_fields(d))))
    zdict = b"".join(row + evidence for row, evidence in sampled)[-ZDICT_BYTES:]
    del sampled
    arrays_path, rows_path = table_files(index_dir, int(header["generation"]))
    tmp_rows = rows_path.with_name(rows_path.name + f".{os.getpid()}.tmp")
    docs: dict[int, DocRecord] = {}
    keys = np.full(size, -1, dtype=np.int64)
    ids, titles, norm_titles, sources = [""] * size, [""] * size, [""] * size, [""] * size
    rec_off = np.zeros(size + 1, dtype=np.int64)
    ev_off = np.zeros(size, dtype=np.int64)
    pos = 0
    deflate = _deflater(zdict)
    hole = (deflate(b"{}"), b"")
    with open(tmp_rows, "wb") as out:

        def put(d: int, row: bytes, evidence: bytes) -> None:
            nonlocal pos
            rec_off[d] = pos
            ev_off[d] = pos + len(row)
            out.write(row)
            out.write(evidence)
            pos += len(row) + len(evidence)

        following = 0
        for docnum, f in reader.iter_docs():
            for d in range(following, docnum):  # deleted documents: empty rows
                put(d, *hole)
            following = docnum + 1
            rec = record_from_stored(f)
            row, evidence = _plain_rows(rec)
            put(docnum, deflate(row), deflate(evidence))
            keys[docnum] = f["key"]
            ids[docnum], titles[docnum], sources[docnum] = rec.id, rec.title, rec.source
            norm_titles[docnum] = normalize(rec.title).text if rec.title else ""
            # What the columns read (fields, length, id) and nothing else.
            docs[docnum] = DocRecord(id=rec.id, path="", source="", title="", fields=rec.fields, length=rec.length)
        for d in range(following, size):
            put(d, *hole)
    rec_off[size] = pos
    os.replace(tmp_rows, rows_path)
    cols = Columns(docs, size=size)
    del docs
    table = DocTable(size=size, live=cols.live_docs, keys=keys, length=cols.length, id_rank=cols.id_rank,
                     ids=ids, titles=titles, norm_titles=norm_titles, sources=sources,
                     facets={name: col.parts() for name, col in cols.facets.items()},
                     rows=b"", rec_off=rec_off, ev_off=ev_off, zdict=zdict)
    _write_arrays(arrays_path, table, header, pos)
    return table


def _plain_rows(rec: DocRecord) -> tuple[bytes, bytes]:
    """A document's record row and evidence row, as JSON bytes (before deflating)."""
    row = json.dumps({"path": rec.path, "fields": rec.fields, "encoding": rec.encoding, "size": rec.size,
                      "mtime": rec.mtime, "indexed": rec.indexed_at}, ensure_ascii=False).encode("utf-8")
    evidence = json.dumps(rec.meta.get("evidence") or {}, ensure_ascii=False).encode("utf-8")
    return row, evidence


def _write_arrays(arrays_path: Path, table: DocTable, header: dict[str, Any], rows_bytes: int) -> None:
    """The table's arrays file (its commit: written last, under a temporary name)."""
    arrays: dict[str, np.ndarray] = {
        "live": table.live, "keys": table.keys, "length": table.length, "id_rank": table.id_rank,
        "rec_off": table.rec_off, "ev_off": table.ev_off, "ids": _strings(table.ids),
        "titles": _strings(table.titles), "norm_titles": _strings(table.norm_titles),
        "sources": _strings(table.sources),
        "zdict": np.frombuffer(table.zdict, dtype=np.uint8)}
    names: dict[str, Any] = {}
    for facet, parts in table.facets.items():
        names[facet] = {"names": parts["names"], "level_names": [n for n, _ in parts["levels"]]}
        for k, (_names, codes) in enumerate(parts["levels"]):
            arrays[f"{facet}.codes{k}"] = codes
        if parts["matrix"] is not None:
            arrays[f"{facet}.matrix"] = parts["matrix"]
        if parts["values"] is not None:
            arrays[f"{facet}.values"] = parts["values"]
    full = {**header, "format": TABLE_FORMAT, "size": table.size, "rows_bytes": rows_bytes, "facets": names}
    arrays["header"] = _strings(full)  # type: ignore[arg-type]
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # titles and ids deflate ≈ 3×; inflating is milliseconds
    tmp = arrays_path.with_name(arrays_path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, arrays_path)


def load(index_dir: Path, header: dict[str, Any]) -> DocTable | None:
    """The table written for exactly the state ``header`` describes (build id, Whoosh
    generation, segment ids), or None when there is none or it belongs to another state."""
    arrays_path, rows_path = table_files(index_dir, int(header["generation"]))
    try:
        with np.load(arrays_path, allow_pickle=False) as z:
            stored = _unstrings(z["header"])
            if stored.get("format") != TABLE_FORMAT or any(stored.get(k) != v for k, v in header.items()):
                return None
            size = int(stored["size"])
            facets: dict[str, dict[str, Any]] = {}
            for facet in FACETS:
                names = stored["facets"][facet.name]
                levels = [(level_names, z[f"{facet.name}.codes{k}"])
                          for k, level_names in enumerate(names["level_names"])]
                facets[facet.name] = {
                    "names": names["names"], "levels": levels,
                    "matrix": z[f"{facet.name}.matrix"] if f"{facet.name}.matrix" in z.files else None,
                    "values": z[f"{facet.name}.values"] if f"{facet.name}.values" in z.files else None}
            table = DocTable(size=size, live=z["live"], keys=z["keys"], length=z["length"], id_rank=z["id_rank"],
                             ids=_unstrings(z["ids"]), titles=_unstrings(z["titles"]),
                             norm_titles=_unstrings(z["norm_titles"]), sources=_unstrings(z["sources"]),
                             facets=facets, rows=b"", rec_off=z["rec_off"], ev_off=z["ev_off"],
                             zdict=z["zdict"].tobytes())
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # missing or damaged: rebuilt
        return None
    if int(stored["rows_bytes"]):
        try:
            with open(rows_path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size != int(stored["rows_bytes"]):
                    return None
                table._mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError:
            return None
        table.rows = table._mmap
    return table


def remove_old(index_dir: Path, generation: int) -> None:
    """Keep the tables of this generation and the one before (a server may be opening it)."""
    keep = {f"{TABLE_PREFIX}{generation}", f"{TABLE_PREFIX}{generation - 1}"}
    for path in index_dir.glob(f"{TABLE_PREFIX}*"):
        if path.name.split(".", 1)[0] not in keep or path.name.endswith(".tmp"):
            try:
                path.unlink(missing_ok=True)
            except PermissionError:  # still mapped by a server (Windows): the next commit retries
                pass


class DocRecords(Mapping[int, DocRecord]):
    """``docnum → DocRecord`` over the live documents of a table, each record built
    when asked (a search reads ten of them, not every one)."""

    def __init__(self, table: DocTable, keep: int = RECORDS_KEPT):
        self._table = table
        self._live = table.live
        self._keep = keep
        self._built: dict[int, DocRecord] = {}

    def __getitem__(self, docnum: int) -> DocRecord:
        found = self._built.get(docnum)
        if found is not None:
            return found
        if not 0 <= docnum < self._table.size or self._table.keys[docnum] < 0:
            raise KeyError(docnum)
        record = self._table.record(docnum)
        if len(self._built) >= self._keep:
            self._built.clear()  # bounded; the next requests refill it with what they show
        self._built[int(docnum)] = record
        return record

    def __contains__(self, docnum: object) -> bool:
        return isinstance(docnum, (int, np.integer)) and 0 <= docnum < self._table.size \
            and bool(self._table.keys[docnum] >= 0)

    def __iter__(self) -> Iterator[int]:
        return iter(self._live.tolist())

    def __len__(self) -> int:
        return int(self._live.size)


__all__ = ["DocTable", "DocRecords", "LazyMeta", "from_reader", "load", "write", "write_from_reader", "remove_old", "record_from_stored",
           "table_files", "TABLE_PREFIX", "TABLE_FORMAT"]
