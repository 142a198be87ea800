from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class SubmissionKey(models.Model):
    """A form submission that made or changed something, by the one-time key its form carried.

    Written in the transaction of what it made, so the key and the thing commit or roll back
    together; the unique hash is what makes a second send of the same form find the first.
    Only a hash of the key is kept, and nobody's name: an anonymous report stays unlinked."""

    key_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=60)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True)
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.purpose} → {self.content_type_id}:{self.object_id}"
