"""Chinese analysis for the word channel: normalize, then segment with jieba.

We never use jieba's bundled Whoosh ``ChineseAnalyzer``: it stores character
offsets as token positions, adds overlapping sub-words and runs an English
stemmer, which breaks phrase queries. Nothing is posted to Whoosh by words any
more (matching uses the exact channel), so there is no Whoosh tokenizer here.

Words are jieba's (through ``rjieba``, a faithful Rust port that is about 25×
faster) on the *normalized* text, so Traditional input segments as well as
Simplified. Exact phrase recall does not depend on segmentation at all: that is
the job of the character-gram channel in :mod:`searchapp.backend.local.textstore`.
Words are what an unquoted query requires (教师交流 → 教师, 交流) and the vocabulary
behind as-you-type suggestions.

The analyzer's identity (:func:`analyzer_signature`) is recorded in the index; an
index built with another one refuses to open rather than answer wrongly.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Iterable, Sequence

from searchapp.normalize import NORMALIZER_VERSION, normalize

ANALYZER_NAME = "searchapp-zh"
#: Bumped whenever tokenization output changes for some input.
TOKENIZER_VERSION = 1

# A token is worth indexing when it holds a letter or digit of any script.
_WORDLIKE = re.compile(r"\w")


def _pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def analyzer_signature(user_words: Sequence[str]) -> str:
    """Name and version of the whole analysis chain, user dictionary included."""
    words_hash = hashlib.sha1("\n".join(sorted(set(user_words))).encode("utf-8")).hexdigest()[:10]
    return (f"{ANALYZER_NAME}/{TOKENIZER_VERSION} normalizer/{NORMALIZER_VERSION} "
            f"rjieba/{_pkg_version('rjieba')} opencc/{_pkg_version('opencc')} userdict/{words_hash}")


@lru_cache(maxsize=8)
def _segmenter(user_words: tuple[str, ...]):
    import rjieba

    seg = rjieba.Jieba()
    for word in user_words:
        w = normalize(word).text
        if w:
            seg.add_word(w, None, None)
    return seg


class Segmenter:
    """jieba with the configured user dictionary, on already normalized text."""

    def __init__(self, user_words: Iterable[str] = ()):
        self.user_words = tuple(sorted(set(user_words)))
        self._seg = _segmenter(self.user_words)

    def words(self, normalized_text: str) -> list[str]:
        """The indexable words, in order (punctuation and whitespace dropped).

        The test runs once per *distinct* token (a report repeats its words and its
        punctuation), and the rare tokens that fail it are then dropped by a set lookup:
        about a quarter cheaper than testing every token."""
        tokens = self._seg.cut(normalized_text)
        dropped = {w for w in set(tokens) if not _WORDLIKE.search(w)}
        return [w for w in tokens if w not in dropped] if dropped else tokens

    def sub_words(self, word: str) -> list[str]:
        """jieba's search-mode sub-words of ``word`` (校园安全 → 校园, 安全), without
        the word itself: what a plain query may also match by (see query.plan)."""
        return [w for w in self._seg.cut_for_search(word) if w != word and _WORDLIKE.search(w)]

    def tokens(self, normalized_text: str) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` with offsets into ``normalized_text``."""
        return [(w, a, b) for w, a, b in self._seg.tokenize(normalized_text) if _WORDLIKE.search(w)]
