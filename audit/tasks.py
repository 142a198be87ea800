from celery import shared_task

from . import services


@shared_task(acks_late=True)
def seal_audit_chains(scopes: list[str] | None = None) -> int:
    """On commit with the scopes a transaction wrote to; every minute on beat with none (the sweep)."""
    return services.audit_seal_pending(scopes=scopes)
