"""Template helpers for the incident links in the shared navigation."""

from django import template

from .. import permissions

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
