"""The local LFPSE stand-in answers as LFPSE does: ids for valid events, 422 with an OperationOutcome
for invalid ones, 503 when down, too late when timing out; and the app's sends go through it."""

import httpx
import pytest

from incidents.lfpse.delivery import ENDPOINT, lfpse_sweep
from incidents.lfpse.models import LfpseRecord, LfpseState, LfpseSubmission

from .test_resource import build

HEADERS = {"Ocp-Apim-Subscription-Key": "test-key"}


def post(standin, resource, **headers):
    return httpx.post(standin.url + ENDPOINT, json=resource, headers={**HEADERS, **headers}, timeout=5)


def test_a_valid_event_gets_an_id_and_can_be_updated(lfpse_standin):
    created = post(lfpse_standin, build())
    assert created.status_code == 201
    lfpse_id = created.json()["id"]
    assert created.headers["Location"].startswith(f"{ENDPOINT}/{lfpse_id}")
    updated = httpx.put(f"{lfpse_standin.url}{ENDPOINT}/{lfpse_id}", json={**build(physical_harm="severe"), "id": lfpse_id},
                        headers=HEADERS, timeout=5)
    assert updated.status_code == 200
    assert lfpse_standin.app.summary()["creates"] == {"MI-2026-000001": 1}
    assert lfpse_standin.app.summary()["updates"] == {"MI-2026-000001": 1}


def test_an_invalid_event_gets_422_with_an_operation_outcome(lfpse_standin):
    resource = build()
    resource["meta"]["profile"] = []
    answer = post(lfpse_standin, resource)
    assert answer.status_code == 422
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "meta.profile must declare" in body["issue"][0]["diagnostics"]
    assert post(lfpse_standin, {"resourceType": "AdverseEvent"}).status_code == 422  # no subject: not FHIR R4


def test_an_unknown_ods_code_is_rejected(lfpse_standin):
    answer = post(lfpse_standin, build(organisation_ods="R9X"))
    assert answer.status_code == 422
    assert "ODS code R9X is not in ods-codes-5" in answer.text


def test_a_wrong_key_is_refused(lfpse_standin):
    assert httpx.post(lfpse_standin.url + ENDPOINT, json=build(), timeout=5).status_code == 401


def test_a_conditional_create_finds_the_event_already_made(lfpse_standin):
    condition = {"If-None-Exist": "identifier=https://medsafety.example/incidents/reference|MI-2026-000001"}
    first, again = post(lfpse_standin, build(), **condition), post(lfpse_standin, build(), **condition)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert lfpse_standin.app.summary()["events"] == 1


def test_down_and_timing_out_store_nothing(lfpse_standin):
    lfpse_standin.app.set_mode("down")
    assert post(lfpse_standin, build()).status_code == 503
    lfpse_standin.app.set_mode("timeout", delay=1.5)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(lfpse_standin.url + ENDPOINT, json=build(), headers=HEADERS, timeout=0.5)
    assert lfpse_standin.app.summary()["events"] == 0


@pytest.mark.django_db
def test_the_app_sends_through_the_stand_in_after_commit(lfpse_standin, make_incident, grade,
                                                          django_capture_on_commit_callbacks):
    incident = make_incident()
    with django_capture_on_commit_callbacks(execute=True):
        grade(incident)
    record = LfpseRecord.objects.get(incident=incident)
    assert record.state == LfpseState.ACCEPTED
    assert lfpse_standin.app.events[record.lfpse_id]["identifier"]["value"] == incident.reference


@pytest.mark.django_db
def test_a_timeout_then_a_late_answer_still_makes_one_event(lfpse_standin, make_incident, grade):
    """The stand-in stores the event but answers after the app stopped waiting: the next try is a
    conditional create that finds it, so LFPSE has it once."""
    incident = make_incident()
    grade(incident)
    lfpse_standin.app.set_mode("slow_commit", delay=1.5)
    lfpse_sweep()
    assert LfpseSubmission.objects.get().status == LfpseSubmission.Status.PENDING
    lfpse_standin.app.set_mode("ok")
    LfpseSubmission.objects.update(next_attempt_at=LfpseSubmission.objects.get().created_at)
    lfpse_sweep()
    assert LfpseRecord.objects.get().state == LfpseState.ACCEPTED
    assert lfpse_standin.app.summary()["creates"] == {incident.reference: 1}
