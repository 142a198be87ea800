"""Writes of the notification outbox. Rows first, emails second."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from core.tasks import publish_or_leave_to_sweep as _publish

from .models import Notification
from .sealing import seal, unseal

logger = logging.getLogger(__name__)


def notification_queue(
    *, recipient: str, subject: str, template: str, context: dict, idempotency_key: str,
    secret_context: dict | None = None,
) -> Notification:
    """Write an outbox row in the caller's transaction and queue its delivery on commit.

    The same idempotency key twice gives back the first row: a repeated action is sent once.
    `secret_context` (a link that signs someone in) is stored sealed, rendered into the email
    at send time like `context`, and removed once the email is sent.
    """
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "recipient": recipient,
            "subject": subject[:255],
            "template": template,
            "context": context,
            "sealed_context": seal(secret_context or {}),
            "next_attempt_at": timezone.now() + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS),
        },
    )
    if created:
        transaction.on_commit(lambda: notification_enqueue(notification_id=notification.pk))
    return notification


def notification_enqueue(*, notification_id: int) -> bool:
    """Hand the row to Celery. A broker that is down or stalled is logged, never raised:
    the periodic sweep sends what could not be queued."""
    from .tasks import deliver_notification  # here, not at the top: tasks imports this module

    return _publish(deliver_notification, [notification_id], what=f"notification {notification_id}", sweep_will="send it")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def notification_render(notification: Notification) -> EmailMultiAlternatives:
    context = {**notification.context, **unseal(notification.sealed_context), "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string(f"{notification.template}.txt", context),
        to=[notification.recipient],
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(render_to_string(f"{notification.template}.html", context), "text/html")
    return message


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one notification unless it is already sent or another worker is sending it.

    Three steps, so that no transaction or row lock is held while a mail server takes its time:
    the row is claimed ("sending", a new send token, committed), the email goes out, and the row
    is marked sent or failed only if it still carries this send's token. A worker that dies
    between the mail server taking the email and that last step leaves the row "sending"; the
    sweep sends it again after NOTIFICATION_IN_DOUBT_AFTER_SECONDS with the same Message-ID
    (`notifications_reclaim_interrupted`). So an email is never lost, and is sent twice only
    when a send was interrupted at that moment; the repeat carries the same Message-ID.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        notification.status = Notification.Status.SENDING
        notification.send_token = token
        notification.sending_started_at = timezone.now()
        notification.save(update_fields=["attempts", "status", "send_token", "sending_started_at"])
    try:
        notification_render(notification).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - record every delivery failure on the row
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.status = Notification.Status.FAILED
            logger.error("Notification %s failed for good: %s", notification.pk, notification.last_error)
        else:
            notification.status = Notification.Status.PENDING
            notification.next_attempt_at = timezone.now() + _backoff(notification.attempts)
            logger.warning("Notification %s failed, will retry: %s", notification.pk, notification.last_error)
    else:
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.sealed_context = ""  # the secret has gone to its one reader; the outbox keeps none
    notification.send_token = None
    notification.sending_started_at = None
    finished = Notification.objects.filter(pk=notification.pk, send_token=token).update(
        sealed_context=notification.sealed_context,
        status=notification.status,
        sent_at=notification.sent_at,
        last_error=notification.last_error,
        next_attempt_at=notification.next_attempt_at,
        send_token=None,
        sending_started_at=None,
    )
    if not finished:
        # The sweep judged this send interrupted and took the row back; its own send decides.
        logger.warning("Notification %s was taken back by the sweep while this send ran", notification.pk)
    return notification


def notifications_reclaim_interrupted() -> int:
    """Rows left "sending" for longer than any send takes belong to a worker that died during
    the send: nobody knows whether the mail server took the email. Put them back to pending so
    that they are sent again (same Message-ID), or fail them when their attempts are used up."""
    now = timezone.now()
    stale = Notification.objects.filter(
        status=Notification.Status.SENDING,
        sending_started_at__lt=now - timedelta(seconds=settings.NOTIFICATION_IN_DOUBT_AFTER_SECONDS),
    )
    reclaimed = 0
    for notification in stale.select_for_update(skip_locked=True).only("pk", "attempts").iterator():
        exhausted = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        reclaimed += Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED if exhausted else Notification.Status.PENDING,
            send_token=None,
            sending_started_at=None,
            next_attempt_at=now,
            interrupted_sends=F("interrupted_sends") + 1,
            last_error="The send was interrupted (the worker stopped?); it may have reached the mail server. "
            "Sent again with the same Message-ID.",
        )
        logger.warning("Notification %s: send interrupted, %s", notification.pk, "failed" if exhausted else "sending again")
    return reclaimed


def notifications_sweep(*, batch_size: int = 200) -> int:
    """Send every pending row that is due, after taking back interrupted sends; returns how many were tried."""
    with transaction.atomic():
        notifications_reclaim_interrupted()
    due_ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for notification_id in due_ids:
        notification_deliver(notification_id=notification_id)
    return len(due_ids)


def notifications_purge_sent_context(*, days: int | None = None) -> int:
    """Empty the context of emails sent more than NOTIFICATION_CONTEXT_RETENTION_DAYS ago: the
    row (who, what subject, when, delivery) stays as the record that it was sent; what it said,
    names and free text included, does not. Returns how many rows were emptied."""
    days = settings.NOTIFICATION_CONTEXT_RETENTION_DAYS if days is None else days
    old = Notification.objects.filter(
        status=Notification.Status.SENT, sent_at__lt=timezone.now() - timedelta(days=days)
    ).exclude(context={}, sealed_context="")
    return old.update(context={}, sealed_context="")


def notification_retry(*, notification: Notification) -> None:
    """An administrator gives a failed row another go."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: notification_enqueue(notification_id=notification.pk))


# --- Many rows at once: a national communication to every organisation ------------------------

NOTIFICATION_BATCH_SIZE = 100  # rows per delivery task
_KEY_CHUNK = 500  # idempotency keys per IN (...) lookup


def notifications_queue_many(rows: list[dict]) -> list[int]:
    """Write many outbox rows in the caller's transaction and, on commit, queue ONE task that
    delivers them in batches. Each row is a dict of notification_queue's keyword arguments.

    A few queries whatever the number of rows; a row whose idempotency key is already in the
    outbox is left as it is and not queued again, so a repeated action sends nothing twice.
    Returns the ids of the rows this call wrote."""
    rows = list({row["idempotency_key"]: row for row in rows}.values())
    keys = [row["idempotency_key"] for row in rows]
    existing = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        existing.update(
            Notification.objects.filter(idempotency_key__in=keys[start : start + _KEY_CHUNK]).values_list(
                "idempotency_key", flat=True
            )
        )
    due = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    new = [
        Notification(
            recipient=row["recipient"],
            subject=row["subject"][:255],
            template=row["template"],
            context=row["context"],
            sealed_context=seal(row.get("secret_context") or {}),
            idempotency_key=row["idempotency_key"],
            next_attempt_at=due,
        )
        for row in rows
        if row["idempotency_key"] not in existing
    ]
    if not new:
        return []
    # ignore_conflicts: a concurrent writer of the same key wins quietly; its row is the one sent.
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    new_keys = [n.idempotency_key for n in new]
    ids = []
    for start in range(0, len(new_keys), _KEY_CHUNK):
        ids.extend(
            Notification.objects.filter(
                idempotency_key__in=new_keys[start : start + _KEY_CHUNK], status=Notification.Status.PENDING
            ).values_list("pk", flat=True)
        )
    ids.sort()
    transaction.on_commit(lambda: notifications_enqueue_many(notification_ids=ids))
    return ids


def notifications_enqueue_many(*, notification_ids: list[int]) -> bool:
    """Hand a list of rows to Celery as one task; like notification_enqueue, a broker failure is
    logged, never raised, and the sweep sends the rows."""
    from .tasks import deliver_notifications  # here, not at the top: tasks imports this module

    return _publish(
        deliver_notifications, [notification_ids], what=f"{len(notification_ids)} notifications", sweep_will="send them"
    )


def notifications_batches(notification_ids: list[int], *, size: int | None = None) -> list[list[int]]:
    size = size or NOTIFICATION_BATCH_SIZE
    return [notification_ids[start : start + size] for start in range(0, len(notification_ids), size)]


def notifications_deliver_batch(*, notification_ids: list[int]) -> int:
    """Send a batch; each row keeps its own lock and sent-once check. Returns how many were sent now."""
    sent = 0
    for notification_id in notification_ids:
        notification = notification_deliver(notification_id=notification_id)
        sent += bool(notification and notification.status == Notification.Status.SENT)
    return sent
