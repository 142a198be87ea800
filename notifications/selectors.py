from django.db.models import Min
from django.utils import timezone

from .models import Notification


def oldest_pending_notification_age_seconds() -> float | None:
    waiting = Notification.objects.filter(status__in=[Notification.Status.PENDING, Notification.Status.SENDING])
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    return None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)


def idempotency_keys_already_queued(keys) -> set[str]:
    """Which of these idempotency keys already have an outbox row, in one query, so that a periodic
    reminder run with nothing new writes nothing."""
    return set(Notification.objects.filter(idempotency_key__in=list(keys)).values_list("idempotency_key", flat=True))
