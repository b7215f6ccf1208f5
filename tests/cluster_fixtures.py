"""Fixtures of the cluster tests: a real Sphinx cluster on loopback (2 shards × 2
mirrors + a search node with the distributed tables), and one corpus indexed into
both backends.

Import the fixtures you use into a test module (``from cluster_fixtures import …``).
Every cluster gets free ports and its own folders under the test's temporary
directory; its processes are stopped by PID when the module ends.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from conftest import SEEDS, make_settings
from searchapp.backend.sphinx.launch import LocalCluster, searchd_binary
from searchapp.config import Settings
from searchapp.indexing.run import index_paths
from searchapp.query.service import SearchService, open_service

CLUSTER_FIXTURES = Path(__file__).parent / "fixtures" / "cluster"

_missing = ("searchd (Debian package sphinxsearch) is not installed" if searchd_binary() is None else
            "PyMySQL (extra `cluster`) is not installed" if importlib.util.find_spec("pymysql") is None else None)
#: Marks tests that need a real cluster; they skip, saying why, where it cannot run.
needs_searchd = pytest.mark.skipif(_missing is not None, reason=f"cluster tests skipped: {_missing}")
BACKENDS = ["local", pytest.param("sphinx", marks=[needs_searchd, pytest.mark.cluster])]


def start_cluster(folder: Path, shards: int = 2, mirrors: int = 2) -> LocalCluster:
    if _missing is not None:
        pytest.skip(f"cluster tests skipped: {_missing}")
    return LocalCluster(folder, shards=shards, mirrors=mirrors).start()


@pytest.fixture(scope="module")
def sphinx_cluster(tmp_path_factory) -> Iterator[LocalCluster]:
    """A running 2 × 2 cluster for the module (stopped by PID at the end)."""
    cluster = start_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster
    finally:
        cluster.stop()


def parity_corpus(root: Path) -> Path:
    """The seed reports plus the cluster fixtures (near-duplicates, Traditional
    characters, phrases broken by punctuation and line breaks, Latin text)."""
    corpus = root / "docs"
    shutil.copytree(SEEDS, corpus / "seeds")
    shutil.copytree(CLUSTER_FIXTURES, corpus / "cluster")
    return corpus


#: Parity compares full matches: the local backend's partial matches for few-hit plain
#: queries (search.partial_below) are a ranking feature the sphinx backend does not have.
STRICT = {"partial_below": 0}


def sphinx_settings(root: Path, cluster: LocalCluster, **overrides) -> Settings:
    search = {**STRICT, **overrides.pop("search", {})}
    return make_settings(root, backend="sphinx", cluster=cluster.settings(), search=search, **overrides)


@pytest.fixture(scope="module")
def parity_services(tmp_path_factory, request) -> Iterator[dict[str, SearchService]]:
    """The parity corpus indexed by each backend: ``{"local": …, "sphinx": …}``
    (sphinx only where searchd runs)."""
    root = tmp_path_factory.mktemp("parity")
    corpus = parity_corpus(root)
    services: dict[str, SearchService] = {}
    local = make_settings(root / "local", search=STRICT)
    index_paths(local, [corpus], workers=1)
    services["local"] = open_service(local)
    cluster = None
    try:
        if _missing is None:
            cluster = start_cluster(root / "cluster")  # stopped below even if indexing fails
            settings = sphinx_settings(root / "sphinx", cluster)
            index_paths(settings, [corpus], workers=1)
            services["sphinx"] = open_service(settings)
        yield services
    finally:
        for service in services.values():
            service.backend.close()
        if cluster is not None:
            cluster.stop()


@pytest.fixture(params=BACKENDS)
def service(request, parity_services) -> SearchService:
    """The same search tests against each backend."""
    return parity_services[request.param]
