from django import template

from ..risk import RATING_NAMES
from ..selectors import shows_clinical_safety_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def clinical_safety_nav_visible(context) -> bool:
    """For the shared navigation: does this person hold a role that reads clinical safety records?"""
    request = context.get("request")
    return bool(request and shows_clinical_safety_nav(request.user))


@register.inclusion_tag("clinical_safety/partials/rating_badge.html")
def rating_badge(rating):
    """A risk rating as a number and a word, so that colour is never the only signal."""
    return {"rating": rating, "name": RATING_NAMES.get(rating, "")}


@register.inclusion_tag("clinical_safety/documents/rating.html")
def print_rating(rating, severity="", likelihood=""):
    """A rating in a PDF, with the severity and likelihood it was looked up from."""
    return {"rating": rating, "name": RATING_NAMES.get(rating, ""), "severity": severity, "likelihood": likelihood}
