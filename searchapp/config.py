"""Settings: every key, its default and its meaning live here, in one place.

``config.yaml`` overrides any subset of them. Loading validates strictly: an
unknown key or a value of the wrong type is a :class:`ConfigError` naming the key,
because a typo that silently falls back to a default is worse than an error.
Relative paths in the file are resolved against the file's own folder.

Which file is read: ``--config FILE`` on the command line, else the
``SEARCHAPP_CONFIG`` environment variable, else ``./config.yaml`` when it exists,
else the defaults alone.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from searchapp.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLES_DIR = PACKAGE_DIR / "data" / "samples"
ENV_VAR = "SEARCHAPP_CONFIG"


def _doc(text: str, default: Any = dataclasses.MISSING, factory: Any = dataclasses.MISSING) -> Any:
    """A dataclass field that carries its documentation (shown by ``searchapp config``)."""
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"help": text})
    return field(default=default, metadata={"help": text})


DEFAULT_USER_WORDS: tuple[str, ...] = (
    "义务教育", "学前教育", "职业教育", "素质教育", "教育督导", "督导评估", "双减", "控辍保学",
    "教师队伍", "师德师风", "校长职级制", "县管校聘", "集团化办学", "学区化管理",
    "教育均衡", "均衡发展", "优质均衡", "标准化建设", "薄弱学校", "留守儿童", "随迁子女",
    "营养改善计划", "教育信息化", "三通两平台", "校园安全", "课后服务", "减负提质",
    "党风廉政建设", "一岗双责", "三严三实", "民主生活会", "教育强区", "教育强县", "教育强市",
    "教育经费", "生均公用经费", "绩效工资", "特殊教育", "普惠性幼儿园", "中等职业教育",
)


@dataclass
class AnalysisSettings:
    user_words: list[str] = _doc(
        "Domain terms added to jieba's dictionary so they are indexed as one word "
        "(ranking and proximity use them; exact phrase recall does not depend on them).",
        factory=lambda: list(DEFAULT_USER_WORDS),
    )


@dataclass
class IndexingSettings:
    sources: list[str] = _doc(
        "Files or folders `searchapp index` reads when no PATH is given. Empty means the "
        "bundled sample reports.", factory=list)
    workers: int = _doc("Processes that read and analyse files in parallel; 0 means one per CPU core.", 0)
    manifest: str | None = _doc(
        "Optional CSV file with columns path,title,province,city,district,year,themes,type "
        "that sets or overrides metadata per file (themes separated by ';').", None)
    split_compilations: bool = _doc(
        "Split a page that holds several articles (第一篇 … 第二篇 …) into one document each.", True)
    clean_boilerplate: bool = _doc("Remove web boilerplate lines (site chrome) before indexing.", True)
    boilerplate_patterns: list[str] | None = _doc(
        "Regular expressions matched against whole lines to remove as site chrome; "
        "null means the built-in list (see docs/config.md).", None)
    repair_mojibake: bool = _doc("Repair UTF-8 text that was mis-decoded as GBK upstream, when safe.", True)
    max_file_mb: float = _doc(
        "Files larger than this many MB are reported and skipped (indexing one file takes about 60 bytes of "
        "memory per byte of text, so 50 MB needs about 3 GB). The same limit applies to what a file unpacks to "
        "(all parts of a .docx inflated) and to the text a reader returns.", 50.0)
    max_pdf_pages: int = _doc(
        "PDFs with more pages than this are reported and skipped (each page costs parsing time even when "
        "empty, and a few KB can declare millions).", 5000)


@dataclass
class SearchSettings:
    page_size: int = _doc("Results per page when the request does not say.", 10)
    max_page_size: int = _doc("Largest page size a request may ask for.", 100)
    snippets: int = _doc("Highlighted fragments per hit.", 3)
    snippet_chars: int = _doc("Approximate length of one fragment, in characters.", 100)
    title_boost: float = _doc("Weight of a match in the title relative to the body (BM25F).", 3.0)
    synonyms: str | None = _doc(
        "YAML file of synonyms applied to unquoted text at query time (equivalent sets and one-way "
        "expansions, see docs/config.md); null means the built-in file (education terms, mainland ⇄ "
        "Taiwan/Hong Kong); an empty string turns synonyms off.", None)
    synonym_weight: float = _doc(
        "Weight of a match through a synonym relative to the user's own word (0–1).", 0.7)
    part_weight: float = _doc(
        "Weight of a match through the parts of a dictionary word (校园安全 → 校园 + 安全) relative to "
        "the whole word (0–1).", 0.5)
    partial_below: int = _doc(
        "When a plain query of several words has fewer full matches than this, documents holding most of "
        "its words are listed too, below comparable full matches (the response says how many); 0 turns "
        "this off. Quoted phrases are never widened. (The sphinx backend lists full matches only.)", 1000)
    max_query_chars: int = _doc("Longer queries are cut to this many characters (and the response says so).", 500)
    facet_limit: int = _doc("Most values returned per facet.", 50)
    cache_size: int = _doc(
        "Responses kept per server process for repeated requests (the widget asks as you type; colleagues "
        "search the same topics). Emptied whenever the index changes; 0 turns the cache off.", 1024)


@dataclass
class ServerSettings:
    host: str = _doc("Address `searchapp serve` listens on.", "127.0.0.1")
    port: int = _doc("Port `searchapp serve` listens on.", 8080)
    threads: int = _doc("Worker threads per server process (waitress).", 8)
    processes: int = _doc(
        "Server processes sharing the port (Linux/macOS; one core each); 0 means one per CPU core. "
        "Windows always uses one.", 0)
    connection_limit: int = _doc(
        "Open connections per server process. Past it a new connection gets an immediate 503 with Retry-After "
        "(instead of waiting unanswered); keep processes × this under the open-files limit (`ulimit -n`).", 500)
    request_timeout: float = _doc(
        "Seconds a client may take to send a whole request (line, headers, body) from its first byte; slower "
        "ones get 408 and are disconnected (one header byte every few seconds holds a connection otherwise).",
        20.0)
    idle_timeout: float = _doc("Seconds an idle keep-alive connection is kept open (whole seconds).", 60.0)
    trusted_proxy: str | None = _doc(
        "Address of your reverse proxy (e.g. 127.0.0.1). Only requests from it may set X-Forwarded-Proto/-For/"
        "-Host/-Port (so a request that came over TLS to the proxy gets a Secure token cookie); null trusts no "
        "one and removes those headers.", None)
    cors_origins: list[str] = _doc(
        "Origins (scheme://host:port) allowed to call the API and embed the widget; empty allows none.",
        factory=list)
    access_token: str | None = _doc(
        "When set, every request must carry it (header `X-Searchapp-Token` or cookie/`token` parameter).", None)
    trusted_user_header: str | None = _doc(
        "When set, requests without this header (set by your reverse proxy after login) are refused.", None)


@dataclass
class ClusterSettings:
    """Where the ``sphinx`` backend's cluster is (see docs/operations.md, "Scaling out")."""

    search: str = _doc(
        "host:port (SphinxQL) of a searchd that holds the cluster's distributed tables; web nodes query "
        "only this one (run one beside each web node, it keeps no data).", "127.0.0.1:9306")
    shards: list[list[str]] = _doc(
        "One list per shard, each listing the shard's mirrors as host:sql_port:api_port (Sphinx 2.2 serves "
        "SphinxQL and the agent protocol on two ports; for Manticore give host:port). `searchapp index` "
        "writes every document to every mirror of its shard.", factory=list)
    table: str = _doc("Name prefix of the cluster's tables (several indexes can share one cluster).", "searchapp")
    ha_strategy: str = _doc(
        "How the distributed table picks a shard's mirror: nodeads (the default; avoids dead mirrors at "
        "once) or noerrors. roundrobin/random keep asking dead mirrors and silently lose results.", "nodeads")
    agent_connect_timeout_ms: int = _doc("How long the distributed table waits to connect to a mirror.", 300)
    agent_query_timeout_ms: int = _doc("How long the distributed table waits for a shard's answer.", 10000)
    retries: int = _doc(
        "Times a web node repeats a search that a shard did not answer completely (a mirror that died "
        "mid-query) before it answers with an error instead of fewer hits.", 3)
    timeout_s: float = _doc("Network timeout of one SphinxQL request, in seconds.", 30.0)


@dataclass
class Settings:
    index_dir: str = _doc("Folder of the search index.", "index")
    backend: str = _doc(
        "Search engine: local (the index folder index_dir) or sphinx (a Sphinx/Manticore cluster, "
        "see cluster).", "local")
    cluster: ClusterSettings = _doc("The sphinx backend's cluster.", factory=ClusterSettings)
    analysis: AnalysisSettings = _doc("Chinese analysis.", factory=AnalysisSettings)
    indexing: IndexingSettings = _doc("Reading and preparing files.", factory=IndexingSettings)
    search: SearchSettings = _doc("Query layer.", factory=SearchSettings)
    server: ServerSettings = _doc("Web server, API and widget.", factory=ServerSettings)
    themes: dict[str, dict[str, float]] | None = _doc(
        "Theme taxonomy: theme → {keyword or phrase: weight}. null means the built-in education "
        "taxonomy (see docs/config.md).", None)
    #: Folder that relative paths are resolved against (the config file's folder).
    base_dir: str = field(default=".", metadata={"internal": True})

    def path(self, value: str) -> Path:
        """Resolve a path setting relative to the config file's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else (Path(self.base_dir) / p).resolve()

    @property
    def index_path(self) -> Path:
        return self.path(self.index_dir)

    def source_paths(self) -> list[Path]:
        return [self.path(s) for s in self.indexing.sources] or [SAMPLES_DIR]


def _check(value: Any, tp: Any, key: str) -> Any:
    """Validate ``value`` against the annotation ``tp``; return it (converted where lossless)."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _check(value, inner[0], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}' must be a mapping, got {type(value).__name__}")
        return _build(tp, value, key + ".")
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a list, got {type(value).__name__}")
        (item,) = typing.get_args(tp)
        return [_check(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}' must be a mapping, got {type(value).__name__}")
        kt, vt = typing.get_args(tp)
        return {_check(k, kt, key): _check(v, vt, f"{key}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{key}' must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}' must be an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"config key '{key}' must be a string, got {value!r}")
        return str(value)
    raise ConfigError(f"config key '{key}': unsupported type {tp}")  # pragma: no cover


def _build(cls: type, data: dict[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"unknown config key '{prefix}{key}' (known keys here: {', '.join(sorted(known))})")
        kwargs[key] = _check(value, hints[key], prefix + key)
    return cls(**kwargs)


def settings_from_dict(data: dict[str, Any] | None, base_dir: str | Path = ".") -> Settings:
    """Build validated settings from a mapping (as read from YAML) over the defaults."""
    settings = _build(Settings, data or {})
    settings.base_dir = str(Path(base_dir).resolve())
    _validate_semantics(settings)
    return settings


def _validate_semantics(s: Settings) -> None:
    if s.search.page_size < 1 or s.search.max_page_size < s.search.page_size:
        raise ConfigError("config key 'search.page_size' must be ≥ 1 and ≤ search.max_page_size")
    if s.search.cache_size < 0:
        raise ConfigError("config key 'search.cache_size' must be ≥ 0")
    if s.search.snippets < 0 or s.search.snippet_chars < 20:
        raise ConfigError("config key 'search.snippet_chars' must be ≥ 20 and 'search.snippets' ≥ 0")
    if s.search.partial_below < 0:
        raise ConfigError("config key 'search.partial_below' must be ≥ 0")
    if not (0 <= s.search.synonym_weight <= 1 and 0 <= s.search.part_weight <= 1):
        raise ConfigError("config keys 'search.synonym_weight' and 'search.part_weight' must be between 0 and 1")
    if s.search.synonyms:
        from searchapp.query.synonyms import SynonymFileError, load_synonyms

        s.search.synonyms = str(s.path(s.search.synonyms))
        try:
            load_synonyms(s.search.synonyms)
        except SynonymFileError as exc:
            raise ConfigError(f"config key 'search.synonyms': {exc}") from None
    if not 0 < s.server.port < 65536:
        raise ConfigError(f"config key 'server.port' must be a TCP port, got {s.server.port}")
    if s.server.processes < 0 or s.server.threads < 1:
        raise ConfigError("config key 'server.processes' must be ≥ 0 and 'server.threads' ≥ 1")
    if s.server.connection_limit < 1 or s.server.request_timeout <= 0 or s.server.idle_timeout <= 0:
        raise ConfigError("config keys 'server.connection_limit', 'server.request_timeout' and "
                          "'server.idle_timeout' must be > 0")
    if s.indexing.workers < 0:
        raise ConfigError("config key 'indexing.workers' must be ≥ 0")
    if s.indexing.max_file_mb <= 0 or s.indexing.max_pdf_pages < 1:
        raise ConfigError("config keys 'indexing.max_file_mb' and 'indexing.max_pdf_pages' must be > 0")
    if s.backend not in ("local", "sphinx"):
        raise ConfigError(f"config key 'backend' must be local or sphinx, got {s.backend!r}")
    if s.backend == "sphinx":
        from searchapp.backend.sphinx.topology import Topology

        try:
            Topology.from_settings(s.cluster)
        except ValueError as exc:
            raise ConfigError(f"config key 'cluster': {exc}") from None
    if s.themes is not None:
        from searchapp.extract.themes import validate_taxonomy

        try:
            s.themes = validate_taxonomy(s.themes)
        except ValueError as exc:
            raise ConfigError(f"config key 'themes': {exc}") from None
    if s.indexing.boilerplate_patterns is not None:
        from searchapp.clean import compile_patterns

        try:
            compile_patterns(s.indexing.boilerplate_patterns)
        except ValueError as exc:
            raise ConfigError(f"config key 'indexing.boilerplate_patterns': {exc}") from None


def load_settings(path: str | Path | None = None) -> Settings:
    """Load settings from ``path``, ``$SEARCHAPP_CONFIG``, ``./config.yaml``, or defaults."""
    explicit = path is not None or bool(os.environ.get(ENV_VAR))
    candidate = Path(path) if path is not None else Path(os.environ.get(ENV_VAR) or "config.yaml")
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"config file not found: {candidate}")
        return settings_from_dict({}, base_dir=Path.cwd())
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse {candidate}: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{candidate}: the top level must be a mapping of keys")
    return settings_from_dict(data, base_dir=candidate.resolve().parent)


def describe_settings(cls: type = Settings, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(key, default, help) for every setting, for docs and ``searchapp config``."""
    rows: list[tuple[str, Any, str]] = []
    instance = cls()
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        value = getattr(instance, f.name)
        if dataclasses.is_dataclass(value):
            rows.extend(describe_settings(type(value), prefix + f.name + "."))
        else:
            rows.append((prefix + f.name, value, f.metadata.get("help", "")))
    return rows
