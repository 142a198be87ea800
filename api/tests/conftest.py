"""API fixtures: each organisation's local administrator, and clients made through the service."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Scope
from api.services import api_client_create
from clinical_safety.tests.conftest import (  # noqa: F401 - fixtures
    cso,
    epma,
    hazard,
    hillside_cso,
    issued,
)
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

ALL_SCOPES = list(Scope.values)


@pytest.fixture
def riverside_admin(riverside):
    user = UserFactory(email="admin@riverside.example")
    RoleAssignmentFactory(user=user, organisation=riverside, role=Role.LOCAL_ADMIN)
    return user


@pytest.fixture
def hillside_admin(hillside):
    user = UserFactory(email="admin@hillside.example")
    RoleAssignmentFactory(user=user, organisation=hillside, role=Role.LOCAL_ADMIN)
    return user


def caller(token: str | None) -> APIClient:
    api = APIClient()
    if token:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def make_client(riverside, riverside_admin):
    def make(scopes=ALL_SCOPES, organisation=riverside, actor=riverside_admin, name="EPMA feed"):
        client, token = api_client_create(actor=actor, organisation=organisation, name=name, scopes=scopes)
        return client, caller(token)

    return make


def report_body(**overrides) -> dict:
    when = timezone.localtime() - timedelta(hours=2)
    body = {
        "occurred_on": when.date().isoformat(),
        "occurred_time": when.strftime("%H:%M"),
        "department": "Ward 7",
        "stage": "administering",
        "error_types": ["omitted_delayed"],
        "physical_harm": "none",
        "psychological_harm": "none",
        "description": "Evening dose of enoxaparin omitted; noticed at handover.",
        "medicines": [{"name": "Enoxaparin", "route": "subcutaneous", "dose": "40 mg"}],
    }
    body.update(overrides)
    return body
