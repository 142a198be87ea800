"""Reporting and reading incidents through the API: the report form's rules, the red flags, the
Idempotency-Key, the review queue's filters with a cursor, and no reporter for an anonymous report."""

import pytest

from api.models import Scope
from audit.models import AuditEvent
from incidents.models import Escalation, MedicationIncident
from notifications.models import Notification

from .conftest import report_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def test_a_report_is_made_through_the_service_and_read_back(make_client, riverside, riverside_admin):
    _, api = make_client()
    answer = api.post(URL, report_body(), format="json")
    assert answer.status_code == 201, answer.content
    reference = answer.json()["reference"]
    incident = MedicationIncident.objects.get(reference=reference)
    assert incident.organisation == riverside and incident.reporter == riverside_admin
    assert answer["Location"].endswith(f"{URL}{reference}/")
    read = api.get(f"{URL}{reference}/")
    assert read.status_code == 200
    assert read.json()["medicines"][0]["name"] == "Enoxaparin"
    assert read.json()["error_types"] == ["omitted_delayed"]
    assert "follow_up_code" not in read.json() and answer.json()["follow_up_code"] is None
    reported = AuditEvent.objects.get(action="incident.reported", object_id=str(incident.pk))
    assert reported.actor == riverside_admin
    assert reported.changes["via"][1].startswith("API client EPMA feed")


def test_every_call_is_in_the_audit_trail_with_client_and_creator(make_client, riverside_admin):
    client, api = make_client()
    api.get(URL)
    event = AuditEvent.objects.filter(action="api.called").latest("id")
    assert event.actor == riverside_admin and event.object_id == str(client.pk)
    assert event.changes["request"][1] == f"GET {URL}" and event.changes["status"][1] == 200


def test_the_form_s_rules_refuse_with_problem_details_for_each_field(make_client):
    _, api = make_client()
    body = report_body(nhs_number="9434765918", occurred_on="2999-01-01",
                       medicines=[{"name": "Insulin"}, {"name": "insulin"}])
    answer = api.post(URL, body, format="json")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    pointers = {e["pointer"]: e["detail"] for e in problem["errors"]}
    assert "check digit" in pointers["#/nhs_number"].lower() or "nhs number" in pointers["#/nhs_number"].lower()
    assert "future" in pointers["#/occurred_on"] or "between" in pointers["#/occurred_on"]
    assert any("listed twice" in e["detail"] for e in problem["errors"])
    assert not MedicationIncident.objects.exists()


def test_missing_fields_and_wrong_types_are_400_never_500(make_client):
    _, api = make_client()
    for body in ({}, [], {"medicines": "x"}, {"stage": 5, "error_types": "x"}, report_body(medicines=[])):
        answer = api.post(URL, body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert answer.json()["errors"]
    broken = api.post(URL, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken["Content-Type"] == "application/problem+json"
    form = api.post(URL, {"a": "b"})  # multipart, not JSON
    assert form.status_code == 415


def test_a_red_flag_report_emails_the_mso_and_opens_an_escalation(make_client, riverside, riverside_mso):
    _, api = make_client()
    answer = api.post(URL, report_body(physical_harm="severe"), format="json")
    assert answer.status_code == 201
    assert answer.json()["red_flag"] is True
    incident = MedicationIncident.objects.get(reference=answer.json()["reference"])
    assert Escalation.objects.filter(incident=incident).count() == 1
    assert Notification.objects.filter(recipient=riverside_mso.email, subject__startswith="Red flag").count() == 1


def test_a_known_high_alert_medicine_is_flagged_whatever_the_client_said(make_client):
    _, api = make_client()
    answer = api.post(URL, report_body(medicines=[{"name": "Insulin aspart", "high_alert": False}]), format="json")
    assert answer.json()["medicines"][0]["high_alert"] is True


def test_the_same_idempotency_key_makes_one_incident(make_client):
    _, api = make_client()
    first = api.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="epma-event-42")
    again = api.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="epma-event-42")
    other = api.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="epma-event-43")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["reference"] == again.json()["reference"] != other.json()["reference"]
    assert MedicationIncident.objects.count() == 2


def test_an_idempotency_key_reused_for_a_different_report_is_refused(make_client):
    _, api = make_client()
    first = api.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="epma-event-7")
    other = api.post(URL, report_body(department="Ward 9"), format="json", HTTP_IDEMPOTENCY_KEY="epma-event-7")
    assert other.status_code == 422 and first.json()["reference"] in other.json()["detail"]
    assert MedicationIncident.objects.count() == 1


def test_another_client_s_idempotency_key_is_its_own(make_client):
    _, api = make_client()
    _, second = make_client(name="BI extract")
    a = api.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = second.post(URL, report_body(), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert a.status_code == b.status_code == 201 and a.json()["reference"] != b.json()["reference"]


def test_an_anonymous_report_names_nobody_and_a_retry_gets_a_new_code(make_client):
    _, api = make_client()
    first = api.post(URL, report_body(anonymous=True), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    incident = MedicationIncident.objects.get(reference=first.json()["reference"])
    assert incident.reporter is None and incident.is_anonymous
    assert first.json()["follow_up_code"]
    assert AuditEvent.objects.get(action="incident.reported", object_id=str(incident.pk)).actor is None
    again = api.post(URL, report_body(anonymous=True), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 200 and again.json()["follow_up_code"] not in ("", None, first.json()["follow_up_code"])
    listed = api.get(URL).json()["results"][0]
    assert listed["anonymous"] is True
    assert not {"reporter", "reported_by", "nhs_number"} & set(listed)


def test_list_uses_the_review_queue_filters_and_a_cursor(make_client):
    _, api = make_client()
    for harm in ["none", "none", "low"]:
        api.post(URL, report_body(physical_harm=harm), format="json")
    low = api.get(URL, {"physical_harm": "low"}).json()
    assert [r["physical_harm"] for r in low["results"]] == ["low"]
    page = api.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    bad = api.get(URL, {"physical_harm": "dreadful", "submitted_from": "not a date"})
    assert bad.status_code == 400
    assert {e["pointer"] for e in bad.json()["errors"]} == {"#/physical_harm", "#/submitted_from"}
    assert api.get(URL, {"cursor": "rubbish"}).status_code == 404


def test_another_organisation_s_incident_is_404(make_client, hillside, hillside_admin):
    _, riverside_api = make_client()
    _, hillside_api = make_client(organisation=hillside, actor=hillside_admin)
    reference = hillside_api.post(URL, report_body(), format="json").json()["reference"]
    assert hillside_api.get(f"{URL}{reference}/").status_code == 200
    answer = riverside_api.get(f"{URL}{reference}/")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert riverside_api.get(URL).json()["results"] == []


def test_a_client_whose_creator_left_may_no_longer_report(make_client, riverside_admin):
    from mso_registry.models import RoleAssignment

    _, api = make_client(scopes=[Scope.INCIDENTS_WRITE])
    RoleAssignment.objects.filter(user=riverside_admin).update(end_date="2020-01-02", start_date="2020-01-01")
    from mso_registry.selectors import forget_current_roles

    forget_current_roles(riverside_admin)
    answer = api.post(URL, report_body(), format="json")
    assert answer.status_code == 403 and "organisation you work for" in answer.json()["detail"]


def test_the_written_out_representation_is_exactly_drf_s(make_client, riverside):
    """IncidentSerializer reads its fields directly for speed; it must say what DRF's own walk says,
    for every kind of incident: anonymous, closed, red-flagged, summer and winter time, several medicines."""
    from datetime import datetime

    from django.utils import timezone

    from api.serializers import IncidentCreatedSerializer, IncidentSerializer
    from incidents.selectors import incidents_of

    _, api = make_client()
    bodies = [
        report_body(),
        report_body(anonymous=True, physical_harm="severe", never_event="", contributing_factors=["organisation", "task"],
                    error_types=["overdose", "wrong_time"],
                    medicines=[{"name": "Insulin aspart", "route": "subcutaneous", "dose": "10 units", "high_alert": True},
                               {"name": "Paracetamol", "route": "", "dose": ""}]),
        report_body(occurred_on="2026-07-14", occurred_time="23:30", immediate_action="Dose given late.",
                    psychological_harm="low"),
    ]
    for body in bodies:
        assert api.post(URL, body, format="json").status_code == 201
    MedicationIncident.objects.filter(pk=MedicationIncident.objects.order_by("pk").first().pk).update(
        status="closed", closed_at=timezone.make_aware(datetime(2026, 8, 1, 9, 15, 30, 123456)),
        learning_summary="Checklist changed.", ncc_merp_category="C",
    )
    incidents = list(incidents_of([riverside.pk]))
    assert len(incidents) == 3
    for incident in incidents:
        assert IncidentSerializer(incident).data == IncidentSerializer().generic_representation(incident)
        assert list(IncidentSerializer(incident).data) == IncidentSerializer.Meta.fields
    incident = incidents[0]
    incident.follow_up_code = "ABCD-EFGH"
    assert IncidentCreatedSerializer(incident).data == IncidentCreatedSerializer().generic_representation(incident)
    assert IncidentCreatedSerializer(incident).data["follow_up_code"] == "ABCD-EFGH"
