import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """An outbox row: written in the same transaction as the change that causes it,
    delivered afterwards by Celery. A sent row is never sent again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # Claimed by a worker; a row still here after NOTIFICATION_IN_DOUBT_AFTER_SECONDS was interrupted.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    template = models.CharField(
        max_length=200, help_text="Template path without extension; .txt and .html parts are rendered."
    )
    context = models.JSONField(default=dict, blank=True)
    # Secrets (links that sign someone in) never go in `context`: they are sealed here (sealing.py),
    # merged into the context when the email is rendered, and removed once it is sent.
    sealed_context = models.TextField(blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The send in progress: its token (only that send may mark the row) and when it started.
    send_token = models.UUIDField(null=True, blank=True, editable=False)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    interrupted_sends = models.PositiveIntegerField(
        default=0, help_text="Sends interrupted after they started; each was sent again with the same Message-ID."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweep reads only pending rows that are due.
            models.Index(
                fields=["next_attempt_at"], name="notification_pending_due", condition=models.Q(status="pending")
            ),
            models.Index(
                fields=["sending_started_at"], name="notification_sending", condition=models.Q(status="sending")
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        # Stable across retries so that a mail system can recognise a repeat.
        return f"<{self.uuid}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
