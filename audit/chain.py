"""How a sealed audit event's hash is made: HMAC-SHA256 over a canonical JSON of the event and the
hash of the one before it in its chain, keyed with AUDIT_HMAC_KEY, which lives outside the
database. Someone who can edit rows but does not hold the key cannot recompute a valid chain.

Pure functions, so that the migration that converted the old single chain uses exactly these."""

import hashlib
import hmac
import json

from django.core.serializers.json import DjangoJSONEncoder

NATIONAL = "national"


def scope_of(organisation_id: int | None) -> str:
    """The chain an event belongs to: its organisation's, or the national one."""
    return f"organisation:{organisation_id}" if organisation_id else NATIONAL


def sealed_payload(event) -> dict:
    """Every field an event is judged by, including its place in its chain."""
    return {
        "id": event.pk,
        "scope": event.scope,
        "chain_sequence": event.chain_sequence,
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


def keyed_hash(event, *, key: str) -> str:
    canonical = json.dumps(sealed_payload(event), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
