"""Writes of the notification outbox. Rows first, emails second."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

# After a broker failure this process leaves new rows to the sweep for a while instead of trying
# again: a stalled Redis costs a whole socket timeout per try, and an action that queues several
# emails (a role the national registry is told about) would pay it for each of them.
ENQUEUE_PAUSE_AFTER_BROKER_FAILURE_SECONDS = 30
_enqueue_paused_until = 0.0  # time.monotonic() value


def notification_queue(
    *, recipient: str, subject: str, template: str, context: dict, idempotency_key: str
) -> Notification:
    """Write an outbox row in the caller's transaction and queue its delivery on commit.

    The same idempotency key twice gives back the first row: a repeated action is sent once.
    """
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "recipient": recipient,
            "subject": subject[:255],
            "template": template,
            "context": context,
            "next_attempt_at": timezone.now() + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS),
        },
    )
    if created:
        transaction.on_commit(lambda: notification_enqueue(notification_id=notification.pk))
    return notification


def notification_enqueue(*, notification_id: int) -> bool:
    """Hand the row to Celery. A broker that is down or stalled is logged, never raised:
    the periodic sweep sends what could not be queued."""
    global _enqueue_paused_until
    from .tasks import deliver_notification

    eager = deliver_notification.app.conf.task_always_eager  # no broker, nothing to pause
    if not eager and time.monotonic() < _enqueue_paused_until:
        logger.warning("Broker failed recently; notification %s is left to the sweep", notification_id)
        return False
    try:
        deliver_notification.apply_async(args=[notification_id], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure must leave the request alone
        if not eager:
            _enqueue_paused_until = time.monotonic() + ENQUEUE_PAUSE_AFTER_BROKER_FAILURE_SECONDS
        logger.warning("Could not queue notification %s; the sweep will send it", notification_id, exc_info=True)
        return False
    return True


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def notification_render(notification: Notification) -> EmailMultiAlternatives:
    context = {**notification.context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string(f"{notification.template}.txt", context),
        to=[notification.recipient],
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(render_to_string(f"{notification.template}.html", context), "text/html")
    return message


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one notification unless it is already sent or another worker holds it.

    The row stays locked while the email goes out, so two workers never send it both;
    success and failure are recorded in the same transaction as the lock.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        try:
            notification_render(notification).send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - record every delivery failure on the row
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                logger.error("Notification %s failed for good: %s", notification.pk, notification.last_error)
            else:
                notification.next_attempt_at = timezone.now() + _backoff(notification.attempts)
                logger.warning("Notification %s failed, will retry: %s", notification.pk, notification.last_error)
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return notification


def notifications_sweep(*, batch_size: int = 200) -> int:
    """Send every pending row that is due; returns how many were tried."""
    due_ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for notification_id in due_ids:
        notification_deliver(notification_id=notification_id)
    return len(due_ids)


def notification_retry(*, notification: Notification) -> None:
    """An administrator gives a failed row another go."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: notification_enqueue(notification_id=notification.pk))
