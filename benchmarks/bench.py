"""Speed as a measured feature (issue 5): one command that measures searchapp and its peers.

usage: python benchmarks/bench.py [CORPUS] [--out DIR] [--quick] [--skip-peers] [--skip-http]
                                  [--skip-growth] [--workers N] [--live-code] [--publish]
       python benchmarks/bench.py --http-only --index DIR [--http-seconds S] [--warmup-seconds S]

Steps (each one's failure is recorded and the others go on):
1. indexing: full rebuild, incremental no-op, incremental after appending a sentence to 1% of the
   files, and the same files reverted: seconds, MB/s, peak memory of all processes, index size;
2. queries: the 200 quoted phrases of ../shared/bench/naive_baseline.py through the query layer
   (10 hits + snippets + facets; unquoted; every hit for recall), recall against the raw and the
   normalized truth, cold start of a new process;
3. peers on the same corpus and query file: naive_baseline.py, and peers_bench.py
   (tantivy, fts5, grep) when tantivy is importable; searchapp ÷ peer ratios;
4. HTTP: `searchapp serve` on loopback, 8 concurrent clients (wrk, else a Python client);
5. growth: index time and query latency on 1/4, 1/2 and all of the corpus.
Writes OUT/results.json and OUT/RESULTS.md, prints the Markdown; --publish also copies it to
benchmarks/RESULTS.md. Progress goes to stderr. With --http-only, step 4 alone against an existing
index (built from the same corpus), after a warm-up, for comparing two versions of the read side.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _ensure_project_python() -> None:
    """Re-run under the project's venv when started with an interpreter that lacks searchapp or
    jieba (the query sampler needs jieba): `python benchmarks/bench.py` then just works."""
    try:
        import jieba  # noqa: F401

        import searchapp  # noqa: F401
    except ImportError:
        venv = ROOT / ".venv" / "bin" / "python"
        # Compare prefixes, not executables: a venv's python is a symlink to the base interpreter.
        if venv.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
            # sys.argv[0], not __file__: scale.py imports this module and must restart as itself.
            os.execv(str(venv), [str(venv), str(Path(sys.argv[0]).resolve()), *sys.argv[1:]])
        raise


_ensure_project_python()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import importlib.metadata as md  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import urllib.parse  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(HERE))
from _http import free_port, get, load_tool_available, run_python_load, run_wrk, stop, tree_cpu_seconds  # noqa: E402
from _memory import TreeSampler  # noqa: E402
from _report import merge_report, render  # noqa: E402

def _shared() -> Path:
    """../shared (corpus and peers): $SEARCHAPP_SHARED, else the nearest parent folder holding a
    `shared` folder with a corpus or the peers (a worktree at /work/wt/X finds /work/shared)."""
    env = os.environ.get("SEARCHAPP_SHARED")
    if env and Path(env).is_dir():
        return Path(env)
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus").is_dir() or (parent / "shared" / "bench").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


SHARED_BENCH = _shared() / "bench"
DEFAULT_CORPUS = _shared() / "corpus"
SAMPLES = ROOT / "searchapp" / "data" / "samples"
CHILD = HERE / "_child.py"
NAIVE = SHARED_BENCH / "naive_baseline.py"
PEERS = SHARED_BENCH / "peers_bench.py"
QUICK_FILES = 300
#: Appended to 1% of the files for the incremental step (a sentence, not noise).
APPENDED = "\n（基准测试追加）本单位将继续推进义务教育优质均衡发展，加强教师队伍建设。\n"
PACKAGES = ("searchapp", "Whoosh", "rjieba", "jieba", "OpenCC", "pyahocorasick", "numpy", "Flask", "waitress",
            "tantivy")

sys.path.insert(0, str(SHARED_BENCH))
import peers_bench  # noqa: E402  (the peers' own loading and query sampling; read-only, not copied)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """Everything the steps share: options, folders, the corpus and the queries, the results."""

    args: argparse.Namespace
    out: Path
    work: Path
    source: Path
    limit: int
    files: list[str] = field(default_factory=list)      # relative paths, sorted (the peers' order)
    texts: dict[str, str] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def copy_root(self) -> Path:
        return self.work / "corpus"

    @property
    def index_dir(self) -> Path:
        return Path(self.args.index).resolve() if self.args.index else self.work / "index"

    @property
    def query_file(self) -> Path:
        return self.work / "queries.txt"

    @property
    def text_mb(self) -> float:
        return self.results["corpus"]["text_mb"]

    def save(self) -> None:
        """Results so far, after every step: a crash later still leaves the figures."""
        (self.out / "results.json").write_text(json.dumps(self.results, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
        (self.out / "RESULTS.md").write_text(render(self.results), encoding="utf-8")


# ---------------------------------------------------------------- helpers

def du_mb(path: Path) -> float:
    """Size of every file under ``path`` (or of the file), in MB."""
    if path.is_file():
        return round(path.stat().st_size / 1e6, 2)
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 2)


def evict_page_cache(path: Path) -> None:
    """Ask the kernel to drop ``path``'s files from the page cache (no root needed; best effort)."""
    for f in (path.rglob("*") if path.is_dir() else [path]):
        if f.is_file():
            try:
                fd = os.open(f, os.O_RDONLY)
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)
            except (OSError, AttributeError):
                pass


def run_child(args: list[str], timeout: float, sample_memory: bool = False) -> dict[str, Any]:
    """Run ``_child.py ARGS`` in a new process; its RESULT line, plus wall time and tree peak RSS."""
    cmd = [sys.executable, str(CHILD), *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    sampler = TreeSampler(proc.pid).start() if sample_memory else None
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{args[0]} timed out after {timeout:.0f} s") from None
    finally:
        mem = sampler.stop() if sampler else {}
    wall = time.perf_counter() - t0
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{args[0]} failed (exit {proc.returncode}); see stderr above")
    result = json.loads(line[7:])
    result["process_wall_s"] = round(wall, 2)
    result.update(mem)
    return result


def step(run: Run, name: str, fn: Callable[[Run], None]) -> None:
    """Run one step; on failure record the error and go on."""
    log(f"--- {name} (load average {os.getloadavg()[0]:.2f})")
    t0 = time.perf_counter()
    try:
        fn(run)
    except Exception as exc:  # one step's failure must not cost the others
        traceback.print_exc(file=sys.stderr)
        run.results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
    run.results.setdefault("step_seconds", {})[name] = round(time.perf_counter() - t0, 1)
    run.save()


def _proc_field(path: str, prefix: str, parse: Callable[[str], Any]) -> Any:
    """The first line of a /proc file starting with ``prefix``, parsed (None when unreadable)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return next((parse(ln) for ln in fh if ln.startswith(prefix)), None)
    except (OSError, ValueError, IndexError):
        return None


def machine() -> dict[str, Any]:
    cpu = _proc_field("/proc/cpuinfo", "model name", lambda ln: ln.split(":", 1)[1].strip()) or "?"
    kb = _proc_field("/proc/meminfo", "MemTotal", lambda ln: int(ln.split()[1]))
    ram = round(kb / 1024 / 1024, 1) if kb else None
    versions: dict[str, str | None] = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = None
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    if shutil.which("wrk"):
        pr = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        versions["wrk"] = (pr.stdout or pr.stderr).split()[1] if (pr.stdout or pr.stderr).split() else "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "versions": versions,
            "loadavg_start": [round(x, 2) for x in os.getloadavg()]}


# ---------------------------------------------------------------- step 0: code, corpus and queries

def snapshot_code(run: Run) -> None:
    """Freeze the searchapp code this run measures: copy the package to WORK/code and put it first on
    every child's path (PYTHONPATH; BENCH_CODE_DIR for _child.py). Without this, an edit landing
    mid-run mixes versions — seen in practice: the server refused an index built minutes earlier
    under another schema version."""
    dst = run.work / "code"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(ROOT / "searchapp", dst / "searchapp", ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(dst), os.environ.get("PYTHONPATH", "")) if p)
    os.environ["BENCH_CODE_DIR"] = str(dst)
    digest = hashlib.sha256()
    for f in sorted((dst / "searchapp").rglob("*")):
        if f.is_file():
            digest.update(str(f.relative_to(dst)).encode() + b"\0" + f.read_bytes())
    probe = subprocess.run([sys.executable, "-c", "import searchapp; print(searchapp.__file__)"],
                           capture_output=True, text=True, cwd=str(run.work), check=False)
    run.results["code"] = {"git_head": _git("rev-parse", "--short", "HEAD"),
                           "git_dirty_files": len(_git("status", "--porcelain", "--", "searchapp").splitlines()),
                           "sha256": digest.hexdigest()[:16], "snapshot": str(dst),
                           "imported_from": probe.stdout.strip() or probe.stderr.strip()[-200:]}
    log(f"code: {run.results['code']}")


def _git(*args: str) -> str:
    pr = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
    return pr.stdout.strip()


def prepare(run: Run, copy: bool = True) -> None:
    """Load the texts exactly as the peers do, sample their 200 queries, copy the files to the work
    dir (not with ``copy=False``: --http-only needs the queries only)."""
    t0 = time.perf_counter()
    paths, run.texts = peers_bench.load_texts(str(run.source), run.limit)
    run.files = [os.path.relpath(p, run.source) for p in paths]
    if not run.files:
        raise SystemExit(f"no .txt files under {run.source}")
    if copy:
        shutil.rmtree(run.copy_root, ignore_errors=True)
    for rel in (run.files if copy else ()):
        dst = run.copy_root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(run.source / rel, dst)
        os.chmod(dst, 0o644)  # the shared corpus is read-only; the 1% step appends to copies
    run.queries = peers_bench.sample_queries(run.texts)
    peers_bench.write_queries(run.queries, str(run.query_file))
    text_bytes = sum(len(t.encode()) for t in run.texts.values())
    run.results["corpus"] = {
        "source": str(run.source), "limit": run.limit, "quick": run.args.quick, "files": len(run.files),
        "text_mb": round(text_bytes / 1e6, 2), "disk_mb": round(sum((run.source / f).stat().st_size
                                                                    for f in run.files) / 1e6, 2),
        "queries": len(run.queries), "query_file": str(run.query_file)}
    log(f"{len(run.files)} files, {text_bytes / 1e6:.1f} MB, {len(run.queries)} queries "
        f"({time.perf_counter() - t0:.1f} s)")


# ---------------------------------------------------------------- step 1: indexing

def index_once(run: Run, index_dir: Path, paths: list[Path], rebuild: bool, label: str) -> dict[str, Any]:
    pf = run.work / f"paths-{label}.json"
    pf.write_text(json.dumps([str(p) for p in paths]), encoding="utf-8")
    args = ["index", "--index", str(index_dir), "--paths-file", str(pf), "--workers", str(run.args.workers)]
    res = run_child(args + (["--rebuild"] if rebuild else []), timeout=3600, sample_memory=True)
    res["index_size_mb"] = du_mb(index_dir)
    log(f"{label}: {res['seconds']:.2f} s, peak {res.get('tree_peak_mb')} MB, "
        f"{res.get('indexed')} new / {res.get('updated')} updated / {res.get('skipped')} skipped, "
        f"{res.get('failed')} failed, index {res['index_size_mb']} MB")
    return res


def files_to_change(run: Run) -> list[str]:
    """1% of the files (at least one), evenly spread over the sorted list: deterministic."""
    n = max(1, round(len(run.files) / 100))
    return [run.files[i * len(run.files) // n] for i in range(n)]


def step_indexing(run: Run) -> None:
    ix = run.results.setdefault("indexing", {})

    def measure(key: str, rebuild: bool) -> None:
        try:
            ix[key] = index_once(run, run.index_dir, [run.copy_root], rebuild, key)
        except Exception as exc:
            ix[key] = {"error": f"{type(exc).__name__}: {exc}"}
        run.save()

    measure("full", True)
    measure("noop", False)
    changed = files_to_change(run)
    originals = {rel: ((run.copy_root / rel).read_bytes(), (run.copy_root / rel).stat()) for rel in changed}
    for rel in changed:
        with open(run.copy_root / rel, "a", encoding="utf-8") as fh:  # every corpus file is UTF-8
            fh.write(APPENDED)
    try:
        measure("change", False)
    finally:  # put the originals back so the index answers for the corpus the peers see
        for rel, (data, st) in originals.items():
            (run.copy_root / rel).write_bytes(data)
            os.utime(run.copy_root / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    measure("revert", False)
    ix["changed_files"] = len(changed)


# ---------------------------------------------------------------- step 2: queries and cold start

def step_queries(run: Run) -> None:
    args = ["queries", "--index", str(run.index_dir), "--queries", str(run.query_file), "--recall", "--plain",
            "--root", str(run.copy_root), "--truth-corpus", str(run.source), "--limit", str(run.limit)]
    run.results["queries"] = run_child(args, timeout=3600)
    rec = run.results["queries"].get("recall", {})
    log(f"recall raw {rec.get('recall_raw')} ({rec.get('false_hits_raw')} false), "
        f"normalized {rec.get('recall_normalized')} ({rec.get('false_hits_normalized')} false)")


def step_cold(run: Run) -> None:
    evict_page_cache(run.index_dir)
    res = run_child(["cold", "--index", str(run.index_dir), "--query", run.queries[0]], timeout=600)
    run.results["cold_start"] = res
    log(f"cold start: open {res['open_s']} s + first query {res['first_query_s']} s")


# ---------------------------------------------------------------- step 3: peers

def limit_args(run: Run) -> list[str]:
    return ["--limit", str(run.limit)] if run.limit else []


def step_naive(run: Run) -> None:
    d = run.work / "naive_index"
    shutil.rmtree(d, ignore_errors=True)
    cmd = [sys.executable, str(NAIVE), str(run.source), str(d), "--queries", str(run.query_file), *limit_args(run)]
    t0 = time.perf_counter()
    pr = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    line = next((ln for ln in reversed(pr.stdout.splitlines()) if ln.startswith("{")), None)
    if pr.returncode or line is None:
        raise RuntimeError(f"naive_baseline.py failed (exit {pr.returncode}): {pr.stderr[-500:]}")
    res = json.loads(line)
    res["process_wall_s"] = round(time.perf_counter() - t0, 1)
    run.results.setdefault("peers", {})["naive"] = res
    shutil.rmtree(d, ignore_errors=True)
    log(f"naive: index {res['index_s']} s, p50/p95 {res['p50_ms']}/{res['p95_ms']} ms")


def step_peers(run: Run) -> None:
    if importlib.util.find_spec("tantivy") is None:
        run.results["peers_note"] = ("tantivy is not installed (`pip install -e '.[bench]'`): "
                                     "peers_bench.py was not run.")
        log(run.results["peers_note"])
        return
    d = run.work / "peers"
    shutil.rmtree(d, ignore_errors=True)
    cmd = [sys.executable, str(PEERS), str(run.source), str(d), "--peers", "tantivy,fts5,grep",
           "--queries", str(run.query_file), *limit_args(run)]
    pr = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    peers = run.results.setdefault("peers", {})
    for ln in pr.stdout.splitlines():
        if not ln.startswith("{"):
            continue
        d_ = json.loads(ln)
        if "versions" in d_:
            run.results["peers_versions"] = d_["versions"]
        elif "peer" in d_:
            peers[d_["peer"]] = d_
    if pr.returncode:
        raise RuntimeError(f"peers_bench.py failed (exit {pr.returncode}): {pr.stderr[-500:]}")
    shutil.rmtree(d, ignore_errors=True)
    log("peers: " + ", ".join(f"{k} p50 {v.get('p50_ms')} ms" for k, v in peers.items()))


# ---------------------------------------------------------------- step 4: HTTP

def serve_command(run: Run, config: Path, port: int) -> list[str]:
    exe = Path(sys.executable).with_name("searchapp")
    head = [str(exe)] if exe.exists() else [sys.executable, "-m", "searchapp"]
    return head + ["--config", str(config), "serve", "--index", str(run.index_dir), "--host", "127.0.0.1",
                   "--port", str(port)]


def query_mix(run: Run) -> list[str]:
    """A typical mix: each sample query once quoted (pasted phrase) and once as plain words,
    interleaved; the API's defaults give 10 hits, 3 snippets each, and facet counts."""
    out = []
    for q in run.queries:
        out.append("/api/search?" + urllib.parse.urlencode({"q": f'"{q}"'}))
        out.append("/api/search?" + urllib.parse.urlencode({"q": q}))
    return out


def wait_healthy(base: str, proc: subprocess.Popen, limit_s: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        if proc.poll() is not None:
            raise RuntimeError(f"searchapp serve exited with {proc.returncode}")
        try:
            if get(base + "/healthz", timeout=2)[0] == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"/healthz did not answer within {limit_s:.0f} s")


def step_http(run: Run) -> None:
    """Two servers in turn: with the response cache off (every request computed: the
    engine's own throughput, judged against the target) and with the default cache."""
    for key, overrides in (("http", {"search": {"cache_size": 0}}), ("http_cached", {})):
        serve_and_load(run, key, overrides)


def serve_and_load(run: Run, key: str, overrides: dict[str, Any]) -> None:
    config = run.work / f"serve-config-{key}.yaml"
    config.write_text(json.dumps({"index_dir": str(run.index_dir), **overrides}), encoding="utf-8")  # JSON is YAML
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    evict_page_cache(run.index_dir)
    h: dict[str, Any] = {"config": overrides}
    run.results[key] = h
    with open(run.work / f"serve-{key}.log", "w", encoding="utf-8") as logf:
        t0 = time.perf_counter()
        proc = subprocess.Popen(serve_command(run, config, port), stdout=logf, stderr=subprocess.STDOUT,
                                cwd=str(run.work))
        try:
            measure_server(run, base, proc, t0, h)
        finally:
            stop(proc)


def measure_server(run: Run, base: str, proc: subprocess.Popen, t0: float, h: dict[str, Any]) -> None:
    """Start-up time to /healthz and to the first search, a sanity check, then the load."""
    h["healthz_s"] = round(wait_healthy(base, proc, 120), 3)
    first = base + "/api/search?" + urllib.parse.urlencode({"q": f'"{run.queries[0]}"'})
    t1 = time.perf_counter()
    status, body = get(first, timeout=60)
    h["first_request_ms"] = round(1000 * (time.perf_counter() - t1), 1)
    h["first_answer_s"] = round(time.perf_counter() - t0, 3)
    if status != 200:
        raise RuntimeError(f"/api/search answered {status}: {body[:200]!r}")
    doc = json.loads(body)
    h["sanity"] = {"hits": len(doc.get("hits", [])), "facets": sorted(doc.get("facets", {})),
                   "snippets_first_hit": len((doc.get("hits") or [{}])[0].get("snippets", []))}
    h.update(load_server(run, base, proc))
    log(f"http {h.get('config')}: {h.get('req_per_s')} req/s, p50 {h.get('p50_ms')} ms, p99 {h.get('p99_ms')} ms")


def load_server(run: Run, base: str, proc: subprocess.Popen) -> dict[str, Any]:
    """8 concurrent clients for --http-seconds over the query mix (after --warmup-seconds of the
    same load, not counted), server memory sampled meanwhile, and the server processes' CPU time
    per request: on a shared machine req/s also measures the neighbours, CPU ms per request much
    less so."""
    mix = query_mix(run)
    pf = run.work / "http-paths.txt"
    pf.write_text("\n".join(mix) + "\n", encoding="utf-8")

    def load(seconds: float) -> dict[str, Any]:
        budget = 400 * max(1, int(seconds)) * 4  # well above the target rate: time is the real bound
        if load_tool_available() == "wrk":
            return run_wrk(base, pf, 8, seconds, budget, run.work)
        return run_python_load(base, pf, 8, seconds, budget)

    warmup = run.args.warmup_seconds
    if warmup > 0:  # first answers fill the page cache and the per-process caches
        load(warmup)
    sampler = TreeSampler(proc.pid).start()
    try:
        cpu0 = tree_cpu_seconds(proc.pid)
        res = load(run.args.http_seconds)
        cpu1 = tree_cpu_seconds(proc.pid)
    finally:
        res_mem = sampler.stop()
    cpu = {"server_cpu_s": round(cpu1 - cpu0, 3), "warmup_s": warmup}
    if res.get("requests"):
        cpu["server_cpu_ms_per_req"] = round(1000 * (cpu1 - cpu0) / res["requests"], 3)
    return {**res, **cpu, "urls": len(mix), "server_peak_mb": res_mem["tree_peak_mb"]}


# ---------------------------------------------------------------- step 5: growth

def step_growth(run: Run) -> None:
    growth: list[dict[str, Any]] = []
    run.results["growth"] = growth
    for share, every in (("1/4", 4), ("1/2", 2)):
        subset = run.files[::every]
        entry: dict[str, Any] = {"share": share, "files": len(subset),
                                 "text_mb": round(sum(len(run.texts[f].encode()) for f in subset) / 1e6, 2)}
        growth.append(entry)
        try:
            d = run.work / f"growth-{every}" / "index"
            shutil.rmtree(d.parent, ignore_errors=True)
            d.parent.mkdir(parents=True)
            res = index_once(run, d, [run.copy_root / f for f in subset], True, f"growth-{every}")
            q = run_child(["queries", "--index", str(d), "--queries", str(run.query_file)], timeout=1800)
            page = q["passes"]["page"]
            entry.update({"index_s": res["seconds"], "mb_per_s": round(entry["text_mb"] / res["seconds"], 2),
                          "tree_peak_mb": res.get("tree_peak_mb"), "index_size_mb": res["index_size_mb"],
                          "documents": res.get("total_documents"),
                          "p50_ms": page["p50_ms"], "p95_ms": page["p95_ms"], "p99_ms": page["p99_ms"]})
            shutil.rmtree(d.parent, ignore_errors=True)
        except Exception as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        run.save()
    full = run.results.get("indexing", {}).get("full", {})
    page = run.results.get("queries", {}).get("passes", {}).get("page", {})
    growth.append({"share": "all", "files": len(run.files), "text_mb": run.text_mb,
                   "index_s": full.get("seconds"), "tree_peak_mb": full.get("tree_peak_mb"),
                   "mb_per_s": round(run.text_mb / full["seconds"], 2) if full.get("seconds") else None,
                   "index_size_mb": full.get("index_size_mb"), "documents": full.get("total_documents"),
                   "p50_ms": page.get("p50_ms"), "p95_ms": page.get("p95_ms"), "p99_ms": page.get("p99_ms")})


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    default_corpus = DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else SAMPLES
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(default_corpus),
                    help=f"folder of .txt files (default: {default_corpus})")
    ap.add_argument("--out", default=str(HERE / "out" / "bench"), help="results and work folder")
    ap.add_argument("--quick", action="store_true", help=f"first {QUICK_FILES} files, 5 s of HTTP load")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (sorted), like the peers' --limit")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="indexing worker processes")
    ap.add_argument("--http-seconds", type=float, default=None, help="length of the HTTP load (default 20, quick 5)")
    ap.add_argument("--warmup-seconds", type=float, default=None,
                    help="load before the measured one, not counted (default 0; 5 with --http-only)")
    ap.add_argument("--http-only", action="store_true",
                    help="only step 4 (HTTP, response cache off), against the existing index --index")
    ap.add_argument("--index", default=None,
                    help="index folder to serve (with --http-only: required; built from CORPUS beforehand)")
    ap.add_argument("--live-code", action="store_true",
                    help="use searchapp/ as it is during the run instead of a snapshot taken at the start")
    ap.add_argument("--publish", action="store_true", help="also write the report to benchmarks/RESULTS.md")
    a = ap.parse_args(argv)
    if a.http_seconds is None:
        a.http_seconds = 5.0 if a.quick else 20.0
    if a.warmup_seconds is None:
        a.warmup_seconds = 5.0 if a.http_only else 0.0
    if a.http_only and not a.index:
        ap.error("--http-only needs --index DIR (an index of CORPUS)")
    if a.index and not a.http_only:
        ap.error("--index is only for --http-only (the full run builds its own index)")
    return a


def http_only(run: Run) -> None:
    """--http-only: the query mix against an existing index, response cache off, after a warm-up;
    prints the figures (req/s, latencies, the server's CPU ms per request) and writes results.json."""
    prepare(run, copy=False)
    step(run, "http", lambda r: serve_and_load(r, "http", {"search": {"cache_size": 0}}))
    run.results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    run.save()
    h = run.results.get("http", {})
    print(json.dumps({k: h.get(k) for k in ("req_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_req",
                                            "requests", "non200", "server_peak_mb")}, ensure_ascii=False))
    log(f"load average {os.getloadavg()[0]:.2f}; {run.out / 'results.json'}")


def main() -> None:
    a = parse_args()
    out = Path(a.out).resolve()
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    limit = a.limit or (QUICK_FILES if a.quick else 0)
    run = Run(args=a, out=out, work=work, source=Path(a.corpus).resolve(), limit=limit)
    run.results.update({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(
        ["python benchmarks/bench.py", *sys.argv[1:]]), "machine": machine()})
    t0 = time.perf_counter()
    if not a.live_code:
        snapshot_code(run)
    if a.http_only:
        http_only(run)
        return
    prepare(run)  # without corpus and queries nothing else can run
    run.save()
    step(run, "indexing", step_indexing)
    step(run, "queries", step_queries)
    step(run, "cold start", step_cold)
    if not a.skip_peers:
        step(run, "naive baseline", step_naive)
        step(run, "peers (tantivy, fts5, grep)", step_peers)
    if not a.skip_http:
        step(run, "http", step_http)
    if not a.skip_growth:
        step(run, "growth", step_growth)
    run.results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    run.results["total_s"] = round(time.perf_counter() - t0, 1)
    run.save()
    report = render(run.results)
    if a.publish:  # only bench.py's own sections are replaced; the others (relevance, scale…) stay
        published = HERE / "RESULTS.md"
        old = published.read_text(encoding="utf-8") if published.exists() else ""
        published.write_text(merge_report(old, report), encoding="utf-8")
    print(report)
    log(f"done in {run.results['total_s']} s: {out / 'results.json'}, {out / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
