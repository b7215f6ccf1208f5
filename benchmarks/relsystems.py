"""The ranked systems of the relevance benchmark (issue 10), each answering "top N paths for a query".

Every system names a document by its corpus-relative path (``xwlb_00001.txt``), the one identifier that
is stable across engines and index rebuilds. searchapp is called only through its CLI JSON
(``searchapp search --queries FILE --json --size N --index DIR``): that is the stable interface, so a
later searchapp with a new ranking model (and new flags) is measured with the same code.

The peers are what a user could pick instead:
- ``tantivy``: tantivy BM25 over rjieba tokens of OpenCC-t2s text, OR of the query's words.
- ``naive``: Whoosh 2.7.4 + jieba's bundled ChineseAnalyzer over the raw text, the query through
  Whoosh's default QueryParser (the build of ../shared/bench/naive_baseline.py).
Pooling-only systems (exact string, title match, synonym-expanded BM25) live in relevance_pool.py.

Indexes live in a work folder (default /tmp/searchapp-relevance) and are reused when a stamp of the
corpus (file names, sizes, mtimes) matches, so the fast loop (``--only searchapp``) costs seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path(tempfile.gettempdir()) / "searchapp-relevance"
_PUNCT = re.compile(r"^[\W_]+$")


def shared_dir() -> Path | None:
    """../shared (corpus and peers): $SEARCHAPP_SHARED, else a parent folder named `shared` with a corpus."""
    env = os.environ.get("SEARCHAPP_SHARED")
    if env and Path(env).is_dir():
        return Path(env)
    for parent in REPO.parents:
        cand = parent / "shared"
        if (cand / "corpus").is_dir() or (cand / "realpages").is_dir():
            return cand
    return None


def default_corpus() -> Path | None:
    """The full test corpus when this machine has it (the judged set is about that corpus)."""
    sd = shared_dir()
    return sd / "corpus" if sd and (sd / "corpus").is_dir() else None


@dataclass
class Corpus:
    """The corpus as the peers see it: relative paths, titles, and the t2s text (Simplified script)."""

    root: Path
    paths: list[str]
    titles: dict[str, str]       # t2s
    texts: dict[str, str]        # t2s
    stamp: str


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.txt") if p.is_file())


def corpus_stamp(root: Path) -> str:
    """Changes when a file is added, removed or rewritten: decides whether cached indexes are reused."""
    h = hashlib.sha1()
    for p in _files(root):
        st = p.stat()
        h.update(f"{p.relative_to(root)}\0{st.st_size}\0{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


_T2S = None


def t2s(text: str) -> str:
    """OpenCC Traditional → Simplified, the normalization searchapp and the BM25 peer both use."""
    global _T2S
    if _T2S is None:
        import opencc
        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


def _manifest_titles(root: Path) -> dict[str, str]:
    man = root / "manifest.jsonl"
    out: dict[str, str] = {}
    if man.is_file():
        for line in man.open(encoding="utf-8"):
            if line.strip():
                d = json.loads(line)
                if d.get("file") and d.get("title"):
                    out[d["file"]] = d["title"]
    return out


def _first_line(text: str) -> str:
    for line in text.splitlines():
        s = line.strip().lstrip("#").strip()
        if s:
            return s[:120]
    return ""


def load_corpus(root: Path, work: Path = DEFAULT_WORK) -> Corpus:
    """Read and t2s-convert every .txt once; cached in the work folder (t2s of 107 MB takes a while)."""
    root = root.resolve()
    stamp = corpus_stamp(root)
    cache = work / f"corpus-{stamp}.pickle"
    if cache.is_file():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    titles_src = _manifest_titles(root)
    paths, titles, texts = [], {}, {}
    for f in _files(root):
        rel = f.relative_to(root).as_posix()
        raw = f.read_text(encoding="utf-8", errors="replace")
        paths.append(rel)
        texts[rel] = t2s(raw)
        titles[rel] = t2s(titles_src.get(rel) or _first_line(raw))
    c = Corpus(root, paths, titles, texts, stamp)
    work.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as fh:
        pickle.dump(c, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return c


def query_words(query: str) -> list[str]:
    """rjieba words of the t2s query, without spaces and punctuation (what an OR-of-words BM25 sends)."""
    import rjieba
    out: list[str] = []
    for w in rjieba.cut(t2s(query)):
        w = w.strip()
        if w and not _PUNCT.match(w) and w not in out:
            out.append(w)
    return out


# ---------------------------------------------------------------- tantivy: BM25 over rjieba tokens

class Tantivy:
    """tantivy BM25 over rjieba tokens of t2s text (title and body fields; ranking uses the body)."""

    def __init__(self, corpus: Corpus, work: Path = DEFAULT_WORK, log: Callable[[str], None] = print) -> None:
        import tantivy
        import rjieba
        self._tv = tantivy
        d = work / "tantivy"
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("path", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=False, tokenizer_name="whitespace")
        sb.add_text_field("content", stored=False, tokenizer_name="whitespace")
        self.schema = sb.build()
        stampf = d / "STAMP"
        if stampf.is_file() and stampf.read_text() == corpus.stamp:
            self.index = tantivy.Index(self.schema, path=str(d), reuse=True)
        else:
            log(f"tantivy: indexing {len(corpus.paths)} docs into {d}")
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            self.index = tantivy.Index(self.schema, path=str(d), reuse=False)
            w = self.index.writer(heap_size=256_000_000, num_threads=1)
            for p in corpus.paths:
                doc = tantivy.Document()
                doc.add_text("path", p)
                doc.add_text("title", " ".join(rjieba.cut(corpus.titles[p])))
                doc.add_text("content", " ".join(rjieba.cut(corpus.texts[p])))
                w.add_document(doc)
            w.commit()
            w.wait_merging_threads()
            stampf.write_text(corpus.stamp)
        self.index.reload()
        self.searcher = self.index.searcher()

    def or_query(self, weighted_words: Iterable[tuple[str, float]], field: str = "content"):
        """OR of term queries, each with its weight (1.0 = plain BM25)."""
        tv = self._tv
        clauses = []
        for w, boost in weighted_words:
            q = tv.Query.term_query(self.schema, field, w)
            clauses.append((tv.Occur.Should, q if boost == 1.0 else tv.Query.boost_query(q, boost)))
        return tv.Query.boolean_query(clauses)

    def run(self, query_obj, size: int) -> list[str]:
        """Top `size` corpus paths for a tantivy query object."""
        r = self.searcher.search(query_obj, limit=size)
        return [self.searcher.doc(addr)["path"][0] for _, addr in r.hits]

    def search(self, query: str, size: int) -> list[str]:
        """Plain BM25: OR of the query's rjieba words."""
        words = query_words(query)
        if not words:
            return []
        return self.run(self.or_query((w, 1.0) for w in words), size)


# ---------------------------------------------------------------- naive: Whoosh + jieba ChineseAnalyzer

class Naive:
    """The obvious build (../shared/bench/naive_baseline.py): Whoosh + jieba ChineseAnalyzer, raw text.

    Plain queries go through Whoosh's default QueryParser (an AND of the analyzed words), as a user of
    that build would get. Indexing the full corpus takes about 4 minutes on one core; the index is reused.
    """

    def __init__(self, corpus: Corpus, work: Path = DEFAULT_WORK, log: Callable[[str], None] = print) -> None:
        warnings.filterwarnings("ignore")
        import jieba
        jieba.setLogLevel(60)
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser
        d = work / "naive"
        stampf = d / "STAMP"
        if stampf.is_file() and stampf.read_text() == corpus.stamp:
            self.ix = index.open_dir(str(d))
        else:
            log(f"naive: indexing {len(corpus.paths)} docs into {d} (Whoosh + jieba, ~4 min for 107 MB)")
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            schema = Schema(path=ID(stored=True, unique=True), content=TEXT(analyzer=ChineseAnalyzer()))
            self.ix = index.create_in(str(d), schema)
            w = self.ix.writer(limitmb=512)
            for p in corpus.paths:
                raw = (corpus.root / p).read_text(encoding="utf-8", errors="replace")
                w.add_document(path=p, content=raw)
            w.commit()
            stampf.write_text(corpus.stamp)
        self.qp = QueryParser("content", self.ix.schema)
        self.searcher = self.ix.searcher()

    def search(self, query: str, size: int) -> list[str]:
        q = self.qp.parse(query)
        return [h["path"] for h in self.searcher.search(q, limit=size)]


# ---------------------------------------------------------------- searchapp, through its CLI JSON only

def searchapp_exe() -> list[str]:
    """The `searchapp` console script next to this interpreter (the venv), else on PATH."""
    cand = Path(sys.executable).with_name("searchapp")
    if cand.is_file():
        return [str(cand)]
    found = shutil.which("searchapp")
    if found:
        return [found]
    return [sys.executable, "-m", "searchapp.cli"]


def searchapp_build(corpus: Path, index_dir: Path, log: Callable[[str], None] = print) -> None:
    """`searchapp index CORPUS --index DIR` (incremental when the index exists)."""
    log(f"searchapp: indexing {corpus} into {index_dir}")
    subprocess.run(searchapp_exe() + ["index", str(corpus), "--index", str(index_dir)], check=True,
                   stdout=subprocess.DEVNULL)


def _hit_path(hit: dict, corpus: Path) -> str:
    for key in ("path", "file", "source_path", "id"):
        v = hit.get(key)
        if isinstance(v, str) and v:
            p = Path(v)
            if p.is_absolute():
                try:
                    return p.resolve().relative_to(corpus.resolve()).as_posix()
                except ValueError:
                    return p.name
            return p.as_posix()
    raise KeyError(f"searchapp hit has no path field: {sorted(hit)}")


def searchapp_search(queries: list[str], corpus: Path, index_dir: Path, size: int) -> list[list[str]]:
    """Top `size` corpus paths per query, from `searchapp search --queries FILE --json --size N --index DIR`."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
        fh.write("\n".join(queries) + "\n")
        qfile = fh.name
    try:
        out = subprocess.run(searchapp_exe() + ["search", "--queries", qfile, "--json", "--size", str(size),
                                                "--index", str(index_dir)],
                             check=True, capture_output=True, text=True, encoding="utf-8").stdout
    finally:
        os.unlink(qfile)
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    if len(lines) != len(queries):
        raise RuntimeError(f"searchapp answered {len(lines)} lines for {len(queries)} queries")
    return [[_hit_path(h, corpus) for h in (d.get("hits") or d.get("results") or [])][:size] for d in lines]
