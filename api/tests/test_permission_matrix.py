"""Every API endpoint × every scope × the kind of client (an organisation's, national, revoked, none) ×
own or another organisation's record: the answer each must get. A new endpoint fails
test_every_api_endpoint_is_in_the_matrix until it is added here."""

import pytest

from api.models import Scope
from api.services import api_client_create, api_client_revoke
from incidents.models import MedicationIncident

from .conftest import caller, report_body

pytestmark = pytest.mark.django_db

# endpoint name: (method, the scope it needs, whether it names an organisation's record)
ENDPOINTS = {
    "incident_list": ("GET", Scope.INCIDENTS_READ, False),
    "incident_create": ("POST", Scope.INCIDENTS_WRITE, False),
    "incident_detail": ("GET", Scope.INCIDENTS_READ, True),
    "directory": ("GET", Scope.DIRECTORY_READ, False),
    "system_list": ("GET", Scope.CLINICAL_SAFETY_READ, False),
    "hazard_log": ("GET", Scope.CLINICAL_SAFETY_READ, True),
    "hazard_log_version": ("GET", Scope.CLINICAL_SAFETY_READ, True),
    "monthly_stats": ("GET", Scope.STATS_READ, False),
}
OPEN = {"schema", "docs"}  # anyone may read the schema and its documentation
NOT_FOUND = {"not_found"}  # any other path under v1/: 401 without a token, else 404 (test_api_limits.py)
PAGES = {"client_list", "client_revoke"}  # session pages, in tests/security/permission_table.py


def test_every_api_endpoint_is_in_the_matrix():
    from tests.security.test_permission_matrix import url_patterns

    api_names = {name.split(":", 1)[1] for _, name, _ in url_patterns() if name.startswith("api:")}
    covered = {n for n in ENDPOINTS if n != "incident_create"} | {"incident_list"} | OPEN | PAGES | NOT_FOUND
    assert api_names == covered


@pytest.fixture
def records(riverside, hillside, hillside_admin, issued, hillside_cso, make_client):
    """A record of each kind in Riverside and in Hillside."""
    from clinical_safety import services as cs
    from clinical_safety.tests.conftest import hazard_details

    from .conftest import ALL_SCOPES

    _, riverside_api = make_client(name="Setup")
    _, hillside_api = make_client(organisation=hillside, actor=hillside_admin, name="Setup")
    own = riverside_api.post("/api/v1/incidents/", report_body(), format="json").json()["reference"]
    other = hillside_api.post("/api/v1/incidents/", report_body(), format="json").json()["reference"]
    hillside_system = cs.system_create(actor=hillside_cso, organisation=hillside, details={
        "name": "Hillside EPR", "manufacturer": "M", "version": "1", "standard": "dcb0160",
        "intended_use": "x", "clinical_scope": "y", "cso": hillside_cso})
    cs.hazard_create(actor=hillside_cso, system=hillside_system, details=hazard_details())
    hillside_version = cs.hazard_log_issue(actor=hillside_cso, system=hillside_system, note="First")
    assert ALL_SCOPES
    return {
        "own": {"incident_detail": own, "hazard_log": issued.system.pk, "hazard_log_version": (issued.system.pk, issued.number)},
        "other": {"incident_detail": other, "hazard_log": hillside_system.pk,
                  "hazard_log_version": (hillside_system.pk, hillside_version.number)},
    }


def _url(name, which, records) -> str:
    value = records[which].get(name)
    if name == "hazard_log_version":
        return f"/api/v1/systems/{value[0]}/hazard-log/versions/{value[1]}/"
    return {
        "incident_list": "/api/v1/incidents/", "incident_create": "/api/v1/incidents/",
        "incident_detail": f"/api/v1/incidents/{value}/", "directory": "/api/v1/directory/",
        "system_list": "/api/v1/systems/", "hazard_log": f"/api/v1/systems/{value}/hazard-log/",
        "monthly_stats": "/api/v1/stats/monthly/",
    }[name]


def _ask(api, method, url):
    if method == "POST":
        return api.post(url, report_body(), format="json")
    return api.get(url)


def test_each_client_gets_the_expected_answer_from_every_endpoint(records, riverside, riverside_admin, registry_admin):
    principals = {f"riverside client with {scope}": (api_client_create(
        actor=riverside_admin, organisation=riverside, name=f"Only {scope}", scopes=[scope]), {scope})
        for scope in Scope.values}
    principals["national client"] = (api_client_create(
        actor=registry_admin, organisation=None, name="NHS directory", scopes=[Scope.DIRECTORY_READ]), {Scope.DIRECTORY_READ})
    revoked, revoked_token = api_client_create(actor=riverside_admin, organisation=riverside, name="Old",
                                               scopes=list(Scope.values))
    api_client_revoke(actor=riverside_admin, client=revoked)
    wrong, asked = [], 0
    for name, (method, scope, names_record) in ENDPOINTS.items():
        for which in ("own", "other") if names_record else ("own",):
            url = _url(name, which, records)
            for label, ((client, token), scopes) in principals.items():
                answer = _ask(caller(token), method, url)
                asked += 1
                if scope not in scopes:
                    expected = 403
                elif client.is_national and names_record:
                    expected = 404
                elif which == "other":
                    expected = 404
                else:
                    expected = 201 if method == "POST" else 200
                if answer.status_code != expected:
                    wrong.append(f"{method} {url} as {label}: got {answer.status_code}, must be {expected}")
                elif expected >= 400 and answer["Content-Type"] != "application/problem+json":
                    wrong.append(f"{method} {url} as {label}: {answer.status_code} not as problem details")
            for label, token in (("no token", None), ("revoked client", revoked_token), ("made-up token", "msh_abc_def")):
                answer = _ask(caller(token), method, url)
                asked += 1
                if answer.status_code != 401 or 'Bearer realm="api"' not in answer.get("WWW-Authenticate", ""):
                    wrong.append(f"{method} {url} with {label}: got {answer.status_code}, must be 401 with WWW-Authenticate")
    assert not wrong, "\n".join(wrong)
    assert asked == (len(ENDPOINTS) + 3) * (len(principals) + 3)
    # Reports were made only by clients holding incidents:write: the setup's two and the one allowed here.
    assert MedicationIncident.objects.count() == 3
