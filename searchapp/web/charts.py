"""Results at a glance: hits per year and per region, drawn by the server as SVG.

No script and no chart library (intranets have no CDN): each bar is an SVG link to
the same search narrowed to that year or region, so the charts work with
JavaScript off and on a phone (the SVG scales to its box). With JavaScript,
app.js adds dragging across the year bars to choose a range (``year=2007-2010``).

The markup uses presentation attributes and CSS classes only — the pages' CSP
allows no inline ``style`` — and every bar has an accessible name
(「2016 年：3 篇」).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from searchapp.web.params import SearchState

#: At most this many years are drawn (the most recent ones); an outlier such as 1949
#: would otherwise squeeze every bar of a 2000–2024 collection into a sliver.
MAX_YEARS = 40
#: Regions drawn (largest first); the facet list below the chart has all of them.
MAX_REGIONS = 10
YEAR_W, YEAR_H, YEAR_LABEL_H = 300, 96, 16
REGION_W, REGION_ROW, REGION_LABEL_W = 240, 22, 84
#: Longer region names are cut in the chart (宁夏回族自治区 → 宁夏回族自…); the full name is in the tooltip.
REGION_LABEL_CHARS = 6


def _span(counts: dict[int, int]) -> list[int]:
    """Every year from the first to the last with hits (gaps drawn as empty slots)."""
    if not counts:
        return []
    hi = max(counts)
    lo = max(min(counts), hi - MAX_YEARS + 1)
    return list(range(lo, hi + 1))


def year_histogram(state: SearchState, years: list[dict[str, Any]]) -> Markup:
    """An SVG bar per year (links that filter to that year); empty markup when fewer than two years."""
    counts = {int(y["value"]): int(y["count"]) for y in years if str(y["value"]).isdigit()}
    span = _span(counts)
    if len(span) < 2:
        return Markup("")
    top = max(counts.values()) or 1
    slot = YEAR_W / len(span)
    bar_w = max(1.0, slot * 0.78)
    selected = {int(y) for y in state.year if y.isdigit()}
    parts = [f'<svg class="chart chart-years" viewBox="0 0 {YEAR_W} {YEAR_H + YEAR_LABEL_H}" '
             f'preserveAspectRatio="none" role="group" aria-label="各年份的结果数（点击筛选，拖动选择年份范围）" '
             f'data-lo="{span[0]}" data-hi="{span[-1]}">']
    label_every = max(1, round(len(span) / 6))
    for i, year in enumerate(span):
        n = counts.get(year, 0)
        x = i * slot + (slot - bar_w) / 2
        h = 0 if not n else max(2.0, (YEAR_H - 4) * n / top)
        cls = "bar" + (" selected" if year in selected else "") + ("" if n else " empty")
        name = f"{year} 年：{n} 篇"
        url = state.with_(year=[str(year)]).url()
        parts.append(f'<a href="{escape(url)}" class="{cls}" data-year="{year}" aria-label="{name}">'
                     f'<title>{name}</title>'
                     # a full-height, transparent hit area, so short bars are easy to click and drag over
                     f'<rect class="hit-area" x="{i * slot:.2f}" y="0" width="{slot:.2f}" height="{YEAR_H}"/>'
                     f'<rect class="fill" x="{x:.2f}" y="{YEAR_H - h:.2f}" width="{bar_w:.2f}" height="{h:.2f}"/>'
                     f'</a>')
        if i % label_every == 0 or i == len(span) - 1:
            parts.append(f'<text class="axis" x="{i * slot + slot / 2:.2f}" y="{YEAR_H + YEAR_LABEL_H - 3}" '
                         f'text-anchor="middle" aria-hidden="true">{year}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def region_bars(entries: list[dict[str, Any]]) -> Markup:
    """Horizontal bars for the regions at the current drill-down level (links that drill down)."""
    shown = sorted(entries, key=lambda e: -e["count"])[:MAX_REGIONS]
    if len(shown) < 2:
        return Markup("")
    top = max(e["count"] for e in shown) or 1
    height = REGION_ROW * len(shown)
    bar_room = REGION_W - REGION_LABEL_W - 34
    parts = [f'<svg class="chart chart-regions" viewBox="0 0 {REGION_W} {height}" role="group" '
             f'aria-label="各地区的结果数（点击进入下一级）">']
    for i, e in enumerate(shown):
        y = i * REGION_ROW
        w = max(2.0, bar_room * e["count"] / top)
        label = escape(e["label"])
        cut = label if len(e["label"]) <= REGION_LABEL_CHARS else escape(e["label"][:REGION_LABEL_CHARS - 1] + "…")
        name = f"{label} {e['count']} 篇"
        # Named by its visible text (region and count), as a link's name should be.
        parts.append(f'<a href="{escape(e["url"])}" class="bar" data-region="{label}"><title>{name}</title>'
                     f'<rect class="hit-area" x="0" y="{y}" width="{REGION_W}" height="{REGION_ROW}"/>'
                     f'<text class="label" x="{REGION_LABEL_W - 6}" y="{y + 15}" text-anchor="end">{cut}</text>'
                     f'<rect class="fill" x="{REGION_LABEL_W}" y="{y + 4}" width="{w:.2f}" height="{REGION_ROW - 8}"/>'
                     f'<text class="count" x="{REGION_LABEL_W + w + 4:.2f}" y="{y + 15}">{e["count"]} 篇</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["year_histogram", "region_bars", "MAX_YEARS", "MAX_REGIONS"]
