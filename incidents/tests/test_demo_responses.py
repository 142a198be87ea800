"""The demo's duty of candour and PSIRF story at Riverside, and that running the demo twice adds nothing."""

import pytest
from django.core.management import call_command

from incidents.models import CandourRecord, LearningResponse, ResponsePlanRule

pytestmark = pytest.mark.django_db


def _state():
    return (ResponsePlanRule.objects.count(), CandourRecord.objects.count(), LearningResponse.objects.count())


def test_riverside_has_each_part_of_the_story_once():
    call_command("seed_demo", incidents=0)
    first = _state()
    call_command("seed_demo", incidents=0)
    assert _state() == first

    records = CandourRecord.objects.filter(organisation__ods_code="R9R", withdrawn_at__isnull=True)
    assert any(r.completed_in_time and r.findings_shared_on for r in records)
    assert any(r.is_overdue for r in records)
    psii = LearningResponse.objects.get(response_type="psii")
    assert psii.is_open and psii.incidents.get().never_event
    aar = LearningResponse.objects.get(response_type="aar")
    assert not aar.is_open and aar.safety_actions.exists()
    thematic = LearningResponse.objects.get(response_type="thematic")
    assert thematic.incidents.count() >= 2
    assert all(i.error_type_rows.filter(error_type="omitted_delayed").exists() for i in thematic.incidents.all())
