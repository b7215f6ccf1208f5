"""The API accepts what its OpenAPI description says, and refuses the rest with a clear 400.

The parameters of each ``/api/*`` route are checked against the schemas in
:func:`searchapp.web.openapi.openapi_spec` itself — integer, minimum, maximum, enum,
pattern — so the description and the behaviour cannot drift apart (schemathesis
checks both directions in ``tests/test_api_contract.py``). In particular an *empty*
``sort``, ``limit``, ``page``, ``size`` or ``year`` is refused: it is not a value of
its type. The HTML pages stay lenient (a form may submit an empty field, which
means the default); only the API is held to the contract.

Parameters the description does not list are ignored, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, Response, request

from searchapp.web.openapi import openapi_spec

_INTEGER = re.compile(r"^[+-]?\d+$")


@lru_cache(maxsize=8)
def _parameter_schemas(max_page_size: int) -> dict[str, dict[str, dict[str, Any]]]:
    """``{route path pattern: {parameter: item schema}}`` for the query parameters."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path, methods in openapi_spec(max_page_size=max_page_size)["paths"].items():
        params = methods.get("get", {}).get("parameters", [])
        schemas = {}
        for p in params:
            if p["in"] != "query":
                continue
            schema = p["schema"]
            schemas[p["name"]] = schema.get("items", schema) if schema.get("type") == "array" else schema
        out[path] = schemas
    return out


def _route_schemas(path: str, max_page_size: int) -> dict[str, dict[str, Any]] | None:
    table = _parameter_schemas(max_page_size)
    if path in table:
        return table[path]
    for pattern, schemas in table.items():  # /api/doc/{id}
        if "{" in pattern and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", pattern), path):
            return schemas
    return None


def violation(name: str, value: str, schema: dict[str, Any]) -> str | None:
    """Why ``value`` is not a valid ``name`` under ``schema``, or ``None`` when it is.

    Worded as the query layer words the same mistakes, so the API's machine codes
    (:mod:`searchapp.web.messages`) are the same whichever check caught it."""
    kind = schema.get("type")
    shown = value[:50]
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if not _INTEGER.match(value):
            return f"{name} must be a whole number, got '{shown}'"
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            if name == "page":
                return f"page must be 1 or more, got {shown}"
            if high is not None:
                return f"{name} must be between {low if low is not None else 1} and {high}, got {shown}"
            return f"{name} must be {low} or more, got {shown}"
        return None
    if "enum" in schema and value not in schema["enum"]:
        return f"{name} must be one of {', '.join(schema['enum'])}, got '{shown}'"
    if "pattern" in schema and not re.match(schema["pattern"], value):
        if name == "year":
            return f"year filter '{shown}' is not a year (2008) or a range (2007-2010)"
        return f"{name} has the wrong format, got '{shown}' (see /api/openapi.json)"
    return None


def check_api_parameters(max_page_size: int) -> str | None:
    """The first contract violation of the current API request, or ``None``."""
    schemas = _route_schemas(request.path, max_page_size)
    if not schemas:
        return None
    for name, value in request.args.items(multi=True):
        schema = schemas.get(name)
        if schema is not None:
            problem = violation(name, value, schema)
            if problem:
                return problem
    return None


def _is_data_twin(path: str) -> bool:
    """The pages' machine-readable twins (JSON, exports, feeds) keep the API's contract."""
    return path.endswith((".json", ".csv", ".xlsx", ".atom"))


def install(app: Flask, max_page_size: int, deny: Callable[[int, str], Response]) -> None:
    """Refuse API requests whose parameters break the description, before any view."""

    @app.before_request
    def _contract() -> Response | None:
        if not request.path.startswith("/api/") and not _is_data_twin(request.path):
            return None
        problem = check_api_parameters(max_page_size)
        return deny(400, problem) if problem else None
