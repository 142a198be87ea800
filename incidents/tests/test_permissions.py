"""Who sees what: every refusal, each a 404 where a 403 would confirm the incident exists."""

import pytest
from django.urls import reverse

from incidents import services


def test_a_hillside_mso_gets_404_on_a_riverside_incident(client, make_incident, hillside_mso):
    incident = make_incident()
    client.force_login(hillside_mso)

    assert client.get(reverse("incidents:incident_detail", args=[incident.reference])).status_code == 404
    response = client.post(reverse("incidents:incident_transition", args=[incident.reference]), {"transition": "start_review"})
    assert response.status_code == 404


def test_a_hillside_mso_does_not_see_riverside_incidents_in_the_queue(client, make_incident, hillside_mso):
    incident = make_incident()
    client.force_login(hillside_mso)

    page = client.get(reverse("incidents:review_queue")).content.decode()

    assert incident.reference not in page


def test_staff_cannot_open_the_review_queue(client, riverside_staff):
    client.force_login(riverside_staff)

    assert client.get(reverse("incidents:review_queue")).status_code == 403
    assert client.get(reverse("incidents:review_queue_csv")).status_code == 403
    assert client.get(reverse("incidents:review_queue_xlsx")).status_code == 403


def test_staff_cannot_review_their_own_report(client, make_incident, riverside_staff):
    incident = make_incident()
    client.force_login(riverside_staff)

    for name in ("incident_grade", "incident_learning", "incident_feedback", "incident_escalate"):
        response = client.post(reverse(f"incidents:{name}", args=[incident.reference]),
                               {"physical_harm": "none", "psychological_harm": "none", "learning_summary": "x",
                                "feedback": "x", "message": "x"})
        assert response.status_code == 403, name
    incident.refresh_from_db()
    assert incident.learning_summary == "" and incident.feedback == ""


@pytest.mark.parametrize("name", ["incident_grade", "incident_transition"])
def test_the_director_cannot_review(client, make_incident, riverside_mso, riverside_director, name):
    incident = make_incident(physical_harm="severe")  # escalated, so the director can read it
    client.force_login(riverside_director)

    assert client.get(reverse("incidents:incident_detail", args=[incident.reference])).status_code == 200
    response = client.post(reverse(f"incidents:{name}", args=[incident.reference]),
                           {"transition": "start_review", "physical_harm": "none", "psychological_harm": "none"})
    assert response.status_code == 403


def test_the_director_does_not_see_incidents_that_were_not_escalated(client, make_incident, riverside_director):
    incident = make_incident()
    client.force_login(riverside_director)

    assert client.get(reverse("incidents:incident_detail", args=[incident.reference])).status_code == 404


def test_staff_see_only_their_own_reports(client, make_incident, riverside_staff, riverside):
    from mso_registry.models import Role
    from tests.factories import RoleAssignmentFactory, UserFactory

    colleague = UserFactory(email="colleague@riverside.example")
    RoleAssignmentFactory(user=colleague, organisation=riverside, role=Role.STAFF)
    mine, theirs = make_incident(), make_incident(reporter=colleague)
    client.force_login(riverside_staff)

    assert client.get(reverse("incidents:incident_detail", args=[theirs.reference])).status_code == 404
    page = client.get(reverse("incidents:my_reports")).content.decode()
    assert mine.reference in page and theirs.reference not in page


def test_staff_and_another_trust_cannot_see_the_dashboard(client, riverside_staff, hillside_mso, make_incident):
    make_incident()
    client.force_login(riverside_staff)
    assert client.get(reverse("incidents:dashboard")).status_code == 403
    client.force_login(hillside_mso)
    response = client.get(reverse("incidents:dashboard"), {"organisation": "R9R"})
    assert response.context["organisation"].ods_code == "R9H"  # another trust's code is ignored, not shown
    assert response.context["figures"]["totals"]["total"] == 0


def test_a_signed_out_visitor_is_sent_to_sign_in(client, make_incident):
    incident = make_incident()

    response = client.get(reverse("incidents:incident_detail", args=[incident.reference]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_action_can_be_done_only_by_its_owner_or_the_team(make_incident, riverside_mso, riverside_staff, riverside_director):
    from datetime import timedelta

    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    action = services.incident_action_add(
        incident=make_incident(), actor=riverside_mso, description="Audit", owner=riverside_staff,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    with pytest.raises(PermissionDenied):
        services.incident_action_complete(action=action, actor=riverside_director)
