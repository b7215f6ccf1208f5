"""Normalization before segmentation, with a map back to the original text.

The index, the exact-phrase channel and every query see the *normalized* text:
Traditional → Simplified (OpenCC t2s), full-width ASCII → half-width, Latin
lower-cased, and horizontal whitespace next to Chinese characters removed
(scraped pages and PDFs insert spaces inside words: "本 文由第 一公文 网").
Other whitespace runs collapse to one space.

Every step but the whitespace removal maps one character to one character, so the
map back to the original is "identity plus the deleted runs". We keep that as a
short list of break points instead of an array per character: highlights found in
the normalized text land on the original characters (Traditional stays
Traditional) at almost no cost.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from collections.abc import Sequence
from functools import lru_cache

#: Bumped whenever the output of :func:`normalize` changes for some input; part of
#: the analyzer version recorded in the index.
NORMALIZER_VERSION = 1

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20,
                   0x202F: 0x20, 0x205F: 0x20, 0x0009: 0x20})
_FULLWIDTH.update({cp: cp + 32 for cp in range(0x41, 0x5B)})  # A-Z → a-z
_FULLWIDTH.update({cp: cp - 0xFEE0 + 32 for cp in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ → a-z
_TABLE = str.maketrans(_FULLWIDTH)


class CodepointTable:
    """A ``str.translate`` table that maps BMP characters one to one, applied fast.

    ``str.translate`` with a dict looks every character up as a Python integer,
    which made it the largest single cost of indexing (~60 ns per character, five
    passes over every text). On long texts we look the code points up in a NumPy
    array instead (the text as UTF-32, one array lookup, back to text): the same
    result about 15 times faster. Short texts (queries, titles, lines) keep
    ``str.translate``, which is cheaper than the round trip there. Lone surrogates
    (undecodable bytes kept by ``surrogateescape``) pass through unchanged both ways.
    """

    #: Texts shorter than this use ``str.translate``.
    MIN_ARRAY_CHARS = 256

    def __init__(self, table: dict[int, int]):
        if any(not (0 <= k < 0x10000 and isinstance(v, int) and 0 <= v < 0x10000) for k, v in table.items()):
            raise ValueError("CodepointTable maps BMP code points to BMP code points only")
        self.table = dict(table)
        self._lut = None  # built on first long text: most processes only normalize queries

    def __call__(self, text: str) -> str:
        if len(text) < self.MIN_ARRAY_CHARS:
            return text.translate(self.table)
        import numpy as np

        lut = self._lut
        if lut is None:
            lut = np.arange(0x10000, dtype=np.uint32)
            for k, v in self.table.items():
                lut[k] = v
            self._lut = lut
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        mapped = np.where(codes < 0x10000, lut[codes & 0xFFFF], codes)
        return mapped.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


_FOLD_WIDTH = CodepointTable(_TABLE)

_CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
# Runs of spaces (after translation every horizontal space is " ") and zero-width marks.
_SPACE_RUN = re.compile("[ \u200b\u200c\u200d\u2060\ufeff]+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, guaranteed one character for one character.

    OpenCC converts by phrases; in the rare case a line changes length we convert
    that line character by character, which keeps offsets aligned.
    """
    conv = _t2s()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        c = conv.convert(line)
        if len(c) != len(line):
            c = "".join(ch2 if len(ch2 := conv.convert(ch)) == 1 else ch for ch in line)
        fixed.append(c)
    return "\n".join(fixed)


@dataclass(frozen=True)
class Normalized:
    """Normalized text and the way back to original character offsets."""

    text: str
    #: Break points: ``_norm_at[k]`` is a normalized offset from which on original
    #: offsets are ``norm + _shift[k]``.
    _norm_at: list[int] = field(default_factory=list, repr=False)
    _shift: list[int] = field(default_factory=list, repr=False)

    @property
    def breakpoints(self) -> tuple[list[int], list[int]]:
        """The map back to the original, to store beside the text (see :meth:`restore`)."""
        return self._norm_at, self._shift

    @classmethod
    def restore(cls, text: str, norm_at: list[int], shift: list[int]) -> "Normalized":
        """Rebuild a :class:`Normalized` from stored text and break points, without
        normalizing again (snippets need the map for every hit of every query)."""
        return cls(text, list(norm_at), list(shift))

    def to_original(self, pos: int) -> int:
        """Original offset of the normalized character at ``pos``."""
        return original_offset(self._norm_at, self._shift, pos)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open normalized span to the original text."""
        return original_span(self._norm_at, self._shift, start, end)


def original_offset(norm_at: Sequence[int], shift: Sequence[int], pos: int) -> int:
    """Original offset of the normalized character at ``pos``, given the break points
    of :class:`Normalized` (shared with the store's reader, which keeps them apart)."""
    k = bisect.bisect_right(norm_at, pos) - 1
    return pos + (shift[k] if k >= 0 else 0)


def original_span(norm_at: Sequence[int], shift: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Map a half-open normalized span to the original text: an empty span stays empty
    at its start's original offset; otherwise it ends after its last character's."""
    if end <= start:
        o = original_offset(norm_at, shift, start)
        return o, o
    return original_offset(norm_at, shift, start), original_offset(norm_at, shift, end - 1) + 1


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def normalize(text: str) -> Normalized:
    """Normalize ``text`` for indexing or querying; see the module docstring."""
    s = _FOLD_WIDTH(to_simplified(text))
    lowered = s.lower()
    if len(lowered) == len(s):
        s = lowered
    pieces: list[str] = []
    norm_at: list[int] = []
    shifts: list[int] = []
    last = 0
    deleted = 0
    n = len(s)
    for m in _SPACE_RUN.finditer(s):
        a, b = m.span()
        run = m.group()
        before = s[a - 1] if a > 0 else "\n"
        after = s[b] if b < n else "\n"
        only_zero_width = " " not in run
        drop_all = only_zero_width or "\n" in (before, after) or _is_cjk(before) or _is_cjk(after)
        keep = 0 if drop_all else 1
        if run == " " and keep:
            continue  # already a single space
        pieces.append(s[last:a])
        if keep:
            pieces.append(" ")
        norm_at.append(a - deleted + keep)  # first normalized offset after this run
        deleted += (b - a) - keep
        shifts.append(deleted)
        last = b
    if not pieces:
        return Normalized(s)
    pieces.append(s[last:])
    return Normalized("".join(pieces), norm_at, shifts)


def normalize_query(text: str) -> str:
    """Normalized form of user input (no offsets needed)."""
    return normalize(text).text.strip()
