"""The MSO's review: status moves as data, regrading with audit, learning, actions, feedback, closing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError
from incidents import services
from incidents.models import TRANSITIONS, Status
from notifications.models import Notification


def ready_to_close(incident, mso):
    services.incident_transition(incident=incident, actor=mso, transition="start_review")
    services.incident_grade(incident=incident, actor=mso, physical_harm="none", psychological_harm="none")
    services.incident_learning_record(incident=incident, actor=mso, learning_summary="Stock list updated.")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["start_review"], Status.IN_REVIEW),
        (["start_review", "await_actions"], Status.AWAITING_ACTIONS),
        (["start_review", "await_actions", "resume_review"], Status.IN_REVIEW),
        (["close"], Status.CLOSED),
        (["close", "reopen"], Status.REOPENED),
        (["close", "reopen", "start_review"], Status.IN_REVIEW),
    ],
)
def test_each_allowed_status_move(make_incident, riverside_mso, path, expected):
    incident = make_incident()
    if path[0] == "close":
        ready_to_close(incident, riverside_mso)
    for name in path:
        incident = services.incident_transition(incident=incident, actor=riverside_mso, transition=name)

    assert incident.status == expected
    moves = AuditEvent.objects.filter(action="incident.status_changed", object_id=str(incident.pk)).count()
    assert moves == len(path) + (1 if path[0] == "close" else 0)


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if Status.SUBMITTED not in t.sources])
def test_a_move_not_allowed_from_submitted_is_refused(make_incident, riverside_mso, transition):
    incident = make_incident()

    with pytest.raises(DomainError, match="cannot move"):
        services.incident_transition(incident=incident, actor=riverside_mso, transition=transition.name)
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED


def test_an_unknown_move_is_refused(make_incident, riverside_mso):
    with pytest.raises(DomainError):
        services.incident_transition(incident=make_incident(), actor=riverside_mso, transition="delete")


def test_the_safety_team_may_start_a_review_but_not_close(make_incident, riverside_mso, riverside_safety_team):
    incident = make_incident()
    ready_to_close(incident, riverside_mso)

    with pytest.raises(PermissionDenied):
        services.incident_transition(incident=incident, actor=riverside_safety_team, transition="close")
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW


def test_the_deputy_may_close(make_incident, riverside_mso, riverside_deputy):
    incident = make_incident()
    ready_to_close(incident, riverside_mso)

    assert services.incident_transition(incident=incident, actor=riverside_deputy, transition="close").status == Status.CLOSED


def test_staff_cannot_move_an_incident(make_incident, riverside_staff):
    with pytest.raises(PermissionDenied):
        services.incident_transition(incident=make_incident(), actor=riverside_staff, transition="start_review")


def test_closing_needs_a_confirmed_grade_learning_and_every_action_done(make_incident, riverside_mso, riverside_staff):
    incident = make_incident()
    services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")

    with pytest.raises(DomainError, match="confirm or regrade the harm, write the learning summary"):
        services.incident_transition(incident=incident, actor=riverside_mso, transition="close")

    ready = services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="low", psychological_harm="none")
    services.incident_learning_record(incident=ready, actor=riverside_mso, learning_summary="Learned.")
    action = services.incident_action_add(
        incident=incident, actor=riverside_mso, description="Update the stock list", owner=riverside_staff,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    with pytest.raises(DomainError, match="complete the 1 open action"):
        services.incident_transition(incident=incident, actor=riverside_mso, transition="close")

    services.incident_action_complete(action=action, actor=riverside_staff)  # the owner marks it done
    closed = services.incident_transition(incident=incident, actor=riverside_mso, transition="close")
    assert closed.status == Status.CLOSED and closed.closed_at is not None


def test_regrading_keeps_the_reporters_grade_and_audits_the_change_with_the_reason(make_incident, riverside_mso):
    incident = make_incident(physical_harm="low")

    graded = services.incident_grade(
        incident=incident, actor=riverside_mso, physical_harm="moderate", psychological_harm="low",
        ncc_merp_category="E", note="Needed a glucose infusion.",
    )

    assert graded.reported_physical_harm == "low" and graded.physical_harm == "moderate"
    event = AuditEvent.objects.get(action="incident.regraded")
    assert event.actor == riverside_mso
    assert event.changes["physical_harm"] == ["low", "moderate"]
    assert event.changes["ncc_merp_category"] == ["", "E"]
    assert event.changes["note"] == [None, "Needed a glucose infusion."]


def test_every_regrade_is_kept(make_incident, riverside_mso):
    incident = make_incident(physical_harm="low")
    for grade in ("moderate", "low", "none"):
        # A regrade below moderate withdraws the duty of candour, which needs the reviewer's reason.
        services.incident_grade(incident=incident, actor=riverside_mso, physical_harm=grade, psychological_harm="none",
                                note=f"Now {grade}.")

    grades = list(AuditEvent.objects.filter(action="incident.regraded").order_by("id").values_list("changes", flat=True))
    assert [c["physical_harm"] for c in grades] == [["low", "moderate"], ["moderate", "low"], ["low", "none"]]


def test_a_regrade_to_severe_escalates_to_the_director(make_incident, riverside_mso, riverside_director):
    incident = make_incident(physical_harm="low")

    services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="severe", psychological_harm="none")

    assert incident.escalations.filter(acknowledged_at__isnull=True).count() == 1
    assert Notification.objects.filter(recipient="director@riverside.example").count() == 1


def test_a_closed_incident_cannot_be_regraded(make_incident, riverside_mso):
    incident = make_incident()
    ready_to_close(incident, riverside_mso)
    services.incident_transition(incident=incident, actor=riverside_mso, transition="close")

    with pytest.raises(DomainError, match="Reopen it"):
        services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="fatal", psychological_harm="none")


def test_feedback_is_emailed_once_to_a_named_reporter(
    make_incident, riverside_mso, riverside_staff, mailoutbox, django_capture_on_commit_callbacks
):
    incident = make_incident()

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_feedback_give(incident=incident, actor=riverside_mso, feedback="Thank you for reporting.")

    rows = Notification.objects.filter(recipient=riverside_staff.email, subject__startswith="Feedback")
    assert rows.count() == 1
    assert rows.get().status == Notification.Status.SENT
    assert [m.to for m in mailoutbox if "Feedback" in m.subject] == [[riverside_staff.email]]


def test_feedback_to_an_anonymous_reporter_sends_no_email(make_incident, riverside_mso):
    incident = make_incident(anonymous=True)

    services.incident_feedback_give(incident=incident, actor=riverside_mso, feedback="Thank you.")

    assert not Notification.objects.filter(subject__startswith="Feedback").exists()


def test_the_reporter_sees_the_feedback_on_their_report(client, make_incident, riverside_mso, riverside_staff):
    incident = make_incident()
    services.incident_feedback_give(incident=incident, actor=riverside_mso, feedback="Pharmacy changed the stock list.")
    client.force_login(riverside_staff)

    page = client.get(reverse("incidents:incident_detail", args=[incident.reference])).content.decode()

    assert "Pharmacy changed the stock list." in page
    assert "Harm grade" not in page  # no review controls for the reporter


def test_an_action_owner_must_work_for_the_organisation(make_incident, riverside_mso, hillside_mso):
    with pytest.raises(DomainError, match="does not hold a role"):
        services.incident_action_add(
            incident=make_incident(), actor=riverside_mso, description="Audit", owner=hillside_mso,
            due_date=timezone.localdate(),
        )


def test_the_review_page_keeps_what_was_typed_when_a_form_is_wrong(client, make_incident, riverside_mso):
    incident = make_incident(physical_harm="low")
    client.force_login(riverside_mso)

    response = client.post(
        reverse("incidents:incident_grade", args=[incident.reference]),
        {"physical_harm": "moderate", "psychological_harm": "none", "note": ""},
    )

    assert response.status_code == 400
    assert "Say why you are changing the harm grade" in response.content.decode()
    incident.refresh_from_db()
    assert incident.physical_harm == "low"


def test_the_status_buttons_move_the_incident(client, make_incident, riverside_mso):
    incident = make_incident()
    client.force_login(riverside_mso)

    client.post(reverse("incidents:incident_transition", args=[incident.reference]), {"transition": "start_review"})

    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW and incident.review_started_at is not None


def test_feedback_changed_back_and_forth_is_emailed_for_each_decision(
    make_incident, riverside_mso, riverside_staff, mailoutbox, django_capture_on_commit_callbacks
):
    """A → B → A: three decisions, three emails, each keyed by its own audit event (the third is
    not mistaken for a repeat of the first because the words are the same)."""
    incident = make_incident()
    for words in ("Thank you: stock list changed.", "Thank you: the dose check is now automatic.",
                  "Thank you: stock list changed."):
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_feedback_give(incident=incident, actor=riverside_mso, feedback=words)

    sent = [m.body for m in mailoutbox if m.subject.startswith("Feedback")]
    assert len(sent) == 3
    assert "stock list changed" in sent[0] and "automatic" in sent[1] and "stock list changed" in sent[2]
    events = AuditEvent.objects.filter(action="incident.feedback_given").order_by("id")
    keys = set(Notification.objects.filter(subject__startswith="Feedback").values_list("idempotency_key", flat=True))
    assert keys == {f"incident-feedback:{incident.pk}:{event.pk}" for event in events}


def test_a_retried_feedback_request_sends_once(
    client, make_incident, riverside_mso, riverside_staff, mailoutbox, django_capture_on_commit_callbacks
):
    """The same form sent twice through the page (a double click): one decision, one email."""
    incident = make_incident()
    client.force_login(riverside_mso)
    url = reverse("incidents:incident_feedback", args=[incident.reference])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"feedback": "Thank you for reporting."}).status_code == 302
    assert len([m for m in mailoutbox if m.subject.startswith("Feedback")]) == 1
    assert AuditEvent.objects.filter(action="incident.feedback_given").count() == 1
