"""The OpenAPI 3 description served at ``/api/openapi.json``, written by hand.

Hand-written (not generated) because the API is small and its contract — the
same object as ``searchapp search --json`` and one error shape — is what
integrators need spelled out; tests check that every route is described.
"""

from __future__ import annotations

from typing import Any

from searchapp import __version__
from searchapp.model import FACETS


def _param(name: str, description: str, schema: dict[str, Any], repeat: bool = False) -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description}
    if repeat:
        p["schema"] = {"type": "array", "items": schema}
        p["style"] = "form"
        p["explode"] = True
    else:
        p["schema"] = schema
    return p


#: A year (2008) or a range (2007-2010, 2007-, -2010); the query layer also takes – ~ 到 至.
YEAR_PATTERN = r"^\s*(\d{4}(\s*(-|–|~|到|至)\s*(\d{4})?)?|(-|–|~|到|至)\s*\d{4})\s*$"

_FILTERS = [_param(f.name, f.api_help, {"type": "string", "pattern": YEAR_PATTERN} if f.name == "year"
                   else {"type": "string"}, True) for f in FACETS]

#: Most title suggestions ``/api/suggest`` returns (see searchapp.web.suggest).
SUGGEST_LIMIT_MAX = 20


def _search_params(max_page_size: int) -> list[dict[str, Any]]:
    return [
        _param("q", "查询：教师交流、\"教师交流\"、教师 -民办、A OR B、region:荔湾区 year:2007-2010 …", {"type": "string"}),
        *_FILTERS,
        _param("sort", "排序（不可为空）", {"type": "string", "enum": ["relevance", "year"], "default": "relevance"}),
        _param("page", "页码（从 1 开始）", {"type": "integer", "minimum": 1, "default": 1}),
        _param("size", f"每页条数（1 至 search.max_page_size，即 {max_page_size}）",
               {"type": "integer", "minimum": 1, "maximum": max_page_size}),
        _param("explain", "1：每条结果附上得分构成（explain，各项相加等于 score）",
               {"type": "integer", "enum": [0, 1], "default": 0}),
        _param("synonyms", "0：只搜索输入的词，不用同义词（默认 1）", {"type": "integer", "enum": [0, 1], "default": 1}),
    ]


_ERROR = {"$ref": "#/components/responses/Error"}
#: Answers any data route may give besides its own (see searchapp.web.limits and docs/operations.md):
#: a bad or excessive parameter, an over-long URL, a refused access, no usable index.
_REFUSED = {"400": _ERROR, "401": _ERROR, "403": _ERROR, "414": _ERROR, "503": _ERROR}


def _ok(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def openapi_spec(max_page_size: int = 100, public_url: str = "/") -> dict[str, Any]:
    """The API description for a server whose ``search.max_page_size`` is ``max_page_size``.

    ``servers`` is the relative URL ``/`` (the API is at the root of wherever the
    description was fetched from), never the request's ``Host`` header, which a
    client chooses: reflecting it would let a crafted request make the description
    point integrators elsewhere."""
    region = {"type": "object", "properties": {k: {"type": "string", "nullable": True}
                                               for k in ("province", "city", "district")}}
    region_node: dict[str, Any] = {
        "type": "object",
        "properties": {"value": {"type": "string"}, "path": {"type": "string"}, "count": {"type": "integer"},
                       "children": {"type": "array", "items": {"$ref": "#/components/schemas/RegionNode"}}},
    }
    value_count = {"type": "object", "properties": {"value": {}, "count": {"type": "integer"}}}
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "searchapp API",
            "version": __version__,
            "description": "Search Chinese government and education reports. All responses are UTF-8 JSON "
                           "(Chinese is not escaped). Errors: {\"ok\": false, \"error\": \"...\", \"code\": \"bad_page\", \"message\": \"页码…\", \"status\": 400}.",
        },
        "paths": {
            "/api/search": {"get": {
                "summary": "Search (same object as `searchapp search --json`)",
                "parameters": _search_params(max_page_size),
                "responses": {"200": _ok("SearchResponse", "Results, facets and notes"), **_REFUSED},
            }},
            "/api/doc/{id}": {"get": {
                "summary": "One document with its full text, highlighted for q",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                               _param("q", "Query whose matches are marked <mark id=\"mN\">", {"type": "string"})],
                "responses": {"200": _ok("Document", "The document"), "404": _ERROR, **_REFUSED},
            }},
            "/api/facets": {"get": {
                "summary": "Facet counts over the whole index, plus index statistics",
                "responses": {"200": _ok("Facets", "Facets and statistics"), **_REFUSED},
            }},
            "/api/suggest": {"get": {
                "summary": "Completions for a search box: matching titles and frequent words",
                "parameters": [_param("q", "What was typed so far", {"type": "string"}),
                               _param("limit", f"Most title suggestions (1–{SUGGEST_LIMIT_MAX}; not empty)",
                                      {"type": "integer", "minimum": 1, "maximum": SUGGEST_LIMIT_MAX,
                                       "default": 8}),
                               *_FILTERS],
                "responses": {"200": _ok("Suggestions", "Suggestions"), **_REFUSED},
            }},
            "/api/openapi.json": {"get": {
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3 document"}},
            }},
            "/search.json": {"get": {
                "summary": "The search page's JSON twin: the same object as /api/search "
                           "(also / with Accept: application/json)",
                "parameters": _search_params(max_page_size),
                "responses": {"200": _ok("SearchResponse", "Results, facets and notes"), **_REFUSED},
            }},
            "/doc/{id}.json": {"get": {
                "summary": "The document page's JSON twin: the same object as /api/doc/{id}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                               _param("q", "Query whose matches are marked", {"type": "string"})],
                "responses": {"200": _ok("Document", "The document"), "404": _ERROR, **_REFUSED},
            }},
            "/export.csv": {"get": {
                "summary": "Every hit of a search (all pages, at most 5000) as CSV, UTF-8 with a BOM; "
                           "columns 标题 省 市 区县 年份 类型 主题 文件 摘要 编号",
                "parameters": [p for p in _search_params(max_page_size) if p["name"] not in ("page", "size")],
                "responses": {"200": {"description": "CSV file (X-Searchapp-Total: hits matched)",
                                      "content": {"text/csv": {}}}, **_REFUSED},
            }},
            "/export.xlsx": {"get": {
                "summary": "The same rows as /export.csv as an Excel workbook",
                "parameters": [p for p in _search_params(max_page_size) if p["name"] not in ("page", "size")],
                "responses": {"200": {"description": "Workbook (sheets 搜索结果 and 说明)", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}, **_REFUSED},
            }},
            "/feed.atom": {"get": {
                "summary": "Atom feed of the newest indexed reports matching a search (a saved search)",
                "parameters": [p for p in _search_params(max_page_size) if p["name"] not in ("page", "size", "sort")],
                "responses": {"200": {"description": "Atom 1.0", "content": {"application/atom+xml": {}}},
                              **_REFUSED},
            }},
            "/embed.js/origin": {"get": {
                "summary": "Whether the asking page's origin may use the API (server.cors_origins); "
                           "readable by any origin, holds no data",
                "responses": {"200": {"description": "{origin, allowed, setting}"}},
            }},
            "/healthz": {"get": {
                "summary": "Liveness and document count (no token needed)",
                "responses": {"200": _ok("Health", "Healthy"), "503": _ERROR},
            }},
        },
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "X-Searchapp-Token",
                          "description": "Only when server.access_token is set."},
            },
            "responses": {
                "Error": {"description": "Bad parameter, unknown document, refused, or no usable index (503)",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["ok", "error", "code", "message", "status"],
                          "properties": {"ok": {"type": "boolean", "enum": [False]},
                                         "error": {"type": "string", "description": "English detail (as logged)"},
                                         "code": {"type": "string", "description": "Stable machine-readable code: "
                                                  "bad_page, bad_size, bad_sort, bad_year, bad_number, not_found, "
                                                  "unauthorized, forbidden, too_many_values, uri_too_long, "
                                                  "unavailable, internal, …"},
                                         "message": {"type": "string", "description": "The same, in Chinese"},
                                         "status": {"type": "integer"}}},
                "Region": region,
                "RegionNode": region_node,
                "Hit": {"type": "object", "properties": {
                    "id": {"type": "string"}, "path": {"type": "string"}, "title": {"type": "string"},
                    "heading": {"type": "string", "description": "The title made distinguishable from the other "
                                "hits (year and issuing body, or the file name)"},
                    "region": {"$ref": "#/components/schemas/Region"},
                    "year": {"type": "integer", "nullable": True},
                    "themes": {"type": "array", "items": {"type": "string"}},
                    "type": {"type": "string", "nullable": True},
                    "origin": {"type": "string", "nullable": True},
                    "score": {"type": "number", "nullable": True},
                    "snippets": {"type": "array", "items": {"type": "string"},
                                 "description": "HTML: escaped text with matches in <mark>"},
                    "duplicates": {"type": "integer"},
                    "duplicate_ids": {"type": "array", "items": {"type": "string"}},
                    "explain": {"type": "object", "additionalProperties": {"type": "number"},
                                "description": "Only with explain=1: score parts (title, headings, body, parts, "
                                               "synonyms, phrase, proximity, title_match, coverage, length) that "
                                               "add up to score"}}},
                "FacetCounts": {"type": "object", "properties": {
                    "region": {"type": "array", "items": {"$ref": "#/components/schemas/RegionNode"}},
                    **{f.name: {"type": "array", "items": value_count} for f in FACETS if f.kind != "tree"}}},
                "SearchResponse": {"type": "object", "properties": {
                    "query": {"type": "string"}, "understood": {"type": "string"},
                    "total": {"type": "integer"}, "took_ms": {"type": "number"},
                    "page": {"type": "integer"}, "size": {"type": "integer"}, "pages": {"type": "integer"},
                    "sort": {"type": "string"},
                    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    "facets": {"$ref": "#/components/schemas/FacetCounts"},
                    "filters": {"type": "object", "additionalProperties": {"type": "array",
                                                                          "items": {"type": "string"}}},
                    "notes": {"type": "array", "items": {"type": "string"}},
                    "terms": {"type": "array", "items": {"type": "string"}},
                    "cached": {"type": "boolean"}}},
                "Document": {"type": "object", "properties": {
                    "id": {"type": "string"}, "path": {"type": "string"}, "source": {"type": "string"},
                    "title": {"type": "string"}, "region": {"$ref": "#/components/schemas/Region"},
                    "year": {"type": "integer", "nullable": True},
                    "themes": {"type": "array", "items": {"type": "string"}},
                    "type": {"type": "string", "nullable": True}, "encoding": {"type": "string", "nullable": True},
                    "origin": {"type": "string", "nullable": True},
                    "length": {"type": "integer"}, "evidence": {"type": "object"},
                    "text": {"type": "string"}, "html": {"type": "string"}, "matches": {"type": "integer"},
                    "terms": {"type": "array", "items": {"type": "string"}},
                    "duplicate_ids": {"type": "array", "items": {"type": "string"}}}},
                "Facets": {"type": "object", "properties": {
                    "facets": {"$ref": "#/components/schemas/FacetCounts"},
                    "stats": {"type": "object", "properties": {
                        "documents": {"type": "integer"}, "files": {"type": "integer"},
                        "analyzer": {"type": "string"}, "created": {"type": "string"}}}}},
                "Suggestions": {"type": "object", "properties": {
                    "q": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "object", "properties": {
                        "text": {"type": "string"}, "kind": {"type": "string", "enum": ["title", "term"]},
                        "id": {"type": "string"}}}}}},
                "Health": {"type": "object", "properties": {"ok": {"type": "boolean"},
                                                            "documents": {"type": "integer"}}},
            },
        },
    }
    spec["servers"] = [{"url": public_url}]
    return spec
