"""The hazard log page's rows are written in Python (clinical_safety.hazard_rows) from plain values
(selectors.hazard_log_rows) for speed; they must be what the template loop over the hazards themselves
rendered, and escape what people typed."""

import pytest
from django.template import Context, Template

from clinical_safety import selectors, services
from tests.html import without_layout

from .conftest import hazard_details

pytestmark = pytest.mark.django_db

TEMPLATE_LOOP = """{% load clinical_safety %}{% for hazard in hazards %}
        <tr role="row">
          <td role="cell"><a class="fw-semibold" href="{% url 'clinical_safety:hazard_detail' hazard.pk %}">{{ hazard.reference }} {{ hazard.title }}</a></td>
          <td role="cell"><span class="cell-label" aria-hidden="true">Initial risk</span>{% rating_badge hazard.initial_rating %}</td>
          <td role="cell"><span class="cell-label" aria-hidden="true">Controls</span>{{ hazard.controls.all|length }}</td>
          <td role="cell"><span class="cell-label" aria-hidden="true">Residual risk</span>{% rating_badge hazard.residual_rating %}</td>
          <td role="cell"><span class="cell-label" aria-hidden="true">Status</span>{{ hazard.get_status_display }}</td>
          <td role="cell"><span class="cell-label" aria-hidden="true">Owner</span>{{ hazard.owner|default:"—" }}</td>
        </tr>{% endfor %}"""



def test_the_rows_are_what_the_template_loop_rendered(epma, cso):
    services.hazard_create(actor=cso, system=epma, details=hazard_details(title='Dose <b>"units"</b> & IU confused'))
    owned = services.hazard_create(actor=cso, system=epma, details=hazard_details(
        title="Second", owner=cso, initial_severity=5, initial_likelihood=5, residual_severity=2, residual_likelihood=2))
    for n in range(2):
        services.hazard_control_add(actor=cso, hazard=owned, details={"control_type": "design", "description": f"C{n}"})
    loop = without_layout(Template(TEMPLATE_LOOP).render(Context({"hazards": list(selectors.hazards_of(epma))})))
    rows = list(selectors.hazard_log_rows(epma))
    fast = without_layout(Template("{% load clinical_safety %}{% hazard_rows hazards %}").render(Context({"hazards": rows})))
    assert fast == loop
    assert "Dose &lt;b&gt;&quot;units&quot;&lt;/b&gt; &amp; IU confused" in fast and "<b>" not in fast
    assert "Unacceptable</span>" in fast and "—" in fast and str(cso) in fast  # rating 5; no owner; an owner
    assert f'/hazards/{owned.pk}/"' in fast


def test_no_rows_renders_nothing():
    assert Template("{% load clinical_safety %}{% hazard_rows hazards %}").render(Context({"hazards": []})) == ""
