"""Search engines behind the :mod:`~searchapp.backend.base` seams, and the one place
that picks one for a configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from searchapp.backend.base import Backend
    from searchapp.config import Settings


def open_backend(settings: Settings, index_dir: Path | None = None) -> Backend:
    """The configured backend over ``index_dir`` (default: the configured index)."""
    if settings.backend == "sphinx":
        from searchapp.backend.sphinx import SphinxBackend

        return SphinxBackend(settings)
    from searchapp.backend.local import LocalBackend

    return LocalBackend(settings, index_dir)


def open_index_folder(settings: Settings, index_dir: Path | None = None):
    """The write side of the configured backend (for ``searchapp index``; the sphinx
    backend keeps only its write lock in ``index_dir``)."""
    if settings.backend == "sphinx":
        from searchapp.backend.sphinx.writer import SphinxIndexFolder

        return SphinxIndexFolder(settings, Path(index_dir or settings.index_path))
    from searchapp.backend.local.writer import LocalIndexFolder

    return LocalIndexFolder(settings, Path(index_dir or settings.index_path))
