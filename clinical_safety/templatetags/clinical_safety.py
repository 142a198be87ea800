from django import template
from django.utils.html import format_html

from ..risk import RATING_NAMES
from ..selectors import shows_clinical_safety_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def clinical_safety_nav_visible(context) -> bool:
    """For the shared navigation: does this person hold a role that reads clinical safety records?"""
    request = context.get("request")
    return bool(request and shows_clinical_safety_nav(request.user))


# Made once: a hazard log page shows two ratings a hazard, 50 hazards a page, and an inclusion tag
# rendering a template for each was a fifth of the page.
RATING_BADGES = {
    rating: format_html('<span class="rating rating-{}">{}<span class="visually-hidden"> out of 5,</span> {}</span>',
                        rating, rating, name)
    for rating, name in RATING_NAMES.items()
}


@register.simple_tag
def rating_badge(rating):
    """A risk rating as a number and a word, so that colour is never the only signal."""
    if not rating:
        return "—"
    return RATING_BADGES.get(rating) or format_html(
        '<span class="rating rating-{}">{}<span class="visually-hidden"> out of 5,</span> </span>', rating, rating)


@register.inclusion_tag("clinical_safety/documents/rating.html")
def print_rating(rating, severity="", likelihood=""):
    """A rating in a PDF, with the severity and likelihood it was looked up from."""
    return {"rating": rating, "name": RATING_NAMES.get(rating, ""), "severity": severity, "likelihood": likelihood}
