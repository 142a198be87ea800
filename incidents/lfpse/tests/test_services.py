"""Queueing and sending: a row in the incident's own transaction, held with the reason when a value
has no code, sent once per content, retried on 5xx and timeouts, a 4xx shown, a regrade an update."""

import json

import httpx
import pytest

from audit.models import AuditEvent
from incidents import services
from incidents.lfpse.delivery import lfpse_deliver, lfpse_sweep
from incidents.lfpse.models import LfpseRecord, LfpseState, LfpseSubmission

pytestmark = pytest.mark.django_db


class FakeLfpse:
    """An httpx transport that answers as told and keeps what it received."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else ("ok", "lfpse-1")
        kind, value = answer
        if kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if kind == "status":
            return httpx.Response(value, json={"resourceType": "OperationOutcome",
                                               "issue": [{"severity": "error", "code": "invalid", "diagnostics": "Bad code"}]})
        return httpx.Response(201, json={"resourceType": "AdverseEvent", "id": value})

    @property
    def transport(self):
        return httpx.MockTransport(self)


def test_off_when_no_url_is_set(make_incident, grade, settings):
    settings.LFPSE_API_URL = ""
    grade(make_incident())
    assert not LfpseRecord.objects.exists() and not LfpseSubmission.objects.exists()


def test_not_due_until_graded_then_queued_in_the_grade_transaction(lfpse_on, make_incident, grade):
    incident = make_incident()
    assert incident.lfpse.state == LfpseState.NOT_DUE
    assert not LfpseSubmission.objects.exists()
    grade(incident)
    record = LfpseRecord.objects.get(incident=incident)
    assert record.state == LfpseState.QUEUED
    submission = record.submissions.get()
    assert submission.idempotency_key == f"lfpse:{incident.pk}:v1"
    assert AuditEvent.objects.filter(action="incident.lfpse_queued", object_id=str(incident.pk)).count() == 1


def test_due_at_report_when_the_organisation_submits_on_report(lfpse_on, make_incident):
    lfpse_on.LFPSE_SUBMIT_ON = "submitted"
    incident = make_incident()
    assert incident.lfpse.state == LfpseState.QUEUED


def test_a_value_without_a_code_holds_the_incident_with_the_reason(lfpse_on, make_incident, grade):
    incident = make_incident(stage="transcribing")
    grade(incident)
    record = LfpseRecord.objects.get(incident=incident)
    assert record.state == LfpseState.HELD
    assert record.message.startswith("Cannot be sent to LFPSE: no LFPSE code for stage “Transcribing”")
    assert not record.submissions.exists()
    assert AuditEvent.objects.filter(action="incident.lfpse_held").count() == 1


def test_the_same_content_is_queued_once(lfpse_on, make_incident, grade):
    incident = make_incident()
    grade(incident)
    grade(incident)  # confirmed again, nothing changed
    assert LfpseSubmission.objects.filter(record__incident=incident).count() == 1


def test_sent_once_and_accepted_with_lfpse_reference(lfpse_on, make_incident, grade):
    incident = make_incident()
    grade(incident)
    fake = FakeLfpse(("ok", "LFPSE-123"))
    submission = LfpseSubmission.objects.get()
    lfpse_deliver(submission_id=submission.pk, transport=fake.transport)
    assert lfpse_deliver(submission_id=submission.pk, transport=fake.transport) is None  # already sent
    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request.method == "POST" and request.url.path == "/adverse-event/fhir/AdverseEvent"
    assert request.headers["Ocp-Apim-Subscription-Key"] == "test-key"
    assert request.headers["If-None-Exist"].endswith(f"|{incident.reference}")
    record = LfpseRecord.objects.get()
    assert (record.state, record.lfpse_id) == (LfpseState.ACCEPTED, "LFPSE-123")


def test_timeouts_and_5xx_are_retried_with_backoff_then_accepted(lfpse_on, make_incident, grade):
    grade(make_incident())
    fake = FakeLfpse(("timeout", None), ("status", 503), ("ok", "LFPSE-9"))
    submission = LfpseSubmission.objects.get()
    first = lfpse_deliver(submission_id=submission.pk, transport=fake.transport)
    assert first.status == LfpseSubmission.Status.PENDING and "ReadTimeout" in first.last_error
    assert first.next_attempt_at > submission.next_attempt_at
    assert lfpse_sweep(transport=fake.transport) == 0  # not due yet: backoff
    LfpseSubmission.objects.update(next_attempt_at=submission.next_attempt_at)
    lfpse_sweep(transport=fake.transport)
    assert LfpseSubmission.objects.get().status == LfpseSubmission.Status.PENDING
    LfpseSubmission.objects.update(next_attempt_at=submission.next_attempt_at)
    lfpse_sweep(transport=fake.transport)
    done = LfpseSubmission.objects.get()
    assert (done.status, done.attempts, done.lfpse_id) == (LfpseSubmission.Status.ACCEPTED, 3, "LFPSE-9")


def test_a_4xx_is_not_retried_and_shows_lfpse_message(lfpse_on, make_incident, grade):
    grade(make_incident())
    fake = FakeLfpse(("status", 422))
    submission = lfpse_deliver(submission_id=LfpseSubmission.objects.get().pk, transport=fake.transport)
    assert submission.status == LfpseSubmission.Status.REJECTED
    record = LfpseRecord.objects.get()
    assert (record.state, record.message) == (LfpseState.REJECTED, "Bad code")
    LfpseSubmission.objects.update(next_attempt_at=submission.created_at)
    assert lfpse_sweep(transport=fake.transport) == 0
    assert len(fake.requests) == 1


def test_gives_up_after_the_last_attempt(lfpse_on, make_incident, grade):
    lfpse_on.LFPSE_MAX_ATTEMPTS = 1
    grade(make_incident())
    submission = lfpse_deliver(submission_id=LfpseSubmission.objects.get().pk, transport=FakeLfpse(("status", 500)).transport)
    assert submission.status == LfpseSubmission.Status.FAILED
    assert LfpseRecord.objects.get().state == LfpseState.FAILED


def test_a_regrade_is_sent_as_an_update_with_lfpse_reference(lfpse_on, make_incident, grade):
    incident = make_incident()
    grade(incident)
    fake = FakeLfpse(("ok", "LFPSE-7"), ("ok", "LFPSE-7"))
    lfpse_deliver(submission_id=LfpseSubmission.objects.get().pk, transport=fake.transport)
    grade(incident, physical_harm="moderate", note="Needed extra monitoring.")
    second = LfpseSubmission.objects.get(version=2)
    lfpse_deliver(submission_id=second.pk, transport=fake.transport)
    update = fake.requests[1]
    assert update.method == "PUT" and update.url.path.endswith("/AdverseEvent/LFPSE-7")
    body = json.loads(update.content)
    assert body["id"] == "LFPSE-7"
    assert LfpseSubmission.objects.get(version=2).sent_as_update
    assert LfpseRecord.objects.get().state == LfpseState.ACCEPTED


def test_a_regrade_before_the_first_send_replaces_it(lfpse_on, make_incident, grade):
    incident = make_incident()
    grade(incident)
    grade(incident, physical_harm="low", note="Some harm after all.")
    statuses = dict(LfpseSubmission.objects.values_list("version", "status"))
    assert statuses == {1: LfpseSubmission.Status.SUPERSEDED, 2: LfpseSubmission.Status.PENDING}


def test_an_update_waits_for_the_version_in_flight(lfpse_on, make_incident, grade):
    incident = make_incident()
    grade(incident)
    LfpseSubmission.objects.update(status=LfpseSubmission.Status.SENDING)
    grade(incident, physical_harm="low", note="Some harm after all.")
    second = LfpseSubmission.objects.get(version=2)
    fake = FakeLfpse()
    assert lfpse_deliver(submission_id=second.pk, transport=fake.transport) is None
    assert not fake.requests


def test_an_interrupted_send_is_sent_again_by_the_sweep(lfpse_on, make_incident, grade):
    from datetime import timedelta

    from django.utils import timezone

    grade(make_incident())
    LfpseSubmission.objects.update(status=LfpseSubmission.Status.SENDING,
                                   sending_started_at=timezone.now() - timedelta(hours=1))
    fake = FakeLfpse(("ok", "LFPSE-2"))
    assert lfpse_sweep(transport=fake.transport) == 1
    assert LfpseSubmission.objects.get().status == LfpseSubmission.Status.ACCEPTED
    assert "If-None-Exist" in fake.requests[0].headers  # a repeat create finds the first, if it got there


def test_held_then_regraded_into_a_mapped_never_event_still_held_for_its_stage(lfpse_on, make_incident, grade):
    incident = make_incident(stage="advice")
    grade(incident, never_event="potassium")
    assert LfpseRecord.objects.get().state == LfpseState.HELD


def test_held_incidents_are_rechecked_after_a_mapping_update(lfpse_on, make_incident, grade, monkeypatch):
    from django.core.management import call_command

    from incidents.lfpse import mapping

    held = make_incident(stage="advice")
    grade(held)
    still_held = make_incident(stage="supply_storage")
    grade(still_held)
    updated = json.loads(json.dumps(mapping.mapping()))
    updated["fields"]["stage"]["values"]["advice"] = {"status": "mapped", "codes": {"Process": ["10"]},
                                                      "source": "taxonomy-v5: confirmed by LFPSE (test)"}
    monkeypatch.setattr(mapping, "mapping", lambda: updated)
    call_command("lfpse_recheck_held")
    assert LfpseRecord.objects.get(incident=held).state == LfpseState.QUEUED
    assert LfpseRecord.objects.get(incident=still_held).state == LfpseState.HELD


def test_closing_sends_nothing_when_lfpse_already_has_this_content(lfpse_on, make_incident, grade, riverside_mso):
    incident = make_incident()
    services.incident_transition(incident=incident, actor=riverside_mso, transition="start_review")
    grade(incident)
    lfpse_deliver(submission_id=LfpseSubmission.objects.get().pk, transport=FakeLfpse(("ok", "LFPSE-5")).transport)
    services.incident_learning_record(incident=incident, actor=riverside_mso, learning_summary="Stock list changed.")
    services.incident_transition(incident=incident, actor=riverside_mso, transition="close")
    assert LfpseSubmission.objects.count() == 1
    assert LfpseRecord.objects.get().state == LfpseState.ACCEPTED
