"""One batch of files → prepared documents → one written batch, in a worker process.

A :class:`BatchJob` carries everything a worker needs (settings, the backend's
batch writer), so nothing lives in module globals and the same code runs
in-process for small runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searchapp.backend.base import BatchWriter, PreparedDoc
from searchapp.config import Settings
from searchapp.errors import ReadError
from searchapp.model import FACET_FIELDS
from searchapp.sidecar import sidecar_path

#: Texts shorter than this get no near-duplicate fingerprint (too little to compare).
MIN_DEDUP_CHARS = 200


@dataclass
class Task:
    path: str
    display: str
    key_base: int
    known_hash: str | None
    manifest_row: dict[str, Any] | None
    origin: str | None = None


@dataclass
class TaskResult:
    """One file's outcome, without its texts (cheap to send between processes)."""

    path: str
    display: str
    status: str                         # "indexed", "unchanged", "failed"
    reason: str = ""
    hash: str = ""
    mtime: float = 0.0
    size: int = 0
    encoding: str | None = None
    docs: list[tuple[str, int, int | None]] = field(default_factory=list)   # (id, key, fingerprint)
    removed_lines: int = 0
    mojibake_repairs: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchOutcome:
    written: Any                        # what the batch writer returned (published at commit)
    results: list[TaskResult]


def file_hash(data: bytes, sidecar: bytes, manifest_row: dict[str, Any] | None) -> str:
    h = hashlib.sha1(data)
    h.update(b"\0sidecar\0" + sidecar)
    h.update(b"\0manifest\0" + json.dumps(manifest_row or {}, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


class BatchJob:
    """Prepares files and writes them through the backend's batch writer."""

    def __init__(self, settings: Settings, writer: BatchWriter):
        self.settings = settings
        self.writer = writer

    def __call__(self, tasks: list[Task]) -> BatchOutcome:
        results: list[TaskResult] = []
        docs: list[PreparedDoc] = []
        for task in tasks:
            res, prepared = self.run_task(task)
            results.append(res)
            docs.extend(prepared)
        return BatchOutcome(self.writer.write(docs) if docs else None, results)

    def run_task(self, task: Task) -> tuple[TaskResult, list[PreparedDoc]]:
        from searchapp.dedup import fingerprint
        from searchapp.pipeline import prepare_file
        from searchapp.readers.text import TEXT_SUFFIXES, text_from_bytes

        settings = self.settings
        path = Path(task.path)
        res = TaskResult(path=task.path, display=task.display, status="failed")
        try:
            st = path.stat()
            res.mtime, res.size = st.st_mtime, st.st_size
            if st.st_size > settings.indexing.max_file_mb * 1024 * 1024:
                raise ReadError(f"larger than indexing.max_file_mb ({settings.indexing.max_file_mb:g} MB)")
            data = path.read_bytes()
            side = sidecar_path(path)
            side_bytes = side.read_bytes() if side else b""
            res.hash = file_hash(data, side_bytes, task.manifest_row)
            if res.hash == task.known_hash:
                res.status = "unchanged"
                return res, []
            raw = text_from_bytes(data) if path.suffix.lower() in TEXT_SUFFIXES else None
            prepared = prepare_file(path, task.display, settings, task.manifest_row,
                                    raw_text=raw.text if raw else None, encoding=raw.encoding if raw else None,
                                    origin=task.origin)
        except ReadError as exc:
            res.reason = str(exc)
            return res, []
        except OSError as exc:
            res.reason = f"cannot read: {exc.strerror or exc}"
            return res, []
        except Exception as exc:  # a bug or a parser crash must not stop the run
            res.reason = f"internal error while processing: {type(exc).__name__}: {exc}"
            return res, []
        if not prepared.documents:
            res.reason = "no text found (empty file or only boilerplate)"
            return res, []
        res.status = "indexed"
        res.encoding = prepared.encoding
        res.removed_lines = prepared.removed_lines
        res.mojibake_repairs = prepared.mojibake_repairs
        res.warnings = prepared.warnings
        source = str(path.resolve())
        out = []
        for i, doc in enumerate(prepared.documents):
            fp = fingerprint(doc.norm) if len(doc.norm) >= MIN_DEDUP_CHARS else None
            key = task.key_base + i
            out.append(PreparedDoc(
                id=doc.id, key=key, source=source, path=doc.path, article=doc.article, title=doc.title,
                text=doc.text, norm=doc.norm,
                norm_map=doc.norm_map, fields={name: getattr(doc, name) for name in FACET_FIELDS},
                evidence=doc.evidence, fingerprint=fp, hash=res.hash, mtime=res.mtime, size=res.size,
                encoding=res.encoding))
            res.docs.append((doc.id, key, fp))
        return res, out
