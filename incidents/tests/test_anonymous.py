"""Anonymous reports: no link to the reporter, and a follow-up code that shows status and feedback."""

from django.urls import reverse

from audit.models import AuditEvent
from incidents import services
from incidents.models import MedicationIncident

from .test_report_form import URL, form_data

FOLLOW_UP = reverse("incidents:incident_follow_up")


def test_an_anonymous_report_keeps_no_link_to_the_reporter(client, riverside_staff):
    client.force_login(riverside_staff)

    response = client.post(URL, form_data(anonymous="on"), follow=True)

    incident = MedicationIncident.objects.get()
    assert incident.reporter is None and incident.is_anonymous
    event = AuditEvent.objects.get(action="incident.reported")
    assert event.actor is None and event.actor_email == ""
    assert riverside_staff.email not in str(event.changes)
    assert not MedicationIncident.objects.filter(reporter=riverside_staff).exists()
    # The receipt shows the code once; only its hash is stored.
    code = response.context["code"]
    assert code and code in response.content.decode()
    assert code not in incident.follow_up_code_hash


def test_the_code_is_shown_once_on_the_receipt(client, riverside_staff):
    client.force_login(riverside_staff)
    first = client.post(URL, form_data(anonymous="on"), follow=True)
    code = first.context["code"]

    again = client.get(first.redirect_chain[-1][0])

    assert again.status_code == 200
    assert code not in again.content.decode()
    assert "shown once" in again.content.decode()


def test_the_follow_up_code_shows_status_and_feedback_without_signing_in(client, make_incident, riverside_mso):
    incident = make_incident(anonymous=True)
    services.incident_feedback_give(incident=incident, actor=riverside_mso, feedback="Thank you: stock list changed.")

    response = client.post(FOLLOW_UP, {"reference": incident.reference.lower(), "code": incident.follow_up_code.lower()})

    page = response.content.decode()
    assert "Thank you: stock list changed." in page
    assert "Submitted" in page


def test_a_wrong_follow_up_code_is_refused(client, make_incident):
    incident = make_incident(anonymous=True)

    response = client.post(FOLLOW_UP, {"reference": incident.reference, "code": "AAAA-BBBB-CCCC"})

    assert response.context["incident"] is None
    assert "do not match a report" in response.content.decode()
    assert incident.description not in response.content.decode()


def test_a_named_report_cannot_be_read_with_a_follow_up_code(client, make_incident):
    incident = make_incident()

    response = client.post(FOLLOW_UP, {"reference": incident.reference, "code": ""})

    assert response.context["incident"] is None


def test_repeated_wrong_codes_are_throttled(client, make_incident):
    incident = make_incident(anonymous=True)
    for _ in range(20):
        client.post(FOLLOW_UP, {"reference": incident.reference, "code": "AAAA-BBBB-CCCC"})

    response = client.post(FOLLOW_UP, {"reference": incident.reference, "code": incident.follow_up_code})

    assert response.context["incident"] is None
    assert "Too many codes" in response.content.decode()
