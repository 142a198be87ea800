"""LFPSE fixtures: the feature switched on against an address nothing listens on (tests that send
give a transport or the stand-in), and incidents reported through the service."""

import pytest

from incidents import services
from incidents.tests.conftest import report_values
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

BASE = "https://lfpse.example/taxonomy/fhir"


@pytest.fixture
def lfpse_on(settings):
    settings.LFPSE_API_URL = "http://127.0.0.1:9"
    settings.LFPSE_API_KEY = "test-key"
    settings.LFPSE_SUBMIT_ON = "graded"
    settings.LFPSE_TAXONOMY_BASE = BASE
    settings.LFPSE_SWEEP_GRACE_SECONDS = 0
    return settings


@pytest.fixture
def riverside_mso(riverside):
    user = UserFactory(email="mso@riverside.example")
    RoleAssignmentFactory(user=user, organisation=riverside, role=Role.MSO)
    return user


@pytest.fixture
def make_incident(riverside, riverside_staff):
    def make(reporter=None, organisation=None, **overrides):
        incident, _ = services.incident_report(
            reporter=reporter or riverside_staff, organisation=organisation or riverside, **report_values(**overrides)
        )
        return incident

    return make


@pytest.fixture
def grade(riverside_mso):
    def do(incident, **values):
        values = {"physical_harm": incident.physical_harm, "psychological_harm": incident.psychological_harm,
                  "note": "Reviewed.", **values}
        return services.incident_grade(incident=incident, actor=riverside_mso, **values)

    return do
