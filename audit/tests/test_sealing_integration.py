"""With a real broker and a real Celery worker (tests/integration/fixtures.py), an audited change is
sealed by the task its commit queued: nobody calls the sealer here."""

import pytest

from audit.models import AuditEvent
from audit.services import verify_chain
from mso_registry.models import Role
from mso_registry.services import organisation_update, role_assign
from tests.factories import UserFactory
from tests.integration.fixtures import *  # noqa: F403 - the shared real services (start_worker, publish_to, ...)
from tests.integration.fixtures import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_seals_a_committed_change_into_its_chain(shared_redis_url, start_worker, publish_to, registry_admin, riverside):
    worker = start_worker(shared_redis_url)
    publish_to(shared_redis_url, worker.queue)
    assignment = role_assign(actor=registry_admin, user=UserFactory(), role=Role.MSO, organisation=riverside)
    events = AuditEvent.objects.filter(organisation=riverside)
    assert events.filter(object_id=str(assignment.pk), action="role.assigned").exists()
    wait_for(lambda: not events.filter(chain_sequence__isnull=True).exists(), what="the worker to seal the events")
    assert sorted(events.values_list("chain_sequence", flat=True)) == [1, 2, 3]  # role, change request, acceptance
    assert verify_chain() == (3, None)


def test_a_burst_of_changes_is_sealed_by_the_tasks_it_published(shared_redis_url, start_worker, publish_to, registry_admin, riverside):
    """Changes committed within a second publish one seal task between them, delayed by a second: it runs
    after the last of them and seals them all."""
    worker = start_worker(shared_redis_url)
    publish_to(shared_redis_url, worker.queue)
    for n in range(6):
        organisation_update(actor=registry_admin, organisation=riverside, name=f"Riverside {n}")
    events = AuditEvent.objects.filter(organisation=riverside, action="organisation.updated")
    assert events.count() == 6
    wait_for(lambda: not events.filter(chain_sequence__isnull=True).exists(), what="the worker to seal the burst")
    assert sorted(events.values_list("chain_sequence", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert verify_chain() == (6, None)
