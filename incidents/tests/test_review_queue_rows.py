"""The review queue's rows are written in Python (incidents_tags.review_queue_rows) for speed; they must be
what the template loop they replaced rendered, for every badge, and escape what people typed."""

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from incidents import services
from incidents.models import CandourRecord
from incidents.selectors import review_queue_badges, review_queue_of
from mso_registry.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.html import without_layout

pytestmark = pytest.mark.django_db

# The loop as the page had it before the rows moved to Python.
TEMPLATE_LOOP = """{% load incidents_tags %}{% for incident in page %}
    <tr role="row">
      <td role="cell" class="fw-semibold text-nowrap"><a href="{% url 'incidents:incident_detail' incident.reference %}">{{ incident.reference }}</a>
        {% if incident.red_flag %}<br>{{ incident|red_flag_badge }}{% endif %}
        {% if incident.open_escalations %}<br><span class="badge text-bg-warning">Escalated</span>{% endif %}
        {% for record in incident.open_candour %}<br><span class="badge {% if record.is_overdue %}text-bg-danger">Candour overdue{% else %}text-bg-info">Candour by {{ record.due_date|date:"j M" }}{% endif %}</span>{% endfor %}</td>
      <td role="cell" class="text-nowrap"><span class="cell-label" aria-hidden="true">Reported</span>{{ incident.submitted_at|date:"j M Y" }}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Where</span>{{ incident.department }}{% if organisations > 1 %}<br><span class="small text-secondary">{{ incident.organisation.name }}</span>{% endif %}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Stage</span>{{ incident.get_stage_display }}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Medicines</span>{% for medicine in incident.medicines.all %}{{ medicine.name }}{% if medicine.high_alert %} <span class="badge text-bg-warning">High-alert</span>{% endif %}{% if not forloop.last %}, {% endif %}{% endfor %}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Harm</span>{{ incident|harm_badge }}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Status</span>{{ incident|status_badge }}{% if incident.open_actions %}<br><span class="small text-secondary">{{ incident.open_actions }} open action{{ incident.open_actions|pluralize }}</span>{% endif %}</td>
    </tr>{% endfor %}"""



def _rows(incidents, organisations):
    loop = Template(TEMPLATE_LOOP).render(Context({"page": incidents, "organisations": organisations}))
    fast = Template("{% load incidents_tags %}{% review_queue_rows page organisations %}").render(
        Context({"page": incidents, "organisations": organisations}))
    return without_layout(loop), without_layout(fast)


@pytest.fixture
def varied_queue(make_incident, riverside, riverside_mso, riverside_director, hillside):
    hillside_staff = UserFactory(email="nurse@hillside.example")
    RoleAssignmentFactory(user=hillside_staff, organisation=hillside, role=Role.STAFF)
    make_incident(department='Ward <7> & "Theatre"', medicines=[
        {"name": "Warfarin <sodium>", "route": "oral", "dose": "5 mg"}, {"name": "Paracetamol", "route": "oral", "dose": "1 g"}])
    severe = make_incident(physical_harm="severe", stage="prescribing")  # a red flag, escalated to the director
    moderate = make_incident(occurred_at=timezone.now() - timedelta(days=1))
    services.incident_grade(incident=moderate, actor=riverside_mso, physical_harm="moderate", psychological_harm="none")
    overdue = make_incident(occurred_at=timezone.now() - timedelta(days=2))
    services.incident_grade(incident=overdue, actor=riverside_mso, physical_harm="moderate", psychological_harm="none")
    CandourRecord.objects.filter(incident=overdue).update(due_date=timezone.localdate() - timedelta(days=1))
    for n in range(2):
        services.incident_action_add(incident=severe, actor=riverside_mso, description=f"Action {n}",
                                     owner=riverside_mso, due_date=date.today() + timedelta(days=7))
    services.incident_action_add(incident=moderate, actor=riverside_mso, description="One action",
                                 owner=riverside_mso, due_date=date.today() + timedelta(days=7))
    make_incident(reporter=hillside_staff, organisation=hillside, anonymous=True)
    return [riverside.pk, hillside.pk]


@pytest.mark.parametrize("organisations", [1, 2])
def test_the_rows_are_what_the_template_loop_rendered(varied_queue, organisations):
    incidents = review_queue_badges(review_queue_of(varied_queue))
    assert len(incidents) == 5
    loop, fast = _rows(incidents, organisations)
    assert fast == loop
    for badge in ("Red flag", "Escalated", "Candour overdue", "Candour by", "High-alert", "2 open actions", "1 open action<"):
        assert badge in fast
    assert ("Hillside" in fast) == (organisations > 1)


def test_what_people_typed_is_escaped(varied_queue):
    _, fast = _rows(review_queue_badges(review_queue_of(varied_queue)), 1)
    assert "Ward &lt;7&gt; &amp; &quot;Theatre&quot;" in fast and "Warfarin &lt;sodium&gt;" in fast
    assert "<7>" not in fast and "<sodium>" not in fast


def test_no_rows_renders_nothing():
    assert _rows([], 1) == ("", "")


def test_an_action_s_give_to_list_leaves_out_its_owner_and_escapes_names():
    owners = [(1, "Dr <A> Shah (a@x.example)"), (2, "B Jones (b@x.example)"), (3, "C (c@x.example)")]
    html = Template("{% load incidents_tags %}{% owner_options owners 2 %}").render(Context({"owners": owners}))
    assert html == ('<option value="1">Dr &lt;A&gt; Shah (a@x.example)</option>'
                    '<option value="3">C (c@x.example)</option>')
