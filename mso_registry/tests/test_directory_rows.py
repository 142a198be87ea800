"""The national directory's rows are written in Python (registry_tags.directory_rows) for speed; they must
be what the template loop they replaced rendered, for every badge, and escape what people typed."""

from datetime import date

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from mso_registry import selectors
from mso_registry.models import Role
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory
from tests.html import without_layout

pytestmark = pytest.mark.django_db

TEMPLATE_LOOP = """{% for organisation, holders in rows %}
    <tr role="row">
      <td role="cell"><a class="fw-semibold" href="{% url 'mso_registry:organisation_detail' organisation.ods_code %}">{{ organisation.name }}</a><br><span class="small text-secondary">{{ organisation.ods_code }} · {{ organisation.get_organisation_type_display }}</span></td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Region</span>{{ organisation.get_region_display }}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">MSO</span>{% if holders.mso %}{{ holders.mso }}<br><span class="small text-secondary text-break">{{ holders.mso.email }}</span>{% if not holders.mso_listed %}<br><span class="badge text-bg-warning">Not yet on the national list</span>{% endif %}{% else %}<strong class="badge text-bg-danger">Vacant</strong>{% endif %}</td>
      <td role="cell" class="text-break"><span class="cell-label" aria-hidden="true">Mailbox</span>{{ organisation.listed_mailbox|default:"Not recorded" }}{% if organisation.generic_mso_email != organisation.listed_mailbox %}<br><span class="badge text-bg-warning">Change awaiting the registry</span>{% endif %}</td>
      <td role="cell"><span class="cell-label" aria-hidden="true">Board director</span>{% if holders.director %}{{ holders.director }}{% else %}<span class="badge text-bg-warning text-wrap">No board director for medication safety named</span>{% endif %}</td>
      <td role="cell" class="text-nowrap"><span class="cell-label" aria-hidden="true">Confirmed</span>{{ organisation.record_confirmed_on|date:"j M Y"|default:"Never" }}</td>
    </tr>{% endfor %}"""



def _rendered(rows):
    context = Context({"rows": rows})
    return (without_layout(Template(TEMPLATE_LOOP).render(context)),
            without_layout(Template("{% load registry_tags %}{% directory_rows rows %}").render(context)))


def test_the_rows_are_what_the_template_loop_rendered():
    listed = OrganisationFactory(name="Listed <Trust> & Co", record_confirmed_on=date(2026, 3, 9))
    mso = RoleAssignmentFactory(organisation=listed, role=Role.MSO, user=UserFactory(full_name="Asha O'Neil")).user
    listed.listed_mso = f"{mso.full_name} <{mso.email}>"
    listed.save()
    RoleAssignmentFactory(organisation=listed, role=Role.BOARD_DIRECTOR, user=UserFactory(full_name="Dr B Director"))
    unlisted = OrganisationFactory(generic_mso_email="new.mailbox@nhs.example", listed_mailbox="old.mailbox@nhs.example")
    RoleAssignmentFactory(organisation=unlisted, role=Role.MSO, user=UserFactory(full_name=""))  # named by email only
    OrganisationFactory(listed_mailbox="", generic_mso_email="")  # vacant, no mailbox, no director, never confirmed
    whole = selectors.directory_rows(selectors.organisations_with_current_mso().order_by("name"))
    loop, _ = _rendered([(o, selectors.directory_holders(o)) for o in whole])
    # The page reads only what its rows show (directory_page_rows), in the same number of queries.
    with CaptureQueriesContext(connection) as queries:
        light = [(o, selectors.directory_holders(o)) for o in selectors.directory_page_holders(
            selectors.directory_page_rows(selectors.organisations_with_current_mso().order_by("name")))]
        _, fast = _rendered(light)
    assert len(queries) == 2
    assert fast == loop
    for text in ("Not yet on the national list", "Vacant", "Change awaiting the registry", "Not recorded",
                 "No board director for medication safety named", "9 Mar 2026", "Never", "Dr B Director"):
        assert text in fast
    assert "Listed &lt;Trust&gt; &amp; Co" in fast and "Asha O&#x27;Neil" in fast


def test_no_rows_renders_nothing():
    assert _rendered([]) == ("", "")
