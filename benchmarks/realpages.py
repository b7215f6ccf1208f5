"""How clean real scraped pages come out of the pipeline (issue 11).

usage: python benchmarks/realpages.py [SHARED] [--json] [--details]

Runs the real pipeline (:func:`searchapp.pipeline.prepare_file`, what ``searchapp inspect
--json`` shows) on every page of ``SHARED/realpages/docs`` and scores it against
``SHARED/realpages/labels.jsonl`` (conventions in that folder's README.md), then scores
year and region on the seeds against ``benchmarks/seed_labels.yaml``. ``SHARED`` defaults
to ``$SEARCHAPP_SHARED`` or the nearest parent folder named ``shared`` holding
``realpages``.

Scoring (one table):

* **fields** (title, year, province/city/district, type). A label is a value, a list of
  accepted values (``null`` in the list: no answer is fine too) or ``null`` (unknown:
  any answer is wrong). *coverage* = answered / labelled, where "labelled" means a plain
  value (a list holding null does not demand an answer); *precision* = right answers /
  answers. For the title, *right* is over all pages: a ``null`` title is right only when
  the pipeline fell back to the file name. Titles and names are compared after
  :func:`searchapp.normalize.normalize` without punctuation or spaces, so script and
  punctuation do not matter.
* **chrome**: labelled site strings still present in the indexed text (the documents'
  normalized text), i.e. still searchable.
* **queries**: labelled phrases, normalized like a query, found in the page's normalized
  text.
* **near-duplicates**: documents of at least ``indexer.MIN_DEDUP_CHARS`` normalized
  characters grouped two ways: with containment sketches (:func:`searchapp.dedup.sketch`,
  :func:`searchapp.dedup.cluster_sketches`; the figure the thresholds use) and the way the
  indexer does today (:func:`searchapp.dedup.fingerprint` within 3 bits,
  :func:`searchapp.dedup.cluster`); labelled pairs grouped, look-alike pairs (README) not
  grouped, other pages grouped.
* **encodings**: the six re-encoded files read with an encoding of the labelled family.

:func:`score` returns the figures as a dict and :func:`unmet` lists the issue's "Done
when" thresholds it misses; ``tests/test_realpages.py`` asserts through them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from searchapp.config import settings_from_dict  # noqa: E402
from searchapp.dedup import cluster, cluster_sketches, fingerprint, sketch  # noqa: E402
from searchapp.normalize import normalize  # noqa: E402
from searchapp.pipeline import FileResult, prepare_file  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SETTINGS = settings_from_dict({})
#: Same threshold as ``searchapp.indexer.MIN_DEDUP_CHARS`` (read, not imported: the
#: indexer module is being moved).
MIN_DEDUP_CHARS = 200
#: Pairs the README names as look-alikes that are not copies.
LOOK_ALIKES = (("rpd_013.txt", "rpd_015.txt"), ("rpd_059.txt", "rpd_060.txt"))
ENCODING_FAMILIES = {
    "gbk": {"gbk", "gb18030", "gb2312", "cp936"},
    "big5": {"big5", "cp950", "big5hkscs", "big5-hkscs"},
    "utf-16": {"utf-16", "utf-16-le", "utf-16le", "utf_16", "utf_16_le"},
    "utf-8": {"utf-8", "utf-8-sig", "utf_8", "ascii"},
}
#: The issue's "Done when" thresholds.
THRESHOLDS = {
    "chrome_found_max": 0.05,
    "title_right_min": 0.90,
    "year_precision_min": 0.95,
    "year_coverage_min": 0.80,
    "region_precision_min": 0.95,
    "region_coverage_min": 0.85,
}
FIELDS = ("title", "year", "province", "city", "district", "type")
_PUNCT = re.compile(r"[\W_]+")


def find_shared(start: Path = ROOT) -> Path | None:
    """``$SEARCHAPP_SHARED``, else the nearest parent's ``shared`` folder that holds
    ``realpages`` (a worktree at /work/wt/X finds /work/shared)."""
    env = os.environ.get("SEARCHAPP_SHARED")
    if env:
        return Path(env) if (Path(env) / "realpages").is_dir() else None
    for parent in [start, *start.parents]:
        candidate = parent / "shared"
        if (candidate / "realpages").is_dir():
            return candidate
    return None


def _key(text: str | None) -> str:
    """Comparison form: normalized (Simplified, lower-case), no punctuation or spaces."""
    return _PUNCT.sub("", normalize(text or "").text)


def _accepted(label: Any) -> tuple[list[Any], bool]:
    """(accepted values, answer required?) for a label value, list or null."""
    if isinstance(label, list):
        return [v for v in label if v is not None], False
    if label is None:
        return [], False
    return [label], True


def _title_answer(result: FileResult, name: str) -> str | None:
    """The first document's title, or None when it is the file-name fallback."""
    if not result.documents:
        return None
    title = result.documents[0].title
    if not title.strip() or _key(title) in (_key(Path(name).stem), _key(name)):
        return None
    return title


def _doc_answers(result: FileResult, name: str) -> dict[str, Any]:
    doc = result.documents[0] if result.documents else None
    return {
        "title": _title_answer(result, name),
        "year": doc.year if doc else None,
        "province": doc.province if doc else None,
        "city": doc.city if doc else None,
        "district": doc.district if doc else None,
        "type": doc.doctype if doc else None,
    }


def _right(field: str, answer: Any, label: Any) -> bool:
    values, _ = _accepted(label)
    if field == "title":
        # A heading with its "——" subtitle is right when either part, or the whole, is.
        parts = [answer, *re.split(r"\s*[—－-]{2,}\s*|\s*─+\s*", answer)]
        return any(_key(p) == _key(v) for p in parts for v in values)
    if field == "type" and isinstance(label, list) and "other" in label:
        return answer in values or answer not in _TYPES
    if field in ("province", "city", "district"):
        return any(_key(answer) == _key(v) for v in values)
    return answer in values


_TYPES = {"讲话", "汇报", "述职报告", "自查报告", "工作总结", "工作计划", "报告", "通知", "方案", "规划", "新闻"}


def _read_labels(realpages: Path) -> list[dict[str, Any]]:
    lines = (realpages / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_pages(realpages: Path, labels: Iterable[dict[str, Any]]) -> dict[str, FileResult]:
    """The pipeline's result for every labelled page (an unreadable page gets an empty result)."""
    out: dict[str, FileResult] = {}
    for label in labels:
        path = realpages / "docs" / label["file"]
        try:
            out[label["file"]] = prepare_file(path, label["file"], SETTINGS)
        except Exception as exc:  # an unreadable page scores as no answer
            res = FileResult(source=str(path), path=label["file"])
            res.warnings.append(f"unreadable: {exc}")
            out[label["file"]] = res
    return out


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def score(realpages: Path, results: dict[str, FileResult] | None = None) -> dict[str, Any]:
    """Every figure of the table for one labelled folder, plus per-page misses."""
    labels = _read_labels(realpages)
    results = results if results is not None else run_pages(realpages, labels)
    fields = {f: {"labelled": 0, "answered_labelled": 0, "answered": 0, "right": 0} for f in FIELDS}
    misses: list[str] = []
    chrome_total = chrome_found = queries_total = queries_found = 0
    encodings_total = encodings_right = 0
    title_unknown_right = 0
    fps: dict[str, int] = {}
    sketches: dict[str, tuple[int, ...]] = {}
    for label in labels:
        name = label["file"]
        res = results[name]
        answers = _doc_answers(res, name)
        for field in FIELDS:
            want = label.get(field)
            got = answers[field]
            _, required = _accepted(want)
            row = fields[field]
            row["labelled"] += required
            if got is not None:
                row["answered"] += 1
                row["answered_labelled"] += required
                ok = _right(field, got, want)
                row["right"] += ok
                if not ok:
                    misses.append(f"{name} {field}: got {got!r}, label {want!r}")
            elif field == "title" and want is None:
                title_unknown_right += 1  # a page without a heading: the file-name fallback is right
            elif required or (field == "title" and want is not None):
                misses.append(f"{name} {field}: no answer, label {want!r}")
        indexed = "\n".join(d.norm for d in res.documents)
        for chrome in label.get("chrome") or []:
            chrome_total += 1
            if _key(chrome) and normalize(chrome).text.strip() in indexed:
                chrome_found += 1
                misses.append(f"{name} chrome still indexed: {chrome!r}")
        for query in label.get("queries") or []:
            queries_total += 1
            if normalize(query).text.strip() in indexed:
                queries_found += 1
            else:
                misses.append(f"{name} query not found: {query!r}")
        if label.get("variant"):
            encodings_total += 1
            family = ENCODING_FAMILIES.get(label["encoding"], {label["encoding"]})
            if (res.encoding or "").lower().replace("_", "-") in family | {e.replace("_", "-") for e in family}:
                encodings_right += 1
            else:
                misses.append(f"{name} encoding: read as {res.encoding!r}, label {label['encoding']!r}")
        for doc in res.documents:
            if len(doc.norm) >= MIN_DEDUP_CHARS:
                fps[f"{name}#{doc.article}"] = fingerprint(doc.norm)
                sketches[f"{name}#{doc.article}"] = sketch(doc.norm)
    dup_pairs = [(lab["file"], lab["near_dup_of"]) for lab in labels if lab.get("near_dup_of")]
    by_fingerprint = _score_groups(cluster(fps), dup_pairs, misses, "64-bit fingerprint")
    by_sketch = _score_groups(cluster_sketches(sketches), dup_pairs, misses, "sketch")

    region = {k: sum(fields[f][k] for f in ("province", "city", "district"))
              for k in ("labelled", "answered_labelled", "answered", "right")}
    return {
        "pages": len(labels),
        "fields": fields,
        "region": region,
        "title_right": _ratio(fields["title"]["right"] + title_unknown_right, len(labels)),
        "title_right_count": fields["title"]["right"] + title_unknown_right,
        "year_precision": _ratio(fields["year"]["right"], fields["year"]["answered"]),
        "year_coverage": _ratio(fields["year"]["answered_labelled"], fields["year"]["labelled"]),
        "region_precision": _ratio(region["right"], region["answered"]),
        "region_coverage": _ratio(region["answered_labelled"], region["labelled"]),
        "chrome": {"total": chrome_total, "found": chrome_found},
        "chrome_found": _ratio(chrome_found, chrome_total) if chrome_total else 0.0,
        "queries": {"total": queries_total, "found": queries_found},
        "near_duplicates": by_sketch,
        "near_duplicates_fingerprint": by_fingerprint,
        "encodings": {"total": encodings_total, "right": encodings_right},
        "removed_lines": sum(r.removed_lines for r in results.values()),
        "misses": misses,
    }


def _score_groups(reps: dict[str, str], dup_pairs: list[tuple[str, str]], misses: list[str],
                  how: str) -> dict[str, int]:
    """Labelled pairs grouped, look-alikes grouped and unlabelled pairs grouped."""
    groups: dict[str, set[str]] = {}
    for doc_key, rep in reps.items():
        groups.setdefault(name_of(doc_key), set()).add(rep)

    def grouped(a: str, b: str) -> bool:
        return bool(groups.get(a, set()) & groups.get(b, set()))

    misses += [f"{how}: near-duplicates not grouped: {a} / {b}" for a, b in dup_pairs if not grouped(a, b)]
    misses += [f"{how}: look-alikes grouped: {a} / {b}" for a, b in LOOK_ALIKES if grouped(a, b)]
    family = _families(dup_pairs)
    names = sorted(groups)
    false_pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                   if grouped(a, b) and family.get(a, a) != family.get(b, b)]
    misses += [f"{how}: grouped without a label: {a} / {b}" for a, b in false_pairs]
    return {"pairs": len(dup_pairs), "grouped": sum(grouped(a, b) for a, b in dup_pairs),
            "look_alikes": len(LOOK_ALIKES), "look_alikes_grouped": sum(grouped(a, b) for a, b in LOOK_ALIKES),
            "other_pairs_grouped": len(false_pairs)}


def name_of(doc_key: str) -> str:
    return doc_key.split("#", 1)[0]


def _families(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each file of a labelled near-duplicate pair mapped to its family's root."""
    root: dict[str, str] = {}

    def find(x: str) -> str:
        while root.get(x, x) != x:
            x = root[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for pair in pairs for x in pair}


def unmet(figures: dict[str, Any]) -> list[str]:
    """The issue's "Done when" conditions that ``figures`` (from :func:`score`) miss."""
    t = THRESHOLDS
    out = []
    if figures["chrome_found"] > t["chrome_found_max"]:
        out.append(f"chrome strings searchable {figures['chrome_found']:.3f} > {t['chrome_found_max']}")
    if figures["title_right"] < t["title_right_min"]:
        out.append(f"title right {figures['title_right']:.3f} < {t['title_right_min']}")
    for field in ("year", "region"):
        for kind in ("precision", "coverage"):
            value, need = figures[f"{field}_{kind}"], t[f"{field}_{kind}_min"]
            if value < need:
                out.append(f"{field} {kind} {value:.3f} < {need}")
    nd = figures["near_duplicates"]
    if nd["grouped"] < nd["pairs"]:
        out.append(f"near-duplicate pairs grouped {nd['grouped']}/{nd['pairs']}")
    if nd["look_alikes_grouped"] or nd["other_pairs_grouped"]:
        out.append(f"look-alike pairs grouped {nd['look_alikes_grouped']}, other pairs {nd['other_pairs_grouped']}")
    q = figures["queries"]
    if q["found"] < q["total"]:
        out.append(f"queries found {q['found']}/{q['total']}")
    e = figures["encodings"]
    if e["right"] < e["total"]:
        out.append(f"encodings right {e['right']}/{e['total']}")
    return out


def score_seeds() -> dict[str, Any]:
    """Year and region (full path) on the sample reports against seed_labels.yaml."""
    labels = yaml.safe_load((ROOT / "benchmarks" / "seed_labels.yaml").read_text(encoding="utf-8"))
    rows = {f: {"labelled": 0, "answered": 0, "right": 0, "documents": 0} for f in ("year", "region")}
    misses = []
    for name, articles in labels.items():
        for doc in prepare_file(SEEDS / name, name, SETTINGS).documents:
            if doc.article not in articles:
                continue
            label = articles[doc.article]
            got = {"region": doc.region_path or None, "year": doc.year}
            for field, row in rows.items():
                row["documents"] += 1
                row["labelled"] += label[field] is not None
                if got[field] is not None:
                    row["answered"] += 1
                    row["right"] += got[field] == label[field]
                if got[field] != label[field]:
                    misses.append(f"{name}#{doc.article} {field}: got {got[field]!r}, label {label[field]!r}")
    return {"fields": rows, "misses": misses}


def table(figures: dict[str, Any], seeds: dict[str, Any] | None) -> str:
    f = figures["fields"]
    lines = [f"Real pages ({figures['pages']} labelled pages)", "",
             "| field | labelled | answered | coverage | precision |", "|---|---|---|---|---|"]
    for field in FIELDS:
        row = f[field]
        lines.append(f"| {field} | {row['labelled']} | {row['answered']} | "
                     f"{_ratio(row['answered_labelled'], row['labelled']):.3f} | "
                     f"{_ratio(row['right'], row['answered']):.3f} |")
    r = figures["region"]
    lines.append(f"| region (3 levels) | {r['labelled']} | {r['answered']} | "
                 f"{figures['region_coverage']:.3f} | {figures['region_precision']:.3f} |")
    c, q, nd, e = figures["chrome"], figures["queries"], figures["near_duplicates"], figures["encodings"]
    nf = figures["near_duplicates_fingerprint"]
    lines += [
        "",
        "| check | result |", "|---|---|",
        f"| title right (all pages) | {figures['title_right_count']}/{figures['pages']} = "
        f"{figures['title_right']:.3f} |",
        f"| chrome strings still searchable | {c['found']}/{c['total']} = {figures['chrome_found']:.3f} |",
        f"| labelled queries found | {q['found']}/{q['total']} |",
        f"| near-duplicate pairs grouped (containment sketch) | {nd['grouped']}/{nd['pairs']} |",
        f"| look-alike pairs grouped (containment sketch) | {nd['look_alikes_grouped']}/{nd['look_alikes']} |",
        f"| other page pairs grouped (containment sketch) | {nd['other_pairs_grouped']} |",
        f"| near-duplicate pairs grouped (64-bit fingerprint, the indexer before this session) | {nf['grouped']}/{nf['pairs']} |",
        f"| look-alike / other pairs grouped (64-bit fingerprint) | {nf['look_alikes_grouped']} / "
        f"{nf['other_pairs_grouped']} |",
        f"| re-encoded files read right | {e['right']}/{e['total']} |",
        f"| lines removed as chrome | {figures['removed_lines']} |",
    ]
    if seeds is not None:
        lines += ["", "Seeds (tests/fixtures/seeds, benchmarks/seed_labels.yaml)", "",
                  "| field | documents | labelled | answered | right when answered |", "|---|---|---|---|---|"]
        for field, row in seeds["fields"].items():
            lines.append(f"| {field} | {row['documents']} | {row['labelled']} | {row['answered']} | "
                         f"{row['right']}/{row['answered']} |")
    missing = unmet(figures)
    lines += ["", "Done when: " + ("all met" if not missing else "; ".join(missing))]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", help="folder holding realpages/ (default: found from here)")
    ap.add_argument("--json", action="store_true", help="print every figure as JSON instead of the table")
    ap.add_argument("--details", action="store_true", help="also list every miss, page by page")
    a = ap.parse_args()
    shared = Path(a.shared) if a.shared else find_shared()
    if shared is None or not (shared / "realpages" / "labels.jsonl").exists():
        raise SystemExit("no realpages folder found (give SHARED or set SEARCHAPP_SHARED)")
    figures = score(shared / "realpages")
    seeds = score_seeds()
    if a.json:
        print(json.dumps({"realpages": figures, "seeds": seeds, "unmet": unmet(figures)},
                         ensure_ascii=False, indent=1))
        return
    print(table(figures, seeds))
    if a.details:
        print("\nmisses:")
        print("\n".join("  " + m for m in figures["misses"] + seeds["misses"]))


if __name__ == "__main__":
    main()
