"""The ``searchapp`` command: a thin layer over the library.

Every command calls the same functions the web app uses; errors meant for the
user (:class:`~searchapp.errors.SearchappError`) are printed without a traceback.
So are failures of the index underneath (a damaged file, a full disk, a missing
permission): they get a message that says what to do, through
:func:`~searchapp.errors.explain_index_failure`, the same advice the web app
gives. ``SEARCHAPP_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from searchapp import __version__
from searchapp.config import Settings, describe_settings, load_settings
from searchapp.errors import SearchappError, explain_index_failure
from searchapp.model import FACETS, QueryError, SearchRequest

#: Exit status of an indexing run stopped with Ctrl-C (the shell's convention for SIGINT).
EXIT_INTERRUPTED = 130
#: Exit status of ``index`` when some files could not be read (the others were indexed).
EXIT_FILES_FAILED = 3
#: Exit status of ``index`` when nothing could be indexed (no readable file found) and the
#: index holds no document: a cron job with a wrong path notices.
EXIT_NOTHING_INDEXED = 4
#: Shortest interval of ``searchapp index --watch`` (each round walks the whole corpus).
MIN_WATCH_SECONDS = 0.5


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _index_dir(settings: Settings, index: str | None) -> Path:
    return Path(index).resolve() if index else settings.index_path


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


@contextmanager
def _using_index(index_dir: Path, *, writing: bool = False) -> Iterator[None]:
    """Turn a failure of the index underneath into a message with the fix.

    Anything that goes wrong while opening, reading or updating the index folder —
    a truncated segment (``EOFError``), a garbled table of contents (``struct.error``),
    a full disk (``ENOSPC``) — is reported as an :class:`IndexDamagedError` or
    :class:`IndexWriteError`; errors that do not look like the index's keep their
    traceback, because they are bugs to report.
    """
    try:
        yield
    except (SearchappError, click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as exc:
        if os.environ.get("SEARCHAPP_DEBUG"):
            raise
        explained = explain_index_failure(exc, index_dir, writing=writing, opening=True)
        if explained is None:
            raise
        raise explained from None


def _check_opens(settings: Settings, index_dir: Path) -> None:
    """Open the index as the server will, so that a run which left files it did not
    touch damaged (an incremental run skips unchanged files) fails loudly here — in
    the nightly job's exit status — rather than on the first search."""
    from searchapp.backend import open_backend

    with _using_index(index_dir):
        open_backend(settings, index_dir).close()


def _facet_options(func: Any) -> Any:
    """One repeatable option per facet of the registry (``--region``, ``--year`` …)."""
    for facet in reversed(FACETS):
        func = click.option(facet.flag, f"facet_{facet.name}", multiple=True, help=facet.help)(func)
    return func


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearchappError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="config.yaml to use (default: $SEARCHAPP_CONFIG, else ./config.yaml, else built-in defaults).")
@click.version_option(__version__, prog_name="searchapp")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Search Chinese government and education reports: exact phrases, facets, highlights."""
    try:
        ctx.obj = {"settings": load_settings(config_path)}
    except SearchappError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--index", "index", default=None, help="Index folder (overrides index_dir of the config).")
@click.option("--rebuild", is_flag=True, help="Build a fresh index (the old one answers until the new one is ready).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: indexing.workers, 0 = one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--watch", "watch", type=click.FloatRange(min=MIN_WATCH_SECONDS), default=None, metavar="SECONDS",
              help="Keep running: look for changes every SECONDS and index them (Ctrl-C stops).")
@click.pass_context
def index(ctx: click.Context, paths: tuple[Path, ...], index: str | None, rebuild: bool, workers: int | None,
          as_json: bool, watch: float | None) -> None:
    """Index PATHS (files or folders; default: indexing.sources, else the bundled sample reports).

    Incremental: new and changed files are indexed, deleted files removed, unchanged files skipped.
    Exit status: 0 done; 3 some files failed (the rest indexed); 4 nothing could be indexed;
    1 the index could not be written; 130 interrupted.
    """
    settings = _settings(ctx)
    index_dir = _index_dir(settings, index)
    run = _IndexRun(settings, list(paths) or None, index_dir, workers, as_json)
    if watch is not None:
        _watch(ctx, run, watch, rebuild)
        return
    # Ctrl-C interrupts the run even when the command was started with SIGINT ignored (nohup, `&`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        summary = run(rebuild)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing of this run was published; the previous index is unchanged. "
                   "Run `searchapp index` again to finish.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    _print_summary(summary, as_json)
    ctx.exit(index_exit_status(summary))


def index_exit_status(summary: Any) -> int:
    """0 when every file was indexed (or unchanged); :data:`EXIT_NOTHING_INDEXED` when
    the index holds nothing and some path or file failed; :data:`EXIT_FILES_FAILED`
    when some files failed and the others were indexed (README: exit codes)."""
    if summary.failed and not summary.total_documents:
        return EXIT_NOTHING_INDEXED
    if summary.failed:
        return EXIT_FILES_FAILED
    if not summary.total_documents:
        return EXIT_NOTHING_INDEXED
    return 0


class _IndexRun:
    """One indexing run as the command makes it: failures of the index explained, and
    the result opened as the server will open it (see :func:`_check_opens`)."""

    def __init__(self, settings: Settings, paths: list[Path] | None, index_dir: Path, workers: int | None,
                 as_json: bool):
        self.settings, self.paths, self.index_dir = settings, paths, index_dir
        self.workers, self.as_json = workers, as_json

    def __call__(self, rebuild: bool) -> Any:
        from searchapp.indexing.progress import default_progress
        from searchapp.indexing.run import index_paths

        with _using_index(self.index_dir, writing=True):
            summary = index_paths(self.settings, self.paths, rebuild=rebuild, index_dir=self.index_dir,
                                  progress=None if self.as_json else default_progress(), workers=self.workers)
        _check_opens(self.settings, self.index_dir)
        return summary


def _watch(ctx: click.Context, run: _IndexRun, seconds: float, rebuild: bool) -> None:
    """Index, then look for changes every ``seconds`` until SIGINT (Ctrl-C) or SIGTERM,
    which stop it after the run in progress (see :mod:`searchapp.stopping`).

    Each round is an ordinary incremental run (unchanged files cost a ``stat``), so
    polling is cheap and needs no file-system notifications, which network shares
    do not deliver reliably. A round that fails — another run holds the lock, the
    disk is full — is reported and the next round tries again; the previous index
    keeps answering meanwhile. Summaries are printed only for rounds that changed
    something.
    """
    from searchapp.stopping import StopAfterRun

    first = True
    with StopAfterRun() as stop:
        try:
            while not stop.requested:
                try:
                    with stop.running():
                        summary = run(rebuild and first)
                except SearchappError as exc:
                    click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} index not updated: {exc}", err=True)
                except Exception:
                    if not stop.requested:
                        raise
                    # Ctrl-C reaches the worker processes too, and a worker that dies breaks the run.
                    raise KeyboardInterrupt from None
                else:
                    if first or summary.indexed or summary.updated or summary.removed or summary.failed:
                        _print_summary(summary, run.as_json)
                first = False
                stop.sleep(seconds)
        except KeyboardInterrupt:
            click.echo("\nrun aborted; stopped watching; the index holds the last completed run.", err=True)
            ctx.exit(0)
    click.echo(f"\n{stop.signal_name or 'signal'}: stopped watching; the index holds the last completed run.",
               err=True)


def _print_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        click.echo(_dump(summary.to_dict()))
        return
    mb = summary.bytes_read / 1e6
    rate = f"{mb / summary.seconds:.2f} MB/s" if summary.seconds > 0 and mb else "-"
    click.echo(f"indexed {summary.indexed}, updated {summary.updated}, removed {summary.removed}, "
               f"skipped {summary.skipped} unchanged, failed {len(summary.failed)} "
               f"in {summary.seconds:.2f} s ({mb:.1f} MB, {rate})")
    click.echo(f"documents written {summary.documents} (index now holds {summary.total_documents}); "
               f"compilations split {summary.split_files} → {summary.articles_from_splits} articles; "
               f"boilerplate lines removed {summary.cleaned_lines}; mojibake spans repaired {summary.mojibake_repairs}; "
               f"near-duplicate clusters {summary.duplicate_clusters} ({summary.duplicate_documents} documents)")
    for path, reason in summary.failed:
        click.echo(f"  failed: {path}: {reason}", err=True)
    for path, message in summary.warnings:
        click.echo(f"  warning: {path}: {message}", err=True)


def _hit_lines(hit: dict[str, Any], n: int, color: bool) -> list[str]:
    region = "/".join(v for v in hit["region"].values() if v) or "-"
    title = click.style(hit["title"], bold=True) if color else hit["title"]
    score = f"{hit['score']:.2f}" if hit["score"] is not None else "-"
    lines = [f"{n}. {title}",
             f"   {hit['path']} | {region} | {hit['year'] or '-'} | {hit['type'] or '-'} | "
             f"{'、'.join(hit['themes']) or '-'} | score {score}"
             + (f" | {hit['duplicates']} similar copies" if hit["duplicates"] else "")]
    for snip in hit["snippets"]:
        text = _html_to_terminal(snip, color)
        lines.append(f"   {text}")
    if hit.get("explain"):
        parts = " + ".join(f"{k} {v:.2f}" for k, v in hit["explain"].items() if v)
        lines.append(f"   score {score} = {parts or '0'}")
    return lines


def _html_to_terminal(html: str, color: bool) -> str:
    import html as html_mod

    def mark(m: re.Match[str]) -> str:
        inner = html_mod.unescape(m.group(1))
        return click.style(inner, fg="red", bold=True) if color else f"[{inner}]"

    parts = re.split(r"(<mark>.*?</mark>)", html)
    out = []
    for p in parts:
        m = re.fullmatch(r"<mark>(.*?)</mark>", p)
        out.append(mark(m) if m else html_mod.unescape(p))
    return "".join(out)


@main.command()
@click.argument("query", required=False, default="")
@click.option("--index", "index", default=None, help="Index folder (overrides index_dir of the config).")
@_facet_options
@click.option("--sort", type=click.Choice(["relevance", "year"]), default="relevance", show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(min=1), default=None, help="Results per page (default: search.page_size).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (JSON Lines with --queries).")
@click.option("--queries", type=click.File("r", encoding="utf-8"), default=None,
              help="Read one query per line from this file ('-' for stdin); prints JSON Lines.")
@click.option("--explain", is_flag=True, help="Show each hit's score parts (fields, phrase, proximity, synonyms …).")
@click.option("--no-synonyms", "no_synonyms", is_flag=True,
              help="Search only the words as typed (no synonyms from search.synonyms).")
@click.pass_context
def search(ctx: click.Context, query: str, index: str | None, sort: str, page: int, size: int | None, as_json: bool,
           queries: Any, explain: bool, no_synonyms: bool, **facet_values: tuple[str, ...]) -> None:
    """Search the index. QUERY: 教师交流, "教师交流", 教师 -民办, A OR B, region:荔湾区 year:2007-2010 …"""
    from searchapp.query.service import open_service
    from searchapp.query.service import search as run_search

    settings = _settings(ctx)
    index_dir = _index_dir(settings, index)
    with _using_index(index_dir):
        engine = open_service(settings, index_dir)
    filters = {f.name: list(facet_values[f"facet_{f.name}"]) for f in FACETS if facet_values[f"facet_{f.name}"]}

    def request(q: str) -> Any:
        return SearchRequest(q=q, filters=filters, sort=sort, page=page, size=size, explain=explain,
                             synonyms=not no_synonyms)

    with _using_index(index_dir):
        try:
            if queries is not None:
                for line in queries:
                    q = line.rstrip("\n")
                    if q.strip():
                        click.echo(_dump(run_search(engine, request(q)).to_dict()))
                return
            response = run_search(engine, request(query)).to_dict()
        except QueryError as exc:  # a bad parameter, not a damaged index
            raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(_dump(response))
        return
    color = sys.stdout.isatty()
    click.echo(f"{response['total']} results for {response['understood'] or '(all)'} "
               f"({response['took_ms']:.1f} ms), page {response['page']}/{response['pages']}")
    for note in response["notes"]:
        click.echo(f"note: {note}")
    for i, hit in enumerate(response["hits"], start=(response["page"] - 1) * response["size"] + 1):
        click.echo("\n".join(_hit_lines(hit, i, color)))


@main.command()
@click.option("--index", "index", default=None, help="Index folder (overrides index_dir of the config).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def stats(ctx: click.Context, index: str | None, as_json: bool) -> None:
    """Document count, facet values, index size and analyzer version."""
    from searchapp.query.service import open_service

    settings = _settings(ctx)
    index_dir = _index_dir(settings, index)
    with _using_index(index_dir):
        info = open_service(settings, index_dir).stats()
    if as_json:
        click.echo(_dump(info))
        return
    click.echo(f"index: {info['index_dir']}")
    click.echo(f"documents: {info['documents']} from {info['files']} files")
    click.echo(f"size: {info['size_bytes'] / 1e6:.1f} MB (text {info['text_bytes'] / 1e6:.1f} MB)")
    click.echo(f"analyzer: {info['analyzer']}")
    for facet in info["facets"]:
        values = info["facets"][facet]
        shown = ", ".join(f"{v['value']} ({v['count']})" for v in values[:15])
        click.echo(f"{facet}: {shown or '-'}" + (" …" if len(values) > 15 else ""))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def inspect(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Show what the pipeline makes of FILE: cleaned text, articles, metadata with evidence."""
    from searchapp.pipeline import file_result_to_json, prepare_file

    result = file_result_to_json(prepare_file(file, str(file), _settings(ctx)))
    if as_json:
        click.echo(_dump(result))
        return
    click.echo(f"{result['path']}  (encoding {result['encoding']}; {result['removed_lines']} boilerplate lines "
               f"removed; {len(result['mojibake_repairs'])} mojibake spans repaired)")
    for before, after in result["mojibake_repairs"]:
        click.echo(f"  mojibake: {before!r} → {after!r}")
    for item in result.get("removed_why") or [{"line": line, "reason": "pattern"} for line in result["removed"]]:
        click.echo(f"  removed ({item['reason']}): {item['line']}")
    for note in result.get("removed_inside_lines", []):
        click.echo(f"  removed inside lines: {note}")
    for w in result["warnings"]:
        click.echo(f"  warning: {w}")
    for i, art in enumerate(result["articles"], start=1):
        region = "/".join(v for v in art["region"].values() if v) or "-"
        click.echo(f"\n[{i}/{len(result['articles'])}] {art['title']}")
        click.echo(f"  region: {region}   evidence: {'; '.join(art['evidence'].get('region', []))}")
        click.echo(f"  year: {art['year'] or '-'}   evidence: {'; '.join(art['evidence'].get('year', []))}")
        themes = art["evidence"].get("themes", {})
        click.echo(f"  themes: {', '.join(f'{t} {s}' for t, s in themes.items()) or '-'}")
        for theme, ev in art["evidence"].get("theme_keywords", {}).items():
            mark = "+" if ev["assigned"] else " "
            words = ", ".join(f"{k}×{n}" for k, n in ev["keywords"].items())
            title = f"; title: {', '.join(ev['title'])}" if ev["title"] else ""
            click.echo(f"    {mark} {theme} {ev['score']}: {words}{title}")
        click.echo(f"  type: {art['type'] or '-'}")
        text = art["text"]
        click.echo("  text: " + (text[:300] + " …" if len(text) > 300 else text).replace("\n", "\n        "))


@main.command()
@click.option("--index", "index", default=None, help="Index folder (overrides index_dir of the config).")
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: server.port).")
@click.option("--debug", is_flag=True, help="Run Flask's development server with the debugger (never in production).")
@click.pass_context
def serve(ctx: click.Context, index: str | None, host: str | None, port: int | None, debug: bool) -> None:
    """Serve the search page, the JSON API and the embeddable widget."""
    from searchapp.web.server import serve as run_server

    settings = _settings(ctx)
    run_server(settings, _index_dir(settings, index), host=host or settings.server.host,
               port=port or settings.server.port, debug=debug)


@main.command("config")
@click.option("--markdown", is_flag=True, help="Print the settings reference and the built-in themes as Markdown tables (docs/config.md).")
@click.pass_context
def config_cmd(ctx: click.Context, markdown: bool) -> None:
    """List every setting with its current value and meaning."""
    settings = _settings(ctx)
    if markdown:
        click.echo("| key | default | meaning |\n|---|---|---|")
        for key, default, help_text in describe_settings():
            shown = "(built-in list)" if isinstance(default, list) and len(default) > 4 else json.dumps(
                default, ensure_ascii=False)
            click.echo(f"| `{key}` | {shown} | {help_text} |")
        from searchapp.extract.themes import taxonomy_markdown

        click.echo("\n## Built-in themes\n")
        click.echo(taxonomy_markdown())
        return
    for key, default, help_text in describe_settings():
        value: Any = settings
        for part in key.split("."):
            value = getattr(value, part)
        shown = value if not isinstance(value, (list, dict)) or len(str(value)) < 60 else f"{str(value)[:57]}..."
        click.echo(f"{key} = {shown!r}\n    {help_text}")


if __name__ == "__main__":  # pragma: no cover
    main()
