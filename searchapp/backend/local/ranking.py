"""Ranking of the local backend: BM25F over the exact channel's term frequencies.

Term frequencies come from the exact channel (counted while matching), document
lengths and titles from the snapshot's columns, title matches boosted; scoring
is vectorized with NumPy over the matched set, so a query that matches thousands
of reports still costs a few milliseconds. On top, tiers put documents that
contain an unquoted chunk as an exact phrase first, and documents with its words
close together next (checked within the best-scored window).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from searchapp.backend.local.snapshot import Snapshot

#: Score added to documents that contain an unquoted chunk as an exact phrase;
#: larger than any BM25F score, so they rank first.
EXACT_TIER = 1000.0
#: Score added when all words of a chunk occur within :data:`NEAR_CHARS` characters.
NEAR_TIER = 100.0
NEAR_CHARS = 12
#: Documents (best BM25F first, below the exact tier) checked for proximity.
NEAR_WINDOW = 100
#: BM25F parameters.
K1 = 1.2
B = 0.75
B_TITLE = 0.5

#: (sorted docnums, term frequencies) of a term: the exact channel's answer.
FindTf = Callable[[str], tuple[np.ndarray, np.ndarray]]


def bm25f(snap: Snapshot, find_tf: FindTf, terms: list[str], docs: np.ndarray, title_boost: float) -> np.ndarray:
    """BM25F of ``terms`` for the sorted docnums ``docs`` (body and title fields)."""
    scores = np.zeros(docs.size, dtype=np.float64)
    if docs.size == 0:
        return scores
    n_docs = max(1, len(snap.docs))
    body_norm = 1 - B + B * snap.lengths[docs] / snap.avg_length
    titles = [snap.norm_titles[d] for d in docs.tolist()]
    title_norm = 1 - B_TITLE + B_TITLE * np.fromiter((len(t) for t in titles), np.float64, docs.size) / max(
        1.0, snap.avg_title)
    for term in terms:
        term_docs, term_tf = find_tf(term)
        if term_docs.size == 0:
            continue
        idf = np.log(1 + (n_docs - term_docs.size + 0.5) / (term_docs.size + 0.5))
        pos = np.searchsorted(term_docs, docs)
        pos[pos >= term_docs.size] = 0
        present = term_docs[pos] == docs
        tf = np.where(present, term_tf[pos], 0).astype(np.float64)
        title_tf = np.fromiter((t.count(term) for t in titles), np.float64, docs.size)
        weighted = tf / body_norm + title_boost * title_tf / title_norm
        scores += idf * weighted * (K1 + 1) / (weighted + K1)
    return scores


def near(text: bytes, words: list[bytes]) -> bool:
    """All ``words`` occur within about :data:`NEAR_CHARS` characters of one another
    (UTF-8 bytes: three per Chinese character; the text is never decoded)."""
    first, rest = words[0], words[1:]
    reach = NEAR_CHARS * 3
    start = text.find(first)
    while start != -1:
        window = text[max(0, start - reach):start + len(first) + reach]
        if all(w in window for w in rest):
            return True
        start = text.find(first, start + 1)
    return False


def rank(snap: Snapshot, find_tf: FindTf, phrases: list[str], chunks: dict[str, list[str]], docs: np.ndarray,
         title_boost: float) -> tuple[np.ndarray, np.ndarray]:
    """The sorted docnums ``docs`` ordered by score (best first), with their scores.

    ``phrases`` are the quoted phrases a match contains, ``chunks`` each unquoted
    chunk with its words."""
    terms: list[str] = list(phrases)
    for words in chunks.values():
        terms.extend(words)
    scores = bm25f(snap, find_tf, list(dict.fromkeys(terms)), docs, title_boost)
    tiers = np.zeros(docs.size, dtype=np.float64)
    for text, words in chunks.items():
        if len(words) < 2:
            continue
        exact_docs, _ = find_tf(text)
        exact = np.isin(docs, exact_docs, assume_unique=True)
        tiers += np.where(exact, EXACT_TIER, 0.0)
        # Proximity, for the best candidates that lack the exact phrase.
        others = np.flatnonzero(~exact)
        if others.size:
            best = others[np.argsort(-scores[others], kind="stable")[:NEAR_WINDOW]]
            encoded = [w.encode("utf-8") for w in words]
            for i in best.tolist():
                if near(snap.normalized_bytes(int(docs[i])), encoded):
                    tiers[i] += NEAR_TIER
    scores += tiers
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order]
