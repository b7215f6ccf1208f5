"""Sidecar YAML and manifest rows are bounded at ingestion: no alias expansion, no
giant fields, no thousands of themes. What a sidecar says is stored with every
document and sent back with every hit, so a few hundred hostile bytes must not
become megabytes in each answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchapp.sidecar import MAX_THEMES, SidecarError, read_manifest, read_sidecar
from support import cli

REPORT = "关于城乡教师交流轮岗的报告\n\n全县推进城乡教师交流轮岗，今年交流教师一百二十名。\n"


def billion_laughs(levels: int = 6) -> str:
    """The classic: each level an anchored list of ten aliases of the level below;
    expanded, ten to the power ``levels`` theme names."""
    lines = ['a0: &a0 "教师交流轮岗"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"themes: *a{levels}")
    return "\n".join(lines) + "\n"


def test_yaml_aliases_are_refused_with_a_message_naming_them(tmp_path: Path) -> None:
    side = tmp_path / "r.yaml"
    side.write_text("title: &t 报告\ntype: *t\n", encoding="utf-8")
    with pytest.raises(SidecarError, match=r"r\.yaml: YAML aliases \(\*t\) are not allowed in sidecars"):
        read_sidecar(side)


@pytest.mark.parametrize("content, limit", [
    ("title: " + "长" * 501 + "\n", "'title' is 501 characters long, more than the limit of 500"),
    ("province: " + "省" * 101 + "\n", "'province' is 101 characters long, more than the limit of 100"),
    ("themes: [" + ", ".join(f"主题{i}" for i in range(MAX_THEMES + 1)) + "]\n",
     f"'themes' lists {MAX_THEMES + 1} values, more than the limit of {MAX_THEMES}"),
    ("themes: " + ";".join(f"主题{i}" for i in range(MAX_THEMES + 1)) + "\n",
     f"'themes' lists {MAX_THEMES + 1} values"),
    ("title: 报告\n# " + "x" * 70_000 + "\n", "larger than 64 KB, the limit for a sidecar"),
])
def test_sidecar_fields_and_counts_over_the_limits_are_refused(tmp_path: Path, content: str, limit: str) -> None:
    side = tmp_path / "r.yaml"
    side.write_text(content, encoding="utf-8")
    with pytest.raises(SidecarError, match=limit.replace("(", r"\(").replace(")", r"\)")):
        read_sidecar(side)


def test_a_sidecar_within_the_limits_still_reads(tmp_path: Path) -> None:
    side = tmp_path / "r.yaml"
    side.write_text("title: 关于教师交流的报告\nyear: 2012\nthemes: [教师队伍, 教育均衡]\n", encoding="utf-8")
    assert read_sidecar(side) == {"title": "关于教师交流的报告", "year": 2012, "themes": ["教师队伍", "教育均衡"]}


def test_manifest_rows_are_held_to_the_same_limits(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,title,themes\nr.txt,报告," + ";".join(f"t{i}" for i in range(200)) + "\n",
                        encoding="utf-8")
    with pytest.raises(SidecarError, match=r"manifest\.csv line 2: 'themes' lists 200 values"):
        read_manifest(manifest)
    manifest.write_text("path,title\nr.txt," + "长" * 600 + "\n", encoding="utf-8")
    with pytest.raises(SidecarError, match="'title' is 600 characters long"):
        read_manifest(manifest)


def test_a_billion_laughs_sidecar_is_ignored_by_inspect_and_index_and_answers_stay_small(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "report.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "report.yaml").write_text(billion_laughs(), encoding="utf-8")
    assert (corpus / "report.yaml").stat().st_size < 600
    config = tmp_path / "config.yaml"
    config.write_text(f"index_dir: {json.dumps(str(tmp_path / 'index'))}\n", encoding="utf-8")

    inspected = cli("--config", str(config), "inspect", str(corpus / "report.txt"), "--json",
                    cwd=tmp_path, check=True, timeout=60)
    assert len(inspected.stdout) < 20_000
    result = json.loads(inspected.stdout)
    assert any("YAML aliases (*a" in w and "not allowed" in w for w in result["warnings"]), result["warnings"]
    assert "sidecar" not in result["articles"][0]["evidence"]

    indexed = cli("--config", str(config), "index", str(corpus), "--json", cwd=tmp_path, check=True, timeout=60)
    summary = json.loads(indexed.stdout)
    assert summary["indexed"] == 1
    assert any("YAML aliases" in json.dumps(w, ensure_ascii=False) for w in summary["warnings"])

    found = cli("--config", str(config), "search", "教师交流", "--json", cwd=tmp_path, check=True, timeout=60)
    assert len(found.stdout.encode()) < 20_000, "the sidecar must not blow up the answer"
    answer = json.loads(found.stdout)
    assert answer["total"] == 1
    assert len(answer["hits"][0]["themes"]) <= MAX_THEMES
