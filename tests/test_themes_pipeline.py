"""Themes through the real pipeline: the seed reports, real scraped pages when the
shared folder is present, `inspect` evidence, and a taxonomy replaced in config.yaml."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS
from searchapp.config import settings_from_dict
from searchapp.extract.themes import DEFAULT_TAXONOMY
from searchapp.pipeline import prepare_file

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    """benchmarks/themes_accuracy.py, which holds the labels' reader and the scoring."""
    spec = importlib.util.spec_from_file_location("themes_accuracy", ROOT / "benchmarks" / "themes_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _themes(prefix: str) -> dict[int, list[str]]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    result = prepare_file(path, path.name, settings_from_dict({}))
    return {d.article: d.themes for d in result.documents}


# --- the seed reports, as `searchapp inspect` sees them ------------------------------


def test_seed_themes_are_known_and_at_most_three():
    for path in SEEDS.glob("*.txt"):
        for doc in prepare_file(path, path.name, settings_from_dict({})).documents:
            assert len(doc.themes) <= 3, path.name
            assert set(doc.themes) <= set(DEFAULT_TAXONOMY), path.name


def test_seed_000_compilation_articles_have_their_own_themes():
    themes = _themes("000")
    assert themes[1][0] == "均衡发展"             # 切实履行政府职责促进教育优质均衡
    assert themes[3][0] == "督导与考核"           # 县级政府履行教育职责情况汇报
    assert {"教师队伍", "均衡发展"} <= set(themes[4])  # 统筹优质教育资源（名师、交流）促进均衡
    assert "学前教育" not in themes[2] + themes[5]  # short essays on duties in general


def test_seed_001_duty_report_is_about_teachers_not_kindergartens():
    themes = _themes("001")[0]
    assert "教师队伍" in themes
    assert "学前教育" not in themes


def test_seed_002_party_conduct_speech_leads_with_party_building():
    assert _themes("002")[0][0] == "党建与廉政"


def test_seed_003_report_on_government_duties_is_inspection():
    assert _themes("003")[0][0] == "督导与考核"


def test_seed_004_balanced_development_report():
    assert _themes("004")[0][0] == "均衡发展"


# --- real pages (read from the shared folder, never copied) --------------------------


def test_real_pages_meet_the_issue_15_thresholds():
    bench = _benchmark()
    shared = bench.find_shared()
    if shared is None:
        pytest.skip("shared realpages folder not present (set SEARCHAPP_SHARED)")
    scores, _ = bench.run(shared)
    assert scores.pages == len(bench.load_labels()) > 50
    assert scores.precision >= 0.90, scores.wrong
    assert scores.recall >= 0.85, scores.missed
    assert scores.pages_with_main_missed == 0, scores.missed


def test_benchmark_scoring_counts_main_and_acceptable_themes():
    bench = _benchmark()
    labels = {
        "a": {"main": ["学前教育"], "acceptable": ["教师队伍"]},
        "b": {"main": ["控辍保学", "入学与招生"], "acceptable": []},
        "c": {"main": [], "acceptable": ["教师队伍"]},
        "d": {"main": [], "acceptable": []},
    }
    predicted = {"a": ["学前教育", "教师队伍", "校园安全"], "b": [], "c": ["教师队伍"], "d": []}
    s = bench.score(labels, predicted)
    assert (s.assigned, s.assigned_right) == (4, 3)
    assert (s.main, s.main_found) == (3, 1)
    assert (s.pages_with_main, s.pages_with_main_missed) == (2, 1)
    assert (s.themeless_pages, s.themeless_left_empty) == (2, 1)
    assert s.wrong == [("a", "校园安全")]
    assert s.per_theme["控辍保学"] == {"assigned": 0, "right": 0, "main": 1, "found": 0}


# --- the command line ----------------------------------------------------------------

REPORT = (
    "关于全镇控辍保学工作情况的汇报\n"
    "今年以来，我镇把控辍保学作为义务教育的头等大事，逐村逐户排查适龄儿童少年就学情况。"
    "对疑似辍学学生建立台账，组织教师和村干部上门劝返，做到劝返一人、巩固一人。\n"
) * 3


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "searchapp", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_inspect_shows_each_themes_keywords_and_score(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    (article,) = json.loads(_run("inspect", str(report), "--json", cwd=tmp_path).stdout)["articles"]
    assert article["themes"][0] == "控辍保学"
    assert set(article["evidence"]["themes"]) == set(article["themes"])  # the existing key: theme -> score
    evidence = article["evidence"]["theme_keywords"]["控辍保学"]
    assert evidence["assigned"] is True
    assert evidence["score"] == article["evidence"]["themes"]["控辍保学"]
    assert evidence["keywords"]["控辍保学"] == 6 and evidence["keywords"]["劝返"] == 6
    assert evidence["title"] == ["控辍保学"]
    text = _run("inspect", str(report), cwd=tmp_path).stdout
    assert "+ 控辍保学" in text and "劝返×6" in text


def test_a_taxonomy_in_config_yaml_takes_effect_on_rebuild(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.txt").write_text(REPORT, encoding="utf-8")
    _run("index", str(docs), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    facets = json.loads(_run("search", "劝返", "--index", str(tmp_path / "ix"), "--json", cwd=tmp_path).stdout)
    assert [v["value"] for v in facets["facets"]["theme"]] == ["控辍保学"]
    (tmp_path / "config.yaml").write_text("themes:\n  保学劝返: {劝返: 2.5, 辍学: 2}\n", encoding="utf-8")
    _run("index", str(docs), "--index", str(tmp_path / "ix"), "--rebuild", cwd=tmp_path)
    facets = json.loads(_run("search", "劝返", "--index", str(tmp_path / "ix"), "--json", cwd=tmp_path).stdout)
    assert [v["value"] for v in facets["facets"]["theme"]] == ["保学劝返"]
