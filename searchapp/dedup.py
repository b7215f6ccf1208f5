"""Near-duplicate detection: 64-bit MinHash fingerprints and clustering by Hamming distance.

The same 政府工作报告 or notice is republished by the State Council, a ministry, a
province and a news site, each copy wrapped in its own menus and footer and with its own
punctuation and line breaks. Showing every copy on the result page hides the other
results, so the indexer fingerprints each document and groups the copies.

**Features.** Character 4-grams of the Han characters, ASCII letters and digits only
(lower-cased, full-width letters and digits folded): punctuation, whitespace and line
breaks differ between copies and say nothing about the content, so they have no effect
at all on the fingerprint. Each distinct 4-gram counts once.

**Fingerprint: one-permutation MinHash, one bit per bin.** Every feature is hashed
(BLAKE2b, 8 bytes: stable across processes, machines and Python versions, unlike the
salted built-in ``hash()``). The top 6 bits of a hash pick one of 64 bins; bit *i* of
the fingerprint is the lowest bit of the smallest hash in bin *i*. Two texts whose
feature sets have Jaccard similarity *J* agree on a bin's minimum with probability about
*J*, and on the bit otherwise half the time, so they differ in about 32·(1 − *J*) bits:
≈1.6 bits at *J* = 0.95, ≈3 at 0.9, ≈32 for unrelated texts.

We first used a SimHash (majority vote of feature hashes per bit). On the corpus it was
worse on both sides: repeated boilerplate ("第一条", "人民政府") dominated the votes of
term-frequency weights, putting unrelated laws 1-3 bits apart, and even with binary
weights a SimHash separates texts by 64·θ/π bits (θ the angle between the feature
vectors), ≈4.6 bits at *J* = 0.95, so most true near-duplicates missed the default
``max_distance=3``. See ``benchmarks/dedup_scan.py`` for the figures.

**Speed.** Hashing every 4-gram in Python costs about 0.8 µs per character (3.5 MB/s).
So we keep only the 4-grams that *start* at an anchor character, a fixed quarter of the
BMP Han/alphanumeric alphabet chosen by hashing each character. The choice depends on the
content only, so copies of a report keep the same 4-grams wherever their chrome shifts
the text, and the Jaccard similarity of the sampled sets estimates that of the full sets.
A regular expression finds the anchored 4-grams in C; the hashes are sorted (in C) and
each bin's minimum is found by bisection. About 20 MB/s on the corpus (one core).

* Texts with fewer than :data:`MIN_ANCHORED` anchored 4-grams (under about 250
  characters) use all their 4-grams instead, so that short notices still get a
  meaningful fingerprint. A short text and a copy of it just over that size can
  therefore land far apart: a known, rare miss.
* A text with fewer than ~300 features leaves some bins empty; an empty bin borrows a
  different bit of the next non-empty bin's minimum ("densification"), which copies of
  the text share as well.

**Clustering.** Two fingerprints at most *k* bits apart agree exactly on at least one of
*k* + 1 disjoint bands of bits (pigeonhole), so we bucket the distinct fingerprints by
each band and compare only within buckets. Clusters are connected components (single
linkage): A~B and B~C put A and C together even if A and C are further apart.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from searchapp.normalize import CodepointTable

#: Shingle length in characters. Han 4-grams are specific enough to tell reports apart
#: yet short enough that a changed character spoils few of them.
SHINGLE = 4
#: One character in this many of the Han/alphanumeric alphabet is an anchor.
ANCHOR_RATE = 4
#: Below this many anchored 4-grams a text uses all its 4-grams.
MIN_ANCHORED = 64
#: Fingerprint width in bits; also the number of MinHash bins.
BITS = 64

_MASK = (1 << BITS) - 1
_HASH_BYTES = 8
#: Hash bits that are not used to choose the bin.
_LOW_BITS = 8 * _HASH_BYTES - 6

#: Everything that is not a Han character (BMP, compatibility or supplementary planes),
#: an ASCII letter or a digit.
_NOT_CONTENT = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
_FULL_WIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]+")
_FULL_WIDTH_OFFSET = 0xFEE0
#: Full-width digits and letters to ASCII (the same as substituting each match of
#: ``_FULL_WIDTH_ALNUM``, through a code-point table).
_FOLD_ALNUM = CodepointTable({cp: cp - _FULL_WIDTH_OFFSET
                              for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                              for cp in range(start, end + 1)})

#: Characters that can be anchors: BMP Han blocks and [0-9a-z] (text is lower-cased
#: first). Supplementary-plane Han characters are kept as content but never anchor:
#: they are rare, and a character class with them makes the regular expression slow.
_ANCHOR_CANDIDATES = ((0x30, 0x39), (0x61, 0x7A), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))

#: The smallest possible hash of each bin, as sortable bytes: bin ``i`` holds the hashes
#: whose first byte's top 6 bits are ``i``.
_BIN_START = tuple(bytes([index << 2]) + bytes(_HASH_BYTES - 1) for index in range(BITS))


def _stable_hash(feature: str) -> bytes:
    return hashlib.blake2b(feature.encode("utf-8"), digest_size=_HASH_BYTES).digest()


@lru_cache(maxsize=1)
def _anchored_shingles() -> re.Pattern[str]:
    """Pattern whose ``findall`` returns every 4-gram starting at an anchor character
    (overlapping ones too, through the look-ahead). Built once, about 20 ms."""
    anchors = [
        chr(cp)
        for start, end in _ANCHOR_CANDIDATES
        for cp in range(start, end + 1)
        if hashlib.blake2b(chr(cp).encode("utf-8"), digest_size=1).digest()[0] % ANCHOR_RATE == 0
    ]
    char_class = "".join(re.escape(ch) for ch in anchors)
    return re.compile(f"(?=([{char_class}]{'.' * (SHINGLE - 1)}))", re.DOTALL)


def content_chars(text: str) -> str:
    """The characters fingerprints are made of: Han, ASCII letters (lower-cased) and
    digits, full-width forms folded, everything else dropped."""
    text = _FOLD_ALNUM(text)
    return _NOT_CONTENT.sub("", text).lower()


def features(text: str) -> set[str]:
    """The distinct shingles whose hashes make the fingerprint of ``text``."""
    content = content_chars(text)
    anchored = _anchored_shingles().findall(content)
    if len(anchored) >= MIN_ANCHORED:
        return set(anchored)
    if len(content) <= SHINGLE:
        return {content} if content else set()
    return {content[i : i + SHINGLE] for i in range(len(content) - SHINGLE + 1)}


def _bin_minima(hashes: list[bytes]) -> list[int | None]:
    """For each bin, the smallest hash in it (as an int), or ``None`` if it is empty.
    ``hashes`` must be sorted: a bin's minimum is then the first hash at or after the
    bin's start."""
    minima: list[int | None] = []
    for index, start in enumerate(_BIN_START):
        pos = bisect_left(hashes, start)
        if pos < len(hashes) and hashes[pos][0] >> 2 == index:
            minima.append(int.from_bytes(hashes[pos], "big"))
        else:
            minima.append(None)
    return minima


def _bin_bit(minima: list[int | None], index: int) -> int:
    """Bit of bin ``index``: the lowest bit of its minimum; for an empty bin, the bit
    ``step`` places up in the minimum of the first non-empty bin ``step`` bins further."""
    for step in range(BITS):
        value = minima[(index + step) % BITS]
        if value is not None:
            return (value >> (step % _LOW_BITS)) & 1
    return 0


def fingerprint(normalized_text: str) -> int:
    """64-bit one-permutation MinHash of the text's content 4-grams.

    Copies of one report that differ only in punctuation, whitespace, line breaks or
    full-width digits get the same fingerprint; copies with a few different chrome
    lines (a menu, a footer, "上一篇：…") differ in 0-3 bits as long as the chrome is a
    small share (under ~5 %) of the text; unrelated texts differ in about 32 bits. A
    text without Han/alphanumeric characters gets 0, and texts of a few dozen
    characters are too short for the distance to mean much: leave such documents out
    of :func:`cluster`.
    """
    shingles = features(normalized_text)
    if not shingles:
        return 0
    minima = _bin_minima(sorted(map(_stable_hash, shingles)))
    result = 0
    for index in range(BITS):
        result |= _bin_bit(minima, index) << index
    return result


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints."""
    return ((a ^ b) & _MASK).bit_count()


def bands(max_distance: int) -> list[tuple[int, int]]:
    """``max_distance + 1`` disjoint bit ranges covering all 64 bits, as
    ``(shift, mask)``, widths as equal as possible."""
    count = max_distance + 1
    width, extra = divmod(BITS, count)
    out: list[tuple[int, int]] = []
    shift = 0
    for index in range(count):
        size = width + (1 if index < extra else 0)
        out.append((shift, (1 << size) - 1))
        shift += size
    return out


class _UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def _candidate_pairs(values: list[int], max_distance: int) -> Iterator[tuple[int, int]]:
    """Index pairs of distinct fingerprints that agree on some band: every pair within
    ``max_distance`` is among them (pigeonhole), most far pairs are not."""
    for shift, mask in bands(max_distance):
        buckets: dict[int, list[int]] = {}
        for index, value in enumerate(values):
            buckets.setdefault((value >> shift) & mask, []).append(index)
        for members in buckets.values():
            for pos, a in enumerate(members):
                for b in members[pos + 1 :]:
                    yield a, b


def cluster(fingerprints: Mapping[str, int], *, max_distance: int = 3) -> dict[str, str]:
    """Map each document id to its cluster's representative: the smallest id of the
    cluster; a document without near-duplicates maps to itself.

    Deterministic (clusters are connected components, whatever the input order) and
    near-linear for dissimilar documents: 100,000 random fingerprints take about
    0.3 s. Identical fingerprints are merged first, so thousands of exact copies
    cost nothing extra.
    """
    if not 0 <= max_distance < BITS:
        raise ValueError(f"max_distance must be between 0 and {BITS - 1}, not {max_distance}")
    ids_by_value: dict[int, list[str]] = {}
    for doc_id, value in fingerprints.items():
        ids_by_value.setdefault(value & _MASK, []).append(doc_id)
    values = list(ids_by_value)
    sets = _UnionFind(len(values))
    for a, b in _candidate_pairs(values, max_distance):
        if ((values[a] ^ values[b]).bit_count()) <= max_distance:
            sets.union(a, b)
    representative: dict[int, str] = {}
    for index, value in enumerate(values):
        root = sets.find(index)
        smallest = min(ids_by_value[value])
        if root not in representative or smallest < representative[root]:
            representative[root] = smallest
    return {
        doc_id: representative[sets.find(index)]
        for index, value in enumerate(values)
        for doc_id in ids_by_value[value]
    }


# ---------------------------------------------------------------------------
# Containment sketches: copies that are excerpts of one another
# ---------------------------------------------------------------------------
#
# A 64-bit fingerprint within 3 bits groups copies whose 4-gram sets have a Jaccard
# similarity above about 0.9. Real scraped copies are often excerpts: one site cuts the
# report after 700 characters, another starts at section 二, a third adds a comment
# thread. Their Jaccard similarity is 0.2-0.6 while the smaller copy is mostly (50-95 %)
# contained in the larger; unrelated reports on the same subject (two teachers'-day
# news items of one district) stay under 0.1. So the sketch keeps more of the MinHash
# (128 bins of 16 bits, about 250 bytes) plus the feature count, and two texts are
# copies when the estimated share of the smaller one found in the larger is high.
#
# The features are made robust first: Han characters doubled by a broken PDF layer
# ("教教育育") are collapsed, and masks (×, *, x standing for a name) are dropped, so a
# copy that masks 党 or a province still shares its other shingles.

SKETCH_BINS = 128
_SKETCH_BITS = 16
#: Two sketches are copies when the smaller text is at least this much contained in
#: the larger (estimated) and their estimated Jaccard similarity is at least
#: MIN_SKETCH_JACCARD. Measured: scraped copies 0.22-0.67 / 0.41-0.99; reports of one
#: subject and district under 0.1 / 0.2; but laws and resolutions written from one
#: template (two provinces' 议事规则, the NPC's yearly resolution on the work report)
#: reach 0.2-0.4 / 0.4-0.6 too, so the bar is a compromise (see docs/extraction.md).
MIN_CONTAINMENT = 0.5
MIN_SKETCH_JACCARD = 0.2
#: Bins per LSH band: a pair becomes a candidate when it agrees on a whole band.
_BAND_BINS = 2
#: A band value shared by more documents than this is boilerplate, not a copy signal.
_MAX_BUCKET = 500

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_DOUBLED_HAN = re.compile(r"([\u4e00-\u9fff])\1")
_MASKS = re.compile(r"[×✕＊*]+|(?<![a-z])x{1,3}(?![a-z])")
_MASK_CHARS = re.compile(r"[×✕＊*]")


#: Texts shorter than this take the regular-expression path of :func:`robust_content`.
_MIN_ARRAY_CHARS = 256
#: A code no character has: marks what :func:`robust_content` drops.
_DROP = 0xFFFFFFFF


@lru_cache(maxsize=1)
def _content_table() -> np.ndarray:
    """Per BMP code point, what :func:`content_chars` makes of it: the folded,
    lower-cased character, or :data:`_DROP`. Built once, a few milliseconds."""
    codes = np.arange(0x10000, dtype=np.uint32)
    table = np.full(0x10000, _DROP, dtype=np.uint32)
    for start, end in ((0x30, 0x39), (0x61, 0x7A), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        table[start : end + 1] = codes[start : end + 1]
    table[0x41:0x5B] = codes[0x61:0x7B]                 # A-Z lower-cased
    table[0xFF10:0xFF1A] = codes[0x30:0x3A]             # full-width digits
    table[0xFF21:0xFF3B] = codes[0x61:0x7B]             # full-width capitals, folded and lower-cased
    table[0xFF41:0xFF5B] = codes[0x61:0x7B]             # full-width small letters
    return table


def _content_codes(lowered: str) -> np.ndarray:
    """:func:`content_chars` of ``lowered`` as UTF-32 code points (one array lookup
    instead of a fold, a substitution and a lower-casing over the text)."""
    codes = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = codes < 0x10000
    mapped = np.where(bmp, _content_table()[codes & 0xFFFF], codes)
    mapped[~bmp & ((codes < 0x20000) | (codes > 0x3FFFF))] = _DROP   # supplementary Han only
    return mapped[mapped != _DROP]


def robust_content(text: str) -> str:
    """:func:`content_chars` with masks (×, *, xx) dropped and, when most Han
    characters come in doubled pairs ("教教育育"), the pairs collapsed.

    Long texts (every sketched document) are filtered and counted as a NumPy array of
    code points: the same string as the regular-expression path, about twice as fast."""
    lowered = text.lower()
    if "x" in lowered or _MASK_CHARS.search(lowered):  # the cheap test first: most texts have no mask
        lowered = _MASKS.sub("", lowered)
    if len(lowered) < _MIN_ARRAY_CHARS:
        content = content_chars(lowered)
        han = len(_NOT_HAN.sub("", content))
        doubled = len(_DOUBLED_HAN.findall(content))
    else:
        codes = _content_codes(lowered)
        content = codes.tobytes().decode("utf-32-le")
        is_han = (codes >= 0x4E00) & (codes <= 0x9FFF)
        han = int(np.count_nonzero(is_han))
        # Adjacent equal Han characters bound the doubled pairs from above; only a
        # text where that bound reaches the threshold needs the exact count.
        doubled = int(np.count_nonzero((codes[1:] == codes[:-1]) & is_han[1:]))
        if han and doubled * 2 >= 0.6 * han:
            doubled = len(_DOUBLED_HAN.findall(content))
    if han and doubled * 2 >= 0.6 * han:
        content = _DOUBLED_HAN.sub(r"\1", content)
    return content


def sketch(normalized_text: str) -> tuple[int, ...]:
    """``(feature count, bin minimum × SKETCH_BINS)``: a MinHash sketch for
    :func:`containment`. Empty bins borrow from the next non-empty one (as in
    :func:`fingerprint`), so copies of a short text still agree on them."""
    content = robust_content(normalized_text)
    anchored = _anchored_shingles().findall(content)
    if len(anchored) >= MIN_ANCHORED:
        shingles = set(anchored)
    else:
        shingles = {content[i : i + SHINGLE] for i in range(max(0, len(content) - SHINGLE + 1))}
    if not shingles:
        return (0,)
    # One blake2b digest per shingle (the same 64-bit hashes as :func:`_stable_hash`),
    # then the per-bin minima with NumPy instead of a Python loop per shingle. The
    # shingles are encoded in one call (joined by NUL, which content never holds).
    blake2b = hashlib.blake2b
    encoded = "\0".join(shingles).encode("utf-8").split(b"\0")
    digests = b"".join([blake2b(f, digest_size=_HASH_BYTES).digest() for f in encoded])
    hashes = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    bins = (hashes % SKETCH_BINS).astype(np.intp)
    ranks = hashes >> np.uint64(8)
    minima = np.full(SKETCH_BINS, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(minima, bins, ranks)
    filled = np.bincount(bins, minlength=SKETCH_BINS) > 0
    mins: list[int | None] = [m if f else None for m, f in zip(minima.tolist(), filled.tolist())]
    values: list[int] = []
    for index in range(SKETCH_BINS):
        for step in range(SKETCH_BINS):
            found = mins[(index + step) % SKETCH_BINS]
            if found is not None:
                values.append((found >> step) & ((1 << _SKETCH_BITS) - 1))
                break
    return (len(shingles), *values)


def compact_sketch(fp: Any) -> Any:
    """A sketch as a 32-bit array (≈ 0.6 KB) instead of a tuple of Python ints (≈ 4.7 KB:
    most bin values are ints of their own). An indexing run holds every document's sketch
    until it groups copies at the end, so this is most of its main process' memory per
    document. Anything else (no sketch, an old or foreign shape) is returned as it is."""
    if isinstance(fp, (tuple, list)) and fp and all(isinstance(v, int) and 0 <= v < 1 << 32 for v in fp):
        return array("I", fp)
    return fp


def sketch_similarity(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[float, float]:
    """(estimated Jaccard similarity, estimated containment of the smaller text in
    the larger) of two sketches."""
    if len(a) < 2 or len(b) < 2:
        return 0.0, 0.0
    return _similarity(sum(x == y for x, y in zip(a[1:], b[1:])), a[0], b[0])


def _similarity(agreeing: int, na: int, nb: int) -> tuple[float, float]:
    """:func:`sketch_similarity` from the number of agreeing bins and the feature counts."""
    agree = agreeing / SKETCH_BINS
    chance = 1 / (1 << _SKETCH_BITS)
    jaccard = max(0.0, (agree - chance) / (1 - chance))
    shared = jaccard * (na + nb) / (1 + jaccard)
    return jaccard, min(1.0, shared / min(na, nb))


#: Candidate pairs compared at once: the two gathered blocks of rows stay about 4 MB
#: each, whatever the number of documents or the size of a band's buckets.
_PAIR_BLOCK = 8192


def _sketch_rows(full: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """The sketches as rows of one ``(n, SKETCH_BINS + 1)`` uint32 array (a sketch too
    short to compare is a row of zeros) and which rows are full sketches, or None when some sketch has another shape or
    a value outside 32 bits (the plain loop then takes them). One array, not a Python
    object per value: 516 bytes a document."""
    width = SKETCH_BINS + 1
    if any(len(sk) not in (1, width) for sk in full):
        return None
    rows = np.zeros((len(full), width), dtype=np.uint32)
    valid = np.array([len(sk) == width for sk in full], dtype=bool)
    for pos, sk in enumerate(full):
        if len(sk) != width:
            continue
        if isinstance(sk, array) and sk.itemsize == 4 and sk.typecode in "Ii":
            values = np.frombuffer(sk, dtype=np.uint32 if sk.typecode == "I" else np.int32)
        else:
            try:
                values = np.array(sk, dtype=np.int64)
            except OverflowError:
                return None
        if int(values.min()) < 0 or int(values.max()) >= 1 << 32:
            return None
        rows[pos] = values
    return rows, valid


def _band_pairs(members: np.ndarray, firsts: np.ndarray, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every pair ``(a, b)`` of each bucket of ``size`` members starting at ``firsts`` (in
    ``members``, positions ascending within a bucket), in blocks of about
    :data:`_PAIR_BLOCK` pairs: a bucket of 500 alone has 124,750."""
    i, j = np.triu_indices(size, 1)
    per_group = i.size
    total = per_group * firsts.size
    for start in range(0, total, _PAIR_BLOCK):
        flat = np.arange(start, min(total, start + _PAIR_BLOCK), dtype=np.int64)
        group, pair = np.divmod(flat, per_group)
        base = firsts[group]
        yield members[base + i[pair]], members[base + j[pair]]


def _sketch_candidate_blocks(rows: np.ndarray, valid: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(a, b, agreeing bins)`` arrays, block after block, for every pair ``a < b`` of
    ``valid`` rows that share some band (two bins) held by at most :data:`_MAX_BUCKET` sketches;
    each pair once (in the first band that proposes it).

    One band at a time: its values bucketed by a sort, the pairs of its buckets
    generated and compared in blocks of :data:`_PAIR_BLOCK`, then discarded. What
    stays is one bit per document and band (was the document in a bucket that
    proposed pairs?), enough to tell a pair already proposed by an earlier band from
    a new one without keeping any pair: memory is bounded by the rows, not by the
    number of pairs (all bands' pairs at once took 2.3 GB at 1 GB of text)."""
    n = rows.shape[0]
    positions = np.flatnonzero(valid)
    n_bands = SKETCH_BINS // _BAND_BINS
    # Bit b: the document was in a bucket of band b that proposed pairs.
    proposed = np.zeros(n, dtype=np.uint64)
    if positions.size < 2:
        return
    for band in range(n_bands):
        column = 1 + band * _BAND_BINS
        key = rows[positions, column].astype(np.uint64)
        for extra in range(1, _BAND_BINS):
            key = (key << np.uint64(32)) | rows[positions, column + extra]
        order = np.argsort(key, kind="stable")  # stable: positions ascend within a bucket
        keys, members = key[order], positions[order]
        del key, order
        firsts = np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))
        sizes = np.diff(np.append(firsts, keys.size))
        del keys
        usable = (sizes >= 2) & (sizes <= _MAX_BUCKET)
        proposed[members[np.repeat(usable, sizes)]] |= np.uint64(1 << band)
        earlier = np.uint64((1 << band) - 1)
        for size in np.unique(sizes[usable]).tolist():
            for left, right in _band_pairs(members, firsts[usable & (sizes == size)], size):
                equal = rows[left, 1:] == rows[right, 1:]
                agreeing = _count_true(equal)
                if band:
                    # Already proposed: the pair agrees on an earlier band whose bucket proposed pairs.
                    whole = equal[:, 0::_BAND_BINS].copy()
                    for extra in range(1, _BAND_BINS):
                        whole &= equal[:, extra::_BAND_BINS]
                    fresh = (_bits(whole) & proposed[left] & earlier) == 0
                    left, right, agreeing = left[fresh], right[fresh], agreeing[fresh]
                if left.size:
                    yield left, right, agreeing


def _count_true(equal: np.ndarray) -> np.ndarray:
    """Per row, how many of the SKETCH_BINS booleans are true: the row's bytes summed
    eight at a time as 64-bit words (no byte lane exceeds SKETCH_BINS / 8), then the
    lanes added by one multiplication; several times faster than ``count_nonzero``
    along an axis."""
    words = np.ascontiguousarray(equal).view(np.uint64).sum(axis=1, dtype=np.uint64)
    return ((words * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


def _bits(flags: np.ndarray) -> np.ndarray:
    """Per row of up to 64 booleans, the 64-bit word whose bit ``b`` is column ``b``."""
    packed = np.packbits(flags, axis=1, bitorder="little")
    if packed.shape[1] < 8:
        packed = np.pad(packed, ((0, 0), (0, 8 - packed.shape[1])))
    return np.ascontiguousarray(packed).view("<u8").ravel().astype(np.uint64)


def _sketch_candidates(full: list[Any]) -> Iterator[tuple[int, int, int]]:
    """``(a, b, agreeing bins)`` for every pair ``a < b`` of positions in ``full`` whose
    sketches share some band (two bins) held by at most :data:`_MAX_BUCKET` sketches;
    each pair once, in no particular order (the groups do not depend on it).
    :func:`cluster_sketches` takes the blocks of :func:`_sketch_candidate_blocks`
    directly; sketches of unexpected shapes take the plain loop."""
    held = _sketch_rows(full)
    if held is None:
        yield from _sketch_candidates_loop(full)
        return
    for left, right, agreeing in _sketch_candidate_blocks(*held):
        yield from zip(left.tolist(), right.tolist(), agreeing.tolist())


def _passing(agreeing: np.ndarray, na: np.ndarray, nb: np.ndarray, min_jaccard: float,
             min_containment: float) -> np.ndarray:
    """:func:`_similarity` and both thresholds over arrays: the same float operations in
    the same order, so the same decisions as the scalar version."""
    agree = agreeing / SKETCH_BINS
    chance = 1 / (1 << _SKETCH_BITS)
    jaccard = np.maximum(0.0, (agree - chance) / (1 - chance))
    shared = jaccard * (na + nb) / (1 + jaccard)
    containment = np.minimum(1.0, shared / np.minimum(na, nb))
    return (jaccard >= min_jaccard) & (containment >= min_containment)


def _sketch_candidates_loop(full: list[tuple[int, ...]]) -> Iterator[tuple[int, int, int]]:
    """:func:`_sketch_candidates` with plain Python (any sketch shapes)."""
    seen: set[tuple[int, int]] = set()
    for start in range(1, SKETCH_BINS + 1, _BAND_BINS):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for pos, sk in enumerate(full):
            if len(sk) > 1:
                buckets.setdefault(tuple(sk[start : start + _BAND_BINS]), []).append(pos)
        for members in buckets.values():
            if len(members) < 2 or len(members) > _MAX_BUCKET:
                continue
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    yield a, b, sum(x == y for x, y in zip(full[a][1:], full[b][1:]))


def cluster_sketches(sketches: Mapping[str, tuple[int, ...]], *, min_containment: float = MIN_CONTAINMENT,
                     min_jaccard: float = MIN_SKETCH_JACCARD) -> dict[str, str]:
    """Like :func:`cluster` for sketches: each id mapped to the smallest id of its
    group of copies (connected components of pairs that pass both thresholds).
    Candidate pairs come from LSH bands of two bins; a band value shared by more
    than a few hundred documents (boilerplate shingles) proposes no pairs."""
    ids = sorted(sketches)
    sets = _UnionFind(len(ids))
    full = [sketches[doc_id] for doc_id in ids]  # tuples or compact arrays (compact_sketch)
    held = _sketch_rows(full)
    if held is None:
        for a, b, agreeing in _sketch_candidates_loop(full):
            jac, cont = _similarity(agreeing, full[a][0], full[b][0])
            if jac >= min_jaccard and cont >= min_containment:
                sets.union(a, b)
    else:
        del full
        counts = held[0][:, 0].astype(np.int64)
        for left, right, agreeing in _sketch_candidate_blocks(*held):
            keep = _passing(agreeing, counts[left], counts[right], min_jaccard, min_containment)
            for a, b in zip(left[keep].tolist(), right[keep].tolist()):
                sets.union(a, b)
    rep: dict[int, str] = {}
    for pos, doc_id in enumerate(ids):
        root = sets.find(pos)
        if root not in rep or doc_id < rep[root]:
            rep[root] = doc_id
    return {doc_id: rep[sets.find(pos)] for pos, doc_id in enumerate(ids)}
