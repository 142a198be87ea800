"""Escalation to the board director: raised by the MSO, acknowledged by the director, chased when late."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError
from incidents import services
from incidents.models import Escalation
from notifications.models import Notification


def test_the_mso_escalates_and_the_director_is_emailed_once(make_incident, riverside_mso, riverside_director):
    incident = make_incident()

    escalation = services.incident_escalate(incident=incident, actor=riverside_mso, message="Please note: third this month.")

    assert escalation.is_open and escalation.raised_by == riverside_mso
    assert Notification.objects.filter(recipient=riverside_director.email).count() == 1
    assert AuditEvent.objects.filter(action="incident.escalated", actor=riverside_mso).exists()


def test_an_incident_with_an_open_escalation_cannot_be_escalated_again(make_incident, riverside_mso, riverside_director):
    incident = make_incident()
    services.incident_escalate(incident=incident, actor=riverside_mso, message="First.")

    with pytest.raises(DomainError, match="already escalated"):
        services.incident_escalate(incident=incident, actor=riverside_mso, message="Second.")
    assert Escalation.objects.count() == 1


def test_the_safety_team_cannot_escalate(make_incident, riverside_safety_team):
    with pytest.raises(PermissionDenied):
        services.incident_escalate(incident=make_incident(), actor=riverside_safety_team, message="Please.")


def test_the_director_acknowledges_and_the_mso_is_told(make_incident, riverside_mso, riverside_director):
    incident = make_incident()
    escalation = services.incident_escalate(incident=incident, actor=riverside_mso, message="Please note.")

    services.escalation_acknowledge(escalation=escalation, actor=riverside_director, comment="Noted; to the board.")

    escalation.refresh_from_db()
    assert not escalation.is_open and escalation.acknowledged_by == riverside_director
    told = Notification.objects.filter(subject__startswith="The board director acknowledged")
    assert set(told.values_list("recipient", flat=True)) == {riverside_mso.email, incident.organisation.generic_mso_email}
    with pytest.raises(DomainError, match="already acknowledged"):
        services.escalation_acknowledge(escalation=escalation, actor=riverside_director, comment="Again.")


def test_only_the_director_acknowledges(make_incident, riverside_mso):
    escalation = services.incident_escalate(incident=make_incident(), actor=riverside_mso, message="Please note.")

    with pytest.raises(PermissionDenied):
        services.escalation_acknowledge(escalation=escalation, actor=riverside_mso, comment="I'll do it myself.")


def test_the_director_acknowledges_through_the_page(client, make_incident, riverside_mso, riverside_director):
    escalation = services.incident_escalate(incident=make_incident(), actor=riverside_mso, message="Please note.")
    client.force_login(riverside_director)

    home = client.get(reverse("home")).content.decode()
    assert "Escalations waiting for your acknowledgement" in home
    client.post(reverse("incidents:escalation_acknowledge", args=[escalation.pk]), {"comment": "Noted."})

    escalation.refresh_from_db()
    assert escalation.acknowledgement == "Noted."


def test_another_organisations_director_cannot_acknowledge(client, make_incident, riverside_mso, hillside):
    from mso_registry.models import Role
    from tests.factories import RoleAssignmentFactory, UserFactory

    other = UserFactory(email="director@hillside.example")
    RoleAssignmentFactory(user=other, organisation=hillside, role=Role.BOARD_DIRECTOR)
    escalation = services.incident_escalate(incident=make_incident(), actor=riverside_mso, message="Please note.")
    client.force_login(other)

    response = client.post(reverse("incidents:escalation_acknowledge", args=[escalation.pk]), {"comment": "Mine?"})

    assert response.status_code == 404
    escalation.refresh_from_db()
    assert escalation.is_open


def test_acknowledge_by_counts_working_days():
    friday = date(2026, 11, 20)
    assert services.add_working_days(friday, 2) == date(2026, 11, 24)  # Monday, Tuesday


def test_an_overdue_escalation_is_chased_once(make_incident, riverside_mso, riverside_director):
    escalation = services.incident_escalate(incident=make_incident(), actor=riverside_mso, message="Please note.")
    later = escalation.acknowledge_by + timedelta(days=1)

    assert services.escalations_chase_overdue(today=later) == 1
    assert services.escalations_chase_overdue(today=later + timedelta(days=1)) == 0

    chases = Notification.objects.filter(subject__startswith="Reminder", recipient=riverside_director.email)
    assert chases.count() == 1
    assert AuditEvent.objects.filter(action="incident.escalation_chased").count() == 1


def test_an_escalation_not_yet_due_is_not_chased(make_incident, riverside_mso, riverside_director):
    services.incident_escalate(incident=make_incident(), actor=riverside_mso, message="Please note.")

    assert services.escalations_chase_overdue(today=timezone.localdate()) == 0


def test_the_mso_sees_an_overdue_escalation_on_the_home_page(client, make_incident, riverside_mso, riverside_director):
    incident = make_incident()
    escalation = services.incident_escalate(incident=incident, actor=riverside_mso, message="Please note.")
    Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.localdate() - timedelta(days=1))
    client.force_login(riverside_mso)

    page = client.get(reverse("home")).content.decode()

    assert "not acknowledged in time" in page and incident.reference in page
