"""Parts of scale.py's report that need nothing but the figures (no jieba, no
searchapp): importable by the tests without the benchmark extras."""

from __future__ import annotations

from typing import Any


def ratio(a: Any, b: Any) -> str:
    """``a ÷ b`` as "1.23×", or "–" when either is missing."""
    try:
        return f"{float(a) / float(b):.2f}×"
    except (TypeError, ValueError, ZeroDivisionError):
        return "–"


def render_interleaved(inter: dict[str, Any] | None) -> list[str]:
    """The interleaved pass (:func:`child_interleaved`): per size its page CPU, and the
    growth of each step and of the whole range, from measurements taken side by side."""
    if not inter:
        return []
    sizes, passes = inter["sizes"], inter["passes_cpu"]

    def trio(p: dict[str, Any]) -> str:
        return f"{p['p50_ms']:.1f} / {p['p95_ms']:.1f} / {p['p99_ms']:.1f}"

    lines = ["", "searchapp's page CPU measured **interleaved** (one process, every size's index open, each "
                 "query run on every size in turn, best of the passes): the growth below compares figures "
                 "taken in the same seconds, so it does not depend on how fast the shared machine ran during "
                 "each size's own pass above.", "",
             "| corpus | page p50/p95/p99 ms | plain p50/p95/p99 | quoted p50/p95/p99 |", "|---|---|---|---|"]
    lines += [f"| {mb} MB | {trio(p['page'])} | {trio(p['plain'])} | {trio(p['quoted'])} |"
              for mb, p in zip(sizes, passes)]
    steps = list(zip(range(len(sizes)), range(1, len(sizes))))
    if len(sizes) > 2:
        steps.append((0, len(sizes) - 1))
    lines += ["", "| growth (interleaved, CPU) | text | page p50 | page p95 | page p99 | plain p95 | quoted p95 |",
              "|---|---|---|---|---|---|---|"]
    for i, j in steps:
        a_, b_ = passes[i], passes[j]
        lines.append(f"| {sizes[j]} MB ÷ {sizes[i]} MB | {ratio(sizes[j], sizes[i])} | "
                     f"{ratio(b_['page']['p50_ms'], a_['page']['p50_ms'])} | "
                     f"{ratio(b_['page']['p95_ms'], a_['page']['p95_ms'])} | "
                     f"{ratio(b_['page']['p99_ms'], a_['page']['p99_ms'])} | "
                     f"{ratio(b_['plain']['p95_ms'], a_['plain']['p95_ms'])} | "
                     f"{ratio(b_['quoted']['p95_ms'], a_['quoted']['p95_ms'])} |")
    return lines
