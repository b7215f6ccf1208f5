"""What the search page shows besides the response itself: facet navigation,
filter chips, pagination — all as plain dicts of labels, counts and URLs.

Keeping this out of the templates keeps them declarative, and because every
link is built from :class:`~searchapp.web.params.SearchState` the whole page
works with JavaScript off (links and GET forms only).
"""

from __future__ import annotations

from typing import Any

from searchapp.model import FACETS
from searchapp.web.params import SearchState

FACET_LABELS = {f.name: f.label for f in FACETS}
SORT_LABELS = {"relevance": "相关度", "year": "年份（新→旧）"}


def _find_region(tree: list[dict[str, Any]], value: str) -> list[dict[str, Any]] | None:
    """The chain of nodes from the root to the node matching ``value`` (a path or a name)."""
    value = value.strip().strip("/")
    for node in tree:
        if node["path"] == value or node["value"] == value:
            return [node]
        below = _find_region(node.get("children") or [], value)
        if below:
            return [node, *below]
    return None


def region_nav(state: SearchState, tree: list[dict[str, Any]]) -> dict[str, Any]:
    """Drill-down: a breadcrumb to the selected region and the next level's values.

    Choosing a region replaces the region filter (narrowing, not OR-ing), which
    is what a drill-down means; several regions can still be combined by URL.
    """
    crumbs: list[dict[str, Any]] = [{"label": "全部地区", "url": state.without("region").url(), "count": None}]
    level = tree
    current: dict[str, Any] | None = None
    if len(state.region) == 1:
        chain = _find_region(tree, state.region[0])
        if chain:
            current = chain[-1]
            for node in chain:
                crumbs.append({"label": node["value"], "url": state.with_(region=[node["path"]]).url(),
                               "count": node["count"]})
            level = current.get("children") or []
        else:
            # Selected, but nothing matches there now: still show where we are.
            crumbs.append({"label": state.region[0], "url": state.url(), "count": 0})
    entries = [{"label": n["value"], "count": n["count"], "url": state.with_(region=[n["path"]]).url(),
              "has_children": bool(n.get("children"))} for n in level]
    return {"crumbs": crumbs, "entries": entries, "current": current}


def year_options(state: SearchState, years: list[dict[str, Any]]) -> dict[str, Any]:
    """Year checkboxes (with counts) and the range form's current values.

    Single years selected are checkboxes; the first range selected fills the
    from–to boxes; any further ranges ride along as hidden fields.
    """
    counts = {str(y["value"]): y["count"] for y in years}
    selected_single = [y for y in state.year if y.isdigit()]
    ranges = [y for y in state.year if not y.isdigit()]
    values = list(counts)
    for y in selected_single:
        if y not in counts:
            values.append(y)
    values.sort(reverse=True)
    options = [{"value": v, "count": counts.get(v, 0), "checked": v in selected_single} for v in values]
    lo = hi = ""
    if ranges:
        lo, _, hi = ranges[0].partition("-")
    return {"options": options, "from": lo.strip(), "to": hi.strip(), "hidden": ranges[1:],
            "known": sorted(int(v) for v in counts)}


def value_options(selected: list[str], values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checkbox options for a multi-select facet; selected values stay listed even at zero."""
    options = [{"value": str(v["value"]), "count": v["count"], "checked": str(v["value"]) in selected}
               for v in values]
    present = {o["value"] for o in options}
    options.extend({"value": s, "count": 0, "checked": True} for s in selected if s not in present)
    return options


def chips(state: SearchState) -> list[dict[str, str]]:
    return [{"facet": facet, "label": FACET_LABELS[facet], "value": value, "url": url,
             "shown": value.replace("/", " › ") if facet == "region" else value}
            for facet, value, url in state.chips()]


def pagination(state: SearchState, page: int, pages: int, window: int = 2) -> dict[str, Any]:
    """Previous/next and a window of page numbers around the current page, with gaps."""
    numbers: list[int | None] = []
    shown = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    last = 0
    for n in shown:
        if n - last > 1:
            numbers.append(None)
        numbers.append(n)
        last = n
    return {
        "prev": state.with_(page=page - 1).url() if page > 1 else None,
        "next": state.with_(page=page + 1).url() if page < pages else None,
        "pages": [{"number": n, "url": state.with_(page=n).url() if n else None, "current": n == page}
                  for n in numbers],
    }


def sort_links(state: SearchState) -> list[dict[str, Any]]:
    return [{"label": label, "url": state.with_(sort=key).url(), "current": state.sort == key}
            for key, label in SORT_LABELS.items()]


def region_label(region: dict[str, Any]) -> str:
    return " › ".join(v for v in (region.get("province"), region.get("city"), region.get("district")) if v)


def search_page_model(state: SearchState, response: dict[str, Any]) -> dict[str, Any]:
    """Everything the search template needs beyond ``response`` itself."""
    facets = response.get("facets") or {}
    return {
        "region": region_nav(state, facets.get("region") or []),
        "years": year_options(state, facets.get("year") or []),
        # Checkbox lists, one per multi- or single-valued facet of the registry.
        "value_facets": [(f.name, value_options(getattr(state, f.name), facets.get(f.name) or []))
                         for f in FACETS if f.kind in ("multi", "single")],
        "chips": chips(state),
        "clear_url": state.without_filters().url(),
        "pagination": pagination(state, response["page"], response["pages"]),
        "sorts": sort_links(state),
        "first_rank": (response["page"] - 1) * response["size"] + 1,
    }
