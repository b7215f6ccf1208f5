"""The cluster's shape, read from the ``cluster:`` settings: the search endpoint web
nodes query, and per shard its mirrors (each a searchd holding the shard's tables)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from searchapp.config import ClusterSettings

HA_STRATEGIES = ("nodeads", "noerrors", "random", "roundrobin")


@dataclass(frozen=True)
class Node:
    """One searchd: SphinxQL on ``sql_port``, the agent protocol on ``api_port``
    (the same port for Manticore, two for Sphinx 2.2)."""

    host: str
    sql_port: int
    api_port: int

    @classmethod
    def parse(cls, text: str) -> "Node":
        parts = str(text).strip().split(":")
        if len(parts) not in (2, 3) or not parts[0] or not all(p.isdigit() for p in parts[1:]):
            raise ValueError(f"a node is host:sql_port or host:sql_port:api_port, got {text!r}")
        ports = [int(p) for p in parts[1:]]
        if not all(0 < p < 65536 for p in ports):
            raise ValueError(f"{text!r}: ports must be between 1 and 65535")
        return cls(parts[0], ports[0], ports[-1])

    @property
    def sql(self) -> str:
        return f"{self.host}:{self.sql_port}"

    @property
    def agent(self) -> str:
        return f"{self.host}:{self.api_port}"


@dataclass(frozen=True)
class Topology:
    search: Node
    shards: tuple[tuple[Node, ...], ...]
    table: str
    ha_strategy: str

    @classmethod
    def from_settings(cls, cs: ClusterSettings) -> "Topology":
        if not cs.shards or not all(cs.shards):
            raise ValueError("shards must list at least one shard, each with at least one mirror")
        if cs.ha_strategy not in HA_STRATEGIES:
            raise ValueError(f"ha_strategy must be one of {', '.join(HA_STRATEGIES)}, got {cs.ha_strategy!r}")
        if not cs.table.isidentifier():
            raise ValueError(f"table must be a plain name (letters, digits, _), got {cs.table!r}")
        shards = tuple(tuple(Node.parse(m) for m in mirrors) for mirrors in cs.shards)
        nodes = [n for mirrors in shards for n in mirrors]
        if len(set(nodes)) != len(nodes):
            raise ValueError("a node is listed twice (each mirror is its own searchd)")
        return cls(Node.parse(cs.search), shards, cs.table, cs.ha_strategy)

    @property
    def nodes(self) -> list[Node]:
        return [n for mirrors in self.shards for n in mirrors]

    @property
    def docs_table(self) -> str:
        """The real-time table on every data node."""
        return f"{self.table}_docs"

    @property
    def meta_table(self) -> str:
        """The real-time table holding the published generation, on every data node."""
        return f"{self.table}_meta"

    @property
    def parts_table(self) -> str:
        """Pieces of long original texts: real-time on data nodes, distributed (same
        name) on the search node."""
        return f"{self.table}_parts"

    @property
    def search_table(self) -> str:
        """The distributed table over the shards, on the search node."""
        return self.table

    @property
    def search_meta_table(self) -> str:
        return f"{self.table}_gen"

    def shard_of(self, group_key: int) -> int:
        """The shard that stores a document: by its group key (its own key, or its
        near-duplicate cluster's key), so a cluster's copies live on one shard and
        folding them, and counting folded results, is exact per shard."""
        return zlib.crc32(group_key.to_bytes(8, "little")) % len(self.shards)


__all__ = ["Node", "Topology", "HA_STRATEGIES"]
