"""The exact channel: every document's text, and a character-gram index over it.

Whoosh holds jieba words for ranking, but a segmenter can never guarantee that a
quoted phrase is found: 教师交流 may be cut 教师/交流 in one report and
老教师/交流 in another. This store makes exact recall a property of the data
instead. For each document we keep

* the normalized text (UTF-8, uncompressed, memory-mapped) to verify matches;
* the original text (zlib) to cut snippets and show the document as written;
* the set of its character unigrams and bigrams, as posting lists of doc keys.

A phrase of one or two characters is answered by one posting list exactly; a
longer one by intersecting its bigrams' lists and verifying each candidate with
a substring search in the mapped text. The result is the set of documents whose
normalized text contains the phrase: recall 1.0 and no false hits, by
construction (the design behind Google Code Search and zoekt, with bigrams).

Storage is a list of immutable *segments* (one per batch of documents, written by
the indexing workers in parallel) named in ``store.json``. Documents are
identified by an integer *key* that Whoosh stores too; a key absent from the
current Whoosh index is simply dead, so deletions need no rewrite here and a
crash between the two commits loses nothing. Dead space is reclaimed by
:func:`compact`.
"""

from __future__ import annotations

import bisect
import json
import mmap
import operator
import os
import pickle
import uuid
import zlib
from array import array
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

STORE_DIRNAME = "store"
MANIFEST = "store.json"
FORMAT_VERSION = 1


def gram_code(gram: str) -> int:
    """Integer code of a 1- or 2-character gram; bigram codes sort after unigrams."""
    if len(gram) == 1:
        return ord(gram)
    return ((ord(gram[0]) + 1) << 21) | ord(gram[1])


def doc_grams(text: str) -> set[str]:
    """Distinct unigrams and bigrams of ``text`` that a query could contain."""
    grams = set(text)
    grams.update(map(operator.add, text, text[1:]))
    return {g for g in grams if "\n" not in g}


def query_grams(phrase: str) -> list[str]:
    """The grams whose postings must all contain a document that contains ``phrase``."""
    if len(phrase) == 1:
        return [phrase]
    return sorted(set(map(operator.add, phrase, phrase[1:])))


@dataclass
class SegmentData:
    """Everything a segment file holds except the texts themselves."""

    keys: array          # 'Q' doc keys in segment order
    norm_starts: array   # 'Q' byte offsets into the .norm file, len(keys) + 1
    orig_starts: array   # 'Q' byte offsets into the .orig file, len(keys) + 1
    codes: array         # 'Q' sorted gram codes
    post_starts: array   # 'Q' offsets into postings, len(codes) + 1
    postings: array      # 'Q' doc keys


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_segment(store_dir: Path, docs: Sequence[tuple[int, str, str]]) -> str:
    """Write one segment for ``docs`` = ``[(key, normalized_text, original_text)]``.

    Returns the segment's name. Called from worker processes: it touches only new
    files with a fresh name, so it can run while searches read other segments.
    """
    name = uuid.uuid4().hex[:16]
    postings_by_gram: dict[str, list[int]] = defaultdict(list)
    norm_parts: list[bytes] = []
    orig_parts: list[bytes] = []
    keys = array("Q")
    norm_starts = array("Q", [0])
    orig_starts = array("Q", [0])
    for key, norm, orig in docs:
        keys.append(key)
        nb = norm.encode("utf-8")
        ob = zlib.compress(orig.encode("utf-8"), 6)
        norm_parts.append(nb)
        orig_parts.append(ob)
        norm_starts.append(norm_starts[-1] + len(nb))
        orig_starts.append(orig_starts[-1] + len(ob))
        for gram in doc_grams(norm):
            postings_by_gram[gram].append(key)
    coded = sorted((gram_code(g), p) for g, p in postings_by_gram.items())
    codes = array("Q", (c for c, _ in coded))
    post_starts = array("Q", [0])
    postings = array("Q")
    for _, plist in coded:
        postings.extend(plist)
        post_starts.append(len(postings))
    store_dir.mkdir(parents=True, exist_ok=True)
    _fsync_write(store_dir / f"{name}.norm", b"".join(norm_parts))
    _fsync_write(store_dir / f"{name}.orig", b"".join(orig_parts))
    meta = SegmentData(keys, norm_starts, orig_starts, codes, post_starts, postings)
    _fsync_write(store_dir / f"{name}.meta", pickle.dumps(meta.__dict__, protocol=pickle.HIGHEST_PROTOCOL))
    return name


class Segment:
    """A read-only, memory-mapped segment."""

    def __init__(self, store_dir: Path, name: str):
        self.name = name
        with open(store_dir / f"{name}.meta", "rb") as fh:
            self.data = SegmentData(**pickle.load(fh))
        self._norm_file = open(store_dir / f"{name}.norm", "rb")
        self._orig_file = open(store_dir / f"{name}.orig", "rb")
        self.norm = _map(self._norm_file)
        self.orig = _map(self._orig_file)
        self.ordinal = {k: i for i, k in enumerate(self.data.keys)}

    def close(self) -> None:
        for m in (self.norm, self.orig):
            if isinstance(m, mmap.mmap):
                m.close()
        self._norm_file.close()
        self._orig_file.close()

    def postings(self, gram: str) -> array:
        code = gram_code(gram)
        codes = self.data.codes
        i = bisect.bisect_left(codes, code)
        if i == len(codes) or codes[i] != code:
            return array("Q")
        return self.data.postings[self.data.post_starts[i]:self.data.post_starts[i + 1]]

    def contains(self, key: int, needle: bytes) -> bool:
        i = self.ordinal[key]
        starts = self.data.norm_starts
        return self.norm.find(needle, starts[i], starts[i + 1]) != -1

    def count(self, key: int, needle: bytes) -> int:
        i = self.ordinal[key]
        starts = self.data.norm_starts
        return self.norm[starts[i]:starts[i + 1]].count(needle)

    def normalized_text(self, key: int) -> str:
        i = self.ordinal[key]
        starts = self.data.norm_starts
        return self.norm[starts[i]:starts[i + 1]].decode("utf-8")

    def original_text(self, key: int) -> str:
        i = self.ordinal[key]
        starts = self.data.orig_starts
        return zlib.decompress(self.orig[starts[i]:starts[i + 1]]).decode("utf-8")


def _map(fh) -> mmap.mmap | bytes:
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        return b""
    return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def read_manifest(store_dir: Path) -> dict:
    try:
        with open(store_dir / MANIFEST, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {"format": FORMAT_VERSION, "segments": [], "next_key": 1}
    return data


def write_manifest(store_dir: Path, segments: Sequence[str], next_key: int) -> None:
    """Atomically replace the manifest (write, fsync, rename)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    tmp = store_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    _fsync_write(tmp, json.dumps({"format": FORMAT_VERSION, "segments": list(segments),
                                  "next_key": next_key}).encode("utf-8"))
    os.replace(tmp, store_dir / MANIFEST)
    dir_fd = os.open(store_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_orphans(store_dir: Path, keep: Iterable[str]) -> int:
    """Delete segment files not named in ``keep`` (left by a crashed run). Call
    only while holding the index write lock."""
    keep = set(keep)
    removed = 0
    if not store_dir.exists():
        return 0
    for path in store_dir.iterdir():
        if path.suffix in (".norm", ".orig", ".meta") and path.stem not in keep:
            path.unlink(missing_ok=True)
            removed += 1
        elif path.name.startswith(MANIFEST + ".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
    return removed


class TextStore:
    """All segments named by the manifest at open time, for one search snapshot."""

    def __init__(self, store_dir: Path):
        self.store_dir = store_dir
        manifest = read_manifest(store_dir)
        self.segment_names: list[str] = list(manifest["segments"])
        self.next_key: int = manifest["next_key"]
        self.segments = [Segment(store_dir, n) for n in self.segment_names]
        self._where: dict[int, Segment] = {}
        for seg in self.segments:  # later segments win: a key is written once anyway
            for key in seg.data.keys:
                self._where[key] = seg

    def close(self) -> None:
        for seg in self.segments:
            seg.close()

    def __contains__(self, key: int) -> bool:
        return key in self._where

    def keys(self) -> Iterator[int]:
        return iter(self._where)

    def original_text(self, key: int) -> str:
        return self._where[key].original_text(key)

    def normalized_text(self, key: int) -> str:
        return self._where[key].normalized_text(key)

    def candidates(self, phrase: str) -> set[int]:
        """Keys whose grams include every gram of ``phrase`` (a superset of the matches)."""
        grams = query_grams(phrase)
        result: set[int] = set()
        for seg in self.segments:
            lists = sorted((seg.postings(g) for g in grams), key=len)
            if not lists or not lists[0]:
                continue
            found = set(lists[0])
            for plist in lists[1:]:
                found.intersection_update(plist)
                if not found:
                    break
            result |= found
        return result

    def find(self, phrase: str, among: set[int] | None = None) -> set[int]:
        """Keys of documents whose normalized text contains ``phrase``.

        ``among`` restricts the answer (and the verification work) to those keys.
        """
        if not phrase:
            return set(self._where) if among is None else set(among)
        cands = self.candidates(phrase)
        if among is not None:
            cands &= among
        if len(phrase) <= 2:
            return cands
        needle = phrase.encode("utf-8")
        where = self._where
        return {k for k in cands if k in where and where[k].contains(k, needle)}

    def count(self, key: int, phrase: str) -> int:
        """Occurrences of ``phrase`` in the document's normalized text."""
        return self._where[key].count(key, phrase.encode("utf-8"))
