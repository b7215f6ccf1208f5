"""The local index folder: what it holds, how it is created, checked and swapped.

    INDEX/                     searchapp-index.json   analyzer signature, schema, build id
      _MAIN_*.toc, *.seg …     Whoosh: stored fields, facet fields, title words
      store/                   text store segments (normalized + original text, gram postings)
      clusters-<gen>.json      near-duplicate clusters of one Whoosh generation
      doctable-<gen>.npz|.rows the snapshot's columns and records for that generation
    INDEX.building/            a --rebuild in progress (renamed into place when done)
    INDEX.previous/            the index a --rebuild swap is replacing (for an instant)
    INDEX.lock                 the writers' flock

Shared by the reader (:mod:`.snapshot`) and the writer (:mod:`.writer`), so the
read side needs nothing from the indexing run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from searchapp.analysis import analyzer_signature
from searchapp.backend.local import textstore
from searchapp.backend.local.schema import INDEX_META, SCHEMA_VERSION, build_schema
from searchapp.config import Settings
from searchapp.errors import IndexMismatchError, IndexWriteError, SearchappError

CLUSTERS_PREFIX = "clusters-"
#: The token of the run writing into the folder (orphaned workers of a dead run check it).
RUN_TOKEN = "run-token"
#: Files whose worker process died, with what they looked like then (skipped until they change).
FAILURES = "failed-files.json"


def read_index_meta(index_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((index_dir / INDEX_META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SearchappError(f"the index at {index_dir} is damaged ({INDEX_META}: {exc}); "
                             "run `searchapp index --rebuild`") from None


def check_compatible(index_dir: Path, settings: Settings) -> dict[str, Any]:
    """Refuse an index built by another analyzer or schema (with the fix in the message)."""
    meta = read_index_meta(index_dir)
    if meta is None:
        raise IndexMismatchError(f"{index_dir} is not a searchapp index (no {INDEX_META}); "
                                 "run `searchapp index --rebuild`")
    want = analyzer_signature(settings.analysis.user_words)
    if meta.get("analyzer") != want or meta.get("schema") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"the index at {index_dir} was built with analyzer '{meta.get('analyzer')}' "
            f"(schema {meta.get('schema')}), but this searchapp uses '{want}' (schema {SCHEMA_VERSION}). "
            "Run `searchapp index --rebuild` to rebuild it.")
    return meta


def create_index(index_dir: Path, settings: Settings) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    whoosh_index.create_in(str(index_dir), build_schema())
    meta = {"analyzer": analyzer_signature(settings.analysis.user_words), "schema": SCHEMA_VERSION,
            "build_id": uuid.uuid4().hex, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    textstore.write_manifest(index_dir / textstore.STORE_DIRNAME, [], 1)
    (index_dir / INDEX_META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def sibling(index_dir: Path, suffix: str) -> Path:
    """``INDEX.building`` / ``INDEX.previous`` beside the index folder."""
    return index_dir.with_name(index_dir.name + suffix)


def live_dir(index_dir: Path) -> Path:
    """The index folder, or during the instant of a ``--rebuild`` swap (or after a
    crash inside it) the previous index that stands beside it."""
    if not (index_dir / INDEX_META).exists():
        previous = sibling(index_dir, ".previous")
        if (previous / INDEX_META).exists():
            return previous
    return index_dir


def recover_swap(index_dir: Path) -> None:
    """Finish or undo a rebuild swap that a crash interrupted."""
    previous = sibling(index_dir, ".previous")
    if not index_dir.exists() and previous.exists():
        previous.rename(index_dir)
    elif previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    building = sibling(index_dir, ".building")
    if building.exists():
        shutil.rmtree(building, ignore_errors=True)


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def is_index_file(name: str) -> bool:
    return (name.startswith(("_MAIN_", "MAIN_", "clusters", "doctable-")) or name in (INDEX_META, textstore.STORE_DIRNAME, FAILURES, RUN_TOKEN)
            or name.endswith(".tmp"))


def carry_over(old: Path, new: Path) -> None:
    """Move what is not ours (a README beside the index, say) into the rebuilt folder."""
    for entry in old.iterdir():
        if not is_index_file(entry.name) and not (new / entry.name).exists():
            shutil.move(str(entry), str(new / entry.name))


def holds_foreign_index(index_dir: Path) -> bool:
    """A Whoosh index that searchapp did not build (no metadata file)."""
    return (index_dir.exists() and read_index_meta(index_dir) is None
            and any(p.name.startswith("_MAIN_") for p in index_dir.iterdir()))


def clusters_file(index_dir: Path, generation: int) -> Path:
    """Clusters belong to one Whoosh generation: a run that dies before its commit must
    not regroup the previous generation's documents."""
    return index_dir / f"{CLUSTERS_PREFIX}{generation}.json"


def remove_old_clusters(index_dir: Path, generation: int) -> None:
    """Keep the clusters of this generation and the one before (a server may be opening it)."""
    keep = {clusters_file(index_dir, generation).name, clusters_file(index_dir, generation - 1).name}
    for path in index_dir.glob(f"{CLUSTERS_PREFIX}*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def write_run_token(index_dir: Path, token: str) -> None:
    write_json_atomic(index_dir / RUN_TOKEN, token)


def read_run_token(index_dir: Path) -> str | None:
    try:
        return json.loads((index_dir / RUN_TOKEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_replaceable(index_dir: Path) -> None:
    """Refuse a ``--rebuild`` that could not remove the index it replaces.

    The swap renames the old folder aside, which needs only the parent's
    permission; deleting its contents needs the folder's own. Without this check
    a rebuild by another user than the index's owner "succeeded" and left
    ``INDEX.previous`` behind. Probed by creating a file, so ACLs, read-only
    mounts and root without CAP_DAC_OVERRIDE answer truly."""
    for folder in [index_dir, *(p for p in index_dir.rglob("*") if p.is_dir())]:
        probe = folder / f".searchapp-probe-{os.getpid()}.tmp"
        try:
            probe.touch()
            probe.unlink()
        except OSError as exc:
            try:
                owner = f" (owned by uid {folder.stat().st_uid}; this is uid {os.geteuid()})"
            except OSError:
                owner = ""
            raise IndexWriteError(
                f"cannot rebuild the index at {index_dir}: no right to remove {folder}{owner}: "
                f"{exc.strerror or exc}. Run the rebuild as the user that owns the index, or fix "
                "its permissions.") from None


def failures_file(index_dir: Path) -> Path:
    return index_dir / FAILURES


def read_failures(index_dir: Path) -> dict[str, dict[str, Any]]:
    """The failed-file records (an unreadable file counts as none: the files are retried)."""
    try:
        data = json.loads(failures_file(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
