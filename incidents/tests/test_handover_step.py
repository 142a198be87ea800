"""Issue 15, point 3: completing an MSO handover moves the leaver's open reviews and open actions to the
successor, in the completion's transaction, audited, with one email to the successor listing them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from incidents import services
from incidents.handover import move_open_actions, move_open_reviews
from incidents.models import Status
from mso_registry import handover_steps
from mso_registry.models import Handover, Role, RoleAssignment
from mso_registry.selectors import forget_current_roles
from mso_registry.services import handover_complete, handover_start
from notifications.models import Notification
from notifications.services import notification_render
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def successor():
    return UserFactory(email="next.mso@riverside.example", full_name="Dr Next MSO")


@pytest.fixture
def work(make_incident, riverside_mso, riverside_deputy, riverside_staff, hillside_mso):
    """The leaver reviews two open incidents and has closed one; the deputy reviews another; the leaver
    owns two open actions and one done; a fifth incident has not been taken up yet."""
    mine = [make_incident(department=f"Ward {n}") for n in (1, 2)]
    for incident in mine:
        services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    deputy_one = make_incident(department="Ward 3")
    services.incident_transition(incident=deputy_one, actor=riverside_deputy, transition="start_review")
    untaken = make_incident(department="Ward 4")
    due = TODAY + timedelta(days=14)
    open_action = services.incident_action_add(incident=mine[0], actor=riverside_mso, description="Audit insulin charts",
                                               owner=riverside_mso, due_date=due)
    second_action = services.incident_action_add(incident=deputy_one, actor=riverside_deputy,
                                                 description="Retrain night staff", owner=riverside_mso, due_date=due)
    done_action = services.incident_action_add(incident=mine[1], actor=riverside_mso, description="Done already",
                                               owner=riverside_mso, due_date=due)
    services.incident_action_complete(action=done_action, actor=riverside_mso)
    staff_action = services.incident_action_add(incident=mine[1], actor=riverside_mso, description="Staff's own",
                                                owner=riverside_staff, due_date=due)
    return {"mine": mine, "deputy": deputy_one, "untaken": untaken, "open_actions": [open_action, second_action],
            "done_action": done_action, "staff_action": staff_action}


def _complete(riverside_mso, riverside, successor):
    handover = handover_start(actor=riverside_mso, organisation=riverside, successor=successor, leaving_date=TODAY,
                              successor_start_date=TODAY)
    handover.items.filter(required=True, done=False).update(done=True, evidence="Checked.")
    return handover_complete(actor=riverside_mso, handover=handover)


def test_the_incidents_steps_are_registered_by_incidents_itself():
    assert move_open_reviews in handover_steps.registered()
    assert move_open_actions in handover_steps.registered()


def test_starting_a_review_makes_the_starter_the_reviewer(work, riverside_mso, riverside_deputy):
    for incident in [*work["mine"], work["deputy"]]:
        incident.refresh_from_db()
    assert {i.reviewer for i in work["mine"]} == {riverside_mso}
    assert work["deputy"].reviewer == riverside_deputy
    work["untaken"].refresh_from_db()
    assert work["untaken"].reviewer is None


def test_completing_moves_the_leavers_open_reviews_and_actions(work, riverside_mso, riverside_deputy, riverside_staff,
                                                                riverside, successor):
    _complete(riverside_mso, riverside, successor)
    for incident in work["mine"]:
        incident.refresh_from_db()
        assert incident.reviewer == successor
    for key, keeper in (("deputy", riverside_deputy),):
        work[key].refresh_from_db()
        assert work[key].reviewer == keeper
    for action in work["open_actions"]:
        action.refresh_from_db()
        assert action.owner == successor
    work["done_action"].refresh_from_db()
    work["staff_action"].refresh_from_db()
    assert work["done_action"].owner == riverside_mso  # what is done stays with who did it
    assert work["staff_action"].owner == riverside_staff


def test_a_closed_incident_keeps_its_reviewer(work, riverside_mso, riverside, successor):
    incident = work["mine"][1]
    incident.refresh_from_db()
    incident.status, incident.closed_at = Status.CLOSED, timezone.now()
    incident.save()
    _complete(riverside_mso, riverside, successor)
    incident.refresh_from_db()
    assert incident.reviewer == riverside_mso


def test_each_move_is_audited(work, riverside_mso, riverside, successor):
    handover = _complete(riverside_mso, riverside, successor)
    moved = AuditEvent.objects.filter(action="incident.reviewer_changed")
    assert sorted(moved.values_list("object_id", flat=True)) == sorted(str(i.pk) for i in work["mine"])
    event = moved.first()
    assert event.actor == riverside_mso and event.changes["reviewer"] == [riverside_mso.email, successor.email]
    assert AuditEvent.objects.filter(action="incident.action_reassigned").count() == 2
    completed = AuditEvent.objects.get(action="handover.completed", object_id=str(handover.pk))
    assert completed.changes["Open incidents you now review"] == [None, 2]
    assert completed.changes["Open actions you now own"] == [None, 2]


def test_the_successor_gets_one_email_listing_what_they_now_hold(work, riverside_mso, riverside, successor):
    handover = _complete(riverside_mso, riverside, successor)
    emails = Notification.objects.filter(recipient=successor.email)
    # The handover's start email, then exactly one at completion (not a second "you are now MSO" too).
    assert list(emails.values_list("idempotency_key", flat=True).order_by("pk")) == [
        f"handover-successor:{handover.pk}", f"handover-completed-successor:{handover.pk}",
    ]
    email = emails.get(idempotency_key=f"handover-completed-successor:{handover.pk}")
    groups = {group["heading"]: group["lines"] for group in email.context["moved"]}
    assert [line.split(" ")[0] for line in groups["Open incidents you now review"]] == [i.reference for i in work["mine"]]
    assert any("Audit insulin charts" in line for line in groups["Open actions you now own"])
    assert any("Retrain night staff" in line for line in groups["Open actions you now own"])
    text = notification_render(email).body
    assert "What you now hold:" in text and work["mine"][0].reference in text and "Retrain night staff" in text


def test_the_checklist_records_what_moved(work, riverside_mso, riverside, successor):
    handover = _complete(riverside_mso, riverside, successor)
    item = handover.items.get(code="reassign")
    assert item.done and "2 open incidents under review, 2 open actions" in item.evidence


def test_a_failing_step_rolls_the_whole_handover_back(work, riverside_mso, riverside, successor):
    def broken_step(**kwargs):
        raise RuntimeError("the incidents database went away")

    handover_steps.register(broken_step)
    try:
        with pytest.raises(RuntimeError):
            _complete(riverside_mso, riverside, successor)
    finally:
        handover_steps.unregister(broken_step)
    handover = Handover.objects.get()
    assert handover.status == Handover.Status.IN_PROGRESS
    assert RoleAssignment.objects.current().get(organisation=riverside, role=Role.MSO).user == riverside_mso
    for incident in work["mine"]:
        incident.refresh_from_db()
        assert incident.reviewer == riverside_mso
    for action in work["open_actions"]:
        action.refresh_from_db()
        assert action.owner == riverside_mso
    assert not AuditEvent.objects.filter(action__in=["incident.reviewer_changed", "handover.completed"]).exists()
    assert not Notification.objects.filter(idempotency_key__startswith="handover-completed").exists()


def test_only_this_organisations_work_moves(work, riverside_mso, riverside, hillside, successor, make_incident,
                                            hillside_staff):
    # The leaver also reviews at Hillside (a second role there): that review stays theirs.
    RoleAssignmentFactory(user=riverside_mso, organisation=hillside, role=Role.SAFETY_TEAM)
    forget_current_roles(riverside_mso)
    elsewhere = make_incident(reporter=hillside_staff, organisation=hillside)
    services.incident_transition(incident=elsewhere, actor=riverside_mso, transition="start_review")
    _complete(riverside_mso, riverside, successor)
    elsewhere.refresh_from_db()
    assert elsewhere.reviewer == riverside_mso
