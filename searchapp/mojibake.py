"""Repair mojibake that scraped report pages carry from their upstream sites.

Two kinds of damage are repaired, both only where the bytes prove it:

``utf8-as-gbk``
    UTF-8 text decoded as GBK/GB18030 (``s.encode("utf-8").decode("gbk",
    errors="replace")``): 百校 becomes 鐧炬牎.  Every CJK character is three
    UTF-8 bytes, so the damaged run alternates between characters whose GBK lead
    byte is a UTF-8 lead byte (0xE2-0xE9, 0xEF) and characters made of UTF-8
    continuation bytes.  Re-encoding the run as GB18030 gives the UTF-8 bytes
    back; each U+FFFD stands for exactly one byte the decoder could not pair.

``gbk-shift``
    What seed 001 actually shows (it is *not* the UTF-8 kind above).  The site
    held GBK text and ran a byte-level full-width -> half-width punctuation
    replacement (``A3 xx`` -> ASCII ``xx - 0x80``) that was not aligned to
    character boundaries in places.  Where a character ending in byte 0xA3
    (校 D0A3, 保 B1A3, 。A1A3) was followed by a byte that makes ``A3 xx`` a
    full-width form, the pair straddling the two characters was replaced by one
    ASCII byte.  The decoder then met a lead byte followed by ASCII, printed it
    as ``?``, and stayed one byte out of step — producing rare characters such as
    毙袆佑媱 — until it consumed a trail byte in 0x40-0x7E as a stray ASCII
    letter (``C``, ``g``, ``}``, ``V``, ``x``, ``F``).  Hence the signature
    ``百?!毙袆佑媱潪槠鯔C`` for 百校”行動計劃為契機.  Re-encoding the run as
    GBK and decoding it one byte later restores the text.  The lead byte of the
    first character is lost for good; it is guessed from context (jieba's word
    list and the document's own bigrams) only when one candidate clearly wins,
    otherwise the ``?`` stays.  Out-of-step pairs that fell in GBK's
    user-defined area were dropped upstream as well (two bytes each), which
    leaves one wrong character at that point (安燃場 for 安全,考場); every
    repaired character is therefore checked against its neighbours with the
    word list, a dropped pair is re-inserted when words on both sides confirm
    it, and a character nothing supports becomes ``?``.

Both repairs are conservative: a span is replaced only when the reconstructed
bytes decode strictly, the result is mostly common Chinese characters, and it is
more plausible than the damaged text.  Clean text is rejected by a regular
expression pre-check in well under a millisecond for 20,000 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

__all__ = ["MojibakeRepair", "repair_mojibake"]

#: Marker for a byte that the upstream decoder replaced (its value is lost).
_UNK = -1
#: Longest damaged run we try to decode, in characters; real runs are a line at most.
_MAX_UTF8_RUN = 4000
_MAX_SHIFT_RUN = 80

_LOST_UTF8 = "\ufffd"
_LOST_SHIFT = "?"


@dataclass
class MojibakeRepair:
    """The repaired text and what was changed (for ``searchapp inspect``)."""

    text: str
    repairs: int = 0
    spans: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- tables


def _build_utf8_lead_chars() -> str:
    """Characters whose GBK bytes are a UTF-8 lead byte of a CJK/punctuation
    character followed by a continuation byte: the first character of every
    UTF-8-as-GBK run.  Searching for them is the cheap pre-check."""
    chars = []
    for lead in (*range(0xE2, 0xEA), 0xEF):
        for trail in range(0x80, 0xC0):
            try:
                chars.append(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


_UTF8_LEAD_RE = re.compile("[" + re.escape(_build_utf8_lead_chars()) + "]")

# ASCII punctuation (and full-width forms) that a folded ``A3 xx`` pair becomes.
_SHIFT_PUNCT = r"!-/:-@\[-`{-~\uff01-\uff5e"
_SHIFT_START_RE = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018-\u201d])[?\ufffd](?=[" + _SHIFT_PUNCT + "])")

_CJK_PUNCT = set(
    "，。、；：？！“”‘’（）《》〈〉【】「」『』…—·～〔〕％＋－．／＠＃＆＊"
    ",.;:?!()%+-/'\"[]<>~"
)


@lru_cache(maxsize=1 << 16)
def _is_common_han(ch: str) -> bool:
    """A frequent character of either script: GB2312 level 1 (3,755 most used
    Simplified characters) or Big5 level 1 (5,401 most used Traditional ones).
    Both come with Python's codecs, so no frequency data needs shipping."""
    try:
        b = ch.encode("gb2312")
        if len(b) == 2 and 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
        if len(b) == 2 and 0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E:
            return True
    except UnicodeEncodeError:
        pass
    return False


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def _is_plausible_char(ch: str) -> bool:
    """Characters that can appear in a repaired report: Han, CJK and ASCII
    punctuation, digits and letters.  A repair producing Latin-1 letters, box
    drawing or private-use characters is a wrong guess."""
    if _is_han(ch) or ch in _CJK_PUNCT:
        return True
    o = ord(ch)
    return 0x20 <= o < 0x7F or 0xFF10 <= o <= 0xFF19 or ch in "\u3000"


# --------------------------------------------------------------------------- results


@dataclass
class _Lost:
    """A character whose bytes are partly unknown; ``candidates`` lists the
    characters consistent with the known bytes."""

    candidates: tuple[str, ...]
    placeholder: str


_Piece = str | _Lost


@dataclass
class _Span:
    start: int
    end: int
    pieces: list[_Piece]


# --------------------------------------------------------------------------- utf8-as-gbk


def _gb_bytes(ch: str) -> list[int] | None:
    """The bytes a GBK/GB18030 decoder read to produce ``ch`` (U+FFFD = one lost byte)."""
    if ch == "\ufffd":
        return [_UNK]
    o = ord(ch)
    if o < 0x80:
        return [o]
    try:
        b = ch.encode("gb18030")
    except UnicodeEncodeError:
        return None
    return list(b) if len(b) == 2 else None


def _utf8_candidates(known: list[int]) -> tuple[str, ...]:
    """Common characters whose UTF-8 bytes agree with ``known`` (one byte unknown)."""
    if known.count(_UNK) != 1 or known[0] == _UNK:
        return ()
    out = []
    for b in range(0x80, 0xC0):
        trial = bytes(b if x == _UNK else x for x in known)
        try:
            ch = trial.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(ch) == 1 and (_is_common_han(ch) or ch in _CJK_PUNCT):
            out.append(ch)
    return tuple(out)


class _Utf8Feed:
    """Incremental UTF-8 decoder that tolerates unknown continuation bytes."""

    def __init__(self) -> None:
        self.pieces: list[_Piece] = []
        self._buf: list[int] = []
        self._need = 0

    @property
    def at_boundary(self) -> bool:
        return self._need == 0

    def feed(self, b: int) -> bool:
        """Add one byte; False when the stream stops being plausible UTF-8."""
        if self._need == 0:
            if b == _UNK or 0x80 <= b < 0xC2 or b > 0xF4:
                return False
            if b < 0x80:
                self.pieces.append(chr(b))
                return True
            self._buf = [b]
            self._need = 1 if b < 0xE0 else 2 if b < 0xF0 else 3
            return True
        if b != _UNK and not 0x80 <= b <= 0xBF:
            return False
        self._buf.append(b)
        self._need -= 1
        if self._need:
            return True
        return self._finish()

    def _finish(self) -> bool:
        if _UNK in self._buf:
            self.pieces.append(_Lost(_utf8_candidates(self._buf), _LOST_UTF8))
            return True
        try:
            ch = bytes(self._buf).decode("utf-8")
        except UnicodeDecodeError:
            return False
        if not _is_plausible_char(ch):
            return False
        self.pieces.append(ch)
        return True


def _try_utf8_span(text: str, start: int) -> _Span | None:
    """Decode the longest run from ``start`` whose GB bytes are valid UTF-8 and
    end on a character boundary of both encodings."""
    feed = _Utf8Feed()
    best: tuple[int, int] | None = None
    limit = min(len(text), start + _MAX_UTF8_RUN)
    j = start
    while j < limit:
        ch = text[j]
        if ch == "?" and not feed.at_boundary:
            bs: list[int] | None = [_UNK]  # some decoders print '?' for a lost byte
        else:
            bs = _gb_bytes(ch)
        if bs is None or ch == "\n":
            break
        if not all(feed.feed(b) for b in bs):
            break
        j += 1
        if feed.at_boundary and ord(ch) >= 0x80:
            best = (j, len(feed.pieces))
    if best is None:
        return None
    end, n = best
    return _Span(start, end, feed.pieces[:n])


def _utf8_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    last_end = 0
    for m in _UTF8_LEAD_RE.finditer(text):
        if m.start() < last_end:
            continue
        span = _try_utf8_span(text, m.start())
        if span is not None and _accept(text[span.start : span.end], span.pieces, min_han=2, max_lost=1 / 2):
            spans.append(span)
            last_end = span.end
    return spans


# --------------------------------------------------------------------------- gbk-shift


def _gbk_candidates(lead: int, trail: int) -> tuple[str, ...]:
    """Common characters (or CJK punctuation) whose GBK pair agrees with the known byte."""
    out = []
    for b in range(0x81, 0xFF):
        pair = bytes((b, trail)) if lead == _UNK else bytes((lead, b))
        try:
            ch = pair.decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(ch) == 1 and (_is_common_han(ch) or ch in _CJK_PUNCT):
            out.append(ch)
    return tuple(out)


def _shift_code(ch: str) -> int | None:
    """Second byte of the ``A3 xx`` full-width form that became ``ch``."""
    o = ord(ch)
    if 0x21 <= o <= 0x7E:
        return o + 0x80
    if 0xFF01 <= o <= 0xFF5E:
        return o - 0xFF01 + 0xA1
    return None


def _shift_tokens(text: str, start: int) -> tuple[list[int], int] | None:
    """Rebuild the byte stream of a ``gbk-shift`` span starting at the lost-lead
    ``?`` at ``start``.  Returns (bytes with _UNK, end index) once the damaged
    decoder is back in step, or None."""
    code = _shift_code(text[start + 1])
    if code is None:
        return None
    raw = [_UNK, 0xA3, code]
    j = start + 2
    limit = min(len(text), start + _MAX_SHIFT_RUN)
    while j < limit:
        ch = text[j]
        nxt = text[j + 1] if j + 1 < len(text) else ""
        if ch in "?\ufffd":
            nxt_code = _shift_code(nxt) if nxt else None
            if nxt_code is None or nxt.isalnum():
                return None  # a bare '?' here is a real question mark
            raw += [_UNK, 0xA3, nxt_code]
            j += 2
        elif 0x40 <= ord(ch) <= 0x7E:
            if not nxt or nxt.isspace() or (nxt.isascii() and nxt.isalnum()):
                return None  # an English word or a line end, not a stray trail byte
            raw.append(ord(ch))
            j += 1
        elif ord(ch) < 0x40:
            if ch.isspace():
                return None
            raw += [0xA3, ord(ch) + 0x80]  # a folded full-width form inside the run
            j += 1
        else:
            bs = _gb_bytes(ch)
            if bs is None or len(bs) != 2:
                return None
            raw += bs
            j += 1
        if (len(raw) - 2) % 2 == 0:
            return raw, j
    return None


@dataclass
class _Shifted:
    """One character of a realigned gbk-shift span and the GBK pair it came from."""

    piece: _Piece
    pair: tuple[int, int] | None = None


def _decode_shifted(raw: list[int], folded: bool) -> list[_Shifted] | None:
    """Decode the stream in its true alignment: (lost, A3) then pairs from raw[2]."""
    out = [_Shifted(_Lost(_gbk_candidates(_UNK, 0xA3), _LOST_SHIFT))]
    p = 2
    while p < len(raw):
        lead = raw[p]
        if lead != _UNK and lead < 0x80:
            out.append(_Shifted(chr(lead)))
            p += 1
            continue
        if p + 1 >= len(raw):
            return None
        trail = raw[p + 1]
        p += 2
        if _UNK in (lead, trail):
            cands = _gbk_candidates(lead, trail) if (lead, trail).count(_UNK) == 1 else ()
            out.append(_Shifted(_Lost(cands, _LOST_SHIFT)))
            continue
        try:
            ch = bytes((lead, trail)).decode("gbk")
        except UnicodeDecodeError:
            return None
        if folded and 0xFF01 <= ord(ch) <= 0xFF5E:
            ch = chr(ord(ch) - 0xFEE0)
        if not (_is_han(ch) or ch in _CJK_PUNCT):
            # bytes went missing upstream as well (seed 001: ，加 -> Ｓ): unknowable
            out.append(_Shifted(_Lost((), _LOST_SHIFT)))
            continue
        out.append(_Shifted(ch, (lead, trail)))
    return out


# Misaligned pairs that a GB18030 decoder turns into private-use characters,
# which the upstream site then dropped: (first byte range, second byte range).
_DROPPED_PAIRS = (
    ((*range(0xAA, 0xB0), *range(0xF8, 0xFF)), range(0xA1, 0xFF)),
    (range(0xA1, 0xA8), range(0x81, 0xA1)),
)


def _supported(seq: list[_Shifted], i: int, text: str) -> bool:
    """A repaired character is trusted when it is punctuation, a free-standing
    character, or forms a word / document bigram with a neighbour."""
    ch = seq[i].piece
    assert isinstance(ch, str)
    if not _is_han(ch) or ch in _FREE_CHARS:
        return True
    for j in (i - 1, i + 1):
        if 0 <= j < len(seq):
            other = seq[j].piece
            if isinstance(other, _Lost):
                return True  # its partner is unknown; nothing to check against
            pair = (other, ch) if j < i else (ch, other)
            if _pair_evidence(*pair, text):
                return True
    return False


def _best_char(chars: list[str], neighbour: str, left: bool, text: str) -> tuple[int, str | None]:
    scored = sorted(
        ((_pair_evidence(neighbour, c, text) if left else _pair_evidence(c, neighbour, text), c) for c in chars),
        reverse=True,
    )
    if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return 0, None
    return scored[0]


def _split_dropped(seq: list[_Shifted], i: int, text: str) -> tuple[int, list[_Shifted]] | None:
    """Test the hypothesis that a dropped private-use pair sat inside seq[i]:
    its lead byte then starts one true character and its trail byte ends
    another (安燃場 -> 安全…考場).  Both must be backed by words."""
    pair = seq[i].pair
    if pair is None or i == 0 or i + 1 >= len(seq):
        return None
    prev, nxt = seq[i - 1].piece, seq[i + 1].piece
    if not isinstance(prev, str) or not isinstance(nxt, str):
        return None
    lead, trail = pair
    best: tuple[int, list[_Shifted]] | None = None
    for firsts, seconds in _DROPPED_PAIRS:
        left = [c for c in (_decode_pair(lead, b) for b in firsts) if c]
        right = [c for c in (_decode_pair(b, trail) for b in seconds) if c]
        sa, a = _best_char(left, prev, True, text)
        sb, b = _best_char(right, nxt, False, text)
        if a and b and (best is None or sa + sb > best[0]):
            best = (sa + sb, [_Shifted(a), _Shifted(b)])
    return best


def _decode_pair(lead: int, trail: int) -> str | None:
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return ch if _is_common_han(ch) else None


def _verify_shifted(seq: list[_Shifted], text: str) -> list[_Shifted]:
    """Check every repaired character against its neighbours.  The first
    failure is usually a character that absorbed a dropped pair; fix that by
    the split hypothesis, and mark what still has no support as lost."""
    for _ in range(len(seq)):
        bad = [i for i, s in enumerate(seq) if isinstance(s.piece, str) and s.pair and not _supported(seq, i, text)]
        if not bad:
            return seq
        splits = [(r[0], i, r[1]) for i in bad if (r := _split_dropped(seq, i, text)) is not None]
        if not splits:
            for i in bad:
                seq[i] = _Shifted(_Lost((), _LOST_SHIFT))
            return seq
        _score, i, parts = max(splits, key=lambda t: t[0])
        seq[i : i + 1] = parts
    return seq


def _all_guessed(start: int, end: int, pieces: list[_Piece], text: str) -> bool:
    """A short span made only of lost characters (學?!?, for 學校”,) is
    repaired only when the guesses restore a Han bigram the page uses elsewhere."""
    if not pieces or len(pieces) > 4:
        return False
    rendered = _render(_Span(start, end, pieces), text)
    if not any(_is_han(c) for c in rendered) or not all(_is_plausible_char(c) for c in rendered):
        return False
    # every character here is a guess: demand that the page itself uses one
    # of the restored bigrams (學校 occurs 42 times in seed 001)
    chain = text[max(0, start - 1) : start] + rendered
    return any(
        _is_han(chain[i]) and _is_han(chain[i + 1]) and chain[i : i + 2] in text for i in range(len(chain) - 1)
    )


def _short_span_has_evidence(span: _Span, text: str) -> bool:
    """A repair of one or two characters (擇?,F象 -> 擇校現象) is too small for
    the byte structure alone to prove it; it needs a word or document bigram
    joining a repaired character to a neighbour (校現象: 现象)."""
    known = [p if isinstance(p, str) else "" for p in span.pieces]
    if sum(1 for c in known if _is_han(c)) > 2:
        return True
    # guessed characters do not count: their own guess was made from evidence
    chain = [(c, False) for c in text[max(0, span.start - 1) : span.start]]
    chain += [(c, True) for c in known]
    chain += [(c, False) for c in text[span.end : span.end + 1]]
    return any(
        (a_new or b_new) and _pair_evidence(a, b, text) > 0
        for (a, a_new), (b, b_new) in zip(chain, chain[1:])
        if a and b
    )


def _shift_ok(start: int, end: int, pieces: list[_Piece], text: str) -> bool:
    damaged = text[start:end]
    return _accept(damaged, pieces, min_han=1) or _all_guessed(start, end, pieces, text)


def _shift_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    last_end = 0
    for m in _SHIFT_START_RE.finditer(text):
        if m.start() < last_end:
            continue
        built = _shift_tokens(text, m.start())
        if built is None:
            continue
        raw, end = built
        decoded = _decode_shifted(raw, folded=text[m.start() + 1].isascii())
        if decoded is None:
            continue
        damaged = text[m.start() : end]
        if not _shift_ok(m.start(), end, [s.piece for s in decoded], text):
            continue
        context = [_Shifted(c) for c in text[max(0, m.start() - 1) : m.start()]]
        after = [_Shifted(c) for c in text[end : end + 1]]
        seq = _verify_shifted(context + decoded + after, text)
        pieces = [s.piece for s in seq[len(context) : len(seq) - len(after)]]
        if not _shift_ok(m.start(), end, pieces, text):
            continue
        span = _Span(m.start(), end, pieces)
        if not _short_span_has_evidence(span, text):
            continue
        spans.append(span)
        last_end = end
    return spans


# --------------------------------------------------------------------------- plausibility


def _common_share(chars: list[str]) -> float:
    han = [c for c in chars if _is_han(c)]
    if not han:
        return 0.0
    return sum(1 for c in han if _is_common_han(c)) / len(han)


def _accept(damaged: str, pieces: list[_Piece], *, min_han: int, max_lost: float = 1 / 3) -> bool:
    """Is the decoded span clearly better text than the damaged one?"""
    known = [p for p in pieces if isinstance(p, str)]
    lost = len(pieces) - len(known)
    han = [c for c in known if _is_han(c)]
    if len(han) < min_han or lost > max(1, int(len(pieces) * max_lost)):
        return False
    if not all(_is_plausible_char(c) for c in known):
        return False
    share = _common_share(han)
    if share < 0.75:
        return False
    return share > _common_share(list(damaged)) or any(c.isascii() and c.isalpha() for c in damaged)


# --------------------------------------------------------------------------- word evidence

#: A dictionary word counts as evidence only above this jieba frequency; the
#: word list also holds rare entries (百担, 左校) that would back wrong guesses.
_MIN_WORD_FREQ = 20

#: Single characters that stand alone in running text (particles, prepositions),
#: so a repaired one needs no word around it.
_FREE_CHARS = set(
    "的了是在和与與为為及等之其也而并並于於把被对對从從以将將向由到个個各每该該此这這那所"
    "着著过過就都又还還则則但或即如若因再更最很已一二三四五六七八九十"
)


@lru_cache(maxsize=1)
def _word_lookup() -> Callable[[str], int]:
    """jieba's frequency of a word (0 when it is not a word), folding
    Traditional text to Simplified with OpenCC first.  Loaded only when a
    repair has to be checked, so clean text never pays for it."""
    try:
        import opencc
        import rjieba
    except ImportError:  # pragma: no cover - both are declared dependencies
        return lambda _w: 0
    t2s = opencc.OpenCC("t2s")

    @lru_cache(maxsize=1 << 16)
    def word_freq(word: str) -> int:
        for w in (word, t2s.convert(word)):
            if rjieba.has_word(w):
                return int(rjieba.suggest_freq(w))  # read-only in jieba-rs
        return 0

    return word_freq


def _pair_evidence(a: str, b: str, text: str) -> int:
    """How strongly the two adjacent characters belong together: a known word,
    or a bigram the document uses elsewhere (same author, same vocabulary)."""
    if not a or not b or a in "?\ufffd" or b in "?\ufffd":
        return 0
    score = 0
    if _is_han(a) and _is_han(b) and _word_lookup()(a + b) >= _MIN_WORD_FREQ:
        score += 2
    return score + 2 * min(3, text.count(a + b))


def _guess(cands: tuple[str, ...], before: str, after: str, text: str) -> str | None:
    """Pick the lost character only when the evidence singles one out: it is
    the only common character the known bytes allow, or its word/bigram
    evidence is at least three times that of the runner-up (學?: 學校 8 vs
    學海 2).  A contest (履?教育: 履行 2 vs 履职+职教 4) keeps the
    placeholder, since a wrong character is worse for search than a missing one."""
    if len(cands) == 1:
        return cands[0]
    scored = sorted(
        ((_pair_evidence(before[-1:], c, text) + _pair_evidence(c, after[:1], text), c) for c in cands),
        reverse=True,
    )
    if scored and scored[0][0] >= 2 and (len(scored) == 1 or scored[0][0] >= 3 * scored[1][0]):
        return scored[0][1]
    return None


def _render(span: _Span, text: str) -> str:
    """Turn pieces into text, guessing lost characters from their neighbours."""
    out: list[str] = []
    pieces = span.pieces
    for i, piece in enumerate(pieces):
        if isinstance(piece, str):
            out.append(piece)
            continue
        before = "".join(out[-2:]) if out else text[max(0, span.start - 2) : span.start]
        after = ""
        for nxt in pieces[i + 1 : i + 3]:
            if not isinstance(nxt, str):
                break
            after += nxt
        if len(after) < 2 and i + 1 + len(after) >= len(pieces):
            after += text[span.end : span.end + 2 - len(after)]
        out.append(_guess(piece.candidates, before, after, text) or piece.placeholder)
    return "".join(out)


# --------------------------------------------------------------------------- entry point


def _apply(text: str, spans: list[_Span], result: MojibakeRepair) -> str:
    if not spans:
        return text
    parts = []
    pos = 0
    for span in spans:
        before = text[span.start : span.end]
        after = _render(span, text)
        parts.append(text[pos : span.start])
        parts.append(after)
        pos = span.end
        result.repairs += 1
        result.spans.append((before, after))
    parts.append(text[pos:])
    return "".join(parts)


def repair_mojibake(text: str) -> MojibakeRepair:
    """Repair spans where UTF-8 bytes were decoded as GBK/GB18030 upstream, and
    spans of one-byte-shifted GBK (seed 001), only when that is safe: the
    re-encoded bytes decode strictly into plausible, mostly common CJK text.
    Anything else is left unchanged.  Bytes lost upstream (shown as ``?`` or
    U+FFFD) become one placeholder character unless the word list and the
    document's own bigrams single out the missing character."""
    result = MojibakeRepair(text=text)
    if _SHIFT_START_RE.search(text) is not None:
        text = _apply(text, _shift_spans(text), result)
    if _UTF8_LEAD_RE.search(text) is not None:
        text = _apply(text, _utf8_spans(text), result)
    result.text = text
    return result
