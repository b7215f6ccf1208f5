"""Metadata users already know: ``NAME.yaml`` beside a file, or a CSV manifest.

Sidecar values always win over extraction. Accepted keys: ``title``,
``province``, ``city``, ``district``, ``year``, ``themes`` (list, or a string
separated by ``;``/``,``/``、``), ``type`` and ``origin`` (the site or collection).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

SIDECAR_KEYS = ("title", "province", "city", "district", "year", "themes", "type", "origin")


class SidecarError(ValueError):
    """A sidecar or manifest row has an unknown key or a bad value."""


def sidecar_path(path: Path) -> Path | None:
    """The ``NAME.yaml``/``NAME.yml`` next to ``path``, when one exists."""
    for suffix in (".yaml", ".yml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _clean(data: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key).strip()
        if key not in SIDECAR_KEYS:
            raise SidecarError(f"{where}: unknown key '{key}' (known: {', '.join(SIDECAR_KEYS)})")
        if value is None or value == "":
            continue
        if key == "year":
            try:
                year = int(str(value).strip())
            except ValueError:
                raise SidecarError(f"{where}: 'year' must be a year such as 2010, got {value!r}") from None
            if not 1900 <= year <= 2100:
                raise SidecarError(f"{where}: 'year' out of range: {year}")
            out[key] = year
        elif key == "themes":
            if isinstance(value, str):
                parts = [p.strip() for p in value.replace("、", ";").replace(",", ";").split(";")]
            elif isinstance(value, list):
                parts = [str(p).strip() for p in value]
            else:
                raise SidecarError(f"{where}: 'themes' must be a list or a string, got {value!r}")
            out[key] = [p for p in parts if p]
        else:
            if not isinstance(value, (str, int, float)):
                raise SidecarError(f"{where}: '{key}' must be text, got {value!r}")
            out[key] = str(value).strip()
    return out


def read_sidecar(path: Path) -> dict[str, Any]:
    """Parse one sidecar YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SidecarError(f"{path.name}: cannot read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SidecarError(f"{path.name}: must be a mapping of keys")
    return _clean(data, path.name)


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Parse a CSV manifest into ``{resolved file path: metadata}``.

    The ``path`` column is resolved against the manifest's folder.
    """
    rows: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "path" not in reader.fieldnames:
            raise SidecarError(f"{path.name}: needs a 'path' column")
        for lineno, row in enumerate(reader, start=2):
            file = (row.pop("path") or "").strip()
            if not file:
                continue
            target = Path(file)
            if not target.is_absolute():
                target = path.parent / target
            rows[str(target.resolve())] = _clean(row, f"{path.name} line {lineno}")
    return rows
