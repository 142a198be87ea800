"""The trust dashboard's open and overdue actions: those of the period's incidents only, counted from the
copy of its incident's report time that each action keeps (incident_submitted_at), which the service sets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import selectors, services
from incidents.models import IncidentAction, MedicationIncident

pytestmark = pytest.mark.django_db


def _action(incident, mso, *, due_in_days: int):
    return services.incident_action_add(incident=incident, actor=mso, description="Share the learning.",
                                        owner=mso, due_date=timezone.localdate() + timedelta(days=due_in_days))


def test_an_action_keeps_its_incidents_report_time(make_incident, riverside_mso):
    incident = make_incident()
    action = _action(incident, riverside_mso, due_in_days=10)
    assert IncidentAction.objects.get(pk=action.pk).incident_submitted_at == incident.submitted_at


def test_the_dashboard_counts_the_open_actions_of_the_periods_incidents(make_incident, riverside, riverside_mso):
    recent, old, other = make_incident(), make_incident(), make_incident()
    # Reported 400 days ago: before the default twelve months (moved before its action is added, as a
    # report time never changes once an action exists).
    MedicationIncident.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=400))
    old.refresh_from_db()
    _action(recent, riverside_mso, due_in_days=-3)  # overdue
    _action(recent, riverside_mso, due_in_days=5)
    _action(old, riverside_mso, due_in_days=-30)
    done = _action(other, riverside_mso, due_in_days=-1)
    services.incident_action_complete(action=done, actor=riverside_mso, note="Shared at the huddle on Monday.")

    default = selectors.dashboard(organisation=riverside, date_from=selectors.dashboard_default_start())
    assert default["actions"] == {"open": 2, "overdue": 1}
    everything = selectors.dashboard(organisation=riverside)
    assert everything["actions"] == {"open": 3, "overdue": 2}
    # A period that ends before the recent report holds only the old one's.
    until_last_year = selectors.dashboard(organisation=riverside, date_to=(timezone.now() - timedelta(days=300)).date())
    assert until_last_year["actions"] == {"open": 1, "overdue": 1}
