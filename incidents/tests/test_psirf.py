"""PSIRF: the response plan's suggestions, commissioning and completing a learning response, closing
refused while one is open, and the thematic view."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.domain import DomainError, NotAllowed
from incidents import psirf, psirf_services, services
from incidents.models import LearningResponse, MedicationIncident, ResponsePlanRule
from notifications.models import Notification

from .test_review import ready_to_close


def facts(**overrides):
    values = dict(never_event="", high_alert=False, physical_harm="none", error_types=frozenset(), stage="administering",
                  medicine_names=("paracetamol",))
    values.update(overrides)
    return psirf.ResponseFacts(**values)


def rule(**overrides):
    values = dict(name="Rule", response_type="aar", active=True, never_event=False, high_alert=False, minimum_harm="",
                  error_type="", stage="", medicine_contains="")
    values.update(overrides)
    return ResponsePlanRule(**values)


# --- The plan's suggestions (pure) -----------------------------------------------------------------


def test_a_never_event_is_a_national_priority_psii_whatever_the_plan():
    suggestion = psirf.suggest([rule(name="Everything high-alert", high_alert=True)], facts(never_event="insulin_overdose",
                                                                                           high_alert=True))
    assert suggestion.response_type == "psii" and "Never Events" in suggestion.reason and suggestion.rule is None


def test_high_alert_medicine_with_moderate_harm_suggests_an_aar():
    plan = [rule(name="High-alert, moderate harm", high_alert=True, minimum_harm="moderate", response_type="aar")]
    assert psirf.suggest(plan, facts(high_alert=True, physical_harm="moderate")).response_type == "aar"
    assert psirf.suggest(plan, facts(high_alert=True, physical_harm="low")) is None
    assert psirf.suggest(plan, facts(high_alert=False, physical_harm="severe")) is None


def test_omitted_doses_of_a_named_medicine_suggest_a_thematic_review():
    plan = [rule(name="Omitted Parkinson's medicines", error_type="omitted_delayed", medicine_contains="levodopa",
                 response_type="thematic")]
    assert psirf.suggest(plan, facts(error_types=frozenset({"omitted_delayed"}), medicine_names=("co-careldopa (levodopa)",)))
    assert psirf.suggest(plan, facts(error_types=frozenset({"omitted_delayed"}))) is None


def test_rules_are_tried_in_order_and_retired_rules_are_skipped():
    plan = [rule(name="first", stage="administering", response_type="swarm", active=False),
            rule(name="second", stage="administering", response_type="mdt")]
    assert psirf.suggest(plan, facts()).rule.name == "second"


def test_a_psii_is_due_later_than_an_aar():
    today = timezone.localdate()
    assert psirf.response_due("psii", today) == today + timedelta(days=settings.PSIRF_RESPONSE_DUE_DAYS["psii"])
    assert psirf.response_due("psii", today) > psirf.response_due("aar", today)


# --- Commissioning ---------------------------------------------------------------------------------


@pytest.fixture
def high_alert_rule(riverside, riverside_mso):
    return psirf_services.plan_rule_add(actor=riverside_mso, organisation=riverside, details={
        "name": "High-alert medicine with moderate harm", "response_type": "aar", "order": 10, "high_alert": True,
        "minimum_harm": "moderate"})


@pytest.fixture
def insulin_incident(make_incident, riverside_mso):
    incident = make_incident(medicines=[{"name": "Insulin aspart", "route": "subcutaneous", "dose": "40 units"}])
    return services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="moderate",
                                   psychological_harm="none", note="Hypoglycaemia treated.")


def _with_rows(incident):
    return MedicationIncident.objects.prefetch_related("medicines", "error_type_rows").get(pk=incident.pk)


def test_the_plan_suggests_on_the_incident(high_alert_rule, insulin_incident):
    assert psirf_services.suggestion_for(_with_rows(insulin_incident)).rule == high_alert_rule


def test_confirming_the_suggestion_commissions_it_and_tells_the_lead(high_alert_rule, insulin_incident, riverside_mso,
                                                                     riverside_deputy):
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                                  title="Insulin on ward 7", lead=riverside_deputy)
    assert response.suggested_type == "aar" and response.plan_rule == high_alert_rule and response.choice_reason == ""
    assert Notification.objects.filter(recipient=riverside_deputy.email, subject__startswith="You lead").count() == 1
    assert AuditEvent.objects.filter(action="incident.learning_response_commissioned",
                                     object_id=str(insulin_incident.pk)).count() == 1


def test_choosing_another_response_needs_a_reason_which_is_kept(high_alert_rule, insulin_incident, riverside_mso):
    with pytest.raises(DomainError, match="The plan suggests: After Action Review"):
        psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="swarm",
                                           title="Huddle", lead=riverside_mso)
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="swarm",
                                                  title="Huddle", lead=riverside_mso, reason="Team still on shift today.")
    assert response.choice_reason == "Team still on shift today."
    event = AuditEvent.objects.get(action="psirf.response_commissioned")
    assert event.changes["reason"][1] == "Team still on shift today."


def test_a_second_open_response_for_one_incident_is_refused(insulin_incident, riverside_mso):
    args = dict(actor=riverside_mso, incidents=[insulin_incident], response_type="aar", title="AAR", lead=riverside_mso)
    psirf_services.response_commission(**args)
    with pytest.raises(DomainError, match="already has a learning response"):
        psirf_services.response_commission(**args)


def test_only_the_mso_or_deputy_commissions(insulin_incident, riverside_safety_team):
    with pytest.raises(NotAllowed):
        psirf_services.response_commission(actor=riverside_safety_team, incidents=[insulin_incident], response_type="aar",
                                           title="AAR", lead=riverside_safety_team)


def test_a_lead_from_another_organisation_is_refused(insulin_incident, riverside_mso, hillside_mso):
    with pytest.raises(DomainError, match="does not hold a role"):
        psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                           title="AAR", lead=hillside_mso)


# --- Completing, and closing the incident ----------------------------------------------------------


def test_closing_is_refused_while_the_response_is_open_then_allowed(insulin_incident, riverside_mso):
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                                  title="Insulin AAR", lead=riverside_mso)
    services.incident_transition(incident=insulin_incident, actor=riverside_mso, transition="start_review")
    services.incident_learning_record(incident=insulin_incident, actor=riverside_mso, learning_summary="Pens apart.")
    with pytest.raises(DomainError, match="Insulin AAR"):
        services.incident_transition(incident=insulin_incident, actor=riverside_mso, transition="close")

    with pytest.raises(DomainError, match="findings"):
        psirf_services.response_complete(actor=riverside_mso, response=response)
    psirf_services.response_update(actor=riverside_mso, response=response, details={
        "findings": "Two insulin pens looked alike.", "patient_family_engagement": "Met the patient on the ward.",
        "staff_engagement": "AAR with the nurses on shift."})
    action = services.incident_action_add(incident=insulin_incident, actor=riverside_mso, description="Separate the pens",
                                          owner=riverside_mso, due_date=timezone.localdate() + timedelta(days=7))
    assert psirf_services.response_link_actions(actor=riverside_mso, response=response, actions=[action]) == 1
    services.incident_action_complete(action=action, actor=riverside_mso)
    psirf_services.response_complete(actor=riverside_mso, response=response)

    closed = services.incident_transition(incident=insulin_incident, actor=riverside_mso, transition="close")
    assert closed.status == "closed"


def test_an_untouched_field_keeps_its_value(insulin_incident, riverside_mso):
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                                  title="AAR", lead=riverside_mso)
    psirf_services.response_update(actor=riverside_mso, response=response, details={"findings": "First findings."})
    response = psirf_services.response_update(actor=riverside_mso, response=response, details={"staff_engagement": "Huddle."})
    assert response.findings == "First findings." and response.staff_engagement == "Huddle."


def test_a_completed_response_is_kept_as_completed(insulin_incident, riverside_mso):
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                                  title="AAR", lead=riverside_mso)
    psirf_services.response_update(actor=riverside_mso, response=response, details={
        "findings": "F.", "patient_family_engagement": "P.", "staff_engagement": "S."})
    psirf_services.response_complete(actor=riverside_mso, response=response)
    with pytest.raises(DomainError, match="completed"):
        psirf_services.response_update(actor=riverside_mso, response=response, details={"findings": "Changed."})


def test_a_safety_action_of_another_incident_is_refused(insulin_incident, make_incident, riverside_mso):
    response = psirf_services.response_commission(actor=riverside_mso, incidents=[insulin_incident], response_type="aar",
                                                  title="AAR", lead=riverside_mso)
    other = services.incident_action_add(incident=make_incident(), actor=riverside_mso, description="Elsewhere",
                                         owner=riverside_mso, due_date=timezone.localdate() + timedelta(days=3))
    with pytest.raises(DomainError, match="covers"):
        psirf_services.response_link_actions(actor=riverside_mso, response=response, actions=[other])


# --- Thematic reviews ------------------------------------------------------------------------------


def test_a_thematic_review_covers_several_incidents_and_does_not_hold_them_open(make_incident, riverside_mso):
    incidents = [make_incident() for _ in range(3)]
    review = psirf_services.response_commission(actor=riverside_mso, incidents=incidents, response_type="thematic",
                                                title="Omitted doses", lead=riverside_mso)
    assert review.incidents.count() == 3
    assert review.due_date == timezone.localdate() + timedelta(days=settings.PSIRF_RESPONSE_DUE_DAYS["thematic"])
    ready_to_close(incidents[0], riverside_mso)
    assert services.incident_transition(incident=incidents[0], actor=riverside_mso, transition="close").status == "closed"
    with pytest.raises(DomainError, match="already in progress"):
        psirf_services.response_commission(actor=riverside_mso, incidents=incidents, response_type="thematic",
                                           title="omitted doses", lead=riverside_mso)


def test_a_thematic_review_needs_two_incidents_of_one_organisation(make_incident, hillside, hillside_staff, riverside_mso):
    with pytest.raises(DomainError, match="2 to"):
        psirf_services.response_commission(actor=riverside_mso, incidents=[make_incident()], response_type="thematic",
                                           title="T", lead=riverside_mso)
    stranger = make_incident(reporter=hillside_staff, organisation=hillside)
    with pytest.raises(DomainError, match="one organisation"):
        psirf_services.response_commission(actor=riverside_mso, incidents=[make_incident(), stranger],
                                           response_type="thematic", title="T", lead=riverside_mso)


def test_the_thematic_view_filters_compares_and_starts_a_review(client, make_incident, riverside_mso, hillside, hillside_staff):
    omitted = [make_incident(error_types=["omitted_delayed"], contributing_factors=["task"],
                             medicines=[{"name": "Co-careldopa", "route": "oral", "dose": "25/100"}]) for _ in range(2)]
    other = make_incident(error_types=["overdose"])
    stranger = make_incident(reporter=hillside_staff, organisation=hillside, error_types=["omitted_delayed"])
    client.force_login(riverside_mso)
    url = reverse("incidents:thematic")

    page = client.get(url, {"error_type": "omitted_delayed"}).content.decode()

    assert all(i.reference in page for i in omitted) and other.reference not in page and stranger.reference not in page
    assert "Co-careldopa" in page and "Task" in page
    response = client.post(url + "?error_type=omitted_delayed", {
        "incidents": [i.pk for i in omitted], "title": "Omitted Parkinson's doses", "lead": riverside_mso.pk,
        "participants": "Ward sisters"})
    review = LearningResponse.objects.get(title="Omitted Parkinson's doses")
    assert response.status_code == 302 and set(review.incidents.all()) == set(omitted)
    # Another organisation's incident sent by hand is not among the choices.
    response = client.post(url, {"incidents": [omitted[0].pk, stranger.pk], "title": "Forged", "lead": riverside_mso.pk})
    assert response.status_code == 400 and not LearningResponse.objects.filter(title="Forged").exists()


def test_the_incident_page_offers_the_suggestion(client, high_alert_rule, insulin_incident, riverside_mso):
    client.force_login(riverside_mso)
    page = client.get(reverse("incidents:incident_detail", args=[insulin_incident.reference])).content.decode()
    assert "Suggested: After Action Review (AAR)" in page and "High-alert medicine with moderate harm" in page
