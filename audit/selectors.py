from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import AuditEvent


def history_of(target: Model) -> QuerySet[AuditEvent]:
    """The audit events about one object, newest first."""
    return (
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk))
        .select_related("actor")
        .order_by("-sequence")
    )


def history_of_organisation(organisation) -> QuerySet[AuditEvent]:
    """Every audit event filed under an organisation (its record and its role assignments)."""
    return AuditEvent.objects.filter(organisation=organisation).select_related("actor").order_by("-sequence")
