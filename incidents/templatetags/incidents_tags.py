"""Template helpers: the incident links in the shared navigation, and the small labels (badges)
every incident list shows, as filters: a row of the review queue renders them 25 times a page, and
an {% include %} per label cost twice the label itself."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import permissions
from ..models import PhysicalHarm, Status

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_navigation(context) -> dict:
    """Which incident pages this user's roles open; reads the roles already cached on the user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_report": bool(permissions.organisations_user_reports_for(user)),
        "can_review": bool(permissions.review_organisation_ids(user)),
        "is_director": bool(permissions.director_organisation_ids(user)),
        "can_see_dashboard": bool(permissions.dashboard_organisation_ids(user)),
    }


STATUS_CLASSES = {Status.SUBMITTED: "text-bg-primary", Status.IN_REVIEW: "text-bg-warning",
                  Status.REOPENED: "text-bg-warning", Status.AWAITING_ACTIONS: "text-bg-info"}
HARM_CLASSES = {PhysicalHarm.SEVERE: "text-bg-danger", PhysicalHarm.FATAL: "text-bg-danger",
                PhysicalHarm.MODERATE: "text-bg-warning"}
RED_FLAG = mark_safe('<span class="badge text-bg-danger">Red flag</span>')


def _badges(choices, classes: dict, default: str) -> dict:
    # Made once: get_FOO_display() and format_html() per row were most of a label's cost.
    return {value: format_html('<span class="badge {}">{}</span>', classes.get(value, default), label)
            for value, label in choices}


STATUS_BADGES = _badges(Status.choices, STATUS_CLASSES, "text-bg-secondary")
HARM_BADGES = _badges(PhysicalHarm.choices, HARM_CLASSES, "text-bg-light border")


@register.filter
def status_badge(incident) -> str:
    return STATUS_BADGES.get(incident.status) or format_html(
        '<span class="badge text-bg-secondary">{}</span>', incident.get_status_display())


@register.filter
def harm_badge(incident) -> str:
    return HARM_BADGES.get(incident.physical_harm) or format_html(
        '<span class="badge text-bg-light border">{}</span>', incident.get_physical_harm_display())


@register.filter
def red_flag_badge(incident) -> str:
    return RED_FLAG if incident.red_flag else ""
