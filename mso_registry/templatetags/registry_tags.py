"""The national directory's rows, written in Python: as a template loop over 50 organisations (a URL,
two choice labels, a date and the role holders per row) they were most of the page's time."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.dates import date_as
from core.links import link_for_each

from ..models import OrganisationType, Region

register = template.Library()

# Made once: get_FOO_display() builds the dict of every choice on each call, twice a row.
TYPE_LABELS, REGION_LABELS = dict(OrganisationType.choices), dict(Region.choices)
NOT_YET_LISTED = mark_safe('<br><span class="badge text-bg-warning">Not yet on the national list</span>')
VACANT = mark_safe('<strong class="badge text-bg-danger">Vacant</strong>')
MAILBOX_CHANGE = mark_safe('<br><span class="badge text-bg-warning">Change awaiting the registry</span>')
NO_DIRECTOR = mark_safe('<span class="badge text-bg-warning text-wrap">No board director for medication safety named</span>')
_ROW = (
    '<tr role="row">'
    '<td role="cell"><a class="fw-semibold" href="{}">{}</a><br><span class="small text-secondary">{} · {}</span></td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Region</span>{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">MSO</span>{}</td>'
    '<td role="cell" class="text-break"><span class="cell-label" aria-hidden="true">Mailbox</span>{}{}</td>'
    '<td role="cell"><span class="cell-label" aria-hidden="true">Board director</span>{}</td>'
    '<td role="cell" class="text-nowrap"><span class="cell-label" aria-hidden="true">Confirmed</span>{}</td>'
    "</tr>"
)


def _directory_row(organisation, holders: dict, detail_url) -> str:
    mso, director = holders["mso"], holders["director"]
    if mso:
        mso_cell = format_html('{}<br><span class="small text-secondary text-break">{}</span>{}', str(mso), mso.email,
                               "" if holders["mso_listed"] else NOT_YET_LISTED)
    else:
        mso_cell = VACANT
    confirmed = organisation.record_confirmed_on
    return format_html(
        _ROW,
        detail_url(organisation.ods_code), organisation.name, organisation.ods_code,
        TYPE_LABELS.get(organisation.organisation_type, organisation.organisation_type),
        REGION_LABELS.get(organisation.region, organisation.region), mso_cell,
        organisation.listed_mailbox or "Not recorded",
        MAILBOX_CHANGE if organisation.generic_mso_email != organisation.listed_mailbox else "",
        str(director) if director else NO_DIRECTOR,
        date_as(confirmed) if confirmed else "Never",
    )


@register.simple_tag
def directory_rows(rows) -> str:
    """`rows` are (organisation, selectors.directory_holders(organisation)) pairs."""
    detail_url = link_for_each("mso_registry:organisation_detail")
    return format_html_join("\n", "{}", ((_directory_row(organisation, holders, detail_url),) for organisation, holders in rows))
