"""End-to-end delivery of the notification outbox, with real services.

A real Celery worker subprocess (solo pool) reads the pytest test database, takes tasks
from a real Redis and sends through SMTP to an aiosmtpd sink in this process, which counts
every message it receives by Message-ID. The tests prove that:

1. a committed user action (a role assignment) is emailed exactly once, and a repeat of
   the same idempotency key, or a duplicate task message, sends nothing more;
2. with Redis down the user's action still succeeds at once, the row waits, and once
   Redis is back the worker's sweep sends it exactly once;
3. a stalled broker (accepts connections, never answers) does not hang the request, the
   row is left for the sweep, and /health/ says 503 within a few seconds; a transaction
   that queues several emails pays for the stall once, not once per email.

The worker tests need PostgreSQL (DATABASE_URL: the worker must open the same test database, and an
in-memory SQLite one cannot be shared), Redis (CELERY_BROKER_URL, else 127.0.0.1:6379) and
the redis-server binary. Without them they skip on a laptop and fail in CI (CI=true).

Every worker consumes a queue of its own, so nothing else listening on the same Redis
database can take these tasks, and stale messages from other runs never reach this worker.
"""

import time

import pytest
from django.db import transaction

from mso_registry.models import Role
from mso_registry.services import role_assign
from notifications.models import Notification
from notifications.services import notification_enqueue, notification_queue
from tests.factories import UserFactory
from tests.integration.fixtures import *  # noqa: F403 - the shared real services (smtp_sink, own_redis, ...)
from tests.integration.fixtures import REQUEST_BUDGET_SECONDS, barrier, queue_email, quickly, status_of, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _assign_role(actor, organisation, role=Role.STAFF):
    user = UserFactory()
    assignment = role_assign(actor=actor, user=user, role=role, organisation=organisation)
    return Notification.objects.get(idempotency_key=f"role-assigned:{assignment.pk}")


# --- 1. Delivered exactly once ----------------------------------------------------------------


def test_committed_role_assignment_is_emailed_exactly_once(
    shared_redis_url, start_worker, publish_to, smtp_sink, registry_admin, riverside, client
):
    worker = start_worker(shared_redis_url)
    publish_to(shared_redis_url, worker.queue)

    notification, seconds = quickly(lambda: _assign_role(registry_admin, riverside, Role.MSO))
    assert seconds < REQUEST_BUDGET_SECONDS

    wait_for(lambda: status_of(notification) == Notification.Status.SENT, what="the row to be marked sent")
    wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.sent_at is not None
    [received] = [m for m in smtp_sink.messages if str(m["Message-ID"]).strip() == notification.message_id]
    assert received["To"] == notification.recipient
    assert received["Subject"] == f"You are now Medication Safety Officer for {riverside.name}"

    # The same action queued again under the same idempotency key gives the same row and no task.
    again = notification_queue(
        recipient=notification.recipient,
        subject=notification.subject,
        template=notification.template,
        context=notification.context,
        idempotency_key=notification.idempotency_key,
    )
    assert again.pk == notification.pk
    assert Notification.objects.filter(idempotency_key=notification.idempotency_key).count() == 1
    # A duplicate task message for a sent row (a redelivery, a retry) sends nothing either.
    assert notification_enqueue(notification_id=notification.pk) is True

    barrier(smtp_sink, "after duplicates")
    assert smtp_sink.count(notification.message_id) == 1
    assert status_of(notification) == Notification.Status.SENT

    response = client.get("/health/")
    assert response.status_code == 200, response.content
    assert response.json()["broker"] == "ok"


# --- 2. Redis down during the action ------------------------------------------------------------


def test_action_succeeds_with_redis_down_and_sweep_sends_once_it_is_back(
    own_redis, start_worker, publish_to, smtp_sink, registry_admin, riverside, settings
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0  # the sweep may send the row at once
    worker = start_worker(own_redis.url)
    publish_to(own_redis.url, worker.queue)

    own_redis.stop()
    notification, seconds = quickly(lambda: _assign_role(registry_admin, riverside))
    assert seconds < REQUEST_BUDGET_SECONDS, f"the role assignment took {seconds:.1f} s with Redis down"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 0

    own_redis.start()
    time.sleep(0.5)
    assert status_of(notification) == Notification.Status.PENDING, "nothing but the sweep should send it"
    assert smtp_sink.count(notification.message_id) == 0

    # What beat would do every minute: the sweep, through the broker, run by the worker.
    from notifications.tasks import sweep_pending_notifications

    sweep_pending_notifications.apply_async(retry=False)
    wait_for(lambda: status_of(notification) == Notification.Status.SENT, what="the sweep to send the row")
    wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")

    sweep_pending_notifications.apply_async(retry=False)  # a second sweep finds nothing to do
    barrier(smtp_sink, "after second sweep")
    assert smtp_sink.count(notification.message_id) == 1
    assert smtp_sink.total() == 2  # the row and the barrier, nothing else


# --- 3. A stalled broker ------------------------------------------------------------------------


def test_stalled_broker_does_not_hang_a_role_assignment_and_health_says_503(
    stalled_broker, shared_redis_url, start_worker, publish_to, smtp_sink, registry_admin, riverside, client, settings
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    worker = start_worker(shared_redis_url)  # on the real Redis, for the sweep afterwards
    publish_to(stalled_broker.url, worker.queue)

    notification, seconds = quickly(lambda: _assign_role(registry_admin, riverside))
    assert seconds < REQUEST_BUDGET_SECONDS, f"the role assignment took {seconds:.1f} s on a stalled broker"
    assert stalled_broker.accepted, "the publish never reached the stalled listener"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 0

    response, seconds = quickly(lambda: client.get("/health/"))
    assert response.status_code == 503, response.content
    assert response.json()["broker"] == "down"
    assert seconds < REQUEST_BUDGET_SECONDS, f"/health/ took {seconds:.1f} s on a stalled broker"

    # The broker answers again: the sweep sends the row, once.
    from notifications.tasks import sweep_pending_notifications

    publish_to(shared_redis_url, worker.queue)
    sweep_pending_notifications.apply_async(retry=False)
    wait_for(lambda: smtp_sink.count(notification.message_id) == 1, what="the email at the SMTP sink")
    wait_for(lambda: status_of(notification) == Notification.Status.SENT, what="the sweep to send the row")
    barrier(smtp_sink, "after sweep")
    assert smtp_sink.count(notification.message_id) == 1


def test_stalled_broker_costs_one_timeout_however_many_emails_a_transaction_queues(stalled_broker, publish_to):
    """An action that queues several emails (a role the national registry is told about, a
    handover) pays for the stalled broker once, not once per email. Needs no worker."""
    publish_to(stalled_broker.url, "medsafety-it-stalled")

    def action():
        with transaction.atomic():  # the on-commit tasks are queued when this block ends
            return [queue_email(f"stalled {n}") for n in range(3)]

    notifications, seconds = quickly(action)
    assert seconds < REQUEST_BUDGET_SECONDS, f"three emails took {seconds:.1f} s to queue on a stalled broker"
    assert stalled_broker.accepted, "the publish never reached the stalled listener"
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING  # left for the sweep
        assert notification.attempts == 0
