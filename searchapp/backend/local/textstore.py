"""The exact channel: every document's text, and a character-gram index over it.

Whoosh holds jieba words for ranking, but a segmenter can never guarantee that a
quoted phrase is found: 教师交流 may be cut 教师/交流 in one report and
老教师/交流 in another. This store makes exact recall a property of the data
instead. For each document we keep

* the normalized text (UTF-8, uncompressed, memory-mapped) to verify matches;
* the original text, as its difference from the normalized one
  (:mod:`searchapp.textdiff`), to cut snippets and show the document as written;
* the set of its character unigrams and bigrams, as posting lists of doc keys.

A phrase of one or two characters is answered by one posting list exactly; a
longer one by intersecting its bigrams' lists and verifying each candidate with
a substring search in the mapped text. The result is the set of documents whose
normalized text contains the phrase: recall 1.0 and no false hits, by
construction (the design behind Google Code Search and zoekt, with bigrams).

Storage is a list of immutable *segments* (one per batch of documents, written by
the indexing workers in parallel) named in ``store.json``. Gram sets and posting
lists are built and intersected with NumPy (sorted integer arrays), and the
segment's arrays are memory-mapped, so opening an index costs milliseconds. Documents are
identified by an integer *key* that Whoosh stores too; a key absent from the
current Whoosh index is simply dead, so deletions need no rewrite here and a
crash between the two commits loses nothing. Dead space is reclaimed by
:func:`compact`.
"""

from __future__ import annotations

import json
import mmap
import operator
import os
import struct
import uuid
import zlib
from itertools import repeat
from pathlib import Path
from typing import BinaryIO, Iterable, NamedTuple, Sequence

import numpy as np
import stringzilla as sz

from searchapp.normalize import Normalized
from searchapp.backend.local.textdiff import OriginalSpans, decode_original, encode_original

STORE_DIRNAME = "store"
MANIFEST = "store.json"
FORMAT_VERSION = 7
_NEWLINE = 10
_MAGIC = b"SAPPSEG2"


#: Gram codes: a unigram is its code point; a bigram of two BMP characters is
#: ``BIGRAM_BASE + (a << 16 | b)``, which fits 32 bits (almost every gram of a
#: Chinese text), and any other bigram ``WIDE_BASE + ((a + 1) << 21 | b)``. A segment
#: keeps the first kind in a uint32 table and the rare rest in a uint64 one.
BIGRAM_BASE = 0x110000
WIDE_BASE = 1 << 32
_NARROW_LEFT = (WIDE_BASE - BIGRAM_BASE) >> 16   # a bigram's first character below this fits 32 bits


def gram_code(gram: str) -> int:
    """Integer code of a 1- or 2-character gram; bigram codes sort after unigrams."""
    if len(gram) == 1:
        return ord(gram)
    a, b = ord(gram[0]), ord(gram[1])
    if a < _NARROW_LEFT and b <= 0xFFFF:
        return BIGRAM_BASE + (a << 16 | b)
    return WIDE_BASE + ((a + 1) << 21 | b)


#: Occurrence counts are kept up to this; BM25 saturates long before.
MAX_COUNT = 255


def doc_gram_codes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct codes of the unigrams and bigrams of ``text`` that a query
    could contain (none spans a line break), and how often each occurs."""
    chars = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if chars.size == 0:
        return chars, chars.astype(np.uint8)
    uni = chars[chars != _NEWLINE]
    left, right = chars[:-1], chars[1:]
    keep = (left != _NEWLINE) & (right != _NEWLINE)
    left, right = left[keep], right[keep]
    narrow = (left < _NARROW_LEFT) & (right <= 0xFFFF)
    bi = np.where(narrow, BIGRAM_BASE + ((left << 16) | right), WIDE_BASE + (((left + 1) << 21) | right))
    codes, counts = np.unique(np.concatenate([uni, bi]), return_counts=True)
    return codes, np.minimum(counts, MAX_COUNT).astype(np.uint8)


def query_grams(phrase: str) -> list[str]:
    """The grams whose postings must all contain a document that contains ``phrase``."""
    if len(phrase) == 1:
        return [phrase]
    return sorted(set(map(operator.add, phrase, phrase[1:])))


# --- Posting lists -------------------------------------------------------------------
#
# A segment's grams are one table (codes, and per gram its df, kind and offset) over
# one byte blob. Each gram's bytes are its ordinals, then (unless every count is 1)
# its counts. The ordinals take whichever of three forms is smallest:
#
# * RAW: the ordinals as little-endian integers (the segment's ordinal width);
# * GAPS: the first ordinal raw, then the gaps to the next ones, one byte each (a
#   gram whose documents are never 256 apart);
# * BITMAP: one bit per document of the segment (a gram in more than about one
#   document in 16: the common characters and bigrams hold most postings).
#
# Counts are 4 bits each (1–15, two per byte); a 0 nibble means "larger", and the
# larger counts follow in order, one byte each. Decoding is a few NumPy calls per
# gram; the table is memory-mapped like the rest.

_RAW, _GAPS, _BITMAP = 0, 1, 2
_KIND_MASK = 3
_HAS_COUNTS = 4
_HAS_ESCAPES = 8   # some count is over 15
#: Postings encoded per pass when writing: bounds the temporary arrays of a big segment.
_ENCODE_CHUNK = 1 << 18


def _ord_dtype(n_docs: int) -> np.dtype:
    return np.dtype("<u2") if n_docs <= 0xFFFF else np.dtype("<u4")


def _encode_postings(ords: np.ndarray, counts: np.ndarray, df: np.ndarray, n_docs: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bytes of whole grams' postings (``ords``/``counts`` concatenated gram after gram,
    ``df`` postings each): (blob, per-gram kind, per-gram offset in the blob).
    Vectorized: no Python loop per gram."""
    osize = _ord_dtype(n_docs).itemsize
    g = df.size
    first = np.zeros(g, dtype=np.int64)
    np.cumsum(df[:-1], out=first[1:])
    gid = np.repeat(np.arange(g, dtype=np.int64), df)
    rank = np.arange(ords.size, dtype=np.int64) - first[gid]
    ords = ords.astype(np.int64)
    gaps = np.diff(ords, prepend=0)
    gaps[first] = 0
    maxgap = np.maximum.reduceat(gaps, first) if g else gaps[:0]
    df64 = df.astype(np.int64)
    raw = df64 * osize
    gap_size = np.where(maxgap < 256, osize + df64 - 1, np.iinfo(np.int64).max)
    bitmap = np.full(g, (n_docs + 7) // 8, dtype=np.int64)
    sizes = np.stack([raw, gap_size, bitmap])
    kind = np.argmin(sizes, axis=0).astype(np.uint8)       # ties: the cheapest to decode first
    psize = sizes[kind, np.arange(g)]
    has_counts = (np.maximum.reduceat(counts, first) > 1) if g else np.zeros(0, bool)
    big = counts > 15
    cum_big = np.cumsum(big, dtype=np.int64)
    big_before = cum_big[first] - big[first] if g else cum_big[:0]
    n_big = np.add.reduceat(big.astype(np.int64), first) if g else cum_big[:0]
    csize = np.where(has_counts, (df64 + 1) // 2 + n_big, 0)
    offsets = np.zeros(g + 1, dtype=np.int64)
    np.cumsum(psize + csize, out=offsets[1:])
    blob = np.zeros(int(offsets[-1]), dtype=np.uint8)
    at = offsets[gid]
    pk = kind[gid]
    # RAW, and the first ordinal of GAPS: little-endian bytes
    m = (pk == _RAW) | ((pk == _GAPS) & (rank == 0))
    dest = at[m] + np.where(pk[m] == _RAW, rank[m] * osize, 0)
    for k in range(osize):
        blob[dest + k] = (ords[m] >> (8 * k)) & 0xFF
    m = (pk == _GAPS) & (rank > 0)
    blob[at[m] + osize + rank[m] - 1] = gaps[m]
    m = pk == _BITMAP
    pos = at[m] + (ords[m] >> 3)
    if pos.size:
        run = np.flatnonzero(np.diff(pos, prepend=-1))    # positions ascend: one run per byte
        blob[pos[run]] = np.add.reduceat(np.left_shift(1, ords[m] & 7), run)
    m = has_counts[gid]
    cat = (at + psize[gid])[m]
    r, c = rank[m], counts[m]
    nib = np.where(c <= 15, c, 0).astype(np.uint8)
    even = (r & 1) == 0
    blob[cat[even] + (r[even] >> 1)] = nib[even]
    blob[cat[~even] + (r[~even] >> 1)] |= nib[~even] << 4
    e = big[m]
    if e.any():
        gm = gid[m][e]
        blob[cat[e] + (df64[gm] + 1) // 2 + cum_big[m][e] - 1 - big_before[gm]] = c[e]
    kind |= np.where(has_counts, _HAS_COUNTS, 0).astype(np.uint8)
    kind |= np.where(has_counts & (n_big > 0), _HAS_ESCAPES, 0).astype(np.uint8)  # decoding skips the check
    return blob, kind, offsets[:-1]


def _encode_all(ords: np.ndarray, counts: np.ndarray, df: np.ndarray, n_docs: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_encode_postings` over chunks of about :data:`_ENCODE_CHUNK` postings, so
    its temporary arrays stay small however big the segment."""
    blobs, kinds, offsets = [], [], []
    base = 0
    g0 = p0 = 0
    ends = np.cumsum(df, dtype=np.int64)
    while g0 < df.size:
        g1 = max(g0 + 1, int(np.searchsorted(ends, p0 + _ENCODE_CHUNK, side="right")))
        p1 = int(ends[g1 - 1])
        blob, kind, at = _encode_postings(ords[p0:p1], counts[p0:p1], df[g0:g1], n_docs)
        blobs.append(blob)
        kinds.append(kind)
        offsets.append(at + base)
        base += blob.size
        g0, p0 = g1, p1
    if not blobs:
        return np.zeros(0, np.uint8), np.zeros(0, np.uint8), np.zeros(0, np.int64)
    return np.concatenate(blobs), np.concatenate(kinds), np.concatenate(offsets)


def _decode_ordinals(blob: np.ndarray, kind: int, at: int, df: int, n_docs: int,
                     odt: np.dtype) -> tuple[np.ndarray, int]:
    """The ordinals of one gram (ascending), and where its counts start in ``blob``."""
    if kind == _RAW:
        end = at + df * odt.itemsize
        return blob[at:end].view(odt), end
    if kind == _GAPS:
        w = odt.itemsize
        out = blob[at + w - 1:at + w - 1 + df].astype(np.int64)
        out[0] = blob[at:at + w].view(odt)[0]
        return np.cumsum(out, out=out), at + w + df - 1
    nbytes = (n_docs + 7) // 8
    return np.flatnonzero(np.unpackbits(blob[at:at + nbytes], count=n_docs, bitorder="little")), at + nbytes


#: Set bits of each byte value (ranks in a bitmap).
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
#: A byte of two nibbles → its two counts: one gather decodes a gram's counts.
_NIBBLES = np.stack([np.arange(256) & 15, np.arange(256) >> 4], axis=1).astype(np.uint8)


def _decode_counts(blob: np.ndarray, at: int, df: int, escapes: bool) -> np.ndarray:
    """One gram's counts (see the nibble layout above)."""
    nbytes = (df + 1) // 2
    counts = _NIBBLES[blob[at:at + nbytes]].reshape(-1)[:df]
    if escapes:
        big = counts == 0
        counts[big] = blob[at + nbytes:at + nbytes + int(big.sum())]
    return counts


def _write_part(fh: BinaryIO, data: bytes | bytearray | memoryview) -> None:
    """Every byte of a segment file is written through here, piece by piece as the
    segment is built (one place where tests make the disk fill up)."""
    fh.write(data)


def _fsync_write(path: Path, data: bytes | bytearray) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_close(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()


def _write_arrays_file(fh: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """One file of named arrays: magic, header length, JSON header, 8-byte aligned
    data; each array written from its own buffer (the file is never built in memory)."""
    entries = {}
    offset = 0
    for name, arr in arrays.items():
        entries[name] = {"dtype": arr.dtype.str, "count": int(arr.size), "offset": offset}
        offset += arr.nbytes + (-arr.nbytes) % 8
    header = json.dumps(entries).encode("utf-8")
    header += b" " * ((-len(header) - 16) % 8)
    _write_part(fh, _MAGIC + struct.pack("<Q", len(header)) + header)
    for arr in arrays.values():
        arr = np.ascontiguousarray(arr)
        _write_part(fh, memoryview(arr).cast("B"))
        _write_part(fh, b"\0" * ((-arr.nbytes) % 8))


def _unpack_arrays(buf) -> dict[str, np.ndarray]:
    if bytes(buf[:8]) != _MAGIC:
        raise ValueError("not a searchapp store segment (bad magic)")
    (hlen,) = struct.unpack("<Q", bytes(buf[8:16]))
    entries = json.loads(bytes(buf[16:16 + hlen]).decode("utf-8"))
    base = 16 + hlen
    return {name: np.frombuffer(buf, dtype=np.dtype(e["dtype"]), count=e["count"], offset=base + e["offset"])
            for name, e in entries.items()}


class StoredDoc(NamedTuple):
    """One document as the store keeps it."""

    key: int
    norm: str                 # normalized text
    text: str                 # original (cleaned) text
    norm_at: list[int] = []   # Normalized.breakpoints: the way back to ``text``
    shift: list[int] = []


def _pack_vocabulary(vocabulary: dict[str, int]) -> np.ndarray:
    """Words and document counts, zlib-compressed: read whole, once, only for
    as-you-type suggestions, so they need not be mapped as they are."""
    words = sorted(vocabulary)
    blob = "\n".join(words).encode("utf-8")
    dfs = np.array([vocabulary[w] for w in words], dtype="<u4").tobytes()
    return np.frombuffer(zlib.compress(struct.pack("<I", len(words)) + dfs + blob, 6), dtype=np.uint8)


def _unpack_vocabulary(packed: np.ndarray) -> dict[str, int]:
    raw = zlib.decompress(packed.tobytes())
    (n,) = struct.unpack_from("<I", raw)
    if not n:
        return {}
    dfs = np.frombuffer(raw, dtype="<u4", count=n, offset=4).tolist()
    return dict(zip(raw[4 + 4 * n:].decode("utf-8").split("\n"), dfs))


#: Postings sorted into gram order per pass when writing a segment: the temporary
#: arrays of a pass (about 30 bytes a posting) stay this small however big the segment.
_BUILD_CHUNK = 1_000_000


def _build_postings(code_parts: list[np.ndarray], count_parts: list[np.ndarray], n_docs: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The gram table and posting blob of a segment from each document's sorted gram
    codes and counts: (codes, df, blob, kinds, offsets).

    The code space is cut into ranges of about :data:`_BUILD_CHUNK` postings (by a
    sample of the codes), and each range is gathered, sorted and encoded on its own,
    so a merge of many documents needs memory for its per-document grams plus one
    range, not several copies of every posting."""
    odt = _ord_dtype(n_docs)
    total = sum(c.size for c in code_parts)
    ranges = max(1, -(-total // _BUILD_CHUNK))
    bounds = np.zeros(0, np.uint64)
    if ranges > 1:
        sample = np.sort(np.concatenate([c[::16].astype(np.uint64) for c in code_parts]))
        bounds = np.unique(sample[(np.arange(1, ranges) * sample.size) // ranges])
    cuts = [np.concatenate([[0], np.searchsorted(c, bounds), [c.size]]).tolist() for c in code_parts]
    ordinals = np.arange(n_docs, dtype=odt)
    out: list[list[np.ndarray]] = [[], [], [], [], []]
    base = 0
    for r in range(bounds.size + 1):
        spans = [(cut[r], cut[r + 1]) for cut in cuts]
        lengths = np.array([b - a for a, b in spans], dtype=np.int64)
        if not lengths.sum():
            continue
        codes = np.concatenate([c[a:b] for c, (a, b) in zip(code_parts, spans)]).astype(np.uint64, copy=False)
        ords = np.repeat(ordinals, lengths)
        counts = np.concatenate([c[a:b] for c, (a, b) in zip(count_parts, spans)])
        if odt.itemsize == 2 and codes.size and int(codes.max()) < WIDE_BASE:
            # (code, ordinal, count) packed in one integer: one in-place sort of unique
            # keys, several times faster than a stable argsort and three gathers.
            key = (codes << np.uint64(24)) | (ords.astype(np.uint64) << np.uint64(8)) | counts
            del codes, ords, counts
            key.sort()
            codes = key >> np.uint64(24)
            ords = ((key >> np.uint64(8)) & np.uint64(0xFFFF)).astype(odt)
            counts = (key & np.uint64(0xFF)).astype(np.uint8)
            del key
        else:
            order = np.argsort(codes, kind="stable")  # stable: ordinals stay ascending per gram
            codes, ords, counts = codes[order], ords[order], counts[order]
            del order
        codes, first = np.unique(codes, return_index=True)
        df = np.diff(np.append(first, ords.size)).astype(odt)  # df <= n_docs
        blob, kinds, offsets = _encode_all(ords, counts, df, n_docs)
        for bucket, part in zip(out, (codes, df, blob, kinds, offsets + base)):
            bucket.append(part)
        base += blob.size
    if not out[0]:
        return (np.zeros(0, np.uint64), np.zeros(0, odt), np.zeros(0, np.uint8), np.zeros(0, np.uint8),
                np.zeros(0, np.int64))
    return tuple(np.concatenate(bucket) for bucket in out)  # type: ignore[return-value]


class _Row(NamedTuple):
    """One document as a segment file holds it."""

    key: int
    norm: str            # to find its grams
    norm_bytes: bytes    # UTF-8, as stored
    orig: bytes          # encode_original's bytes
    norm_at: Sequence[int]
    shift: Sequence[int]


def write_segment(store_dir: Path, docs: Sequence[StoredDoc], vocabulary: dict[str, int] | None = None) -> str:
    """Write one segment for ``docs``, with the ``vocabulary`` of their words
    (word → number of documents; for as-you-type term suggestions).

    Returns the segment's name. Called from worker processes: it touches only new
    files with a fresh name, so it can run while searches read other segments.
    Posting lists hold the document's *ordinal* in the segment and how often the
    gram occurs there (see "Posting lists" above for the encoding).
    """
    rows = (_Row(key, norm, norm.encode("utf-8"), encode_original(orig, norm, norm_at, shift), norm_at, shift)
            for key, norm, orig, norm_at, shift in docs)
    return _write_segment(store_dir, rows, len(docs), vocabulary)


def merge_segments(store_dir: Path, sources: Sequence[tuple[str, Sequence[int]]],
                   vocabulary: dict[str, int] | None = None) -> str:
    """Write one segment holding the documents at ``ordinals`` of each ``(segment
    name, ordinals)`` (same keys), and return its name.

    The stored bytes are copied as they are and only each document's grams are
    recomputed, one document at a time: a merge holds the new segment's postings,
    never every document's text as Python strings."""
    opened = [(Segment(store_dir, name), ordinals) for name, ordinals in sources]

    def rows() -> Iterable[_Row]:
        for seg, ordinals in opened:
            keys = seg.keys
            for o in ordinals:
                nb = seg.normalized_bytes(o)
                a, b = int(seg.bp_starts[o]), int(seg.bp_starts[o + 1])
                yield _Row(int(keys[o]), nb.decode("utf-8"), nb,
                           bytes(seg.orig[int(seg.orig_starts[o]):int(seg.orig_starts[o + 1])]),
                           seg.bp_norm[a:b].tolist(), seg.bp_shift[a:b].tolist())

    return _write_segment(store_dir, rows(), sum(len(o) for _, o in sources), vocabulary)


def _write_segment(store_dir: Path, rows: Iterable[_Row], n_docs: int, vocabulary: dict[str, int] | None) -> str:
    """Write a segment as its rows come: each document's stored bytes go to the
    ``.norm`` and ``.orig`` files at once, and only its gram codes, counts and
    offsets are kept until the postings are built, so a batch or a merge never holds
    the segment's text (nor the whole index file) in memory."""
    name = uuid.uuid4().hex[:16]
    # Not ``parents=True``: a worker of a dead run must not re-create an index folder
    # the next run has removed.
    store_dir.mkdir(exist_ok=True)
    opened: list[BinaryIO] = []
    try:
        norm_out = open(store_dir / f"{name}.norm", "wb")
        opened.append(norm_out)
        orig_out = open(store_dir / f"{name}.orig", "wb")
        opened.append(orig_out)
        code_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        keys: list[int] = []
        bp_norm: list[int] = []
        bp_shift: list[int] = []
        bp_starts = [0]
        norm_starts = [0]
        orig_starts = [0]
        for key, norm, nb, ob, norm_at, shift in rows:
            keys.append(key)
            bp_norm.extend(norm_at)
            bp_shift.extend(shift)
            bp_starts.append(len(bp_norm))
            _write_part(norm_out, nb)
            _write_part(orig_out, ob)
            norm_starts.append(norm_starts[-1] + len(nb))
            orig_starts.append(orig_starts[-1] + len(ob))
            codes, counts = doc_gram_codes(norm)
            if codes.size and codes[-1] < WIDE_BASE:
                codes = codes.astype(np.uint32)   # held until the end: half the memory
            code_parts.append(codes)
            count_parts.append(counts)
        assert len(keys) == n_docs
        _fsync_close(norm_out)
        _fsync_close(orig_out)
        codes, df, blob, kinds, offsets = _build_postings(code_parts, count_parts, n_docs)
        del code_parts, count_parts
        narrow = int(np.searchsorted(codes, WIDE_BASE))
        arrays = {
            "keys": np.array(keys, dtype=np.uint64),
            "bp_starts": np.array(bp_starts, dtype=np.uint64),
            "bp_norm": np.array(bp_norm, dtype=np.int32),  # offsets inside one document
            "bp_shift": np.array(bp_shift, dtype=np.int32),
            "norm_starts": np.array(norm_starts, dtype=np.uint64),
            "orig_starts": np.array(orig_starts, dtype=np.uint64),
            "codes32": codes[:narrow].astype(np.uint32),
            "codes64": codes[narrow:].astype(np.uint64),
            "gram_df": df,
            "gram_kind": kinds,
            "gram_at": offsets.astype(np.uint32 if blob.size < 2**32 else np.uint64),
            "postings": blob,
            "vocabulary": _pack_vocabulary(vocabulary or {}),
        }
        del keys, bp_norm, bp_shift, bp_starts, norm_starts, orig_starts
        idx_out = open(store_dir / f"{name}.idx", "wb")
        opened.append(idx_out)
        _write_arrays_file(idx_out, arrays)
        _fsync_close(idx_out)
    except BaseException:
        for fh in opened:
            fh.close()
        remove_segment(store_dir, name)  # a full disk must not stay full with half a segment
        raise
    return name


def remove_segment(store_dir: Path, name: str) -> None:
    """Delete one segment's files (an unpublished one: published ones go through
    :func:`remove_orphans` after the manifest stops naming them)."""
    for suffix in SEGMENT_SUFFIXES:
        (store_dir / f"{name}{suffix}").unlink(missing_ok=True)


SEGMENT_SUFFIXES = (".norm", ".orig", ".idx")


class Segment:
    """A read-only, memory-mapped segment."""

    def __init__(self, store_dir: Path, name: str):
        self.name = name
        files = [open(store_dir / f"{name}{suffix}", "rb") for suffix in SEGMENT_SUFFIXES]
        try:
            self.norm, self.orig, idx = (_map(fh) for fh in files)
        finally:
            # A map keeps its own descriptor: holding the file open too would cost a
            # second one per file for as long as a snapshot lives.
            for fh in files:
                fh.close()
        arrays = _unpack_arrays(idx)
        self.keys: np.ndarray = arrays["keys"]
        self.norm_starts: np.ndarray = arrays["norm_starts"]
        self.orig_starts: np.ndarray = arrays["orig_starts"]
        self.codes32: np.ndarray = arrays["codes32"]
        self.codes64: np.ndarray = arrays["codes64"]
        self.gram_df: np.ndarray = arrays["gram_df"]
        self.gram_kind: np.ndarray = arrays["gram_kind"]
        self.gram_at: np.ndarray = arrays["gram_at"]
        self.blob: np.ndarray = arrays["postings"]
        self._odt = _ord_dtype(int(arrays["keys"].size))
        ones = np.ones(int(arrays["keys"].size), dtype=np.uint8)
        ones.setflags(write=False)
        self._ones = ones   # the counts of a gram that occurs once in each of its documents
        self.bp_starts: np.ndarray = arrays["bp_starts"]
        self.bp_norm: np.ndarray = arrays["bp_norm"]
        self.bp_shift: np.ndarray = arrays["bp_shift"]
        self._vocabulary_packed: np.ndarray = arrays["vocabulary"]
        # A truncated or swapped text file would answer wrongly, silently: refuse it.
        if len(self.norm) != int(self.norm_starts[-1]) or len(self.orig) != int(self.orig_starts[-1]):
            self.close()
            raise ValueError(f"text store segment {name} is damaged (file sizes do not match its index)")
        self._idx_map = idx

    def __len__(self) -> int:
        return int(self.keys.size)

    def close(self) -> None:
        """Nothing to release by hand: the maps (and the descriptor each keeps) go
        with the last reference, so a search still reading a replaced snapshot is
        never cut off."""

    def postings_for(self, gram: str) -> tuple[np.ndarray, np.ndarray]:
        """(ordinals, occurrence counts) of the documents holding ``gram``."""
        return self._postings([gram])[0]

    def _postings(self, grams: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`postings_for` of every gram, with one binary search for all of them
        (a query asks every segment for each of its grams: the per-call overhead of
        NumPy, not the search, was the cost)."""
        return [self._decode(gi) for gi in self._lookup(grams)]

    def _lookup(self, grams: list[str]) -> list[int]:
        """Gram numbers of ``grams`` in this segment (-1 where absent)."""
        codes = [gram_code(g) for g in grams]
        if not codes:
            return []
        if max(codes) < WIDE_BASE:
            # Every gram of the query is narrow: one search, in the 32-bit table.
            found = np.searchsorted(self.codes32, np.array(codes, dtype=np.uint32)).tolist()
            size = self.codes32.size
            return [at if at < size and self.codes32.item(at) == code else -1 for code, at in zip(codes, found)]
        return self._find_wide(codes)

    def _decode(self, gi: int) -> tuple[np.ndarray, np.ndarray]:
        """Ordinals and counts of gram number ``gi`` (none for -1)."""
        if gi < 0:
            return self._ones[:0], self._ones[:0]
        kind, df = self.gram_kind.item(gi), self.gram_df.item(gi)
        ords, cat = _decode_ordinals(self.blob, kind & _KIND_MASK, self.gram_at.item(gi), df, len(self), self._odt)
        counts = _decode_counts(self.blob, cat, df, bool(kind & _HAS_ESCAPES)) if kind & _HAS_COUNTS \
            else self._ones[:df]
        return ords, counts

    def _probe_bitmap(self, gi: int, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``found`` (int64 ordinals) a bitmap gram holds, and their counts,
        without decoding the whole list: a bit test each, and each one's rank among the
        set bits (for its count) from a running popcount of the bitmap's bytes."""
        kind, df, at = self.gram_kind.item(gi), self.gram_df.item(gi), self.gram_at.item(gi)
        nbytes = (len(self) + 7) // 8
        bitmap = self.blob[at:at + nbytes]
        byte, bit = found >> 3, found & 7
        held = bitmap[byte]
        hit = ((held >> bit) & 1).astype(bool)
        if not kind & _HAS_COUNTS:
            return hit, self._ones[:int(hit.sum())]
        byte, bit, held = byte[hit], bit[hit], held[hit]
        before = np.cumsum(_POPCOUNT[bitmap], dtype=np.int64)[byte] - _POPCOUNT[held]
        rank = before + _POPCOUNT[held & ((1 << bit) - 1).astype(np.uint8)]
        return hit, _NIBBLES[self.blob[at + nbytes + (rank >> 1)], rank & 1]

    def _find_wide(self, codes: list[int]) -> list[int]:
        """Gram numbers of ``codes`` (-1 where absent) when some are in the 64-bit table."""
        index = [-1] * len(codes)
        narrow = [i for i, c in enumerate(codes) if c < WIDE_BASE]
        wide = [i for i, c in enumerate(codes) if c >= WIDE_BASE]
        # Typed arrays, not Python ints: mixing int and uint64 makes NumPy compare as
        # float64, converting the whole table on every lookup.
        for table, which, dtype, base in ((self.codes32, narrow, np.uint32, 0),
                                          (self.codes64, wide, np.uint64, self.codes32.size)):
            if not which:
                continue
            found = np.searchsorted(table, np.array([codes[i] for i in which], dtype=dtype)).tolist()
            for i, at in zip(which, found):
                if at < table.size and table.item(at) == codes[i]:
                    index[i] = base + at
        return index

    def candidates(self, grams: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ordinals of documents holding every gram (sorted), with the smallest
        count among the grams (exact for a one-gram query, an upper bound otherwise)."""
        index = self._lookup(grams)
        if not index or min(index) < 0:
            return self._ones[:0], self._ones[:0]
        index.sort(key=self.gram_df.item)
        found, counts = self._decode(index[0])
        for gi in index[1:]:
            kind = self.gram_kind.item(gi)
            if kind & _KIND_MASK == _BITMAP and not kind & _HAS_ESCAPES:
                hit, cnt = self._probe_bitmap(gi, found.astype(np.int64, copy=False))
                found, counts = found[hit], np.minimum(counts[hit], cnt)
            else:
                # Binary search of the (shrinking, smallest) running result in each longer
                # list: O(m log n) where intersect1d sorts both lists together every time.
                ords, cnt = self._decode(gi)
                at = np.minimum(np.searchsorted(ords, found), ords.size - 1)
                hit = ords[at] == found
                found, counts = found[hit], np.minimum(counts[hit], cnt[at[hit]])
            if found.size == 0:
                break
        return found, counts

    def count_each(self, ordinals: np.ndarray, needle: bytes, bounds: np.ndarray | None = None) -> np.ndarray:
        """Exact occurrences of ``needle`` in each document (0 where it is absent;
        non-overlapping, as ``bytes.count`` counts).

        ``bounds`` (optional, per ordinal) are upper bounds of the count, such as
        :meth:`candidates` gives: where the bound is 1 the answer is 0 or 1, so a search
        that stops at the first occurrence replaces counting the whole document.

        This is the exact channel's inner loop (a common phrase at 1 GB: 100,000
        candidates, 250 MB of text to search), so it searches the mapped text in place
        with StringZilla's SIMD substring search, about three times the speed of
        ``mmap.find`` on UTF-8 Chinese (whose bytes defeat CPython's skip table), and
        iterates with ``map`` over the documents' offsets rather than a Python loop."""
        out = np.zeros(ordinals.size, dtype=np.int32)
        if not ordinals.size:
            return out
        text = self._text()
        starts = self.norm_starts
        ordinals = ordinals.astype(np.int64, copy=False)
        once = (bounds == 1) if bounds is not None else np.zeros(ordinals.size, dtype=bool)
        for rows, presence in ((np.flatnonzero(once), True), (np.flatnonzero(~once), False)):
            if not rows.size:
                continue
            at = ordinals[rows]
            found = np.fromiter(map(text.find if presence else text.count, repeat(needle),
                                    starts[at].tolist(), starts[at + 1].tolist()),
                                dtype=np.int64, count=rows.size)
            out[rows] = (found >= 0) if presence else found
        return out

    def _text(self) -> sz.Str:
        """The normalized text as a StringZilla string over the same map (no copy), made
        on first use; it keeps the map alive as long as the segment."""
        text = self.__dict__.get("_sz_text")
        if text is None:
            text = self._sz_text = sz.Str(memoryview(self.norm) if isinstance(self.norm, mmap.mmap) else self.norm)
        return text

    def vocabulary(self) -> dict[str, int]:
        """Word → number of documents of this segment that contain it."""
        return _unpack_vocabulary(self._vocabulary_packed)

    def normalized_bytes(self, ordinal: int) -> bytes:
        return self.norm[int(self.norm_starts[ordinal]):int(self.norm_starts[ordinal + 1])]

    def normalized_text(self, ordinal: int) -> str:
        return self.normalized_bytes(ordinal).decode("utf-8")

    def normalized(self, ordinal: int) -> Normalized:
        """The normalized text with its map back to :meth:`original_text`."""
        a, b = int(self.bp_starts[ordinal]), int(self.bp_starts[ordinal + 1])
        return Normalized.restore(self.normalized_text(ordinal), self.bp_norm[a:b].tolist(),
                                  self.bp_shift[a:b].tolist())

    def _difference(self, ordinal: int) -> tuple[bytes, list[int], list[int]]:
        """The document's stored difference from its normalized text, and its break points."""
        blob = self.orig[int(self.orig_starts[ordinal]):int(self.orig_starts[ordinal + 1])]
        a, b = int(self.bp_starts[ordinal]), int(self.bp_starts[ordinal + 1])
        return blob, self.bp_norm[a:b].tolist(), self.bp_shift[a:b].tolist()

    def original_text(self, ordinal: int) -> str:
        blob, norm_at, shift = self._difference(ordinal)
        return decode_original(blob, self.normalized_text(ordinal), norm_at, shift)

    def original_spans(self, ordinal: int) -> OriginalSpans:
        """The original characters of any normalized span, without rebuilding the whole
        original (what snippets need)."""
        blob, norm_at, shift = self._difference(ordinal)
        return OriginalSpans(self.normalized_text(ordinal), blob, norm_at, shift)


def _map(fh) -> mmap.mmap | bytes:
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        return b""
    return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def read_manifest(store_dir: Path) -> dict:
    try:
        with open(store_dir / MANIFEST, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {"format": FORMAT_VERSION, "segments": [], "next_key": 1}
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"text store format {data.get('format')}, expected {FORMAT_VERSION}")
    return data


def write_manifest(store_dir: Path, segments: Sequence[str], next_key: int) -> None:
    """Atomically replace the manifest (write, fsync, rename)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    tmp = store_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    _fsync_write(tmp, json.dumps({"format": FORMAT_VERSION, "segments": list(segments),
                                  "next_key": next_key}).encode("utf-8"))
    os.replace(tmp, store_dir / MANIFEST)
    dir_fd = os.open(store_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_orphans(store_dir: Path, keep: Iterable[str]) -> int:
    """Delete segment files not named in ``keep`` (left by a crashed run). Call
    only while holding the index write lock."""
    keep = set(keep)
    removed = 0
    if not store_dir.exists():
        return 0
    for path in store_dir.iterdir():
        if path.suffix in SEGMENT_SUFFIXES and path.stem not in keep:
            path.unlink(missing_ok=True)
            removed += 1
        elif path.name.startswith(MANIFEST + ".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
    return removed


class TextStore:
    """All segments named by the manifest at open time, for one search snapshot."""

    def __init__(self, store_dir: Path):
        self.store_dir = store_dir
        manifest = read_manifest(store_dir)
        self.segment_names: list[str] = list(manifest["segments"])
        self.next_key: int = manifest["next_key"]
        self.segments = [Segment(store_dir, n) for n in self.segment_names]
        # key -> (segment number, ordinal); later segments win (a key is written once anyway)
        self._where: dict[int, tuple[int, int]] = {}
        self._vocabulary: tuple[list[str], list[int]] | None = None
        for si, seg in enumerate(self.segments):
            for ordinal, key in enumerate(seg.keys.tolist()):
                self._where[key] = (si, ordinal)

    def close(self) -> None:
        for seg in self.segments:
            seg.close()

    def __contains__(self, key: int) -> bool:
        return key in self._where

    def _at(self, key: int) -> tuple[Segment, int]:
        si, ordinal = self._where[key]
        return self.segments[si], ordinal

    def original_text(self, key: int) -> str:
        seg, ordinal = self._at(key)
        return seg.original_text(ordinal)

    def original_spans(self, key: int) -> OriginalSpans:
        seg, ordinal = self._at(key)
        return seg.original_spans(ordinal)

    def vocabulary(self) -> tuple[list[str], list[int]]:
        """All segments' words, sorted, with their document counts (merged once, on
        first use: only as-you-type suggestions need it)."""
        if self._vocabulary is None:
            merged: dict[str, int] = {}
            for seg in self.segments:
                for word, df in seg.vocabulary().items():
                    merged[word] = merged.get(word, 0) + df
            words = sorted(merged)
            self._vocabulary = (words, [merged[w] for w in words])
        return self._vocabulary

    def normalized_bytes(self, key: int) -> bytes:
        seg, ordinal = self._at(key)
        return seg.normalized_bytes(ordinal)

    def normalized(self, key: int) -> Normalized:
        seg, ordinal = self._at(key)
        return seg.normalized(ordinal)

    def find_ordinals(self, phrase: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per segment, the ordinals of documents whose normalized text contains
        ``phrase`` and how often (exactly, up to :data:`MAX_COUNT` for short phrases)."""
        grams = query_grams(phrase)
        needle = phrase.encode("utf-8")
        out = []
        for seg in self.segments:
            ords, counts = seg.candidates(grams)
            if len(phrase) > 2 and ords.size:
                exact = seg.count_each(ords, needle, bounds=counts)
                keep = exact > 0
                ords, counts = ords[keep], exact[keep]
            out.append((ords, counts.astype(np.int32)))
        return out

    def find(self, phrase: str) -> set[int]:
        """Keys of documents whose normalized text contains ``phrase`` (live or not)."""
        if not phrase:
            return set(self._where)
        keys: set[int] = set()
        for seg, (ords, _counts) in zip(self.segments, self.find_ordinals(phrase)):
            keys.update(seg.keys[ords].tolist())
        return keys
