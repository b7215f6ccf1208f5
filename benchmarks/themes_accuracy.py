"""Theme accuracy on real report pages: the real pipeline against hand labels (issue 15).

Runs ``searchapp.pipeline.prepare_file`` on every page of ``realpages/docs`` (the
shared folder of real scraped pages) and compares the themes of each page with
``benchmarks/labels/realpages_themes.jsonl``: per page 1-3 *main* themes (what the
report is mainly about), *acceptable* secondary themes, or none. Prints one table;
``--json`` prints the figures as JSON instead. Usage::

    .venv/bin/python benchmarks/themes_accuracy.py [--shared DIR] [--json] [--pages]

Measures:

* precision: assigned themes that are a main or an acceptable theme of the page;
* recall: main themes that were assigned;
* missed pages: pages with a main theme that got no theme at all;
* empty pages: theme-less pages (no main theme) correctly left without a theme;
* per theme: precision (of assignments of it) and recall (of its main labels).

A page whose file holds several articles counts the union of its articles' themes.
The shared folder is ``$SEARCHAPP_SHARED``, else the first folder named ``shared``
holding ``realpages`` beside the repository or one of its parents.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels" / "realpages_themes.jsonl"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realpages import find_shared  # noqa: E402  (one definition of where ../shared is)


def load_labels(path: Path = LABELS) -> dict[str, dict[str, Any]]:
    """file name -> {"main": [...], "acceptable": [...], "reason": ...}."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["file"]: row for row in rows}


def predict(docs_dir: Path, files: list[str], settings: Any = None) -> dict[str, list[str]]:
    """file name -> themes the real pipeline assigns (union over the file's articles)."""
    from searchapp.config import settings_from_dict
    from searchapp.pipeline import prepare_file

    settings = settings or settings_from_dict({})
    out: dict[str, list[str]] = {}
    for name in files:
        result = prepare_file(docs_dir / name, name, settings)
        themes: list[str] = []
        for doc in result.documents:
            themes.extend(t for t in doc.themes if t not in themes)
        out[name] = themes
    return out


@dataclass
class Scores:
    """The figures of one run."""

    pages: int = 0
    assigned: int = 0
    assigned_right: int = 0
    main: int = 0
    main_found: int = 0
    pages_with_main: int = 0
    pages_with_main_missed: int = 0
    themeless_pages: int = 0
    themeless_left_empty: int = 0
    per_theme: dict[str, dict[str, int]] = field(default_factory=dict)
    wrong: list[tuple[str, str]] = field(default_factory=list)    # (file, theme) assigned but not labelled
    missed: list[tuple[str, str]] = field(default_factory=list)   # (file, main theme) not assigned

    @property
    def precision(self) -> float:
        return self.assigned_right / self.assigned if self.assigned else 1.0

    @property
    def recall(self) -> float:
        return self.main_found / self.main if self.main else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "pages": self.pages, "precision": round(self.precision, 3), "recall": round(self.recall, 3),
            "assigned": self.assigned, "assigned_right": self.assigned_right,
            "main": self.main, "main_found": self.main_found,
            "pages_with_main": self.pages_with_main, "pages_with_main_missed": self.pages_with_main_missed,
            "themeless_pages": self.themeless_pages, "themeless_left_empty": self.themeless_left_empty,
            "per_theme": self.per_theme, "wrong": self.wrong, "missed": self.missed,
        }


def score(labels: dict[str, dict[str, Any]], predicted: dict[str, list[str]]) -> Scores:
    """Compare predictions with labels (see the module docstring for the measures)."""
    s = Scores()
    for name, label in sorted(labels.items()):
        got = predicted.get(name, [])
        main, ok = set(label["main"]), set(label["main"]) | set(label.get("acceptable", []))
        s.pages += 1
        s.assigned += len(got)
        s.assigned_right += sum(1 for t in got if t in ok)
        s.main += len(main)
        s.main_found += len(main & set(got))
        if main:
            s.pages_with_main += 1
            s.pages_with_main_missed += not got
        else:
            s.themeless_pages += 1
            s.themeless_left_empty += not got
        for t in got:
            row = s.per_theme.setdefault(t, {"assigned": 0, "right": 0, "main": 0, "found": 0})
            row["assigned"] += 1
            row["right"] += t in ok
            if t not in ok:
                s.wrong.append((name, t))
        for t in main:
            row = s.per_theme.setdefault(t, {"assigned": 0, "right": 0, "main": 0, "found": 0})
            row["main"] += 1
            row["found"] += t in got
            if t not in got:
                s.missed.append((name, t))
    return s


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "–"


def table(s: Scores) -> str:
    """One Markdown table: the totals, then one row per theme."""
    lines = [
        f"pages {s.pages}: precision {_ratio(s.assigned_right, s.assigned)}, recall of main themes "
        f"{_ratio(s.main_found, s.main)}, pages with a main theme left without any "
        f"{s.pages_with_main_missed} of {s.pages_with_main}, theme-less pages left empty "
        f"{s.themeless_left_empty} of {s.themeless_pages}",
        "",
        "| theme | assigned | precision | main labels | recall |",
        "|---|---|---|---|---|",
    ]
    for theme, row in sorted(s.per_theme.items(), key=lambda kv: (-kv[1]["main"], kv[0])):
        lines.append(f"| {theme} | {row['assigned']} | {_ratio(row['right'], row['assigned'])} | {row['main']} | "
                     f"{_ratio(row['found'], row['main'])} |")
    return "\n".join(lines)


def run(shared: Path, renames: dict[str, str] | None = None,
        settings: Any = None) -> tuple[Scores, dict[str, list[str]]]:
    labels = load_labels()
    predicted = predict(shared / "realpages" / "docs", sorted(labels), settings)
    if renames:
        predicted = {name: [renames.get(t, t) for t in themes] for name, themes in predicted.items()}
    return score(labels, predicted), predicted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None, help="The shared data folder (holding realpages/).")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--pages", action="store_true", help="Also list wrong and missed themes per page.")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="Read an assigned theme OLD as NEW (to score an older taxonomy against these labels).")
    parser.add_argument("--taxonomy", type=Path, default=None,
                        help="Use this taxonomy (config.yaml `themes:` form, or the data file's form) instead "
                             "of the built-in one.")
    args = parser.parse_args(argv)
    shared = args.shared or find_shared()
    if shared is None or not (shared / "realpages" / "docs").is_dir():
        print("realpages not found: pass --shared DIR or set SEARCHAPP_SHARED", file=sys.stderr)
        return 2
    renames = dict(item.split("=", 1) for item in args.rename)
    settings = None
    if args.taxonomy:
        import yaml

        from searchapp.config import settings_from_dict

        data = yaml.safe_load(args.taxonomy.read_text(encoding="utf-8"))
        data = data.get("themes", data) if isinstance(data.get("themes"), dict) else data
        flat = {t: (v["keywords"] if isinstance(v, dict) and "keywords" in v else v) for t, v in data.items()}
        settings = settings_from_dict({"themes": flat})
    s, predicted = run(shared, renames, settings)
    if args.json:
        print(json.dumps(s.as_json(), ensure_ascii=False, indent=1))
        return 0
    print(table(s))
    if args.pages:
        print("\nwrong (assigned, not main or acceptable):")
        for name, theme in s.wrong:
            print(f"  {name} {theme}   all: {predicted[name]}")
        print("missed (main, not assigned):")
        for name, theme in s.missed:
            print(f"  {name} {theme}   got: {predicted[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
