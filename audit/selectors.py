from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from .labels import HISTORY_KINDS
from .models import AuditEvent


def history_of(target: Model) -> QuerySet[AuditEvent]:
    """The audit events about one object, newest first (ids follow the order events were written)."""
    return (
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk))
        .select_related("actor")
        .order_by("-id")
    )


def history_of_organisation(organisation, *, kind: str = "") -> QuerySet[AuditEvent]:
    """Every audit event filed under an organisation, or only those of one of HISTORY_KINDS."""
    events = AuditEvent.objects.filter(organisation=organisation)
    if kind in HISTORY_KINDS:
        prefixes = Q()
        for prefix in HISTORY_KINDS[kind][1]:
            prefixes |= Q(action__startswith=prefix)
        events = events.filter(prefixes)
    return events.select_related("actor").order_by("-id")
