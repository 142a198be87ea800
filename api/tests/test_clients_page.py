"""Making and revoking API clients at /api/clients/: the local administrator for the organisation, the
registry administrator for national clients; the token is shown once and only its hash is kept."""

import pytest

from api.models import ApiClient
from api.services import token_hash
from audit.models import AuditEvent

from .conftest import caller

pytestmark = pytest.mark.django_db
PAGE = "/api/clients/"


def test_the_local_administrator_makes_a_client_and_sees_its_token_once(client, riverside, riverside_admin):
    client.force_login(riverside_admin)
    made = client.post(PAGE, {"organisation": riverside.pk, "name": "EPMA feed", "scopes": ["incidents:write", "incidents:read"]})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = made.context["new_token"]
    assert token.startswith("msh_") and token in made.content.decode()
    stored = ApiClient.objects.get()
    assert stored.token_hash == token_hash(token) and token not in str(stored.__dict__)
    assert stored.created_by == riverside_admin and stored.scopes == ["incidents:read", "incidents:write"]
    assert token not in client.get(PAGE).content.decode()  # never shown again
    assert caller(token).get("/api/v1/incidents/").status_code == 200
    assert AuditEvent.objects.filter(action="api_client.created", actor=riverside_admin).count() == 1


def test_a_national_client_may_only_read_the_directory(client, registry_admin):
    client.force_login(registry_admin)
    refused = client.post(PAGE, {"organisation": "national", "name": "NHS Directory", "scopes": ["incidents:read"]})
    assert refused.status_code == 400 and "national MSO list" in refused.content.decode()
    made = client.post(PAGE, {"organisation": "national", "name": "NHS Directory", "scopes": ["directory:read"]})
    assert made.status_code == 200 and ApiClient.objects.get().organisation is None


def test_others_may_not_make_or_revoke_clients(client, make_client, riverside_mso, hillside_admin):
    api_client, api = make_client()
    client.force_login(riverside_mso)
    assert client.get(PAGE).status_code == 403
    client.force_login(hillside_admin)
    assert client.post(f"/api/clients/{api_client.pk}/revoke/").status_code == 404  # another organisation's client
    assert api.get("/api/v1/incidents/").status_code == 200


def test_revoking_stops_the_token_and_is_audited_once(client, make_client, riverside_admin):
    api_client, api = make_client()
    client.force_login(riverside_admin)
    assert client.post(f"/api/clients/{api_client.pk}/revoke/").status_code == 302
    assert client.post(f"/api/clients/{api_client.pk}/revoke/").status_code == 302  # twice: no second change
    assert api.get("/api/v1/incidents/").status_code == 401
    assert AuditEvent.objects.filter(action="api_client.revoked").count() == 1
    assert "Revoked" in client.get(PAGE).content.decode()


def test_a_second_live_client_of_the_same_name_is_refused_with_the_reason(client, riverside, riverside_admin):
    client.force_login(riverside_admin)
    data = {"organisation": riverside.pk, "name": "EPMA feed", "scopes": ["incidents:read"]}
    client.post(PAGE, data)
    again = client.post(PAGE, data)
    assert again.status_code == 400 and "already exists" in again.content.decode()
    assert ApiClient.objects.count() == 1


def test_the_account_menu_links_to_the_clients_page_for_those_who_make_them(client, riverside_admin, riverside_mso):
    client.force_login(riverside_admin)
    assert 'href="/api/clients/"' in client.get("/").content.decode()
    client.force_login(riverside_mso)
    assert 'href="/api/clients/"' not in client.get("/").content.decode()
