"""Explain: the score parts of every hit add up to its score, from the library, the CLI
and the API; they appear only when asked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from searchapp.backend.local.ranking import PARTS
from searchapp.model import SearchRequest
from searchapp.query.service import search
from searchapp.web import create_app

from ranking_corpus import build
from searchapp.query.service import open_service


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    return build(tmp_path_factory.mktemp("explain"))


@pytest.fixture(scope="module")
def engine(indexed):
    return open_service(indexed[0])


@pytest.mark.parametrize("q", ["校园安全", "教师交流", "课后服务", "残疾学生 课后服务", '"校园安全" 教育'])
def test_score_parts_add_up_to_the_score(engine, q):
    response = search(engine, SearchRequest(q=q, explain=True, size=20))
    assert response.hits
    for hit in response.hits:
        assert set(hit.explain) == set(PARTS)
        assert sum(hit.explain.values()) == pytest.approx(hit.score, abs=1e-3)


def test_synonym_match_is_explained_as_synonyms(engine):
    response = search(engine, SearchRequest(q="课后服务", explain=True))
    tw = next(h for h in response.hits if h.path.endswith("tw_after_school_care.txt"))
    assert tw.explain["synonyms"] > 0 and tw.explain["body"] == 0


def test_no_explain_unless_asked(engine):
    hit = search(engine, SearchRequest(q="校园安全")).hits[0]
    assert hit.explain is None and "explain" not in hit.to_dict()


def test_cli_explain_prints_the_parts_and_json_carries_them(indexed):
    settings, _ = indexed
    base = [sys.executable, "-m", "searchapp", "search", "--index", str(settings.index_path)]
    text = subprocess.run(base + ["--explain", "校园安全"], capture_output=True, text=True, encoding="utf-8",
                          check=True, timeout=120).stdout
    assert "score" in text and " = " in text and "body" in text
    out = subprocess.run(base + ["--explain", "--json", "校园安全"], capture_output=True, text=True,
                         encoding="utf-8", check=True, timeout=120).stdout
    for hit in json.loads(out)["hits"]:
        assert sum(hit["explain"].values()) == pytest.approx(hit["score"], abs=1e-3)


def test_cli_no_synonyms_leaves_the_taiwan_wording_out(indexed):
    settings, _ = indexed
    base = [sys.executable, "-m", "searchapp", "search", "--index", str(settings.index_path), "--json", "课后服务"]
    with_syn = json.loads(subprocess.run(base, capture_output=True, text=True, encoding="utf-8", check=True,
                                         timeout=120).stdout)
    without = json.loads(subprocess.run(base + ["--no-synonyms"], capture_output=True, text=True, encoding="utf-8",
                                        check=True, timeout=120).stdout)
    assert without["total"] < with_syn["total"]


def test_api_explain_and_synonyms_parameters(indexed, engine):
    client = create_app(indexed[0], engine=engine).test_client()
    data = client.get("/api/search?q=课后服务&explain=1").get_json()
    assert all(sum(h["explain"].values()) == pytest.approx(h["score"], abs=1e-3) for h in data["hits"])
    plain = client.get("/api/search?q=课后服务").get_json()
    assert all("explain" not in h for h in plain["hits"])
    off = client.get("/api/search?q=课后服务&synonyms=0").get_json()
    assert off["total"] < plain["total"]
    bad = client.get("/api/search?q=课后服务&explain=maybe")
    assert bad.status_code == 400 and bad.get_json()["ok"] is False
