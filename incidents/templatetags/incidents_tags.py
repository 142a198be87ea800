"""Template helpers: the small labels (badges) every incident list shows, as filters (a row of the review
queue renders them 25 times a page, and an {% include %} per label cost twice the label itself), and the
rows of the lists written in Python."""

from django import template
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from core.dates import date_as
from core.links import link_for_each

from ..models import PhysicalHarm, Stage, Status

register = template.Library()


STATUS_CLASSES = {Status.SUBMITTED: "text-bg-primary", Status.IN_REVIEW: "text-bg-warning",
                  Status.REOPENED: "text-bg-warning", Status.AWAITING_ACTIONS: "text-bg-info"}
HARM_CLASSES = {PhysicalHarm.SEVERE: "text-bg-danger", PhysicalHarm.FATAL: "text-bg-danger",
                PhysicalHarm.MODERATE: "text-bg-warning"}
RED_FLAG = mark_safe('<span class="badge text-bg-danger">Red flag</span>')


def _badges(choices, classes: dict, default: str) -> dict:
    # Made once: get_FOO_display() and format_html() per row were most of a label's cost.
    return {value: format_html('<span class="badge {}">{}</span>', classes.get(value, default), label)
            for value, label in choices}


STAGE_LABELS = dict(Stage.choices)
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


RED_FLAGGED = mark_safe("<br>" + RED_FLAG)  # the badge on a new line of the reference's cell
ESCALATED = mark_safe('<br><span class="badge text-bg-warning">Escalated</span>')
HIGH_ALERT = mark_safe(' <span class="badge text-bg-warning">High-alert</span>')
_ROW = (
    '<tr role="row">'
    '<td role="cell" class="fw-semibold text-nowrap"><a href="{}">{}</a>{}</td>'
    '<td role="cell" class="text-nowrap"><span class="cell-label" aria-hidden="true">Reported</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Where</span>{}{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Stage</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Medicines</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Harm</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Status</span>{}{}</td>'
    "</tr>"
)


def _queue_row(incident, detail_url, show_organisation: bool) -> str:
    flags = [RED_FLAGGED if incident.red_flag else "", ESCALATED if incident.open_escalations else ""]
    for record in incident.open_candour:
        flags.append(mark_safe('<br><span class="badge text-bg-danger">Candour overdue</span>') if record.is_overdue
                     else format_html('<br><span class="badge text-bg-info">Candour by {}</span>',
                                      date_as(record.due_date, "j M")))
    medicines = mark_safe(", ".join(
        conditional_escape(name) + (HIGH_ALERT if high_alert else "") for name, high_alert in incident.row_medicines
    ))
    actions = incident.open_actions
    return format_html(
        _ROW,
        detail_url(incident.reference), incident.reference, mark_safe("".join(flags)),
        date_as(timezone.localtime(incident.submitted_at).date()),
        incident.department,
        format_html('<br><span class="small text-secondary">{}</span>', incident.organisation.name) if show_organisation else "",
        STAGE_LABELS.get(incident.stage, incident.stage), medicines, harm_badge(incident), status_badge(incident),
        format_html('<br><span class="small text-secondary">{} open action{}</span>', actions, pluralize(actions))
        if actions else "",
    )


@register.simple_tag
def review_queue_rows(incidents, organisations_shown: int = 1) -> str:
    """The review queue's rows (incidents with selectors.review_queue_badges' values), written in Python: the
    same row as a template loop cost most of the page's time (a URL, dates, badges and a medicines loop per
    row, 25 rows). Each row names its organisation when the reader reviews more than one."""
    detail_url = link_for_each("incidents:incident_detail")
    show_organisation = organisations_shown > 1
    return format_html_join("\n", "{}", ((_queue_row(incident, detail_url, show_organisation),) for incident in incidents))


@register.simple_tag
def owner_options(owners, current_owner_id) -> str:
    """The <option>s of an open action's "give to" list: everyone but its owner. `owners` are (pk, label)
    rows; written in Python because the page has one such list per open action, each as long as the
    organisation's staff."""
    return format_html_join("", '<option value="{}">{}</option>', (row for row in owners if row[0] != current_owner_id))
