"""Events written under the old single chain are checked against it (plain SHA-256, as 0001 made
them) and then sealed, in their old order, into their scope's new keyed chain.

A broken old chain stops the migration: sealing it into a valid keyed chain would hide the damage.
Whoever has looked into it and accepts it sets AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN=1; the problem is
then logged at ERROR and the conversion goes ahead."""

import hashlib
import json
import logging
import os

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations
from django.utils import timezone

from audit.chain import keyed_hash, scope_of

logger = logging.getLogger("audit")
BATCH = 1000


def _legacy_hash(event) -> str:
    """The old plain hash; chain_sequence still holds the old global sequence here."""
    payload = {
        "sequence": event.chain_sequence,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "action": event.action,
        "content_type": event.content_type_id,
        "object_id": str(event.object_id),
        "object_repr": event.object_repr,
        "organisation_id": event.organisation_id,
        "changes": event.changes,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _batches(ids):
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _legacy_problem(AuditEvent, AuditChainHead, ids) -> str | None:
    expected_sequence, expected_prev = 1, ""
    for batch in _batches(ids):
        found = AuditEvent.objects.in_bulk(batch)
        for pk in batch:
            event = found[pk]
            if event.chain_sequence != expected_sequence:
                return f"event #{expected_sequence} is missing (next found is #{event.chain_sequence})"
            if event.prev_hash != expected_prev or _legacy_hash(event) != event.hash:
                return f"event #{event.chain_sequence} was changed or does not follow from the one before"
            expected_sequence, expected_prev = expected_sequence + 1, event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != len(ids) or head.last_hash != expected_prev):
        return f"the chain ends at #{len(ids)} but the head records #{head.last_sequence}"
    return None


def seal_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChain = apps.get_model("audit", "AuditChain")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    ids = list(AuditEvent.objects.order_by("chain_sequence", "id").values_list("id", flat=True))
    if not ids:
        return
    problem = _legacy_problem(AuditEvent, AuditChainHead, ids)
    if problem:
        if os.environ.get("AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN") != "1":
            raise RuntimeError(
                f"The existing audit trail is broken: {problem}. Investigate before converting it; to convert it "
                "anyway, set AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN=1."
            )
        logger.error("Audit trail converted despite a broken old chain (accepted): %s", problem)
    now = timezone.now()
    heads = {}  # scope -> (sequence, hash, event id)
    for batch in _batches(ids):
        found = AuditEvent.objects.in_bulk(batch)
        events = [found[pk] for pk in batch]
        for event in events:
            event.scope = scope_of(event.organisation_id)
            sequence, prev_hash, _ = heads.get(event.scope, (0, "", None))
            event.chain_sequence, event.prev_hash, event.sealed_at = sequence + 1, prev_hash, now
            event.hash = keyed_hash(event, key=settings.AUDIT_HMAC_KEY)
            heads[event.scope] = (event.chain_sequence, event.hash, event.pk)
        AuditEvent.objects.bulk_update(events, ["scope", "chain_sequence", "prev_hash", "hash", "sealed_at"])
    AuditChain.objects.bulk_create(
        AuditChain(scope=scope, last_sequence=sequence, last_hash=hash_, last_event_id=event_id, sealed_at=now)
        for scope, (sequence, hash_, event_id) in heads.items()
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_scoped_chains"),
    ]

    operations = [
        migrations.RunPython(seal_existing_events, migrations.RunPython.noop),
    ]
