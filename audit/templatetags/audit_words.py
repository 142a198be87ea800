"""{% load audit_words %}: an audit event in the product's words, for the history tables."""

from django import template
from django.contrib.contenttypes.models import ContentType

from audit.labels import action_label, changes_in_words

register = template.Library()


@register.simple_tag
def event_in_words(event) -> dict:
    """{"action": "Control added", "changes": [ChangeInWords, ...]} for one AuditEvent."""
    # get_for_id is served from ContentType's cache: no query per row.
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    return {"action": action_label(event.action), "changes": changes_in_words(model, event.changes)}
