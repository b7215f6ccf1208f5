"""The architecture as rules the code must keep (docs/architecture.md):

* the read side (``query/``, ``web/``) never imports the write side (``indexing/``,
  the pipeline, readers, extractors) nor a backend implementation;
* ``cli.py`` reaches backends only through the ``searchapp.backend`` factory;
* a backend implementation never imports the indexing run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchapp"
WRITE_SIDE = ("searchapp.indexing", "searchapp.pipeline", "searchapp.readers", "searchapp.extract",
              "searchapp.clean", "searchapp.split", "searchapp.mojibake", "searchapp.encoding", "searchapp.dedup",
              "searchapp.sidecar")
BACKENDS = ("searchapp.backend.local", "searchapp.backend.sphinx")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{f.relative_to(PACKAGE.parent)} imports {name}" for f in files for name in sorted(imports_of(f))
            if any(name == p or name.startswith(p + ".") for p in forbidden)]


def files_under(*parts: str) -> list[Path]:
    return sorted((PACKAGE.joinpath(*parts)).rglob("*.py"))


@pytest.mark.parametrize("area", ["query", "web"])
def test_the_read_side_never_imports_the_write_side_or_a_backend(area):
    assert offenders(files_under(area), WRITE_SIDE + BACKENDS) == []


def test_the_cli_reaches_backends_only_through_the_factory():
    assert offenders([PACKAGE / "cli.py"], BACKENDS) == []


def test_backends_never_import_the_indexing_run():
    assert offenders(files_under("backend"), ("searchapp.indexing", "searchapp.pipeline", "searchapp.cli",
                                              "searchapp.web")) == []


def test_importing_the_query_layer_loads_no_indexing_code():
    code = ("import sys, searchapp.query.service, searchapp.web; "
            "print(' '.join(m for m in sys.modules if m.startswith(('searchapp.indexing', 'searchapp.pipeline', "
            "'searchapp.readers', 'searchapp.extract'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_rules_see_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from searchapp.indexing.run import index_paths\n", encoding="utf-8")
    assert "searchapp.indexing.run" in imports_of(sample)
