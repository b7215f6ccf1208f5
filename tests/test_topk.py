"""The page's rows are the head of the full sort, computed from a partition: same rows,
same order, ties and all (`searchapp.backend.local.topk`)."""

from __future__ import annotations

import numpy as np
import pytest

from searchapp.backend.local import topk


@pytest.mark.parametrize("seed", range(20))
def test_head_is_the_head_of_the_full_two_key_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    # Few distinct scores: many rows tie at the k-th key, where the second key decides.
    primary = -rng.integers(0, 6, n).astype(np.float64)
    ties = rng.permutation(n)
    for k in (1, 3, 10, n - 1, n, n + 5):
        assert topk.head(primary, k, ties).tolist() == np.lexsort((ties, primary))[:k].tolist()


@pytest.mark.parametrize("seed", range(20))
def test_head_without_ties_keeps_row_order_like_a_stable_argsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    primary = rng.integers(0, 4, int(rng.integers(1, 300))).astype(np.float64)
    for k in (1, 7, 100, primary.size):
        assert topk.head(primary, k).tolist() == np.argsort(primary, kind="stable")[:k].tolist()


def test_head_of_nothing_is_empty() -> None:
    assert topk.head(np.array([3.0, 1.0]), 0).size == 0
    assert topk.head(np.zeros(0), 5).size == 0


def test_head_with_nan_keys_still_matches_the_full_sort() -> None:
    primary = np.array([np.nan, 2.0, np.nan, 1.0])
    assert topk.head(primary, 3).tolist() == np.argsort(primary, kind="stable")[:3].tolist()


def test_prefix_reads_the_stable_order_slice_by_slice() -> None:
    rng = np.random.default_rng(7)
    primary = -rng.integers(0, 50, 5000).astype(np.float64)
    full = np.argsort(primary, kind="stable")
    walk = topk.Prefix(primary)
    done, step, seen = 0, 64, []
    while done < walk.size:
        seen.extend(walk[done:done + step].tolist())
        if done + step < walk.size:
            assert walk.at(done + step) == full[done + step]
        done += step
        step *= 2
    assert seen == full.tolist()
