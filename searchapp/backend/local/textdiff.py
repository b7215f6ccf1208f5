"""The original text, stored as its difference from the normalized text.

Normalization (:mod:`searchapp.normalize`) maps characters one to one (t2s,
half-width, lower case) except for whitespace runs it deletes. So the original is
the normalized text with a few characters swapped back and the deleted runs put
back. For a Simplified report that is mostly full-width punctuation; even a
Traditional one needs only its changed characters. Stored this way (zlib on
top), the original costs a few percent of the text instead of a compressed copy
of it, while the normalized text stays uncompressed for memory-mapped search.

Both directions are vectorized with NumPy over UTF-32 code points. Snippets need
only a few short spans of the original per document: :class:`OriginalSpans` gives
those straight from the difference, without rebuilding the whole text.
"""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from searchapp.normalize import original_offset, original_span

_HEADER = struct.Struct("<II")


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def encode_original(original: str, normalized: str, norm_at: list[int], shift: list[int]) -> bytes:
    """What :func:`decode_original` needs, besides the normalized text, to give back ``original``."""
    orig = _codepoints(original)
    norm = _codepoints(normalized)
    m = norm.size
    if norm_at:
        k = np.searchsorted(np.asarray(norm_at, dtype=np.int64), np.arange(m), side="right") - 1
        offsets = np.where(k >= 0, np.asarray(shift, dtype=np.int64)[np.maximum(k, 0)], 0)
    else:
        offsets = np.zeros(m, dtype=np.int64)
    positions = np.arange(m, dtype=np.int64) + offsets   # original position of each normalized char
    aligned = orig[positions]
    subs = np.flatnonzero(aligned != norm).astype(np.uint32)
    deleted = np.ones(orig.size, dtype=bool)
    deleted[positions] = False
    removed = orig[deleted]
    blob = _HEADER.pack(subs.size, removed.size) + subs.tobytes() + aligned[subs].tobytes() + removed.tobytes()
    return zlib.compress(blob, 6)


def decode_original(encoded: bytes, normalized: str, norm_at: list[int], shift: list[int]) -> str:
    """The original text back from the normalized text and :func:`encode_original`'s bytes."""
    blob = zlib.decompress(encoded)
    n_subs, n_removed = _HEADER.unpack_from(blob)
    pos = _HEADER.size
    subs = np.frombuffer(blob, dtype="<u4", count=n_subs, offset=pos)
    pos += 4 * n_subs
    chars = np.frombuffer(blob, dtype="<u4", count=n_subs, offset=pos)
    pos += 4 * n_subs
    removed = np.frombuffer(blob, dtype="<u4", count=n_removed, offset=pos)
    text = _codepoints(normalized).copy()
    text[subs] = chars
    if n_removed:
        counts = np.diff(np.asarray([0] + list(shift), dtype=np.int64))
        text = np.insert(text, np.repeat(np.asarray(norm_at, dtype=np.int64), counts), removed)
    return text.astype("<u4").tobytes().decode("utf-32-le")


class OriginalSpans:
    """The original text of normalized spans, read from the stored difference without
    rebuilding the whole original (what :func:`decode_original` does): a snippet shows
    three spans of about a hundred characters, and decoding a whole report for them
    cost more than choosing and marking them.

    ``normalized``, ``norm_at`` and ``shift`` are those of
    :class:`~searchapp.normalize.Normalized`; ``encoded`` is :func:`encode_original`'s
    output. Offsets are the same as :meth:`Normalized.to_original` gives."""

    __slots__ = ("normalized", "norm_at", "shift", "_subs", "_chars", "_removed")

    def __init__(self, normalized: str, encoded: bytes, norm_at: Sequence[int], shift: Sequence[int]):
        self.normalized = normalized
        self.norm_at = list(norm_at)
        self.shift = list(shift)
        blob = zlib.decompress(encoded)
        n_subs, n_removed = _HEADER.unpack_from(blob)
        pos = _HEADER.size
        #: Normalized positions whose original character differs (sorted), and those characters.
        self._subs = np.frombuffer(blob, dtype="<u4", count=n_subs, offset=pos)
        pos += 4 * n_subs
        self._chars = blob[pos:pos + 4 * n_subs].decode("utf-32-le")
        pos += 4 * n_subs
        #: Every deleted character in text order; break point k's run is removed[shift[k-1]:shift[k]].
        self._removed = blob[pos:pos + 4 * n_removed].decode("utf-32-le")

    def to_original(self, pos: int) -> int:
        """Original offset of the normalized character at ``pos``."""
        return original_offset(self.norm_at, self.shift, pos)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open normalized span to the original text (as :class:`Normalized` does)."""
        return original_span(self.norm_at, self.shift, start, end)

    def text(self, start: int, end: int) -> str:
        """``original[a:b]`` for ``(a, b) = span_to_original(start, end)``: the normalized
        characters with their substitutions, and the deleted runs that lie between them."""
        if end <= start:
            return ""
        piece = self.normalized[start:end]
        subs = self._subs
        if subs.size:
            lo, hi = subs.searchsorted((start, end)).tolist()
            if lo < hi:
                chars = list(piece)
                for at, ch in zip(subs[lo:hi].tolist(), self._chars[lo:hi]):
                    chars[at - start] = ch
                piece = "".join(chars)
        norm_at = self.norm_at
        k0 = bisect_right(norm_at, start)   # break points strictly inside (start, end) put a run back
        k1 = bisect_left(norm_at, end, k0)
        if k0 == k1:
            return piece
        shift, removed = self.shift, self._removed
        pieces = []
        i = 0
        for k in range(k0, k1):
            p = norm_at[k] - start
            pieces.append(piece[i:p])
            pieces.append(removed[shift[k - 1] if k else 0:shift[k]])
            i = p
        pieces.append(piece[i:])
        return "".join(pieces)
