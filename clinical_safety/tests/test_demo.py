"""The demo: Riverside's EPMA with about 20 medication hazards, one approved case and one draft."""

import pytest
from django.core.management import call_command

from clinical_safety.models import Hazard, HazardLogVersion, HealthITSystem, SafetyCaseReport, SafetyCaseStatus

pytestmark = pytest.mark.django_db


def _state():
    return {
        "systems": HealthITSystem.objects.count(),
        "hazards": list(Hazard.objects.values_list("system__name", "number", "title", "residual_rating", "updated_at")),
        "versions": list(HazardLogVersion.objects.values_list("number", "content_hash")),
        "cases": list(SafetyCaseReport.objects.values_list("release", "status", "content_hash")),
    }


def test_the_demo_has_the_epma_hazard_log_and_running_it_twice_changes_nothing():
    call_command("seed_demo", incidents=0)
    first = _state()
    call_command("seed_demo", incidents=0)
    assert _state() == first

    system = HealthITSystem.objects.get(name="MedChart EPMA")
    assert system.organisation.ods_code == "R9R" and system.version == "4.2"
    titles = " ".join(system.hazards.values_list("title", flat=True)).lower()
    assert system.hazards.count() == 20
    for topic in ("wrong patient", "micrograms", "allergy", "duplicate", "downtime"):
        assert topic in titles, topic
    statuses = sorted(system.safety_cases.values_list("status", flat=True))
    assert statuses == [SafetyCaseStatus.APPROVED, SafetyCaseStatus.DRAFT]
    # Every hazard the draft rests on can be signed: no residual 4 or 5, every 3 justified.
    draft = system.safety_cases.get(status=SafetyCaseStatus.DRAFT)
    for hazard in draft.hazard_log_version.snapshot["hazards"]:
        assert hazard["residual_rating"] <= 3
        assert hazard["residual_rating"] < 3 or hazard["residual_justification"]
