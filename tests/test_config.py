"""config.yaml: defaults in one place, strict validation, paths relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.config import describe_settings, load_settings, settings_from_dict
from searchapp.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHAPP_CONFIG", raising=False)
    s = load_settings()
    assert s.search.page_size == 10
    assert s.index_path == (tmp_path / "index").resolve()


def test_shipped_config_yaml_loads_and_matches_the_defaults():
    s = load_settings(ROOT / "config.yaml")
    d = settings_from_dict({})
    assert s.search == d.search and s.server == d.server and s.indexing == d.indexing
    assert sorted(s.analysis.user_words) == sorted(d.analysis.user_words)
    assert s.index_path == ROOT / "index"


def test_unknown_key_is_an_error_naming_it(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("search:\n  pagesize: 20\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown config key 'search.pagesize'"):
        load_settings(cfg)


def test_wrong_type_is_an_error_naming_the_key(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("search:\n  page_size: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'search.page_size' must be an integer"):
        load_settings(cfg)
    cfg.write_text("server:\n  cors_origins: http://x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'server.cors_origins' must be a list"):
        load_settings(cfg)


def test_paths_are_relative_to_the_config_file(tmp_path):
    sub = tmp_path / "conf"
    sub.mkdir()
    cfg = sub / "c.yaml"
    cfg.write_text("index_dir: ../data/ix\nindexing:\n  sources: [reports]\n", encoding="utf-8")
    s = load_settings(cfg)
    assert s.index_path == (tmp_path / "data" / "ix").resolve()
    assert s.source_paths() == [(sub / "reports").resolve()]


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    cfg = tmp_path / "other.yaml"
    cfg.write_text("search:\n  page_size: 7\n", encoding="utf-8")
    monkeypatch.setenv("SEARCHAPP_CONFIG", str(cfg))
    assert load_settings().search.page_size == 7
    monkeypatch.setenv("SEARCHAPP_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="not found"):
        load_settings()


def test_every_setting_is_documented_in_docs_and_config_yaml():
    docs = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    shipped = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for key, _default, help_text in describe_settings():
        assert help_text, key
        assert f"`{key}`" in docs, f"{key} missing from docs/config.md"
        assert key.split(".")[-1] + ":" in shipped, f"{key} missing from config.yaml"
