"""Request parameters → :class:`~searchapp.model.SearchRequest`, and back to URLs.

Pages, the JSON API and the widget read the same GET parameters (``q``, one per
facet of :data:`searchapp.model.FACETS` — the filters may repeat — ``sort``,
``page``, ``size``), so one parser serves all of them and one URL builder keeps
every page state in a canonical, shareable query string. Range checks (page ≥ 1,
size ≤ max, known sort, valid years) are left to the query layer, which raises
:class:`~searchapp.model.QueryError`; here we only refuse what cannot even be
turned into a request (a page that is not a number).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from searchapp.model import FACET_NAMES, QueryError, SearchRequest

#: Filter facets in URL order; each one's GET parameter is its name.
FACETS = FACET_NAMES
#: Parameters that belong in a canonical search URL.
CANONICAL = {"q", "sort", "page", "size", "explain", "synonyms", *FACETS}
#: Parameters the year range form sends; folded into ``year=FROM-TO``.
RANGE_FIELDS = ("year_from", "year_to")


def parse_int(args: MultiDict, name: str, default: int | None) -> int | None:
    """An integer parameter, ``default`` when absent or empty; QueryError when not a number."""
    raw = args.get(name, "")
    raw = raw.strip() if isinstance(raw, str) else raw
    if raw in ("", None):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, got '{raw}'") from None


def parse_flag(args: MultiDict, name: str, default: bool) -> bool:
    """A yes/no parameter: 1/true/yes/on or 0/false/no/off; QueryError otherwise."""
    raw = (args.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise QueryError(f"{name} must be 1 or 0, got '{raw}'")


def _values(args: MultiDict, name: str) -> list[str]:
    """Repeated parameter values, stripped, empties dropped, order kept, duplicates removed."""
    return list(dict.fromkeys(v.strip() for v in args.getlist(name) if v and v.strip()))


def _year_range(args: MultiDict) -> str | None:
    """``year_from``/``year_to`` of the range form as one year filter (``2007-2010``, ``2007-``)."""
    lo = (args.get("year_from") or "").strip()
    hi = (args.get("year_to") or "").strip()
    if not lo and not hi:
        return None
    if lo and hi and lo == hi:
        return lo
    return f"{lo}-{hi}"


@dataclass
class SearchState:
    """Everything a search page shows, as it appears in the URL."""

    q: str = ""
    region: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    size: int | None = None
    explain: bool = False        # explain=1: each hit's score parts
    synonyms: bool = True        # synonyms=0: the words as typed only

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchState:
        years = _values(args, "year")
        extra = _year_range(args)
        if extra and extra not in years:
            years.append(extra)
        filters: dict[str, list[str]] = {name: _values(args, name) for name in FACETS}
        filters["year"] = years
        return cls(
            q=(args.get("q") or "").strip(), **filters,
            sort=(args.get("sort") or "relevance").strip() or "relevance",
            page=parse_int(args, "page", 1),  # type: ignore[arg-type]
            size=parse_int(args, "size", None),
            explain=parse_flag(args, "explain", False),
            synonyms=parse_flag(args, "synonyms", True),
        )

    def request(self, **overrides: object) -> SearchRequest:
        """The query-layer request for this state."""
        req = SearchRequest(q=self.q, filters={name: list(getattr(self, name)) for name in FACETS if getattr(self, name)},
                            sort=self.sort, page=self.page, size=self.size, explain=self.explain,
                            synonyms=self.synonyms)
        for key, value in overrides.items():
            setattr(req, key, value)
        return req

    # -- URLs -----------------------------------------------------------------

    def pairs(self) -> list[tuple[str, str]]:
        """Canonical query parameters: defaults omitted, filters in a fixed order."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for facet in FACETS:
            out.extend((facet, v) for v in getattr(self, facet))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.size is not None:
            out.append(("size", str(self.size)))
        if self.explain:
            out.append(("explain", "1"))
        if not self.synonyms:
            out.append(("synonyms", "0"))
        return out

    def query_string(self) -> str:
        return urlencode(self.pairs())

    def url(self, base: str = "/") -> str:
        qs = self.query_string()
        return f"{base}?{qs}" if qs else base

    def with_(self, **changes: object) -> SearchState:
        """A copy with ``changes``; any change other than ``page`` starts again at page 1."""
        if "page" not in changes:
            changes["page"] = 1
        return replace(self, **{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in changes.items()})

    def toggled(self, facet: str, value: str) -> SearchState:
        """Add ``value`` to a multi-value filter, or remove it when it is already there."""
        values = list(getattr(self, facet))
        values = [v for v in values if v != value] if value in values else values + [value]
        return self.with_(**{facet: values})

    def without(self, facet: str, value: str | None = None) -> SearchState:
        """Drop one filter value (or the whole facet when ``value`` is None)."""
        values = [] if value is None else [v for v in getattr(self, facet) if v != value]
        return self.with_(**{facet: values})

    def without_filters(self) -> SearchState:
        return self.with_(**{name: [] for name in FACETS})

    def has_filters(self) -> bool:
        return any(getattr(self, f) for f in FACETS)

    def chips(self) -> list[tuple[str, str, str]]:
        """(facet, value, URL without it) for every selected filter value."""
        return [(facet, v, self.without(facet, v).url()) for facet in FACETS for v in getattr(self, facet)]


def is_canonical(args: MultiDict) -> bool:
    """Whether the URL already is the canonical form (else the page redirects to it, so
    what the address bar shows — and what people share — is always clean)."""
    for key, value in args.items(multi=True):
        if key not in CANONICAL or not value.strip() or value != value.strip():
            return False
    if args.get("sort") == "relevance" or args.get("page") == "1":
        return False
    if args.get("explain", "1") != "1" or args.get("synonyms", "0") != "0":
        return False
    return True
