"""CPU per MB of the per-document indexing pipeline, and a dump to prove a speed-up changed nothing.

usage:
  python benchmarks/extract_speed.py FOLDER[:STEP] ...            # CPU seconds and MB/s
  python benchmarks/extract_speed.py FOLDER[:STEP] ... --dump F   # also every output, as JSON lines
  python benchmarks/extract_speed.py --compare A B                # two dumps: which files differ, and how

Runs what a worker runs for each file (:func:`searchapp.pipeline.prepare_file`, the
near-duplicate sketch, the word segmentation the writer posts) on every STEP-th file
of each FOLDER (sorted paths; default STEP 1) and prints the process CPU time, so the
figure does not depend on how busy the machine is. The index writer is not included
(see benchmarks/scale.py for whole runs).

``--dump`` writes every output of every document (title, fields, evidence, warnings,
removed lines, sketch, fingerprint; long texts as SHA-1 digests): run it with the code
before and after a change (e.g. ``PYTHONPATH=/path/to/old/checkout``) and
``--compare`` the dumps. Speed-ups of the pipeline must leave them identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # appended: a PYTHONPATH checkout of other code comes first

from searchapp.analysis import Segmenter  # noqa: E402
from searchapp.config import settings_from_dict  # noqa: E402
from searchapp.dedup import fingerprint, sketch  # noqa: E402
from searchapp.pipeline import FileResult, prepare_file  # noqa: E402

#: Same threshold as ``searchapp.indexing.worker.MIN_DEDUP_CHARS``.
MIN_DEDUP_CHARS = 200


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _record(path: Path, result: FileResult, words: list[list[str]]) -> dict[str, Any]:
    docs = []
    for doc, doc_words in zip(result.documents, words):
        long_enough = len(doc.norm) >= MIN_DEDUP_CHARS
        docs.append({
            "id": doc.id, "source": doc.source, "path": doc.path, "article": doc.article, "title": doc.title,
            "text": _digest(doc.text), "norm": _digest(doc.norm), "norm_map": _digest(json.dumps(doc.norm_map)),
            "province": doc.province, "city": doc.city, "district": doc.district, "year": doc.year,
            "themes": doc.themes, "doctype": doc.doctype, "origin": doc.origin, "evidence": doc.evidence,
            "sketch": list(sketch(doc.norm)) if long_enough else None,
            "fingerprint": fingerprint(doc.norm) if long_enough else None,
            "words": _digest("\0".join(doc_words)),
        })
    return {"file": str(path), "encoding": result.encoding, "removed_lines": result.removed_lines,
            "removed": result.removed, "removed_why": result.removed_why, "inline": result.inline_removed,
            "mojibake_repairs": result.mojibake_repairs, "mojibake_spans": result.mojibake_spans,
            "warnings": result.warnings, "docs": docs}


def _files(spec: str) -> list[Path]:
    folder, _, step = spec.partition(":")
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())[:: int(step or 1)]


def run(specs: list[str], dump: Path | None) -> dict[str, float]:
    settings = settings_from_dict({"index_dir": str(Path.cwd() / "unused-index")}, base_dir=Path.cwd())
    segmenter = Segmenter()
    out = dump.open("w", encoding="utf-8") if dump else None
    cpu = 0.0
    size = 0
    for spec in specs:
        for path in _files(spec):
            data = path.read_bytes()
            start = time.process_time()
            try:
                result = prepare_file(path, str(path), settings, data=data)
            except Exception as exc:  # unreadable files are part of a corpus: record, go on
                cpu += time.process_time() - start
                if out:
                    out.write(json.dumps({"file": str(path), "error": f"{type(exc).__name__}: {exc}"},
                                         ensure_ascii=False) + "\n")
                continue
            words = [segmenter.words(doc.norm) for doc in result.documents]
            for doc in result.documents:
                if len(doc.norm) >= MIN_DEDUP_CHARS:
                    sketch(doc.norm)
            cpu += time.process_time() - start
            size += len(data)
            if out:
                out.write(json.dumps(_record(path, result, words), ensure_ascii=False, sort_keys=True,
                                     default=str) + "\n")
    if out:
        out.close()
    return {"mb": size / 1e6, "cpu_s": cpu, "mb_per_cpu_s": size / 1e6 / cpu if cpu else 0.0}


def compare(a: Path, b: Path, show: int = 10) -> int:
    """Print the files whose records differ (up to ``show`` in detail); return their number."""
    left = [json.loads(line) for line in a.open(encoding="utf-8")]
    right = [json.loads(line) for line in b.open(encoding="utf-8")]
    if [r["file"] for r in left] != [r["file"] for r in right]:
        print("the dumps cover different files")
        return max(len(left), len(right))
    differing = 0
    for x, y in zip(left, right):
        if x == y:
            continue
        differing += 1
        if differing > show:
            continue
        print(x["file"])
        for key in sorted(set(x) | set(y)):
            if key != "docs" and x.get(key) != y.get(key):
                print(f"  {key}: {str(x.get(key))[:200]} | {str(y.get(key))[:200]}")
        for i, (dx, dy) in enumerate(zip(x.get("docs", []), y.get("docs", []))):
            for key in sorted(set(dx) | set(dy)):
                if dx.get(key) != dy.get(key):
                    print(f"  doc {i} {key}: {str(dx.get(key))[:200]} | {str(dy.get(key))[:200]}")
        if len(x.get("docs", [])) != len(y.get("docs", [])):
            print(f"  documents: {len(x.get('docs', []))} | {len(y.get('docs', []))}")
    print(f"{differing} of {len(left)} files differ")
    return differing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", help="FOLDER or FOLDER:STEP (every STEP-th file)")
    ap.add_argument("--dump", type=Path, help="write every output as JSON lines here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two dumps")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.compare:
        return 1 if compare(*args.compare) else 0
    if not args.folders:
        ap.error("give at least one folder")
    figures = run(args.folders, args.dump)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['mb']:.2f} MB in {figures['cpu_s']:.2f} CPU s: {figures['mb_per_cpu_s']:.2f} MB per CPU second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
