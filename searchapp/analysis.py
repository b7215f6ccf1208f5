"""Chinese analysis for the word channel: normalize, then segment with jieba.

We never use jieba's bundled Whoosh ``ChineseAnalyzer``: it stores character
offsets as token positions, adds overlapping sub-words and runs an English
stemmer, which breaks phrase queries. Our tokenizer honours Whoosh's Token
contract: one position per word, ``mode`` respected, offsets when asked.

Words are jieba's (through ``rjieba``, a faithful Rust port that is about 25×
faster) on the *normalized* text, so Traditional input segments as well as
Simplified. Exact phrase recall does not depend on segmentation at all: that is
the job of the character-gram channel in :mod:`searchapp.textstore`. Words are
what an unquoted query requires (教师交流 → 教师, 交流), the indexed title field,
and the vocabulary behind as-you-type suggestions.

The analyzer's identity (:func:`analyzer_signature`) is recorded in the index; an
index built with another one refuses to open rather than answer wrongly.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Iterable, Iterator, Sequence

from whoosh.analysis import Token, Tokenizer

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
        """The indexable words, in order (punctuation and whitespace dropped)."""
        return [w for w in self._seg.cut(normalized_text) if _WORDLIKE.search(w)]

    def sub_words(self, word: str) -> list[str]:
        """jieba's search-mode sub-words of ``word`` (校园安全 → 校园, 安全), without
        the word itself: what a plain query may also match by (see query.plan)."""
        return [w for w in self._seg.cut_for_search(word) if w != word and _WORDLIKE.search(w)]

    def tokens(self, normalized_text: str) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` with offsets into ``normalized_text``."""
        return [(w, a, b) for w, a, b in self._seg.tokenize(normalized_text) if _WORDLIKE.search(w)]


class ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer: normalized jieba words, position 1 per word.

    ``value`` may be a ``str`` (normalized and segmented here) or a list of words
    already produced by :meth:`Segmenter.words` (the indexer segments each title
    once and hands the writer the words).
    """

    def __init__(self, user_words: Iterable[str] = ()):
        self.segmenter = Segmenter(user_words)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChineseTokenizer) and other.segmenter.user_words == self.segmenter.user_words

    def __getstate__(self) -> dict:
        return {"user_words": self.segmenter.user_words}

    def __setstate__(self, state: dict) -> None:
        self.segmenter = Segmenter(state["user_words"])

    def __call__(self, value, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if isinstance(value, str):
            if chars:
                norm = normalize(value)
                triples = [(w, norm.to_original(a), norm.to_original(b - 1) + 1)
                           for w, a, b in self.segmenter.tokens(norm.text)]
            else:
                triples = [(w, 0, 0) for w in self.segmenter.words(normalize(value).text)]
        else:
            triples = [(w, 0, 0) for w in value]
        for i, (word, a, b) in enumerate(triples):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + i
            if chars:
                token.startchar = start_char + a
                token.endchar = start_char + b
            yield token


def chinese_analyzer(user_words: Iterable[str] = ()) -> ChineseTokenizer:
    """The analyzer of the ``content`` and ``title`` fields."""
    return ChineseTokenizer(user_words)
