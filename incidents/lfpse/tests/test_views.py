"""What the nation received, on the pages: the incident's card, the queue filter, the MSO's home
page counts and the registry administrator's rates per organisation."""

import pytest
from django.urls import reverse

from incidents.lfpse.models import LfpseRecord, LfpseState
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, user, incident):
    client.force_login(user)
    return client.get(reverse("incidents:incident_detail", args=[incident.reference])).content.decode()


def test_the_incident_page_says_when_lfpse_is_off(client, settings, make_incident, riverside_mso):
    settings.LFPSE_API_URL = ""
    assert "Submission to LFPSE is <strong>off</strong>" in page(client, riverside_mso, make_incident())


def test_the_incident_page_shows_a_held_incident_and_why(client, lfpse_on, make_incident, grade, riverside_mso):
    incident = make_incident(error_types=["wrong_time"])
    grade(incident)
    html = page(client, riverside_mso, incident)
    assert "Held: cannot be sent to LFPSE." in html
    assert "No LFPSE code for what went wrong “Wrong time”" in html


def test_the_incident_page_shows_not_yet_due_before_grading(client, lfpse_on, make_incident, riverside_mso):
    assert "It is sent when the MSO team confirms or changes the harm grade." in page(client, riverside_mso, make_incident())


def test_the_incident_page_shows_lfpse_rejection_message(client, lfpse_on, make_incident, grade, riverside_mso):
    incident = make_incident()
    grade(incident)
    LfpseRecord.objects.filter(incident=incident).update(state=LfpseState.REJECTED, message="Organisation R9R <unknown>")
    html = page(client, riverside_mso, incident)
    assert "Rejected by LFPSE" in html and "Organisation R9R &lt;unknown&gt;" in html


def test_the_reporter_does_not_see_the_lfpse_card(client, lfpse_on, make_incident, riverside_staff):
    assert "National reporting (LFPSE)" not in page(client, riverside_staff, make_incident())


def test_the_review_queue_filters_on_lfpse_state(client, lfpse_on, make_incident, grade, riverside_mso):
    held = make_incident(stage="advice")
    grade(held)
    waiting = make_incident()
    client.force_login(riverside_mso)
    html = client.get(reverse("incidents:review_queue"), {"lfpse": "held"}).content.decode()
    assert held.reference in html and waiting.reference not in html
    html = client.get(reverse("incidents:review_queue"), {"lfpse": "not_due"}).content.decode()
    assert waiting.reference in html and held.reference not in html


def test_the_mso_home_page_counts_rejected_and_held(client, lfpse_on, make_incident, grade, riverside_mso):
    grade(make_incident(stage="advice"))
    rejected = make_incident()
    grade(rejected)
    LfpseRecord.objects.filter(incident=rejected).update(state=LfpseState.REJECTED, message="No.")
    client.force_login(riverside_mso)
    html = client.get("/").content.decode()
    assert "1 rejected by LFPSE" in html and "1 held" in html


def test_the_registry_administrator_sees_rates_per_organisation(client, lfpse_on, make_incident, grade, registry_admin,
                                                                 hillside):
    incident = make_incident()
    grade(incident)
    LfpseRecord.objects.filter(incident=incident).update(state=LfpseState.ACCEPTED, lfpse_id="X1")
    grade(make_incident(stage="advice"))
    client.force_login(registry_admin)
    response = client.get(reverse("lfpse:submission_rates"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Riverside University Hospitals NHS Foundation Trust" in html and "50%" in html
    assert hillside.name not in html  # nothing due there


def test_rates_are_refused_to_an_mso(client, riverside_mso):
    client.force_login(riverside_mso)
    assert client.get(reverse("lfpse:submission_rates")).status_code == 403


def test_a_resource_that_fails_its_checks_is_held_with_the_reason(client, lfpse_on, make_incident, grade,
                                                                  riverside_mso, monkeypatch):
    from incidents.lfpse import services as lfpse_services
    from incidents.lfpse.resource import ResourceInvalid

    def refuse(resource, *, base):
        raise ResourceInvalid("Does not meet LFPSE's profile: extension adverse-event-process-5 is required")

    monkeypatch.setattr(lfpse_services, "adverse_event_validate", refuse)
    incident = make_incident()
    grade(incident)
    assert LfpseRecord.objects.get(incident=incident).state == LfpseState.HELD
    html = page(client, riverside_mso, incident)
    assert "<li>Does not meet LFPSE&#x27;s profile: extension adverse-event-process-5 is required</li>" in html
