"""Turn the bytes of a text file into ``str``, whatever encoding the office used.

Reports arrive as UTF-8 (with or without a BOM), GB18030/GBK (older Windows machines),
Big5 (Taiwan, Hong Kong), or UTF-16 (Notepad's "Unicode"). We try the strict, cheap
decoders first because they almost never decode wrongly, and only then ask
charset-normalizer to guess. GB18030 and Big5 accept each other's bytes more often
than not, so when both decode strictly the text that reads more like Chinese wins
(:func:`chinese_score`), not the one tried first. Binary data is refused rather than indexed as noise.

Two kinds of damage are common enough to repair rather than refuse: a file cut
in the middle of its last character (an interrupted copy or download: the strict
decoders then fail on the final one to three bytes only), and a file pasted
together from parts in different encodings (a GBK report with a UTF-8 paragraph
appended). The first keeps its text with the cut character replaced; the second
is decoded line by line when nearly every line decodes strictly in one of the
usual encodings.
"""

from __future__ import annotations

import codecs
import re

from searchapp.errors import ReadError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Share of C0 control characters (other than tab/newline/CR/form feed) above which
#: decoded text is treated as binary.
_MAX_CONTROL_SHARE = 0.01


#: C0 control characters (and DEL) that never occur in real text; tab, newlines and
#: form feed do. Deleting them with a regular expression counts them at C speed
#: (they are rare, so the deletion copies the text once).
_CONTROLS_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]+")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20000]
    return (len(sample) - len(_CONTROLS_RE.sub("", sample))) / len(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    """Notepad-style UTF-16 without BOM: every other byte is NUL for ASCII text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for enc, nuls in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
        if nuls > half * 0.2:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)``.

    Raises :class:`ReadError` with a reason when the data looks binary or no
    encoding decodes it cleanly.
    """
    if not data:
        return "", "utf-8"
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise ReadError(f"declares {enc} by its byte-order mark but does not decode: {exc.reason}") from None
    if b"\x00" in data[:8192]:
        text = _utf16_without_bom(data)
        if text is not None and _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, "utf-16"
        raise ReadError("binary file (contains NUL bytes)")
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return mostly_utf8, "utf-8"
    text = _decode_cut_end(data, "utf-8")
    if text is not None:
        if _control_share(text) > _MAX_CONTROL_SHARE:
            raise ReadError("binary file (too many control characters)")
        return text, "utf-8"
    chosen = _most_chinese(data)
    if chosen is not None:
        text, enc = chosen
        if _control_share(text) > _MAX_CONTROL_SHARE:
            raise ReadError("binary file (too many control characters)")
        return text, enc
    mixed = _per_line(data)
    if mixed is not None:
        return mixed, "mixed"
    return _guess(data)


#: Longest byte sequence of one character in the multi-byte encodings we decode.
_MAX_CHAR_BYTES = 4


def _decode_cut_end(data: bytes, enc: str) -> str | None:
    """``data`` decoded strictly as ``enc``, tolerating a last character cut short
    (replaced by U+FFFD); ``None`` when any other byte does not decode."""
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - _MAX_CHAR_BYTES or exc.start == 0:
            return None
        try:
            return data[:exc.start].decode(enc) + "\ufffd"
        except UnicodeDecodeError:
            return None


#: Share of non-empty lines that must decode strictly for a line-by-line decoding.
_MIN_CLEAN_LINES = 0.98


def _per_line(data: bytes) -> str | None:
    """A file pasted together from parts in different encodings, decoded line by line:
    UTF-8 when the line is valid UTF-8, else the stricter-fitting of GB18030 and Big5
    (by share of common characters, as for whole files). ``None`` unless nearly every
    line decodes strictly, so that binary data and unknown encodings still go to
    detection."""
    lines = data.split(b"\n")
    out: list[str] = []
    clean = total = 0
    for raw in lines:
        text = _decode_line(raw)
        if raw.strip():
            total += 1
            clean += text is not None
        out.append(text if text is not None else raw.decode("utf-8", errors="replace"))
    if total < 2 or clean < total * _MIN_CLEAN_LINES:
        return None
    text = "\n".join(out)
    return text if _control_share(text) <= _MAX_CONTROL_SHARE else None


def _decode_line(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append(raw.decode(enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return None
    return max(candidates, key=chinese_score)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 that is clean but for a few damaged bytes (a file cut mid-character,
    one bad byte from a copy-paste). Decoding it as GB18030 would turn the whole
    file into mojibake, so keep UTF-8 and replace just the damaged bytes."""
    try:
        data.decode("utf-8")
        return None  # clean UTF-8 is handled by the strict path
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    if damaged <= max(2, len(text) // 2000) and _control_share(text) <= _MAX_CONTROL_SHARE:
        return text
    return None


def _most_chinese(data: bytes) -> tuple[str, str] | None:
    """The strict decoding among GB18030 and Big5 whose text is the most Chinese.

    Big5 bytes are nearly always valid GB18030 (and GBK bytes often valid Big5), so
    which decoder succeeds says little; trying them in a fixed order reads a Taiwanese
    export as GB18030 garbage. Each candidate is scored by :func:`chinese_score`
    (how many of its Han characters are everyday ones, in either script); GB18030
    wins ties, being the commoner source."""
    candidates = []
    for enc in ("gb18030", "big5"):
        text = _decode_cut_end(data, enc)
        if text is not None:
            candidates.append((chinese_score(text), enc == "gb18030", text, enc))
    if not candidates:
        return None
    _score, _gb, text, enc = max(candidates, key=lambda c: (c[0], c[1]))
    return text, enc


def chinese_score(text: str) -> float:
    """How much ``text`` reads as Chinese: the share of its Han characters that are
    among the ~500 commonest of either script, minus the share of characters no
    report contains (private use, compatibility forms, lone combining marks) that a
    wrong decoder produces."""
    sample = text[:5000]
    if not sample:
        return 0.0
    han = [c for c in sample if "\u4e00" <= c <= "\u9fff"]
    odd = sum(1 for c in sample if "\ue000" <= c <= "\uf8ff" or "\uf900" <= c <= "\ufaff" or "\u0300" <= c <= "\u036f")
    common = sum(1 for c in han if c in _COMMON) / len(han) if han else 0.0
    return common - odd / len(sample)


# Frequent characters of both scripts; a crude but robust signal for choosing
# between two strict decodings of the same bytes.
_COMMON = set(
    "的一是不了在人有我他這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對生能而子那得于於着著下自之年过過发發后後作里裡用道行所然家种種事成方多经經么麼去法学學如都同现現当當没沒动動面起看定天分还還进進好小部其些主样樣理心她本前开開但因只从從想实實日军軍者意无無力它与與长長把机機十民第公此已工使情明性知全三又关關点點正业業外将將两兩高间間由问問很最重并並物手应應战戰向头頭文体體政美相见見被利什二等产產或新己制身果加西斯月话話合回特代内內信表化老给給世位次度门門任常先海通教儿兒原东東声聲提立及比员員解水名真论論处處走义義各入几幾口认認条條平系气氣题題活尔爾更别別打女变變四神总總何电電数數安少报報才结結反受目太量再感建务務做接必场場件计計管期市直德资資命山金指克许許统統区區保至队隊形社便空决決治展马馬科司五基眼书書非则則听聽白却界达達光放强強即像难難且权權思王象完设設式色路记記南品住告类類求据據程北边邊死张張该該交规規万萬取拉格望觉覺术術领領共确確传傳师師观觀清今切院让讓识識候带帶导導争爭运運笑飞飛风風步改收根干干持育校"
)


def _guess(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200000]).best()
    if best is None or best.encoding is None:
        raise ReadError("no text encoding decodes this file (binary or damaged)")
    try:
        text = data.decode(best.encoding, errors="strict")
    except (UnicodeDecodeError, LookupError):
        # Truncated or mixed files: keep what decodes, mark the rest.
        text = data.decode(best.encoding, errors="replace")
        if text.count("\ufffd") > max(10, len(text) // 100):
            raise ReadError(f"damaged text: too many bytes that are not {best.encoding}") from None
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise ReadError("binary file (too many control characters)")
    return text, best.encoding
