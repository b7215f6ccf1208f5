"""Shared fixtures: the five sample reports indexed once into a real on-disk index."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from searchapp.config import Settings, settings_from_dict
from searchapp.query.service import SearchService, open_service
from searchapp.indexing.run import index_paths

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
def engine(seeds_index) -> SearchService:
    settings, _ = seeds_index
    return open_service(settings)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A private, writable copy of the seeds for tests that change files."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    return folder


#: Debian's Chromium, driven by the PyPI playwright package (never `playwright install`).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium for the module's tests (skipped where it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server started by a test; kill it if it does not stop in time."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def file_prefix(path: str) -> str:
    """'…/seeds/000_41e6….txt#3' → '000' (the sample report a hit comes from)."""
    return Path(path.split("#")[0]).name[:3]


def ids_by_prefix(engine: SearchService) -> dict[str, list[str]]:
    """Document ids of the index, grouped by the sample report they come from."""
    out: dict[str, list[str]] = {}
    for info in engine.backend.snapshot().docs.values():
        out.setdefault(file_prefix(info.path), []).append(info.id)
    return out
