"""The incident labels are filters (fast in a list's rows) and read exactly as the template
fragments they replace did, for every status and grade; the include still works on other pages."""

import itertools

from django.template import engines

from incidents.models import MedicationIncident, PhysicalHarm, Status

# The fragments as they were written in templates/incidents/partials/badges.html.
BEFORE = (
    "<span class=\"badge {% if incident.status == 'submitted' %}text-bg-primary{% elif incident.status == 'in_review' "
    "or incident.status == 'reopened' %}text-bg-warning{% elif incident.status == 'awaiting_actions' %}text-bg-info"
    "{% else %}text-bg-secondary{% endif %}\">{{ incident.get_status_display }}</span>|"
    "<span class=\"badge {% if incident.physical_harm == 'severe' or incident.physical_harm == 'fatal' %}"
    "text-bg-danger{% elif incident.physical_harm == 'moderate' %}text-bg-warning{% else %}text-bg-light border"
    "{% endif %}\">{{ incident.get_physical_harm_display }}</span>|"
    "{% if incident.red_flag %}<span class=\"badge text-bg-danger\">Red flag</span>{% endif %}"
)
FILTERS = "{% load incidents_tags %}{{ incident|status_badge }}|{{ incident|harm_badge }}|{{ incident|red_flag_badge }}"
INCLUDES = "|".join(f'{{% include "incidents/partials/badges.html#{name}" %}}'
                    for name in ("status_badge", "harm_badge", "red_flag_badge"))


def test_the_label_filters_read_as_the_fragments_did():
    engine = engines["django"]
    before, filters, includes = (engine.from_string(t) for t in (BEFORE, FILTERS, INCLUDES))
    for status, harm, red_flag in itertools.product(Status.values, PhysicalHarm.values, (True, False)):
        context = {"incident": MedicationIncident(status=status, physical_harm=harm, red_flag=red_flag)}
        expected = before.render(context)
        assert filters.render(context) == expected == includes.render(context)
    assert "Red flag" in filters.render({"incident": MedicationIncident(status="closed", physical_harm="fatal",
                                                                       red_flag=True)})
