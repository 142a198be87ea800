"""The API's lists read the same number of queries with a few rows as with more than a page of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import Scope
from tests.factories import OrganisationFactory

from .conftest import report_body

pytestmark = pytest.mark.django_db


def _queries(api, url, **params) -> int:
    api.get(url, params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


def test_the_incident_list_does_not_query_per_row(make_client, settings):
    settings.API_RATE_LIMIT = "10000/minute"
    _, api = make_client(scopes=[Scope.INCIDENTS_READ, Scope.INCIDENTS_WRITE])
    for _ in range(2):
        api.post("/api/v1/incidents/", report_body(), format="json")
    few = _queries(api, "/api/v1/incidents/", page_size=5)
    for _ in range(7):
        api.post("/api/v1/incidents/", report_body(), format="json")
    assert _queries(api, "/api/v1/incidents/", page_size=5) == few


def test_the_directory_does_not_query_per_row(registry_admin, settings):
    from api.services import api_client_create

    from .conftest import caller

    settings.API_RATE_LIMIT = "10000/minute"
    _, token = api_client_create(actor=registry_admin, organisation=None, name="Directory", scopes=[Scope.DIRECTORY_READ])
    api = caller(token)
    OrganisationFactory.create_batch(2)
    few = _queries(api, "/api/v1/directory/", page_size=5)
    OrganisationFactory.create_batch(8)
    assert _queries(api, "/api/v1/directory/", page_size=5) == few
