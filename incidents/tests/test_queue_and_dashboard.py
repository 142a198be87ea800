"""The review queue's filters, sort and export; the dashboard's figures; the demo data."""

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from incidents import demo, services
from incidents.models import Escalation, MedicationIncident

QUEUE = reverse("incidents:review_queue")


def references(response) -> list[str]:
    return [i.reference for i in response.context["page"]]


def test_the_queue_filters_by_status_harm_stage_high_alert_and_department(client, make_incident, riverside_mso):
    low = make_incident(physical_harm="low", department="Ward 7")
    moderate_insulin = make_incident(physical_harm="moderate", department="ICU", stage="prescribing",
                                     medicines=[{"name": "Insulin glargine"}])
    services.incident_transition(incident=low, actor=riverside_mso, transition="start_review")
    client.force_login(riverside_mso)

    assert references(client.get(QUEUE, {"status": "in_review"})) == [low.reference]
    assert references(client.get(QUEUE, {"physical_harm": "moderate"})) == [moderate_insulin.reference]
    assert references(client.get(QUEUE, {"stage": "prescribing"})) == [moderate_insulin.reference]
    assert references(client.get(QUEUE, {"high_alert": "yes"})) == [moderate_insulin.reference]
    assert references(client.get(QUEUE, {"high_alert": "no"})) == [low.reference]
    assert references(client.get(QUEUE, {"red_flag": "yes"})) == [moderate_insulin.reference]
    assert references(client.get(QUEUE, {"department": "ward"})) == [low.reference]


def test_the_queue_filters_by_date_reported(client, make_incident, riverside_mso):
    old, new = make_incident(), make_incident()
    MedicationIncident.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    client.force_login(riverside_mso)
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    assert references(client.get(QUEUE, {"submitted_from": since})) == [new.reference]
    assert references(client.get(QUEUE, {"submitted_to": since})) == [old.reference]


def test_the_queue_sorts_by_harm_and_date(client, make_incident, riverside_mso):
    none, fatal, low = make_incident(physical_harm="none"), make_incident(physical_harm="fatal"), make_incident(physical_harm="low")
    client.force_login(riverside_mso)

    assert references(client.get(QUEUE)) == [low.reference, fatal.reference, none.reference]
    assert references(client.get(QUEUE, {"sort": "most_harm"})) == [fatal.reference, low.reference, none.reference]
    assert references(client.get(QUEUE, {"sort": "oldest"})) == [none.reference, fatal.reference, low.reference]


def test_the_queue_is_paginated(client, make_incident, riverside_mso):
    for _ in range(27):
        make_incident()
    client.force_login(riverside_mso)

    first, second = client.get(QUEUE), client.get(QUEUE, {"page": 2})

    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 2
    assert "page=2" in first.content.decode()


def test_the_csv_export_follows_the_filters_and_defuses_formulas(client, make_incident, riverside_mso):
    make_incident(department="=HYPERLINK(\"http://evil\")", physical_harm="moderate")
    make_incident(physical_harm="none")
    client.force_login(riverside_mso)

    response = client.get(reverse("incidents:review_queue_csv"), {"physical_harm": "moderate"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "Reference" and len(rows) == 2
    assert rows[1][4].startswith("'=")


def test_the_xlsx_export_follows_the_filters(client, make_incident, riverside_mso):
    import openpyxl

    kept = make_incident(department="=cmd", physical_harm="moderate")
    make_incident(physical_harm="none")
    client.force_login(riverside_mso)

    response = client.get(reverse("incidents:review_queue_xlsx"), {"physical_harm": "moderate"})

    rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[0][0] == "Reference" and len(rows) == 2
    assert rows[1][0] == kept.reference and rows[1][4] == "'=cmd"


def test_the_dashboard_counts_in_the_database(client, make_incident, riverside_mso, riverside_director):
    make_incident(physical_harm="severe", error_types=["overdose", "wrong_time"], medicines=[{"name": "Insulin aspart"}])
    make_incident(physical_harm="none", never_event="potassium", medicines=[{"name": "Potassium chloride 15%"}])
    make_incident(physical_harm="low", department="ICU")
    client.force_login(riverside_director)

    response = client.get(reverse("incidents:dashboard"))

    figures = response.context["figures"]
    assert figures["totals"] == {"total": 3, "high_alert": 2, "never_events": 1, "no_or_low_harm": 2, "open": 3}
    assert {r["error_type"]: r["total"] for r in figures["by_error"]}["omitted_delayed"] == 2
    assert figures["per_month"][0]["total"] == 3
    assert "<svg" in response.content.decode() and "<table" in response.content.decode()
    department = client.get(reverse("incidents:dashboard"), {"department": "ICU"}).context["figures"]
    assert department["totals"]["total"] == 1


def test_the_cached_charts_are_drawn_anew_when_a_figure_changes(client, make_incident, riverside_mso):
    """The charts are cached under the hash of what they show: a new report is drawn at once, and the same
    figures read again give the same drawing."""
    make_incident(stage="prescribing")
    client.force_login(riverside_mso)

    def stage_chart(page: str) -> str:
        start = page.index('id="chart-stage"')
        return page[start:page.index("</section>", start)]

    first = client.get(reverse("incidents:dashboard")).content.decode()
    assert ">Prescribing</td><td class=\"text-end\">1<" in stage_chart(first)
    assert stage_chart(client.get(reverse("incidents:dashboard")).content.decode()) == stage_chart(first)
    make_incident(stage="prescribing")
    assert ">Prescribing</td><td class=\"text-end\">2<" in stage_chart(client.get(reverse("incidents:dashboard")).content.decode())


def test_the_dashboard_date_range_must_run_forwards(client, riverside_mso):
    client.force_login(riverside_mso)

    response = client.get(reverse("incidents:dashboard"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})

    assert "The end date must be on or after the start date." in response.content.decode()


def test_the_demo_loads_a_year_with_escalations_and_closed_learning(riverside_mso, riverside_staff, riverside_director, hillside_mso):
    made = demo.seed(size=40)

    assert made == 40 + 40 + 2
    assert MedicationIncident.objects.filter(status="closed").exclude(learning_summary="").exists()
    assert Escalation.objects.filter(acknowledged_at__isnull=True).exists()
    assert demo.seed(size=40) == 0  # a second run adds nothing
    # Reports made afterwards carry on from the demo's reference numbers.
    numbers = MedicationIncident.objects.filter(reference__startswith=f"MI-{timezone.localdate().year}-")
    assert numbers.count() == len(set(numbers.values_list("reference", flat=True)))


def test_staff_see_their_reports_and_a_report_button_on_the_home_page(client, make_incident, riverside_staff):
    incident = make_incident()
    client.force_login(riverside_staff)

    page = client.get(reverse("home")).content.decode()

    assert "Report a medication incident" in page and incident.reference in page
    assert "Medication incidents to review" not in page


def test_the_demo_has_nothing_in_the_future(riverside_mso, riverside_staff, riverside_director, hillside_mso):
    from django.db.models import F, Max

    from incidents.models import IncidentAction

    demo.seed(size=200)
    now = timezone.now()
    latest = MedicationIncident.objects.aggregate(*(Max(f) for f in (
        "submitted_at", "review_started_at", "harm_confirmed_at", "closed_at", "feedback_given_at")))
    latest.update(IncidentAction.objects.aggregate(Max("done_at")), **Escalation.objects.aggregate(Max("acknowledged_at")))
    assert all(moment is None or moment <= now for moment in latest.values()), latest
    assert MedicationIncident.objects.filter(closed_at__isnull=False).exists()
    assert not MedicationIncident.objects.filter(closed_at__lt=F("submitted_at")).exists()
    assert not IncidentAction.objects.filter(done_at__gt=F("incident__closed_at")).exists()
