"""Clinical safety fixtures: Riverside's EPMA, a CSO fit to sign, and hazards made through the services."""

from datetime import date

import pytest
from django.utils import timezone

from clinical_safety import services
from clinical_safety.models import Standard
from mso_registry.models import ClinicalSafetyTraining, ProfessionalDetails, Role
from tests.factories import RoleAssignmentFactory, UserFactory


def hazard_details(**overrides) -> dict:
    details = {
        "title": "Wrong patient selected from the ward list",
        "description": "A prescriber selects a patient with a similar name.",
        "causes": "Similar names next to each other; small touch targets.",
        "effect": "A medicine is prescribed on the wrong patient's record.",
        "clinical_impact": "The patient receives a medicine not meant for them.",
        "existing_controls": "Patient banner shows name, date of birth and NHS number.",
        "initial_severity": 4,
        "initial_likelihood": 3,
        "residual_severity": 4,
        "residual_likelihood": 1,
        "residual_justification": "",
        "status": "open",
        "owner": None,
        "actions": "",
        "review_date": None,
    }
    details.update(overrides)
    return details


def safety_case_details(version, **overrides) -> dict:
    details = {
        "release": "Version 4.2 go-live",
        "scope": "Adult inpatient wards.",
        "intended_use": "Electronic prescribing and medicines administration.",
        "hazard_log_version": version,
        "outstanding_actions": "",
        "conclusion": "The system is acceptably safe to deploy.",
    }
    details.update(overrides)
    return details


def make_fit_to_sign(user, verified_by=None):
    """Registered with the GPhC and trained, both verified (as the registry administrator would)."""
    details, _ = ProfessionalDetails.objects.update_or_create(
        user=user, defaults={"registration_body": "gphc", "registration_number": "2071234", "job_title": "CSO"}
    )
    details.registration_verified_claim = details.registration_claim
    details.registration_verified_by, details.registration_verified_at = verified_by, timezone.now()
    details.save()
    training = ClinicalSafetyTraining(
        user=user, course="DCB0129/0160 clinical safety training", provider="NHS England", completed_on=date(2025, 1, 15)
    )
    training.verified_claim, training.verified_by, training.verified_at = training.claim, verified_by, timezone.now()
    training.save()
    return user


@pytest.fixture
def cso(riverside_cso):
    """Riverside's CSO, registered with the GPhC and trained."""
    return make_fit_to_sign(riverside_cso)


@pytest.fixture
def epma(riverside, cso):
    return services.system_create(
        actor=cso,
        organisation=riverside,
        details={
            "name": "MedChart EPMA",
            "manufacturer": "Example Health Systems Ltd",
            "version": "4.2",
            "standard": Standard.DCB0160,
            "intended_use": "Electronic prescribing and medicines administration in inpatient wards.",
            "clinical_scope": "Adult inpatients.",
            "cso": cso,
        },
    )


@pytest.fixture
def hazard(epma, cso):
    return services.hazard_create(actor=cso, system=epma, details=hazard_details())


@pytest.fixture
def issued(hazard, epma, cso):
    return services.hazard_log_issue(actor=cso, system=epma, note="First issue")


@pytest.fixture
def draft_case(issued, epma, cso):
    return services.safety_case_draft(actor=cso, system=epma, details=safety_case_details(issued))


@pytest.fixture
def submitted_case(draft_case, cso, riverside_governance):
    return services.safety_case_submit(actor=cso, report=draft_case)


@pytest.fixture
def approved_case(submitted_case, riverside_governance):
    return services.safety_case_approve(actor=riverside_governance, report=submitted_case, comments="Agreed.")


@pytest.fixture
def hillside_cso(hillside):
    user = UserFactory(email="cso@hillside.example")
    RoleAssignmentFactory(user=user, organisation=hillside, role=Role.CSO)
    return make_fit_to_sign(user)
