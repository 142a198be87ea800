import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_deliver, notification_queue, notification_retry, notifications_sweep

pytestmark = pytest.mark.django_db


def _queue(key="test:1", **overrides):
    fields = {
        "recipient": "mso@riverside.example",
        "subject": "You are now MSO",
        "template": "mso_registry/email/role_assigned",
        "context": {"person": "Dr Priya Shah", "role": "MSO", "organisation": "Riverside", "start_date": "1 April 2025"},
        "idempotency_key": key,
    }
    return notification_queue(**(fields | overrides))


def test_a_row_is_written_and_delivered_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notification = _queue()
            assert mail.outbox == []  # nothing leaves before the change commits
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert len(mail.outbox) == 1


def test_no_row_and_no_email_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            _queue()
            1 / 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_same_idempotency_key_gives_the_first_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue()
        second = _queue(subject="A different subject")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_sent_row_is_never_sent_again():
    notification = _queue()
    notification_deliver(notification_id=notification.pk)
    notification_deliver(notification_id=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    notifications_sweep()
    assert len(mail.outbox) == 1


def test_email_has_text_and_html_parts_and_a_stable_message_id():
    notification = _queue()
    notification_deliver(notification_id=notification.pk)
    message = mail.outbox[0]
    assert "Dear Dr Priya Shah" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert "Dr Priya Shah" in message.alternatives[0].content
    assert message.extra_headers["Message-ID"] == notification.message_id
    assert str(notification.uuid) in notification.message_id


def test_html_part_escapes_what_users_typed():
    notification = _queue(context={"person": "<script>alert(1)</script>", "role": "MSO", "organisation": "R", "start_date": "x"})
    notification_deliver(notification_id=notification.pk)
    html = mail.outbox[0].alternatives[0].content
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_failed_send_is_recorded_and_retried_later_with_backoff(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = _queue()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError("smtp down")):
        before = timezone.now()
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "smtp down" in notification.last_error
    assert notification.next_attempt_at >= before + timedelta(seconds=59)

    # Not yet due: the sweep leaves it alone.
    assert notifications_sweep() == 0
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.last_error == ""
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_last_attempt_and_an_admin_can_retry(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = _queue()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("no route")):
        notification_deliver(notification_id=notification.pk)
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 2

    notification_retry(notification=notification)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_the_sweep_leaves_new_rows_to_their_own_task_for_the_grace_period(settings):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 60
    _queue()
    assert notifications_sweep() == 0
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert notifications_sweep() == 1


def test_a_broker_that_fails_does_not_fail_the_users_action(django_capture_on_commit_callbacks, caplog):
    from notifications import tasks

    with mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=ConnectionError("redis down")):
        with django_capture_on_commit_callbacks(execute=True):
            notification = _queue()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert "the sweep will send it" in caplog.text


def test_admin_lists_notifications_with_their_state(admin_client):
    _queue()
    response = admin_client.get("/admin/notifications/notification/")
    assert response.status_code == 200
    assert "You are now MSO" in response.text
    assert "Pending" in response.text


def test_after_a_broker_failure_new_rows_wait_for_the_sweep_without_trying_again(django_capture_on_commit_callbacks, monkeypatch):
    from config.celery_app import app
    from core import tasks as publishing
    from notifications import tasks

    monkeypatch.setattr(publishing, "_paused_until", 0.0)
    app.conf.task_always_eager = False  # the conftest fixture puts it back
    with mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=TimeoutError("stalled")) as publish:
        with django_capture_on_commit_callbacks(execute=True):
            _queue("a")
            _queue("b")
            _queue("c")
    app.conf.task_always_eager = True
    assert publish.call_count == 1  # one timeout paid, not three
    assert Notification.objects.filter(status=Notification.Status.PENDING).count() == 3


# --- Interrupted sends: a worker that dies in the middle of an SMTP conversation ----------------


def _interrupted(notification, *, seconds_ago):
    """What a worker killed mid-send leaves behind: the row claimed, never finished."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, attempts=1, send_token=uuid.uuid4(),
        sending_started_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def test_a_send_in_progress_is_left_alone_by_the_sweep(settings):
    settings.NOTIFICATION_IN_DOUBT_AFTER_SECONDS = 600
    notification = _queue()
    _interrupted(notification, seconds_ago=30)
    assert notifications_sweep() == 0
    assert Notification.objects.get(pk=notification.pk).status == Notification.Status.SENDING
    assert mail.outbox == []


def test_an_interrupted_send_is_sent_again_with_the_same_message_id(settings, caplog):
    settings.NOTIFICATION_IN_DOUBT_AFTER_SECONDS = 600
    notification = _queue()
    _interrupted(notification, seconds_ago=601)
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.interrupted_sends == 1
    assert notification.attempts == 2
    assert notification.send_token is None
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [notification.message_id]
    assert "send interrupted" in caplog.text


def test_an_interrupted_send_with_no_attempts_left_fails_for_an_admin_to_retry(settings):
    settings.NOTIFICATION_IN_DOUBT_AFTER_SECONDS = 600
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    notification = _queue()
    _interrupted(notification, seconds_ago=601)
    notifications_sweep()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "interrupted" in notification.last_error
    assert mail.outbox == []


def test_a_send_taken_back_by_the_sweep_does_not_overwrite_the_row_when_it_finishes(settings):
    """The slow send finishes after the sweep took the row back: only the current send's token counts."""
    notification = _queue()

    def slow_send(self, fail_silently=False):
        # While this send runs, the sweep judges it interrupted and takes the row back.
        Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.PENDING, send_token=None)
        return 1

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", slow_send):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING  # left to the send that now owns it


def test_the_row_is_committed_as_sending_before_the_mail_server_is_spoken_to():
    notification = _queue()
    seen = {}

    def send(self, fail_silently=False):
        row = Notification.objects.get(pk=notification.pk)
        seen.update(status=row.status, token=row.send_token, started=row.sending_started_at)
        return 1

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", send):
        notification_deliver(notification_id=notification.pk)
    assert seen["status"] == Notification.Status.SENDING
    assert seen["token"] is not None and seen["started"] is not None
    notification.refresh_from_db()
    assert (notification.status, notification.send_token, notification.sending_started_at) == (
        Notification.Status.SENT, None, None,
    )
