"""Which near-duplicates fold into one hit.

Indexing groups near-duplicates by their text (:func:`searchapp.dedup.cluster_sketches`).
Such a group often holds more than copies of one report: the versions of a law from
different years, or one regulation adopted by several cities. Those are different
documents to a reader, so a group is split where its members' year or region
*disagree*. A value that one copy lacks (a scraped copy that lost its date line, or
that masks its province) disagrees with nothing: the copy joins the group it fits.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def fold_groups(cols: Any) -> np.ndarray:
    """Per docnum, the group of copies it folds with (-1: none), from ``cols.cluster``,
    ``cols.year``, the region levels and ``cols.id_rank`` (the snapshot's columns)."""
    out = np.full(cols.cluster.size, -1, dtype=np.int64)
    members = np.flatnonzero(cols.cluster >= 0)
    if not members.size:
        return out
    levels = [codes for _names, codes in cols.facets["region"].levels]
    profiles = np.stack([cols.year[members], *(codes[members] for codes in levels)], axis=1).astype(np.int64)
    by_cluster: dict[int, list[int]] = {}
    for i, d in enumerate(members.tolist()):
        by_cluster.setdefault(int(cols.cluster[d]), []).append(i)
    next_group = 0
    for _cluster, rows in sorted(by_cluster.items()):
        # Most specific copies first (most known values), then the stable id order.
        rows.sort(key=lambda i: (-int(np.count_nonzero(profiles[i])), int(cols.id_rank[members[i]])))
        groups: list[tuple[int, np.ndarray]] = []
        for i in rows:
            row = profiles[i]
            for g, (number, known) in enumerate(groups):
                if np.all((row == 0) | (known == 0) | (row == known)):
                    groups[g] = (number, np.where(known == 0, row, known))
                    out[members[i]] = number
                    break
            else:
                groups.append((next_group, row.copy()))
                out[members[i]] = next_group
                next_group += 1
    return out
