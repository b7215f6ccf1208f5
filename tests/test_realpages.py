"""Issue 11's "Done when" on the labelled real pages (../shared/realpages), scored by
benchmarks/realpages.py. Skipped when the folder is absent: the pages are third-party
texts and are never copied into the project."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location("realpages_benchmark", ROOT / "benchmarks" / "realpages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _benchmark()
SHARED = BENCH.find_shared(ROOT)
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/realpages is not present")


@pytest.fixture(scope="module")
def figures() -> dict:
    return BENCH.score(SHARED / "realpages")


@needs_shared
def test_every_done_when_threshold_of_issue_11_is_met(figures):
    assert BENCH.unmet(figures) == []


@needs_shared
def test_site_chrome_is_not_searchable(figures):
    assert figures["chrome_found"] <= BENCH.THRESHOLDS["chrome_found_max"]


@needs_shared
def test_every_labelled_query_still_finds_its_page(figures):
    assert figures["queries"]["found"] == figures["queries"]["total"] > 0


@needs_shared
def test_copies_are_grouped_and_look_alikes_are_not(figures):
    nd = figures["near_duplicates"]
    assert nd["grouped"] == nd["pairs"] > 0
    assert nd["look_alikes_grouped"] == 0
    assert nd["other_pairs_grouped"] == 0


@needs_shared
def test_re_encoded_files_decode_right(figures):
    assert figures["encodings"]["right"] == figures["encodings"]["total"] == 6


def test_sample_reports_keep_their_year_and_region():
    seeds = BENCH.score_seeds()
    for row in seeds["fields"].values():
        assert row["right"] == row["answered"], seeds["misses"]
