"""The trust dashboard's monthly summary is exact and live: after reports, status changes and
regrades it equals a fresh aggregate of the incidents, the migration fills it, and the dashboard
reads it for whole months with the same figures as aggregating the incidents."""

import importlib
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps as global_apps
from django.utils import timezone

from incidents import selectors, services
from incidents.models import IncidentMonthlySummary, MedicationIncident
from incidents.summary import summary_aggregate, summary_rebuild

pytestmark = pytest.mark.django_db


def _stored() -> dict:
    """Each cell as the readers see it: its shards added up."""
    cells = Counter()
    for c in IncidentMonthlySummary.objects.all():
        cells[c.organisation_id, c.month, c.measure, c.value] += c.count
    return {key: n for key, n in cells.items() if n}


def _assert_live():
    assert _stored() == dict(summary_aggregate())


def test_reports_status_changes_and_regrades_keep_the_summary_exact(make_incident, riverside_mso, hillside,
                                                                    hillside_staff):
    a = make_incident(physical_harm="low", department="Ward 7", error_types=["wrong_dose_overdose", "wrong_time"],
                      medicines=[{"name": "Insulin glargine"}, {"name": "Paracetamol", "route": "oral"}])
    _assert_live()
    b = make_incident(physical_harm="none", never_event="wrong_route", department="ICU")
    make_incident(organisation=hillside, reporter=hillside_staff, physical_harm="severe")
    _assert_live()
    for transition in ("start_review", "await_actions"):
        services.incident_transition(incident=a, actor=riverside_mso, transition=transition)
        _assert_live()
    services.incident_grade(incident=a, actor=riverside_mso, physical_harm="moderate", psychological_harm="low",
                            never_event="")
    _assert_live()
    services.incident_grade(incident=b, actor=riverside_mso, physical_harm="none", psychological_harm="none",
                            never_event="")  # the Never Event taken off
    _assert_live()
    cells = _stored()
    month = timezone.localdate().replace(day=1)
    assert cells[a.organisation_id, month, "physical_harm", "moderate"] == 1
    assert (a.organisation_id, month, "never_event", "") not in cells
    assert cells[a.organisation_id, month, "medicine_high_alert", "Insulin glargine"] == 1
    assert cells[a.organisation_id, month, "status", "awaiting_actions"] == 1
    assert cells[a.organisation_id, month, "reviewed", ""] == 1


def test_a_report_that_rolls_back_leaves_the_summary_as_it_was(make_incident, riverside):
    from django.db import transaction

    make_incident()
    before = _stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_incident(physical_harm="fatal")
        raise RuntimeError("the report's transaction fails")
    assert _stored() == before


def test_the_migration_fills_the_summary_from_the_incidents_already_reported(make_incident, riverside_mso):
    incident = make_incident(physical_harm="moderate")
    services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    make_incident()
    expected = _stored()
    IncidentMonthlySummary.objects.all().delete()

    migration = importlib.import_module("incidents.migrations.0009_incident_monthly_summary")
    migration.fill(global_apps, None)

    assert _stored() == expected == dict(summary_aggregate())


def test_the_dashboard_reads_the_same_figures_from_the_summary_as_from_the_incidents(
        make_incident, riverside, riverside_mso):
    for harm, stage in (("none", "prescribing"), ("moderate", "administering"), ("low", "administering")):
        make_incident(physical_harm=harm, stage=stage)
    old = make_incident(physical_harm="severe", medicines=[{"name": "Methotrexate"}])
    MedicationIncident.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=70))
    summary_rebuild(organisation_ids=[riverside.pk])  # moved by hand, past the services
    first = selectors.dashboard_default_start()

    from_summary = selectors.dashboard_summary(organisation=riverside, date_from=first)
    from_incidents = selectors.dashboard_from_incidents(organisation=riverside, date_from=first)

    def comparable(figures):
        return {k: sorted(map(repr, v)) if isinstance(v, list) else v for k, v in figures.items()}

    assert comparable(from_summary) == comparable(from_incidents)
    assert from_summary["totals"]["total"] == 4 and len(from_summary["per_month"]) == 2
    # The default view reads the summary: no query touches the incidents' own figures.
    assert selectors.dashboard(organisation=riverside, date_from=first)["totals"] == from_incidents["totals"]


def test_a_cell_is_spread_over_shards_and_read_as_their_sum(make_incident, riverside):
    """Reports of one trust and month add to the shard their id picks (so that they seldom wait for each
    other's commit); every reader adds the shards up."""
    from incidents.summary import SUMMARY_SHARDS

    made = [make_incident() for _ in range(2 * SUMMARY_SHARDS)]
    month = timezone.localdate().replace(day=1)
    totals = IncidentMonthlySummary.objects.filter(organisation=riverside, month=month, measure="total")
    assert totals.count() == SUMMARY_SHARDS and {t.count for t in totals} == {2}
    assert {t.shard for t in totals} == {i.pk % SUMMARY_SHARDS for i in made}
    cells = selectors.monthly_summary_cells(organisation=riverside, first=month, last=month, measures=["total"])
    assert cells == {(month, "total", ""): 2 * SUMMARY_SHARDS}
    assert selectors.dashboard_summary(organisation=riverside)["totals"]["total"] == 2 * SUMMARY_SHARDS
    _assert_live()
