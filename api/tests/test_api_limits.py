"""Rate limits, errors as problem details, the schema itself, and the other endpoints' contents."""

import pytest
from django.core.cache import cache
from drf_spectacular.validation import validate_schema

from api.models import Scope
from mso_registry.models import Role
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

from .conftest import caller, report_body

pytestmark = pytest.mark.django_db


def test_the_schema_validates_and_lists_every_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert set(schema["paths"]) == {
        "/api/v1/incidents/", "/api/v1/incidents/{reference}/", "/api/v1/directory/", "/api/v1/systems/",
        "/api/v1/systems/{id}/hazard-log/", "/api/v1/systems/{id}/hazard-log/versions/{number}/",
        "/api/v1/stats/monthly/",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "404", "429"} <= set(operation["responses"]), (path, method)


def test_schema_and_docs_are_served_without_a_token(client):
    assert client.get("/api/v1/schema/?format=json").json()["info"]["title"] == "MedSafety Hub API"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    assert "script-src 'self'" in docs["Content-Security-Policy"] and "unsafe-inline" not in docs["Content-Security-Policy"]


def test_over_the_rate_limit_is_429_with_retry_after(make_client, settings):
    settings.API_RATE_LIMIT = "3/minute"
    cache.clear()
    client, api = make_client(scopes=[Scope.INCIDENTS_READ])
    _, other = make_client(scopes=[Scope.INCIDENTS_READ], name="Another")
    answers = [api.get("/api/v1/incidents/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.get("/api/v1/incidents/")
    assert refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "try again in" in refused.json()["detail"]
    assert other.get("/api/v1/incidents/").status_code == 200  # each client has its own count


def test_an_unknown_parameter_or_path_is_refused_as_problem_details(make_client):
    _, api = make_client()
    typo = api.get("/api/v1/incidents/", {"physcal_harm": "low"})
    assert typo.status_code == 400 and typo.json()["errors"][0]["pointer"] == "#/physcal_harm"
    for path in ("/api/v1/systems/abc/hazard-log/", "/api/v1/nothing/"):
        answer = api.get(path)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert caller(None).get("/api/v1/nothing/").status_code == 401


def test_a_revoked_client_is_refused_at_once(make_client, riverside_admin):
    from api.services import api_client_revoke

    client, api = make_client()
    assert api.get("/api/v1/incidents/").status_code == 200
    api_client_revoke(actor=riverside_admin, client=client)
    refused = api.get("/api/v1/incidents/")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_the_directory_shows_the_national_list_and_no_more(registry_admin, riverside):
    from api.services import api_client_create

    mso = UserFactory(email="new.mso@riverside.example", full_name="Dr New MSO")
    RoleAssignmentFactory(user=mso, organisation=riverside, role=Role.MSO)
    riverside.listed_mailbox = "mso.team@riverside.example"
    riverside.save()
    vacant = OrganisationFactory(name="Lakeside Pharmacy", ods_code="FLK01")
    _, token = api_client_create(actor=registry_admin, organisation=None, name="NHS Directory", scopes=[Scope.DIRECTORY_READ])
    api = caller(token)
    rows = {row["ods_code"]: row for row in api.get("/api/v1/directory/").json()["results"]}
    assert rows["R9R"]["mso"] == ""  # the registry has not accepted the new MSO yet: not on the national list
    assert rows["R9R"]["mailbox"] == "mso.team@riverside.example" and rows["R9R"]["mso_post_vacant"] is False
    assert rows[vacant.ods_code]["mso_post_vacant"] is True
    assert "new.mso@riverside.example" not in str(rows)
    only_vacant = api.get("/api/v1/directory/", {"vacant": "true"}).json()["results"]
    assert [r["ods_code"] for r in only_vacant] == [vacant.ods_code]
    # A checkbox on the page reads any value as "yes"; from a program, anything but true or false is refused.
    for value in ("null", "yes", "1"):
        refused = api.get("/api/v1/directory/", {"stale": value})
        assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")
        assert "true or false" in str(refused.json())
    assert api.get("/api/v1/directory/", {"stale": "FALSE"}).status_code == 200


def test_hazard_logs_and_issued_versions_with_their_hashes(make_client, issued):
    from clinical_safety.selectors import content_hash

    _, api = make_client(scopes=[Scope.CLINICAL_SAFETY_READ])
    systems = api.get("/api/v1/systems/").json()
    assert [s["id"] for s in systems] == [issued.system.pk]
    log = api.get(f"/api/v1/systems/{issued.system.pk}/hazard-log/").json()
    assert log["content_hash"] == content_hash(log["snapshot"]) == issued.content_hash  # unchanged since issued
    assert [v["number"] for v in log["versions"]] == [issued.number]
    version = api.get(f"/api/v1/systems/{issued.system.pk}/hazard-log/versions/{issued.number}/").json()
    assert version["content_hash"] == issued.content_hash == content_hash(version["snapshot"])
    assert api.get(f"/api/v1/systems/{issued.system.pk}/hazard-log/versions/99/").status_code == 404
    assert api.post(f"/api/v1/systems/{issued.system.pk}/hazard-log/", {}).status_code == 405  # read-only


def test_monthly_counts_for_a_date_range(make_client):
    from django.utils import timezone

    _, api = make_client()
    api.post("/api/v1/incidents/", report_body(physical_harm="moderate"), format="json")
    api.post("/api/v1/incidents/", report_body(), format="json")
    today = timezone.localdate()
    stats = api.get("/api/v1/stats/monthly/", {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()}).json()
    assert stats["per_month"] == [{"month": f"{today:%Y-%m}", "total": 2, "moderate_or_worse": 1}]
    assert stats["totals"]["total"] == 2
    assert {"key": "administering", "total": 2} in stats["by_stage"]
    backwards = api.get("/api/v1/stats/monthly/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["pointer"] == "#/date_to"
    assert api.get("/api/v1/stats/monthly/", {"date_from": "9999-12-31"}).status_code == 400


def test_named_filter_values_are_strings_in_the_schema(client):
    # A method filter took its type from the model field: red_flag=yes was declared a boolean, lfpse=held an integer.
    schema = client.get("/api/v1/schema/?format=json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert parameters["red_flag"] == {"type": "string", "enum": ["yes"]}
    assert parameters["lfpse"]["type"] == "string" and "held" in parameters["lfpse"]["enum"]
    assert parameters["high_alert"]["type"] == "string"
