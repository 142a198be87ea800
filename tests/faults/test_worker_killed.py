"""A Celery worker killed with SIGKILL in the middle of sending an email, then started again.

The SMTP sink is made slow at one point of the conversation and the worker is killed exactly
there (the sink signals when it has reached it):

1. before the mail server has the message (it is slow to accept the recipient): after the
   restart every email reaches the sink exactly once;
2. after the mail server has the whole message but before it has said "250" (it is slow to
   reply to DATA): this is the window that no SMTP sender can close. The worker never learnt
   whether the email went, the row is left "sending", and the sweep sends it again with the same
   Message-ID. Every email arrives; only the interrupted one arrives twice, under one Message-ID
   (the de-duplication key a mail system uses), and the row says its send was interrupted.
"""

import time

import pytest
from django.db import transaction

from notifications.models import Notification
from tests.integration.fixtures import barrier, queue_email, status_of, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EMAILS = 5
IN_DOUBT_AFTER = 2  # seconds, for the restarted worker: a row "sending" longer than this was interrupted


def _queue_emails(label):
    with transaction.atomic():  # their tasks are published on commit, in order
        return [queue_email(f"{label} {n}") for n in range(EMAILS)]


def _kill_mid_send(own_redis, start_worker, publish_to, smtp_sink, settings, *, at: str):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    worker = start_worker(own_redis.url)
    publish_to(own_redis.url, worker.queue)
    if at == "rcpt":
        smtp_sink.rcpt_delay = 8.0  # under EMAIL_TIMEOUT (10 s): the send would succeed if left alone
        reached = smtp_sink.rcpt_seen
    else:
        smtp_sink.data_delay = 8.0
        reached = smtp_sink.data_seen
    notifications = _queue_emails(f"kill at {at}")
    wait_for(reached.is_set, what=f"the worker to reach the slow {at.upper()} step")
    worker.kill()

    interrupted = [n for n in notifications if status_of(n) == Notification.Status.SENDING]
    assert len(interrupted) == 1, "exactly one email was in the middle of its send"
    smtp_sink.rcpt_delay = smtp_sink.data_delay = 0.0

    restarted = start_worker(own_redis.url, queue=worker.queue, NOTIFICATION_IN_DOUBT_AFTER_SECONDS=str(IN_DOUBT_AFTER))
    # The tasks still in the queue go to the new worker; the interrupted one waits for the sweep.
    time.sleep(IN_DOUBT_AFTER + 0.5)
    from notifications.tasks import sweep_pending_notifications

    sweep_pending_notifications.apply_async(retry=False)
    barrier(smtp_sink, "after the restart")
    wait_for(
        lambda: not Notification.objects.exclude(status=Notification.Status.SENT).exists(),
        what="every row to be marked sent",
    )
    assert restarted.process.poll() is None
    return notifications, interrupted[0]


def test_worker_killed_before_the_mail_server_has_the_email_sends_each_exactly_once(
    own_redis, start_worker, publish_to, smtp_sink, settings, fault_figures
):
    notifications, interrupted = _kill_mid_send(own_redis, start_worker, publish_to, smtp_sink, settings, at="rcpt")

    for notification in notifications:
        assert smtp_sink.count(notification.message_id) == 1
    assert smtp_sink.duplicates() == {}
    assert smtp_sink.total() == EMAILS + 1  # and the barrier
    interrupted.refresh_from_db()
    assert interrupted.interrupted_sends == 1  # the sweep could not know the mail server never had it
    fault_figures(
        notifications_queued=EMAILS, workers_killed=1, emails_received=smtp_sink.total() - 1,
        distinct_message_ids=smtp_sink.distinct() - 1, duplicates=0,
    )  # fmt: skip


def test_worker_killed_after_the_mail_server_has_the_email_sends_it_again_under_the_same_message_id(
    own_redis, start_worker, publish_to, smtp_sink, settings, fault_figures
):
    notifications, interrupted = _kill_mid_send(own_redis, start_worker, publish_to, smtp_sink, settings, at="data")

    # Every email arrived; the one interrupted after the server had it arrived twice, under one Message-ID.
    assert smtp_sink.distinct() == EMAILS + 1
    for notification in notifications:
        expected = 2 if notification.pk == interrupted.pk else 1
        assert smtp_sink.count(notification.message_id) == expected
    assert smtp_sink.duplicates() == {interrupted.message_id: 2}
    interrupted.refresh_from_db()
    assert interrupted.interrupted_sends == 1
    assert interrupted.status == Notification.Status.SENT
    fault_figures(
        notifications_queued=EMAILS, workers_killed=1, emails_received=smtp_sink.total() - 1,
        distinct_message_ids=smtp_sink.distinct() - 1, repeated_under_the_same_message_id=1,
    )  # fmt: skip
