"""What flows between the layers: the facet registry, a search request, its response.

Every layer reads the facets from :data:`FACETS` — the stored fields an indexed
document carries, the query language's ``field:value`` filters, the CLI's
options, the API's parameters and OpenAPI schema, the page's sidebar labels and
``stats`` — so adding a facet is one :class:`Facet` entry plus the extractor
that fills its field (see ``docs/architecture.md``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

#: tree: hierarchical, several stored levels (province › city › district);
#: range: one integer (year), filtered by single values or ranges;
#: multi: several values per document (themes); single: one value per document.
FacetKind = Literal["tree", "range", "multi", "single"]


@dataclass(frozen=True)
class Facet:
    """One filterable, countable property of a document."""

    name: str                      # key in requests, responses, URL parameters and CLI options
    label: str                     # what the pages call it
    kind: FacetKind
    fields: tuple[str, ...]        # the document fields holding its values (tree: one per level)
    help: str                      # CLI and OpenAPI help text
    aliases: tuple[str, ...] = ()  # other names accepted in the query language (region: 地区:)
    api_help: str = ""             # the API parameter's description (Chinese, like the pages)
    cli_flag: str = ""             # the CLI option (default --NAME)
    example: str = ""

    @property
    def flag(self) -> str:
        return self.cli_flag or f"--{self.name}"


FACETS: tuple[Facet, ...] = (
    Facet("region", "地区", "tree", ("province", "city", "district"),
          "Region filter: a name (荔湾区, 荔湾, 广州市) or a path (广东省/广州市/荔湾区); repeat for OR.",
          aliases=("地区", "区域", "district"), example="荔湾区",
          api_help="地区（省、市、区县名称或路径 广东省/广州市/荔湾区）；可重复，任一匹配即可。"),
    Facet("year", "年份", "range", ("year",),
          "Year filter: 2008, a range 2007-2010, or open 2007- / -2010; repeat for OR.",
          aliases=("年份", "年"), example="2007-2010", api_help="年份 2008 或范围 2007-2010 / 2007-；可重复。"),
    Facet("theme", "主题", "multi", ("themes",),
          "Theme filter (the theme taxonomy's names); repeat for OR.", aliases=("主题",), example="教师队伍",
          api_help="主题；可重复。"),
    Facet("type", "类型", "single", ("doctype",),
          "Document type filter (讲话, 汇报, 述职报告, 自查报告 …); repeat for OR.",
          aliases=("类型", "doctype"), example="自查报告", api_help="文档类型（讲话、汇报、自查报告……）；可重复。"),
    Facet("origin", "来源", "single", ("origin",),
          "Origin filter: the site a page was saved from, or the folder a file came from; repeat for OR.",
          aliases=("来源", "source", "site"), example="samples",
          api_help="来源：网页所在的网站或文件所在的文件夹；可重复。"),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
FACET_BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}
#: Query-language field names (and aliases) → facet name.
FIELD_ALIASES: dict[str, str] = {alias: f.name for f in FACETS for alias in (f.name, *f.aliases)}
#: Document fields written for the facets, in registry order.
FACET_FIELDS: tuple[str, ...] = tuple(name for f in FACETS for name in f.fields)

SORTS = ("relevance", "year")


class QueryError(ValueError):
    """A request parameter is invalid (the API answers 400 with this message)."""


@dataclass
class SearchRequest:
    """One search, as the CLI, the API, the pages and the widget ask it."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)   # facet name → values (OR within a facet)
    sort: str = "relevance"
    page: int = 1
    size: int | None = None
    snippets: int | None = None
    facets: bool = True
    collapse: bool = True
    explain: bool = False          # each hit's score parts (Hit.explain)
    synonyms: bool = True          # False: the user's words only (no synonyms from the synonym file)

    def cache_key(self) -> tuple:
        """Every field of the request (a field added later is part of the key too)."""
        return tuple((f.name, _freeze(getattr(self, f.name))) for f in dataclasses.fields(self))

    def has_filters(self) -> bool:
        return any(v for v in self.filters.values())


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class DocRecord:
    """The stored properties of one document (what results, pages and facets show)."""

    id: str
    path: str
    source: str                    # absolute path of the file the document came from
    title: str
    fields: dict[str, Any]         # facet fields (FACET_FIELDS): province … doctype, origin
    length: int = 0
    encoding: str | None = None
    size: int | None = None        # bytes of the source file when indexed
    meta: dict[str, Any] = field(default_factory=dict)
    mtime: float | None = None     # the source file's modification time when indexed
    indexed_at: float | None = None  # when this version of the document was indexed (feeds order by it)

    @property
    def region(self) -> dict[str, str | None]:
        return {k: self.fields.get(k) or None for k in ("province", "city", "district")}

    @property
    def year(self) -> int | None:
        return self.fields.get("year") or None

    @property
    def themes(self) -> list[str]:
        return list(self.fields.get("themes") or [])

    @property
    def doctype(self) -> str | None:
        return self.fields.get("doctype") or None


@dataclass
class Hit:
    id: str
    path: str
    title: str
    region: dict[str, str | None]
    year: int | None
    themes: list[str]
    type: str | None
    origin: str | None
    score: float | None
    snippets: list[str]
    duplicates: int = 0
    duplicate_ids: list[str] = field(default_factory=list)
    explain: dict[str, float] | None = None   # score parts, only when the request asks (they add up to score)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if d.get("explain") is None:
            d.pop("explain", None)
        return d


@dataclass
class SearchResponse:
    query: str
    understood: str
    total: int
    took_ms: float
    page: int
    size: int
    pages: int
    sort: str
    hits: list[Hit]
    facets: dict[str, Any]
    filters: dict[str, list[str]]
    notes: list[str]
    terms: list[str]
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["hits"] = [h.to_dict() for h in self.hits]
        return d


__all__ = ["Facet", "FACETS", "FACET_NAMES", "FACET_BY_NAME", "FIELD_ALIASES", "FACET_FIELDS", "SORTS",
           "QueryError", "SearchRequest", "DocRecord", "Hit", "SearchResponse"]
