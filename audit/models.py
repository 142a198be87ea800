from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .chain import keyed_hash


class AuditEvent(models.Model):
    """An append-only record of one change: who, when, what, before and after.

    Written by the change's own transaction without any lock (its id comes from the database
    sequence), then sealed into its scope's chain (each organisation, or the national chain) by
    `audit_seal`: a place in the chain, the previous event's hash and its own keyed hash."""

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
    # The chain: "organisation:<id>" or "national"; set when written. The rest is set when sealed.
    scope = models.CharField(max_length=40)
    chain_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="audit_event_object"),
            # What the sealer looks for: the few events not yet in a chain.
            models.Index(fields=["scope", "id"], condition=Q(chain_sequence__isnull=True), name="audit_event_unsealed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["scope", "chain_sequence"], name="audit_event_one_place_per_chain"),
        ]

    def __str__(self):
        place = f"{self.scope} #{self.chain_sequence}" if self.chain_sequence else "not yet sealed"
        return f"{self.action} {self.object_repr} (event {self.pk}, {place})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")

    def compute_hash(self, key: str | None = None) -> str:
        return keyed_hash(self, key=key or settings.AUDIT_HMAC_KEY)


class AuditChain(models.Model):
    """The head of one scope's chain. Only sealers lock it, never a user's transaction."""

    scope = models.CharField(max_length=40, unique=True)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.scope} at #{self.last_sequence}"


class AuditAnchor(models.Model):
    """A chain head as it was sent out of the database (emailed to AUDIT_ANCHOR_EMAIL and logged).

    The copy outside is the evidence; this row records what was sent, so `verify_audit` can check
    that the event at that place still has that hash."""

    scope = models.CharField(max_length=40)
    chain_sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    event_id = models.BigIntegerField()
    anchored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-anchored_at", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "chain_sequence"], name="audit_anchor_once_per_place"),
        ]

    def __str__(self):
        return f"{self.scope} #{self.chain_sequence} anchored {self.anchored_at:%Y-%m-%d %H:%M}"
