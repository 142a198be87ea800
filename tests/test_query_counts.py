"""Every list page reads the same number of queries with a few rows as with more than a page of
them (issue 7): no query per row, whatever the national dataset holds. `make bench` measures the
time; these tests hold the shape."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.summary import summary_rebuild

from clinical_safety import services as safety_services
from clinical_safety.models import Standard
from clinical_safety.tests.conftest import hazard_details, make_fit_to_sign
from incidents import services
from incidents.models import Escalation, IncidentAction, MedicationIncident
from mso_registry.models import Role
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

PAGE = 25  # the incident lists' page size; "more" is always past it


def _queries(client, url, **params) -> int:
    client.get(url, params)  # once to warm the per-process caches (roles, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(queries)


def _report(reporter, organisation, n: int, **overrides) -> MedicationIncident:
    values = {
        "anonymous": False, "occurred_at": timezone.now() - timedelta(hours=3), "department": f"Ward {n % 4}",
        "stage": "administering", "error_types": ["omitted_delayed", "overdose"][: 1 + n % 2],
        "physical_harm": "none", "psychological_harm": "none", "description": "Morning dose missed.",
        "medicines": [{"name": "Paracetamol", "route": "oral", "dose": "1 g"}, {"name": f"Medicine {n}"}],
    }
    values.update(overrides)
    incident, _ = services.incident_report(reporter=reporter, organisation=organisation, **values)
    return incident


def _grow(reporter, organisation, mso, count: int) -> list[MedicationIncident]:
    """More than a page of incidents with what the lists show per row: several medicines, open
    actions, escalations and red flags."""
    made = []
    for n in range(count):
        harm = "severe" if n % 5 == 0 else "none"
        incident = _report(reporter, organisation, n, physical_harm=harm)
        if n % 3 == 0:
            IncidentAction.objects.create(incident=incident, organisation=organisation, incident_submitted_at=incident.submitted_at,
                                          description="Share the learning.", owner=mso,
                                          due_date=timezone.localdate() + timedelta(days=n - 10), created_by=mso)
        if n % 4 == 1 and not incident.escalations.exists():
            services.incident_escalate(incident=incident, actor=mso, message="Please note.")
        made.append(incident)
    return made


@pytest.fixture
def grown(riverside, riverside_staff, riverside_mso, riverside_director):
    def grow(count):
        return _grow(riverside_staff, riverside, riverside_mso, count)

    return grow


def test_the_review_queue_first_and_filtered_pages(client, grown, riverside_mso):
    grown(2)
    client.force_login(riverside_mso)
    url = reverse("incidents:review_queue")
    filtered = {"physical_harm": "severe", "high_alert": "no", "sort": "most_harm"}
    few, few_filtered = _queries(client, url), _queries(client, url, **filtered)

    grown(PAGE + 15)
    assert _queries(client, url) == few
    assert _queries(client, url, **filtered) == few_filtered
    assert _queries(client, url, page=2) == few
    assert len(client.get(url).context["page"].object_list) == PAGE


def test_the_review_queue_counts_no_further_than_its_bound(client, grown, riverside_mso):
    grown(PAGE + 5)
    client.force_login(riverside_mso)
    url = reverse("incidents:review_queue")
    from core.pagination import BoundedPaginator

    bounded = BoundedPaginator(MedicationIncident.objects.order_by("pk"), 10, limit=20)
    assert (bounded.count, bounded.truncated, bounded.num_pages) == (20, True, 2)
    page = client.get(url).context["page"]
    assert (page.paginator.count, page.paginator.truncated) == (PAGE + 5, False)


def test_my_reports(client, grown, riverside_staff):
    grown(2)
    client.force_login(riverside_staff)
    url = reverse("incidents:my_reports")
    few = _queries(client, url)
    grown(PAGE + 10)
    assert _queries(client, url) == few
    assert _queries(client, url, page=2) == few


def test_the_escalations_list(client, grown, riverside_director):
    grown(2)
    client.force_login(riverside_director)
    url = reverse("incidents:escalation_list")
    few = _queries(client, url)
    grown(4 * PAGE)
    assert Escalation.objects.count() > PAGE
    assert _queries(client, url) == few


def test_the_trust_dashboard_with_and_without_filters(client, grown, riverside_mso):
    grown(2)
    client.force_login(riverside_mso)
    url = reverse("incidents:dashboard")
    department = {"department": "Ward 1"}
    few, few_department = _queries(client, url), _queries(client, url, **department)
    grown(PAGE + 10)
    assert _queries(client, url) == few
    assert _queries(client, url, **department) == few_department


def test_the_trust_dashboard_shows_the_last_twelve_months_unless_asked(client, grown, riverside_mso):
    old, recent = grown(2)
    MedicationIncident.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=500))
    summary_rebuild()  # moved by hand, past the services that keep the dashboard's monthly summary
    client.force_login(riverside_mso)
    url = reverse("incidents:dashboard")
    assert client.get(url).context["figures"]["totals"]["total"] == 1
    since = (timezone.localdate() - timedelta(days=800)).isoformat()
    assert client.get(url, {"date_from": since}).context["figures"]["totals"]["total"] == 2
    assert "reported " in client.get(url).content.decode()


def test_the_national_dashboard(client, grown, registry_admin, hillside):
    grown(2)
    services.incident_summary_refresh()
    client.force_login(registry_admin)
    url = reverse("incidents:national_dashboard")
    few = _queries(client, url)
    hillside_staff = UserFactory(email="staff@hillside.example")
    RoleAssignmentFactory(user=hillside_staff, organisation=hillside, role=Role.STAFF)
    grown(PAGE)
    for n in range(5):
        incident = _report(hillside_staff, hillside, n)
        MedicationIncident.objects.filter(pk=incident.pk).update(submitted_at=timezone.now() - timedelta(days=40 * n))
    services.incident_summary_refresh()
    assert _queries(client, url) == few
    assert client.get(url).context["figures"]["all_time"] == PAGE + 7


def test_the_national_registry_directory(client, registry_admin):
    def organisations(start, count):
        for n in range(start, start + count):
            organisation = OrganisationFactory(name=f"Directory Trust {n:03d}", ods_code=f"RZ{n:03d}"[:5])
            for role in (Role.MSO, Role.BOARD_DIRECTOR):
                RoleAssignmentFactory(user=UserFactory(email=f"{role}{n}@directory.example"),
                                      organisation=organisation, role=role)

    organisations(0, 3)
    client.force_login(registry_admin)
    url = reverse("mso_registry:organisation_list")
    few, few_filtered = _queries(client, url), _queries(client, url, region="midlands")
    organisations(3, 60)  # past the directory's page of 50
    assert _queries(client, url) == few
    assert _queries(client, url, page=2) == few
    assert _queries(client, url, region="midlands") == few_filtered


def test_the_hazard_log_page(client, riverside, riverside_cso):
    cso = make_fit_to_sign(riverside_cso)
    system = safety_services.system_create(actor=cso, organisation=riverside, details={
        "name": "MedChart EPMA", "manufacturer": "Example Health Systems Ltd", "version": "4.2",
        "standard": Standard.DCB0160, "intended_use": "Prescribing.", "clinical_scope": "Adults.", "cso": cso,
    })
    safety_services.hazard_create(actor=cso, system=system, details=hazard_details())
    safety_services.hazard_log_issue(actor=cso, system=system)
    client.force_login(cso)
    url = reverse("clinical_safety:system_detail", args=[system.pk])
    few = _queries(client, url)
    for n in range(30):
        hazard = safety_services.hazard_create(actor=cso, system=system, details=hazard_details(title=f"Hazard {n}"))
        for _ in range(n % 3):
            safety_services.hazard_control_add(actor=cso, hazard=hazard, details={"control_type": "test",
                                                                                 "description": "Tested."})
    assert _queries(client, url) == few
    assert client.get(url).context["log_changed"] is True


def test_the_bulletin_list(client, grown, riverside, riverside_mso, riverside_staff):
    def bulletins(count):
        for n in range(count):
            bulletin = services.bulletin_create(actor=riverside_mso, organisation=riverside, title=f"Bulletin {n}",
                                                body="What we learned.")
            services.bulletin_publish(actor=riverside_mso, bulletin=bulletin)

    bulletins(1)
    url = reverse("incidents:bulletin_list")
    client.force_login(riverside_staff)
    few_staff = _queries(client, url)
    client.force_login(riverside_mso)
    few_mso = _queries(client, url)
    bulletins(12)
    assert _queries(client, url) == few_mso
    client.force_login(riverside_staff)
    assert _queries(client, url) == few_staff


def test_the_queue_marks_open_escalations_and_open_actions_from_its_page_reads(client, grown, riverside_mso,
                                                                               riverside_director):
    with_action, escalated, plain = grown(3)  # see _grow: an open action on the first, the MSO's escalation on the second
    escalation = escalated.escalations.get()
    client.force_login(riverside_mso)
    rows = {i.reference: i for i in client.get(reverse("incidents:review_queue")).context["incidents"]}
    assert rows[escalated.reference].open_escalations == [escalation.pk]
    assert rows[with_action.reference].open_actions == 1
    assert (rows[plain.reference].open_escalations, rows[plain.reference].open_actions) == ([], 0)
    services.escalation_acknowledge(escalation=escalation, actor=riverside_director, comment="Seen.")
    rows = {i.reference: i for i in client.get(reverse("incidents:review_queue")).context["incidents"]}
    assert rows[escalated.reference].open_escalations == []


def test_the_monthly_board_report_page(client, grown, riverside, riverside_mso, riverside_director):
    """The report reads a fixed number of aggregate queries, however many incidents, red flags,
    actions and escalations its month holds."""
    from board_reports.services import board_report_prepare

    grown(2)
    report, _ = board_report_prepare(organisation=riverside, month=timezone.localdate())
    url = reverse("board_reports:report_detail", args=[report.pk])
    client.force_login(riverside_mso)
    few = _queries(client, url)
    grown(PAGE + 10)
    assert client.get(url).context["content"]["series"]["reports"][-1] == PAGE + 12
    assert _queries(client, url) == few
    client.force_login(riverside_director)
    assert _queries(client, url) == few


def test_the_national_spc_reads_the_summary_never_the_incidents(client, grown, registry_admin):
    grown(2)
    services.incident_summary_refresh()
    client.force_login(registry_admin)
    url = reverse("board_reports:national_spc")
    few = _queries(client, url)
    grown(PAGE)
    services.incident_summary_refresh()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == few
    assert not [q for q in queries.captured_queries if "incidents_medicationincident" in q["sql"]]
