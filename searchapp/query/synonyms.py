"""Synonyms applied at query time: the vocabulary bridge between how a user words a
topic and how a report does (课后服务 ⇄ 課後照顧, 欺凌 ⇄ 霸凌, 信息化 ⇄ 資訊化).

The table is data: a YAML file (``search.synonyms`` in config.yaml, else the
bundled ``searchapp/data/synonyms.yaml``) of groups, each naming its source::

    groups:
      - source: where these come from
        equivalent:            # every term finds the others
          - [课后服务, 课后托管, 課後照顧]
        one_way:               # the key finds the values, not the other way round
          控辍保学: [辍学]

Every term is normalized like the text (Traditional → Simplified, width, case), so
a file may spell Taiwan terms in Traditional characters. Synonyms only ever widen
an *unquoted* chunk; a quoted phrase means exactly what it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from searchapp.normalize import normalize_query

#: The synonym file shipped with searchapp (education reports, mainland ⇄ Taiwan/Hong Kong).
DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "synonyms.yaml"


class SynonymFileError(ValueError):
    """The synonym file cannot be used (the message names the file and the entry)."""


@dataclass(frozen=True)
class Span:
    """A stretch ``[start, end)`` of a chunk that has synonyms."""

    start: int
    end: int
    key: str
    synonyms: tuple[str, ...]


class Synonyms:
    """Term → the terms it also finds (normalized; never the term itself)."""

    def __init__(self, table: Mapping[str, Iterable[str]] | None = None, version: Any = None):
        self.table: dict[str, tuple[str, ...]] = {}
        #: Identifies the file state the table was read from (response caches key on it).
        self.version = version
        for key, values in (table or {}).items():
            self.add(key, values)

    def add(self, key: str, values: Iterable[str]) -> None:
        k = normalize_query(key)
        if not k:
            return
        known = list(self.table.get(k, ()))
        for v in values:
            nv = normalize_query(v)
            if nv and nv != k and nv not in known:
                known.append(nv)
        if known:
            self.table[k] = tuple(known)

    def __len__(self) -> int:
        return len(self.table)

    def __bool__(self) -> bool:
        return bool(self.table)

    def get(self, term: str) -> tuple[str, ...]:
        return self.table.get(term, ())

    @property
    def longest(self) -> int:
        return max((len(k) for k in self.table), default=0)

    def spans(self, text: str, bounds: set[int]) -> list[Span]:
        """Non-overlapping stretches of ``text`` that are synonym keys, longest first,
        each starting and ending on a word boundary in ``bounds`` (so the key 生营
        never fires inside 学生营养). Sorted by position."""
        if not self.table:
            return []
        found: list[Span] = []
        taken = [False] * len(text)
        longest = min(self.longest, len(text))
        for size in range(longest, 0, -1):
            for start in range(0, len(text) - size + 1):
                end = start + size
                if start not in bounds or end not in bounds or any(taken[start:end]):
                    continue
                values = self.table.get(text[start:end])
                if values:
                    found.append(Span(start, end, text[start:end], values))
                    for i in range(start, end):
                        taken[i] = True
        return sorted(found, key=lambda s: s.start)


def parse_groups(data: Any, origin: str = "synonyms") -> Synonyms:
    """A table from the file's structure; :class:`SynonymFileError` when malformed."""
    if data is None:
        return Synonyms()
    if not isinstance(data, dict) or not isinstance(data.get("groups", []), list):
        raise SynonymFileError(f"{origin}: the top level must be a mapping with a list 'groups'")
    table = Synonyms()
    for n, group in enumerate(data.get("groups") or [], start=1):
        where = f"{origin}: group {n}"
        if not isinstance(group, dict):
            raise SynonymFileError(f"{where} must be a mapping (source, equivalent, one_way)")
        unknown = set(group) - {"source", "equivalent", "one_way"}
        if unknown:
            raise SynonymFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not str(group.get("source") or "").strip():
            raise SynonymFileError(f"{where}: say where the group comes from ('source')")
        for terms in group.get("equivalent") or []:
            if not isinstance(terms, list) or len(terms) < 2 or not all(isinstance(t, str) for t in terms):
                raise SynonymFileError(f"{where}: each 'equivalent' entry is a list of two or more terms")
            for t in terms:
                table.add(t, [o for o in terms if o != t])
        one_way = group.get("one_way") or {}
        if not isinstance(one_way, dict):
            raise SynonymFileError(f"{where}: 'one_way' maps a term to a list of terms")
        for key, values in one_way.items():
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise SynonymFileError(f"{where}: one_way '{key}' must map to a list of terms")
            table.add(str(key), values)
    return table


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Synonyms:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SynonymFileError(f"cannot read synonym file {path}: {exc}") from None
    table = parse_groups(data, path)
    table.version = (path, mtime)
    return table


def load_synonyms(path: str | Path | None) -> Synonyms:
    """The table in ``path`` (None: the bundled default; reloaded when the file changes)."""
    p = Path(path) if path is not None else DEFAULT_FILE
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise SynonymFileError(f"synonym file not found: {p} ({exc.strerror})") from None
    return _load(str(p), mtime)


__all__ = ["Synonyms", "Span", "SynonymFileError", "DEFAULT_FILE", "parse_groups", "load_synonyms"]
