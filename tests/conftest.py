"""Shared fixtures: the five sample reports indexed once into a real on-disk index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchapp.config import Settings, settings_from_dict
from searchapp.engine import SearchIndex
from searchapp.indexer import index_paths

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"


def make_settings(tmp: Path, **overrides) -> Settings:
    data = {"index_dir": str(tmp / "index")}
    data.update(overrides)
    return settings_from_dict(data, base_dir=tmp)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> tuple[Settings, Path]:
    """The seeds copied to a temporary corpus folder and indexed (shared, read-only)."""
    root = tmp_path_factory.mktemp("seeds")
    corpus = root / "docs"
    shutil.copytree(SEEDS, corpus)
    settings = make_settings(root)
    index_paths(settings, [corpus], workers=1)
    return settings, corpus


@pytest.fixture(scope="session")
def engine(seeds_index) -> SearchIndex:
    settings, _ = seeds_index
    return SearchIndex(settings)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A private, writable copy of the seeds for tests that change files."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    return folder


def file_prefix(path: str) -> str:
    """'…/seeds/000_41e6….txt#3' → '000' (the sample report a hit comes from)."""
    return Path(path.split("#")[0]).name[:3]


def ids_by_prefix(engine: SearchIndex) -> dict[str, list[str]]:
    """Document ids of the index, grouped by the sample report they come from."""
    out: dict[str, list[str]] = {}
    for info in engine.snapshot().docs.values():
        out.setdefault(file_prefix(info.path), []).append(info.id)
    return out
