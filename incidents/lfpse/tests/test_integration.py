"""LFPSE submission with the real pieces: a Celery worker on Redis, PostgreSQL, and the local LFPSE
stand-in over HTTP. LFPSE down for a while loses nothing and each incident arrives exactly once;
a rejection reaches the MSO's page with LFPSE's words; a regrade arrives as an update."""

import pytest
from django.urls import reverse

from incidents.lfpse.models import LfpseRecord, LfpseState, LfpseSubmission
from incidents.lfpse.tasks import sweep_lfpse_submissions
from tests.integration.fixtures import *  # noqa: F403
from tests.integration.fixtures import wait_for

from .conftest import BASE

pytestmark = pytest.mark.integration


def worker_env(standin) -> dict:
    return {
        "LFPSE_API_URL": standin.url, "LFPSE_API_KEY": "test-key", "LFPSE_TAXONOMY_BASE": BASE,
        "LFPSE_SUBMIT_ON": "graded", "LFPSE_TIMEOUT_SECONDS": "1", "LFPSE_RETRY_AFTER_SECONDS": "1",
    }


@pytest.fixture
def lfpse_worker(lfpse_standin, shared_redis_url, start_worker, publish_to):
    worker = start_worker(shared_redis_url, **worker_env(lfpse_standin))
    publish_to(shared_redis_url, worker.queue)
    return worker


def states() -> dict:
    return dict(LfpseRecord.objects.values_list("incident__reference", "state"))


def sweep_until(predicate, *, what: str):
    """What beat does every minute, every half second: the worker sends whatever is due."""

    def swept():
        if predicate():
            return True
        sweep_lfpse_submissions.apply_async(retry=False)
        return False

    return wait_for(swept, what=what, interval=0.5)


def test_lfpse_down_for_a_while_loses_nothing_and_each_incident_arrives_once(
    lfpse_standin, lfpse_worker, make_incident, grade
):
    standin = lfpse_standin.app
    standin.set_mode("down")
    incidents = [make_incident(department=f"Ward {n}") for n in range(3)]
    for incident in incidents:
        grade(incident)
    wait_for(lambda: standin.summary()["requests"].get("refused: down", 0) >= 3, what="three refusals while LFPSE is down")
    assert set(states().values()) == {LfpseState.QUEUED}

    standin.set_mode("timeout", delay=2.5)  # the worker gives up after 1 s; nothing is stored
    sweep_until(lambda: all(s.status == LfpseSubmission.Status.PENDING and s.attempts >= 2
                            for s in LfpseSubmission.objects.all()), what="every incident timed out once")
    assert standin.summary()["requests"]["refused: timeout"] >= 3
    assert set(states().values()) == {LfpseState.QUEUED}

    standin.set_mode("ok")
    sweep_until(lambda: set(states().values()) == {LfpseState.ACCEPTED}, what="every incident accepted")
    summary = standin.summary()
    assert summary["creates"] == {i.reference: 1 for i in incidents}
    assert summary["events"] == 3
    for record in LfpseRecord.objects.all():
        assert standin.events[record.lfpse_id]["identifier"]["value"] == record.incident.reference


def test_a_rejection_is_shown_to_the_mso_and_not_sent_again(
    lfpse_standin, lfpse_worker, make_incident, grade, riverside_mso, client
):
    standin = lfpse_standin.app
    standin.unknown_ods = {"R9R"}
    incident = make_incident()
    grade(incident)
    wait_for(lambda: states().get(incident.reference) == LfpseState.REJECTED, what="LFPSE's rejection")
    sweep_until(lambda: standin.summary()["requests"].get("rejected") == 1 and LfpseSubmission.objects.get().status
                == LfpseSubmission.Status.REJECTED, what="a settled rejection")
    sweep_lfpse_submissions.apply_async(retry=False)
    client.force_login(riverside_mso)
    html = client.get(reverse("incidents:incident_detail", args=[incident.reference])).content.decode()
    assert "Rejected by LFPSE" in html
    assert "ODS code R9R is not in ods-codes-5" in html
    assert standin.summary()["requests"]["rejected"] == 1  # a 4xx is not tried again


def test_a_regrade_is_resubmitted_as_an_update_of_lfpse_reference(lfpse_standin, lfpse_worker, make_incident, grade):
    standin = lfpse_standin.app
    incident = make_incident()
    grade(incident)
    wait_for(lambda: states().get(incident.reference) == LfpseState.ACCEPTED, what="the first version accepted")
    lfpse_id = LfpseRecord.objects.get().lfpse_id
    grade(incident, physical_harm="severe", note="The patient needed treatment.")
    wait_for(lambda: LfpseRecord.objects.get().accepted_version == 2, what="the regrade accepted")
    summary = standin.summary()
    assert summary["creates"] == {incident.reference: 1}
    assert summary["updates"] == {incident.reference: 1}
    record = LfpseRecord.objects.get()
    assert (record.state, record.lfpse_id) == (LfpseState.ACCEPTED, lfpse_id)
    patient = standin.events[lfpse_id]["contained"][0]["extension"][0]["extension"]
    assert {"url": "PhysicalHarm", "valueCode": "2"} in patient  # severe
