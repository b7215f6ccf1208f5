"""Markdown report of a bench.py run: the figures, the peers' ratios, the issue's targets.

Kept apart from the measuring code so the report can be regenerated from a saved
``results.json`` (``python benchmarks/_report.py OUT/results.json``) without
running anything again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: Issue 5's targets: (key, label, limit, unit). "≤" unless noted.
TARGET_MB = 2000.0  # "2 GB", read as 2,000 MB (10^6 bytes): the stricter reading


def _f(x: Any, nd: int = 1, unit: str = "") -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{nd}f}{unit}"
    if isinstance(x, int):
        return f"{x:,}{unit}"
    return f"{x}{unit}"


def _ratio(a: Any, b: Any) -> str:
    try:
        if a is None or b in (None, 0):
            return "–"
        r = float(a) / float(b)
    except (TypeError, ValueError):
        return "–"
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _get(d: dict[str, Any], *keys: str) -> Any:
    cur: Any = d
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return cur


def machine_line(m: dict[str, Any]) -> str:
    v = m.get("versions", {})
    pkgs = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    return (f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB RAM, "
            f"{m.get('os', '?')}, Python {m.get('python', '?')}; {pkgs}")


def _row(*cells: Any) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _header(*names: str) -> list[str]:
    return [_row(*names), "|" + "---|" * len(names)]


def indexing_table(r: dict[str, Any]) -> list[str]:
    ix = r.get("indexing") or {}
    text_mb = _get(r, "corpus", "text_mb")
    rows = _header("step", "files re-read", "seconds", "MB/s", "peak RSS, all processes", "main / largest worker",
                   "CPU s (main + workers)", "index size")
    labels = {"full": "full rebuild", "noop": "incremental, nothing changed",
              "change": "incremental, 1% of files changed", "revert": "incremental, the same files reverted"}
    for key, label in labels.items():
        s = ix.get(key)
        if not s:
            continue
        if "error" in s:
            rows.append(_row(label, f"error: {s['error'][:120]}", *[""] * 6))
            continue
        mb = text_mb if key in ("full", "noop") else (s.get("bytes_read") or 0) / 1e6
        secs = s.get("seconds")
        rows.append(_row(
            label, f"{(s.get('indexed') or 0) + (s.get('updated') or 0):,}", _f(secs, 2),
            _f(mb / secs if secs else None, 2), _f(s.get("tree_peak_mb"), 0, " MB"),
            f"{_f(s.get('main_maxrss_mb'), 0)} / {_f(s.get('worker_maxrss_mb'), 0)} MB",
            f"{_f(s.get('cpu_main_s'), 1)} + {_f(s.get('cpu_workers_s'), 1)}", _f(s.get("index_size_mb"), 1, " MB")))
    return rows


def queries_table(r: dict[str, Any]) -> list[str]:
    q = r.get("queries") or {}
    if "error" in q:
        return [f"Queries: error: {q['error']}"]
    rows = _header("pass (200 queries)", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "queries with 0 hits")
    for p in (q.get("passes") or {}).values():
        rows.append(_row(p["pass"], _f(p.get("p50_ms"), 2), _f(p.get("p95_ms"), 2), _f(p.get("p99_ms"), 2),
                         _f(p.get("max_ms"), 1), _f(p.get("mean_ms"), 2), p.get("zero_hit_queries")))
    rec = q.get("recall")
    if rec:
        explained = f"{rec['false_hits_raw_in_normalized_text']:,} contain the phrase once normalized"
        rows += ["", *_header("truth", "phrase recall", "false hits", "(query, file) pairs"),
                 _row("raw substring of the file (the peers' truth)", f"{rec['recall_raw']:.4f}",
                      f"{rec['false_hits_raw']:,} ({explained})", f"{rec['pairs_raw']:,}"),
                 _row("substring of the normalized document (searchapp's contract)",
                      f"{rec['recall_normalized']:.4f}", f"{rec['false_hits_normalized']:,}",
                      f"{rec['pairs_normalized']:,}")]
    return rows


def cold_lines(r: dict[str, Any]) -> list[str]:
    c = r.get("cold_start") or {}
    h = r.get("http") or {}
    out = []
    if c and "error" not in c:
        out.append(f"- new process, index files evicted from the page cache: imports {_f(c.get('import_s'), 2)} s, "
                   f"`open_service(settings)` {_f(c.get('open_s'), 3)} s, first search {_f(c.get('first_query_s'), 3)}"
                   f" s (open + first search {_f(c.get('open_plus_first_s'), 3)} s; "
                   f"{_f(c.get('since_process_start_s'), 2)} s after the interpreter started); "
                   f"the same search again {_f(c.get('second_query_ms'), 1)} ms.")
    elif c:
        out.append(f"- cold start: error: {c['error']}")
    if h.get("first_answer_s") is not None:
        out.append(f"- `searchapp serve`: `/healthz` answers {_f(h.get('healthz_s'), 2)} s after the process starts; "
                   f"first `/api/search` answered {_f(h.get('first_answer_s'), 2)} s after the start "
                   f"(that request itself {_f(h.get('first_request_ms'), 0)} ms).")
    return out


PEER_NAMES = {"naive": "naive: Whoosh 2.7.4 + jieba ChineseAnalyzer", "tantivy": "tantivy + rjieba",
              "fts5": "SQLite FTS5 + rjieba", "grep_in_memory": "substring scan in memory (grep)"}


def peers_table(r: dict[str, Any]) -> list[str]:
    peers = r.get("peers") or {}
    sa_idx = _get(r, "indexing", "full", "seconds")
    page = _get(r, "queries", "passes", "page") or {}
    allp = _get(r, "queries", "passes", "all") or {}
    rec = _get(r, "queries", "recall") or {}
    text_mb = _get(r, "corpus", "text_mb")
    rows = _header("engine", "index s", "MB/s", "index size MB", "p50 ms", "p95 ms", "p99 ms", "phrase recall",
                   "false hits", "searchapp ÷ peer: index s", "p50", "p95")
    rows.append(_row("**searchapp** (page: 10 hits + snippets + facets)", _f(sa_idx, 1),
                     _f(text_mb / sa_idx if sa_idx and text_mb else None, 2),
                     _f(_get(r, "indexing", "full", "index_size_mb"), 1), _f(page.get("p50_ms"), 2),
                     _f(page.get("p95_ms"), 2), _f(page.get("p99_ms"), 2), _f(rec.get("recall_raw"), 4),
                     _f(rec.get("false_hits_raw")), "", "", ""))
    if allp:
        rows.append(_row("searchapp, every hit (no snippets)", "", "", "", _f(allp.get("p50_ms"), 2),
                         _f(allp.get("p95_ms"), 2), _f(allp.get("p99_ms"), 2), "", "", "", "", ""))
    for key, name in PEER_NAMES.items():
        p = peers.get(key)
        if not p:
            continue
        if "error" in p:
            rows.append(_row(name, f"error: {str(p['error'])[:100]}", *[""] * 10))
            continue
        idx = p.get("index_s")
        rows.append(_row(
            name, _f(idx, 1), _f(p.get("index_mb_per_s"), 2), _f(p.get("index_size_mb"), 1), _f(p.get("p50_ms"), 2),
            _f(p.get("p95_ms"), 2), _f(p.get("p99_ms"), 2), _f(p.get("phrase_recall"), 4), _f(p.get("false_hits")),
            _ratio(sa_idx, idx) if idx else "–", _ratio(page.get("p50_ms"), p.get("p50_ms")),
            _ratio(page.get("p95_ms"), p.get("p95_ms"))))
    if r.get("peers_note"):
        rows.append(f"\n{r['peers_note']}")
    return rows


def http_lines(r: dict[str, Any]) -> list[str]:
    rows = _header("server", "load", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "non-200 / errors",
                   "server CPU ms / request", "server peak RSS")
    for key, label in (("http", "response cache off (every request computed)"),
                       ("http_cached", "default settings (response cache on)")):
        h = r.get(key) or {}
        if not h:
            continue
        if "error" in h and "req_per_s" not in h:
            rows.append(_row(label, f"error: {h['error']}", *[""] * 9))
            continue
        errors = sum((h.get("errors") or {}).values())
        rows.append(_row(label, f"{h.get('tool')}, mix of {h.get('urls')} URLs", _f(h.get("requests")),
                         _f(h.get("req_per_s"), 1), _f(h.get("p50_ms"), 2), _f(h.get("p95_ms"), 2),
                         _f(h.get("p99_ms"), 2), _f(h.get("max_ms"), 1), f"{h.get('non200', 0)} / {errors}",
                         _f(h.get("server_cpu_ms_per_req"), 2), _f(h.get("server_peak_mb"), 0, " MB")))
    return rows if len(rows) > 2 else []


def growth_table(r: dict[str, Any]) -> list[str]:
    g = r.get("growth") or []
    if not g:
        return []
    rows = _header("share of corpus", "files", "text MB", "index s", "MB/s", "peak RSS", "index size MB", "p50 ms",
                   "p95 ms", "p99 ms")
    for e in g:
        if "error" in e:
            rows.append(_row(e.get("share"), f"error: {str(e['error'])[:100]}", *[""] * 8))
            continue
        rows.append(_row(e["share"], _f(e.get("files")), _f(e.get("text_mb"), 1), _f(e.get("index_s"), 1),
                         _f(e.get("mb_per_s"), 2), _f(e.get("tree_peak_mb"), 0, " MB"), _f(e.get("index_size_mb"), 1),
                         _f(e.get("p50_ms"), 2), _f(e.get("p95_ms"), 2), _f(e.get("p99_ms"), 2)))
    return rows


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each of the issue's targets; met None = not measured."""
    full = _get(r, "indexing", "full") or {}
    noop = _get(r, "indexing", "noop") or {}
    page = _get(r, "queries", "passes", "page") or {}
    rec = _get(r, "queries", "recall") or {}
    h = r.get("http") or {}
    text_mb = _get(r, "corpus", "text_mb")

    def cmp(v: Any, limit: float, ge: bool = False) -> bool | None:
        if v is None:
            return None
        return v >= limit if ge else v <= limit

    peak = max([s.get("tree_peak_mb") or 0 for s in (r.get("indexing") or {}).values() if isinstance(s, dict)]
               or [0]) or None
    size_ratio = (full.get("index_size_mb") / text_mb) if full.get("index_size_mb") and text_mb else None
    recall_ok = None
    if rec:
        recall_ok = rec.get("recall_normalized") == 1.0 and rec.get("false_hits_normalized") == 0
    recall_text = (f"normalized truth {_f(rec.get('recall_normalized'), 4)} / {_f(rec.get('false_hits_normalized'))}; "
                   f"raw truth {_f(rec.get('recall_raw'), 4)} / {_f(rec.get('false_hits_raw'))}")
    http_ok = None
    if h.get("req_per_s") is not None:
        http_ok = h["req_per_s"] >= 400 and (h.get("p99_ms") or 1e9) <= 60
    return [
        ("full index ≤ 31 s (both cores)", f"{_f(full.get('seconds'), 1)} s", cmp(full.get("seconds"), 31)),
        (f"peak memory ≤ 2 GB ({TARGET_MB:,.0f} MB, all processes)", f"{_f(peak, 0)} MB", cmp(peak, TARGET_MB)),
        ("incremental no-op ≤ 3 s", f"{_f(noop.get('seconds'), 2)} s", cmp(noop.get("seconds"), 3)),
        ("query p50 ≤ 5 ms (facets + 10 snippets)", f"{_f(page.get('p50_ms'), 2)} ms", cmp(page.get("p50_ms"), 5)),
        ("query p95 ≤ 25 ms", f"{_f(page.get('p95_ms'), 2)} ms", cmp(page.get("p95_ms"), 25)),
        ("query p99 ≤ 50 ms", f"{_f(page.get('p99_ms'), 2)} ms", cmp(page.get("p99_ms"), 50)),
        ("phrase recall 1.000, 0 false hits", recall_text, recall_ok),
        ("`/api/search` ≥ 400 req/s at 8 clients, p99 ≤ 60 ms (response cache off)",
         f"{_f(h.get('req_per_s'), 0)} req/s, p99 {_f(h.get('p99_ms'), 1)} ms"
         + (f" (cache on: {_f(hc.get('req_per_s'), 0)} req/s, p99 {_f(hc.get('p99_ms'), 1)} ms)"
            if (hc := r.get("http_cached") or {}).get("req_per_s") is not None else ""), http_ok),
        ("index size ≤ 2× the text",
         f"{_f(full.get('index_size_mb'), 1)} MB = {_f(size_ratio, 2)}× {_f(text_mb, 2)} MB", cmp(size_ratio, 2.0)),
        ("first query after `searchapp serve` starts ≤ 2 s", f"{_f(h.get('first_answer_s'), 2)} s",
         cmp(h.get("first_answer_s"), 2.0)),
    ]


def targets_table(r: dict[str, Any]) -> list[str]:
    rows = ["| target | measured | |", "|---|---|---|"]
    for name, measured, ok in targets(r):
        mark = "not measured" if ok is None else ("**met**" if ok else "**missed**")
        rows.append(f"| {name} | {measured} | {mark} |")
    return rows


def slow_queries(r: dict[str, Any]) -> list[str]:
    out = []
    for key, p in (_get(r, "queries", "passes") or {}).items():
        s = p.get("slowest") or []
        if s:
            out.append(f"- {key}: " + ", ".join(f"{x['q']} {x['ms']} ms ({x['total']:,} hits)" for x in s[:6]))
    return out


METHOD = """\
How it was measured (`benchmarks/README.md` has the details):
- **Indexing** runs in a child process (`benchmarks/_child.py index`, `index_paths(..., workers=N)`) on a
  copy of the corpus' `.txt` files (the peers' file set). Seconds are wall time around `index_paths`
  (imports excluded). MB/s = UTF-8 text MB (the peers' `mbytes`) ÷ seconds; for the incremental steps
  MB = bytes re-read. **Peak RSS, all processes** = the largest sum of the resident sets of the child
  and all its worker processes, sampled every 0.1 s from outside; main / largest worker are the exact
  `ru_maxrss` of the main process and of the largest reaped worker (`RUSAGE_CHILDREN`).
  Index size = every file under the index folder.
- **Queries**: the 200 quoted phrases of `naive_baseline.py` (same sampler, same seed, one file given
  to every engine). Latency = `search(index, SearchRequest(...))` from request to response, including
  query parsing (the peers build their query objects outside the timed region). One untimed warm-up
  query (`"教育"`) runs first; the first query of a fresh process is the cold start below.
- **Recall** uses the "every hit" pass (duplicates not collapsed) at file level, against two truths:
  the raw substring of the file as read (what the peers are scored on) and the substring of each
  document's normalized text (Traditional → Simplified, full-width → half-width, spaces between
  Chinese characters dropped, boilerplate removed) — searchapp's contract. A raw "false hit" is
  typically the Traditional copy of a page matched by a Simplified query: correct for a user,
  counted as false by the raw truth, which is why both are shown.
- **Peers** run in the same session on the same corpus and query file: `naive_baseline.py`
  (unmodified, one process) and `peers_bench.py --peers tantivy,fts5,grep` (each peer pinned to one
  CPU, files already in memory). searchapp indexes with all cores and reads the files itself.
  Ratios are searchapp ÷ peer (below 1 = searchapp faster).
- **HTTP**: `searchapp serve` on 127.0.0.1 and a free port (waitress, one process per core, 8 threads
  each), twice: with the response cache off (`search.cache_size: 0`, every request computed; the
  target row) and with default settings (cache on). Load from the client on the same 2-core
  machine, so client and server share the CPUs.
"""


def render(r: dict[str, Any]) -> str:
    c = r.get("corpus") or {}
    limit_note = f" (first {c['limit']} files)" if c.get("limit") else ""
    lines = [f"# searchapp benchmark{' (quick subset)' if c.get('quick') else ''}", "",
             f"Run {r.get('started', '?')} → {r.get('finished', 'unfinished')}; `{r.get('command', '')}`", "",
             f"**Machine:** {machine_line(r.get('machine') or {})}. Load average at start: "
             f"{(r.get('machine') or {}).get('loadavg_start')}.", "",
             f"**Corpus:** `{c.get('source')}`{limit_note}: "
             f"{_f(c.get('files'))} `.txt` files, {_f(c.get('text_mb'), 2)} MB of UTF-8 text "
             f"({_f(c.get('disk_mb'), 2)} MB on disk); {_f(_get(r, 'indexing', 'full', 'total_documents'))} "
             f"documents after splitting compilations; workers = {_get(r, 'indexing', 'full', 'workers')}.", ""]
    code = r.get("code")
    if code:
        lines += [f"**Code:** searchapp at git `{code.get('git_head')}` with {code.get('git_dirty_files')} "
                  f"uncommitted file(s) under `searchapp/`, frozen for the run (sha256 `{code.get('sha256')}`).", ""]
    if c.get("quick"):
        lines += ["*Quick subset: a smoke test of the benchmark; the targets are meant for the full corpus.*", ""]
    sections = [("Targets (issue 5)", targets_table(r)), ("Indexing", indexing_table(r)),
                ("Queries (in process, one thread)", queries_table(r)),
                ("Cold start", cold_lines(r)),
                ("Peers, same run, same corpus, same 200 queries", peers_table(r)),
                ("HTTP `/api/search`", http_lines(r)),
                ("Growth with corpus size (every 4th file, every 2nd, all; same 200 queries)", growth_table(r)),
                ("Slowest queries", slow_queries(r))]
    for title, body in sections:
        if body:
            lines += [f"## {title}", "", *body, ""]
    errors = r.get("errors") or {}
    if errors:
        lines += ["## Steps that failed", ""] + [f"- {k}: {v}" for k, v in errors.items()] + [""]
    lines += ["## Method", "", METHOD]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))


# ---------------------------------------------------------------- publishing into a shared RESULTS.md

def _sections(doc: str) -> tuple[str, list[tuple[str, str]]]:
    """``doc`` split at its ``## `` headings: the preamble, then (title, text with heading) pairs."""
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in doc.splitlines(keepends=True):
        if line.startswith("## "):
            sections.append((line[3:].strip(), [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return "".join(preamble), [(t, "".join(body)) for t, body in sections]


def merge_report(old: str, new: str) -> str:
    """The new bench.py report, followed by every section of ``old`` it did not write.

    RESULTS.md is shared: other commands (relevance, themes, scale) and people write
    their own sections into it; a published bench run replaces only its own."""
    _, new_sections = _sections(new)
    written = {title for title, _ in new_sections}
    kept = [body for title, body in _sections(old)[1] if title not in written]
    out = new if new.endswith("\n") else new + "\n"
    for body in kept:
        out += ("\n" if not out.endswith("\n\n") else "") + body
    return out


def replace_section(doc: str, title: str, body: str, begin: str = "<!-- generated: begin -->",
                    end: str = "<!-- generated: end -->") -> str:
    """``doc`` with the generated part of section ``## title`` replaced by ``body``.

    Only the text between the ``begin``/``end`` markers is rewritten, so notes written by
    hand in the same section (a profile, what the figures mean) survive a new run; the
    section is appended, with the markers, when it is missing."""
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    preamble, sections = _sections(doc)
    for k, (t, text) in enumerate(sections):
        if t == title:
            if begin in text and end in text:
                head, rest = text.split(begin, 1)
                tail = rest.split(end, 1)[1].lstrip("\n")
                text = head + block + tail
            else:
                text = text.rstrip("\n") + "\n\n" + block + "\n"
            sections[k] = (t, text)
            return preamble + "".join(s for _, s in sections)
    sep = "" if doc.endswith("\n\n") else ("\n" if doc.endswith("\n") else "\n\n")
    return doc + sep + f"## {title}\n\n" + block
