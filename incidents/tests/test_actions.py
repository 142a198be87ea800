"""Actions from their owner's side (issue 15, point 7): the owner is emailed when given an action or
when it is given to them, sees "Your actions" on their home page whatever their role, sees the action
and only what they need of the incident, marks it done with the evidence (audited); an overdue action
is chased once to its owner, then once to the MSO team, each recorded on the row."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError
from core.working_days import add_working_days
from incidents import services
from incidents.actions import actions_chase_overdue
from incidents.models import IncidentAction
from notifications.models import Notification
from notifications.services import notification_render

DESCRIPTION = "Patient given 10 mL instead of 1 mL; Mrs Example on Cedar Ward."


@pytest.fixture
def incident(make_incident):
    return make_incident(description=DESCRIPTION, nhs_number="9434765919", department="Cedar Ward",
                         stage="administering", medicines=[{"name": "Morphine sulfate", "route": "oral"}])


@pytest.fixture
def action(incident, riverside_mso, riverside_staff):
    return services.incident_action_add(incident=incident, actor=riverside_mso, description="Audit oral syringe stock",
                                        owner=riverside_staff, due_date=timezone.localdate() + timedelta(days=14))


def test_the_owner_is_emailed_once_when_given_an_action(action, riverside_staff):
    emails = Notification.objects.filter(recipient=riverside_staff.email, template="incidents/email/action_assigned")

    assert emails.count() == 1
    event = AuditEvent.objects.get(action="incident.action_added")
    assert emails.get().idempotency_key == f"action-owner:{action.pk}:{event.pk}"
    body = notification_render(emails.get()).body
    assert "Audit oral syringe stock" in body and reverse("incidents:action_detail", args=[action.pk]) in body


def test_reassigning_emails_the_new_owner_and_is_audited(action, riverside_mso, riverside_director, riverside_staff):
    IncidentAction.objects.filter(pk=action.pk).update(owner_chased_at=timezone.now())

    services.incident_action_reassign(action=action, actor=riverside_mso, owner=riverside_director)

    action.refresh_from_db()
    assert action.owner == riverside_director and action.owner_chased_at is None  # their chase starts afresh
    email = Notification.objects.get(recipient=riverside_director.email, template="incidents/email/action_assigned")
    assert "it was" in notification_render(email).body and str(riverside_staff) in notification_render(email).body
    event = AuditEvent.objects.get(action="incident.action_reassigned")
    assert event.changes["owner"] == [riverside_staff.email, riverside_director.email]
    with pytest.raises(DomainError, match="already owns"):
        services.incident_action_reassign(action=action, actor=riverside_mso, owner=riverside_director)


def test_reassigning_is_for_the_mso_team_to_someone_who_works_there(action, riverside_staff, hillside_mso, riverside_mso):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.incident_action_reassign(action=action, actor=riverside_staff, owner=riverside_mso)
    with pytest.raises(DomainError, match="does not hold a role"):
        services.incident_action_reassign(action=action, actor=riverside_mso, owner=hillside_mso)


def test_staff_see_your_actions_on_the_home_page_with_due_dates(client, action, riverside_staff):
    client.force_login(riverside_staff)

    page = client.get(reverse("home")).content.decode()

    assert "Your actions" in page and "Audit oral syringe stock" in page
    assert f"due {action.due_date:%-d %b %Y}" in page
    assert reverse("incidents:action_detail", args=[action.pk]) in page


def test_the_owner_sees_the_action_and_only_what_they_need_of_the_incident(client, action, riverside_staff):
    client.force_login(riverside_staff)

    response = client.get(reverse("incidents:action_detail", args=[action.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Audit oral syringe stock" in page and "Morphine sulfate" in page and "Administering" in page
    assert "Mrs Example" not in page and "943 476 5919" not in page and "9434765919" not in page
    assert "Cedar Ward" not in page
    assert "Open the full incident" not in page  # staff do not review it


def test_another_persons_action_is_not_found(client, action, riverside_director, hillside_mso):
    for person in (riverside_director, hillside_mso):
        client.force_login(person)
        assert client.get(reverse("incidents:action_detail", args=[action.pk])).status_code == 404
        assert client.post(reverse("incidents:action_detail", args=[action.pk]), {"note": "Done."}).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None


def test_the_owner_marks_it_done_with_evidence_which_is_audited(client, action, riverside_staff, riverside_mso):
    client.force_login(riverside_staff)
    url = reverse("incidents:action_detail", args=[action.pk])

    refused = client.post(url, {"note": "  "})
    assert refused.status_code == 400 and "Say what was done and where the evidence is." in refused.content.decode()

    client.post(url, {"note": "Stock checked on 3 wards; report in the pharmacy shared drive."})

    action.refresh_from_db()
    assert action.done_at and action.done_by == riverside_staff
    assert action.done_note == "Stock checked on 3 wards; report in the pharmacy shared drive."
    event = AuditEvent.objects.get(action="incident.action_completed")
    assert event.actor == riverside_staff and event.changes["evidence"][1].startswith("Stock checked")
    # A second send says so and changes nothing.
    again = client.post(url, {"note": "Again."}, follow=True)
    assert "already done" in again.content.decode()
    client.force_login(riverside_mso)
    assert "Stock checked on 3 wards" in client.get(reverse("incidents:incident_detail", args=[action.incident.reference])).content.decode()


def test_the_mso_marking_done_on_the_incident_page_needs_the_evidence(client, action, riverside_mso):
    client.force_login(riverside_mso)
    url = reverse("incidents:incident_action_done", args=[action.incident.reference, action.pk])

    page = client.post(url, {"note": ""}, follow=True).content.decode()
    action.refresh_from_db()
    assert action.done_at is None and "Say what was done and where the evidence is" in page

    client.post(url, {"note": "Seen on the ward."})
    action.refresh_from_db()
    assert action.done_note == "Seen on the ward."


def test_overdue_actions_are_chased_once_to_the_owner_then_once_to_the_mso(action, riverside_staff, riverside_mso, riverside):
    today = timezone.localdate()
    IncidentAction.objects.filter(pk=action.pk).update(due_date=today)
    assert actions_chase_overdue(today=today) == 0  # not overdue on its due date
    IncidentAction.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=1))

    assert actions_chase_overdue(today=today) == 1
    assert actions_chase_overdue(today=today) == 0  # once
    action.refresh_from_db()
    assert action.owner_chased_at is not None and action.mso_chased_at is None
    owner_email = Notification.objects.get(template="incidents/email/action_overdue_owner")
    assert owner_email.recipient == riverside_staff.email
    assert owner_email.idempotency_key == f"action-overdue:{action.pk}:owner:{riverside_staff.pk}"

    # The owner has five working days before the MSO team is told.
    chased_on = timezone.localtime(action.owner_chased_at).date()
    assert actions_chase_overdue(today=add_working_days(chased_on, 5) - timedelta(days=1)) == 0
    assert actions_chase_overdue(today=add_working_days(chased_on, 5)) == 2  # the MSO and the generic mailbox
    assert actions_chase_overdue(today=add_working_days(chased_on, 30)) == 0
    action.refresh_from_db()
    assert action.mso_chased_at is not None
    assert set(Notification.objects.filter(template="incidents/email/action_overdue_mso")
               .values_list("recipient", flat=True)) == {riverside_mso.email, riverside.generic_mso_email}
    assert AuditEvent.objects.filter(action="incident.action_chased").count() == 2


def test_a_done_action_is_not_chased(action, riverside_staff):
    services.incident_action_complete(action=action, actor=riverside_staff, note="Done before it was due.")

    IncidentAction.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - timedelta(days=30))
    assert actions_chase_overdue() == 0
    assert not Notification.objects.filter(template__startswith="incidents/email/action_overdue").exists()


def test_a_handover_gives_the_successor_a_fresh_overdue_reminder(riverside, riverside_mso):
    from mso_registry.services import handover_complete, handover_start
    from tests.factories import UserFactory

    successor = UserFactory(email="next.mso@riverside.example")
    today = timezone.localdate()
    incident = services.incident_report(
        reporter=riverside_mso, organisation=riverside, anonymous=False, occurred_at=timezone.now() - timedelta(hours=1),
        department="Ward 1", stage="administering", error_types=["omitted_delayed"], physical_harm="none",
        psychological_harm="none", description="Dose missed.", medicines=[{"name": "Paracetamol"}],
    )[0]
    action = services.incident_action_add(incident=incident, actor=riverside_mso, description="Audit",
                                          owner=riverside_mso, due_date=today + timedelta(days=1))
    IncidentAction.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=1))
    assert actions_chase_overdue() == 1  # the leaver is reminded
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=today,
                              successor_start_date=today)
    handover.items.filter(required=True, done=False).update(done=True, evidence="Checked.")
    handover_complete(actor=riverside_mso, handover=handover)

    assert actions_chase_overdue() == 1  # and the successor, once
    assert Notification.objects.get(template="incidents/email/action_overdue_owner",
                                    recipient=successor.email).idempotency_key.endswith(f":owner:{successor.pk}")
