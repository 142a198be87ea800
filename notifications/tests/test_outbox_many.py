"""The batch path of the outbox: many rows in a few queries, one task on commit, sent once."""

from unittest import mock

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_queue, notifications_queue_many, notifications_sweep

pytestmark = pytest.mark.django_db


def _rows(n, prefix="many"):
    return [
        {
            "recipient": f"mso{i}@trust.example", "subject": "Medication Safety Update",
            "template": "mso_registry/email/role_assigned",
            "context": {"person": "MSO", "role": "MSO", "organisation": f"Trust {i}", "start_date": "today"},
            "idempotency_key": f"{prefix}:{i}",
        }
        for i in range(n)
    ]


def test_many_rows_in_a_few_queries_and_one_task_on_commit(django_assert_max_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(12):
            ids = notifications_queue_many(_rows(1200))
    assert len(ids) == 1200 == Notification.objects.filter(status=Notification.Status.PENDING).count()
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_task_delivers_them_all_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications_queue_many(_rows(5))
    assert len(mail.outbox) == 5
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()


def test_keys_already_in_the_outbox_are_not_written_or_queued_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_queue(**_rows(1)[0])
        again = notifications_queue_many(_rows(3))
        repeat = notifications_queue_many(_rows(3))
    assert first.pk not in again and len(again) == 2 and repeat == []
    assert Notification.objects.count() == 3 and len(mail.outbox) == 3


def test_a_broker_failure_leaves_the_rows_to_the_sweep(django_capture_on_commit_callbacks, caplog, monkeypatch):
    from django.utils import timezone

    from notifications import tasks

    with mock.patch.object(tasks.deliver_notifications, "apply_async", side_effect=ConnectionError("redis down")):
        with django_capture_on_commit_callbacks(execute=True):
            notifications_queue_many(_rows(3))
    assert "the sweep will send them" in caplog.text
    assert mail.outbox == []
    Notification.objects.update(next_attempt_at=timezone.now())
    assert notifications_sweep() == 3 and len(mail.outbox) == 3
