"""The command line, run as a user runs it: a real process, a real index on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS


def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "searchapp", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("cli")
    run("index", str(SEEDS), "--index", str(work / "ix"), cwd=work)
    return work


def test_index_prints_a_summary(tmp_path):
    proc = run("index", str(SEEDS), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert "indexed 5, updated 0, removed 0" in proc.stdout
    assert "compilations split 1 → 5 articles" in proc.stdout
    again = run("index", str(SEEDS), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert "skipped 5 unchanged" in again.stdout


def test_search_json_has_the_documented_shape(cli_index):
    proc = run("search", '"教师交流"', "--index", str(cli_index / "ix"), "--json", "--size", "50", cwd=cli_index)
    data = json.loads(proc.stdout)
    assert {"query", "total", "took_ms", "page", "size", "hits", "facets"} <= set(data)
    assert {Path(h["path"].split("#")[0]).name[:3] for h in data["hits"]} == {"000", "001", "002", "004"}
    hit = data["hits"][0]
    assert {"id", "path", "title", "region", "year", "themes", "score", "snippets"} <= set(hit)
    assert set(hit["region"]) == {"province", "city", "district"}
    assert {"region", "year", "theme"} <= set(data["facets"])
    assert "教师交流" in proc.stdout  # Chinese is not escaped to \uXXXX


def test_search_with_filters_and_sort(cli_index):
    proc = run("search", "教育", "--index", str(cli_index / "ix"), "--region", "荔湾区", "--json", cwd=cli_index)
    data = json.loads(proc.stdout)
    assert data["total"] >= 1
    assert all(h["region"]["district"] == "荔湾区" for h in data["hits"])
    proc = run("search", "教育", "--index", str(cli_index / "ix"), "--sort", "year", "--json", cwd=cli_index)
    years = [h["year"] for h in json.loads(proc.stdout)["hits"] if h["year"]]
    assert years == sorted(years, reverse=True)


def test_queries_file_prints_json_lines(cli_index):
    qfile = cli_index / "queries.txt"
    qfile.write_text('"教师交流"\n均衡发展\n\n"南长区"\n', encoding="utf-8")
    proc = run("search", "--queries", str(qfile), "--json", "--index", str(cli_index / "ix"), cwd=cli_index)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [d["query"] for d in lines] == ['"教师交流"', "均衡发展", '"南长区"']
    assert lines[2]["total"] == 1


def test_readable_output_and_stats(cli_index):
    proc = run("search", '"教师交流"', "--index", str(cli_index / "ix"), cwd=cli_index)
    assert "results for" in proc.stdout and "[教師交流]" in proc.stdout
    stats = json.loads(run("stats", "--json", "--index", str(cli_index / "ix"), cwd=cli_index).stdout)
    assert stats["documents"] == 9 and stats["files"] == 5
    assert stats["analyzer"].startswith("searchapp-zh/")


def test_inspect_json_shows_articles_and_evidence(cli_index):
    proc = run("inspect", str(SEEDS / "000_41e64b6455ebe894.txt"), "--json", cwd=cli_index)
    data = json.loads(proc.stdout)
    assert data["encoding"] == "utf-8" and len(data["articles"]) == 5
    first = data["articles"][0]
    assert {"title", "region", "year", "themes", "type", "evidence", "text"} <= set(first)
    assert first["region"]["district"] == "荔湾区"


def test_errors_are_messages_not_tracebacks(tmp_path):
    proc = run("search", "教师", "--index", str(tmp_path / "nothing"), cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "run `searchapp index` first" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("serch: {}\n", encoding="utf-8")
    proc = run("--config", str(bad), "stats", cwd=tmp_path, check=False)
    assert proc.returncode != 0 and "unknown config key 'serch'" in proc.stderr


def test_default_index_uses_config_and_bundled_samples(tmp_path):
    (tmp_path / "config.yaml").write_text("index_dir: myindex\n", encoding="utf-8")
    proc = run("index", cwd=tmp_path)
    assert "indexed 5" in proc.stdout
    assert (tmp_path / "myindex").is_dir()
    data = json.loads(run("search", '"教师交流"', "--json", cwd=tmp_path).stdout)
    assert data["total"] >= 4


def test_index_exit_status_tells_a_cron_job_what_happened(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("一份报告\n\n教师交流工作有序推进。", encoding="utf-8")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    wrong = run("index", str(tmp_path / "no-such-folder"), "--index", str(tmp_path / "ix1"), cwd=tmp_path,
                check=False)
    assert wrong.returncode == 4 and "no such file or folder" in wrong.stderr
    partial = run("index", str(docs), "--index", str(tmp_path / "ix2"), cwd=tmp_path, check=False)
    assert partial.returncode == 3 and "empty.txt" in partial.stderr
    (docs / "empty.txt").unlink()
    assert run("index", str(docs), "--index", str(tmp_path / "ix2"), cwd=tmp_path, check=False).returncode == 0


def test_search_output_has_one_ellipsis_per_cut(cli_index):
    proc = run("search", "教师交流", "--index", str(cli_index / "ix"), cwd=cli_index)
    assert "… …" not in proc.stdout and "…" in proc.stdout


def test_progress_bar_says_how_long_is_left():
    from searchapp.indexing.progress import time_left

    assert time_left(10, 40, 10.0) == "30 s left"
    assert time_left(10, 40, 30.0) == "2 min left"
    assert time_left(1, 100, 60.0) == "1.6 h left"
    assert time_left(1, 11, 60.0) == "10 min left"
    assert time_left(40, 40, 30.0) == ""
