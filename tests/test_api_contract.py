"""The API keeps the contract its OpenAPI description states: schemathesis generates
requests from ``/api/openapi.json`` (valid and invalid ones) and checks every answer —
no 500, statuses and bodies as documented, invalid input refused, valid input
accepted. Run against the app over a real index, a bounded number of examples per
operation (raise SEARCHAPP_SCHEMATHESIS_EXAMPLES for a longer run)."""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from searchapp.config import Settings  # noqa: E402
from searchapp.web.app import create_app  # noqa: E402
from searchapp.web.openapi import openapi_spec  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SEARCHAPP_SCHEMATHESIS_EXAMPLES", "30"))


#: The description as the app serves it with the default settings (the fixture index
#: uses them too); the app is attached below, once the index exists.
schema = schemathesis.openapi.from_dict(openapi_spec(max_page_size=Settings().search.max_page_size))


@pytest.fixture(scope="module")
def app(seeds_index, engine):
    """The app over the seeds index; it serves exactly the description tested here."""
    settings_, _ = seeds_index
    app = create_app(settings_, engine=engine)
    assert app.test_client().get("/api/openapi.json").get_json() == schema.raw_schema
    return app


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_keeps_its_documented_contract(case, app) -> None:
    case.operation.schema.app = app  # send the requests to the app in process (WSGI)
    case.call_and_validate(app=app)
