"""What the cluster indexes: the normalized text, one character per token, every
character kept apart from its neighbours.

Sphinx/Manticore split text into words by a character table; Chinese has no
spaces, so ``ngram_len = 1`` makes every Chinese character a token of its own and
a quoted phrase becomes "these tokens at consecutive positions". That is exact
only if *every* character of the normalized text is a token: a character the
engine drops as a separator would let "教育，改革" match the phrase 教育改革.

So the text sent to the engine is the normalized text (:mod:`searchapp.normalize`)
with one change, character for character: ASCII characters that are neither
``[0-9a-z]`` nor printable letters — punctuation, spaces, line breaks, control
characters — are moved into the Private Use Area (U+E000 + code point), where the
engine's character table (:data:`CHARSET`) declares them ordinary one-character
tokens. ASCII punctuation must move because the query syntax gives it meaning
(``"`` ``-`` ``|`` ``(`` …); every other character already is a token. The map is
one-to-one, so a phrase matches exactly where the normalized text contains it as a
substring — the same rule as the local backend's exact channel.

Positions stay aligned with the normalized text (one token per character), which
the proximity ranking relies on.
"""

from __future__ import annotations

import re

#: Private Use Area base for ASCII characters that are not [0-9a-z].
PUA_BASE = 0xE000
#: Characters already in U+E000…U+E07F would collide with the moved ASCII; they
#: become this one (a tiny, documented loss: such characters are private anyway).
PUA_COLLISION = 0xE0FF


def _build_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for cp in range(0x80):
        ch = chr(cp)
        if not ("0" <= ch <= "9" or "a" <= ch <= "z"):
            table[cp] = PUA_BASE + cp
    for cp in range(PUA_BASE, PUA_BASE + 0x80):
        table[cp] = PUA_COLLISION
    return table


_TABLE = _build_table()

#: The engine's character table: every token character, each its own token
#: (``ngram_chars`` lists the same set). Surrogates are not characters in UTF-8.
CHARSET = "0..9, a..z, U+80..U+D7FF, U+E000..U+FFFD, U+10000..U+2FFFF"
#: Sphinx 2.2 knows no character above U+2FFFF (CJK extension G, U+30000…, is rare
#: in reports); such characters become :data:`PUA_COLLISION` too.
_BEYOND = re.compile("[\U00030000-\U0010ffff]")


def encode(normalized: str) -> str:
    """The normalized text as the engine indexes it (same length, same positions)."""
    encoded = normalized.translate(_TABLE)
    return _BEYOND.sub(chr(PUA_COLLISION), encoded) if _BEYOND.search(encoded) else encoded


def phrase(normalized: str) -> str:
    """A SphinxQL full-text phrase matching exactly ``normalized`` as a substring.
    Tokens are separated by spaces; the quotes are the only syntax used."""
    return '"' + " ".join(encode(normalized)) + '"'


__all__ = ["encode", "phrase", "CHARSET", "PUA_BASE"]
