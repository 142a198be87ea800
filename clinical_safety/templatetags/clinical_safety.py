from django import template
from django.utils.html import format_html, format_html_join

from core.links import link_for_each
from users.models import person_name

from ..models import HazardStatus, hazard_reference
from ..risk import RATING_NAMES

register = template.Library()


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


HAZARD_STATUS_LABELS = dict(HazardStatus.choices)
_HAZARD_ROW = (
    '<tr role="row">'
    '<td role="cell"><a class="fw-semibold" href="{}">{} {}</a></td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Initial risk</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Controls</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Residual risk</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Status</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Owner</span>{}</td>'
    "</tr>"
)


@register.simple_tag
def hazard_rows(rows) -> str:
    """A hazard log page's rows (selectors.hazard_log_rows, plain values), written in Python: 50 rows of a
    URL, two rating badges and the owner were most of the page's time as a template loop."""
    detail_url = link_for_each("clinical_safety:hazard_detail")
    return format_html_join("\n", _HAZARD_ROW, (
        (detail_url(row["pk"]), hazard_reference(row["number"]), row["title"], rating_badge(row["initial_rating"]),
         row["control_count"], rating_badge(row["residual_rating"]), HAZARD_STATUS_LABELS.get(row["status"], row["status"]),
         person_name(row["owner__full_name"], row["owner__email"]) if row["owner__email"] else "—")
        for row in rows
    ))
