"""The incident page's forms are drawn by core's crispy_cached filter: held here to crispy's own HTML,
byte for byte, on a first drawing and on one from the kept parts, and to follow every change in what a
field is made of (a new person, another incident's title, an error); and the trust dashboard's filter fields,
bound to the query string, the same way one field at a time."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django.test import RequestFactory

from core.templatetags.crispy_cached import crispy_cached, crispy_field_cached, field_fingerprint
from tests.factories import RoleAssignmentFactory, UserFactory

from .. import psirf_views, selectors, services
from ..forms import ActionForm, DashboardFilterForm, EscalateForm, FeedbackForm, GradeForm, LearningForm

pytestmark = pytest.mark.django_db


def _page_forms(incident, mso) -> dict:
    """The forms as the incident page makes them (incidents/views/detail.py)."""
    request = RequestFactory().get("/")
    request.user = mso
    return {
        "grade": GradeForm(incident=incident, initial={f: getattr(incident, f) for f in services.GRADE_FIELDS}),
        "learning": LearningForm(initial={"learning_summary": incident.learning_summary}),
        "action": ActionForm(owners=selectors.action_owner_choices(incident.organisation_id)),
        "feedback": FeedbackForm(initial={"feedback": incident.feedback}),
        "escalate": EscalateForm(),
        "commission": psirf_views.incident_card(request, incident)["commission_form"],
    }


def test_each_form_is_crispy_s_html_whether_drawn_or_kept(make_incident, riverside_mso):
    incident = make_incident()
    for name, form in _page_forms(incident, riverside_mso).items():
        expected = as_crispy_form(form)
        assert crispy_cached(form) == expected, name  # drawn, and its fields kept
        again = _page_forms(incident, riverside_mso)[name]
        assert crispy_cached(again) == expected, name  # from the kept fields


def test_equal_forms_share_fingerprints_so_the_second_is_not_drawn(make_incident, riverside_mso):
    incident = make_incident()
    first, second = _page_forms(incident, riverside_mso)["action"], _page_forms(incident, riverside_mso)["action"]
    assert [field_fingerprint(b) for b in first] == [field_fingerprint(b) for b in second]


def test_a_new_person_reaches_the_owner_list(make_incident, riverside, riverside_mso):
    incident = make_incident()
    crispy_cached(_page_forms(incident, riverside_mso)["action"])
    newcomer = UserFactory(full_name="Dr Newly Arrived")
    RoleAssignmentFactory(user=newcomer, organisation=riverside, role="staff")
    form = _page_forms(incident, riverside_mso)["action"]
    html = crispy_cached(form)
    assert "Dr Newly Arrived" in html and html == as_crispy_form(form)


def test_each_incident_gets_its_own_title_and_harm(make_incident, riverside_mso):
    first, second = make_incident(physical_harm="none"), make_incident(physical_harm="severe")
    forms_first, forms_second = _page_forms(first, riverside_mso), _page_forms(second, riverside_mso)
    assert first.reference in crispy_cached(forms_first["commission"])
    assert second.reference in crispy_cached(forms_second["commission"])
    assert crispy_cached(forms_second["grade"]) == as_crispy_form(forms_second["grade"])
    assert crispy_cached(forms_first["grade"]) != crispy_cached(forms_second["grade"])


def test_a_form_with_errors_is_drawn_with_them(riverside_mso, make_incident):
    incident = make_incident()
    bound = ActionForm({"description": "", "owner": "", "due_date": "31/02/2026"},
                       owners=selectors.action_owner_choices(incident.organisation_id))
    assert not bound.is_valid()
    html = crispy_cached(bound)
    assert html == as_crispy_form(bound) and "is-invalid" in html


def _dashboard_form(data, organisations):
    form = DashboardFilterForm(data, organisations=organisations)
    form.is_valid()
    return form


def test_the_dashboard_filter_fields_are_crispy_s_html_whether_drawn_or_kept(riverside, hillside):
    data = {"organisation": riverside.ods_code, "date_from": "01/01/2026", "department": "Ward 7 <Renal>"}
    for _ in range(2):  # drawn, then from the kept parts
        form = _dashboard_form(data, [riverside, hillside])
        for field in form:
            assert crispy_field_cached(field) == as_crispy_field(field), field.name
    # Another value is another field: the date typed is the date shown.
    other = _dashboard_form({**data, "date_from": "01/02/2026"}, [riverside, hillside])
    assert crispy_field_cached(other["date_from"]) == as_crispy_field(other["date_from"])
    assert crispy_field_cached(other["date_from"]) != crispy_field_cached(form["date_from"])


def test_a_dashboard_filter_field_with_an_error_is_drawn_with_it(riverside, hillside):
    form = _dashboard_form({"date_from": "01/03/2026", "date_to": "01/02/2026"}, [riverside, hillside])
    html = crispy_field_cached(form["date_to"])
    assert "The end date must be on or after the start date." in html and "is-invalid" in html
    assert html == as_crispy_field(form["date_to"])
