"""An organisation with no board director (issue 15, point 5): an escalation does not pretend to reach
one. It says so on the page and in every email, goes to the MSO team and the national registry
administrator as a vacancy to fill, is not chased at nobody, and becomes the director's when one is
named, who is emailed once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from incidents import services
from incidents.models import Escalation
from mso_registry.models import Role
from mso_registry.services import role_assign, role_end
from notifications.models import Notification
from notifications.services import notification_render
from tests.factories import RoleAssignmentFactory, UserFactory

NO_DIRECTOR = "No board director for medication safety named"
SEVERE = {"physical_harm": "severe", "description": "Double dose given; patient transferred to HDU."}


@pytest.fixture
def hillside_red_flag(make_incident, hillside, hillside_mso):
    """A red flag at Hillside, which (as in the demo) names no board director."""
    return make_incident(reporter=hillside_mso, organisation=hillside, **SEVERE)


def _bodies(**filters) -> list[str]:
    return [notification_render(n).body for n in Notification.objects.filter(**filters)]


def test_a_red_flag_with_no_director_says_so_and_tells_the_vacancy(hillside_red_flag, hillside, hillside_mso):
    escalation = Escalation.objects.get(incident=hillside_red_flag)

    assert escalation.assigned_to is None and escalation.is_open
    red_flag = _bodies(recipient=hillside_mso.email, template="incidents/email/red_flag")
    assert len(red_flag) == 1 and NO_DIRECTOR in red_flag[0]
    assert "escalated to the board director" not in red_flag[0]
    vacancy = Notification.objects.filter(template="incidents/email/escalation_vacancy")
    assert set(vacancy.values_list("recipient", flat=True)) == {
        hillside_mso.email, hillside.generic_mso_email, settings.NATIONAL_REGISTRY_EMAIL}
    registry = notification_render(vacancy.get(recipient=settings.NATIONAL_REGISTRY_EMAIL))
    assert NO_DIRECTOR in registry.body and "vacancy to fill" in registry.body
    assert hillside_red_flag.reference in registry.body
    assert "HDU" not in registry.body  # the registry does not see incidents: no clinical detail
    assert reverse("mso_registry:organisation_detail", args=[hillside.ods_code]) in registry.body
    # Nothing was addressed to a director, and the audit trail says none was named.
    assert not Notification.objects.filter(template="incidents/email/escalation_raised").exists()
    event = AuditEvent.objects.get(action="incident.escalated")
    assert event.changes["board director"] == [None, NO_DIRECTOR]


def test_a_red_flag_with_a_director_names_them(make_incident, riverside_mso, riverside_director):
    incident = make_incident(**SEVERE)

    [body] = _bodies(recipient=riverside_mso.email, template="incidents/email/red_flag")
    assert f"escalated to the board director for medication safety, {riverside_director}" in body
    assert NO_DIRECTOR not in body
    assert Escalation.objects.get(incident=incident).assigned_to == riverside_director
    assert not Notification.objects.filter(template="incidents/email/escalation_vacancy").exists()


def test_the_incident_page_says_no_director_is_named(client, hillside_red_flag, hillside_mso):
    client.force_login(hillside_mso)

    page = client.get(reverse("incidents:incident_detail", args=[hillside_red_flag.reference])).content.decode()

    assert NO_DIRECTOR in page
    assert "Waiting for a board director to be named" in page
    assert "the director's acknowledgement" not in page


def test_the_mso_escalating_with_no_director_is_told_the_truth(client, make_incident, hillside, hillside_mso):
    incident = make_incident(reporter=hillside_mso, organisation=hillside)
    client.force_login(hillside_mso)
    page = client.get(reverse("incidents:incident_detail", args=[incident.reference])).content.decode()
    assert "Escalate (no board director is named)" in page

    response = client.post(reverse("incidents:incident_escalate", args=[incident.reference]),
                           {"message": "Third omitted insulin dose this month."}, follow=True)

    text = response.content.decode()
    assert "who has been emailed" not in text
    assert f"{NO_DIRECTOR}: the escalation has gone to the MSO team and the national registry administrator" in text
    assert Notification.objects.filter(recipient=settings.NATIONAL_REGISTRY_EMAIL,
                                       template="incidents/email/escalation_vacancy").count() == 1


def test_the_chaser_does_not_chase_nobody(hillside_red_flag):
    escalation = Escalation.objects.get(incident=hillside_red_flag)
    later = escalation.acknowledge_by + timedelta(days=1)

    assert services.escalations_chase_overdue(today=later) == 0

    escalation.refresh_from_db()
    assert escalation.chased_at is None
    assert not Notification.objects.filter(template="incidents/email/escalation_chase").exists()
    assert not AuditEvent.objects.filter(action="incident.escalation_chased").exists()


def test_naming_a_director_makes_the_open_escalations_theirs_emailed_once(
    hillside_red_flag, make_incident, hillside, hillside_mso, registry_admin
):
    acknowledged = make_incident(reporter=hillside_mso, organisation=hillside, **SEVERE)
    acknowledged_escalation = Escalation.objects.get(incident=acknowledged)
    Escalation.objects.filter(pk=acknowledged_escalation.pk).update(acknowledged_at=timezone.now())
    escalation = Escalation.objects.get(incident=hillside_red_flag)
    Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.localdate() - timedelta(days=3))
    director = UserFactory(email="director@hillside.example", full_name="Dr Asha Patel")

    assignment = role_assign(actor=registry_admin, user=director, role=Role.BOARD_DIRECTOR, organisation=hillside)

    escalation.refresh_from_db()
    assert escalation.assigned_to == director and escalation.assigned_at is not None
    assert escalation.acknowledge_by > timezone.localdate()  # a fresh date: they have only just received it
    emails = Notification.objects.filter(recipient=director.email, template="incidents/email/escalation_assigned")
    assert list(emails.values_list("idempotency_key", flat=True)) == [f"escalation-assigned:{escalation.pk}:{assignment.pk}"]
    assert hillside_red_flag.reference in notification_render(emails.get()).body
    assert AuditEvent.objects.filter(action="incident.escalation_assigned", actor=registry_admin).count() == 1
    assert assignment.consequences == [f"1 open escalation ({hillside_red_flag.reference}) is now theirs, "
                                       "and they have been emailed."]
    acknowledged_escalation.refresh_from_db()
    assert acknowledged_escalation.assigned_to is None  # closed ones stay as they were

    # A second director named alongside does not take it over or email anyone again.
    second = UserFactory(email="deputy.director@hillside.example")
    role_assign(actor=registry_admin, user=second, role=Role.BOARD_DIRECTOR, organisation=hillside)
    escalation.refresh_from_db()
    assert escalation.assigned_to == director
    assert Notification.objects.filter(template="incidents/email/escalation_assigned").count() == 1

    # Now it can be chased, at the director who holds it.
    assert services.escalations_chase_overdue(today=escalation.acknowledge_by + timedelta(days=1)) == 1
    assert set(Notification.objects.filter(template="incidents/email/escalation_chase")
               .values_list("recipient", flat=True)) == {director.email, second.email}


def test_a_director_who_leaves_hands_open_escalations_to_the_next(make_incident, riverside_mso, riverside, registry_admin):
    first = UserFactory(email="first.director@riverside.example")
    first_assignment = RoleAssignmentFactory(user=first, organisation=riverside, role=Role.BOARD_DIRECTOR,
                                             start_date=timezone.localdate() - timedelta(days=30))
    incident = make_incident(**SEVERE)
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.assigned_to == first
    role_end(actor=registry_admin, assignment=first_assignment)

    next_director = UserFactory(email="next.director@riverside.example")
    role_assign(actor=registry_admin, user=next_director, role=Role.BOARD_DIRECTOR, organisation=riverside)

    escalation.refresh_from_db()
    assert escalation.assigned_to == next_director
    event = AuditEvent.objects.get(action="incident.escalation_assigned")
    assert event.changes["board director"][0] == str(first)


def test_naming_a_director_through_the_record_page_says_what_moved(client, hillside_red_flag, hillside, registry_admin):
    UserFactory(email="director@hillside.example", full_name="Dr Asha Patel")
    client.force_login(registry_admin)

    response = client.post(
        reverse("mso_registry:organisation_detail", args=[hillside.ods_code]),
        {"email": "director@hillside.example", "role": Role.BOARD_DIRECTOR, "start_date": timezone.localdate().isoformat()},
        follow=True,
    )

    text = response.content.decode()
    assert f"1 open escalation ({hillside_red_flag.reference}) is now theirs, and they have been emailed." in text
    assert f"{NO_DIRECTOR}: an escalation" not in text  # the record no longer reports the vacancy


def test_the_record_home_page_and_directory_show_the_vacancy(client, hillside, hillside_mso, registry_admin):
    client.force_login(hillside_mso)
    assert NO_DIRECTOR in client.get(reverse("mso_registry:organisation_detail", args=[hillside.ods_code])).content.decode()
    assert NO_DIRECTOR in client.get(reverse("home")).content.decode()

    client.force_login(registry_admin)
    directory = client.get(reverse("mso_registry:organisation_list"), {"q": hillside.ods_code}).content.decode()
    assert NO_DIRECTOR in directory


def test_the_mso_home_page_lists_escalations_waiting_for_a_director_not_as_late(client, hillside_red_flag, hillside_mso):
    Escalation.objects.filter(incident=hillside_red_flag).update(acknowledge_by=timezone.localdate() - timedelta(days=5))
    client.force_login(hillside_mso)

    page = client.get(reverse("home")).content.decode()

    assert "Escalations with no one to acknowledge them" in page and hillside_red_flag.reference in page
    assert "Escalations the board director has not acknowledged in time" not in page
