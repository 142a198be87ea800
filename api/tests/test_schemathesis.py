"""Schemathesis generates requests for every operation in the OpenAPI schema, ones that fit it and
ones that do not, and checks every answer: no server error, and status code, content type, headers
and body as the schema says. API_FUZZ_EXAMPLES per operation and mode (`make test`: 25;
`make fuzz-api`: 500).

One check is left out: "a request that fits the schema is accepted". The schema says a filter's ICB is
an integer and a report's date a date; the FilterSet and the report form then refuse an ICB that does
not exist or a date in the future with a 400 and the reason, as the pages do. Every other check runs.

Schemathesis's pytest plugin (`from_fixture`/`parametrize`) does not run under pytest 9, so each
operation's Hypothesis strategy is driven here directly; the checks are Schemathesis's own."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import Scope
from api.services import api_client_create

from .conftest import caller, report_body

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
SENT: dict = {}  # requests sent per operation, printed by the test


@pytest.fixture
def api_schema(token):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    # As Django's test client does: the raw WSGI app must not close the test's connection (and its
    # transaction). After the token's set-up, whose test client connects the signal again when done.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(settings, riverside, riverside_admin, issued):
    # Generated requests are many: the rate limit has its own test (test_api_limits.py).
    settings.API_RATE_LIMIT = "1000000/minute"
    _, token = api_client_create(actor=riverside_admin, organisation=riverside, name="Fuzzer", scopes=list(Scope.values))
    assert caller(token).post("/api/v1/incidents/", report_body(), format="json").status_code == 201
    return token


def _fuzz(operation, mode, token) -> int:
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance])

    run()
    return sent


def test_every_operation_answers_as_its_schema_says(api_schema, token, capsys):
    failures, total, operations = [], 0, 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                total += _fuzz(operation, mode, token)
            except Exception as error:  # noqa: BLE001 - every operation is tried; all failures are reported
                failures.append(f"{operation.label} ({mode}): {error}")
    with capsys.disabled():
        print(f"\nSchemathesis: {total} requests over {operations} operations, {len(failures)} failing")
    assert operations == 8
    assert not failures, "\n\n".join(failures)

