"""Beat tasks that join two apps which may not import each other (`.importlinter`): config is the
composition root."""

import hashlib

from celery import shared_task
from django.conf import settings
from django.db import transaction

from audit.services import audit_anchor_heads
from mso_registry.models import Organisation
from notifications.services import notification_queue


def audit_anchors_send() -> int:
    """Record and log each chain head that moved, and email them to AUDIT_ANCHOR_EMAIL in the same
    transaction; the outbox key comes from the heads themselves, so a repeated run sends nothing twice."""
    with transaction.atomic():
        anchors = audit_anchor_heads()
        if not anchors:
            return 0
        places = "\n".join(f"{anchor.scope}:{anchor.chain_sequence}" for anchor in anchors)
        # Readers know an organisation by its ODS code and name, the chain by its scope.
        organisation_ids = [a.scope.split(":")[1] for a in anchors if a.scope.startswith("organisation:")]
        names = {
            f"organisation:{pk}": f"{code} {name}"
            for pk, code, name in Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "ods_code", "name")
        }
        notification_queue(
            recipient=settings.AUDIT_ANCHOR_EMAIL,
            subject=f"Audit trail anchor: {len(anchors)} chain head{'s' if len(anchors) != 1 else ''}",
            template="audit/email/anchor",
            context={
                "anchors": [
                    {
                        "scope": anchor.scope,
                        "organisation": names.get(anchor.scope, "national records"),
                        "sequence": anchor.chain_sequence,
                        "hash": anchor.hash,
                        "event_id": anchor.event_id,
                        "anchored_at": anchor.anchored_at.isoformat(timespec="seconds"),
                    }
                    for anchor in anchors
                ]
            },
            idempotency_key=f"audit-anchor:{hashlib.sha256(places.encode()).hexdigest()[:40]}",
        )
    return len(anchors)


@shared_task
def anchor_audit_chains() -> int:
    return audit_anchors_send()
