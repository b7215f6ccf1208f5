"""The first rows of a sort order without sorting every row.

A page shows 10 documents, the reranking reads 30, and a common word at 1 GB matches
120,000: sorting all of them by score (a two-key ``np.lexsort``) cost more than scoring
them. A partial partition finds the k-th smallest key in linear time; only the rows at or
below it are sorted, with the same keys, so the result is exactly the head of the full
sort, ties and all.
"""

from __future__ import annotations

import numpy as np


def head(primary: np.ndarray, k: int, ties: np.ndarray | None = None) -> np.ndarray:
    """The rows ``np.lexsort((ties, primary))[:k]`` gives — smallest ``primary`` first,
    then smallest ``ties``, then row order — or, without ``ties``, those of
    ``np.argsort(primary, kind="stable")[:k]``; computed from the rows that can be among
    them only."""
    n = primary.size
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k < n:
        kth = np.partition(primary, k - 1)[k - 1]
        # Every row below the k-th key is in, and of those equal to it the ties decide:
        # sorting all of them (in row order, so equal keys keep it) decides exactly.
        rows = np.flatnonzero(primary <= kth)
        if rows.size < k:  # NaN keys, which compare with nothing: sort everything
            rows = np.arange(n)
    else:
        rows = np.arange(n)
    if ties is None:
        order = rows[np.argsort(primary[rows], kind="stable")]
    else:
        order = rows[np.lexsort((ties[rows], primary[rows]))]
    return order[:k]


class Prefix:
    """The order of ``np.argsort(primary, kind="stable")`` read from its start, sorting
    only as far as has been read: :func:`_best` walks documents by their score bound and
    usually stops after a few hundred of 100,000."""

    def __init__(self, primary: np.ndarray):
        self.primary = primary
        self.size = primary.size
        self._order = np.zeros(0, dtype=np.intp)

    def __getitem__(self, span: slice) -> np.ndarray:
        stop = self.size if span.stop is None else min(span.stop, self.size)
        self._extend(stop)
        return self._order[span]

    def at(self, i: int) -> int:
        self._extend(i + 1)
        return int(self._order[i])

    def _extend(self, stop: int) -> None:
        if stop > self._order.size:
            # At least double what is known: a walk of many short steps sorts O(log n) times.
            want = min(self.size, max(stop, 2 * self._order.size))
            self._order = head(self.primary, want)
