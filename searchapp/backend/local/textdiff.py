"""The original text, stored as its difference from the normalized text.

Normalization (:mod:`searchapp.normalize`) maps characters one to one (t2s,
half-width, lower case) except for whitespace runs it deletes. So the original is
the normalized text with a few characters swapped back and the deleted runs put
back. For a Simplified report that is mostly full-width punctuation; even a
Traditional one needs only its changed characters. Stored this way (zlib on
top), the original costs a few percent of the text instead of a compressed copy
of it, while the normalized text stays uncompressed for memory-mapped search.

Both directions are vectorized with NumPy over UTF-32 code points.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

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
