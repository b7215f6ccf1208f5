"""Publishing benchmark figures into the shared benchmarks/RESULTS.md keeps what other commands wrote.

RESULTS.md holds sections written by several commands (bench.py, relevance, themes, scale) and notes
written by hand; each command must replace only its own part.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _report import merge_report, replace_section  # noqa: E402

OLD = """# searchapp benchmark

Run 1

## Indexing

old indexing table

## Where the time goes

hand-written profile

## Relevance (issue 10)

relevance figures
"""

NEW = """# searchapp benchmark

Run 2

## Indexing

new indexing table

## Method

how
"""


def test_a_published_bench_report_replaces_its_own_sections_and_keeps_the_others():
    merged = merge_report(OLD, NEW)
    assert merged.startswith(NEW)
    assert "old indexing table" not in merged and "Run 1" not in merged
    assert "## Where the time goes\n\nhand-written profile" in merged
    assert merged.index("## Where the time goes") < merged.index("## Relevance (issue 10)")
    assert merged.count("## Indexing") == 1


def test_a_scale_run_appends_its_section_once_then_rewrites_only_the_generated_part():
    first = replace_section(OLD, "Scale (issue 12)", "| table 1 |")
    assert first.startswith(OLD) and "| table 1 |" in first
    notes = first.replace("| table 1 |\n<!-- generated: end -->\n",
                          "| table 1 |\n<!-- generated: end -->\n\nProfile notes by hand.\n")
    second = replace_section(notes, "Scale (issue 12)", "| table 2 |")
    assert "| table 1 |" not in second and "| table 2 |" in second
    assert "Profile notes by hand." in second
    assert second.count("## Scale (issue 12)") == 1
    assert "## Relevance (issue 10)\n\nrelevance figures" in second


def test_a_section_in_the_middle_is_rewritten_in_place():
    doc = replace_section(OLD, "Where the time goes", "generated figures")
    assert "hand-written profile" in doc and "generated figures" in doc
    assert doc.index("generated figures") < doc.index("## Relevance (issue 10)")


def test_the_scale_report_shows_the_interleaved_growth_of_every_step_and_the_whole_range():
    from _scale_report import render_interleaved

    def kinds(p95: float) -> dict:
        one = {"p50_ms": p95 / 3, "p95_ms": p95, "p99_ms": 2 * p95, "max_ms": 3 * p95}
        return {"page": one, "plain": one, "quoted": one}

    lines = render_interleaved({"sizes": [20.0, 100.0, 1000.0], "passes_cpu": [kinds(5), kinds(9), kinds(45)]})
    text = "\n".join(lines)
    assert "| 100.0 MB ÷ 20.0 MB | 5.00× | 1.80× | 1.80× | 1.80× | 1.80× | 1.80× |" in text
    assert "| 1000.0 MB ÷ 100.0 MB | 10.00× | 5.00× | 5.00× |" in text
    assert "| 1000.0 MB ÷ 20.0 MB | 50.00× | 9.00× |" in text
    assert render_interleaved(None) == []
