"""The small corpus of the ranking tests: the reports in fixtures/ranking plus one long
government work report that mentions 校园安全 and 教师交流 once each, in one sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

from searchapp.config import Settings
from searchapp.indexing.run import index_paths
from searchapp.query.service import SearchService, open_service

from conftest import FIXTURES, make_settings

RANKING = FIXTURES / "ranking"

_TOPICS = ["工业经济", "现代农业", "城市建设", "交通运输", "生态环境", "招商引资", "对外开放", "文化旅游",
           "医疗卫生", "社会保障", "营商环境", "科技创新"]
_SENTENCES = ["全年{t}增加值增长百分之{n}，结构持续优化。", "围绕{t}实施重点项目{n}个，完成投资{n}亿元。",
              "出台支持{t}发展的政策措施{n}条，市场主体活力增强。", "{t}领域改革稳步推进，群众满意度提升到百分之{n}。"]


def long_report() -> str:
    """About 5,000 characters on everything but schools, and one sentence that names
    教师交流 and 校园安全 verbatim (the one-sentence mention)."""
    lines = ["青山市2023年政府工作报告"]
    for i, topic in enumerate(_TOPICS):
        lines.append(f"{'一二三四五六七八九十'[i % 10]}、{topic}")
        for j in range(6):
            lines.append("".join(s.format(t=topic, n=(i * 7 + j * 3) % 90 + 5) for s in _SENTENCES))
        if i == 6:
            lines.append("推进教师交流，加强校园安全工作，办好人民满意的教育。")
    return "\n".join(lines) + "\n"


def build(root: Path) -> tuple[Settings, Path]:
    """The corpus copied under ``root`` and indexed; returns the settings and the corpus folder."""
    corpus = root / "docs"
    shutil.copytree(RANKING, corpus, ignore=shutil.ignore_patterns("*.md"))
    (corpus / "government_work_report.txt").write_text(long_report(), encoding="utf-8")
    settings = make_settings(root)
    index_paths(settings, [corpus], workers=1)
    return settings, corpus


def service(root: Path) -> SearchService:
    settings, _ = build(root)
    return open_service(settings)


def names(response) -> list[str]:
    """File names of the hits, best first."""
    return [Path(h.path).name for h in response.hits]
