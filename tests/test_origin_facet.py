"""The origin facet (the site or folder a report came from), added as one registry
entry plus its extractor: filterable and counted through the CLI, the API, the
page and the query language, like the facets that were there before it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, make_settings
from searchapp.indexing.run import index_paths, origin_of
from searchapp.web import create_app


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory) -> tuple[Path, object]:
    """Seeds saved from two 'sites': a 文库 folder and a county government folder,
    one report overriding its origin in a sidecar."""
    root = tmp_path_factory.mktemp("origin")
    corpus = root / "downloads"
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, seed in enumerate(seeds):
        site = corpus / ("wenku" if i % 2 == 0 else "county-gov")
        site.mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, site / seed.name)
    (corpus / "county-gov" / seeds[1].name).with_suffix(".yaml").write_text("origin: 教育局档案\n", encoding="utf-8")
    settings = make_settings(root)
    index_paths(settings, [corpus], workers=1)
    return root, settings


def run_cli(root: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "searchapp", *args, "--index", str(root / "index"), "--json"],
                          cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(proc.stdout)


def test_the_origin_is_the_first_folder_under_the_indexed_root(tmp_path):
    (tmp_path / "site" / "2020").mkdir(parents=True)
    report = tmp_path / "site" / "2020" / "r.txt"
    report.write_text("x", encoding="utf-8")
    assert origin_of(report, tmp_path) == "site"
    assert origin_of(report, tmp_path / "site") == "2020"
    assert origin_of(report, report) == "2020"  # a single file: its own folder


def test_cli_filters_and_counts_by_origin(two_sites):
    root, _ = two_sites
    everything = run_cli(root, "search", "教育", "--size", "50")
    counts = {v["value"]: v["count"] for v in everything["facets"]["origin"]}
    assert set(counts) == {"wenku", "county-gov", "教育局档案"}
    only = run_cli(root, "search", "教育", "--origin", "wenku", "--size", "50")
    assert only["total"] == counts["wenku"] and {h["origin"] for h in only["hits"]} == {"wenku"}
    stats = run_cli(root, "stats")
    assert {v["value"] for v in stats["facets"]["origin"]} == set(counts)


def test_api_and_query_language_filter_by_origin(two_sites):
    _, settings = two_sites
    client = create_app(settings).test_client()
    by_param = client.get("/api/search?q=教育&origin=county-gov&size=50").get_json()
    by_text = client.get("/api/search?q=教育 来源:county-gov&size=50").get_json()
    assert by_param["total"] == by_text["total"] > 0
    assert {h["origin"] for h in by_param["hits"]} == {"county-gov"}
    assert by_text["filters"] == {"origin": ["county-gov"]}
    spec = client.get("/api/openapi.json").get_json()
    assert "origin" in {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}


def test_the_page_lists_origins_with_the_other_facets_and_keeps_the_choice(two_sites):
    _, settings = two_sites
    client = create_app(settings).test_client()
    html = client.get("/?q=教育").get_data(as_text=True)
    assert "来源" in html and 'name="origin" value="wenku"' in html
    chosen = client.get("/?q=教育&origin=wenku").get_data(as_text=True)
    assert 'name="origin" value="wenku" checked' in chosen
