"""The report form in the browser's terms: clear messages, nothing typed lost, a reference and a receipt."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from incidents.models import MedicationIncident
from tests.factories import RoleAssignmentFactory

URL = reverse("incidents:incident_report")


def form_data(**overrides):
    when = timezone.localtime() - timedelta(hours=2)
    data = {
        "occurred_on": when.date().isoformat(),
        "occurred_time": when.strftime("%H:%M"),
        "department": "Ward 7",
        "stage": "administering",
        "error_types": ["overdose"],
        "physical_harm": "severe",
        "psychological_harm": "none",
        "never_event": "",
        "description": "Insulin 40 units given instead of 4 units: the U was read as a zero.",
        "immediate_action": "Glucose given, doctor informed.",
        "wants_feedback": "on",
        "nhs_number": "",
        "medicines-TOTAL_FORMS": "1",
        "medicines-INITIAL_FORMS": "0",
        "medicines-MIN_NUM_FORMS": "1",
        "medicines-MAX_NUM_FORMS": "10",
        "medicines-0-name": "Insulin aspart",
        "medicines-0-route": "subcutaneous",
        "medicines-0-dose": "40 units",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_report_gets_a_reference_and_a_receipt(client, riverside_staff):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(), follow=True)

    incident = MedicationIncident.objects.get()
    assert re.fullmatch(rf"MI-{timezone.localdate().year}-\d{{6}}", incident.reference)
    assert response.redirect_chain[-1][0] == reverse("incidents:incident_receipt", args=[incident.reference])
    assert incident.reference in response.content.decode()
    assert incident.reporter == riverside_staff
    assert incident.organisation.ods_code == "R9R"
    assert incident.medicines.get().high_alert


def test_references_count_up_within_the_year(client, riverside_staff):
    client.force_login(riverside_staff)
    client.post(URL, form_data())
    client.post(URL, form_data())

    numbers = sorted(int(r[-6:]) for r in MedicationIncident.objects.values_list("reference", flat=True))
    assert numbers == [1, 2]


def test_an_empty_form_explains_every_missing_answer(client, riverside_staff):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(occurred_on="", department="", stage=None, error_types=None,
                                          physical_harm=None, description="", **{"medicines-0-name": ""}))

    page = response.content.decode()
    assert response.status_code == 200
    for message in [
        "Enter the date it happened.",
        "Enter the ward, department or location where it happened.",
        "Choose the stage at which it happened.",
        "Choose at least one thing that went wrong.",
        "Choose the physical harm, or &#x27;No physical harm&#x27;.",
        "Describe what happened.",
        "Medicine 1: Enter the medicine&#x27;s name (generic or brand).",
    ]:
        assert message in page
    assert 'href="#id_stage_0"' in page  # the summary links to the first radio of the group
    assert not MedicationIncident.objects.exists()


def test_a_bad_nhs_number_is_explained_and_nothing_typed_is_lost(client, riverside_staff):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(nhs_number="943 476 5918"))

    page = response.content.decode()
    assert "its last digit does not match the others" in page
    assert 'value="943 476 5918"' in page
    assert "Insulin 40 units given instead of 4 units" in page
    assert 'value="Insulin aspart"' in page
    assert 'value="severe" checked' in page or re.search(r'value="severe"[^>]*checked', page)
    assert not MedicationIncident.objects.exists()


def test_a_future_date_is_refused(client, riverside_staff):
    client.force_login(riverside_staff)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(URL, form_data(occurred_on=tomorrow.isoformat()))

    assert "cannot be in the future" in response.content.decode()
    assert not MedicationIncident.objects.exists()


def test_a_valid_nhs_number_is_kept_without_spaces(client, riverside_staff):
    client.force_login(riverside_staff)

    client.post(URL, form_data(nhs_number="943 476 5919"))

    assert MedicationIncident.objects.get().nhs_number == "9434765919"


def test_someone_with_no_role_cannot_report(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    assert client.get(URL).status_code == 403


def test_a_reporter_cannot_report_for_another_organisation(client, riverside_staff, hillside):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(organisation=str(hillside.pk)))

    assert "Select a valid choice" in response.content.decode()
    assert not MedicationIncident.objects.exists()


def test_a_named_report_is_audited_with_its_reporter(client, riverside_staff):
    client.force_login(riverside_staff)
    client.post(URL, form_data())

    event = AuditEvent.objects.get(action="incident.reported")
    assert event.actor == riverside_staff


@pytest.mark.parametrize("count", [2])
def test_several_medicines_are_kept(client, riverside_staff, count):
    client.force_login(riverside_staff)
    data = form_data(**{"medicines-TOTAL_FORMS": str(count), "medicines-1-name": "Gentamicin", "medicines-1-route": "iv"})

    client.post(URL, data)

    assert list(MedicationIncident.objects.get().medicines.values_list("name", flat=True)) == ["Insulin aspart", "Gentamicin"]


@pytest.mark.django_db
def test_the_blank_form_reads_no_organisation_once_drawn(client, riverside, hillside, riverside_staff):
    """The organisations come from the reporter's roles; the blank form's drawing is cached, so a second
    view reads no organisation of its own, and the choice still lists both."""
    RoleAssignmentFactory(user=riverside_staff, organisation=hillside, role="staff")
    client.force_login(riverside_staff)
    first = client.get(URL).content.decode()
    assert riverside.name in first and hillside.name in first
    with CaptureQueriesContext(connection) as queries:
        again = client.get(URL).content.decode()
    assert riverside.name in again and hillside.name in again
    assert not [q for q in queries.captured_queries if 'FROM "mso_registry_organisation"' in q["sql"]]
