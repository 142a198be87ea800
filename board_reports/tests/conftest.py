from datetime import datetime

import pytest
from django.utils import timezone

from incidents.models import MedicationIncident
from incidents.summary import summary_rebuild
from incidents.tests.conftest import make_incident, report_values  # noqa: F401 (fixtures shared with incidents)


@pytest.fixture
def incident_in(make_incident):  # noqa: F811
    """An incident reported on a given day (noon, UK time). Moving it there bypasses the services, so the
    organisation's monthly summary is rebuilt from its incidents, as after a bulk load."""

    def make(day, **overrides):
        incident = make_incident(**overrides)
        when = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
        MedicationIncident.objects.filter(pk=incident.pk).update(submitted_at=when)
        summary_rebuild(organisation_ids=[incident.organisation_id])
        return incident

    return make
