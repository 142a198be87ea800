from django import template
from django.utils.html import format_html

from submissions.services import FIELD_NAME, submission_key_new

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_key_field(context, purpose: str, *parts) -> str:
    """The hidden one-time key of a form, new at every showing. Never inside a {% cache %} block:
    a cached key would be shared by every person who is shown the fragment."""
    purpose = ":".join([purpose, *map(str, parts)])
    key = submission_key_new(user=context["request"].user, purpose=purpose)
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD_NAME, key)
