"""Incident fixtures: a report made through the service, as a reporter would make it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory


def report_values(**overrides) -> dict:
    values = {
        "anonymous": False,
        "occurred_at": timezone.now() - timedelta(hours=3),
        "department": "Ward 7",
        "stage": "administering",
        "error_types": ["omitted_delayed"],
        "physical_harm": "none",
        "psychological_harm": "none",
        "description": "Morning dose missed.",
        "medicines": [{"name": "Paracetamol", "route": "oral", "dose": "1 g"}],
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_incident(riverside, riverside_staff):
    def make(reporter=None, organisation=None, **overrides):
        incident, code = services.incident_report(
            reporter=reporter or riverside_staff, organisation=organisation or riverside, **report_values(**overrides)
        )
        incident.follow_up_code = code
        return incident

    return make


@pytest.fixture
def riverside_safety_team(riverside):
    user = UserFactory(email="pharmacist@riverside.example")
    RoleAssignmentFactory(user=user, organisation=riverside, role=Role.SAFETY_TEAM)
    return user


@pytest.fixture
def riverside_deputy(riverside):
    user = UserFactory(email="deputy@riverside.example")
    RoleAssignmentFactory(user=user, organisation=riverside, role=Role.DEPUTY_MSO)
    return user


@pytest.fixture
def hillside_staff(hillside):
    user = UserFactory(email="staff@hillside.example")
    RoleAssignmentFactory(user=user, organisation=hillside, role=Role.STAFF)
    return user
