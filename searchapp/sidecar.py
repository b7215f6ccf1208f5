"""Metadata users already know: ``NAME.yaml`` beside a file, or a CSV manifest.

Sidecar values always win over extraction. Accepted keys: ``title``,
``province``, ``city``, ``district``, ``year``, ``themes`` (list, or a string
separated by ``;``/``,``/``、``), ``type`` and ``origin`` (the site or collection).

Whatever a sidecar says is stored with every document of its file and sent back
with every hit, so its size is bounded here, at ingestion (see
docs/operations.md, "Limits"):

* YAML aliases (``*name``) are refused: nested aliases ("billion laughs") let
  366 bytes expand to 37 MB of theme names, and no real sidecar needs them;
* a sidecar file may hold :data:`MAX_SIDECAR_BYTES`;
* a text value may be :data:`MAX_TITLE_CHARS` (title) or :data:`MAX_VALUE_CHARS`
  (the others) long, and ``themes`` may list :data:`MAX_THEMES` values.

A sidecar over a limit is ignored with a warning naming the limit (the file is
still indexed, from its text); a manifest row over a limit makes the manifest
an error, as any other bad row does.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

SIDECAR_KEYS = ("title", "province", "city", "district", "year", "themes", "type", "origin")

#: A sidecar holds seven short fields; 64 KB is generous.
MAX_SIDECAR_BYTES = 64 * 1024
#: Titles of Chinese reports run to a hundred characters or so.
MAX_TITLE_CHARS = 500
#: Region names, types and single themes are a few characters.
MAX_VALUE_CHARS = 100
MAX_THEMES = 50


class SidecarError(ValueError):
    """A sidecar or manifest row has an unknown key or a bad value."""


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases before they are expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise SidecarError(
                f"YAML aliases (*{event.anchor}) are not allowed in sidecars: write each value out "
                f"(line {event.start_mark.line + 1})")
        return super().compose_node(parent, index)


def load_yaml_without_aliases(text: str) -> Any:
    """``yaml.safe_load`` that raises :class:`SidecarError` on the first alias."""
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def sidecar_path(path: Path) -> Path | None:
    """The ``NAME.yaml``/``NAME.yml`` next to ``path``, when one exists."""
    for suffix in (".yaml", ".yml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, (str, int, float)):
        raise SidecarError(f"{where}: '{key}' must be text, got {type(value).__name__}")
    text = str(value).strip()
    limit = MAX_TITLE_CHARS if key == "title" else MAX_VALUE_CHARS
    if len(text) > limit:
        raise SidecarError(f"{where}: '{key}' is {len(text):,} characters long, more than the limit of {limit}")
    return text


def _clean(data: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key).strip()
        if key not in SIDECAR_KEYS:
            raise SidecarError(f"{where}: unknown key '{key[:50]}' (known: {', '.join(SIDECAR_KEYS)})")
        if value is None or value == "":
            continue
        if key == "year":
            try:
                year = int(str(value).strip()[:20])
            except ValueError:
                raise SidecarError(f"{where}: 'year' must be a year such as 2010, got {str(value)[:50]!r}") from None
            if not 1900 <= year <= 2100:
                raise SidecarError(f"{where}: 'year' out of range: {year}")
            out[key] = year
        elif key == "themes":
            if isinstance(value, str):
                if len(value) > MAX_THEMES * (MAX_VALUE_CHARS + 1):
                    raise SidecarError(f"{where}: 'themes' is {len(value):,} characters long, more than "
                                       f"{MAX_THEMES} themes of at most {MAX_VALUE_CHARS} characters")
                parts = [p.strip() for p in value.replace("、", ";").replace(",", ";").split(";")]
            elif isinstance(value, list):
                parts = value
            else:
                raise SidecarError(f"{where}: 'themes' must be a list or a string, got {type(value).__name__}")
            if len(parts) > MAX_THEMES:
                raise SidecarError(f"{where}: 'themes' lists {len(parts):,} values, more than the limit of "
                                   f"{MAX_THEMES}")
            themes = [_text(p, "themes", where) for p in parts]
            out[key] = [t for t in themes if t]
        else:
            out[key] = _text(value, key, where)
    return out


def read_sidecar(path: Path) -> dict[str, Any]:
    """Parse one sidecar YAML file (see the module docstring for its limits)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SIDECAR_BYTES + 1)
        if len(data) > MAX_SIDECAR_BYTES:
            raise SidecarError(f"{path.name}: larger than {MAX_SIDECAR_BYTES // 1024} KB, the limit for a sidecar")
        parsed = load_yaml_without_aliases(data.decode("utf-8"))
    except SidecarError as exc:
        message = str(exc)
        raise SidecarError(message if message.startswith(path.name) else f"{path.name}: {message}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SidecarError(f"{path.name}: cannot read: {exc}") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise SidecarError(f"{path.name}: must be a mapping of keys")
    return _clean(parsed, path.name)


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Parse a CSV manifest into ``{resolved file path: metadata}``.

    The ``path`` column is resolved against the manifest's folder. Each row is held
    to the sidecar limits (a cell longer than a sidecar may be is an error too, so
    the csv module's own cell limit of 128 KB never comes into play).
    """
    rows: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "path" not in reader.fieldnames:
            raise SidecarError(f"{path.name}: needs a 'path' column")
        try:
            for lineno, row in enumerate(reader, start=2):
                if None in row:  # more cells than columns
                    raise SidecarError(f"{path.name} line {lineno}: more cells than the header has columns")
                file = (row.pop("path") or "").strip()
                if not file:
                    continue
                target = Path(file)
                if not target.is_absolute():
                    target = path.parent / target
                rows[str(target.resolve())] = _clean(row, f"{path.name} line {lineno}")
        except csv.Error as exc:
            raise SidecarError(f"{path.name} line {reader.line_num}: {exc}") from None
    return rows
