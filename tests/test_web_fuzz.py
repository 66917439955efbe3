"""A fuzz pass over the HTTP API against its OpenAPI schema (Schemathesis): no 5xx, no traceback.

Every operation gets generated valid and invalid requests (wrong types, missing and extra
fields, boundary values, odd strings) sent to a real `vraagbaak serve`; each response must be
what the schema says (status, content type, body), never a server error. A short pass with
fixed inputs runs with the tests; `VRAAGBAAK_FUZZ_EXAMPLES=1000` makes a long one with new random
inputs each time (see bench/README.md).
"""

from __future__ import annotations

import os
import re

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.openapi import from_dict

from bot.settings import AdapterSettings
from bot.web.app import create_app
from tests.conftest import WebServer

EXAMPLES = int(os.environ.get("VRAAGBAAK_FUZZ_EXAMPLES", "25"))  # per operation and phase
LONG_RUN = "VRAAGBAAK_FUZZ_EXAMPLES" in os.environ
#: Every other check runs. These two ask that the schema alone decide what is accepted, and it
#: does not: FastAPI's models coerce `false` to 0 and "3" to 3, as they do in query strings, and
#: a question without a word in it ("\x07", "\u009f") is refused (422) by the question's rules.
LENIENT = [checks.negative_data_rejection, checks.positive_data_acceptance]


#: The schema the service serves at /openapi.json (built without starting it: Schemathesis's
#: loader from a pytest fixture does not work with pytest 9.2).
OPENAPI = create_app(AdapterSettings(_env_file=None), load_engine=lambda: None).openapi()  # type: ignore[arg-type,return-value]
schema = from_dict(OPENAPI)


@pytest.fixture(scope="module", autouse=True)
def log_before(web_server: WebServer) -> int:
    return len(web_server.log())


def test_the_service_serves_this_schema(web: httpx.Client) -> None:
    assert web.get("/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG_RUN,  # the suite sends the same requests on every run
    database=None,  # no examples kept between runs
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_request_as_its_schema_says(
    case: schemathesis.Case, web_server: WebServer
) -> None:
    response = case.call_and_validate(base_url=web_server.base_url, excluded_checks=LENIENT)
    assert response.status_code < 500
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_the_server_logged_no_error(web_server: WebServer, log_before: int) -> None:
    log = web_server.log()[log_before:]
    # a line that opens with them: a fuzzed query in an access line may say "ERROR" too
    assert not re.search(r"^(?:Traceback|ERROR)", log, re.MULTILINE), log
    assert web_server.process.poll() is None
