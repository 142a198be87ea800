"""Incident references: MI-YYYY-NNNNNN, unique across organisations, and on PostgreSQL taken from
a sequence per year, so that a report never waits for another organisation's report to commit."""

import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from conftest import skip_or_fail
from incidents import services
from incidents.models import MedicationIncident, ReferenceCounter
from incidents.references import reference_numbers_take
from incidents.tests.conftest import report_values


@pytest.mark.django_db
def test_references_are_unique_across_organisations_in_the_national_format(make_incident, riverside, hillside,
                                                                           hillside_staff):
    made = [make_incident(), make_incident(organisation=hillside, reporter=hillside_staff), make_incident()]

    references = [i.reference for i in made]
    assert len(set(references)) == 3
    year = timezone.localdate().year
    assert all(re.fullmatch(rf"MI-{year}-\d{{6}}", r) for r in references)
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert numbers == sorted(numbers)  # one series for the country, in the order reported


@pytest.mark.django_db
def test_a_years_numbers_start_after_any_number_already_given(make_incident, riverside):
    """Data loaded in bulk or made before keeps its references; a new year's series starts after them."""
    incident = make_incident()
    MedicationIncident.objects.filter(pk=incident.pk).update(reference="MI-2033-000700")

    assert reference_numbers_take(year=2033, count=3) == [701, 702, 703]
    assert reference_numbers_take(year=2033) == [704]
    assert reference_numbers_take(year=2032) == [1]  # a year nobody has reported in


@pytest.mark.django_db
def test_on_postgresql_a_years_sequence_starts_after_its_counter_too(make_incident, riverside):
    """The bench loader and the SQLite code keep the year's counter; the sequence starts after the
    higher of the counter and the references."""
    if connection.vendor != "postgresql":
        skip_or_fail("Sequences need PostgreSQL: set DATABASE_URL")
    ReferenceCounter.objects.create(year=2031, last_number=900)
    incident = make_incident()
    MedicationIncident.objects.filter(pk=incident.pk).update(reference="MI-2031-000500")

    assert reference_numbers_take(year=2031, count=2) == [901, 902]


@pytest.mark.django_db
def test_a_report_that_rolls_back_never_gives_its_number_twice(make_incident):
    first = make_incident()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_incident()
        raise RuntimeError("the report's transaction fails after taking its number")
    after = make_incident()

    assert MedicationIncident.objects.count() == 2
    assert int(after.reference.rsplit("-", 1)[1]) > int(first.reference.rsplit("-", 1)[1])


@pytest.mark.django_db(transaction=True)
def test_a_report_does_not_wait_for_another_organisations_report_to_commit(riverside, riverside_staff, hillside,
                                                                            hillside_staff):
    """Riverside's report has its reference and is still open (its transaction not committed) when
    Hillside reports; under the old yearly counter row Hillside waited for that commit."""
    if connection.vendor != "postgresql":
        skip_or_fail("Concurrent transactions need PostgreSQL: set DATABASE_URL")
    make_first = services.incident_report(reporter=riverside_staff, organisation=riverside, **report_values())[0]
    riverside_reported, hillside_done = threading.Event(), threading.Event()
    results = {}

    def riverside_report():
        try:
            with transaction.atomic():
                results["riverside"] = services.incident_report(
                    reporter=riverside_staff, organisation=riverside, **report_values())[0].reference
                riverside_reported.set()
                results["hillside_done_before_riverside_committed"] = hillside_done.wait(timeout=10)
        finally:
            connections.close_all()

    def hillside_report():
        try:
            riverside_reported.wait(timeout=10)
            results["hillside"] = services.incident_report(
                reporter=hillside_staff, organisation=hillside, **report_values())[0].reference
            hillside_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=riverside_report), threading.Thread(target=hillside_report)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.get("hillside_done_before_riverside_committed") is True
    references = {make_first.reference, results["riverside"], results["hillside"]}
    assert len(references) == 3
    assert MedicationIncident.objects.filter(reference__in=references).count() == 3
