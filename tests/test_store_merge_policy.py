"""Which text store segments a commit merges: few large segments, never a merge
bigger than MERGE_MAX_BYTES (a merge's memory is proportional to it)."""

from __future__ import annotations

from searchapp.backend.local import writer
from searchapp.backend.local.writer import _merge_group, _SegmentInfo

MB = 1024 * 1024


def segments(*sizes: float) -> list[_SegmentInfo]:
    return [_SegmentInfo(f"s{i}", 10, list(range(10)), int(size * MB)) for i, size in enumerate(sizes)]


def test_a_rebuilds_batch_segments_merge_into_one_when_they_fit():
    infos = segments(*[1.6] * 12)
    assert _merge_group(infos) == infos


def test_a_merge_never_exceeds_the_byte_cap():
    infos = segments(*[8.0] * 12)
    group = _merge_group(infos)
    assert len(group) >= 2
    assert sum(i.live_bytes for i in group) <= writer.MERGE_MAX_BYTES


def test_segments_too_big_to_merge_stay_even_above_the_segment_bound():
    infos = segments(*[20.0] * (writer.MAX_STORE_SEGMENTS + 5))
    assert _merge_group(infos) == []


def test_a_few_small_segments_beside_big_ones_wait_for_their_tier_to_fill():
    big = segments(30.0, 30.0)
    small = [_SegmentInfo(f"small{i}", 1, [0], int(0.1 * MB)) for i in range(4)]
    assert _merge_group(big + small[:3]) == []
    assert _merge_group(big + small) == small


def test_one_file_runs_merge_only_the_small_segments():
    infos = segments(30.0, 25.0, 0.05, 0.05, 0.05, 0.05)
    group = _merge_group(infos)
    assert sorted(i.live_bytes for i in group) == [int(0.05 * MB)] * 4
