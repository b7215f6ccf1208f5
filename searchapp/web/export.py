"""Export of the current result set as CSV (for any tool) and .xlsx (for Excel).

Clerks copy results into their own reports, so ``/export.csv`` and
``/export.xlsx`` take the search page's parameters and write every hit — all
pages, in the page's order, up to :data:`EXPORT_LIMIT` — with title, region
levels, year, type, themes, path and the best snippet.

CSV is UTF-8 with a byte-order mark: without it, Excel on a Chinese Windows
reads UTF-8 as GBK and shows mojibake. The .xlsx is written with openpyxl (its
write-only mode streams rows, so 5,000 rows stay cheap); writing the Office Open
XML zip by hand would mean owning shared strings, escaping and the content-type
parts ourselves for no gain.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, request

from searchapp.model import FACETS
from searchapp.web.params import SearchState
from searchapp.web.resultset import all_hits, plain

bp = Blueprint("export", __name__)

#: Most rows one export writes (documented in README and docs/api.md); the total is in a header.
EXPORT_LIMIT = 5000
COLUMNS = ("标题", "省", "市", "区县", "年份", "类型", "主题", "文件", "摘要", "编号")
TOTAL_HEADER = "X-Searchapp-Total"


def rows(hits: list[dict[str, Any]]) -> list[list[Any]]:
    """One row per hit, in :data:`COLUMNS` order (years as numbers, themes joined by 、)."""
    out = []
    for h in hits:
        region = h.get("region") or {}
        snippet = plain(h["snippets"][0]) if h.get("snippets") else ""
        out.append([h.get("heading") or h.get("title") or "", region.get("province") or "", region.get("city") or "",
                    region.get("district") or "", h.get("year") or "", h.get("type") or "",
                    "、".join(h.get("themes") or []), h.get("path") or "", snippet, h.get("id") or ""])
    return out


def _filename(state: SearchState, suffix: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return f"searchapp-{stamp}.{suffix}"


def _download(body: bytes, mimetype: str, state: SearchState, suffix: str, total: int, written: int) -> Response:
    response = Response(body, mimetype=mimetype)
    name = _filename(state, suffix)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers[TOTAL_HEADER] = str(total)
    response.headers["X-Searchapp-Exported"] = str(written)
    response.headers["Cache-Control"] = "no-store"
    return response


#: Control characters XML 1.0 (so .xlsx) cannot hold; a query or a file may contain them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading quote;
    control characters a workbook cannot store become spaces."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub(" ", value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value


@bp.get("/export.csv")
def export_csv() -> Response:
    state = SearchState.from_args(request.args)
    hits, total = all_hits(state, EXPORT_LIMIT)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows([[_safe_cell(v) for v in row] for row in rows(hits)])
    body = buffer.getvalue().encode("utf-8-sig")
    return _download(body, "text/csv; charset=utf-8", state, "csv", total, len(hits))


@bp.get("/export.xlsx")
def export_xlsx() -> Response:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    state = SearchState.from_args(request.args)
    hits, total = all_hits(state, EXPORT_LIMIT)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("搜索结果")
    for column, width in zip("ABCDEFGHIJ", (48, 10, 12, 12, 8, 10, 24, 48, 80, 18)):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows(hits):
        sheet.append([_safe_cell(v) for v in row])
    about = book.create_sheet("说明")
    about.append(["查询", _safe_cell(state.q) or "（全部文档）"])
    for facet in FACETS:
        values = getattr(state, facet.name)
        if values:
            about.append([facet.label, _safe_cell("、".join(values))])
    about.append(["结果总数", total])
    about.append(["导出条数", len(hits)])
    if total > len(hits):
        about.append(["注意", f"只导出了前 {EXPORT_LIMIT} 条结果"])
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", state,
                     "xlsx", total, len(hits))


__all__ = ["bp", "EXPORT_LIMIT", "COLUMNS", "rows"]
