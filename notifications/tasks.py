from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver_notification(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@shared_task
def sweep_pending_notifications() -> int:
    return services.notifications_sweep()


@shared_task
def purge_sent_notification_context() -> int:
    return services.notifications_purge_sent_context()


@shared_task(acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Many rows queued at once: one task per batch, so that several workers share the sending."""
    batches = services.notifications_batches(notification_ids)
    for batch in batches:
        deliver_notification_batch.apply_async(args=[batch], retry=False)
    return len(batches)


@shared_task(acks_late=True)
def deliver_notification_batch(notification_ids: list[int]) -> int:
    return services.notifications_deliver_batch(notification_ids=notification_ids)
