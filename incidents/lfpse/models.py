"""What LFPSE has of each incident (LfpseRecord) and each version sent to it (LfpseSubmission)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LfpseState(models.TextChoices):
    NOT_DUE = "not_due", "Not yet due"
    HELD = "held", "Held: cannot be sent"
    QUEUED = "queued", "Queued"
    ACCEPTED = "accepted", "Accepted by LFPSE"
    REJECTED = "rejected", "Rejected by LFPSE"
    FAILED = "failed", "Not sent: LFPSE did not answer"


class LfpseRecord(models.Model):
    """One per incident once LFPSE submission is on: where it stands with the nation. Locked (with its
    incident) while a new version is queued, and by the send that records LFPSE's answer."""

    incident = models.OneToOneField("incidents.MedicationIncident", on_delete=models.CASCADE, related_name="lfpse")
    organisation = models.ForeignKey("mso_registry.Organisation", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=LfpseState.choices, default=LfpseState.NOT_DUE)
    # Why it is held, or LFPSE's message when it rejected the latest version.
    message = models.TextField(blank=True)
    lfpse_id = models.CharField("LFPSE reference", max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="The latest version queued.")
    accepted_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "state"], name="lfpse_record_org_state")]

    def __str__(self):
        return f"LFPSE record of incident {self.incident_id}: {self.get_state_display()}"


class LfpseSubmission(models.Model):
    """One version of an incident as sent to LFPSE. Written in the transaction that makes it due;
    sent by Celery after the commit; a version is never sent twice and the same content is never
    queued twice (content_hash). A later version supersedes one that has not started sending."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a later version before it was sent"
        FAILED = "failed", "Gave up"

    record = models.ForeignKey(LfpseRecord, on_delete=models.CASCADE, related_name="submissions")
    version = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=100, unique=True)
    content_hash = models.CharField(max_length=64)
    resource = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    sent_as_update = models.BooleanField(default=False)
    lfpse_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_token = models.UUIDField(null=True, blank=True, editable=False)
    sending_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record", "version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"], name="one_lfpse_submission_per_version")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="lfpse_submission_due", condition=Q(status="pending")),
            models.Index(fields=["sending_started_at"], name="lfpse_submission_sending", condition=Q(status="sending")),
        ]

    def __str__(self):
        return f"{self.idempotency_key} ({self.get_status_display()})"
