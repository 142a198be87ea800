"""The demo shows an accepted, a rejected and a held incident, and running it again changes nothing."""

import pytest

from incidents.lfpse import demo
from incidents.lfpse.models import LfpseRecord, LfpseState, LfpseSubmission
from mso_registry import demo as registry_demo

pytestmark = pytest.mark.django_db


def test_the_demo_shows_accepted_rejected_and_held_once(lfpse_standin):
    lfpse_standin.app.unknown_ods = {"R9H"}
    registry_demo.seed(password="demo-test-password")
    assert demo.seed() == 3
    by_story = {r.incident.description: r for r in LfpseRecord.objects.select_related("incident")}
    states = [by_story[values["description"]].state for _, _, _, values in demo.STORIES]
    assert states == [LfpseState.ACCEPTED, LfpseState.REJECTED, LfpseState.HELD]
    assert "ODS code R9H is not in ods-codes-5" in by_story[demo.STORIES[1][3]["description"]].message

    assert demo.seed() == 0
    assert LfpseSubmission.objects.count() == 2
    assert lfpse_standin.app.summary()["requests"] == {"POST": 1, "rejected": 1}


def test_the_demo_makes_nothing_when_lfpse_is_off(settings):
    settings.LFPSE_API_URL = ""
    assert demo.seed() == 0
