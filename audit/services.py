"""Writes of the audit trail. Callers run these inside their own transaction.atomic."""

import json
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent


def _plain(value):
    """A JSON-stable form of a field value, so that the stored hash can be recomputed."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime, date, Decimal)):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of an instance as plain values, for a before/after comparison."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def changes_between(before: dict, after: dict) -> dict:
    """{field: [before, after]} for each field whose value differs."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def audit_record(*, actor, action: str, target: models.Model, changes: dict, organisation=None) -> AuditEvent:
    """Append one event to the chain. Locks the chain head until the caller's transaction ends,
    so that concurrent writers are chained in commit order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records.")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        sequence=head.last_sequence + 1,
        created_at=timezone.now(),
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:255],
        organisation=organisation,
        changes=json.loads(json.dumps(changes, cls=DjangoJSONEncoder)),
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.last_sequence, head.last_hash = event.sequence, event.hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def verify_chain(*, batch_size: int = 5000) -> tuple[int, str | None]:
    """Walk the whole chain; returns (events checked, description of the first broken link or None)."""
    expected_prev, expected_sequence, checked = "", 1, 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if event.sequence != expected_sequence:
            return checked, f"event #{expected_sequence} is missing (next found is #{event.sequence})"
        if event.prev_hash != expected_prev:
            return checked, f"event #{event.sequence} does not follow from event #{event.sequence - 1}"
        if event.compute_hash() != event.hash:
            return checked, f"event #{event.sequence} was changed after it was written"
        expected_prev, expected_sequence, checked = event.hash, expected_sequence + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != checked or head.last_hash != expected_prev):
        return checked, f"the chain ends at #{checked} but the head records #{head.last_sequence}"
    return checked, None
