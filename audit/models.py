import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditChainHead(models.Model):
    """One row: the sequence number and hash of the newest audit event.

    Writers lock it, so events are chained one after another even under concurrency."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")


class AuditEvent(models.Model):
    """An append-only record of one change: who, when, what, before and after.

    Each event carries the hash of the one before it; `manage.py verify_audit` walks the chain."""

    sequence = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    organisation = models.ForeignKey(
        "mso_registry.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["content_type", "object_id", "sequence"], name="audit_event_object")]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    def compute_hash(self) -> str:
        payload = {
            "sequence": self.sequence,
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_email": self.actor_email,
            "action": self.action,
            "content_type": self.content_type_id,
            "object_id": str(self.object_id),
            "object_repr": self.object_repr,
            "organisation_id": self.organisation_id,
            "changes": self.changes,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
        return hashlib.sha256(canonical.encode()).hexdigest()
