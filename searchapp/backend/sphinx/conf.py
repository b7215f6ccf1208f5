"""searchd configuration for the cluster's two kinds of node.

A *data node* holds, for its shard, the real-time tables ``<table>_docs`` and
``<table>_meta``. A *search node* holds no data: a distributed table
``<table>`` whose agents are the shards (each with its mirrors) and
``<table>_gen`` over every node's meta table. Web nodes query only a search node.

These renderings are what the tests run and what docs/operations.md shows; the
Manticore variant for production is documented there.
"""

from __future__ import annotations

from pathlib import Path

from searchapp.backend.sphinx import tokens
from searchapp.backend.sphinx.topology import Node, Topology

#: Attributes of the docs table: (kind, name). Hashes are signed 64-bit
#: (:func:`searchapp.backend.sphinx.rows.h64`); 0 means "no value".
DOC_ATTRS: tuple[tuple[str, str], ...] = (
    ("bigint", "key"), ("uint", "born"), ("uint", "dead"), ("bigint", "grp"), ("bigint", "clustered"),
    ("uint", "year"), ("uint", "length"), ("bigint", "docid_h"), ("bigint", "source_h"),
    ("bigint", "region1_h"), ("bigint", "region2_h"), ("bigint", "region3_h"),
    ("bigint", "province_h"), ("bigint", "city_h"), ("bigint", "district_h"),
    ("bigint", "type_h"), ("bigint", "origin_h"), ("multi_64", "theme_h"), ("uint", "parts"),
    ("string", "docid"), ("string", "region"), ("string", "doctype"), ("string", "origin"),
    ("string", "themes"), ("string", "rec"), ("string", "text"),
)


def docs_table_conf(name: str, path: Path) -> str:
    attrs = "\n".join(f"    rt_attr_{kind} = {attr}" for kind, attr in DOC_ATTRS)
    return f"""index {name}
{{
    type = rt
    path = {path}
    rt_field = body
    rt_field = title
{attrs}
    charset_table = {tokens.CHARSET}
    ngram_len = 1
    ngram_chars = {tokens.CHARSET}
    dict = keywords
    rt_mem_limit = 256M
}}
"""


def meta_table_conf(name: str, path: Path) -> str:
    return f"""index {name}
{{
    type = rt
    path = {path}
    rt_field = note
    rt_attr_uint = gen
    rt_attr_string = info
}}
"""


def parts_table_conf(name: str, path: Path) -> str:
    """Pieces of original texts longer than a string attribute holds (see rows.CHUNK_BYTES)."""
    return f"""index {name}
{{
    type = rt
    path = {path}
    rt_field = note
    rt_attr_bigint = owner
    rt_attr_uint = part
    rt_attr_string = chunk
}}
"""


def _searchd(listen: list[str], data_dir: Path, extra: str = "") -> str:
    lines = "\n".join(f"    listen = {item}" for item in listen)
    return f"""searchd
{{
{lines}
    log = {data_dir}/searchd.log
    query_log = {data_dir}/query.log
    pid_file = {data_dir}/searchd.pid
    binlog_path = {data_dir}
    workers = threads
    watchdog = 0
    max_packet_size = 128M
    collation_server = binary
    read_timeout = 10
    client_timeout = 60
{extra}}}
"""


#: The search node asks a shard's other mirror when one fails (twice, 50 ms apart)
#: and pings agents every 200 ms, so a dead mirror is skipped within a fraction of a second.
SEARCH_NODE_HA = """    agent_retry_count = 2
    agent_retry_delay = 50
    ha_ping_interval = 200
"""


def data_node_conf(topology: Topology, node: Node, data_dir: Path) -> str:
    """searchd.conf of one mirror of one shard (all mirrors hold the same tables)."""
    listen = [f"{node.host}:{node.sql_port}:mysql41"]
    if node.api_port != node.sql_port:
        listen.append(f"{node.host}:{node.api_port}")
    return (docs_table_conf(topology.docs_table, data_dir / "docs")
            + meta_table_conf(topology.meta_table, data_dir / "meta")
            + parts_table_conf(topology.parts_table, data_dir / "parts")
            + _searchd(listen, data_dir))


def search_node_conf(topology: Topology, data_dir: Path, connect_timeout_ms: int = 300,
                     query_timeout_ms: int = 10000) -> str:
    """searchd.conf of a search node: distributed tables only, no data."""
    agents = "\n".join(
        "    agent = " + "|".join(m.agent for m in mirrors) + f":{topology.docs_table}"
        for mirrors in topology.shards)
    parts_agents = "\n".join(
        "    agent = " + "|".join(m.agent for m in mirrors) + f":{topology.parts_table}"
        for mirrors in topology.shards)
    every = "|".join(n.agent for n in topology.nodes)
    common = f"""    ha_strategy = {topology.ha_strategy}
    agent_connect_timeout = {connect_timeout_ms}
    agent_query_timeout = {query_timeout_ms}
"""
    listen = [f"{topology.search.host}:{topology.search.sql_port}:mysql41"]
    return f"""index {topology.search_table}
{{
    type = distributed
{agents}
{common}}}

index {topology.parts_table}
{{
    type = distributed
{parts_agents}
{common}}}

index {topology.search_meta_table}
{{
    type = distributed
    agent = {every}:{topology.meta_table}
{common}}}
""" + _searchd(listen, data_dir, SEARCH_NODE_HA)


__all__ = ["DOC_ATTRS", "data_node_conf", "search_node_conf"]


def main(argv: list[str] | None = None) -> int:
    """``python -m searchapp.backend.sphinx.conf --node HOST:SQL:API --data DIR``
    prints the searchd.conf of that data node of the configured cluster;
    ``--search --data DIR`` the search node's."""
    import argparse

    from searchapp.config import load_settings

    ap = argparse.ArgumentParser(prog="python -m searchapp.backend.sphinx.conf", description=main.__doc__)
    ap.add_argument("--config", default=None, help="config.yaml (default: as searchapp finds it)")
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--node", help="a data node as listed under cluster.shards")
    who.add_argument("--search", action="store_true", help="the search node (cluster.search)")
    ap.add_argument("--data", required=True, help="folder for the node's tables, logs and binlog")
    a = ap.parse_args(argv)
    settings = load_settings(a.config)
    topology = Topology.from_settings(settings.cluster)
    data = Path(a.data).resolve()
    if a.search:
        print(search_node_conf(topology, data, settings.cluster.agent_connect_timeout_ms,
                               settings.cluster.agent_query_timeout_ms), end="")
        return 0
    node = Node.parse(a.node)
    if node not in topology.nodes:
        ap.error(f"{a.node} is not listed under cluster.shards")
    print(data_node_conf(topology, node, data), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
